"""Reminders of the annual report (issue #6 §6; Regulation Art. 49–50).

Each working day from ``GONGKAI_ANNUAL_REPORTS["REMIND_FROM"]`` (1 January) until the due
date (:func:`gongkai.annual_reports.selectors.due_on`, 31 January), every unit whose report
of last year is not published yet gets a reminder e-mail, sent to its disclosure officers and
heads of the disclosure office. After the due date they get an overdue notice instead, and
the Office's administrators a digest of every unit that is late (with the state of the
government's own report, due 31 March).

A report counts as published once a version of it has been published (a correction being
drafted does not bring the reminders back). Each e-mail is recorded in the audit log
(``report_remind`` on the unit, ``report_digest`` for the Office's digest) with the day, so
running the job twice on one day sends nothing the second time. Rest days are skipped, like
the requests' reminders: the next working day's e-mail says the same. The e-mails name units,
years, states and dates only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from gongkai.core.jobs import periodic

REMIND = "report_remind"
DIGEST = "report_digest"
STATE_NAMES = {
    None: "尚未开始编制 / not opened",
    "draft": "草稿 / draft",
    "reviewed": "已审核待发布 / reviewed, not published",
    "published": "已发布 / published",
}


@dataclass(frozen=True)
class Pending:
    """A unit whose report of ``year`` is not published on ``today``."""

    unit: Any
    report: Any
    year: int
    due_on: datetime.date
    today: datetime.date

    @property
    def overdue(self) -> bool:
        return self.today > self.due_on

    @property
    def kind(self) -> str:
        return "overdue" if self.overdue else "reminder"

    @property
    def state(self) -> str:
        return STATE_NAMES[self.report.state if self.report is not None else None]

    def key(self) -> str:
        """What the audit entry's note says: one e-mail of this kind, for this day."""
        return f"annual report {self.year} {self.kind} {self.today.isoformat()}"


def pending_reports(today: datetime.date) -> list[Pending]:
    """The active units whose report of last year is not published, once reminders have
    begun this year (``REMIND_FROM``); two queries."""
    from gongkai.annual_reports import selectors
    from gongkai.annual_reports.models import AnnualReport
    from gongkai.units.models import Unit

    month, day = settings.GONGKAI_ANNUAL_REPORTS["REMIND_FROM"]
    if today < datetime.date(today.year, month, day):
        return []
    year = today.year - 1
    reports = {r.unit_id: r for r in AnnualReport.objects.filter(year=year, unit__isnull=False)}
    pending = []
    for unit in Unit.objects.filter(is_active=True).order_by("code"):
        report = reports.get(unit.pk)
        if report is not None and report.first_published_at is not None:
            continue
        pending.append(Pending(unit, report, year, selectors.due_on(year, unit), today))
    return pending


def _unit_subject(item: Pending) -> str:
    if item.overdue:
        return (
            f"[政务公开] {item.unit.name_zh}{item.year}年政府信息公开工作年度报告已逾期"
            f"（应于 {item.due_on.isoformat()} 前发布）/ the {item.year} annual report is "
            f"overdue (due {item.due_on.isoformat()})"
        )
    return (
        f"[政务公开] 请于 {item.due_on.isoformat()} 前发布{item.unit.name_zh}{item.year}年"
        f"政府信息公开工作年度报告 / publish the {item.year} annual report by "
        f"{item.due_on.isoformat()}"
    )


def _unit_body(item: Pending) -> str:
    due = item.due_on.isoformat()
    days = (item.due_on - item.today).days
    if item.overdue:
        lead = [
            f"{item.unit.name_zh}{item.year}年政府信息公开工作年度报告应于 {due} 前发布，"
            f"现已逾期 {-days} 天（《中华人民共和国政府信息公开条例》第五十条）。请尽快完成"
            "审核并发布。",
            f"The {item.year} annual report of {item.unit.name_en or item.unit.code} was due "
            f"on {due} and is {-days} day(s) overdue (Regulation Art. 50): review and publish "
            "it as soon as possible.",
        ]
    else:
        lead = [
            f"{item.unit.name_zh}{item.year}年政府信息公开工作年度报告应于 {due} 前发布，"
            f"还有 {days} 天（《中华人民共和国政府信息公开条例》第五十条）。",
            f"The {item.year} annual report of {item.unit.name_en or item.unit.code} is due "
            f"on {due}, in {days} day(s) (Regulation Art. 50).",
        ]
    return (
        "\n".join(
            [
                *lead,
                "",
                f"当前状态 / state: {item.state}",
                "",
                "请登录后台“年度报告”编制、审核和发布。/ Sign in to the back office (annual "
                "reports) to prepare, review and publish it.",
            ]
        )
        + "\n"
    )


def _digest_subject(year: int, late: list[Pending]) -> str:
    return (
        f"[政务公开] {len(late)} 个单位的{year}年政府信息公开工作年度报告逾期未发布 / "
        f"{len(late)} unit(s) have not published their {year} annual report"
    )


def _digest_body(year: int, late: list[Pending], today: datetime.date) -> str:
    from gongkai.annual_reports import selectors

    government = selectors.report_for(None, year)
    government_due = selectors.due_on(year, None)
    if government is not None and government.first_published_at is not None:
        government_state = STATE_NAMES["published"]
    else:
        government_state = STATE_NAMES[government.state if government is not None else None]
    lines = [
        f"截至 {today.isoformat()}，以下单位的{year}年政府信息公开工作年度报告已过发布期限"
        "仍未发布：",
        f"As of {today.isoformat()} these units have not published their {year} annual report, "
        "which is past due:",
        "",
        *(
            f"  {item.unit.code} {item.unit.name_zh}  {item.state}  "
            f"应于 / due {item.due_on.isoformat()}"
            for item in late
        ),
        "",
        f"{settings.GONGKAI_GOVERNMENT_NAME}{year}年年度报告 / the government's {year} report: "
        f"{government_state}，应于 / due {government_due.isoformat()}",
        "",
        "后台“年度报告”→“各单位年度报告”可查看全部情况。/ See the back office: annual "
        "reports → annual reports of all units.",
    ]
    return "\n".join(lines) + "\n"


def send_report_reminders(today: datetime.date | None = None) -> int:
    """Queue the day's reminders, overdue notices and the Office's digest; return how many
    e-mails were queued. Idempotent per day: what was sent today is in the audit log."""
    from gongkai.annual_reports.models import AnnualReport
    from gongkai.core import calendar
    from gongkai.core.audit import audit_record
    from gongkai.core.jobs import enqueue_on_commit
    from gongkai.core.models import AuditEntry
    from gongkai.core.tasks import send_email
    from gongkai.disclosure_requests.reminders import office_emails, unit_handler_emails
    from gongkai.units.models import Unit

    today = today or timezone.localdate()
    if not calendar.is_working_day(today):
        return 0
    pending = pending_reports(today)
    if not pending:
        return 0
    year = today.year - 1
    recipients = unit_handler_emails(item.unit.pk for item in pending)
    sent = 0
    with transaction.atomic():
        # One run at a time for this day (a second worker waits, then finds the entries).
        list(Unit.objects.select_for_update().filter(pk__in=[i.unit.pk for i in pending]))
        done = set(
            AuditEntry.objects.filter(
                action__in=[REMIND, DIGEST], note__endswith=today.isoformat()
            ).values_list("object_id", "note")
        )
        for item in pending:
            emails = recipients.get(item.unit.pk)
            if not emails or (str(item.unit.pk), item.key()) in done:
                continue
            enqueue_on_commit(send_email, _unit_subject(item), _unit_body(item), emails)
            audit_record(
                actor=None,
                action=REMIND,
                obj=item.unit,
                unit=item.unit.pk,
                after={"year": item.year, "kind": item.kind, "recipients": len(emails)},
                note=item.key(),
                via="job",
            )
            sent += 1
        late = [item for item in pending if item.overdue]
        office = office_emails()
        digest_key = f"annual report {year} digest {today.isoformat()}"
        stub = AnnualReport(year=year)  # the digest is about the whole government's year
        if late and office and (str(stub.pk), digest_key) not in done:
            enqueue_on_commit(
                send_email, _digest_subject(year, late), _digest_body(year, late, today), office
            )
            audit_record(
                actor=None,
                action=DIGEST,
                obj=stub,
                after={"year": year, "late_units": [item.unit.code for item in late]},
                note=digest_key,
                via="job",
                label=f"{settings.GONGKAI_GOVERNMENT_NAME} {year} 年度报告逾期汇总 / digest",
            )
            sent += 1
    return sent


@periodic(every=datetime.timedelta(days=1))
@task()
def send_annual_report_reminders() -> int:
    """Remind the units whose report of last year is not published (issue #6 §6)."""
    return send_report_reminders()
