"""Writing the audit log. Services call :func:`audit_record` inside their transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from gongkai.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The concrete field values of ``instance`` as JSON-ready data (foreign keys as ids)."""
    skipped = set(exclude) | {"password"}
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in skipped:
            continue
        data[field.attname] = _plain(getattr(instance, field.attname))
    return data


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    unit: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    via: str = "",
    label: str | None = None,
) -> AuditEntry:
    """Append one entry. ``actor`` may be ``None`` for the system (scheduled jobs)."""
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_person else None,
        actor_label=(str(actor) if is_person else "系统 system")[:200],
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_label=(label or str(obj))[:300],
        unit_id=getattr(unit, "pk", unit),
        before=before,
        after=after,
        note=note,
        via=via,
    )
