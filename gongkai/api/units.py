"""Units and their agency information (R-1.1): public reads, staff writes.

Field names follow the glossary and stay stable within ``v1``.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.security import django_auth
from pydantic import ConfigDict

from gongkai.accounts.models import User
from gongkai.api.schemas import BoundedLimitOffsetPagination
from gongkai.units import selectors, services
from gongkai.units.models import Unit

router = Router()

NOT_FOUND = _("There is no unit with this code.")


# --- What the API shows ---------------------------------------------------------------


class DivisionOut(Schema):
    """One internal division (内设机构) and its duties."""

    name: str
    duties: str


class LeaderOut(Schema):
    """A leader (领导) and the work they are responsible for (分工)."""

    name: str
    title: str
    portfolio: str


class SubordinateUnitOut(Schema):
    """A subordinate unit (下属单位). ``code`` is null for bodies not on the platform."""

    code: str | None
    name_zh: str
    name_en: str


class UnitSummaryOut(Schema):
    code: str
    kind: str = Field(description="department, community or provider")
    name_zh: str
    name_en: str
    supervising_unit: str | None = Field(
        description="Code of the supervising unit (主管部门); set for public service providers"
    )
    address: str
    postcode: str
    office_hours: str
    phone: str
    fax: str
    email: str
    website: str

    @staticmethod
    def resolve_supervising_unit(obj: Unit) -> str | None:
        supervisor = obj.supervising_unit
        return supervisor.code if supervisor is not None else None


class UnitOut(UnitSummaryOut):
    """A unit's agency information as the Regulation Art. 20(2) requires it public."""

    functions: str = Field(description="Functions (职能), in Chinese")
    functions_en: str = Field(description="Functions in English; may be empty")
    internal_structure: list[DivisionOut]
    leaders: list[LeaderOut]
    subordinate_units: list[SubordinateUnitOut] = Field(
        description="Active units this unit supervises, then subordinate bodies not on the "
        "platform (with a null code)"
    )

    @staticmethod
    def resolve_internal_structure(obj: Unit) -> list[dict[str, str]]:
        return [{"name": name, "duties": duties} for name, duties in obj.internal_divisions()]

    @staticmethod
    def resolve_leaders(obj: Unit) -> list[Any]:
        return list(obj.leaders.all())

    @staticmethod
    def resolve_subordinate_units(obj: Unit) -> list[dict[str, str | None]]:
        on_platform: list[dict[str, str | None]] = [
            {"code": child.code, "name_zh": child.name_zh, "name_en": child.name_en}
            for child in obj.supervised_units.all()
        ]
        elsewhere: list[dict[str, str | None]] = [
            {"code": None, "name_zh": name, "name_en": ""} for name in obj.subordinate_unit_names()
        ]
        return on_platform + elsewhere


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


# --- What staff may send -----------------------------------------------------------


class DivisionIn(Schema):
    name: str
    duties: str = ""


class UnitChangesIn(Schema):
    """A partial set of agency-information fields; fields left out stay as they are.

    ``null`` clears a text field. ``code``, ``credit_code``, ``kind``, ``supervising_unit``,
    ``is_active`` and ``sort_order`` are the Office's alone.
    """

    model_config = ConfigDict(extra="forbid")

    name_zh: str | None = None
    name_en: str | None = None
    short_name: str | None = None
    functions: str | None = None
    functions_en: str | None = None
    internal_structure: list[DivisionIn] | None = Field(
        None, description="Replaces the whole internal structure"
    )
    subordinate_units: list[str] | None = Field(
        None,
        description="Names of subordinate bodies not on the platform; units on the platform "
        "are linked through their own supervising_unit",
    )
    address: str | None = None
    postcode: str | None = None
    office_hours: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    website: str | None = None
    code: str | None = None
    credit_code: str | None = None
    kind: str | None = None
    supervising_unit: str | None = Field(None, description="Code of the supervising unit")
    is_active: bool | None = None
    sort_order: int | None = Field(None, ge=0)


TEXT_FIELDS = frozenset(
    {
        "name_zh",
        "name_en",
        "short_name",
        "functions",
        "functions_en",
        "address",
        "postcode",
        "office_hours",
        "phone",
        "fax",
        "email",
        "website",
        "code",
        "credit_code",
        "kind",
    }
)


def _internal_structure_text(divisions: list[dict[str, str]]) -> str:
    """The list of divisions as the stored text: one ``name：duties`` per line."""
    lines, problems = [], []
    for division in divisions:
        name, duties = division["name"].strip(), division.get("duties", "").strip()
        if not name or any(c in name for c in ":：\r\n") or any(c in duties for c in "\r\n"):
            problems.append(
                _(
                    "Each division needs a name without colons or line breaks, and duties "
                    "on one line."
                )
            )
            break
        lines.append(f"{name}：{duties}" if duties else name)
    if problems:
        raise ValidationError({"internal_structure": problems})
    return "\n".join(lines)


def _subordinate_units_text(names: list[str]) -> str:
    cleaned = [name.strip() for name in names if name.strip()]
    if any("\n" in name or "\r" in name for name in cleaned):
        raise ValidationError(
            {"subordinate_units": [_("A subordinate unit's name cannot contain line breaks.")]}
        )
    return "\n".join(cleaned)


def _model_changes(sent: dict[str, Any]) -> dict[str, Any]:
    """The body, as the model field values ``unit_update`` expects."""
    changes: dict[str, Any] = {}
    for name, value in sent.items():
        if name in TEXT_FIELDS:
            changes[name] = value if value is not None else ""
        elif name == "internal_structure":
            changes[name] = _internal_structure_text(value or [])
        elif name == "subordinate_units":
            changes[name] = _subordinate_units_text(value or [])
        elif name == "supervising_unit":
            changes[name] = _supervising_unit(value)
        else:
            changes[name] = value
    return changes


def _supervising_unit(code: str | None) -> Unit | None:
    if not code:
        return None
    try:
        return selectors.unit_by_code(code)
    except Unit.DoesNotExist:
        raise ValidationError({"supervising_unit": [NOT_FOUND]}) from None


# --- Endpoints -----------------------------------------------------------------------


@router.get(
    "",
    response=list[UnitSummaryOut],
    operation_id="unit_list",
    summary="List active units",
)
@paginate(BoundedLimitOffsetPagination, max_limit=100)
def unit_list(request: HttpRequest) -> Any:
    """Every active unit with its contact details, departments first. Paginated."""
    return selectors.public_unit_list()


@router.get(
    "/{code}",
    response={200: UnitOut, 404: ErrorOut},
    operation_id="unit_detail",
    summary="A unit's agency information",
)
def unit_detail(request: HttpRequest, code: str) -> Any:
    """Functions, internal structure, leaders, subordinate units and contacts of an active unit."""
    try:
        return selectors.public_unit(code)
    except Unit.DoesNotExist:
        raise Http404(NOT_FOUND) from None


@router.patch(
    "/{code}",
    auth=django_auth,
    response={
        200: UnitOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ValidationErrorOut,
    },
    operation_id="unit_update",
    summary="Change a unit's agency information (staff)",
)
def unit_update(request: HttpRequest, code: str, payload: UnitChangesIn) -> Any:
    """Change some agency-information fields of a unit.

    Needs a staff session (and the CSRF token). Unit administrators may change their
    own unit; structural fields are the Office's. Every change is in the audit log.
    """
    try:
        unit = selectors.unit_by_code(code)
    except Unit.DoesNotExist:
        raise Http404(NOT_FOUND) from None
    changes = _model_changes(payload.model_dump(exclude_unset=True))
    updated = services.unit_update(
        unit=unit, by=cast(User, request.user), changes=changes, via="api"
    )
    return selectors.unit_by_code(updated.code)
