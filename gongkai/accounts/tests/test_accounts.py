"""Staff accounts in the back office: creating, changing, passwords and sign-in lockouts.

Every change is audited by the Office's own hand, and no audit entry ever holds a password
or its hash.
"""

from __future__ import annotations

import datetime
import json

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.accounts.permissions import AccessDenied
from gongkai.accounts.services import account_password_changed, account_unlock
from gongkai.conftest import PASSWORD
from gongkai.core.models import AuditAction, AuditEntry

NEW_PASSWORD = "Lantern-Orchard-2031"
LOCKED_FROM = "10.0.0.9"


def _login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _entries(account: User) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="accounts.User", object_id=str(account.pk)).order_by(
            "pk"
        )
    )


def _never_holds_a_password(entry: AuditEntry, *secrets: str) -> None:
    recorded = json.dumps([entry.before, entry.after, entry.note], ensure_ascii=False)
    assert "password" not in {*(entry.before or {}), *(entry.after or {})}
    for secret in secrets:
        assert secret not in recorded


def _sign_in(client: Client, username: str, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=LOCKED_FROM,
    )


def _lock_out(client: Client, username: str, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, username, "wrong")
    assert _sign_in(client, username, PASSWORD).status_code == 429


# --- Sign-in lockout ------------------------------------------------------------------


def test_the_office_unlocks_a_locked_account_and_its_owner_signs_in(
    client, office_admin, unit_admin_a, settings
):
    """Locked out by failed sign-ins, admin-a is unlocked by the Office through the user
    list's action, can sign in again at once, and the unlock is in the audit log."""
    staff = Client()
    _lock_out(staff, "admin-a", settings)
    changelist = reverse("admin:accounts_user_changelist")
    office = _login(client, office_admin)
    page = office.get(changelist)
    assert "解除登录锁定" in page.text  # the action, in Chinese
    shown = page.context["cl"].result_list
    assert {u.username: u.locked for u in shown} == {"office-admin": False, "admin-a": True}

    response = office.post(
        changelist, {"action": "unlock_sign_in", "_selected_action": [unit_admin_a.pk]}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="admin-a").exists()
    assert _sign_in(staff, "admin-a", PASSWORD).status_code == 302
    assert int(staff.session["_auth_user_id"]) == unit_admin_a.pk
    [entry] = _entries(unit_admin_a)
    assert entry.action == AuditAction.CHANGE
    assert entry.note == "解除登录锁定 / sign-in unlocked"
    assert entry.actor == office_admin
    assert entry.via == "web"
    # The refused attempt with the right password counts as a failure too.
    assert entry.before == {"failed_sign_ins": settings.AXES_FAILURE_LIMIT + 1}
    assert entry.after == {"failed_sign_ins": 0}
    shown = office.get(changelist).context["cl"].result_list
    assert not any(u.locked for u in shown)


def test_failures_below_the_limit_or_older_than_the_cool_off_do_not_show_as_locked(
    client, office_admin, unit_admin_a, editor_a, settings
):
    """The list marks an account locked only while axes would refuse it."""
    _sign_in(Client(), "editor-a", "wrong")
    _lock_out(Client(), "admin-a", settings)
    cool_off = datetime.timedelta(minutes=settings.AXES_COOLOFF_TIME * 60)
    AccessAttempt.objects.filter(username="admin-a").update(
        attempt_time=timezone.now() - cool_off - datetime.timedelta(minutes=1)
    )

    shown = _login(client, office_admin).get(reverse("admin:accounts_user_changelist"))

    assert not any(u.locked for u in shown.context["cl"].result_list)
    assert _sign_in(Client(), "admin-a", PASSWORD).status_code == 302  # axes agrees


def test_unlocking_an_account_that_is_not_locked_changes_nothing(client, office_admin, editor_a):
    """With no failed sign-ins on record the action says so and writes no audit entry."""
    response = _login(client, office_admin).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [editor_a.pk]},
        follow=True,
    )

    [message] = response.context["messages"]
    assert message.level_tag == "info"
    assert "editor-a" in message.message
    assert _entries(editor_a) == []


def test_a_unit_admin_cannot_unlock_an_account(client, unit_admin_a, editor_a, settings):
    """Only the Office unlocks: the service refuses a unit admin, and so does the list."""
    _lock_out(Client(), "editor-a", settings)

    with pytest.raises(AccessDenied):
        account_unlock(account=editor_a, by=unit_admin_a)
    response = _login(client, unit_admin_a).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [editor_a.pk]},
    )

    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="editor-a").exists()
    assert _entries(editor_a) == []


def test_the_user_list_reads_lockouts_in_a_fixed_number_of_queries(
    client, office_admin, make_user, settings
):
    """The lock column costs no query per row."""
    make_user("one")
    office = _login(client, office_admin)
    url = reverse("admin:accounts_user_changelist")
    office.get(url)
    with CaptureQueriesContext(connection) as few:
        office.get(url)
    for n in range(5):
        make_user(f"more-{n}")
    _lock_out(Client(), "more-0", settings)

    with CaptureQueriesContext(connection) as many:
        response = office.get(url)

    assert len(response.context["cl"].result_list) == 7
    assert len(many) == len(few)


# --- Passwords --------------------------------------------------------------------------


def test_the_office_changing_a_password_is_audited_without_the_password(
    client, office_admin, editor_a
):
    """The admin's password form sets the new password and leaves one audit entry that
    names the change but holds neither the password nor its hash."""
    url = reverse("admin:auth_user_password_change", args=[editor_a.pk])

    response = _login(client, office_admin).post(
        url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    editor_a.refresh_from_db()
    assert editor_a.check_password(NEW_PASSWORD)
    [entry] = _entries(editor_a)
    assert entry.action == AuditAction.CHANGE
    assert entry.actor == office_admin
    assert entry.note == "密码已更改 / password changed"
    _never_holds_a_password(entry, NEW_PASSWORD, editor_a.password)


def test_the_office_disabling_password_sign_in_is_audited(client, office_admin, editor_a):
    """Turning password sign-in off is recorded as such."""
    _login(client, office_admin).post(
        reverse("admin:auth_user_password_change", args=[editor_a.pk]),
        {"usable_password": "false", "unset-password": "1"},
    )

    editor_a.refresh_from_db()
    assert not editor_a.has_usable_password()
    [entry] = _entries(editor_a)
    assert entry.note == "已停用密码登录 / password sign-in disabled"


def test_a_refused_password_form_changes_nothing_and_audits_nothing(client, office_admin, editor_a):
    """Passwords that do not match: the form is shown again, nothing is saved or audited."""
    response = _login(client, office_admin).post(
        reverse("admin:auth_user_password_change", args=[editor_a.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": "something-else"},
    )

    assert response.status_code == 200
    editor_a.refresh_from_db()
    assert editor_a.check_password(PASSWORD)
    assert _entries(editor_a) == []


def test_a_unit_admin_cannot_change_another_accounts_password(client, unit_admin_a, editor_a):
    """The password form is the Office's; the service refuses anyone else's record too."""
    response = _login(client, unit_admin_a).post(
        reverse("admin:auth_user_password_change", args=[editor_a.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 403
    editor_a.refresh_from_db()
    assert editor_a.check_password(PASSWORD)
    with pytest.raises(AccessDenied):
        account_password_changed(account=editor_a, by=unit_admin_a)
    assert _entries(editor_a) == []


def test_staff_may_record_their_own_password_change(editor_a):
    """Changing one's own password needs no Office permission."""
    account_password_changed(account=editor_a, by=editor_a)

    [entry] = _entries(editor_a)
    assert entry.actor == editor_a


# --- Creating and changing accounts -------------------------------------------------------


def test_the_office_creates_a_staff_account_audited_without_the_password(client, office_admin):
    """A new account made in the back office is staff, signs in with its password, and its
    creation is audited with the account's fields but no password or hash."""
    response = _login(client, office_admin).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new-editor",
            "full_name": "李编辑",
            "email": "li@example.gov.cn",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    account = User.objects.get(username="new-editor")
    assert account.is_staff
    assert account.check_password(NEW_PASSWORD)
    [entry] = _entries(account)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == office_admin
    assert entry.before is None
    assert entry.after["username"] == "new-editor"
    assert entry.after["full_name"] == "李编辑"
    assert entry.after["is_staff"] is True
    _never_holds_a_password(entry, NEW_PASSWORD, account.password)


def test_the_office_changes_a_staff_account_audited_with_before_and_after(
    client, office_admin, editor_a
):
    """Changing the name and the Office flag records just those fields, before and after,
    and never the password hash."""
    form = {
        "username": "editor-a",
        "full_name": "王编辑",
        "email": editor_a.email,
        "phone": "",
        "is_active": "on",
        "is_staff": "on",
        "is_office_admin": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(editor_a.memberships.get().pk),
        "memberships-0-user": str(editor_a.pk),
    }

    response = _login(client, office_admin).post(
        reverse("admin:accounts_user_change", args=[editor_a.pk]), form
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    editor_a.refresh_from_db()
    assert editor_a.full_name == "王编辑"
    assert editor_a.is_office_admin
    [entry] = _entries(editor_a)
    assert entry.action == AuditAction.CHANGE
    assert entry.actor == office_admin
    assert entry.before == {"full_name": "editor-a", "is_office_admin": False}
    assert entry.after == {"full_name": "王编辑", "is_office_admin": True}
    _never_holds_a_password(entry, PASSWORD, editor_a.password)


def test_changing_ones_own_password_is_audited(client, editor_a):
    """A staff member changing their own password on the back office leaves an audit entry."""
    from django.urls import reverse

    from gongkai.conftest import PASSWORD
    from gongkai.core.models import AuditEntry

    client.force_login(editor_a)
    url = reverse("admin:password_change")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-passphrase-2026",
            "new_password2": "a-much-better-passphrase-2026",
        },
    )
    assert response.status_code == 302
    editor_a.refresh_from_db()
    assert editor_a.check_password("a-much-better-passphrase-2026")
    entry = AuditEntry.objects.get(object_type="accounts.User", object_id=str(editor_a.pk))
    assert entry.actor == editor_a
    assert "password changed" in entry.note
    assert "a-much-better" not in str(entry.before) + str(entry.after) + entry.note


def test_wrong_old_password_changes_nothing(client, editor_a):
    """With a wrong old password the password stays and nothing is logged."""
    from django.urls import reverse

    from gongkai.conftest import PASSWORD
    from gongkai.core.models import AuditEntry

    client.force_login(editor_a)
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "x-new-passphrase-2026",
            "new_password2": "x-new-passphrase-2026",
        },
    )
    assert response.status_code == 200
    editor_a.refresh_from_db()
    assert editor_a.check_password(PASSWORD)
    assert not AuditEntry.objects.exists()
