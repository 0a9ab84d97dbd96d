"""Back-office pages of the library under /backoffice/library/."""

from django.urls import path

from gongkai.library import import_views

app_name = "library"
urlpatterns = [
    path("import/", import_views.upload, name="document_import"),
    path("import/<str:token>/", import_views.status, name="document_import_status"),
    path("import/<str:token>/confirm/", import_views.confirm, name="document_import_confirm"),
    path("import/<str:token>/errors.csv", import_views.errors, name="document_import_errors"),
]
