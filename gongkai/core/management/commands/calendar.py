"""``gongkai calendar due --from YYYY-MM-DD --days N``: a due date with its working.

The date is computed by the disclosure-request clock itself
(:func:`gongkai.disclosure_requests.clock.compute`, the same code that sets every request's
due date), on the official working-day calendar, so what this prints is what the requests
get.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR

from gongkai.cli import Abort
from gongkai.core.calendar import MAX_YEAR, MIN_YEAR, working_calendar
from gongkai.core.models import CalendarDay
from gongkai.disclosure_requests import clock

MAX_DAYS = 1000
LANGUAGES = ("zh-hans", "en")


def both(render: Callable[[], object]) -> str:
    """``render()`` in Chinese and in English, as ``中文 / English`` (once if the same)."""
    texts = []
    for language in LANGUAGES:
        with translation.override(language):
            texts.append(str(render()))
    return texts[0] if texts[0] == texts[1] else f"{texts[0]} / {texts[1]}"


def weekday(day: datetime.date) -> str:
    return both(lambda: WEEKDAYS_ABBR[day.weekday()]).replace(" / ", " ")


def parse_start(value: str | None) -> datetime.date:
    if not value:
        raise Abort("请用 --from YYYY-MM-DD 给出起算日 / give the start date: --from YYYY-MM-DD")
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise Abort(
            f"--from {value!r} 不是有效日期，应写作 YYYY-MM-DD / "
            f"--from {value!r} is not a date: write it as YYYY-MM-DD"
        ) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise Abort(
            f"--from 应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间 / "
            f"--from must lie between {MIN_YEAR} and {MAX_YEAR}"
        )
    return day


def parse_days(value: str | None) -> int:
    if value is None:
        return int(clock.rules()["REPLY_WORKING_DAYS"])
    try:
        days = int(value.strip())
    except ValueError:
        days = -1
    if not 0 <= days <= MAX_DAYS:
        raise Abort(
            f"--days {value!r} 应为 0 至 {MAX_DAYS} 的整数（工作日数） / "
            f"--days {value!r} must be a whole number of working days from 0 to {MAX_DAYS}"
        )
    return days


def working_lines(result: clock.ClockResult, *, day_by_day: bool = True) -> list[str]:
    """The due date and how it was reached, as bilingual text lines."""
    start = result.started_on
    lines = [
        f"起算日 / start: {start.isoformat()} {weekday(start)}",
        f"期限 / limit: {result.limit} 个工作日 / working days",
    ]
    due = result.due
    if due is not None:
        lines.append(f"答复期限 / due: {due.date.isoformat()} {weekday(due.date)}")
        if not due.confirmed:
            lines.append(f"注意 / note: {both(lambda: due.warning)}")
    lines += ["", "计算过程 / working:"]
    lines += [f"  {both(lambda step=step: clock.step_text(step))}" for step in result.steps]
    if day_by_day and result.days:
        names = dict(
            CalendarDay.objects.filter(date__gt=start, date__lte=result.days[-1].date).values_list(
                "date", "name"
            )
        )
        lines += ["", "逐日 / day by day:"]
        for day in result.days:
            if day.state == "counted":
                state = f"计入 / counted {day.n:>3}"
            elif day.state == "paused":
                state = "暂停 / paused"
            else:
                state = "休息 / rest"
            name = names.get(day.date, "")
            if day.state == "counted" and day.date.weekday() >= 5:
                name = f"{name}（调休上班 / make-up working day）".lstrip()
            lines.append(
                f"  {day.date.isoformat()}  {weekday(day.date)}  {state}"
                + (f"  {name}" if name else "")
            )
    return lines


class Command(BaseCommand):
    help = (
        "The working-day calendar. `gongkai calendar due --from YYYY-MM-DD --days N` prints "
        "the date N working days after the start date (the start itself is day 0; counting "
        "begins the next day) with its working, step by step and day by day, computed by the "
        "same code as the disclosure requests' reply clock. Without --days: the reply time "
        "limit (GONGKAI_REPLY_WORKING_DAYS, 20). A date in a year whose holiday notice is not "
        "yet on record is counted Monday to Friday and marked as not confirmed."
    )

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        due = actions.add_parser("due", help="A due date with its working.")
        due.add_argument(
            "--from",
            dest="start",
            metavar="YYYY-MM-DD",
            help="The start date (day 0: the day of receipt).",
        )
        due.add_argument(
            "--days", metavar="N", help="Working days to count (default: the reply limit, 20)."
        )
        due.add_argument("--brief", action="store_true", help="Leave out the day-by-day list.")

    def handle(self, *args: Any, **options: Any) -> None:
        start = parse_start(options.get("start"))
        days = parse_days(options.get("days"))
        result = clock.compute(
            started_on=start, reply_working_days=days, calendar=working_calendar()
        )
        for line in working_lines(result, day_by_day=not options.get("brief")):
            self.stdout.write(line)
