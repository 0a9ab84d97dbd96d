"""The official working-day calendar (Regulation §5): deadlines counted in working days.

A day is a working day when the calendar stores it as one, otherwise when it falls on
Monday to Friday. Only the exceptions are stored (:class:`~gongkai.core.models.CalendarDay`):
public holidays on weekdays and make-up working days on weekends (调休) from the State
Council's yearly notice, plus single corrections by the Office. A
:class:`~gongkai.core.models.CalendarYear` row says whether a year's notice is on record.

    from gongkai.core import calendar

    calendar.is_working_day(date(2026, 1, 4))           # True: a Sunday that works (调休)
    due = calendar.add_working_days(received, 20)       # Deadline(date, confirmed, ...)
    if not due.confirmed:
        show(due.warning)                               # "calendar for 2027 not yet confirmed"
    calendar.working_days_between(received, today)      # working days used so far

**Counting.** Periods start the day *after* the event, as Chinese practice counts them:
"within 20 working days of receipt" ends on the 20th working day after the day of
receipt. The day of receipt itself never counts, whether or not it is a working day.
So :func:`add_working_days` ``(start, n)`` is the n-th working day after ``start``, and
:func:`working_days_between` ``(a, b)`` counts the working days after ``a`` up to and
including ``b``; the two agree: ``working_days_between(s, add_working_days(s, n).date) == n``.

**Beyond the known calendar** (before 2004, or a year whose notice is not yet on
record) nothing raises: days count on plain weekdays and the :class:`Deadline` says
``confirmed=False`` with the years concerned, so that every page showing it can warn.

**Changing the calendar** goes only through :func:`calendar_import_year` (a year's
notice, replacing that year's exceptions) and :func:`calendar_set_day` (one
correction); both are for the Office, audited, and call the hooks in
:data:`on_calendar_change` after commit (the disclosure-request clock registers its
recompute there). The package data for 2004–2026 is loaded by migration
``core.0003`` through :func:`seed_from_package`.

**Caching.** Reads use an immutable :class:`WorkingCalendar` kept per process. Each
public read first asks the database for the calendar's version (one small aggregate
over the year rows, whose ``revision`` every write bumps), so a change made by any
process is seen at once. Code that computes many deadlines (a list page) should take
one snapshot with :func:`working_calendar` and call its methods: one query in all.
"""

from __future__ import annotations

import bisect
import datetime
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.permissions import AccessDenied, is_office
from gongkai.core.audit import audit_record
from gongkai.core.models import (
    AuditAction,
    CalendarDay,
    CalendarDayKind,
    CalendarSource,
    CalendarYear,
)
from gongkai.core.spreadsheets import SpreadsheetError, table_rows

if TYPE_CHECKING:
    from gongkai.accounts.models import User

logger = logging.getLogger(__name__)

PACKAGE_YEARS = range(2004, 2027)  # what chinesecalendar 1.11.0 knows; seeded by migration 0003
MIN_YEAR, MAX_YEAR = 2000, 2100  # the years a notice may be imported for
NAME_MAX = 100

# --- Reading the calendar ------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """The result of :func:`add_working_days`.

    ``confirmed`` is False when a day counted (after the start, up to ``date``) falls in
    a year whose calendar is not confirmed; ``unconfirmed_years`` lists those years.
    Such a date was computed on plain weekdays and may move once the notice is imported.
    """

    date: datetime.date
    confirmed: bool = True
    unconfirmed_years: tuple[int, ...] = ()

    @property
    def warning(self) -> str:
        """The warning to show beside the date, in the active language; empty if confirmed."""
        if self.confirmed:
            return ""
        return str(
            _(
                "The working-day calendar for %(years)s is not yet confirmed: this date "
                "counts Monday to Friday as working days and may change."
            )
            % {"years": ", ".join(str(year) for year in self.unconfirmed_years)}
        )


def _weekdays_through(day: datetime.date) -> int:
    """How many Mondays to Fridays there are from 0001-01-01 (a Monday) up to ``day``."""
    ordinal = day.toordinal()
    return ordinal // 7 * 5 + min(ordinal % 7, 5)


def _plain_working(day: datetime.date) -> bool:
    return day.weekday() < 5


def _check_date(value: Any, name: str) -> None:
    # A datetime is a date too, but its day depends on the time zone: callers decide it.
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__} (use localdate())")


class WorkingCalendar:
    """The calendar at one moment: exceptions to the weekday rule and the confirmed years.

    Immutable and independent of the database, so it can be shared and queried many
    times. Exceptions that do not actually differ from the weekday rule are ignored.
    """

    __slots__ = ("_adjust", "_dates", "_exceptions", "confirmed_years")

    def __init__(
        self, exceptions: Mapping[datetime.date, bool], confirmed_years: Iterable[int]
    ) -> None:
        self._exceptions = {d: w for d, w in exceptions.items() if w != _plain_working(d)}
        self.confirmed_years = frozenset(confirmed_years)
        self._dates = sorted(self._exceptions)
        # _adjust[k]: working days gained (+) or lost (-) by the first k exceptions
        self._adjust = [0]
        for day in self._dates:
            self._adjust.append(self._adjust[-1] + (1 if self._exceptions[day] else -1))

    def is_working_day(self, day: datetime.date) -> bool:
        _check_date(day, "day")
        return self._exceptions.get(day, _plain_working(day))

    def is_confirmed(self, year: int) -> bool:
        return year in self.confirmed_years

    def unconfirmed_years(self, a: datetime.date, b: datetime.date) -> tuple[int, ...]:
        """The years without a confirmed calendar among the days after ``a`` up to ``b``."""
        _check_date(a, "a")
        _check_date(b, "b")
        if b < a:
            a, b = b, a
        if a == b:
            return ()
        first = (a + datetime.timedelta(days=1)).year
        return tuple(y for y in range(first, b.year + 1) if y not in self.confirmed_years)

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        """The working days after ``a`` up to and including ``b``; negative if ``b < a``."""
        _check_date(a, "a")
        _check_date(b, "b")
        if b < a:
            return -self.working_days_between(b, a)
        count = _weekdays_through(b) - _weekdays_through(a)
        first = bisect.bisect_right(self._dates, a)
        last = bisect.bisect_right(self._dates, b)
        return count + self._adjust[last] - self._adjust[first]

    def add_working_days(self, start: datetime.date, n: int) -> Deadline:
        """The ``n``-th working day after ``start`` (``start`` itself never counts).

        ``n`` is at least 0 (0 gives ``start``). Never raises for dates outside the
        known calendar: see :class:`Deadline`.
        """
        _check_date(start, "start")
        if n < 0:
            raise ValueError("n must be 0 or more")
        day, counted = start, 0
        one = datetime.timedelta(days=1)
        while counted < n:
            day += one
            if self._exceptions.get(day, day.weekday() < 5):
                counted += 1
        unconfirmed = self.unconfirmed_years(start, day)
        return Deadline(date=day, confirmed=not unconfirmed, unconfirmed_years=unconfirmed)


_cache: tuple[tuple[Any, ...], WorkingCalendar] | None = None


def _version() -> tuple[Any, ...]:
    """Changes whenever a write service changes the calendar (every write bumps a revision)."""
    found = CalendarYear.objects.aggregate(
        years=Count("pk"), revisions=Sum("revision"), at=Max("updated_at")
    )
    return (found["years"], found["revisions"] or 0, found["at"])


def calendar_cache_clear() -> None:
    """Forget this process's snapshot (the write services call it; the version check would
    notice the change anyway)."""
    global _cache
    _cache = None


def working_calendar() -> WorkingCalendar:
    """The current calendar: one query when nothing changed, three after a change."""
    global _cache
    version = _version()  # read before the data: a change in between only costs a reload
    cached = _cache
    if cached is not None and cached[0] == version:
        return cached[1]
    snapshot = WorkingCalendar(
        dict(CalendarDay.objects.values_list("date", "is_working_day")),
        CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True),
    )
    _cache = (version, snapshot)
    return snapshot


def is_working_day(day: datetime.date) -> bool:
    """Whether ``day`` is a working day (weekdays unless the calendar says otherwise)."""
    return working_calendar().is_working_day(day)


def add_working_days(start: datetime.date, n: int) -> Deadline:
    """The ``n``-th working day after ``start``: the count begins the day after ``start``.

    A request received on ``start`` and due "within 20 working days" is due on
    ``add_working_days(start, 20).date``. Never raises past the known calendar; the
    deadline is then ``confirmed=False``.
    """
    return working_calendar().add_working_days(start, n)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """The working days after ``a`` up to and including ``b`` (negative when ``b < a``)."""
    return working_calendar().working_days_between(a, b)


def unconfirmed_years(a: datetime.date, b: datetime.date) -> tuple[int, ...]:
    """The years without a confirmed calendar among the days after ``a`` up to ``b``."""
    return working_calendar().unconfirmed_years(a, b)


@dataclass(frozen=True)
class CalendarYearStatus:
    year: int
    known: bool  # a CalendarYear row exists
    confirmed: bool
    source: str = ""
    notice: str = ""
    rest_days: int = 0  # holidays on weekdays and rest corrections
    working_days: int = 0  # make-up working days on weekends and working corrections
    updated_at: datetime.datetime | None = None


def calendar_year_status(year: int) -> CalendarYearStatus:
    """Whether ``year``'s calendar is on record and confirmed, with its exception counts."""
    row = CalendarYear.objects.filter(year=year).first()
    counts = dict(
        CalendarDay.objects.filter(date__year=year)
        .values("is_working_day")
        .annotate(n=Count("pk"))
        .values_list("is_working_day", "n")
    )
    return CalendarYearStatus(
        year=year,
        known=row is not None,
        confirmed=bool(row and row.confirmed),
        source=row.source if row else "",
        notice=row.notice if row else "",
        rest_days=counts.get(False, 0),
        working_days=counts.get(True, 0),
        updated_at=row.updated_at if row else None,
    )


# --- After a change ------------------------------------------------------------------

CalendarChangeHook = Callable[[tuple[int, ...]], None]

on_calendar_change: list[CalendarChangeHook] = []
"""Called after commit, with the affected years, whenever the calendar changes.

Register at start-up (an ``AppConfig.ready``): ``on_calendar_change.append(recompute)``.
A hook that raises is logged and does not stop the others (the change is committed).
"""


def _announce(years: Iterable[int]) -> None:
    affected = tuple(sorted(set(years)))
    calendar_cache_clear()

    def run() -> None:
        calendar_cache_clear()
        for hook in list(on_calendar_change):
            try:
                hook(affected)
            except Exception:
                logger.exception("calendar change hook %r failed for %s", hook, affected)

    transaction.on_commit(run)


# --- Messages ------------------------------------------------------------------------


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _bilingual(message: Any, params: Any = None) -> tuple[str, str]:
    """``message`` (lazy) in Chinese and in English."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(str(message % params if params is not None else message))
    return texts[0], texts[1]


COLUMNS: dict[str, str] = {"date": "日期", "type": "类型", "name": "名称"}


@dataclass(frozen=True)
class CalendarRowError:
    """One problem of an imported notice; ``row`` is None when it concerns the whole file."""

    row: int | None
    field: str
    message_zh: str
    message_en: str

    @classmethod
    def of(cls, row: int | None, field: str, message: Any, params: Any = None) -> CalendarRowError:
        return cls(row, field, *_bilingual(message, params))

    @property
    def column(self) -> str:
        if self.field not in COLUMNS:
            return ""
        return self.field if _english() else COLUMNS[self.field]

    @property
    def message(self) -> str:
        return self.message_en if _english() else self.message_zh

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.message_zh} / {self.message_en}"
        zh = f"第 {self.row} 行 " + (f"[{COLUMNS[self.field]}] " if self.field in COLUMNS else "")
        en = f"row {self.row} " + (f"[{self.field}] " if self.field in COLUMNS else "")
        return f"{zh}{self.message_zh} / {en}{self.message_en}"


class CalendarImportError(Exception):
    """A notice was refused; ``errors`` lists every problem, by row. Nothing was saved."""

    def __init__(self, errors: Sequence[CalendarRowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


class CalendarFileError(Exception):
    """The file cannot be read as a calendar table; the message is bilingual."""

    def __init__(self, message: Any, params: Any = None) -> None:
        self.message_zh, self.message_en = _bilingual(message, params)
        super().__init__(f"{self.message_zh} / {self.message_en}")

    @property
    def message(self) -> str:
        return self.message_en if _english() else self.message_zh


# --- Changing the calendar -----------------------------------------------------------


class CalendarRow(NamedTuple):
    """One day of a notice. ``row`` is its row in the file (for messages), if it has one."""

    date: datetime.date
    is_working_day: bool
    name: str = ""
    row: int | None = None


@dataclass(frozen=True)
class CalendarImportReport:
    """What an import changed (or, with ``dry_run``, would change)."""

    year: int
    before: dict[str, Any]
    after: dict[str, Any]
    dry_run: bool = False

    @property
    def rest_days(self) -> list[str]:
        return list(self.after["rest_days"])

    @property
    def working_days(self) -> list[str]:
        return list(self.after["working_days"])

    @property
    def added(self) -> list[str]:
        return sorted(set(self._days(self.after)) - set(self._days(self.before)))

    @property
    def removed(self) -> list[str]:
        return sorted(set(self._days(self.before)) - set(self._days(self.after)))

    @staticmethod
    def _days(state: dict[str, Any]) -> list[str]:
        return [f"{d} rest" for d in state["rest_days"]] + [
            f"{d} work" for d in state["working_days"]
        ]


def can_edit_calendar(user: Any) -> bool:
    """Only the Office changes the calendar."""
    return is_office(user)


def require_calendar_editor(by: Any) -> None:
    """Raise :class:`AccessDenied` unless ``by`` may change the calendar (the Office)."""
    if not can_edit_calendar(by):
        raise AccessDenied(
            "只有管委会办公室可以修改工作日历 / Only the Office can change the working-day calendar"
        )


def _weekday(day: datetime.date) -> Any:
    return WEEKDAYS[day.weekday()]


def calendar_check_rows(*, year: int, rows: Sequence[CalendarRow]) -> list[CalendarRowError]:
    """Every problem of ``rows`` as the notice of ``year`` (empty when it can be imported).

    Each date must lie in ``year`` and appear once, and each row must change something:
    a rest day on a weekend or a working day on a weekday is refused (the weekday rule
    already gives it), so that the stored calendar holds exceptions only.
    """
    errors: list[CalendarRowError] = []
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.append(
            CalendarRowError.of(
                None,
                "",
                _("The year must be between %(min)d and %(max)d."),
                {"min": MIN_YEAR, "max": MAX_YEAR},
            )
        )
    seen: dict[datetime.date, int] = {}
    for index, entry in enumerate(rows):
        number = entry.row if entry.row is not None else index + 1
        day, params = entry.date, {"date": entry.date.isoformat(), "year": year}
        if day.year != year:
            errors.append(
                CalendarRowError.of(number, "date", _("%(date)s is not in %(year)d."), params)
            )
        elif day in seen:
            errors.append(
                CalendarRowError.of(
                    number,
                    "date",
                    _("%(date)s is already in row %(row)d."),
                    {**params, "row": seen[day]},
                )
            )
        else:
            seen[day] = number
            if entry.is_working_day == _plain_working(day):
                message = (
                    _("%(date)s is a %(weekday)s and already a working day: remove this row.")
                    if entry.is_working_day
                    else _("%(date)s is a %(weekday)s and already a rest day: remove this row.")
                )
                errors.append(
                    CalendarRowError.of(
                        number, "type", message, {**params, "weekday": _weekday(day)}
                    )
                )
        if len(entry.name) > NAME_MAX:
            errors.append(
                CalendarRowError.of(
                    number,
                    "name",
                    _("The name is longer than %(max)d characters."),
                    {"max": NAME_MAX},
                )
            )
    return errors


def _as_rows(rows: Iterable[CalendarRow | tuple[Any, ...]]) -> list[CalendarRow]:
    found = []
    for index, item in enumerate(rows):
        entry = CalendarRow(*item)
        _check_date(entry.date, "date")
        found.append(
            entry._replace(
                is_working_day=bool(entry.is_working_day),
                name=(entry.name or "").strip(),
                row=entry.row if entry.row is not None else index + 1,
            )
        )
    return found


def _state(year: CalendarYear | None, days: Iterable[CalendarDay]) -> dict[str, Any]:
    """A year's calendar as audit data: the exceptions as ISO dates, and their names."""
    days = sorted(days, key=lambda d: d.date)
    return {
        "confirmed": bool(year and year.confirmed),
        "source": year.source if year else "",
        "notice": year.notice if year else "",
        "rest_days": [d.date.isoformat() for d in days if not d.is_working_day],
        "working_days": [d.date.isoformat() for d in days if d.is_working_day],
        "names": {d.date.isoformat(): d.name for d in days if d.name},
    }


def _bump(year_row: CalendarYear, by: User, **changes: Any) -> None:
    """Record a change of the year (and whatever fields change with it)."""
    for name, value in changes.items():
        setattr(year_row, name, value)
    year_row.updated_by = by
    year_row.updated_at = timezone.now()
    year_row.revision = F("revision") + 1  # type: ignore[assignment]
    year_row.save(update_fields=[*changes, "updated_by", "updated_at", "revision"])
    year_row.refresh_from_db(fields=["revision"])


def _notice_kind(is_working_day: bool) -> str:
    return CalendarDayKind.MAKEUP_WORKDAY if is_working_day else CalendarDayKind.HOLIDAY


def calendar_import_year(
    *,
    year: int,
    rows: Iterable[CalendarRow | tuple[Any, ...]],
    by: User,
    notice: str = "",
    via: str = "web",
    dry_run: bool = False,
) -> CalendarImportReport:
    """Replace ``year``'s exceptions with the official notice, and mark the year confirmed.

    ``rows`` are ``(date, is_working_day, name)`` tuples or :class:`CalendarRow`; they
    list the weekdays off (放假) and the weekend days that work (调休上班). Every
    exception stored for the year before — from the package, an earlier import or a
    correction — is replaced. All or nothing: any problem raises
    :class:`CalendarImportError` listing them all by row, and nothing is saved. The
    Office only (:class:`AccessDenied`). Audited as one ``import`` of the year.
    """
    require_calendar_editor(by)
    entries = _as_rows(rows)
    errors = calendar_check_rows(year=year, rows=entries)
    if not entries:
        errors.append(CalendarRowError.of(None, "", _("The notice lists no days.")))
    if errors:
        raise CalendarImportError(errors)
    notice = notice.strip()
    now = timezone.now()
    new_days = [
        CalendarDay(
            date=entry.date,
            is_working_day=entry.is_working_day,
            kind=_notice_kind(entry.is_working_day),
            name=entry.name,
            source=CalendarSource.IMPORT,
            created_at=now,
            updated_by=by,
        )
        for entry in sorted(entries, key=lambda e: e.date)
    ]
    with transaction.atomic():
        year_row = CalendarYear.objects.select_for_update().filter(year=year).first()
        old_days = list(CalendarDay.objects.select_for_update().filter(date__year=year))
        before = _state(year_row, old_days)
        after = {
            **_state(None, new_days),
            "confirmed": True,
            "source": str(CalendarSource.IMPORT),
            "notice": notice,
        }
        report = CalendarImportReport(year=year, before=before, after=after, dry_run=dry_run)
        if dry_run:
            return report
        if year_row is None:
            year_row = CalendarYear.objects.create(
                year=year, source=CalendarSource.IMPORT, updated_by=by
            )
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(new_days)
        _bump(year_row, by, confirmed=True, source=CalendarSource.IMPORT, notice=notice)
        audit_record(
            actor=by,
            action=AuditAction.IMPORT,
            obj=year_row,
            before=before,
            after=after,
            note=notice,
            via=via,
            label=f"工作日历 {year} working-day calendar",
        )
        _announce([year])
    return report


def calendar_set_day(
    *,
    date: datetime.date,
    is_working_day: bool,
    name: str = "",
    by: User,
    via: str = "web",
) -> CalendarDay | None:
    """Correct one day: make ``date`` a working day or a rest day, with an optional name.

    A day set to what the weekday rule gives anyway removes its stored exception (the
    result is then None). Setting a day to what it already is raises
    :class:`ValidationError`. The year's confirmation is left as it is. The Office only;
    audited.
    """
    require_calendar_editor(by)
    _check_date(date, "date")
    name = name.strip()
    if len(name) > NAME_MAX:
        raise ValidationError(
            _("The name is longer than %(max)d characters."), params={"max": NAME_MAX}
        )
    plain = _plain_working(date)
    params = {"date": date.isoformat()}
    unchanged = ValidationError(
        _("Nothing to change: %(date)s is already a working day.")
        if is_working_day
        else _("Nothing to change: %(date)s is already a rest day."),
        params=params,
    )
    with transaction.atomic():
        year_row = CalendarYear.objects.select_for_update().filter(year=date.year).first()
        if year_row is None:
            year_row = CalendarYear.objects.create(
                year=date.year, confirmed=False, source=CalendarSource.ADMIN, updated_by=by
            )
        day = CalendarDay.objects.select_for_update().filter(date=date).first()
        before = _day_state(day)
        result: CalendarDay | None
        if is_working_day == plain:
            if day is None:
                raise unchanged
            after = {"date": date.isoformat(), "is_working_day": plain, "kind": "", "name": ""}
            audit_record(
                actor=by, action=AuditAction.DELETE, obj=day, before=before, after=after, via=via
            )
            day.delete()
            result = None
        elif day is None:
            result = CalendarDay.objects.create(
                date=date,
                is_working_day=is_working_day,
                kind=(
                    CalendarDayKind.WORKDAY_OVERRIDE
                    if is_working_day
                    else CalendarDayKind.REST_OVERRIDE
                ),
                name=name,
                source=CalendarSource.ADMIN,
                updated_by=by,
            )
            audit_record(
                actor=by,
                action=AuditAction.CREATE,
                obj=result,
                before=before,
                after=_day_state(result),
                via=via,
            )
        else:  # the stored exception already says so: only its name can change
            if day.name == name:
                raise unchanged
            day.name, day.source, day.updated_by = name, CalendarSource.ADMIN, by
            day.save(update_fields=["name", "source", "updated_by"])
            audit_record(
                actor=by,
                action=AuditAction.CHANGE,
                obj=day,
                before=before,
                after=_day_state(day),
                via=via,
            )
            result = day
        _bump(year_row, by)
        _announce([date.year])
    return result


def _day_state(day: CalendarDay | None) -> dict[str, Any] | None:
    if day is None:
        return None
    return {
        "date": day.date.isoformat(),
        "is_working_day": day.is_working_day,
        "kind": day.kind,
        "name": day.name,
        "source": day.source,
    }


# --- The package's data --------------------------------------------------------------


def package_exceptions(years: Iterable[int]) -> dict[int, list[CalendarRow]]:
    """The exceptions to the weekday rule of each of ``years`` known to ``chinesecalendar``.

    Holidays that fall on a weekend are left out (they change nothing). Years the
    package does not know are absent from the result.
    """
    import chinese_calendar

    wanted = set(years)
    found: dict[int, list[CalendarRow]] = {}
    for day in chinese_calendar.holidays:
        if day.year in wanted:
            found.setdefault(day.year, [])
    sources = ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True))
    for table, working in sources:
        for day, english in table.items():
            if day.year in found and _plain_working(day) != working:
                found[day.year].append(CalendarRow(day, working, _chinese_name(english)))
    for rows in found.values():
        rows.sort()
    return found


def _chinese_name(english: str) -> str:
    import chinese_calendar

    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def seed_from_package(
    year_model: type[models.Model], day_model: type[models.Model], years: Iterable[int]
) -> list[int]:
    """Store the package's calendar for each of ``years`` not yet on record; the years seeded.

    Takes the model classes so that migration ``core.0003`` can pass its historical
    models: use only the fields that migration creates. A year already on record (from
    the package, an import or a correction) is left untouched, so running it again
    changes nothing. Years the package does not know are skipped.
    """
    import chinese_calendar

    wanted = sorted(set(years))
    known = set(year_model._default_manager.filter(year__in=wanted).values_list("year", flat=True))
    data = {y: rows for y, rows in package_exceptions(wanted).items() if y not in known}
    if not data:
        return []
    now = timezone.now()
    existing = set(
        day_model._default_manager.filter(
            date__in=[row.date for rows in data.values() for row in rows]
        ).values_list("date", flat=True)
    )
    day_model._default_manager.bulk_create(
        [
            day_model(
                date=row.date,
                is_working_day=row.is_working_day,
                kind="makeup_workday" if row.is_working_day else "holiday",
                name=row.name,
                source="chinesecalendar",
                created_at=now,
            )
            for rows in data.values()
            for row in rows
            if row.date not in existing
        ],
        ignore_conflicts=True,
    )
    year_model._default_manager.bulk_create(
        [
            year_model(
                year=year,
                confirmed=True,
                source="chinesecalendar",
                notice=f"chinesecalendar {chinese_calendar.__version__}",
                revision=1,
                updated_at=now,
            )
            for year in sorted(data)
        ],
        ignore_conflicts=True,
    )
    return sorted(data)


def calendar_seed_from_package(years: Iterable[int] = PACKAGE_YEARS) -> list[int]:
    """Store the package's calendar for the ``years`` not yet on record (idempotent).

    Migration ``core.0003`` already did this for 2004–2026; call it again after
    upgrading ``chinesecalendar`` to load a year it has added. Audited as the system.
    """
    with transaction.atomic():
        seeded = seed_from_package(CalendarYear, CalendarDay, years)
        for year_row in CalendarYear.objects.filter(year__in=seeded):
            days = CalendarDay.objects.filter(date__year=year_row.year)
            audit_record(
                actor=None,
                action=AuditAction.IMPORT,
                obj=year_row,
                after=_state(year_row, days),
                note=year_row.notice,
                via="chinesecalendar",
                label=f"工作日历 {year_row.year} working-day calendar",
            )
        if seeded:
            _announce(seeded)
    return seeded


# --- Reading a notice from a file ----------------------------------------------------

MAX_BYTES = 1024 * 1024
MAX_ROWS = 400
EXTENSIONS = (".xlsx", ".csv")
ROW = "_row"
REST_WORDS = frozenset({"放假", "休息", "休", "假", "休假", "holiday", "rest", "off"})
WORK_WORDS = frozenset({"上班", "调休上班", "补班", "班", "workday", "working day", "work"})
_HEADINGS = {**{name: name for name in COLUMNS}, **{zh: name for name, zh in COLUMNS.items()}}


def _calendar_rows(data: bytes, suffix: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from table_rows(data, suffix)
    except SpreadsheetError as exc:
        raise CalendarFileError(exc.message, exc.params) from None


_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_calendar_file(
    path_or_file: str | Path | IO[bytes], filename: str | None = None
) -> list[dict[str, Any]]:
    """The rows of a notice in XLSX or CSV: dicts of ``date``/``type``/``name`` → cell.

    The first non-empty row holds the headings: 日期/date, 类型/type and optionally
    名称/name. Cells are kept as read (an XLSX date stays a date); each dict has its
    spreadsheet row number under ``"_row"``. Raises :class:`CalendarFileError`.
    """
    if isinstance(path_or_file, str | Path):
        filename = filename or Path(path_or_file).name
        try:
            data = Path(path_or_file).read_bytes()
        except OSError as exc:
            raise CalendarFileError(
                _("Cannot read the file: %(reason)s"), {"reason": exc.strerror or exc}
            ) from None
    else:
        data = path_or_file.read()
    if len(data) > MAX_BYTES:
        raise CalendarFileError(_("The file is larger than 1 MB."))
    suffix = Path(filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise CalendarFileError(
            _("%(name)s is not an .xlsx or .csv file (save .xls workbooks as .xlsx first)."),
            {"name": filename or "?"},
        )
    source = _calendar_rows(data, suffix)
    fields: list[str | None] | None = None
    rows: list[dict[str, Any]] = []
    for number, values in source:
        if not any(_cell_text(v) for v in values):
            continue
        if fields is None:
            fields = _header(values)
            continue
        if len(rows) >= MAX_ROWS:
            raise CalendarFileError(
                _("The file has more than %(max)d rows: split it."), {"max": MAX_ROWS}
            )
        row: dict[str, Any] = {ROW: number, "date": None, "type": "", "name": ""}
        for index, value in enumerate(values):
            name = fields[index] if index < len(fields) else None
            if name is not None:
                row[name] = value
        rows.append(row)
    if fields is None:
        raise CalendarFileError(
            _("The file is empty: the first row must hold the column headings.")
        )
    return rows


def _header(values: list[Any]) -> list[str | None]:
    fields: list[str | None] = []
    unknown = []
    for value in values:
        heading = _cell_text(value).rstrip("*＊").strip()
        name = _HEADINGS.get(heading) or _HEADINGS.get(heading.lower())
        if not heading:
            fields.append(None)
        elif name is None:
            unknown.append(heading)
            fields.append(None)
        elif name in fields:
            raise CalendarFileError(
                _("The column %(heading)s appears twice."), {"heading": COLUMNS[name]}
            )
        else:
            fields.append(name)
    if unknown:
        known = "、".join(f"{zh}/{name}" for name, zh in COLUMNS.items())
        raise CalendarFileError(
            _("Unknown column heading: %(headings)s. Known headings: %(known)s."),
            {"headings": "、".join(unknown), "known": known},
        )
    if "date" not in fields or "type" not in fields:
        raise CalendarFileError(_("The first row needs the columns 日期 (date) and 类型 (type)."))
    return fields


def parse_date(value: Any) -> datetime.date | None:
    """A cell as a date: a spreadsheet date, an Excel day number, 2027-01-01, 2027/1/1,
    2027.1.1, 2027年1月1日 or 20270101; None if it is none of these."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _cell_text(value)
    try:
        if re.fullmatch(r"\d{8}", text):
            return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if re.fullmatch(r"\d{5}", text):  # an Excel day number (1 = 1900-01-01)
            return _EXCEL_EPOCH + datetime.timedelta(days=int(text))
        match = _DATE.fullmatch(text)
        if match:
            return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return None


def parse_calendar_rows(
    raw: Sequence[dict[str, Any]],
) -> tuple[list[CalendarRow], list[CalendarRowError]]:
    """The rows read by :func:`read_calendar_file` as :class:`CalendarRow`, and the rows'
    problems (a missing or unreadable date, an unknown type word)."""
    rows: list[CalendarRow] = []
    errors: list[CalendarRowError] = []
    for index, cells in enumerate(raw):
        number = int(cells.get(ROW) or index + 2)
        date_text = _cell_text(cells.get("date"))
        day = parse_date(cells.get("date"))
        word = _cell_text(cells.get("type"))
        working = _type_word(word)
        if not date_text:
            errors.append(CalendarRowError.of(number, "date", _("The date is required.")))
        elif day is None:
            errors.append(
                CalendarRowError.of(
                    number,
                    "date",
                    _("%(value)s is not a date: write it as 2027-01-01."),
                    {"value": date_text},
                )
            )
        if not word:
            errors.append(
                CalendarRowError.of(
                    number,
                    "type",
                    _("The type is required: 放假 (a day off) or 上班 (a working day)."),
                )
            )
        elif working is None:
            errors.append(
                CalendarRowError.of(
                    number,
                    "type",
                    _(
                        "Unknown type %(value)s: write 放假, 休息, holiday or rest for a day "
                        "off, 上班, 调休上班 or workday for a working day."
                    ),
                    {"value": word},
                )
            )
        if day is not None and working is not None:
            rows.append(CalendarRow(day, working, _cell_text(cells.get("name")), number))
    return rows, errors


def _type_word(word: str) -> bool | None:
    """True for a working day, False for a day off, None for a word not understood."""
    key = word.strip().lower()
    if key in WORK_WORDS:
        return True
    if key in REST_WORDS:
        return False
    return None


def read_notice(
    path_or_file: str | Path | IO[bytes], *, year: int, filename: str | None = None
) -> list[CalendarRow]:
    """Read and check a notice file for ``year``: its rows, or :class:`CalendarImportError`
    with every problem (reading and checking) by row. :class:`CalendarFileError` when the
    file cannot be read at all."""
    rows, errors = parse_calendar_rows(read_calendar_file(path_or_file, filename))
    errors += calendar_check_rows(year=year, rows=rows)
    if errors:
        errors.sort(key=lambda e: (e.row or 0, list(COLUMNS).index(e.field) if e.field else 9))
        raise CalendarImportError(errors)
    return rows
