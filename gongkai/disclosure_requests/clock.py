"""The statutory clock of a disclosure request (Regulation Art. 30–35; REGULATION.md §3, §5).

The reply is due 20 working days after the clock starts (:data:`rules` ``REPLY_WORKING_DAYS``),
counted on the official calendar (:mod:`gongkai.core.calendar`: the same code as
``gongkai calendar due``):

* the clock starts on the receipt date (Art. 31) and *restarts* from the day the
  clarified request is received (Art. 30): the days before do not count;
* a pause (third-party or agency consultation, Art. 32–34; fee waiting when so
  configured) does not count the working days after its first day up to its last
  day; while a pause is open the clock stands still and there is no due date;
* a statutory extension adds its working days (at most 20, Art. 33);
* an Art. 35 deadline replaces the computed date when it is later.

:func:`compute` is pure: given the facts and a :class:`~gongkai.core.calendar.WorkingCalendar`
it returns the due date and *its working*: one :class:`Step` per stretch of counted or
paused days and per extension, and one :class:`Day` per calendar day, so every page can
show how the date was reached. Counting follows the calendar's convention: day 0 is the
start; the first counted day is the day after.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gongkai.core.calendar import Deadline, WorkingCalendar, working_calendar

ONE = datetime.timedelta(days=1)


def rules() -> dict[str, Any]:
    return settings.GONGKAI_REQUESTS


@dataclass(frozen=True)
class PauseSpan:
    started_on: datetime.date
    ended_on: datetime.date | None
    label: str = ""


@dataclass(frozen=True)
class ExtensionSpan:
    working_days: int = 0
    new_due_on: datetime.date | None = None  # an Art. 35 deadline
    approved_on: datetime.date | None = None
    label: str = ""


@dataclass(frozen=True)
class Step:
    """One line of the working: ``kind`` is start, counted, paused, extended, art35 or due."""

    kind: str
    start: datetime.date
    end: datetime.date
    working_days: int
    label: str = ""


@dataclass(frozen=True)
class Day:
    """One calendar day after the start: ``state`` is counted, rest or paused; ``n`` the
    running count of working days (0 for days not counted)."""

    date: datetime.date
    state: str
    n: int


@dataclass(frozen=True)
class ClockResult:
    started_on: datetime.date
    limit: int  # working days allowed in all (20 + extensions)
    due: Deadline | None  # None while paused
    paused_since: datetime.date | None
    used: int  # working days counted up to ``today`` (or the due date if earlier)
    steps: list[Step] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    @property
    def due_on(self) -> datetime.date | None:
        return self.due.date if self.due else None


def _paused(day: datetime.date, pauses: Sequence[PauseSpan]) -> PauseSpan | None:
    for pause in pauses:
        if pause.started_on < day and (pause.ended_on is None or day <= pause.ended_on):
            return pause
    return None


def compute(
    *,
    started_on: datetime.date,
    pauses: Sequence[PauseSpan] = (),
    extensions: Sequence[ExtensionSpan] = (),
    today: datetime.date | None = None,
    calendar: WorkingCalendar | None = None,
    reply_working_days: int | None = None,
) -> ClockResult:
    """The due date of a clock started on ``started_on``, with its working."""
    cal = calendar or working_calendar()
    base = rules()["REPLY_WORKING_DAYS"] if reply_working_days is None else reply_working_days
    extra = sum(e.working_days for e in extensions if e.working_days)
    limit = base + extra
    relevant = sorted(
        (p for p in pauses if p.ended_on is None or p.ended_on > started_on),
        key=lambda p: p.started_on,
    )
    steps: list[Step] = [Step("start", started_on, started_on, 0, "")]
    days: list[Day] = []
    counted = 0
    day = started_on
    run_start: datetime.date | None = None
    run_count = 0
    paused_since: datetime.date | None = None
    pause_run: tuple[PauseSpan, datetime.date, int] | None = None
    used_until = today

    def close_run(end: datetime.date) -> None:
        nonlocal run_start, run_count
        if run_start is not None:
            steps.append(Step("counted", run_start, end, run_count))
        run_start, run_count = None, 0

    def close_pause() -> None:
        nonlocal pause_run
        if pause_run is not None:
            span, first, n = pause_run
            steps.append(Step("paused", first, span.ended_on or first, n, span.label))
        pause_run = None

    while counted < limit:
        day += ONE
        span = _paused(day, relevant)
        if span is not None and span.ended_on is None:
            close_run(day - ONE)
            close_pause()
            paused_since = span.started_on
            steps.append(Step("paused", day, day, 0, span.label))
            break
        working = cal.is_working_day(day)
        if span is not None:
            close_run(day - ONE)
            if pause_run is None or pause_run[0] is not span:
                close_pause()
                pause_run = (span, day, 0)
            if working:
                pause_run = (span, pause_run[1], pause_run[2] + 1)
            days.append(Day(day, "paused", 0))
            continue
        close_pause()
        if run_start is None:
            run_start = day
        if working:
            counted += 1
            run_count += 1
            days.append(Day(day, "counted", counted))
        else:
            days.append(Day(day, "rest", 0))
    else:
        close_run(day)
    for extension in extensions:
        if extension.working_days:
            when = extension.approved_on or day
            steps.append(Step("extended", when, when, extension.working_days, extension.label))
    # In date order; an extension sorts before the days counted from the same date.
    order = {"start": 0, "extended": 1, "paused": 2, "counted": 2}
    steps[1:] = sorted(steps[1:], key=lambda step: (step.start, order[step.kind]))

    due: Deadline | None = None
    if paused_since is None:
        unconfirmed = cal.unconfirmed_years(started_on, day)
        due = Deadline(date=day, confirmed=not unconfirmed, unconfirmed_years=unconfirmed)
        for extension in extensions:
            if extension.new_due_on and extension.new_due_on > due.date:
                later = cal.unconfirmed_years(started_on, extension.new_due_on)
                due = Deadline(extension.new_due_on, not later, later)
                steps.append(
                    Step("art35", extension.new_due_on, extension.new_due_on, 0, extension.label)
                )
        steps.append(Step("due", due.date, due.date, limit, ""))
    if used_until is None:
        used = counted
    else:
        used = max((d.n for d in days if d.date <= used_until and d.n), default=0)
    return ClockResult(
        started_on=started_on,
        limit=limit,
        due=due,
        paused_since=paused_since,
        used=used,
        steps=steps,
        days=days,
    )


def step_text(step: Step) -> str:
    """One line of the working in the active language."""
    params = {
        "start": step.start.isoformat(),
        "end": step.end.isoformat(),
        "n": step.working_days,
        "label": step.label,
    }
    if step.kind == "start":
        return str(_("%(start)s: the clock starts (day 0; counting begins the next day)") % params)
    if step.kind == "counted":
        return str(_("%(start)s – %(end)s: %(n)s working days counted") % params)
    if step.kind == "paused":
        if step.start == step.end and step.working_days == 0:
            return str(_("from %(start)s: clock stopped (%(label)s) until the pause ends") % params)
        return str(
            _("%(start)s – %(end)s: paused (%(label)s), %(n)s working days not counted") % params
        )
    if step.kind == "extended":
        return str(_("%(start)s: extended by %(n)s working days (%(label)s)") % params)
    if step.kind == "art35":
        return str(_("%(start)s: later deadline set under Art. 35 (%(label)s)") % params)
    return str(_("%(start)s: due (%(n)s working days counted in all)") % params)
