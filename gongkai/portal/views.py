"""Public portal pages. They read through :mod:`gongkai.units.selectors` and write nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from gongkai.units import selectors
from gongkai.units.models import Unit, UnitKind

# Headings for the groups of units, in the order the portal shows them.
KIND_HEADINGS: dict[str, Any] = {
    UnitKind.DEPARTMENT: _("Departments of the administrative committee"),
    UnitKind.COMMUNITY: _("Community committees"),
    UnitKind.PROVIDER: _("Public service providers"),
}


def _grouped_by_kind(units: Iterable[Unit]) -> list[dict[str, Any]]:
    """Units in groups, departments first, then community committees, then providers."""
    groups: dict[str, list[Unit]] = {kind: [] for kind in KIND_HEADINGS}
    for unit in units:
        groups.setdefault(unit.kind, []).append(unit)
    return [
        {"kind": kind, "heading": KIND_HEADINGS.get(kind, kind), "units": members}
        for kind, members in groups.items()
        if members
    ]


def home(request: HttpRequest) -> HttpResponse:
    groups = _grouped_by_kind(selectors.public_unit_list())
    return render(request, "portal/home.html", {"groups": groups, "nav": "home"})


def unit_directory(request: HttpRequest) -> HttpResponse:
    groups = _grouped_by_kind(selectors.public_unit_list())
    return render(request, "portal/unit_directory.html", {"groups": groups, "nav": "units"})


def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        unit = selectors.public_unit(code)
    except Unit.DoesNotExist:
        raise Http404(_("There is no unit with this code.")) from None
    return render(request, "portal/unit_detail.html", {"unit": unit, "nav": "units"})
