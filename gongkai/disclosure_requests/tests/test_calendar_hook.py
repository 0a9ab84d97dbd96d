"""Due dates follow the calendar: an Office correction or a year's notice recomputes every open
request's clock after commit (issue #5 §3 "Due dates are recomputed when an administrator
corrects the calendar"; Regulation §5; R-5.2)."""

from __future__ import annotations

import datetime

import pytest

from gongkai.accounts.models import Role
from gongkai.core import calendar
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.disclosure_requests.tests import factories

D = datetime.date

# A notice for 2027 as the Office would type it in (the dates are this test's own).
NOTICE_2027 = [
    (D(2027, 1, 1), False, "元旦"),
    (D(2027, 2, 8), False, "春节"),
    (D(2027, 2, 9), False, "春节"),
    (D(2027, 2, 10), False, "春节"),
    (D(2027, 2, 11), False, "春节"),
    (D(2027, 2, 12), False, "春节"),
    (D(2027, 2, 20), True, "春节"),
]


@pytest.fixture
def officer_a(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


def _stored(request: DisclosureRequest) -> tuple[datetime.date | None, bool]:
    request.refresh_from_db()
    return request.due_on, request.due_confirmed


def test_a_working_day_made_a_rest_day_moves_the_due_date_after_commit(
    unit_a, officer_a, office_admin, django_capture_on_commit_callbacks
):
    """Received Monday 2026-11-02, due 2026-11-30. The Office makes Friday 11-20 (inside the
    counting window) a rest day: once the correction commits, the stored due date is one
    working day later, 2026-12-01. A day after the due date changes nothing."""
    request = factories.received(unit_a, officer_a, D(2026, 11, 2))
    assert _stored(request) == (D(2026, 11, 30), True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar.calendar_set_day(
            date=D(2026, 11, 20), is_working_day=False, name="临时调整", by=office_admin
        )
        assert _stored(request) == (D(2026, 11, 30), True)  # not before commit
    assert callbacks

    assert _stored(request) == (D(2026, 12, 1), True)
    result = services.clock_for(request)
    states = {day.date: day.state for day in result.days}
    assert states[D(2026, 11, 20)] == "rest"

    with django_capture_on_commit_callbacks(execute=True):
        calendar.calendar_set_day(date=D(2026, 12, 4), is_working_day=False, by=office_admin)
    assert _stored(request) == (D(2026, 12, 1), True)


def test_a_weekend_made_a_working_day_brings_the_due_date_forward(
    unit_a, officer_a, office_admin, django_capture_on_commit_callbacks
):
    """A Saturday inside the window made a working day (调休) counts: due one working day
    earlier, 2026-11-27."""
    request = factories.received(unit_a, officer_a, D(2026, 11, 2))

    with django_capture_on_commit_callbacks(execute=True):
        calendar.calendar_set_day(date=D(2026, 11, 14), is_working_day=True, by=office_admin)

    assert _stored(request) == (D(2026, 11, 27), True)


def test_closed_and_not_yet_received_requests_are_left_alone(
    unit_a, officer_a, office_admin, django_capture_on_commit_callbacks
):
    """Only open requests whose clock runs are recomputed: a closed request keeps the due
    date it had, and one awaiting receipt still has none."""
    closed = factories.received(unit_a, officer_a, D(2026, 11, 2))
    DisclosureRequest.objects.filter(pk=closed.pk).update(status="closed")
    waiting, _code = factories.submitted(unit_a)

    with django_capture_on_commit_callbacks(execute=True):
        calendar.calendar_set_day(date=D(2026, 11, 20), is_working_day=False, by=office_admin)

    assert _stored(closed) == (D(2026, 11, 30), True)
    assert _stored(waiting) == (None, True)


def test_importing_next_years_notice_confirms_and_shifts_a_due_date_in_it(
    unit_a, office_admin, django_capture_on_commit_callbacks
):
    """Received 2026-11-25 and extended by 20 working days (Art. 33), the reply is due in
    January 2027, counted on weekdays while 2027's calendar is unknown: 2027-01-20, not
    confirmed. Importing the 2027 notice (New Year's Day off) confirms it and moves it one
    working day, to 2027-01-21."""
    request = factories.received(unit_a, office_admin, D(2026, 11, 25))
    assert _stored(request) == (D(2026, 12, 23), True)
    services.extension_grant(
        request=request,
        by=office_admin,
        working_days=20,
        reason="所需信息需要调取档案",
        approved_on=D(2026, 11, 25),
    )
    assert _stored(request) == (D(2027, 1, 20), False)

    with django_capture_on_commit_callbacks(execute=True):
        calendar.calendar_import_year(
            year=2027, rows=NOTICE_2027, by=office_admin, notice="国办发明电〔2026〕X号"
        )

    assert _stored(request) == (D(2027, 1, 21), True)
    result = services.clock_for(request)
    assert result.due is not None
    assert result.due.confirmed
    assert {day.date: day.state for day in result.days}[D(2027, 1, 1)] == "rest"
