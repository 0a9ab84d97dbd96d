"""The back office respects unit boundaries, by URL guessing included (#2 §4, §6, §7)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from gongkai.accounts.models import Membership, Role
from gongkai.conftest import PASSWORD
from gongkai.core.audit import audit_record
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.units import services
from gongkai.units.models import DisclosureOfficerFiling, Unit

UNIT_FORM = {
    "leaders-TOTAL_FORMS": "0",
    "leaders-INITIAL_FORMS": "0",
    "leaders-MIN_NUM_FORMS": "0",
    "leaders-MAX_NUM_FORMS": "1000",
}


def _form(unit: Unit, **changes) -> dict:
    data = {
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "short_name": unit.short_name,
        "functions": unit.functions,
        "functions_en": unit.functions_en,
        "internal_structure": unit.internal_structure,
        "subordinate_units": unit.subordinate_units,
        "address": unit.address,
        "postcode": unit.postcode,
        "office_hours": unit.office_hours,
        "phone": unit.phone,
        "fax": unit.fax,
        "email": unit.email,
        "website": unit.website,
        **UNIT_FORM,
    }
    data.update(changes)
    return data


def _login(client, user):
    client.force_login(user)
    return client


def test_unit_list_shows_only_own_units(client, unit_a, unit_b, editor_a):
    """An editor of A sees unit A in the back office and nothing of B."""
    response = _login(client, editor_a).get(reverse("admin:units_unit_changelist"))
    assert response.status_code == 200
    assert "经济局" in response.text
    assert "财政局" not in response.text


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_guessing_another_units_url_reveals_nothing(client, unit_a, unit_b, editor_a, view):
    """Opening unit B's pages by typing their URL answers as if B did not exist."""
    url = reverse(f"admin:units_unit_{view}", args=[unit_b.pk])
    response = _login(client, editor_a).get(url, follow=True)
    assert "财政局" not in response.text
    redirected_home = bool(response.redirect_chain) and (
        response.redirect_chain[0][0] == reverse("admin:index")
    )
    assert redirected_home or response.status_code == 403


def test_posting_to_another_units_url_changes_nothing(client, unit_a, unit_b, unit_admin_a):
    """A unit admin of A posting a change to B's URL leaves B unchanged and logs nothing."""
    url = reverse("admin:units_unit_change", args=[unit_b.pk])
    _login(client, unit_admin_a).post(url, _form(unit_b, address="篡改"))
    unit_b.refresh_from_db()
    assert unit_b.address == ""
    assert not AuditEntry.objects.filter(unit_id=unit_b.pk).exists()


def test_editor_sees_own_unit_read_only(client, unit_a, editor_a):
    """An editor may look at the unit's record but a posted change is refused."""
    url = reverse("admin:units_unit_change", args=[unit_a.pk])
    assert _login(client, editor_a).get(url).status_code == 200
    response = client.post(url, _form(unit_a, address="篡改"))
    assert response.status_code == 403
    unit_a.refresh_from_db()
    assert unit_a.address == ""


def test_unit_admin_edits_own_unit_through_the_back_office(client, unit_a, unit_admin_a):
    """A unit admin saves agency information; the audit log records it as a web change."""
    url = reverse("admin:units_unit_change", args=[unit_a.pk])
    response = _login(client, unit_admin_a).post(
        url, _form(unit_a, address="中新天津生态城和畅路1号", fax="022-66661234")
    )
    assert response.status_code == 302, response.text[:2000]
    unit_a.refresh_from_db()
    assert unit_a.address == "中新天津生态城和畅路1号"
    entry = AuditEntry.objects.get(object_type="units.Unit", action=AuditAction.CHANGE)
    assert entry.via == "web"
    assert entry.after == {"address": "中新天津生态城和畅路1号", "fax": "022-66661234"}


def test_invalid_phone_in_form_is_explained_in_chinese(client, unit_a, unit_admin_a):
    """An invalid phone number is refused with a Chinese message and nothing is saved."""
    url = reverse("admin:units_unit_change", args=[unit_a.pk])
    response = _login(client, unit_admin_a).post(url, _form(unit_a, phone="12", address="新"))
    assert response.status_code == 200
    assert "请输入有效的电话号码" in response.text
    unit_a.refresh_from_db()
    assert unit_a.address == ""


def test_unit_admin_cannot_change_the_unit_code_by_posting_it(client, unit_a, unit_admin_a):
    """Office-only fields are read-only for a unit admin, even if posted."""
    url = reverse("admin:units_unit_change", args=[unit_a.pk])
    _login(client, unit_admin_a).post(url, _form(unit_a, code="HACK", kind="community"))
    unit_a.refresh_from_db()
    assert (unit_a.code, unit_a.kind) == ("JJJ", "department")


def test_unit_admin_adds_a_leader_through_the_back_office(client, unit_a, unit_admin_a):
    """Leaders are edited inline on the unit page, and the change is audited."""
    url = reverse("admin:units_unit_change", args=[unit_a.pk])
    data = _form(
        unit_a,
        **{
            "leaders-TOTAL_FORMS": "1",
            "leaders-0-name": "张三",
            "leaders-0-title": "局长",
            "leaders-0-portfolio": "主持全面工作",
            "leaders-0-sort_order": "1",
            "leaders-0-unit": str(unit_a.pk),
        },
    )
    response = _login(client, unit_admin_a).post(url, data)
    assert response.status_code == 302, response.text[:3000]
    assert unit_a.leaders.get().portfolio == "主持全面工作"
    assert AuditEntry.objects.filter(object_type="units.Leader", action="create").exists()


def test_memberships_of_other_units_are_invisible(
    client, unit_a, unit_b, unit_admin_a, unit_admin_b
):
    """A unit admin lists and revokes roles of their own unit only."""
    theirs = Membership.objects.get(user=unit_admin_b)
    _login(client, unit_admin_a)
    listing = client.get(reverse("admin:accounts_membership_changelist"))
    assert "admin-b" not in listing.text
    client.post(reverse("admin:accounts_membership_delete", args=[theirs.pk]), {"post": "yes"})
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_unit_admin_grants_a_role_in_own_unit_only(client, unit_a, unit_b, unit_admin_a, make_user):
    """Granting a role in another unit is refused by the form; in one's own unit it is audited."""
    bob = make_user("bob")
    _login(client, unit_admin_a)
    url = reverse("admin:accounts_membership_add")
    refused = client.post(url, {"user": bob.pk, "unit": unit_b.pk, "role": Role.UNIT_ADMIN})
    assert refused.status_code == 200
    assert not Membership.objects.filter(user=bob).exists()
    client.post(url, {"user": bob.pk, "unit": unit_a.pk, "role": Role.REVIEWER})
    assert Membership.objects.filter(user=bob, unit=unit_a, role=Role.REVIEWER).exists()
    assert AuditEntry.objects.filter(action=AuditAction.ROLE_GRANT).count() == 1


def test_accounts_are_managed_by_the_office_only(client, unit_admin_a, office_admin):
    """Unit staff cannot open the staff-account pages; the Office can."""
    url = reverse("admin:accounts_user_changelist")
    assert _login(client, unit_admin_a).get(url).status_code == 403
    assert _login(client, office_admin).get(url).status_code == 200


def test_office_sees_units_without_officer(
    client, unit_a, unit_b, unit_admin_a, office_admin, make_user
):
    """The Office's overview marks units with no officer on record; units cannot open it."""
    filing = services.officer_name(
        unit=unit_a, officer=make_user("o"), position="科长", phone="022-66661111", by=unit_admin_a
    )
    services.officer_confirm(filing=filing, by=office_admin)
    url = reverse("admin:units_officer_status")
    assert _login(client, unit_admin_a).get(url).status_code == 403
    page = _login(client, office_admin).get(url).text
    missing = page.split('class="missing"')
    assert any("财政局" in chunk.split("</tr>")[0] for chunk in missing[1:])
    assert not any("经济局" in chunk.split("</tr>")[0] for chunk in missing[1:])


def test_office_confirms_a_filing_with_a_date(
    client, unit_a, unit_admin_a, office_admin, make_user
):
    """The Office's decision page confirms a pending filing on the chosen date."""
    filing = services.officer_name(
        unit=unit_a, officer=make_user("o"), position="科长", phone="022-66661111", by=unit_admin_a
    )
    url = reverse("admin:units_disclosureofficerfiling_decide", args=[filing.pk])
    assert _login(client, unit_admin_a).post(url, {"confirm": "1"}).status_code == 403
    _login(client, office_admin).post(url, {"confirm": "1", "filing_date": "2099-01-02"})
    filing.refresh_from_db()
    assert filing.status == "confirmed"
    assert filing.filing_date.isoformat() == "2099-01-02"


def test_filing_for_another_unit_is_refused(client, unit_a, unit_b, unit_admin_a, make_user):
    """A unit admin cannot name the officer of another unit through the form."""
    response = _login(client, unit_admin_a).post(
        reverse("admin:units_disclosureofficerfiling_add"),
        {
            "unit": unit_b.pk,
            "officer": make_user("o").pk,
            "position": "科长",
            "phone": "022-66661111",
        },
    )
    assert response.status_code == 200
    assert not DisclosureOfficerFiling.objects.exists()


@pytest.fixture
def two_units_of_entries(unit_a, unit_b, office_admin):
    audit_record(
        actor=office_admin,
        action=AuditAction.CHANGE,
        obj=unit_a,
        unit=unit_a,
        before={"phone": "1"},
        after={"phone": "2"},
        label="经济局变更",
    )
    return audit_record(
        actor=office_admin,
        action=AuditAction.CHANGE,
        obj=unit_b,
        unit=unit_b,
        before={"phone": "3"},
        after={"phone": "4"},
        label="财政局变更",
    )


def test_unit_admin_sees_only_own_units_audit_entries(client, unit_admin_a, two_units_of_entries):
    """A unit admin browses the audit log of their unit; B's entries are absent, by id too."""
    _login(client, unit_admin_a)
    listing = client.get(reverse("admin:core_auditentry_changelist"))
    assert "经济局变更" in listing.text
    assert "财政局变更" not in listing.text
    guess = client.get(
        reverse("admin:core_auditentry_change", args=[two_units_of_entries.pk]), follow=True
    )
    assert "财政局变更" not in guess.text
    export = client.get(reverse("admin:core_auditentry_export"))
    assert "财政局变更" not in b"".join(export.streaming_content).decode()


def test_editor_cannot_browse_the_audit_log(client, editor_a, two_units_of_entries):
    """Editors have no access to the audit log."""
    response = _login(client, editor_a).get(reverse("admin:core_auditentry_changelist"))
    assert response.status_code == 403


def test_office_filters_and_exports_the_audit_log(
    client, office_admin, unit_b, two_units_of_entries
):
    """The Office exports the filtered audit log as CSV with before/after values."""
    _login(client, office_admin)
    response = client.get(reverse("admin:core_auditentry_export"), {"unit__id__exact": unit_b.pk})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "编号 id"
    assert [r[6] for r in rows[1:]] == ["财政局变更"]
    assert rows[1][8] == '{"phone": "3"}'


def test_nobody_edits_or_deletes_audit_entries(client, office_admin, two_units_of_entries):
    """Even the Office cannot change or delete an entry through the back office."""
    _login(client, office_admin)
    pk = two_units_of_entries.pk
    delete = client.post(reverse("admin:core_auditentry_delete", args=[pk]), {"post": "yes"})
    assert delete.status_code == 403
    change = client.post(reverse("admin:core_auditentry_change", args=[pk]), {"note": "x"})
    assert change.status_code == 403
    assert AuditEntry.objects.get(pk=pk).note == ""


def test_login_is_locked_after_repeated_failures(client, unit_admin_a, settings):
    """After the configured number of failed logins even the right password is refused."""
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "admin-a", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        url, {"username": "admin-a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_succeeds_with_right_password(client, unit_admin_a):
    """A staff member signs in with their password and reaches the back office."""
    response = client.post(reverse("admin:login"), {"username": "admin-a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_office_home_links_to_the_officer_overview(client, office_admin, unit_admin_a):
    """The Office's back-office home links to the officer overview; a unit admin's does not."""
    overview = reverse("admin:units_officer_status")
    assert overview in _login(client, office_admin).get(reverse("admin:index")).text
    assert overview not in _login(client, unit_admin_a).get(reverse("admin:index")).text
