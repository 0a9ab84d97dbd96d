"""The annual report in a real browser (issue #6 "Done when"): the disclosure officer opens
the 2025 report, fills in table 二's figures and section 五, the head of the disclosure office
reviews it, the officer publishes it, and a figure of table 三 leads to the request behind it."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

from gongkai.accounts.models import Role
from gongkai.annual_reports.models import AnnualReport, ReportState
from gongkai.annual_reports.tests.test_services import _answer, _received
from gongkai.conftest import PASSWORD
from gongkai.units.models import Unit, UnitKind

pytestmark = [pytest.mark.browser]


@pytest.fixture
def people(transactional_db, make_user):
    Unit.objects.create(
        code="WB",
        name_zh="管委会办公室",
        name_en="Office",
        kind=UnitKind.DEPARTMENT,
        is_office=True,
    )
    unit = Unit.objects.create(
        code="JSJ", name_zh="建设局", name_en="Construction Bureau", kind=UnitKind.DEPARTMENT
    )
    officer = make_user("jsj-officer", unit, Role.DISCLOSURE_OFFICER)
    head = make_user("jsj-head", unit, Role.DISCLOSURE_HEAD)
    return unit, officer, head


def _sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/backoffice/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()


def _no_errors(page: Page) -> None:
    errors = page.locator(".errornote, .errorlist")
    assert errors.count() == 0, errors.all_inner_texts()
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_officer_head_and_officer_publish_the_2025_report(page: Page, live_server, people):
    unit, officer, head = people
    request = _received(unit, officer, datetime.date(2025, 3, 3))
    _answer(request, officer, head, datetime.date(2025, 3, 20))
    base = live_server.url

    # The officer opens the 2025 report from the list.
    _sign_in(page, base, "jsj-officer")
    page.goto(f"{base}/backoffice/")
    page.click("#annual-report-tasks a[href$='/backoffice/annual-reports/']")
    page.select_option("#open-scope", "JSJ")
    page.fill("#open-year", "2025")
    page.click("#open-report input[type=submit]")
    expect(page.locator("#text-overview")).to_contain_text("本年新收政府信息公开申请 1 件")
    # … fills in the figures and section 五, and saves.
    form = page.locator("#edit-form")
    form.locator("[name=licensing_decisions]").fill("12")
    form.locator("[name=charges_amount]").fill("0.35")
    form.locator("[name=problems]").fill("依申请公开答复的规范性有待提高。")
    form.locator("input[type=submit]").click()
    _no_errors(page)
    expect(page.locator("[data-cell=decisions-licensing]")).to_have_text("12")
    expect(page.locator("#text-problems")).to_contain_text("规范性有待提高")
    expect(page.locator("#checks-passed")).to_be_visible()

    # The head reviews it.
    _sign_in(page, base, "jsj-head")
    page.goto(f"{base}/backoffice/annual-reports/JSJ/2025/")
    page.click("#action-review input[type=submit]")
    _no_errors(page)

    # The officer publishes it.
    _sign_in(page, base, "jsj-officer")
    page.goto(f"{base}/backoffice/annual-reports/JSJ/2025/")
    page.click("#action-publish input[type=submit]")
    _no_errors(page)
    expect(page.locator("#frozen-note")).to_be_visible()
    report = AnnualReport.objects.get(unit=unit, year=2025)
    assert report.state == ReportState.PUBLISHED
    assert report.published_data["sections"]["problems"] == "依申请公开答复的规范性有待提高。"

    # A figure of table 三 leads to the request behind it, and on to the request's page.
    page.click("[data-cell=requests-new-total] a")
    expect(page.locator(".cell-item")).to_have_count(1)
    link = page.locator(f".cell-item a:text('{request.tracking_number}')")
    expect(link).to_be_visible()
    link.click()
    expect(page.locator("#request-summary")).to_contain_text(request.tracking_number)
