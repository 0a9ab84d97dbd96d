"""Reads of review campaigns: the filter, matching documents, scoped task lists, progress."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from gongkai.accounts.permissions import Perm, scope, unit_ids_where
from gongkai.campaigns.models import Campaign, CampaignKind, CampaignTask
from gongkai.library.choices import DisclosureAttribute, DocumentKind, Validity
from gongkai.library.models import Document
from gongkai.units.models import Unit

FILTER_KEYS = ("signed_from", "signed_to", "validity", "attributes", "kinds", "units")
# An attribute review never asks about information that is already proactive.
REVIEWABLE_ATTRIBUTES = [
    DisclosureAttribute.UNDECIDED,
    DisclosureAttribute.ON_REQUEST,
    DisclosureAttribute.WITHHELD,
]


def default_filter(kind: str) -> dict[str, Any]:
    """What a campaign of ``kind`` covers when the Office narrows nothing.

    Attribute review: documents still in force whose attribute is undecided, on request or
    withheld (the Office usually adds a signed-from date, e.g. 2010-01-01). Clean-up:
    every normative document in force.
    """
    if kind == CampaignKind.ATTRIBUTE_REVIEW:
        return {
            "signed_from": None,
            "signed_to": None,
            "validity": [Validity.IN_FORCE.value],
            "attributes": [a.value for a in REVIEWABLE_ATTRIBUTES],
            "kinds": [],
            "units": [],
        }
    return {
        "signed_from": None,
        "signed_to": None,
        "validity": [Validity.IN_FORCE.value],
        "attributes": [],
        "kinds": [DocumentKind.NORMATIVE.value],
        "units": [],
    }


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        errors.setdefault(field, []).append(
            f"日期格式应为 YYYY-MM-DD：{value} / A date must be written YYYY-MM-DD: {value}"
        )
        return None


def _choices(
    values: Any, allowed: Iterable[str], field: str, errors: dict[str, list[str]]
) -> list[str]:
    wanted = [str(v) for v in (values or [])]
    allowed = list(allowed)
    unknown = [v for v in wanted if v not in allowed]
    if unknown:
        errors.setdefault(field, []).append(
            f"未知的取值：{'、'.join(unknown)} / Unknown values: {', '.join(unknown)}"
        )
    return [v for v in allowed if v in wanted]  # choice order, no duplicates


def clean_filter(kind: str, raw: dict[str, Any] | None) -> dict[str, Any]:
    """The campaign filter in its stored form: every key present, lists in choice order,
    dates as ISO strings, units as ids; an empty list takes the kind's default.

    Raises ``ValidationError`` (per field, in Chinese and English) for unknown keys or
    values, dates in the wrong order, and an attribute review that includes proactive
    information.
    """
    if kind not in CampaignKind.values:
        raise ValidationError({"kind": [f"未知的活动类型：{kind} / Unknown campaign kind: {kind}"]})
    raw = dict(raw or {})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - set(FILTER_KEYS))
    if unknown:
        errors.setdefault("filter", []).append(
            f"未知的筛选条件：{', '.join(unknown)} / Unknown filter keys: {', '.join(unknown)}"
        )
    defaults = default_filter(kind)
    cleaned: dict[str, Any] = {
        "signed_from": _date(raw.get("signed_from"), "signed_from", errors),
        "signed_to": _date(raw.get("signed_to"), "signed_to", errors),
        "validity": _choices(raw.get("validity"), Validity.values, "validity", errors),
        "attributes": _choices(
            raw.get("attributes"), DisclosureAttribute.values, "attributes", errors
        ),
        "kinds": _choices(raw.get("kinds"), DocumentKind.values, "kinds", errors),
    }
    for key in ("validity", "attributes", "kinds"):
        cleaned[key] = cleaned[key] or defaults[key]
    if (
        cleaned["signed_from"]
        and cleaned["signed_to"]
        and cleaned["signed_from"] > cleaned["signed_to"]
    ):
        errors.setdefault("signed_to", []).append(
            "截止日期不能早于起始日期 / The end date cannot be before the start date."
        )
    if (
        kind == CampaignKind.ATTRIBUTE_REVIEW
        and DisclosureAttribute.PROACTIVE in cleaned["attributes"]
    ):
        errors.setdefault("attributes", []).append(
            "公开属性审查只针对未确定、依申请公开或不予公开的信息 / An attribute review covers "
            "only information whose attribute is undecided, on request or withheld."
        )
    unit_ids: list[int] = []
    for unit in raw.get("units") or []:
        try:
            unit_ids.append(unit.pk if isinstance(unit, Unit) else int(unit))
        except (TypeError, ValueError):
            errors.setdefault("units", []).append(f"未知的单位：{unit} / Unknown unit: {unit}")
    if unit_ids:
        known = set(Unit.objects.filter(pk__in=unit_ids).values_list("pk", flat=True))
        missing = [str(u) for u in unit_ids if u not in known]
        if missing:
            errors.setdefault("units", []).append(
                f"未知的单位：{'、'.join(missing)} / Unknown units: {', '.join(missing)}"
            )
    cleaned["units"] = sorted(set(unit_ids))
    if errors:
        raise ValidationError(errors)
    return cleaned


def campaign_matching_documents(filter: dict[str, Any], kind: str) -> QuerySet[Document]:
    """The documents a campaign of ``kind`` with ``filter`` covers (filter cleaned first)."""
    cleaned = clean_filter(kind, filter)
    documents = Document.objects.all()
    if cleaned["signed_from"]:
        documents = documents.filter(signed_date__gte=cleaned["signed_from"])
    if cleaned["signed_to"]:
        documents = documents.filter(signed_date__lte=cleaned["signed_to"])
    if cleaned["validity"]:
        documents = documents.filter(validity__in=cleaned["validity"])
    if cleaned["attributes"]:
        documents = documents.filter(attribute__in=cleaned["attributes"])
    if cleaned["kinds"]:
        documents = documents.filter(kind__in=cleaned["kinds"])
    if cleaned["units"]:
        documents = documents.filter(unit__in=cleaned["units"])
    return documents.order_by("unit_id", "id")


def matching_count_per_unit(filter: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """For the launch preview: how many documents of each unit the filter covers."""
    return list(
        campaign_matching_documents(filter, kind)
        .order_by()
        .values("unit_id", "unit__code", "unit__name_zh")
        .annotate(count=Count("id"))
        .order_by("unit__code")
    )


# --- Staff lists, scoped by the permission layer --------------------------------------


def campaigns_for(user: Any) -> QuerySet[Campaign]:
    """Campaigns the user sees: all for the Office, those with tasks of their units else."""
    ids = unit_ids_where(user, Perm.UNIT_VIEW_INTERNAL)
    campaigns = Campaign.objects.select_related("launched_by")
    if ids is None:
        return campaigns
    return campaigns.filter(pk__in=CampaignTask.objects.filter(unit__in=ids).values("campaign"))


def tasks_for(
    user: Any, campaign: Campaign | None = None, perm: Perm = Perm.UNIT_VIEW_INTERNAL
) -> QuerySet[CampaignTask]:
    """The tasks of the user's units (every unit for the Office)."""
    tasks = CampaignTask.objects.select_related("campaign", "document", "unit", "decided_by")
    if campaign is not None:
        tasks = tasks.filter(campaign=campaign)
    return scope(user, perm, tasks)


def task_for(user: Any, pk: int, perm: Perm = Perm.UNIT_VIEW_INTERNAL) -> CampaignTask:
    """One task if the user may see it; ``CampaignTask.DoesNotExist`` otherwise."""
    return tasks_for(user, perm=perm).get(pk=pk)


@dataclass(frozen=True)
class UnitProgress:
    unit_id: int | None  # None on the totals row
    code: str
    name: str
    total: int
    decided: int
    applied: int
    errors: int

    @property
    def undecided(self) -> int:
        return self.total - self.decided

    @property
    def percent_decided(self) -> int:
        return round(100 * self.decided / self.total) if self.total else 100


def campaign_progress(
    campaign: Campaign, user: Any = None
) -> tuple[list[UnitProgress], UnitProgress]:
    """Per unit: tasks, decided, applied and with an error — one query. With ``user``, only
    the units that user may see. Returns (rows, totals)."""
    tasks = CampaignTask.objects.filter(campaign=campaign)
    if user is not None:
        tasks = scope(user, Perm.UNIT_VIEW_INTERNAL, tasks)
    rows = [
        UnitProgress(
            unit_id=row["unit_id"],
            code=row["unit__code"],
            name=row["unit__name_zh"],
            total=row["total"],
            decided=row["decided"],
            applied=row["applied_count"],
            errors=row["errors"],
        )
        for row in tasks.values("unit_id", "unit__code", "unit__name_zh", "unit__sort_order")
        .annotate(
            total=Count("id"),
            decided=Count("id", filter=~Q(decision="")),
            applied_count=Count("id", filter=Q(applied=True)),
            errors=Count("id", filter=~Q(error="")),
        )
        .order_by("unit__sort_order", "unit__code")
    ]
    totals = UnitProgress(
        unit_id=None,
        code="",
        name="",
        total=sum(r.total for r in rows),
        decided=sum(r.decided for r in rows),
        applied=sum(r.applied for r in rows),
        errors=sum(r.errors for r in rows),
    )
    return rows, totals


# --- Public ----------------------------------------------------------------------------


def published_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(results_published=True).order_by("-results_published_at")


def published_campaign(pk: int) -> Campaign:
    """A campaign whose results the Office published; ``Campaign.DoesNotExist`` otherwise."""
    return published_campaigns().get(pk=pk)


def campaign_results(campaign: Campaign) -> QuerySet[CampaignTask]:
    """The decided tasks of a campaign, for its results list (one query)."""
    return (
        CampaignTask.objects.filter(campaign=campaign)
        .exclude(decision="")
        .select_related("document", "unit")
        .defer("document__body", "document__body_text")
        .order_by("decision", "unit__sort_order", "unit__code", "document__index_number")
    )
