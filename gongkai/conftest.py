"""Shared test fixtures: real database rows made through the real services."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.utils import translation

from gongkai.accounts.models import Membership, Role, User
from gongkai.units.models import Unit, UnitKind

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls in the same test are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _media_per_test(settings, tmp_path):
    """Uploaded files of a test go to its own folder (HTTP and mail: config/settings_test.py)."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _search_index_per_test(settings, tmp_path):
    """Each test has its own search index folder (the database is rolled back after a test,
    an index on disk is not), and no index open from an earlier test."""
    from gongkai.search.engine import READER
    from gongkai.search.selectors import _LABELS

    settings.GONGKAI_SEARCH_DIR = tmp_path / "search"
    READER.reset()
    # Facet labels are kept until the content generation changes, which a rolled-back test
    # never bumps: start each test without them.
    _LABELS.clear()
    yield
    READER.reset()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (a request to /en/ leaves English active,
    which would make reverse() in the next test produce /en/ URLs)."""
    translation.activate("zh-hans")
    yield
    translation.deactivate()


def _unit(code: str, name: str, kind: str = UnitKind.DEPARTMENT, **extra) -> Unit:
    return Unit.objects.create(
        code=code, name_zh=name, name_en=f"{code} Bureau", kind=kind, **extra
    )


@pytest.fixture
def office(db) -> Unit:
    return _unit("WB", "管委会办公室", is_office=True)


@pytest.fixture
def unit_a(db) -> Unit:
    return _unit("JJJ", "经济局", phone="022-66668888", email="jjj@example.gov.cn")


@pytest.fixture
def unit_b(db) -> Unit:
    return _unit("CZJ", "财政局", phone="022-66669999")


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """make_user("alice", unit_a, Role.EDITOR) — a staff account holding the given roles."""

    def make(
        username: str, unit: Unit | None = None, *roles: str, office_admin: bool = False
    ) -> User:
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            email=f"{username}@example.gov.cn",
            full_name=username,
            is_staff=True,
            is_office_admin=office_admin,
        )
        for role in roles:
            Membership.objects.create(user=user, unit=unit, role=role)
        return user

    return make


@pytest.fixture
def office_admin(make_user, office) -> User:
    return make_user("office-admin", office_admin=True)


@pytest.fixture
def editor_a(make_user, unit_a) -> User:
    return make_user("editor-a", unit_a, Role.EDITOR)


@pytest.fixture
def unit_admin_a(make_user, unit_a) -> User:
    return make_user("admin-a", unit_a, Role.UNIT_ADMIN)


@pytest.fixture
def unit_admin_b(make_user, unit_b) -> User:
    return make_user("admin-b", unit_b, Role.UNIT_ADMIN)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium (Playwright's own browser download is not used)."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("GONGKAI_CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
