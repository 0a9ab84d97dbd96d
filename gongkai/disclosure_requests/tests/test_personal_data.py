"""Applicants' personal data: encrypted at rest with keys outside the database, shown only
to those handling the request (each view logged), destroyed after retention, re-encrypted
on key rotation (R-4.3; issue #5 §10: "personal data is unreadable in a raw database
dump")."""

from __future__ import annotations

import datetime
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.accounts.permissions import AccessDenied
from gongkai.core import crypto
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import EventKind, Status
from gongkai.disclosure_requests.models import (
    PERSONAL_FIELDS,
    DisclosureRequest,
    RequestAttachment,
    RequestEvent,
)
from gongkai.disclosure_requests.tests.factories import RESIDENT_ID, person, received
from gongkai.library.tests.test_attachments import make_pdf

D = datetime.date
APPLICANT = person()
PLAIN = {
    "name": APPLICANT["applicant_name"],
    "id_number": RESIDENT_ID,
    "phone": APPLICANT["phone"],
    "email": APPLICANT["email"],
    "address": APPLICANT["address"],
}
TABLE = DisclosureRequest._meta.db_table


@pytest.fixture
def officer_a(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def head_a(make_user, unit_a):
    return make_user("head-a", unit_a, Role.DISCLOSURE_HEAD)


@pytest.fixture
def officer_b(make_user, unit_b):
    return make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def own_keys(settings, tmp_path, monkeypatch):
    """This test's own key file (under its own data dir); the process's key cache is
    forgotten before and after, so other tests keep the default keys."""
    monkeypatch.delenv(crypto.ENV_KEYS, raising=False)
    monkeypatch.delenv(crypto.ENV_LOOKUP_KEY, raising=False)
    settings.DATA_DIR = tmp_path / "data"
    crypto.reset()
    yield Path(settings.DATA_DIR) / "keys"
    crypto.reset()


def _text(value: Any) -> str:
    """A raw column value as text, JSON unescaped (SQLite stores JSON with \\u escapes)."""
    if value is None:
        return ""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text[:1] in "[{":
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def _raw_rows(table: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchall()


def _raw_dump() -> dict[str, str]:
    """Every table of the database as text, read with plain SQL (what a backup holds)."""
    return {
        table: "\n".join(" | ".join(_text(v) for v in row) for row in _raw_rows(table))
        for table in connection.introspection.table_names()
    }


def _raw_personal(request: DisclosureRequest) -> dict[str, str]:
    columns = ", ".join(
        connection.ops.quote_name(DisclosureRequest._meta.get_field(n).column)
        for n in PERSONAL_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {connection.ops.quote_name(TABLE)} WHERE id = %s",  # noqa: S608
            [request.pk],
        )
        return dict(zip(PERSONAL_FIELDS, cursor.fetchone(), strict=True))


# --- Encrypted at rest ---------------------------------------------------------------------


def test_no_column_of_the_request_table_holds_plain_personal_data(unit_a, officer_a):
    """R-4.3: after an online submission and a counter registration, a raw SELECT of every
    column of the request table shows none of the name, identity number, phone, e-mail or
    address; the model reads them back in plain text."""
    online, _code = services.request_submit(unit=unit_a, data=person())
    counter = received(unit_a, officer_a, D(2026, 3, 2))
    rows = _raw_rows(TABLE)
    assert len(rows) == 2
    dump = "\n".join(" | ".join(_text(v) for v in row) for row in rows)
    for label, value in PLAIN.items():
        assert value not in dump, label
    for request in (online, counter):
        raw = _raw_personal(request)
        assert all(raw[name].startswith(crypto.PREFIX) for name in ("applicant_name", "phone"))
        fresh = DisclosureRequest.objects.get(pk=request.pk)
        assert fresh.applicant_name == PLAIN["name"]
        assert fresh.id_number == RESIDENT_ID
        assert fresh.email == PLAIN["email"]


def test_the_same_value_is_stored_differently_each_time(unit_a, officer_a):
    """R-4.3: tokens carry a random IV, so equal names cannot be matched in a dump; the
    same applicant is found through the blind index instead."""
    first = received(unit_a, officer_a, D(2026, 3, 2))
    second = received(unit_a, officer_a, D(2026, 3, 2))
    assert _raw_personal(first)["applicant_name"] != _raw_personal(second)["applicant_name"]
    assert first.applicant_key == second.applicant_key != ""
    assert RESIDENT_ID not in first.applicant_key


def test_a_raw_dump_of_every_table_shows_no_personal_data(
    unit_a, officer_a, head_a, django_capture_on_commit_callbacks
):
    """Issue #5 "done when": personal data is unreadable in a raw database dump — every
    table, the queued e-mails to the applicant, events and audit entries included."""
    with django_capture_on_commit_callbacks(execute=True):
        request, _code = services.request_submit(unit=unit_a, data=person())
        services.request_confirm_receipt(
            request=request, by=officer_a, received_on=timezone.localdate()
        )
        received(unit_a, officer_a, D(2026, 3, 2), phone="(022)66661234")
    leaks = {
        (table, label)
        for table, text in _raw_dump().items()
        for label, value in {**PLAIN, "landline": "66661234"}.items()
        if value in text
    }
    assert leaks == set()


# --- Who sees it ---------------------------------------------------------------------------


def test_viewing_personal_data_is_logged(unit_a, officer_a, head_a, office_admin):
    """R-4.3: staff handling the request (and the Office) see the applicant; every view
    leaves an audit entry "personal_view" naming who looked."""
    request = received(unit_a, officer_a, D(2026, 3, 2))
    shown = services.personal_data_view(request=request, by=officer_a)
    assert shown["applicant_name"] == PLAIN["name"]
    assert shown["id_number"] == RESIDENT_ID
    assert set(shown) == set(PERSONAL_FIELDS)
    services.personal_data_view(request=request, by=head_a, via="api")
    services.personal_data_view(request=request, by=office_admin)
    entries = AuditEntry.objects.filter(
        action=AuditAction.PERSONAL_DATA_VIEW, object_id=str(request.pk)
    ).order_by("pk")
    assert [e.actor for e in entries] == [officer_a, head_a, office_admin]
    assert entries[1].via == "api"
    assert all(e.unit_id == unit_a.pk for e in entries)
    assert AuditAction.PERSONAL_DATA_VIEW == "personal_view"


def test_staff_not_handling_the_request_cannot_see_the_applicant(
    unit_a, officer_a, officer_b, unit_admin_a, editor_a
):
    """R-4.3: an officer of another unit, the unit's administrator and its editors do not
    handle requests: refused, and nothing is logged as seen."""
    request = received(unit_a, officer_a, D(2026, 3, 2))
    for user in (officer_b, unit_admin_a, editor_a):
        with pytest.raises(AccessDenied):
            services.personal_data_view(request=request, by=user)
        assert not services.can_see_personal_data(user, request)
    assert not AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_VIEW).exists()


# --- Destroyed after retention -------------------------------------------------------------


def _close(request: DisclosureRequest, closed_at: datetime.datetime) -> None:
    """Test setup: a request closed at ``closed_at`` (replies are tested elsewhere)."""
    DisclosureRequest.objects.filter(pk=request.pk).update(
        status=Status.CLOSED, closed_at=closed_at
    )


def test_personal_data_is_destroyed_after_the_retention_period_once(settings, unit_a, officer_a):
    """R-4.3: requests closed longer than RETENTION_DAYS lose the applicant's personal data
    and attachments; each destruction is audited and on the timeline; re-running destroys
    nothing more; recently closed and open requests keep theirs."""
    retention = settings.GONGKAI_REQUESTS["RETENTION_DAYS"]
    now = timezone.now()
    old, _code = services.request_register(
        unit=unit_a,
        by=officer_a,
        data=person(),
        channel="in_person",
        received_on=D(2026, 3, 2),
        attachments=[("身份证复印件.pdf", make_pdf(["id copy"]))],
    )
    attachment_path = Path(RequestAttachment.objects.get(request=old).file.path)
    assert attachment_path.exists()
    recent = received(unit_a, officer_a, D(2026, 3, 2))
    still_open = received(unit_a, officer_a, D(2026, 3, 2))
    _close(old, now - datetime.timedelta(days=retention + 1))
    _close(recent, now - datetime.timedelta(days=retention - 1))

    assert services.destroy_personal_data(now=now) == 1

    gone = DisclosureRequest.objects.get(pk=old.pk)
    assert all(getattr(gone, name) == "" for name in PERSONAL_FIELDS)
    assert all(value == "" for value in _raw_personal(gone).values())
    assert gone.applicant_key == ""
    assert gone.personal_data_destroyed_at == now
    assert gone.applicant_kind == old.applicant_kind  # the annual report still counts it
    assert not RequestAttachment.objects.filter(request=old).exists()
    assert not attachment_path.exists()
    assert RequestEvent.objects.filter(
        request=old, kind=EventKind.PERSONAL_DATA_DESTROYED, public=False
    ).exists()
    destroyed = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_DESTROY)
    assert [e.object_id for e in destroyed] == [str(old.pk)]
    assert AuditAction.PERSONAL_DATA_DESTROY == "personal_destroy"

    for kept in (recent, still_open):
        kept = DisclosureRequest.objects.get(pk=kept.pk)
        assert kept.applicant_name == PLAIN["name"]
        assert kept.applicant_key != ""
        assert kept.personal_data_destroyed_at is None

    assert services.destroy_personal_data(now=now) == 0
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_DESTROY).count() == 1
    assert RequestEvent.objects.filter(kind=EventKind.PERSONAL_DATA_DESTROYED).count() == 1


# --- Keys outside the database, rotation ---------------------------------------------------


def test_the_key_file_is_outside_the_database_and_owner_only(own_keys, unit_a, officer_a):
    """R-4.3: the keys live in <data dir>/keys (owner-only), never in the database."""
    request = received(unit_a, officer_a, D(2026, 3, 2))
    key_file = own_keys / "personal-data.keys"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(own_keys.stat().st_mode) == 0o700
    assert stat.S_IMODE((own_keys / "lookup.key").stat().st_mode) == 0o600
    key = crypto.current_keys()[0]
    assert key_file.read_text().split() == [key]
    assert all(key not in text for text in _raw_dump().values())
    assert DisclosureRequest.objects.get(pk=request.pk).applicant_name == PLAIN["name"]


def test_rotation_reencrypts_every_value_under_the_newest_key(own_keys, unit_a, officer_a):
    """R-4.3 key rotation: rotate_key_file() puts a new key in front, then
    reencrypt_personal_data() rewrites every token with it; after drop_old_keys() only the
    newest key is left and every value still reads correctly."""
    requests = [
        received(unit_a, officer_a, D(2026, 3, 2)),
        received(unit_a, officer_a, D(2026, 3, 3), applicant_name="李四", address=""),
    ]
    old_key = crypto.current_keys()[0]
    key_file = own_keys / "personal-data.keys"

    new_key = crypto.rotate_key_file()
    assert crypto.current_keys() == (new_key, old_key)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    tokens = [_raw_personal(r) for r in requests]
    assert not any(crypto.uses_newest_key(t["applicant_name"]) for t in tokens)

    assert services.reencrypt_personal_data() == len(requests)
    for request in requests:
        raw = _raw_personal(request)
        assert all(crypto.uses_newest_key(value) for value in raw.values())
        assert raw["applicant_name"].startswith(crypto.PREFIX)

    assert crypto.drop_old_keys() == 1
    assert crypto.current_keys() == (new_key,)
    assert key_file.read_text().split() == [new_key]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first, second = (DisclosureRequest.objects.get(pk=r.pk) for r in requests)
    assert (first.applicant_name, first.id_number, first.email) == (
        PLAIN["name"],
        RESIDENT_ID,
        PLAIN["email"],
    )
    assert (second.applicant_name, second.address) == ("李四", "")
    # Encryption still round-trips with the remaining key.
    assert crypto.decrypt(crypto.encrypt("王五")) == "王五"
