"""The official working-day calendar (Regulation §5): 调休, imports, corrections, deadlines.

The 2026 days are those of Regulation §5. Every 2027 notice here is made up; files
are real CSV or XLSX sheets written into the test's folder.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from gongkai.accounts.permissions import AccessDenied
from gongkai.cli import Abort
from gongkai.core import calendar
from gongkai.core.calendar import (
    CalendarImportError,
    CalendarRow,
    Deadline,
    add_working_days,
    calendar_import_year,
    calendar_seed_from_package,
    calendar_set_day,
    calendar_year_status,
    is_working_day,
    read_notice,
    working_days_between,
)
from gongkai.core.models import (
    AuditAction,
    AuditEntry,
    CalendarDay,
    CalendarDayKind,
    CalendarSource,
    CalendarYear,
)

D = datetime.date
HEADER = ["日期", "类型", "名称"]
# A made-up notice for 2027: New Year's Day on a Friday, a Spring Festival week and one
# Saturday at work.
NOTICE_2027 = [
    ["2027-01-01", "放假", "元旦"],
    ["2027/2/8", "放假", "春节"],
    ["2027-02-09", "休息", "春节"],
    ["2027-02-10", "holiday", "春节"],
    ["2027年2月11日", "放假", "春节"],
    ["2027-02-12", "rest", "春节"],
    ["2027-02-20", "调休上班", "春节"],
]


@pytest.fixture(autouse=True)
def _calendar(db):
    """The package calendar 2004–2026 as migration core.0003 loads it.

    A guard: a transactional test flushes the tables the migration filled (pytest-django
    runs those last). On a migrated database this changes nothing.
    """
    calendar_seed_from_package()
    hooks = list(calendar.on_calendar_change)  # the apps' own hooks (disclosure requests)
    yield
    calendar.on_calendar_change[:] = hooks


def _csv(tmp_path, rows, header=HEADER, name="notice.csv", encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _xlsx(tmp_path, rows, header=HEADER, name="notice.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def _counts():
    return CalendarYear.objects.count(), CalendarDay.objects.count()


# --- The official 2026 calendar ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 1, 1), False),  # New Year's Day, Thursday
        (D(2026, 1, 2), False),
        (D(2026, 1, 3), False),  # Saturday
        (D(2026, 1, 4), True),  # Sunday at work (调休)
        (D(2026, 1, 5), True),
        (D(2026, 2, 14), True),  # Saturday at work
        *[(D(2026, 2, day), False) for day in range(15, 24)],  # Spring Festival 15–23
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday at work
        (D(2026, 3, 1), False),  # an ordinary Sunday
        (D(2026, 4, 6), False),  # Qingming, Monday
        (D(2026, 5, 1), False),
        (D(2026, 5, 5), False),
        (D(2026, 5, 9), True),  # Saturday at work
        (D(2026, 6, 19), False),  # Dragon Boat, Friday
        (D(2026, 9, 20), True),  # Sunday at work
        (D(2026, 9, 25), False),  # Mid-Autumn, Friday
        *[(D(2026, 10, day), False) for day in range(1, 8)],  # National Day 1–7
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday at work
        (D(2026, 10, 11), False),
    ],
    ids=str,
)
def test_2026_follows_the_official_notice(day, working):
    """Every day of Regulation §5's 2026 notice is a working day or not as announced."""
    assert is_working_day(day) is working


def test_2026_is_confirmed_from_the_package():
    """2026 is on record from chinesecalendar, with 19 weekdays off and 6 weekend days at work."""
    status = calendar_year_status(2026)

    assert status.known
    assert status.confirmed
    assert status.source == CalendarSource.PACKAGE
    assert (status.rest_days, status.working_days) == (19, 6)
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).name == "春节"
    assert CalendarDay.objects.get(date=D(2026, 1, 4)).kind == CalendarDayKind.MAKEUP_WORKDAY


def test_only_exceptions_to_the_weekday_rule_are_stored():
    """Holidays that fall on a weekend are not stored: the weekday rule already rests them."""
    assert not CalendarDay.objects.filter(date=D(2026, 1, 3)).exists()  # Saturday off
    stored = CalendarDay.objects.filter(date__year=2026)
    assert all(day.is_working_day == (day.date.weekday() >= 5) for day in stored)


def test_twenty_working_days_across_mid_autumn_and_national_day():
    """20 working days after Friday 2026-09-25 end on Thursday 2026-10-29.

    Counted by hand, the start day never counting:
    Sep 26–27 off (Mid-Autumn, weekend); Sep 28, 29, 30 = 1–3; Oct 1–7 off (National
    Day); Oct 8, 9 = 4–5; Oct 10 (Saturday at work) = 6; Oct 11 off; Oct 12–16 = 7–11;
    Oct 19–23 = 12–16; Oct 26, 27, 28, 29 = 17, 18, 19, 20.
    """
    due = add_working_days(D(2026, 9, 25), 20)

    assert due == Deadline(date=D(2026, 10, 29), confirmed=True, unconfirmed_years=())
    assert due.warning == ""


def test_counting_starts_the_day_after():
    """One working day after a Friday is the Monday; after a holiday eve, the first day back."""
    assert add_working_days(D(2026, 3, 6), 1).date == D(2026, 3, 9)
    assert add_working_days(D(2026, 9, 30), 1).date == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 19), 1).date == D(2026, 9, 20)  # Sunday at work
    assert add_working_days(D(2026, 3, 6), 0).date == D(2026, 3, 6)


def test_working_days_between_counts_after_the_first_date_up_to_the_second():
    """From the day after ``a`` up to and including ``b``; reversed dates give a negative count."""
    assert working_days_between(D(2026, 9, 25), D(2026, 10, 29)) == 20
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert working_days_between(D(2026, 3, 6), D(2026, 3, 6)) == 0
    assert working_days_between(D(2026, 10, 29), D(2026, 9, 25)) == -20


def test_wrong_arguments_are_refused():
    """A negative count or a datetime (its day depends on the time zone) is a programming error."""
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(D(2026, 3, 6), -1)
    with pytest.raises(TypeError, match="localdate"):
        is_working_day(datetime.datetime(2026, 3, 6, 12, tzinfo=datetime.UTC))


# --- Beyond the known calendar -------------------------------------------------------


def test_a_year_without_a_notice_counts_weekdays_and_is_unconfirmed():
    """In 2027 (no notice yet) Monday–Friday work; the deadline says 2027 is not confirmed."""
    due = add_working_days(D(2027, 3, 1), 5)  # a Monday

    assert is_working_day(D(2027, 1, 1))  # a Friday: no holiday known yet
    assert not is_working_day(D(2027, 1, 2))
    assert due == Deadline(date=D(2027, 3, 8), confirmed=False, unconfirmed_years=(2027,))
    assert not calendar_year_status(2027).known


def test_the_warning_names_the_years_in_the_active_language():
    """An unconfirmed deadline carries a visible warning, in Chinese by default."""
    due = add_working_days(D(2027, 3, 1), 5)

    assert due.warning == "2027 年的工作日历尚未确认：此日期按周一至周五上班计算，可能变动。"
    with translation.override("en"):
        assert "calendar for 2027 is not yet confirmed" in due.warning


def test_a_december_request_running_into_next_year_is_unconfirmed():
    """20 working days after Tuesday 2026-12-15 end on Tuesday 2027-01-12, unconfirmed.

    Dec 16–18 = 1–3; Dec 21–25 = 4–8; Dec 28–31 = 9–12; Fri Jan 1 2027 = 13 (plain
    weekday, no notice); Jan 4–8 = 14–18; Jan 11, 12 = 19, 20.
    """
    due = add_working_days(D(2026, 12, 15), 20)

    assert due == Deadline(date=D(2027, 1, 12), confirmed=False, unconfirmed_years=(2027,))


def test_dates_far_outside_the_package_never_raise():
    """Before 2004 and far ahead, days count on weekdays and are marked unconfirmed.

    Tue 2003-12-30 + 3: Dec 31 = 1; Jan 1 2004 off (package); Jan 2 = 2; Jan 5 = 3.
    """
    early = add_working_days(D(2003, 12, 30), 3)
    late = add_working_days(D(2099, 12, 31), 1)  # a Thursday

    assert early == Deadline(date=D(2004, 1, 5), confirmed=False, unconfirmed_years=(2003,))
    assert late == Deadline(date=D(2100, 1, 1), confirmed=False, unconfirmed_years=(2100,))
    assert working_days_between(D(1999, 1, 1), D(1999, 1, 8)) == 5


# --- Importing a year's notice -------------------------------------------------------


def test_importing_next_years_notice_confirms_and_moves_the_deadline(tmp_path, office_admin):
    """Once 2027's notice is imported, the December deadline is confirmed and a day later.

    With Fri Jan 1 2027 off: Dec 16–31 = 1–12 as before; Jan 4–8 = 13–17;
    Jan 11, 12, 13 = 18, 19, 20.
    """
    rows = read_notice(_csv(tmp_path, NOTICE_2027), year=2027)

    calendar_import_year(
        year=2027, rows=rows, by=office_admin, notice="国办发明电〔2026〕1号", via="import"
    )

    due = add_working_days(D(2026, 12, 15), 20)
    assert due == Deadline(date=D(2027, 1, 13), confirmed=True, unconfirmed_years=())
    assert not is_working_day(D(2027, 2, 8))
    assert is_working_day(D(2027, 2, 20))
    status = calendar_year_status(2027)
    assert (status.confirmed, status.source, status.notice) == (
        True,
        CalendarSource.IMPORT,
        "国办发明电〔2026〕1号",
    )
    assert (status.rest_days, status.working_days) == (6, 1)


def test_an_import_is_audited_with_the_days_before_and_after(office_admin):
    """One audit entry per import: the year, the notice, the exceptions as ISO dates."""
    calendar_import_year(
        year=2026,
        rows=[(D(2026, 1, 1), False, "元旦"), (D(2026, 1, 4), True, "元旦")],
        by=office_admin,
        notice="更正",
        via="cli",
    )

    entry = AuditEntry.objects.get(action=AuditAction.IMPORT, object_type="core.CalendarYear")
    assert entry.actor == office_admin
    assert entry.via == "cli"
    assert entry.object_id == str(CalendarYear.objects.get(year=2026).pk)
    assert "2026-02-16" in entry.before["rest_days"]
    assert entry.after["rest_days"] == ["2026-01-01"]
    assert entry.after["working_days"] == ["2026-01-04"]
    assert entry.after["names"] == {"2026-01-01": "元旦", "2026-01-04": "元旦"}
    assert entry.before["source"] == "chinesecalendar"
    assert entry.after["notice"] == "更正"


def test_an_import_replaces_every_exception_of_the_year(office_admin):
    """Re-importing a year drops its earlier holidays and corrections; other years stay."""
    calendar_set_day(date=D(2026, 3, 3), is_working_day=False, name="停电", by=office_admin)

    calendar_import_year(
        year=2026, rows=[(D(2026, 1, 1), False, "元旦")], by=office_admin, via="cli"
    )

    assert list(CalendarDay.objects.filter(date__year=2026).values_list("date", flat=True)) == [
        D(2026, 1, 1)
    ]
    assert is_working_day(D(2026, 3, 3))
    assert is_working_day(D(2026, 2, 16))
    assert CalendarDay.objects.filter(date__year=2025).count() > 0


def test_bad_rows_are_reported_by_row_and_nothing_is_saved(tmp_path, office_admin):
    """Every problem is listed with its row; the database is left as it was."""
    rows = [
        ["2027-01-01", "放假", "元旦"],  # row 2: fine
        ["2026-12-31", "放假", ""],  # row 3: not in 2027
        ["2027-02-08", "请假", "春节"],  # row 4: unknown type word
        ["2027-02-09", "放假", "春节"],  # row 5: fine
        ["2027/2/9", "放假", "春节"],  # row 6: the same date as row 5
        ["2027-02-06", "放假", "春节"],  # row 7: a Saturday off changes nothing
        ["2027-02-10", "上班", ""],  # row 8: a Wednesday at work changes nothing
        ["2027-02-30", "放假", ""],  # row 9: no such date
        ["", "放假", ""],  # row 10: no date
    ]
    before = _counts()

    with pytest.raises(CalendarImportError) as caught:
        read_notice(_csv(tmp_path, rows), year=2027)

    found = [(e.row, e.field) for e in caught.value.errors]
    assert found == [
        (3, "date"),
        (4, "type"),
        (6, "date"),
        (7, "type"),
        (8, "type"),
        (9, "date"),
        (10, "date"),
    ]
    messages = [str(e) for e in caught.value.errors]
    assert (
        messages[0]
        == "第 3 行 [日期] 2026-12-31 不在 2027 年内。 / row 3 [date] 2026-12-31 is not in 2027."
    )
    assert "第 6 行 [日期] 2027-02-09 已在第 5 行。" in messages[2]
    assert "2027-02-06 是星期六，本来就休息，请删除此行。" in messages[3]
    assert "2027-02-10 is a Wednesday and already a working day: remove this row." in messages[4]
    assert _counts() == before
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_service_refuses_bad_rows_as_a_whole(office_admin):
    """Rows given in code are checked the same way; their position is the row number."""
    before = _counts()

    with pytest.raises(CalendarImportError) as caught:
        calendar_import_year(
            year=2027,
            rows=[(D(2027, 1, 1), False, "元旦"), (D(2027, 1, 2), False, "元旦")],
            by=office_admin,
        )

    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "type")]
    assert _counts() == before
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_an_empty_notice_is_refused(office_admin):
    """A notice without days is refused rather than confirming an empty year."""
    with pytest.raises(CalendarImportError, match="lists no days"):
        calendar_import_year(year=2027, rows=[], by=office_admin)


def test_a_dry_run_reports_and_saves_nothing(office_admin):
    """With dry_run the report says what would change; nothing is written or audited."""
    before = _counts()

    report = calendar_import_year(
        year=2027, rows=[CalendarRow(D(2027, 1, 1), False, "元旦")], by=office_admin, dry_run=True
    )

    assert report.dry_run
    assert report.rest_days == ["2027-01-01"]
    assert report.added == ["2027-01-01 rest"]
    assert _counts() == before
    assert not AuditEntry.objects.exists()


def test_a_unit_admin_cannot_change_the_calendar(unit_admin_a):
    """Only the Office imports notices or corrects days."""
    before = _counts()

    with pytest.raises(AccessDenied):
        calendar_import_year(year=2027, rows=[(D(2027, 1, 1), False, "元旦")], by=unit_admin_a)
    with pytest.raises(AccessDenied):
        calendar_set_day(date=D(2026, 3, 3), is_working_day=False, by=unit_admin_a)

    assert _counts() == before


# --- Single corrections, the cache and the hook ---------------------------------------


def test_a_correction_is_seen_by_the_next_computation(office_admin):
    """A day made a rest day moves a deadline at once; setting it back removes the exception.

    Mon 2026-11-02 + 5: Nov 3, 4, 5, 6, 9. With Wed Nov 4 off: Nov 3, 5, 6, 9, 10.
    """
    assert add_working_days(D(2026, 11, 2), 5).date == D(2026, 11, 9)

    day = calendar_set_day(date=D(2026, 11, 4), is_working_day=False, name="停电", by=office_admin)

    assert day is not None
    assert day.kind == CalendarDayKind.REST_OVERRIDE
    assert day.source == CalendarSource.ADMIN
    assert add_working_days(D(2026, 11, 2), 5).date == D(2026, 11, 10)

    assert calendar_set_day(date=D(2026, 11, 4), is_working_day=True, by=office_admin) is None

    assert add_working_days(D(2026, 11, 2), 5).date == D(2026, 11, 9)
    assert not CalendarDay.objects.filter(date=D(2026, 11, 4)).exists()
    actions = list(
        AuditEntry.objects.filter(object_type="core.CalendarDay")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.CREATE, AuditAction.DELETE]


def test_a_correction_that_changes_nothing_is_refused(office_admin):
    """Setting a day to what it already is raises a validation error."""
    with pytest.raises(ValidationError, match="已经是工作日"):
        calendar_set_day(date=D(2026, 11, 4), is_working_day=True, by=office_admin)
    with pytest.raises(ValidationError, match="已经是休息日"):
        calendar_set_day(date=D(2026, 10, 1), is_working_day=False, name="国庆节", by=office_admin)


def test_a_correction_in_an_unknown_year_leaves_it_unconfirmed(office_admin):
    """Correcting a 2027 day records the year, still unconfirmed, and uses the correction."""
    calendar_set_day(date=D(2027, 1, 1), is_working_day=False, name="元旦", by=office_admin)

    due = add_working_days(D(2026, 12, 31), 1)

    assert due == Deadline(date=D(2027, 1, 4), confirmed=False, unconfirmed_years=(2027,))
    status = calendar_year_status(2027)
    assert (status.known, status.confirmed, status.rest_days) == (True, False, 1)


def test_a_change_by_another_process_is_seen_through_the_version():
    """Without the write services (another process), a bumped revision still reloads."""
    assert is_working_day(D(2026, 11, 4))

    CalendarDay.objects.create(
        date=D(2026, 11, 4),
        is_working_day=False,
        kind=CalendarDayKind.REST_OVERRIDE,
        source=CalendarSource.ADMIN,
    )
    CalendarYear.objects.filter(year=2026).update(revision=F("revision") + 1)

    assert not is_working_day(D(2026, 11, 4))


def test_the_change_hook_runs_after_commit(office_admin, django_capture_on_commit_callbacks):
    """Registered hooks get the affected years once the change is committed, not before."""
    calls = []
    calendar.on_calendar_change.append(calls.append)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        calendar_set_day(date=D(2026, 11, 4), is_working_day=False, by=office_admin)
        calendar_import_year(year=2027, rows=[(D(2027, 1, 1), False, "")], by=office_admin)
    assert calls == []

    for callback in callbacks:
        callback()

    assert calls == [(2026,), (2027,)]


def test_a_failing_hook_does_not_stop_the_others(office_admin, django_capture_on_commit_callbacks):
    """A hook that raises is logged; the next hook still runs."""
    calls = []

    def broken(years):
        raise RuntimeError("boom")

    calendar.on_calendar_change.extend([broken, calls.append])

    with django_capture_on_commit_callbacks(execute=True):
        calendar_set_day(date=D(2026, 11, 4), is_working_day=False, by=office_admin)

    assert calls == [(2026,)]


# --- Seeding from the package --------------------------------------------------------


def test_seeding_again_changes_nothing():
    """The seed skips the years on record: running it twice leaves the counts as they were."""
    before = _counts()

    assert calendar_seed_from_package() == []
    assert calendar_seed_from_package() == []

    assert _counts() == before
    assert before[0] == 23


def test_seeding_an_empty_calendar_twice_gives_the_same_rows():
    """From empty tables the seed loads 2004–2026 once; a second run adds nothing."""
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()

    seeded = calendar_seed_from_package()
    after_first = _counts()
    calendar_seed_from_package()

    assert seeded == list(range(2004, 2027))
    assert _counts() == after_first
    assert AuditEntry.objects.filter(via="chinesecalendar").count() == 23


def test_the_seed_skips_years_the_package_does_not_know_and_years_on_record(office_admin):
    """2027 is not in chinesecalendar 1.11.0: nothing is stored, so it stays unconfirmed."""
    calendar_import_year(year=2026, rows=[(D(2026, 1, 1), False, "")], by=office_admin)

    assert calendar_seed_from_package([2026, 2027]) == []

    assert not CalendarYear.objects.filter(year=2027).exists()
    assert CalendarDay.objects.filter(date__year=2026).count() == 1


def test_the_migration_seed_works_with_the_historical_models():
    """Migration core.0003's seed runs with its own model state and is idempotent."""
    state = MigrationExecutor(connection).loader.project_state(("core", "0003_calendar"))
    year_model = state.apps.get_model("core", "CalendarYear")
    day_model = state.apps.get_model("core", "CalendarDay")
    CalendarDay.objects.filter(date__year=2010).delete()
    CalendarYear.objects.filter(year=2010).delete()

    assert calendar.seed_from_package(year_model, day_model, calendar.PACKAGE_YEARS) == [2010]
    assert calendar.seed_from_package(year_model, day_model, calendar.PACKAGE_YEARS) == []

    assert CalendarYear.objects.get(year=2010).confirmed
    assert not is_working_day(D(2010, 10, 1))


# --- Reading files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2027-01-01", D(2027, 1, 1)),
        ("2027/1/1", D(2027, 1, 1)),
        ("2027.1.1", D(2027, 1, 1)),
        ("2027年1月1日", D(2027, 1, 1)),
        ("2027/1/1 0:00", D(2027, 1, 1)),
        ("20270101", D(2027, 1, 1)),
        (46388, D(2027, 1, 1)),  # an Excel day number
        ("46388", D(2027, 1, 1)),
        (datetime.datetime(2027, 1, 1), D(2027, 1, 1)),  # noqa: DTZ001 - an XLSX cell
        (D(2027, 1, 1), D(2027, 1, 1)),
        ("2027-02-30", None),
        ("一月一日", None),
        (True, None),
    ],
    ids=repr,
)
def test_dates_are_read_in_the_usual_spellings(cell, expected):
    """ISO, slashes, dots, 年月日, Excel dates and day numbers are understood."""
    assert calendar.parse_date(cell) == expected


def test_a_file_without_the_needed_columns_is_refused(tmp_path):
    """The first row must name the date and type columns."""
    with pytest.raises(calendar.CalendarFileError, match="日期"):
        read_notice(_csv(tmp_path, [["2027-01-01"]], header=["日期"]), year=2027)


def test_a_gb18030_csv_with_english_headings_is_read(tmp_path):
    """CSV saved by Chinese Excel (GB18030) with English headings reads the same."""
    path = _csv(tmp_path, NOTICE_2027, header=["date", "type", "name"], encoding="gb18030")

    rows = read_notice(path, year=2027)

    assert [r.date for r in rows][:2] == [D(2027, 1, 1), D(2027, 2, 8)]
    assert rows[-1] == CalendarRow(D(2027, 2, 20), True, "春节", 8)


# --- The command ---------------------------------------------------------------------


def _command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_calendar", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_an_xlsx_notice(tmp_path, office_admin):
    """`gongkai import_calendar FILE --as USER --year 2027` loads the notice and confirms 2027."""
    rows = [[D(2027, 1, 1), "放假", "元旦"], ["2027/2/20", "上班", "春节"]]

    out, _err = _command(
        _xlsx(tmp_path, rows), "--as", "office-admin", "--year", 2027, "--notice", "国办发明电"
    )

    assert "导入完成" in out
    assert "the 2027 calendar is confirmed, 1 weekday(s) off and 1 weekend day(s) at work" in out
    assert "+ 2027-01-01 rest" in out
    assert add_working_days(D(2026, 12, 31), 1).date == D(2027, 1, 4)
    assert add_working_days(D(2026, 12, 31), 1).confirmed
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert (entry.via, entry.note) == ("cli", "国办发明电")


def test_the_command_dry_run_saves_nothing(tmp_path, office_admin):
    """--dry-run checks the file and reports, leaving the calendar as it was."""
    out, _err = _command(
        _csv(tmp_path, NOTICE_2027), "--as", "office-admin", "--year", 2027, "--dry-run"
    )

    assert "check passed, nothing saved: 2027 would have 6 weekday(s) off" in out
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_command_lists_row_errors_and_exits_1(tmp_path, office_admin):
    """Each problem is printed with its row; the exit status is 1 and nothing is saved."""
    path = _csv(tmp_path, [["2027-01-01", "放假", ""], ["2027-01-02", "放假", ""]])
    err = io.StringIO()

    with pytest.raises(Abort) as caught:
        call_command(
            "import_calendar", str(path), "--as", "office-admin", "--year", "2027", stderr=err
        )

    assert caught.value.returncode == 1
    assert "nothing was saved" in str(caught.value)
    assert "第 3 行 [类型] 2027-01-02 是星期六" in err.getvalue()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_command_refuses_a_unit_admin(tmp_path, unit_admin_a):
    """Only an Office account may import, and it is told so before the file is read."""
    with pytest.raises(Abort, match="Only the Office"):
        _command(_csv(tmp_path, NOTICE_2027), "--as", "admin-a", "--year", 2027)

    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_command_refuses_a_year_out_of_range(tmp_path, office_admin):
    """The year is checked by the argument parser."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a year"):
        _command(_csv(tmp_path, NOTICE_2027), "--as", "office-admin", "--year", "27")


# --- The back office -----------------------------------------------------------------


def test_the_office_sees_the_calendar_years_and_days(client, office_admin):
    """The Office lists the years with their counts and the days of a year."""
    client.force_login(office_admin)

    years = client.get(reverse("admin:core_calendaryear_changelist"))
    days = client.get(reverse("admin:core_calendarday_changelist") + "?year=2026")

    assert years.status_code == 200
    assert "chinesecalendar 1.11.0" in years.text
    assert reverse("admin:core_calendaryear_import") in years.text
    assert days.status_code == 200
    assert "2026-01-04" in days.text or "2026年1月4日" in days.text
    assert "调休上班日" in days.text
    weekend_work = client.get(
        reverse("admin:core_calendarday_changelist") + "?year=2026&is_working_day__exact=1"
    )
    assert weekend_work.status_code == 200
    assert weekend_work.context["cl"].result_count == 6
    assert "?year=2026&amp;is_working_day__exact=1" in years.text


def test_a_unit_admin_does_not_see_the_calendar(client, unit_admin_a):
    """The calendar pages are the Office's only."""
    client.force_login(unit_admin_a)

    assert client.get(reverse("admin:core_calendaryear_changelist")).status_code == 403
    assert client.get(reverse("admin:core_calendaryear_import")).status_code == 403


def test_the_office_uploads_a_notice_in_the_back_office(client, tmp_path, office_admin):
    """The upload page imports the sheet through the service and shows the result."""
    path = _csv(tmp_path, NOTICE_2027)
    client.force_login(office_admin)
    page = client.get(reverse("admin:core_calendaryear_import"))
    assert "导入年度节假日安排" in page.text
    assert "周末休息、工作日上班的日子不必列出" in page.text

    response = client.post(
        reverse("admin:core_calendaryear_import"),
        {
            "year": "2027",
            "notice": "国办发明电〔2026〕1号",
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
        },
    )

    assert response.status_code == 200
    assert "导入完成" in response.text
    assert "2027 年：6 个工作日放假，1 个周末上班。" in response.text
    assert calendar_year_status(2027).confirmed
    assert AuditEntry.objects.get(action=AuditAction.IMPORT).via == "web"


def test_the_upload_page_lists_row_errors_and_saves_nothing(client, tmp_path, office_admin):
    """Row problems are shown in a table, in Chinese; nothing is saved."""
    path = _csv(tmp_path, [["2027-01-02", "放假", ""]])
    client.force_login(office_admin)

    response = client.post(
        reverse("admin:core_calendaryear_import"),
        {"year": "2027", "file": SimpleUploadedFile(path.name, path.read_bytes())},
    )

    table = response.text.split('id="import-errors"')[1].split("</table>")[0]
    assert "<td>2</td><td>类型</td>" in table
    assert "本来就休息" in table
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- A property ----------------------------------------------------------------------


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    start=st.dates(min_value=D(2010, 1, 1), max_value=D(2026, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_adding_and_counting_working_days_agree(start, n):
    """The n-th working day after a date is a working day, n working days after it."""
    due = add_working_days(start, n)

    assert is_working_day(due.date)
    assert working_days_between(start, due.date) == n
    assert working_days_between(start, due.date - datetime.timedelta(days=1)) == n - 1
