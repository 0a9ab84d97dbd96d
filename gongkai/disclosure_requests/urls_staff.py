"""Back-office pages of disclosure requests (issue #5 §2–§6, §8–§11)."""

from django.urls import path  # noqa: F401

app_name = "requests_staff"
urlpatterns: list = []
