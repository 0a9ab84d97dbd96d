"""Every change to units, leaders, roles and disclosure-officer filings (issue #2).

Each function is the single entry point for one mutation: it checks permission
through :mod:`gongkai.accounts.permissions`, validates, writes inside one
transaction, appends the audit entry, and queues notifications after commit.
Back-office views, the API, the CLI and imports all call these functions.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from gongkai.accounts.models import Membership, Role, User
from gongkai.accounts.permissions import (
    AccessDenied,
    OfficePerm,
    Perm,
    is_office,
    require,
    require_office,
)
from gongkai.core.audit import audit_record, snapshot
from gongkai.core.jobs import enqueue_on_commit
from gongkai.core.models import AuditAction
from gongkai.core.pagecache import content_changed
from gongkai.core.tasks import send_email
from gongkai.core.validators import normalize_phone
from gongkai.units.models import DisclosureOfficerFiling, FilingStatus, Leader, Unit

# Fields only the Office may set: they decide where a unit sits and how it is numbered.
OFFICE_ONLY_FIELDS = frozenset(
    {"code", "credit_code", "kind", "supervising_unit", "is_office", "is_active", "sort_order"}
)
UNIT_FIELDS = frozenset(
    f.name for f in Unit._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}
)


def can_edit_unit(user: Any, unit: Unit) -> bool:
    """Whether ``user`` may edit ``unit``'s agency information (for screens)."""
    from gongkai.accounts.permissions import has_perm

    return has_perm(user, Perm.UNIT_EDIT, unit)


def _clean_unit(unit: Unit) -> None:
    """Normalise phone numbers and validate every field; all errors are reported together."""
    errors: dict[str, list[ValidationError]] = {}
    for name in ("phone", "fax"):
        value = getattr(unit, name)
        if value:
            try:
                setattr(unit, name, normalize_phone(value))
            except ValidationError as exc:
                errors[name] = exc.error_list
    unit.email = unit.email.strip()
    try:
        unit.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for field, field_errors in exc.error_dict.items():
            errors.setdefault(field, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)


def _apply(unit: Unit, changes: dict[str, Any]) -> None:
    unknown = set(changes) - UNIT_FIELDS
    if unknown:
        raise ValidationError(f"未知字段 / unknown fields: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(unit, name, value)


def unit_create(*, by: User, data: dict[str, Any], via: str = "web") -> Unit:
    """Create a unit (Office only)."""
    require_office(by, OfficePerm.UNIT_CREATE)
    unit = Unit()
    _apply(unit, data)
    _clean_unit(unit)
    with transaction.atomic():
        unit.save()
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=unit,
            unit=unit,
            after=snapshot(unit, exclude=["created_at", "updated_at"]),
            via=via,
        )
        content_changed()  # the portal shows units (issue #4 §8)
    return unit


def unit_update(*, unit: Unit, by: User, changes: dict[str, Any], via: str = "web") -> Unit:
    """Change a unit's agency information. Unit admins of the unit, or the Office.

    ``unit`` is the stored unit; ``changes`` maps field names to new values.
    Structural fields (code, kind, supervising unit, …) are the Office's alone.
    """
    require(by, Perm.UNIT_EDIT, unit)
    fresh = Unit.objects.get(pk=unit.pk)
    _apply(Unit(), changes)  # rejects unknown fields before anything else
    changes = {k: v for k, v in changes.items() if getattr(fresh, k) != v}
    structural = OFFICE_ONLY_FIELDS & set(changes)
    if structural and not is_office(by):
        raise AccessDenied(
            "只有管委会办公室可以修改这些字段 / Only the Office can change: "
            + ", ".join(sorted(structural))
        )
    before = snapshot(fresh, exclude=["created_at", "updated_at"])
    _apply(fresh, changes)
    _clean_unit(fresh)
    after = snapshot(fresh, exclude=["created_at", "updated_at"])
    if before == after:
        return fresh
    with transaction.atomic():
        fresh.save()
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=fresh,
            unit=fresh,
            before={k: v for k, v in before.items() if after.get(k) != v},
            after={k: v for k, v in after.items() if before.get(k) != v},
            via=via,
        )
        content_changed()  # the portal shows units (issue #4 §8)
    unit.refresh_from_db()
    return fresh


def unit_delete(*, unit: Unit, by: User, via: str = "web") -> None:
    """Delete a unit that has nothing attached (Office only); otherwise deactivate it instead."""
    require_office(by, OfficePerm.UNIT_CREATE)
    before = snapshot(unit, exclude=["created_at", "updated_at"])
    try:
        with transaction.atomic():
            audit_record(
                actor=by, action=AuditAction.DELETE, obj=unit, unit=unit, before=before, via=via
            )
            unit.delete()
            content_changed()  # the portal shows units (issue #4 §8)
    except (ProtectedError, IntegrityError):
        raise ValidationError(
            "该单位仍有关联的记录（下属单位或备案），不能删除，请改为停用 / "
            "This unit still has linked records (supervised units or filings): "
            "deactivate it instead of deleting it."
        ) from None


def leader_save(*, leader: Leader, by: User, via: str = "web") -> Leader:
    """Add or change a leader of a unit (unit admins of the unit, or the Office)."""
    require(by, Perm.UNIT_EDIT, leader.unit_id)
    old = Leader.objects.filter(pk=leader.pk).first() if leader.pk else None
    if old is not None and old.unit_id != leader.unit_id:
        require(by, Perm.UNIT_EDIT, old.unit_id)
    leader.full_clean()
    with transaction.atomic():
        before = snapshot(old) if old else None
        leader.save()
        audit_record(
            actor=by,
            action=AuditAction.CHANGE if old else AuditAction.CREATE,
            obj=leader,
            unit=leader.unit_id,
            before=before,
            after=snapshot(leader),
            via=via,
        )
        content_changed()  # the portal shows units (issue #4 §8)
    return leader


def leader_delete(*, leader: Leader, by: User, via: str = "web") -> None:
    require(by, Perm.UNIT_EDIT, leader.unit_id)
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditAction.DELETE,
            obj=leader,
            unit=leader.unit_id,
            before=snapshot(leader),
            via=via,
        )
        leader.delete()
        content_changed()  # the portal shows units (issue #4 §8)


def membership_grant(
    *, user: User, unit: Unit, role: str, by: User, via: str = "web"
) -> Membership:
    """Give ``user`` a role in ``unit`` (unit admins of the unit, or the Office). Idempotent."""
    require(by, Perm.MEMBERSHIP_MANAGE, unit)
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色 / unknown role: {role}"})
    if not user.is_active:
        raise ValidationError({"user": "该账号已停用 / This account is deactivated."})
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
        if created:
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            audit_record(
                actor=by,
                action=AuditAction.ROLE_GRANT,
                obj=membership,
                unit=unit,
                after={"user": user.username, "unit": unit.code, "role": role},
                via=via,
            )
    return membership


def membership_revoke(*, membership: Membership, by: User, via: str = "web") -> None:
    """Take a role away (unit admins of the unit, or the Office)."""
    require(by, Perm.MEMBERSHIP_MANAGE, membership.unit_id)
    if (
        membership.role == Role.DISCLOSURE_OFFICER
        and DisclosureOfficerFiling.objects.filter(
            unit_id=membership.unit_id,
            officer_id=membership.user_id,
            status__in=[FilingStatus.CONFIRMED, FilingStatus.PENDING],
        ).exists()
    ):
        raise ValidationError(
            "此人是本单位备案的政务公开工作人员，请先备案新的人员 / This person is the unit's "
            "disclosure officer on record: file a new officer first."
        )
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditAction.ROLE_REVOKE,
            obj=membership,
            unit=membership.unit_id,
            before={
                "user": membership.user.username,
                "unit": membership.unit.code,
                "role": membership.role,
            },
            via=via,
        )
        membership.delete()


def _office_emails() -> list[str]:
    return list(
        User.objects.filter(is_office_admin=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def officer_name(
    *,
    unit: Unit,
    officer: User,
    position: str,
    phone: str,
    email: str = "",
    by: User,
    note: str = "",
    via: str = "web",
) -> DisclosureOfficerFiling:
    """A unit names its disclosure officer; the filing waits for the Office to confirm (R-6.1).

    The officer receives the disclosure-officer role in the unit if they lack it.
    A filing still waiting for confirmation is replaced by the new one.
    """
    require(by, Perm.OFFICER_NAME, unit)
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
    filing = DisclosureOfficerFiling(
        unit=unit,
        officer=officer,
        position=position.strip(),
        phone=phone,
        email=(email or officer.email).strip(),
        named_by=by,
        note=note,
    )
    filing.full_clean(exclude=["named_by"])
    with transaction.atomic():
        for pending in DisclosureOfficerFiling.objects.select_for_update().filter(
            unit=unit, status=FilingStatus.PENDING
        ):
            pending.status = FilingStatus.SUPERSEDED
            pending.ended_at = timezone.now()
            pending.save(update_fields=["status", "ended_at"])
            audit_record(
                actor=by,
                action=AuditAction.CHANGE,
                obj=pending,
                unit=unit,
                before={"status": "pending"},
                after={"status": "superseded"},
                via=via,
            )
        if not officer.memberships.filter(unit=unit, role=Role.DISCLOSURE_OFFICER).exists():
            membership_grant(user=officer, unit=unit, role=Role.DISCLOSURE_OFFICER, by=by, via=via)
        filing.save()
        audit_record(
            actor=by,
            action=AuditAction.FILE,
            obj=filing,
            unit=unit,
            after=snapshot(filing),
            via=via,
        )
        enqueue_on_commit(
            send_email,
            f"[政务公开] {unit.name_zh} 报送政务公开工作人员备案",
            f"{unit.name_zh} 报送 {officer}（{filing.position}，{filing.phone}）"
            "为政务公开工作人员，"
            "请在后台确认备案。\n"
            f"{unit.name_en} named {officer} as its disclosure officer; please confirm the filing.",
            _office_emails(),
        )
    return filing


def officer_confirm(
    *,
    filing: DisclosureOfficerFiling,
    by: User,
    filing_date: datetime.date | None = None,
    via: str = "web",
) -> DisclosureOfficerFiling:
    """The Office confirms a filing (备案) with its date; the previous officer's filing ends."""
    require_office(by, OfficePerm.OFFICER_CONFIRM)
    filing_date = filing_date or timezone.localdate()
    with transaction.atomic():
        filing = DisclosureOfficerFiling.objects.select_for_update().get(pk=filing.pk)
        if filing.status != FilingStatus.PENDING:
            raise ValidationError(
                "只能确认待确认的备案 / Only a filing awaiting confirmation can be confirmed."
            )
        if filing_date < filing.named_at.astimezone(timezone.get_current_timezone()).date():
            raise ValidationError(
                {
                    "filing_date": "备案日期不能早于报送日期 / The filing date cannot be before "
                    "the day the officer was named."
                }
            )
        for old in DisclosureOfficerFiling.objects.select_for_update().filter(
            unit_id=filing.unit_id, status=FilingStatus.CONFIRMED
        ):
            old.status = FilingStatus.SUPERSEDED
            old.ended_at = timezone.now()
            old.save(update_fields=["status", "ended_at"])
            audit_record(
                actor=by,
                action=AuditAction.CHANGE,
                obj=old,
                unit=old.unit_id,
                before={"status": "confirmed"},
                after={"status": "superseded"},
                via=via,
            )
        filing.status = FilingStatus.CONFIRMED
        filing.confirmed_by = by
        filing.filing_date = filing_date
        filing.save(update_fields=["status", "confirmed_by", "filing_date"])
        audit_record(
            actor=by,
            action=AuditAction.CONFIRM,
            obj=filing,
            unit=filing.unit_id,
            before={"status": "pending"},
            after={"status": "confirmed", "filing_date": filing_date.isoformat()},
            via=via,
        )
        content_changed()  # the portal shows units (issue #4 §8)
        enqueue_on_commit(
            send_email,
            "[政务公开] 政务公开工作人员备案已确认",
            f"您已于 {filing_date:%Y-%m-%d} 备案为 {filing.unit.name_zh} 的政务公开工作人员。\n"
            f"You are on record as the disclosure officer of {filing.unit.name_en} "
            f"from {filing_date:%Y-%m-%d}.",
            [filing.email],
        )
    return filing


def officer_return(
    *, filing: DisclosureOfficerFiling, by: User, reason: str, via: str = "web"
) -> DisclosureOfficerFiling:
    """The Office returns a filing with a reason; the unit names someone again."""
    require_office(by, OfficePerm.OFFICER_CONFIRM)
    if not reason.strip():
        raise ValidationError({"note": "请写明退回原因 / Give the reason for returning it."})
    with transaction.atomic():
        filing = DisclosureOfficerFiling.objects.select_for_update().get(pk=filing.pk)
        if filing.status != FilingStatus.PENDING:
            raise ValidationError(
                "只能退回待确认的备案 / Only a filing awaiting confirmation can be returned."
            )
        filing.status = FilingStatus.REJECTED
        filing.ended_at = timezone.now()
        filing.note = reason.strip()
        filing.save(update_fields=["status", "ended_at", "note"])
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=filing,
            unit=filing.unit_id,
            before={"status": "pending"},
            after={"status": "rejected"},
            note=reason.strip(),
            via=via,
        )
    return filing
