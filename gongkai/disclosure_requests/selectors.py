"""Reads of disclosure requests for the back office (issue #5 §2–§4, §8, §11).

Every read is scoped through the permission layer: a user sees the requests of the units
where they hold ``Perm.REQUEST_HANDLE`` (the disclosure officers and heads of those units);
the Office sees every request. Unit administrators and editors without an officer role
see none (R-4.3: applicants' personal data stays with those handling the request).

    request_for_staff(user, "YS2026-7K3M-9QXA")   # or DisclosureRequest.DoesNotExist
    requests_for(user, {"status": "processing", "due": "soon"})
    due_soon(user, today), overdue(user, today)
    repeated_information()                        # the Office's list (Art. 44)
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from gongkai.accounts.permissions import Perm, scope
from gongkai.core import calendar
from gongkai.disclosure_requests.choices import Status
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.library.numbers import search_key

# Values of the "due" filter of the list.
DUE_SOON = "soon"
OVERDUE = "overdue"


def _today() -> datetime.date:
    return timezone.localdate()


def _scoped(user: Any) -> QuerySet[DisclosureRequest]:
    return scope(user, Perm.REQUEST_HANDLE, DisclosureRequest.objects.all())


def request_for_staff(user: Any, tracking_number: str) -> DisclosureRequest:
    """The request with ``tracking_number`` if ``user`` may handle it, with everything its
    page shows loaded; raises ``DisclosureRequest.DoesNotExist`` otherwise (the caller
    answers 404, so a request outside one's units is indistinguishable from none)."""
    return (
        _scoped(user)
        .select_related(
            "unit",
            "received_by_unit",
            "registered_by",
            "parent",
            "converted_document",
            "clarification",
            "clarification__asked_by",
            "reply",
            "reply__drafted_by",
            "reply__approved_by",
            "reply__issued_by",
            "fee_notice",
        )
        .prefetch_related(
            "pauses__approved_by",
            "extensions__approved_by",
            "events__by",
            "transfers__from_unit",
            "transfers__to_unit",
            "transfers__by",
            "review_cases",
            "attachments",
            "parts__unit",
            "reply__files",
        )
        .get(tracking_number=tracking_number)
    )


def due_soon_until(today: datetime.date) -> datetime.date:
    """The last due date that counts as "due soon" on ``today``."""
    days = int(settings.GONGKAI_REQUESTS["DUE_SOON_WORKING_DAYS"])  # type: ignore[call-overload]
    return calendar.add_working_days(today, days).date


def _open(queryset: QuerySet[DisclosureRequest]) -> QuerySet[DisclosureRequest]:
    return queryset.exclude(status=Status.CLOSED)


def _due_soon(
    queryset: QuerySet[DisclosureRequest], today: datetime.date
) -> QuerySet[DisclosureRequest]:
    return _open(queryset).filter(
        clock_paused=False, due_on__gte=today, due_on__lte=due_soon_until(today)
    )


def _overdue(
    queryset: QuerySet[DisclosureRequest], today: datetime.date
) -> QuerySet[DisclosureRequest]:
    return _open(queryset).filter(due_on__lt=today)


def requests_for(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[DisclosureRequest]:
    """The requests ``user`` handles (the Office: all), newest first, filtered by
    ``status``, ``unit`` (a unit or its id), ``due`` (``"soon"`` or ``"overdue"``, on
    ``today`` — default the local date) and ``paused`` (True / False)."""
    filters = filters or {}
    queryset = _scoped(user).select_related("unit")
    status = filters.get("status")
    if status:
        queryset = queryset.filter(status=status)
    unit = filters.get("unit")
    if unit:
        queryset = queryset.filter(unit=unit)
    today = filters.get("today") or _today()
    due = filters.get("due")
    if due == DUE_SOON:
        queryset = _due_soon(queryset, today)
    elif due == OVERDUE:
        queryset = _overdue(queryset, today)
    paused = filters.get("paused")
    if paused is not None and paused != "":
        queryset = queryset.filter(clock_paused=bool(paused))
    return queryset.order_by("-submitted_at", "-pk")


def due_soon(user: Any, today: datetime.date | None = None) -> QuerySet[DisclosureRequest]:
    """Open requests whose clock runs and whose reply is due between ``today`` and
    ``DUE_SOON_WORKING_DAYS`` working days later (R-5.2), earliest first."""
    today = today or _today()
    return (
        _due_soon(_scoped(user), today)
        .select_related("unit")
        .order_by("unit__name_zh", "due_on", "pk")
    )


def overdue(user: Any, today: datetime.date | None = None) -> QuerySet[DisclosureRequest]:
    """Open requests whose reply was due before ``today``, earliest first."""
    today = today or _today()
    return (
        _overdue(_scoped(user), today)
        .select_related("unit")
        .order_by("unit__name_zh", "due_on", "pk")
    )


def applicant_time_lapsed(
    user: Any, today: datetime.date | None = None
) -> QuerySet[DisclosureRequest]:
    """Open requests where the applicant let a deadline pass: a clarification not given by
    its date (Art. 30), or a fee not paid by its date (国办函〔2020〕109号). The officer
    closes them with the outcome 三(六)1 or 三(六)2."""
    today = today or _today()
    clarification = Q(
        status=Status.CLARIFICATION,
        clarification__clarified_on__isnull=True,
        clarification__respond_by__lt=today,
    )
    fee = Q(fee_notice__paid_on__isnull=True, fee_notice__pay_by__lt=today)
    return (
        _open(_scoped(user))
        .filter(clarification | fee)
        .select_related("unit", "clarification", "fee_notice")
        .order_by("unit__name_zh", "pk")
    )


# --- Information requested repeatedly (Art. 44; issue #5 §8) ----------------------------


@dataclass(frozen=True)
class RequestRef:
    """One request in a group of :func:`repeated_information` (no personal data)."""

    pk: int
    tracking_number: str
    unit_name: str
    status: str
    submitted_at: datetime.datetime
    received_on: datetime.date | None


@dataclass
class RepeatedInformation:
    """Information asked for by two or more requests: by document number, else by title."""

    by: str  # "document_number" or "title"
    label: str  # the number or title as first written
    requests: list[RequestRef] = field(default_factory=list)
    applicants: int = 0  # how many different applicants asked

    @property
    def count(self) -> int:
        return len(self.requests)


_TITLE_NOISE = re.compile(r"[\s，。、,.;；:：“”\"'《》〈〉（）()【】\[\]！!？?]+")


def _title_key(title: str) -> str:
    return _TITLE_NOISE.sub("", title or "").lower()


def repeated_information(minimum: int = 2) -> list[RepeatedInformation]:
    """Information requested by at least ``minimum`` requests (parts split off a request
    are not counted twice), grouped by the normalised document number, or by the title
    where there is none; most requested first. For the Office (the caller checks)."""
    rows = (
        DisclosureRequest.objects.filter(parent__isnull=True)
        .values_list(
            "pk",
            "tracking_number",
            "unit__name_zh",
            "status",
            "submitted_at",
            "received_on",
            "info_document_number",
            "info_title",
            "applicant_key",
        )
        .order_by("submitted_at", "pk")
    )
    groups: dict[tuple[str, str], RepeatedInformation] = {}
    applicants: dict[tuple[str, str], set[str]] = {}
    for pk, number, unit_name, status, submitted_at, received_on, doc_no, title, key in rows:
        number_key = search_key(doc_no) if doc_no.strip() else ""
        if number_key:
            group_key, label = ("document_number", number_key), doc_no.strip()
        elif _title_key(title):
            group_key, label = ("title", _title_key(title)), title.strip()
        else:
            continue
        group = groups.get(group_key)
        if group is None:
            group = groups[group_key] = RepeatedInformation(by=group_key[0], label=label)
            applicants[group_key] = set()
        group.requests.append(RequestRef(pk, number, unit_name, status, submitted_at, received_on))
        applicants[group_key].add(key or f"#{pk}")
    found = []
    for group_key, group in groups.items():
        if group.count >= minimum:
            group.applicants = len(applicants[group_key])
            found.append(group)
    found.sort(key=lambda g: (-g.count, g.label))
    return found
