"""Back-office downloads of the catalogue (issue #3 §10): ``/backoffice/exports/…``."""

from django.urls import path

from gongkai.library.exports import catalogue_export

app_name = "library_exports"
urlpatterns = [
    path("catalogue/", catalogue_export, name="catalogue"),
]
