"""Reads of units, agency information and disclosure-officer filings."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from gongkai.units.models import DisclosureOfficerFiling, FilingStatus, Leader, Unit


def public_units() -> QuerySet[Unit]:
    """Active units for the portal, with what their pages show."""
    return (
        Unit.objects.filter(is_active=True)
        .select_related("supervising_unit")
        .prefetch_related(
            Prefetch("leaders", queryset=Leader.objects.order_by("sort_order", "id")),
            Prefetch(
                "supervised_units",
                queryset=Unit.objects.filter(is_active=True).order_by("sort_order", "code"),
            ),
        )
    )


def public_unit(code: str) -> Unit:
    return public_units().get(code=code)


def units_with_officer_status() -> QuerySet[Unit]:
    """Every active unit annotated with ``has_officer`` (confirmed) and ``has_pending``."""
    confirmed = DisclosureOfficerFiling.objects.filter(
        unit=OuterRef("pk"), status=FilingStatus.CONFIRMED
    )
    pending = DisclosureOfficerFiling.objects.filter(
        unit=OuterRef("pk"), status=FilingStatus.PENDING
    )
    return Unit.objects.filter(is_active=True).annotate(
        has_officer=Exists(confirmed), has_pending=Exists(pending)
    )


def units_without_officer() -> QuerySet[Unit]:
    """Active units with no confirmed disclosure officer on record (R-6.1)."""
    confirmed = DisclosureOfficerFiling.objects.filter(
        unit=OuterRef("pk"), status=FilingStatus.CONFIRMED
    )
    return Unit.objects.filter(is_active=True).filter(~Exists(confirmed))


def current_officer_filing(unit: Unit) -> DisclosureOfficerFiling | None:
    return (
        DisclosureOfficerFiling.objects.filter(unit=unit, status=FilingStatus.CONFIRMED)
        .select_related("officer")
        .first()
    )


def public_unit_list() -> QuerySet[Unit]:
    """Active units for directory pages, each with its supervising unit: one query."""
    return Unit.objects.filter(is_active=True).select_related("supervising_unit")


def unit_by_code(code: str) -> Unit:
    """Any unit, active or not, with its leaders and the active units it supervises.

    For staff-facing reads (the API's write endpoint); raises ``Unit.DoesNotExist``.
    """
    return (
        Unit.objects.select_related("supervising_unit")
        .prefetch_related(
            Prefetch("leaders", queryset=Leader.objects.order_by("sort_order", "id")),
            Prefetch(
                "supervised_units",
                queryset=Unit.objects.filter(is_active=True).order_by("sort_order", "code"),
            ),
        )
        .get(code=code)
    )
