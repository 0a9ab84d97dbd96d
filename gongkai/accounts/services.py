"""Changes to staff accounts (Office only), each written to the audit log."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.db import transaction
from django.db.models import Sum

from gongkai.accounts.models import User
from gongkai.accounts.permissions import OfficePerm, require_office
from gongkai.core.audit import audit_record, snapshot
from gongkai.core.models import AuditAction

_NOT_AUDITED = ["password", "last_login", "date_joined"]


def account_save(
    *, account: User, by: User, password_changed: bool = False, via: str = "web"
) -> User:
    """Create or change a staff account (the Office only). Passwords are never logged."""
    require_office(by, OfficePerm.ACCOUNT_MANAGE)
    old = User.objects.filter(pk=account.pk).first() if account.pk else None
    before = snapshot(old, exclude=_NOT_AUDITED) if old else None
    with transaction.atomic():
        account.save()
        after = snapshot(account, exclude=_NOT_AUDITED)
        if before is not None:
            changed = {k for k in after if before.get(k) != after.get(k)}
            if not changed and not password_changed:
                return account
            before = {k: before[k] for k in changed}
            after = {k: after[k] for k in changed}
        audit_record(
            actor=by,
            action=AuditAction.CHANGE if old else AuditAction.CREATE,
            obj=account,
            before=before,
            after=after,
            via=via,
            note="密码已更改 / password changed" if password_changed and old else "",
        )
    return account


def account_password_changed(*, account: User, by: User, via: str = "web") -> None:
    """Record that ``account``'s password was just set or removed (never the password itself).

    Call it in the transaction that saved the new password: a refusal rolls the change back.
    Staff may change their own password; only the Office may change another's.
    """
    if by.pk != account.pk or not by.is_active:
        require_office(by, OfficePerm.ACCOUNT_MANAGE)
    audit_record(
        actor=by,
        action=AuditAction.CHANGE,
        obj=account,
        via=via,
        note=(
            "密码已更改 / password changed"
            if account.has_usable_password()
            else "已停用密码登录 / password sign-in disabled"
        ),
    )


def account_unlock(*, account: User, by: User, via: str = "web") -> int:
    """Clear the failed sign-ins of ``account`` so that it can sign in again (the Office only).

    Lifts a lockout from every address. Returns how many failed sign-in records were
    cleared; when there were none nothing changes and nothing is audited.
    """
    require_office(by, OfficePerm.ACCOUNT_MANAGE)
    with transaction.atomic():
        failures = AccessAttempt.objects.filter(username=account.username).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        cleared = axes_reset(username=account.username)
        if cleared:
            audit_record(
                actor=by,
                action=AuditAction.CHANGE,
                obj=account,
                before={"failed_sign_ins": failures or 0},
                after={"failed_sign_ins": 0},
                via=via,
                note="解除登录锁定 / sign-in unlocked",
            )
    return cleared


def account_create_office_admin(
    *, username: str, password: str, email: str = "", full_name: str = "", via: str = "cli"
) -> User:
    """Bootstrap: create an Office administrator. Used by ``gongkai init``; not a web path."""
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            full_name=full_name,
            is_staff=True,
            is_superuser=True,
            is_office_admin=True,
        )
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            obj=user,
            after=snapshot(user, exclude=_NOT_AUDITED),
            via=via,
            note="初始化管理员 / initial Office administrator",
        )
    return user
