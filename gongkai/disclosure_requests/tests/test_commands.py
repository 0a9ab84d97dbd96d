"""`gongkai requests …`, `gongkai calendar due` and `gongkai rotate-keys` (issue #5 §3, §10, §12;
R-4.3; Regulation Art. 33; REGULATION.md §5)."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.cli import Abort, main
from gongkai.core import calendar, crypto
from gongkai.core.management.commands.rotate_keys import drop_old_keys, stale_tokens
from gongkai.core.models import CalendarDay, CalendarDayKind, CalendarSource
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import Status
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.disclosure_requests.tests import factories

D = datetime.date


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def officer_a(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def officer_b(make_user, unit_b):
    return make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER)


# --- gongkai calendar due ------------------------------------------------------------------


@pytest.mark.django_db
def test_calendar_due_across_the_spring_festival_prints_the_date_and_its_working():
    """From Friday 2026-02-06, 20 working days end on 2026-03-12: the make-up Saturday
    Feb 14 counts (6th), the Spring Festival days rest, and every step is printed."""
    out = run("calendar", "due", "--from", "2026-02-06", "--days", "20")

    assert "答复期限 / due: 2026-03-12" in out
    assert "2026-02-06: the clock starts (day 0; counting begins the next day)" in out
    assert "2026-02-07 – 2026-03-12: 20 working days counted" in out
    assert "2026-03-12: due (20 working days counted in all)" in out
    lines = out.splitlines()
    make_up = next(line for line in lines if line.strip().startswith("2026-02-14"))
    assert "counted   6" in make_up
    assert "make-up working day" in make_up
    holiday = next(line for line in lines if line.strip().startswith("2026-02-16"))
    assert "rest" in holiday
    assert "春节" in holiday
    assert "not yet confirmed" not in out


@pytest.mark.django_db
def test_calendar_due_into_an_unknown_year_warns_that_it_is_not_confirmed():
    """From 2026-12-15, 20 working days reach 2027-01-12 counting 2027 on weekdays (New
    Year's Day included), with the warning that 2027's calendar is not yet confirmed."""
    out = run("calendar", "due", "--from", "2026-12-15", "--days", "20", "--brief")

    assert "答复期限 / due: 2027-01-12" in out
    assert "The working-day calendar for 2027 is not yet confirmed" in out
    assert "逐日 / day by day" not in out


@pytest.mark.django_db
def test_calendar_due_gives_the_date_a_request_received_that_day_gets(unit_a, officer_a):
    """The command and the request clock are one code path: a request received on
    2026-09-18 is due on the date the command prints for --from 2026-09-18 --days 20."""
    request = factories.received(unit_a, officer_a, D(2026, 9, 18))

    out = run("calendar", "due", "--from", "2026-09-18")

    assert request.due_on == D(2026, 10, 22)
    assert f"答复期限 / due: {request.due_on.isoformat()}" in out
    for step in services.clock_for(request).steps:
        assert step.start.isoformat() in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--from", "2026-02-30", "--days", "20"], "is not a date: write it as YYYY-MM-DD"),
        (["--from", "2026-02-06", "--days", "-3"], "must be a whole number of working days"),
        (["--from", "2026-02-06", "--days", "twenty"], "must be a whole number of working days"),
        (["--days", "20"], "give the start date"),
    ],
)
def test_calendar_due_bad_input_is_one_bilingual_line_and_status_2(argv, expected, capsys):
    """A bad date or a negative number of days: `gongkai:` and one line in Chinese and
    English on stderr, exit status 2, no traceback."""
    with pytest.raises(SystemExit) as stopped:
        main(["calendar", "due", *argv])

    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("gongkai: ")
    assert expected in lines[0]
    assert " / " in lines[0]


# --- gongkai requests due ------------------------------------------------------------------


@pytest.fixture
def due_requests(unit_a, unit_b, officer_a, officer_b):
    """On 2026-11-25: an overdue request (due 11-24) and one due soon (11-30) in unit A, one
    due later (12-22) in unit A, one due soon in unit B, one paused and one closed."""
    overdue = factories.received(unit_a, officer_a, D(2026, 10, 27))
    soon = factories.received(unit_a, officer_a, D(2026, 11, 2))
    later = factories.received(unit_a, officer_a, D(2026, 11, 24))
    soon_b = factories.received(unit_b, officer_b, D(2026, 11, 2))
    paused = factories.received(unit_a, officer_a, D(2026, 10, 27))
    services.pause_start(
        request=paused,
        by=officer_a,
        kind="third_party",
        party="某公司",
        reason="征求意见",
        started_on=D(2026, 11, 3),
    )
    closed = factories.received(unit_a, officer_a, D(2026, 10, 27))
    DisclosureRequest.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    return {
        "overdue": overdue,
        "soon": soon,
        "later": later,
        "soon_b": soon_b,
        "paused": paused,
        "closed": closed,
    }


def test_requests_due_lists_overdue_and_due_soon_with_working_days(due_requests):
    """Overdue first with the working days overdue, then due soon with the days left;
    requests due later, paused or closed are not listed (R-5.2, §4)."""
    out = run("requests", "due", "--today", "2026-11-25")

    assert "as of 2026-11-25, 1 overdue and 2 due within 3 working day(s)" in out
    lines = out.splitlines()
    assert lines[1] == "已逾期 / overdue:"
    overdue = due_requests["overdue"]
    assert overdue.tracking_number in lines[2]
    assert "received 2026-10-27" in lines[2]
    assert "due 2026-11-24" in lines[2]
    assert "1 working day(s) overdue" in lines[2]
    assert lines[3] == "即将到期 / due soon:"
    soon_lines = lines[4:6]
    assert any(due_requests["soon"].tracking_number in line for line in soon_lines)
    assert any(due_requests["soon_b"].tracking_number in line for line in soon_lines)
    assert all("due 2026-11-30" in line and "3 working day(s) left" in line for line in soon_lines)
    for name in ("later", "paused", "closed"):
        assert due_requests[name].tracking_number not in out
    assert "张三" not in out  # no personal data


def test_requests_due_for_one_unit_with_more_days(due_requests):
    """--unit keeps one unit's requests; --days widens "due soon"."""
    out = run("requests", "due", "--today", "2026-11-25", "--unit", "jjj", "--days", "20")

    assert due_requests["later"].tracking_number in out
    assert due_requests["soon"].tracking_number in out
    assert due_requests["soon_b"].tracking_number not in out
    assert out.startswith("JJJ 经济局：")


def test_requests_due_as_json(due_requests):
    """--json gives one object per request with its dates and working days left."""
    data = json.loads(run("requests", "due", "--today", "2026-11-25", "--json"))

    assert data["today"] == "2026-11-25"
    assert data["due_soon_working_days"] == 3
    rows = {row["tracking_number"]: row for row in data["requests"]}
    assert set(rows) == {
        due_requests["overdue"].tracking_number,
        due_requests["soon"].tracking_number,
        due_requests["soon_b"].tracking_number,
    }
    overdue = rows[due_requests["overdue"].tracking_number]
    assert overdue == {
        "tracking_number": due_requests["overdue"].tracking_number,
        "unit": "JJJ",
        "unit_name": "经济局",
        "status": "processing",
        "received_on": "2026-10-27",
        "due_on": "2026-11-24",
        "working_days_left": -1,
        "overdue": True,
        "due_confirmed": True,
        "unconfirmed_years": [],
        "warning_zh": "",
        "warning_en": "",
    }


@pytest.mark.django_db
def test_requests_due_with_nothing_due_says_so_and_succeeds():
    """Nothing due: one summary line, no error (cron sees exit status 0)."""
    out = run("requests", "due", "--today", "2026-11-25")

    assert "0 overdue and 0 due within 3 working day(s)" in out
    assert len(out.splitlines()) == 1


def test_requests_due_warns_about_a_due_date_in_an_unconfirmed_year(unit_a, office_admin):
    """A due date in 2027 (calendar not yet on record) carries the warning (Regulation §5)."""
    request = factories.received(unit_a, office_admin, D(2026, 11, 25))
    services.extension_grant(
        request=request,
        by=office_admin,
        working_days=20,
        reason="需要检索档案",
        approved_on=D(2026, 11, 25),
    )
    request.refresh_from_db()
    assert (request.due_on, request.due_confirmed) == (D(2027, 1, 20), False)

    out = run("requests", "due", "--today", "2027-01-18")

    assert request.tracking_number in out
    assert "2 working day(s) left" in out
    assert "[工作日历未确认 / calendar not confirmed]" in out
    assert "The working-day calendar for 2027 is not yet confirmed" in out


@pytest.mark.django_db
def test_requests_due_refuses_an_unknown_unit_and_a_bad_day():
    """An unknown unit code or a bad --today is a one-line bilingual Abort."""
    with pytest.raises(Abort, match="no unit has the code NOPE"):
        run("requests", "due", "--unit", "NOPE")
    with pytest.raises(Abort, match="is not a date"):
        run("requests", "due", "--today", "25.11.2026")
    with pytest.raises(Abort, match="must be a whole number"):
        run("requests", "due", "--days", "-1")


# --- destroy-personal-data and recompute ---------------------------------------------------


def test_destroy_personal_data_prints_how_many_requests_it_cleared(unit_a, officer_a):
    """A request closed longer than the retention period loses its applicant's personal
    data; the command says how many (R-4.3, §10)."""
    old = factories.received(unit_a, officer_a, D(2026, 3, 2))
    recent = factories.received(unit_a, officer_a, D(2026, 3, 2))
    long_ago = timezone.now() - datetime.timedelta(days=1826)
    DisclosureRequest.objects.filter(pk=old.pk).update(status=Status.CLOSED, closed_at=long_ago)
    DisclosureRequest.objects.filter(pk=recent.pk).update(
        status=Status.CLOSED, closed_at=timezone.now()
    )

    out = run("requests", "destroy-personal-data")

    assert "personal data destroyed for 1 request(s)" in out
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.personal_data_destroyed
    assert (old.applicant_name, old.id_number) == ("", "")
    assert not recent.personal_data_destroyed
    assert recent.applicant_name == "张三"
    assert "for 0 request(s)" in run("requests", "destroy-personal-data")


@pytest.fixture
def fresh_calendar():
    """This process's calendar snapshot is forgotten afterwards (a row written without the
    services does not change the calendar's version, and the test's rows are rolled back)."""
    yield
    calendar.calendar_cache_clear()


def test_recompute_moves_due_dates_after_a_calendar_change_made_behind_its_back(
    unit_a, officer_a, fresh_calendar
):
    """A rest day written straight into the calendar (no hook ran) is picked up by
    `gongkai requests recompute`: the due date moves one working day later."""
    request = factories.received(unit_a, officer_a, D(2026, 11, 2))
    assert request.due_on == D(2026, 11, 30)
    CalendarDay.objects.create(
        date=D(2026, 11, 20),
        is_working_day=False,
        kind=CalendarDayKind.REST_OVERRIDE,
        source=CalendarSource.ADMIN,
    )

    out = run("requests", "recompute")

    assert "recomputing the due dates of 1 open request(s)" in out
    assert "done: 1 due date(s) changed" in out
    request.refresh_from_db()
    assert request.due_on == D(2026, 12, 1)


# --- gongkai rotate-keys -------------------------------------------------------------------


def _raw_tokens(request: DisclosureRequest) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant_name, id_number, phone FROM disclosure_requests_disclosurerequest "
            "WHERE id = %s",
            [request.pk],
        )
        return list(cursor.fetchone())


@pytest.fixture
def key_file(settings, tmp_path, monkeypatch):
    """Personal-data keys in a key file of this test's own data directory."""
    monkeypatch.delenv(crypto.ENV_KEYS, raising=False)
    settings.DATA_DIR = tmp_path
    crypto.reset()
    yield tmp_path / "keys" / "personal-data.keys"
    crypto.reset()


def test_rotate_keys_adds_a_key_and_reencrypts_every_value(key_file, unit_a, officer_a):
    """After rotation the key file holds the new key first and the old one after it, every
    stored value uses the new key, and the data still reads the same (R-4.3, §10)."""
    request = factories.received(unit_a, officer_a, D(2026, 11, 2))
    before = _raw_tokens(request)
    old_key = key_file.read_text().split()

    out = run("rotate_keys")

    keys = key_file.read_text().split()
    assert len(keys) == 2
    assert keys[1:] == old_key
    assert "the key file holds 2 key(s)" in out
    assert "1 row(s) re-encrypted with the newest key" in out
    after = _raw_tokens(request)
    assert all(token.startswith(crypto.PREFIX) for token in after)
    assert after != before
    assert all(crypto.uses_newest_key(token) for token in after)
    assert stale_tokens() == 0
    request.refresh_from_db()
    assert (request.applicant_name, request.id_number) == ("张三", factories.RESIDENT_ID)


def test_rotate_keys_drop_old_leaves_only_the_new_key(key_file, unit_a, officer_a):
    """--drop-old removes the old keys once every value is checked to use the new one."""
    request = factories.received(unit_a, officer_a, D(2026, 11, 2))

    out = run("rotate_keys", "--drop-old")

    assert "1 old key(s) dropped" in out
    assert len(key_file.read_text().split()) == 1
    request.refresh_from_db()
    assert request.phone == "13812345678"


def test_old_keys_are_kept_while_a_value_still_uses_one(key_file, unit_a, officer_a):
    """A value still under an old key (written by a process that had not seen the new key)
    stops the dropping of the old keys, with a one-line message."""
    request = factories.received(unit_a, officer_a, D(2026, 11, 2))
    stale = _raw_tokens(request)[0]
    run("rotate_keys")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE disclosure_requests_disclosurerequest SET applicant_name = %s WHERE id = %s",
            [stale, request.pk],
        )

    assert stale_tokens() == 1
    with pytest.raises(Abort, match="1 encrypted value"):
        drop_old_keys()
    assert len(key_file.read_text().split()) == 2


def test_rotate_keys_with_keys_from_the_environment_only_reencrypts(
    settings, tmp_path, monkeypatch, unit_a, officer_a
):
    """Keys configured in GONGKAI_PERSONAL_DATA_KEYS are not rotated by the command (the
    operator puts the new key first there); every value is re-encrypted with that key, and
    --drop-old refuses to edit the environment."""
    settings.DATA_DIR = tmp_path
    old = crypto.generate_key()
    monkeypatch.setenv(crypto.ENV_KEYS, old)
    crypto.reset()
    request = factories.received(unit_a, officer_a, D(2026, 11, 2))
    new = crypto.generate_key()
    monkeypatch.setenv(crypto.ENV_KEYS, f"{new},{old}")
    crypto.reset()
    try:
        out = run("rotate_keys")
        assert "re-encrypting with its first key" in out
        assert all(crypto.uses_newest_key(token) for token in _raw_tokens(request))
        assert not (tmp_path / "keys" / "personal-data.keys").exists()
        with pytest.raises(Abort, match="GONGKAI_PERSONAL_DATA_KEYS"):
            run("rotate_keys", "--drop-old")
    finally:
        crypto.reset()
