"""The audit log is append-only (#2 §6)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from gongkai.core.audit import audit_record
from gongkai.core.models import AppendOnlyError, AuditAction, AuditEntry


@pytest.fixture
def entry(unit_a, office_admin) -> AuditEntry:
    return audit_record(
        actor=office_admin,
        action=AuditAction.CHANGE,
        obj=unit_a,
        unit=unit_a,
        before={"phone": "1"},
        after={"phone": "2"},
    )


def test_entries_cannot_be_changed_or_deleted_through_the_application(entry):
    """Saving, updating or deleting an entry is refused."""
    entry.note = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).note == ""


def test_entry_records_who_what_and_values(entry, office_admin, unit_a):
    """An entry names the actor, the object and the values before and after."""
    assert entry.actor_label == str(office_admin)
    assert entry.object_type == "units.Unit"
    assert entry.object_id == str(unit_a.pk)
    assert entry.changed_fields() == ["phone"]


def test_database_refuses_raw_changes(entry):
    """Even raw SQL cannot change an entry; on PostgreSQL it cannot delete one either."""
    statements = ["UPDATE core_auditentry SET note = 'x'"]
    if connection.vendor == "postgresql":
        statements.append("DELETE FROM core_auditentry")
    for sql in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).note == ""
