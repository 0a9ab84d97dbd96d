"""Public pages of disclosure requests: apply, track (issue #5 §1, §7)."""

from django.urls import path  # noqa: F401

app_name = "requests_public"
urlpatterns: list = []
