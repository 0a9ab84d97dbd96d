"""The daily reminders of the annual report (issue #6 §6): from 1 January until the due date
(31 January) a reminder to each unit whose report of last year is not published, after it an
overdue notice and the Office's digest; once a day however often the job runs; none once
the report is published; none on rest days."""

from __future__ import annotations

import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from gongkai.accounts.models import Role
from gongkai.annual_reports import services, tasks
from gongkai.core.jobs import PERIODIC
from gongkai.core.models import AuditEntry

D = datetime.date
pytestmark = pytest.mark.usefixtures("frozen_today")


def _mails() -> list[tuple[str, str, list[str]]]:
    """(subject, body, recipients) of the e-mail jobs in the queue, oldest first."""
    return [
        tuple(job.args_kwargs["args"])
        for job in DBTaskResult.objects.filter(task_path="gongkai.core.tasks.send_email").order_by(
            "enqueued_at", "id"
        )
    ]


@pytest.fixture
def staff(make_user, unit_a, unit_b, office_admin):
    return {
        "officer_a": make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER),
        "head_a": make_user("head-a", unit_a, Role.DISCLOSURE_HEAD),
        "editor_a": make_user("editor-a", unit_a, Role.EDITOR),
        "officer_b": make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER),
        "office": office_admin,
    }


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run_on(day: datetime.date) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.send_report_reminders(today=day)

    return run_on


def test_the_job_runs_once_a_day():
    name = "gongkai.annual_reports.tasks.send_annual_report_reminders"
    assert PERIODIC[name].every == datetime.timedelta(days=1)


def test_before_the_due_date_each_unit_is_reminded_once_a_day(staff, run):
    """On 5 January 2026 the officers and heads of each unit get one reminder about the 2025
    report (not the editor); running the job again that day sends nothing; the next day
    sends again. The Office has no digest before the due date."""
    assert run(D(2026, 1, 5)) == 2
    mails = _mails()
    by_recipients = {tuple(m[2]): m for m in mails}
    assert ("head-a@example.gov.cn", "officer-a@example.gov.cn") in by_recipients
    assert ("officer-b@example.gov.cn",) in by_recipients
    subject, body, _to = by_recipients[("officer-b@example.gov.cn",)]
    assert "2026-01-31" in subject
    assert "2025" in subject
    assert "还有 26 天" in body
    assert "in 26 day(s)" in body
    assert all("editor-a@example.gov.cn" not in m[2] for m in mails)
    assert run(D(2026, 1, 5)) == 0
    assert len(_mails()) == 2
    assert AuditEntry.objects.filter(action=tasks.REMIND).count() == 2
    assert run(D(2026, 1, 6)) == 2


def test_nothing_before_remind_from_nor_on_a_rest_day(staff, run, settings):
    settings.GONGKAI_ANNUAL_REPORTS = {**settings.GONGKAI_ANNUAL_REPORTS, "REMIND_FROM": (1, 12)}
    assert run(D(2026, 1, 5)) == 0
    assert run(D(2026, 1, 17)) == 0  # a Saturday
    assert run(D(2026, 1, 12)) == 2


def test_a_published_report_is_not_reminded(staff, run, unit_a):
    report = services.report_open(unit=unit_a, year=2025, by=staff["officer_a"])
    services.report_review(report=report, by=staff["head_a"])
    services.report_publish(report=report, by=staff["officer_a"])
    # A correction being drafted does not bring the reminder back.
    services.report_reopen(report=report, by=staff["head_a"], reason="更正")
    assert run(D(2026, 1, 5)) == 1
    assert _mails()[0][2] == ["officer-b@example.gov.cn"]


def test_after_the_due_date_overdue_notices_and_the_offices_digest(staff, run, unit_a):
    """On 2 February: each late unit an overdue notice; the Office one digest naming them
    and the government's report; once that day."""
    services.report_open(unit=unit_a, year=2025, by=staff["officer_a"])
    assert run(D(2026, 2, 2)) == 3
    mails = _mails()
    notices = [m for m in mails if "office-admin@example.gov.cn" not in m[2]]
    assert len(notices) == 2
    assert all("已逾期" in m[0] and "overdue" in m[0] for m in notices)
    digest = next(m for m in mails if m[2] == ["office-admin@example.gov.cn"])
    assert "3 个单位" in digest[0]  # WB (the Office as a unit) has none either
    assert "JJJ 经济局  草稿 / draft" in digest[1]
    assert "CZJ 财政局  尚未开始编制 / not opened" in digest[1]
    assert "2026-03-31" in digest[1]  # the government's own report
    assert run(D(2026, 2, 2)) == 0
    assert AuditEntry.objects.filter(action=tasks.DIGEST).count() == 1
