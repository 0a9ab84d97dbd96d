from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from gongkai.api.api import api

admin.site.site_header = admin.site.site_title = "公开 Gongkai"

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("backoffice/", admin.site.urls),
    path("", include("gongkai.portal.urls")),
    prefix_default_language=False,
)
