"""URLs of the government-information column (政府信息公开专栏, issue #4 §1)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
