"""Real-browser test: a unit admin signs in and edits the unit's agency information (#2 §11)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from gongkai.accounts.models import Role
from gongkai.conftest import PASSWORD
from gongkai.core.models import AuditEntry
from gongkai.units.models import Leader, Unit, UnitKind

pytestmark = [pytest.mark.browser]


@pytest.fixture
def seeded(transactional_db, make_user):
    unit = Unit.objects.create(
        code="JJJ",
        name_zh="经济局",
        name_en="Economic Bureau",
        kind=UnitKind.DEPARTMENT,
        phone="022-66668888",
    )
    other = Unit.objects.create(
        code="CZJ", name_zh="财政局", name_en="Finance Bureau", kind=UnitKind.DEPARTMENT
    )
    make_user("jjj-admin", unit, Role.UNIT_ADMIN)
    return unit, other


def test_unit_admin_signs_in_and_edits_the_unit(page: Page, live_server, seeded):
    """A unit admin signs in, edits the address and a leader, and the portal shows the change."""
    unit, _other = seeded
    page.goto(f"{live_server.url}/backoffice/")
    expect(page.locator("#id_username")).to_be_visible()
    page.fill("#id_username", "jjj-admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}/backoffice/units/unit/")
    expect(page.locator("#result_list")).to_contain_text("经济局")
    expect(page.locator("#result_list")).not_to_contain_text("财政局")
    page.click("#result_list a:has-text('JJJ')")

    page.fill("#id_address", "中新天津生态城和畅路1号")
    page.fill("#id_phone", "022 6666 1234")
    page.click("text=添加另一个")  # add a leader inline ("Add another Leader")
    page.fill("#id_leaders-0-name", "张三")
    page.fill("#id_leaders-0-title", "局长")
    page.fill("#id_leaders-0-portfolio", "主持全面工作")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_be_visible()

    unit.refresh_from_db()
    assert unit.address == "中新天津生态城和畅路1号"
    assert unit.phone == "022-66661234"
    assert Leader.objects.get(unit=unit).name == "张三"
    assert AuditEntry.objects.filter(object_type="units.Unit", actor__username="jjj-admin").exists()

    page.goto(f"{live_server.url}/units/JJJ/")
    expect(page.locator("main")).to_contain_text("中新天津生态城和畅路1号")
    expect(page.locator("main")).to_contain_text("主持全面工作")


def test_invalid_phone_shows_a_chinese_error_in_the_browser(page: Page, live_server, seeded):
    """Typing an invalid phone number shows the field error in Chinese and saves nothing."""
    unit, _other = seeded
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("#id_username", "jjj-admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/backoffice/units/unit/{unit.pk}/change/")
    page.fill("#id_phone", "12")
    page.click("input[name=_save]")
    expect(page.locator(".errorlist")).to_contain_text("请输入有效的电话号码")
    unit.refresh_from_db()
    assert unit.phone == "022-66668888"
