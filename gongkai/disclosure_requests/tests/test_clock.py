"""The statutory clock across the 2026 holidays, make-up days and the calendar's end (R-5.2;
Regulation Art. 30–35; REGULATION.md §5)."""

from __future__ import annotations

import datetime

import pytest

from gongkai.core import calendar
from gongkai.disclosure_requests.clock import ExtensionSpan, PauseSpan, compute, step_text

D = datetime.date


@pytest.fixture
def cal(db):
    return calendar.working_calendar()


def test_twenty_working_days_skip_spring_festival_and_count_make_up_saturdays(cal):
    """Received Friday 2026-02-06: Feb 9–13 count 5, Sat Feb 14 (make-up) 6, Feb 15–23 are
    the holiday, Feb 24–27 count 10, Sat Feb 28 (make-up) 11, then Mar 2–6 16, Mar 9–12 20."""
    result = compute(started_on=D(2026, 2, 6), calendar=cal)
    assert result.due_on == D(2026, 3, 12)
    assert result.due is not None
    assert result.due.confirmed
    states = {day.date: day.state for day in result.days}
    assert states[D(2026, 2, 14)] == "counted"
    assert states[D(2026, 2, 16)] == "rest"
    assert states[D(2026, 2, 28)] == "counted"
    assert states[D(2026, 3, 1)] == "rest"
    assert [d.n for d in result.days if d.date == D(2026, 2, 28)] == [11]


def test_national_day_and_the_make_up_days_around_it(cal):
    """Received Friday 2026-09-18: Sun Sep 20 works (1), Sep 21–24 (5), Sep 25–27 off, Sep 28–30
    (8), Oct 1–7 off, Oct 8–9 (10), Sat Oct 10 works (11), Oct 12–16 (16), Oct 19–22 (20)."""
    result = compute(started_on=D(2026, 9, 18), calendar=cal)
    counted = [day.date for day in result.days if day.state == "counted"]
    assert counted[0] == D(2026, 9, 20)
    assert D(2026, 10, 1) not in counted
    assert D(2026, 9, 25) not in counted
    assert D(2026, 10, 10) in counted
    assert len(counted) == 20
    assert result.due_on == counted[-1] == D(2026, 10, 22)


def test_pause_days_are_not_counted_and_the_working_shows_them(cal):
    """A third-party consultation from Mon 2026-03-16 to Fri 2026-03-27 stops 9 working days
    (Mar 17–27)."""
    plain = compute(started_on=D(2026, 3, 2), calendar=cal)
    paused = compute(
        started_on=D(2026, 3, 2),
        pauses=[PauseSpan(D(2026, 3, 16), D(2026, 3, 27), "third party")],
        calendar=cal,
    )
    assert plain.due_on == D(2026, 3, 30)
    assert paused.due_on == calendar.add_working_days(D(2026, 3, 30), 9).date
    kinds = [step.kind for step in paused.steps]
    assert kinds == ["start", "counted", "paused", "counted", "due"]
    pause_step = paused.steps[2]
    assert (pause_step.start, pause_step.end, pause_step.working_days) == (
        D(2026, 3, 17),
        D(2026, 3, 27),
        9,
    )
    assert "9" in step_text(pause_step)


def test_an_open_pause_stops_the_clock_without_a_due_date(cal):
    result = compute(
        started_on=D(2026, 3, 2),
        pauses=[PauseSpan(D(2026, 3, 10), None, "agency")],
        today=D(2026, 3, 20),
        calendar=cal,
    )
    assert result.due is None
    assert result.paused_since == D(2026, 3, 10)
    assert result.used == 6  # Mar 3–6 and 9–10
    assert result.remaining == 14


def test_extension_adds_working_days(cal):
    result = compute(
        started_on=D(2026, 3, 2),
        extensions=[ExtensionSpan(working_days=20, approved_on=D(2026, 3, 20))],
        calendar=cal,
    )
    assert result.limit == 40
    assert result.due_on == calendar.add_working_days(D(2026, 3, 2), 40).date
    assert any(step.kind == "extended" and step.working_days == 20 for step in result.steps)


def test_art35_deadline_replaces_an_earlier_date(cal):
    result = compute(
        started_on=D(2026, 3, 2),
        extensions=[ExtensionSpan(new_due_on=D(2026, 6, 30), approved_on=D(2026, 3, 5))],
        calendar=cal,
    )
    assert result.due_on == D(2026, 6, 30)


def test_a_clock_running_into_an_unknown_year_warns_and_never_crashes(cal):
    """Received 2026-12-15: the 20th working day is in 2027, whose notice is not on record;
    the date is computed on weekdays and marked unconfirmed."""
    result = compute(started_on=D(2026, 12, 15), calendar=cal)
    assert result.due is not None
    assert result.due.date == D(2027, 1, 12)  # Dec 16–31: 12 weekdays, Jan 1–12: 8 weekdays
    assert not result.due.confirmed
    assert result.due.unconfirmed_years == (2027,)
    assert "2027" in result.due.warning


def test_the_clock_uses_the_same_count_as_the_calendar_service(cal):
    for start in (D(2026, 1, 1), D(2026, 4, 30), D(2026, 6, 18), D(2026, 12, 31)):
        assert compute(started_on=start, calendar=cal).due_on == (
            calendar.add_working_days(start, 20).date
        )
