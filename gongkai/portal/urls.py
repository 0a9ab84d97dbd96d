from django.urls import path, re_path

from gongkai.portal import display, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.unit_directory, name="unit_directory"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    # Government information. Index numbers contain "/" (JJJ/11-2020-00001), hence <path:>;
    # the attachment route comes first so that it is not read as part of an index number.
    path("documents/", views.document_list, name="document_list"),
    path(
        "documents/<path:index_number>/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("documents/<path:index_number>/", views.document_detail, name="document_detail"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("display/text-size/", display.text_size, name="text_size"),  # issue #4 §7
    re_path(
        r"^catalogue/catalogue\.(?P<fmt>xlsx|csv)$",
        views.catalogue_download,
        name="catalogue_download",
    ),
]

# The column (issue #4 §1) and the feeds and sitemap (§5) keep their URLs in modules of their own.
from gongkai.portal import urls_column, urls_feeds  # noqa: E402

urlpatterns += urls_column.urlpatterns + urls_feeds.urlpatterns
