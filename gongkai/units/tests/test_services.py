"""Services of units, leaders, roles and officer filings (#2, R-1.1, R-6.1)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gongkai.accounts.models import Membership, Role
from gongkai.accounts.permissions import AccessDenied
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.units import selectors, services
from gongkai.units.models import DisclosureOfficerFiling, FilingStatus, Leader, Unit, UnitKind


def test_unit_admin_changes_own_unit_and_the_change_is_audited(unit_a, unit_admin_a):
    """A unit admin edits their unit's agency information; the audit keeps before/after."""
    services.unit_update(
        unit=unit_a, by=unit_admin_a, changes={"office_hours": "工作日 9:00—17:00"}
    )

    unit_a.refresh_from_db()
    assert unit_a.office_hours == "工作日 9:00—17:00"
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, object_type="units.Unit")
    assert entry.actor == unit_admin_a
    assert entry.unit_id == unit_a.pk
    assert entry.before == {"office_hours": ""}
    assert entry.after == {"office_hours": "工作日 9:00—17:00"}


def test_unit_admin_of_a_cannot_change_unit_b(unit_b, unit_admin_a):
    """A unit admin of A is refused on unit B; B is unchanged and nothing is logged."""
    with pytest.raises(AccessDenied):
        services.unit_update(unit=unit_b, by=unit_admin_a, changes={"address": "伪造地址"})

    unit_b.refresh_from_db()
    assert unit_b.address == ""
    assert not AuditEntry.objects.exists()


def test_editor_cannot_change_agency_information(unit_a, editor_a):
    """Editors draft content; agency information is the unit admin's."""
    with pytest.raises(AccessDenied):
        services.unit_update(unit=unit_a, by=editor_a, changes={"address": "x"})


def test_unit_admin_cannot_change_office_only_fields(unit_a, unit_admin_a):
    """The unit code and kind are set by the Office only."""
    with pytest.raises(AccessDenied):
        services.unit_update(unit=unit_a, by=unit_admin_a, changes={"code": "NEW"})
    unit_a.refresh_from_db()
    assert unit_a.code == "JJJ"


def test_office_changes_any_unit(unit_b, office_admin):
    """Office administrators act across all units."""
    services.unit_update(unit=unit_b, by=office_admin, changes={"code": "CZJ2"})
    unit_b.refresh_from_db()
    assert unit_b.code == "CZJ2"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345678901234"),
        ("phone", "abc"),
        ("fax", "022-123"),
        ("email", "not-an-email"),
        ("postcode", "3004670"),
    ],
)
def test_invalid_contact_data_is_refused_and_nothing_saved(unit_a, unit_admin_a, field, value):
    """Invalid phone, fax, e-mail or postcode is refused per field; nothing is half-saved."""
    with pytest.raises(ValidationError) as caught:
        services.unit_update(
            unit=unit_a, by=unit_admin_a, changes={"address": "新地址", field: value}
        )
    assert field in caught.value.message_dict
    unit_a.refresh_from_db()
    assert unit_a.address == ""
    assert not AuditEntry.objects.exists()


def test_phone_numbers_are_stored_in_standard_form(unit_a, unit_admin_a):
    """Phone numbers typed in common forms are normalised."""
    services.unit_update(unit=unit_a, by=unit_admin_a, changes={"phone": "(022)66661234"})
    unit_a.refresh_from_db()
    assert unit_a.phone == "022-66661234"


def test_invalid_unit_code_is_refused(office_admin):
    """A unit code must be capital letters or digits starting with a letter."""
    with pytest.raises(ValidationError) as caught:
        services.unit_create(
            by=office_admin,
            data={
                "code": "jj-1",
                "name_zh": "测试局",
                "name_en": "Test",
                "kind": UnitKind.DEPARTMENT,
            },
        )
    assert "code" in caught.value.message_dict
    assert not Unit.objects.filter(name_zh="测试局").exists()


def test_invalid_credit_code_is_refused(office_admin):
    """A unified social credit code with a wrong check character is refused."""
    with pytest.raises(ValidationError) as caught:
        services.unit_create(
            by=office_admin,
            data={
                "code": "TST",
                "name_zh": "测试局",
                "name_en": "Test",
                "kind": UnitKind.DEPARTMENT,
                "credit_code": "11120116MB15661300",
            },
        )
    assert "credit_code" in caught.value.message_dict


def test_valid_credit_code_is_accepted(office_admin):
    """A unified social credit code with the right check character is accepted."""
    from gongkai.core.validators import credit_code_check_char

    body = "11120116MB1566130"
    unit = services.unit_create(
        by=office_admin,
        data={
            "code": "TST",
            "name_zh": "测试局",
            "name_en": "Test",
            "kind": UnitKind.DEPARTMENT,
            "credit_code": body + credit_code_check_char(body),
        },
    )
    assert unit.pk


def test_provider_needs_a_supervising_unit(office_admin, unit_a):
    """A public service provider cannot be created without its supervising unit."""
    data = {"code": "YY", "name_zh": "生态城医院", "name_en": "Hospital", "kind": UnitKind.PROVIDER}
    with pytest.raises(ValidationError) as caught:
        services.unit_create(by=office_admin, data=data)
    assert "supervising_unit" in caught.value.message_dict

    unit = services.unit_create(by=office_admin, data={**data, "supervising_unit": unit_a})
    assert unit.supervising_unit == unit_a
    assert list(unit_a.supervised_units.all()) == [unit]


def test_only_the_office_creates_units(unit_admin_a):
    """Unit admins cannot create units."""
    with pytest.raises(AccessDenied):
        services.unit_create(
            by=unit_admin_a,
            data={"code": "NEW", "name_zh": "新局", "name_en": "New", "kind": UnitKind.DEPARTMENT},
        )


def test_leader_changes_are_scoped_and_audited(unit_a, unit_b, unit_admin_a):
    """A unit admin adds leaders to their own unit only."""
    leader = services.leader_save(
        leader=Leader(unit=unit_a, name="张三", title="局长", portfolio="主持全面工作"),
        by=unit_admin_a,
    )
    assert AuditEntry.objects.filter(
        object_type="units.Leader", object_id=str(leader.pk), action=AuditAction.CREATE
    ).exists()
    with pytest.raises(AccessDenied):
        services.leader_save(
            leader=Leader(unit=unit_b, name="李四", title="局长", portfolio="x"), by=unit_admin_a
        )

    other = Leader.objects.create(unit=unit_b, name="王五", title="局长", portfolio="x")
    other.unit = unit_a  # moving B's leader into A needs rights in B too
    with pytest.raises(AccessDenied):
        services.leader_save(leader=other, by=unit_admin_a)
    with pytest.raises(AccessDenied):
        services.leader_delete(leader=Leader.objects.get(pk=other.pk), by=unit_admin_a)


def test_role_grant_and_revoke_are_audited_and_scoped(unit_a, unit_b, unit_admin_a, make_user):
    """Unit admins grant and revoke roles in their unit only; each change is logged."""
    bob = make_user("bob")
    membership = services.membership_grant(
        user=bob, unit=unit_a, role=Role.REVIEWER, by=unit_admin_a
    )
    again = services.membership_grant(user=bob, unit=unit_a, role=Role.REVIEWER, by=unit_admin_a)
    assert again.pk == membership.pk
    assert AuditEntry.objects.filter(action=AuditAction.ROLE_GRANT).count() == 1

    with pytest.raises(AccessDenied):
        services.membership_grant(user=bob, unit=unit_b, role=Role.UNIT_ADMIN, by=unit_admin_a)
    assert not Membership.objects.filter(user=bob, unit=unit_b).exists()

    services.membership_revoke(membership=membership, by=unit_admin_a)
    entry = AuditEntry.objects.get(action=AuditAction.ROLE_REVOKE)
    assert entry.before == {"user": "bob", "unit": "JJJ", "role": "reviewer"}
    assert not Membership.objects.filter(pk=membership.pk).exists()


def _name(unit, officer, by):
    return services.officer_name(
        unit=unit, officer=officer, position="科长", phone="022-66661111", by=by
    )


def _queued_mail_recipients() -> list[list[str]]:
    """Recipients of the e-mail jobs waiting in the job queue, oldest first."""
    return [
        job.args_kwargs["args"][2]
        for job in DBTaskResult.objects.filter(task_path="gongkai.core.tasks.send_email").order_by(
            "enqueued_at"
        )
    ]


def test_officer_filing_confirmed_by_office_with_date_and_history_kept(
    unit_a, unit_admin_a, office_admin, make_user, django_capture_on_commit_callbacks
):
    """A unit names its officer, the Office confirms with a date; a later filing supersedes it."""
    first, second = make_user("officer-1"), make_user("officer-2")
    with django_capture_on_commit_callbacks(execute=True):
        filing = _name(unit_a, first, unit_admin_a)
    assert filing.status == FilingStatus.PENDING
    assert Membership.objects.filter(user=first, unit=unit_a, role=Role.DISCLOSURE_OFFICER).exists()
    assert _queued_mail_recipients() == [["office-admin@example.gov.cn"]]
    assert unit_a in selectors.units_without_officer()

    with django_capture_on_commit_callbacks(execute=True):
        services.officer_confirm(filing=filing, by=office_admin, filing_date=timezone.localdate())
    filing.refresh_from_db()
    assert filing.status == FilingStatus.CONFIRMED
    assert filing.filing_date == timezone.localdate()
    assert filing.confirmed_by == office_admin
    assert _queued_mail_recipients()[-1] == ["officer-1@example.gov.cn"]
    assert unit_a not in selectors.units_without_officer()

    replacement = _name(unit_a, second, unit_admin_a)
    services.officer_confirm(filing=replacement, by=office_admin)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUPERSEDED
    assert filing.ended_at is not None
    assert selectors.current_officer_filing(unit_a).officer == second
    assert DisclosureOfficerFiling.objects.filter(unit=unit_a).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.CONFIRM).count() == 2


def test_only_the_office_confirms_filings(unit_a, unit_admin_a, make_user):
    """A unit cannot confirm its own filing."""
    filing = _name(unit_a, make_user("o"), unit_admin_a)
    with pytest.raises(AccessDenied):
        services.officer_confirm(filing=filing, by=unit_admin_a)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.PENDING


def test_unit_cannot_name_officer_of_another_unit(unit_b, unit_admin_a, make_user):
    """Naming an officer is the unit's own business."""
    with pytest.raises(AccessDenied):
        _name(unit_b, make_user("o"), unit_admin_a)
    assert not DisclosureOfficerFiling.objects.exists()


def test_filing_date_before_naming_is_refused(unit_a, unit_admin_a, office_admin, make_user):
    """The Office cannot back-date a filing before the unit named the officer."""
    filing = _name(unit_a, make_user("o"), unit_admin_a)
    with pytest.raises(ValidationError):
        services.officer_confirm(
            filing=filing,
            by=office_admin,
            filing_date=timezone.localdate() - datetime.timedelta(days=3),
        )
    filing.refresh_from_db()
    assert filing.status == FilingStatus.PENDING


def test_returned_filing_needs_reason(unit_a, unit_admin_a, office_admin, make_user):
    """Returning a filing needs a written reason and leaves the unit without an officer."""
    filing = _name(unit_a, make_user("o"), unit_admin_a)
    with pytest.raises(ValidationError):
        services.officer_return(filing=filing, by=office_admin, reason="  ")
    services.officer_return(filing=filing, by=office_admin, reason="电话号码有误")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.REJECTED
    assert unit_a in selectors.units_without_officer()


def test_officer_on_record_cannot_lose_the_role(unit_a, unit_admin_a, office_admin, make_user):
    """Revoking the role of the officer on record is refused until another is filed."""
    officer = make_user("o")
    services.officer_confirm(filing=_name(unit_a, officer, unit_admin_a), by=office_admin)
    membership = Membership.objects.get(user=officer, unit=unit_a, role=Role.DISCLOSURE_OFFICER)
    with pytest.raises(ValidationError):
        services.membership_revoke(membership=membership, by=unit_admin_a)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_invalid_officer_phone_is_refused(unit_a, unit_admin_a, make_user):
    """A filing with an invalid phone number is refused and nothing is stored."""
    with pytest.raises(ValidationError) as caught:
        services.officer_name(
            unit=unit_a, officer=make_user("o"), position="科长", phone="123", by=unit_admin_a
        )
    assert "phone" in caught.value.message_dict
    assert not DisclosureOfficerFiling.objects.exists()
    assert not Membership.objects.filter(role=Role.DISCLOSURE_OFFICER).exists()


def test_unit_with_history_cannot_be_deleted(unit_a, unit_admin_a, office_admin, make_user):
    """A unit with filings is deactivated, not deleted; the refusal explains why."""
    _name(unit_a, make_user("o"), unit_admin_a)
    with pytest.raises(ValidationError):
        services.unit_delete(unit=unit_a, by=office_admin)
    assert Unit.objects.filter(pk=unit_a.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE).exists()
