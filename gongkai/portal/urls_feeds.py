"""URLs of the feeds and the sitemap (issue #4 §5)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
