from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from gongkai.units import selectors
from gongkai.units.models import Unit


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"units": selectors.public_units()})


def unit_directory(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/unit_directory.html", {"units": selectors.public_units()})


def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(selectors.public_units(), code=code)
    return render(request, "portal/unit_detail.html", {"unit": unit})


__all__ = ["Unit", "home", "unit_detail", "unit_directory"]
