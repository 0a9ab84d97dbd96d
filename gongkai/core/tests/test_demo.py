"""The demo data (gongkai/units/demo.py) and ``gongkai demo``."""

from __future__ import annotations

from typing import Any

import pytest

from gongkai.accounts.models import Membership, Role, User
from gongkai.core.models import AuditEntry
from gongkai.core.validators import normalize_phone
from gongkai.units.demo import (
    DEMO_PASSWORD,
    DEPARTMENTS,
    OFFICE_USERNAME,
    PENDING_OFFICERS,
    load_demo,
)
from gongkai.units.models import DisclosureOfficerFiling, FilingStatus, Leader, Unit, UnitKind
from gongkai.units.selectors import units_without_officer

pytestmark = pytest.mark.django_db

COUNTED: list[type[Any]] = [Unit, Leader, User, Membership, DisclosureOfficerFiling, AuditEntry]


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_demo_creates_the_work_plan_units_communities_and_providers():
    """The 14 work-plan departments (the Office among them), 3 communities and 3 providers."""
    load_demo()

    kinds: dict[str, set[str]] = {kind: set() for kind in UnitKind.values}
    for unit in Unit.objects.all():
        kinds[unit.kind].add(unit.code)
    assert kinds[UnitKind.DEPARTMENT] == {
        "WB",
        "JJJ",
        "CZJ",
        "RSJ",
        "JSJ",
        "SWJ",
        "SHJ",
        "SCJ",
        "ZWFWB",
        "YJJ",
        "JTJ",
        "STHJJ",
        "ZCJ",
        "CGJ",
    }
    assert len(kinds[UnitKind.COMMUNITY]) == 3
    assert len(kinds[UnitKind.PROVIDER]) == 3
    office = Unit.objects.get(is_office=True)
    assert (office.code, office.name_zh, office.short_name) == ("WB", "管委会办公室", "委办")


def test_every_demo_unit_passes_validation_with_complete_agency_information():
    """Each unit passes full_clean and carries the agency information the Regulation asks for."""
    load_demo()

    for unit in Unit.objects.all():
        unit.full_clean()
        assert unit.functions, unit.code
        assert unit.functions_en, unit.code
        assert unit.name_en, unit.code
        assert unit.internal_divisions(), unit.code
        assert unit.address.startswith("中新天津生态城"), unit.code
        assert unit.postcode == "300467"
        assert unit.office_hours
        assert unit.phone.startswith("022-6")
        assert normalize_phone(unit.phone) == unit.phone
        if unit.fax:
            assert normalize_phone(unit.fax) == unit.fax
        assert unit.email.endswith("@eco-city.gov.cn")
        leaders = unit.leaders.count()
        assert 2 <= leaders <= 3, unit.code
    assert all(spec["fax"] for spec in DEPARTMENTS)


def test_providers_have_their_supervising_units():
    """School under 教体局, hospital under 社会局, water company under 建设局."""
    load_demo()

    providers = Unit.objects.filter(kind=UnitKind.PROVIDER).values_list(
        "name_zh", "supervising_unit__code"
    )
    supervisors = dict(providers)
    assert supervisors == {"生态城第一中学": "JTJ", "生态城医院": "SHJ", "生态城水务公司": "JSJ"}


def test_demo_staff_hold_every_role_in_jjj_and_czj_and_share_the_demo_password():
    """jjj-editor … czj-admin exist with their role; every demo account signs in with it."""
    result = load_demo()

    for code in ("JJJ", "CZJ"):
        prefix = code.lower()
        expected = {
            f"{prefix}-editor": Role.EDITOR,
            f"{prefix}-reviewer": Role.REVIEWER,
            f"{prefix}-officer": Role.DISCLOSURE_OFFICER,
            f"{prefix}-admin": Role.UNIT_ADMIN,
        }
        for username, role in expected.items():
            assert Membership.objects.filter(
                user__username=username, unit__code=code, role=role
            ).exists(), username
    office = User.objects.get(username=OFFICE_USERNAME)
    assert office.is_office_admin
    assert office.is_active
    assert {login.username for login in result.logins} == set(
        User.objects.values_list("username", flat=True)
    )
    for login in result.logins:
        assert login.password == DEMO_PASSWORD
        assert User.objects.get(username=login.username).check_password(DEMO_PASSWORD)


def test_two_units_have_no_officer_and_one_filing_waits_for_the_office():
    """智城局 and 城管局 named no one; 应急局's filing is pending; all others are confirmed."""
    load_demo()

    assert set(units_without_officer().values_list("code", flat=True)) == {"ZCJ", "CGJ", "YJJ"}
    assert not DisclosureOfficerFiling.objects.filter(unit__code__in=["ZCJ", "CGJ"]).exists()
    assert PENDING_OFFICERS == {"YJJ"}
    assert DisclosureOfficerFiling.objects.get(unit__code="YJJ").status == FilingStatus.PENDING
    confirmed = DisclosureOfficerFiling.objects.filter(status=FilingStatus.CONFIRMED)
    assert confirmed.count() == Unit.objects.count() - 3
    assert confirmed.get(unit__code="JJJ").named_by.username == "jjj-admin"


def test_loading_the_demo_again_creates_no_duplicates():
    """A second run finds everything in place and adds no row of any kind."""
    load_demo()
    before = _counts()

    again = load_demo()

    assert _counts() == before
    assert (again.units_created, again.accounts_created) == (0, 0)
    assert len(again.logins) == User.objects.count()


def test_loading_the_demo_again_keeps_a_changed_password():
    """A password a demo user changed is not reset by the next run."""
    load_demo()
    user = User.objects.get(username="jjj-editor")
    user.set_password("my-own-secret-2020")
    user.save(update_fields=["password"])

    load_demo()

    user.refresh_from_db()
    assert user.check_password("my-own-secret-2020")
    assert not user.check_password(DEMO_PASSWORD)


def test_loading_the_demo_keeps_existing_units_as_they_are():
    """A unit someone already edited keeps its data; the demo does not overwrite it."""
    load_demo()
    Unit.objects.filter(code="JJJ").update(functions="改过的职能")

    load_demo()

    assert Unit.objects.get(code="JJJ").functions == "改过的职能"
