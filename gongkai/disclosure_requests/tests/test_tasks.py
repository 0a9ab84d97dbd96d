"""The daily jobs of disclosure requests: reminders of due-soon and overdue requests (issue #5
§4) and the destruction of personal data after retention (§10, R-4.3)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gongkai.accounts.models import Role
from gongkai.core import calendar
from gongkai.core.jobs import PERIODIC
from gongkai.disclosure_requests import reminders, tasks
from gongkai.disclosure_requests.choices import Status
from gongkai.disclosure_requests.demo import working_day_before
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.disclosure_requests.tests import factories

D = datetime.date
TODAY = D(2026, 11, 25)  # a Wednesday


def _mails() -> list[tuple[str, str, list[str]]]:
    """(subject, body, recipients) of the e-mail jobs in the queue, oldest first."""
    return [
        tuple(job.args_kwargs["args"])
        for job in DBTaskResult.objects.filter(task_path="gongkai.core.tasks.send_email").order_by(
            "enqueued_at", "id"
        )
    ]


def test_both_jobs_run_once_a_day():
    """The reminder and retention jobs are registered with the scheduler, every 24 hours."""
    for name in (
        "gongkai.disclosure_requests.tasks.send_request_reminders",
        "gongkai.disclosure_requests.tasks.destroy_expired_personal_data",
    ):
        assert PERIODIC[name].every == datetime.timedelta(days=1)


@pytest.fixture
def staff(make_user, unit_a, unit_b, office_admin):
    """Officers and heads of units A and B, an editor and a retired officer of A, and an
    officer of A without an e-mail address; the Office administrator."""
    users = {
        "officer_a": make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER),
        "head_a": make_user("head-a", unit_a, Role.DISCLOSURE_HEAD),
        "editor_a": make_user("editor-a", unit_a, Role.EDITOR),
        "retired_a": make_user("retired-a", unit_a, Role.DISCLOSURE_OFFICER),
        "silent_a": make_user("silent-a", unit_a, Role.DISCLOSURE_OFFICER),
        "officer_b": make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER),
        "office": office_admin,
    }
    users["retired_a"].is_active = False
    users["retired_a"].save(update_fields=["is_active"])
    users["silent_a"].email = ""
    users["silent_a"].save(update_fields=["email"])
    return users


@pytest.fixture
def requests_due(staff, unit_a, unit_b):
    """On 2026-11-25: unit A has one overdue (due 11-24) and one due-soon (11-30) request
    and one due later; unit B one due soon."""
    return {
        "overdue_a": factories.received(unit_a, staff["officer_a"], D(2026, 10, 27)),
        "soon_a": factories.received(unit_a, staff["officer_a"], D(2026, 11, 2)),
        "later_a": factories.received(unit_a, staff["officer_a"], D(2026, 11, 24)),
        "soon_b": factories.received(unit_b, staff["officer_b"], D(2026, 11, 2)),
    }


def test_each_unit_and_the_office_get_one_digest(
    requests_due, staff, django_capture_on_commit_callbacks
):
    """Unit A's active officers and heads with an address get one digest of A's overdue and
    due-soon requests; unit B's officer one of B's; the Office one of all — and nobody else
    (R-5.2; issue #5 §4)."""
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_due_reminders(today=TODAY) == 3

    mails = {tuple(recipients): (subject, body) for subject, body, recipients in _mails()}
    unit_a = ("head-a@example.gov.cn", "officer-a@example.gov.cn")
    unit_b = ("officer-b@example.gov.cn",)
    office = ("office-admin@example.gov.cn",)
    assert set(mails) == {unit_a, unit_b, office}

    subject, body = mails[unit_a]
    assert "1 件已逾期、1 件即将到期" in subject
    assert "1 overdue, 1 due soon" in subject
    assert requests_due["overdue_a"].tracking_number in body
    assert "due 2026-11-24  已逾期 1 个工作日 / 1 working day(s) overdue" in body
    assert requests_due["soon_a"].tracking_number in body
    assert "3 working day(s) left" in body
    assert requests_due["later_a"].tracking_number not in body
    assert requests_due["soon_b"].tracking_number not in body
    assert body.index("已逾期 / overdue:") < body.index("即将到期 / due soon:")

    assert requests_due["soon_b"].tracking_number in mails[unit_b][1]
    assert requests_due["overdue_a"].tracking_number not in mails[unit_b][1]

    subject, body = mails[office]
    assert "1 overdue, 2 due soon" in subject
    for name in ("overdue_a", "soon_a", "soon_b"):
        assert requests_due[name].tracking_number in body


def test_digests_carry_no_personal_data(requests_due, django_capture_on_commit_callbacks):
    """The e-mails name tracking numbers, units and dates only: not the applicant's name,
    identity number, phone, e-mail or address (R-4.3)."""
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(today=TODAY)

    request = requests_due["soon_a"]
    for _subject, body, _recipients in _mails():
        for value in (
            request.applicant_name,
            request.id_number,
            request.phone,
            request.email,
            request.address,
        ):
            assert value not in body


def test_no_reminders_on_a_rest_day_or_when_nothing_is_due(
    requests_due, django_capture_on_commit_callbacks
):
    """Saturday 2026-11-28 is a rest day: nothing is sent (Monday's digest lists it all);
    a day on which nothing is due or overdue sends nothing either."""
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_due_reminders(today=D(2026, 11, 28)) == 0
        assert reminders.send_due_reminders(today=D(2026, 10, 28)) == 0
    assert _mails() == []


def test_a_unit_without_handlers_is_still_in_the_office_digest(
    unit_a, office_admin, django_capture_on_commit_callbacks
):
    """With no officer or head in the unit, only the Office hears of its overdue request."""
    overdue = factories.received(unit_a, office_admin, D(2026, 10, 27))
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_due_reminders(today=TODAY) == 1

    [(_subject, body, recipients)] = _mails()
    assert recipients == ["office-admin@example.gov.cn"]
    assert overdue.tracking_number in body


def test_the_reminder_job_sends_the_digests_of_the_local_date(
    staff, unit_a, django_capture_on_commit_callbacks
):
    """The scheduled task counts from today's local date: a request received 25 working days
    ago is overdue, so on a working day unit A and the Office get a digest; on a rest day
    nothing goes out."""
    today = timezone.localdate()
    cal = calendar.working_calendar()
    received_on = working_day_before(today, 25, cal)
    overdue = factories.received(unit_a, staff["officer_a"], received_on)
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        sent = tasks.send_request_reminders.call()

    if cal.is_working_day(today):
        assert sent == 2
        assert all(overdue.tracking_number in body for _subject, body, _to in _mails())
    else:
        assert sent == 0
        assert _mails() == []


def test_the_retention_job_destroys_personal_data_of_long_closed_requests(unit_a, office_admin):
    """The daily job destroys the personal data of requests closed longer than the
    retention period (1825 days by default) and leaves the others (R-4.3, §10)."""
    old = factories.received(unit_a, office_admin, D(2026, 3, 2))
    kept = factories.received(unit_a, office_admin, D(2026, 3, 2))
    long_ago = timezone.now() - datetime.timedelta(days=1826)
    DisclosureRequest.objects.filter(pk=old.pk).update(status=Status.CLOSED, closed_at=long_ago)

    assert tasks.destroy_expired_personal_data.call() == 1

    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.personal_data_destroyed
    assert (old.applicant_name, old.phone, old.email, old.address) == ("", "", "", "")
    assert kept.applicant_name == "张三"
    assert tasks.destroy_expired_personal_data.call() == 0
