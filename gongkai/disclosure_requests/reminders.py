"""Due-soon and overdue disclosure requests: the list and the daily reminders (issue #5 §4, §12).

A request is *due soon* when its clock runs and its reply is due today or within
``DUE_SOON_WORKING_DAYS`` working days (3 unless configured), and *overdue* when the
reply was due before today — the same rule as the back-office lists
(:mod:`gongkai.disclosure_requests.selectors`), read from the stored due date that the
services and the calendar hook keep up to date.

:func:`due_items` gives the list (``gongkai requests due`` prints it);
:func:`send_due_reminders` — the daily job in :mod:`gongkai.disclosure_requests.tasks` —
sends each unit's disclosure officers and heads one digest of their unit's requests, and
the Office administrators one digest across units. The digests name tracking numbers,
units and dates only: no applicant's personal data leaves the database by e-mail (R-4.3).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation

from gongkai.accounts.models import Membership, Role, User
from gongkai.core import calendar
from gongkai.core.jobs import enqueue_on_commit
from gongkai.core.tasks import send_email
from gongkai.disclosure_requests.choices import Status
from gongkai.disclosure_requests.clock import rules
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.units.models import Unit

HANDLER_ROLES = (Role.DISCLOSURE_OFFICER, Role.DISCLOSURE_HEAD)


def due_soon_days() -> int:
    return int(rules()["DUE_SOON_WORKING_DAYS"])


@dataclass(frozen=True)
class DueItem:
    """One open request that is due soon or overdue on ``today``."""

    request: DisclosureRequest
    today: datetime.date
    left: int  # working days after today up to the due date; negative: days overdue
    unconfirmed_years: tuple[int, ...] = ()

    @property
    def due_on(self) -> datetime.date:
        return self.request.due_on or self.today  # due_items lists dated requests only

    @property
    def overdue(self) -> bool:
        return self.due_on < self.today

    @property
    def confirmed(self) -> bool:
        return self.request.due_confirmed

    @property
    def deadline(self) -> calendar.Deadline:
        return calendar.Deadline(self.due_on, self.confirmed, self.unconfirmed_years)

    def warning(self, language: str) -> str:
        """The calendar warning in ``language`` ("" when the date is confirmed)."""
        if self.confirmed:
            return ""
        with translation.override(language):
            return self.deadline.warning

    def as_dict(self) -> dict[str, object]:
        request = self.request
        return {
            "tracking_number": request.tracking_number,
            "unit": request.unit.code,
            "unit_name": request.unit.name_zh,
            "status": request.status,
            "received_on": request.received_on.isoformat() if request.received_on else None,
            "due_on": self.due_on.isoformat(),
            "working_days_left": self.left,
            "overdue": self.overdue,
            "due_confirmed": self.confirmed,
            "unconfirmed_years": list(self.unconfirmed_years),
            "warning_zh": self.warning("zh-hans"),
            "warning_en": self.warning("en"),
        }


def due_items(
    *,
    today: datetime.date | None = None,
    days: int | None = None,
    units: Iterable[Unit] | None = None,
    cal: calendar.WorkingCalendar | None = None,
) -> list[DueItem]:
    """Every open request overdue or due within ``days`` working days of ``today`` (default
    the configured due-soon threshold), optionally of ``units`` only; overdue first, then by
    due date. Two queries, whatever the number of requests."""
    today = today or timezone.localdate()
    days = due_soon_days() if days is None else days
    cal = cal or calendar.working_calendar()
    until = cal.add_working_days(today, days).date
    queryset = (
        DisclosureRequest.objects.exclude(status=Status.CLOSED)
        .filter(clock_paused=False, due_on__isnull=False, due_on__lte=until)
        .select_related("unit")
        .order_by("due_on", "unit__code", "tracking_number")
    )
    if units is not None:
        queryset = queryset.filter(unit__in=list(units))
    items = []
    for request in queryset:
        due_on = request.due_on or today  # the query keeps dated requests only
        if due_on >= today:
            left = cal.working_days_between(today, due_on)
        else:
            left = -cal.working_days_between(due_on, today)
        start = request.clock_started_on or request.received_on or today
        unconfirmed = () if request.due_confirmed else cal.unconfirmed_years(start, due_on)
        items.append(DueItem(request, today, left, unconfirmed))
    return items


def item_line(item: DueItem) -> str:
    """One request as one bilingual line (no personal data)."""
    request = item.request
    received = request.received_on.isoformat() if request.received_on else "—"
    if item.overdue:
        n = -item.left
        state = f"已逾期 {n} 个工作日 / {n} working day(s) overdue"
    elif item.left == 0:
        state = "今天到期 / due today"
    else:
        state = f"剩余 {item.left} 个工作日 / {item.left} working day(s) left"
    line = (
        f"{request.tracking_number}  {request.unit.code} {request.unit.name_zh}  "
        f"收到 / received {received}  期限 / due {item.due_on.isoformat()}  {state}"
    )
    if not item.confirmed:
        line += "  [工作日历未确认 / calendar not confirmed]"
    return line


def digest_lines(items: Sequence[DueItem]) -> list[str]:
    """The overdue and due-soon sections of a digest or of ``gongkai requests due``."""
    lines: list[str] = []
    overdue = [item for item in items if item.overdue]
    soon = [item for item in items if not item.overdue]
    if overdue:
        lines.append("已逾期 / overdue:")
        lines += [f"  {item_line(item)}" for item in overdue]
    if soon:
        lines.append("即将到期 / due soon:")
        lines += [f"  {item_line(item)}" for item in soon]
    return lines


def digest_subject(items: Sequence[DueItem]) -> str:
    overdue = sum(1 for item in items if item.overdue)
    soon = len(items) - overdue
    return (
        f"[政务公开] 依申请公开答复期限提醒：{overdue} 件已逾期、{soon} 件即将到期 / "
        f"disclosure requests: {overdue} overdue, {soon} due soon"
    )


def digest_body(items: Sequence[DueItem], *, days: int, today: datetime.date) -> str:
    warnings = sorted({item.warning("zh-hans") for item in items if not item.confirmed})
    warnings_en = sorted({item.warning("en") for item in items if not item.confirmed})
    parts = [
        f"截至 {today.isoformat()}，以下政府信息公开申请已逾期或将在 {days} 个工作日内到期，"
        "请及时答复（《中华人民共和国政府信息公开条例》第三十三条）。",
        f"As of {today.isoformat()} these disclosure requests are overdue or due within "
        f"{days} working day(s): reply in time (Regulation Art. 33).",
        "",
        *digest_lines(items),
        "",
    ]
    if warnings:
        parts += [*warnings, *warnings_en, ""]
    parts.append(
        "请登录后台“依申请公开”查看和办理。/ Sign in to the back office (disclosure requests) "
        "to handle them."
    )
    return "\n".join(parts) + "\n"


def _emails(users: Iterable[str]) -> list[str]:
    return sorted({email for email in users if email})


def unit_handler_emails(unit_ids: Iterable[int]) -> dict[int, list[str]]:
    """The e-mail addresses of the active disclosure officers and heads of each unit."""
    found: dict[int, set[str]] = defaultdict(set)
    rows = (
        Membership.objects.filter(
            unit_id__in=list(unit_ids), role__in=HANDLER_ROLES, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("unit_id", "user__email")
    )
    for unit_id, email in rows:
        found[unit_id].add(email)
    return {unit_id: sorted(emails) for unit_id, emails in found.items()}


def office_emails() -> list[str]:
    """The e-mail addresses of the active Office administrators."""
    return _emails(
        User.objects.filter(is_office_admin=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def send_due_reminders(today: datetime.date | None = None) -> int:
    """Queue the day's reminder digests; return how many e-mails were queued.

    Each unit with due-soon or overdue requests and at least one handler with an e-mail
    address gets one digest of its own requests; the Office administrators get one digest
    of all of them. Nothing goes out on a rest day (the next working day's digest lists
    everything). The job runs once a day (:mod:`gongkai.disclosure_requests.tasks`), so
    each digest goes once a day; calling this again sends them again.
    """
    today = today or timezone.localdate()
    cal = calendar.working_calendar()
    if not cal.is_working_day(today):
        return 0
    days = due_soon_days()
    items = due_items(today=today, days=days, cal=cal)
    if not items:
        return 0
    by_unit: dict[int, list[DueItem]] = defaultdict(list)
    for item in items:
        by_unit[item.request.unit_id].append(item)
    recipients = unit_handler_emails(by_unit)
    sent = 0
    with transaction.atomic():
        for unit_id, unit_items in by_unit.items():
            emails = recipients.get(unit_id)
            if not emails:
                continue
            enqueue_on_commit(
                send_email,
                digest_subject(unit_items),
                digest_body(unit_items, days=days, today=today),
                emails,
            )
            sent += 1
        office = office_emails()
        if office:
            enqueue_on_commit(
                send_email,
                digest_subject(items),
                digest_body(items, days=days, today=today),
                office,
            )
            sent += 1
    return sent
