"""The one permission layer (issue #2 §4).

Every write path — back-office views, the API, the CLI and imports — asks this
module, and every restricted read scopes its queryset through it. Roles map to
permissions; a permission is held *in a unit*. Office administrators hold every
permission in every unit.

    require(user, Perm.UNIT_EDIT, unit)          # raises AccessDenied
    units_where(user, Perm.UNIT_EDIT)            # queryset of units
    scope(user, Perm.UNIT_VIEW_INTERNAL, qs)     # rows of those units only
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet

from gongkai.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gongkai.accounts.models import User
    from gongkai.units.models import Unit

M = TypeVar("M", bound=Model)


class Perm(StrEnum):
    """What a user may do in a unit."""

    UNIT_VIEW_INTERNAL = "unit.view_internal"  # drafts, staff, filings, audit of the unit
    UNIT_EDIT = "unit.edit"  # agency information
    MEMBERSHIP_MANAGE = "membership.manage"  # grant and revoke roles in the unit
    AUDIT_VIEW = "audit.view"  # read the audit log of the unit
    OFFICER_NAME = "officer.name"  # name the unit's disclosure officer
    CONTENT_DRAFT = "content.draft"  # create and edit drafts (library issue)
    CONTENT_PUBLISH = "content.publish"  # approve and publish (library issue)
    REQUEST_HANDLE = "request.handle"  # handle disclosure requests (requests issue)
    REQUEST_APPROVE = "request.approve"  # approve extensions and reply letters (Art. 33)
    REPORT_EDIT = "report.edit"  # draft and publish the unit's annual report (issue #6 §6)
    REPORT_APPROVE = "report.approve"  # review (sign off) the unit's annual report


# Office-only permissions: never granted through a unit role.
class OfficePerm(StrEnum):
    OFFICER_CONFIRM = "officer.confirm"  # confirm a disclosure officer filing (备案)
    UNIT_CREATE = "unit.create"
    AUDIT_VIEW_ALL = "audit.view_all"
    ACCOUNT_MANAGE = "account.manage"


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.EDITOR: frozenset({Perm.UNIT_VIEW_INTERNAL, Perm.CONTENT_DRAFT}),
    Role.REVIEWER: frozenset({Perm.UNIT_VIEW_INTERNAL, Perm.CONTENT_DRAFT, Perm.CONTENT_PUBLISH}),
    Role.DISCLOSURE_OFFICER: frozenset(
        {Perm.UNIT_VIEW_INTERNAL, Perm.REQUEST_HANDLE, Perm.REPORT_EDIT}
    ),
    Role.DISCLOSURE_HEAD: frozenset(
        {
            Perm.UNIT_VIEW_INTERNAL,
            Perm.REQUEST_HANDLE,
            Perm.REQUEST_APPROVE,
            Perm.REPORT_EDIT,
            Perm.REPORT_APPROVE,
        }
    ),
    Role.UNIT_ADMIN: frozenset(
        {
            Perm.UNIT_VIEW_INTERNAL,
            Perm.UNIT_EDIT,
            Perm.MEMBERSHIP_MANAGE,
            Perm.OFFICER_NAME,
            Perm.AUDIT_VIEW,
            Perm.REPORT_APPROVE,
        }
    ),
}


class AccessDenied(PermissionDenied):
    """Raised by :func:`require`; the message is bilingual and safe to show."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "您没有权限执行此操作 / You are not allowed to do this")


def roles_for(perm: Perm) -> list[str]:
    return [str(role) for role, perms in ROLE_PERMS.items() if perm in perms]


def is_office(user: User | AnonymousUser | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "is_office_admin", False)
    )


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has_perm(user: Any, perm: Perm, unit: Unit | int | None) -> bool:
    """Whether ``user`` holds ``perm`` in ``unit`` (a Unit or its id)."""
    if not _active(user):
        return False
    if is_office(user):
        return True
    if unit is None:
        return False
    unit_id = unit if isinstance(unit, int) else unit.pk
    return user.memberships.filter(unit_id=unit_id, role__in=roles_for(perm)).exists()


def has_office_perm(user: Any, perm: OfficePerm) -> bool:
    return is_office(user)


def require(user: Any, perm: Perm, unit: Unit | int | None) -> None:
    if not has_perm(user, perm, unit):
        raise AccessDenied()


def require_office(user: Any, perm: OfficePerm) -> None:
    if not has_office_perm(user, perm):
        raise AccessDenied("只有管委会办公室可以执行此操作 / Only the Office can do this")


def unit_ids_where(user: Any, perm: Perm) -> QuerySet[Any] | None:
    """Ids of the units where ``user`` holds ``perm``; ``None`` means every unit (Office)."""
    from gongkai.accounts.models import Membership

    if is_office(user):
        return None
    if not _active(user):
        return Membership.objects.none().values("unit_id")
    return Membership.objects.filter(user=user, role__in=roles_for(perm)).values("unit_id")


def units_where(user: Any, perm: Perm) -> QuerySet[Unit]:
    from gongkai.units.models import Unit

    ids = unit_ids_where(user, perm)
    units = Unit.objects.all()
    return units if ids is None else units.filter(pk__in=ids)


def scope(user: Any, perm: Perm, queryset: QuerySet[M], unit_field: str = "unit") -> QuerySet[M]:
    """The rows of ``queryset`` whose ``unit_field`` is a unit where ``user`` holds ``perm``."""
    ids = unit_ids_where(user, perm)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{unit_field}__in": ids})
