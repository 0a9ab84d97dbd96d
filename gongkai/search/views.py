"""The public search page (issue #4 §3)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def results(request: HttpRequest) -> HttpResponse:
    return render(request, "search/results.html", {"nav": "search"})
