from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.views import AuditedPasswordChangeView
from gongkai.api.api import api

admin.site.site_header = admin.site.site_title = "公开 Gongkai"
admin.site.index_title = _("Back office")
# Roles live in units (accounts.Membership); Django's groups are not used.
admin.site.unregister(Group)

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    # Staff changing their own password: the admin's page, plus an audit entry.
    path(
        "backoffice/password_change/",
        admin.site.admin_view(AuditedPasswordChangeView.as_view()),
        name="backoffice_password_change",
    ),
    path("backoffice/library/", include("gongkai.library.urls")),
    path("backoffice/exports/", include("gongkai.library.export_urls")),
    path("backoffice/requests/", include("gongkai.disclosure_requests.urls_staff")),
    path("backoffice/annual-reports/", include("gongkai.annual_reports.urls_staff")),
    path("backoffice/", admin.site.urls),
    path("campaigns/", include("gongkai.campaigns.urls")),
    path("search/", include("gongkai.search.urls")),
    path("requests/", include("gongkai.disclosure_requests.urls_public")),
    path("annual-reports/", include("gongkai.annual_reports.urls_public")),
    path("", include("gongkai.portal.urls")),
    prefix_default_language=False,
)
