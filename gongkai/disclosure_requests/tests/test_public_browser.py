"""Real-browser tests of the public request pages: an organisation applies online, reads its
tracking number and query code, then tracks the request from a fresh browser session; a
double click on "send" makes one request, with and without JavaScript (issue #5 §1, §7,
Bad input; R-3.2; Regulation Art. 29)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from gongkai.accounts.models import Role
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    ApplicantKind,
    Channel,
    OrganisationType,
    Outcome,
    Status,
)
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.disclosure_requests.tests.factories import CREDIT_CODE, RESIDENT_ID, person
from gongkai.library.tests.test_attachments import make_pdf
from gongkai.units.models import Unit, UnitKind

pytestmark = [pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def _accessibility_problems(page: Page, where: str) -> list[str]:
    """axe-core violations of the page as it is now, at phone and desktop width, and
    sideways scrolling at 360 px (as portal/tests/test_accessibility.py checks)."""
    problems = []
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        results = Axe().run(page, options=AXE_OPTIONS)
        if results.violations_count:
            problems.append(f"{where} {viewport['width']}px\n{results.generate_report()}")
        if viewport is PHONE:
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"{where}: {width} px wide at 360 px")
    return problems


@pytest.fixture
def units(transactional_db):
    Unit.objects.create(
        code="WB",
        name_zh="管委会办公室",
        name_en="Office of the Administrative Committee",
        kind=UnitKind.DEPARTMENT,
        is_office=True,
    )
    return Unit.objects.create(
        code="JJJ",
        name_zh="经济局",
        name_en="Economic Bureau",
        kind=UnitKind.DEPARTMENT,
        phone="022-66668888",
    )


def _fill_person(page: Page) -> None:
    page.check("input[name=applicant_kind][value=natural_person]")
    page.fill("#id_applicant_name", "张三")
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_id_number", RESIDENT_ID)
    page.fill("#id_phone", "13812345678")
    page.fill("#id_info_description", "请提供生态城 2025 年保障性住房分配的名单。")
    page.check("input[name=wanted_form][value=electronic]")
    page.check("input[name=delivery][value=online]")


def test_organisation_applies_online_then_tracks_its_request(page: Page, live_server, units):
    """An organisation fills the form (the organisation fields appear when it says it is
    one), first forgets the description and gets the error summary with its values kept,
    then sends: the page shows the tracking number and the query code. In a fresh session
    those two open the status page."""
    base = live_server.url
    page.goto(f"{base}/requests/apply/?unit=JJJ")
    expect(page.locator("#id_unit")).to_have_value("JJJ")
    expect(page.locator("#organisation-fields")).to_be_hidden()  # a natural person by default
    page.check("input[name=applicant_kind][value=organisation]")
    expect(page.locator("#organisation-fields")).to_be_visible()
    page.check("input[name=organisation_type][value=legal_service]")
    page.fill("#id_contact_person", "李律师")
    page.fill("#id_applicant_name", "天津某某律师事务所")
    page.select_option("#id_id_type", "credit_code")
    page.fill("#id_id_number", CREDIT_CODE)
    page.fill("#id_phone", "022-66661234")
    page.fill("#id_email", "office@lawfirm.example.com")
    page.fill("#id_info_title", "生态城 2025 年保障性住房分配结果")
    page.check("input[name=wanted_form][value=electronic]")
    page.check("input[name=delivery][value=email]")
    page.click("#apply-submit")

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_info_description']")).to_be_visible()
    expect(page.locator("#id_applicant_name")).to_have_value("天津某某律师事务所")
    expect(page.locator("#organisation-fields")).to_be_visible()
    assert not DisclosureRequest.objects.exists()

    summary.locator("a[href='#id_info_description']").click()
    expect(page.locator("#id_info_description")).to_be_focused()
    page.fill("#id_info_description", "请提供 2025 年保障性住房的分配名单及评分标准。")
    page.click("#apply-submit")

    expect(page.locator("#query-code")).to_be_visible()
    number = page.locator("#tracking-number").inner_text().strip()
    code = page.locator("#query-code").inner_text().strip()
    obj = DisclosureRequest.objects.get()
    assert obj.tracking_number == number
    assert obj.applicant_kind == ApplicantKind.ORGANISATION
    assert obj.organisation_type == OrganisationType.LEGAL_SERVICE
    assert obj.contact_person == "李律师"
    page.reload()
    expect(page.locator("#query-code")).to_have_count(0)  # shown once

    page.context.clear_cookies()
    page.goto(f"{base}/requests/track/{number}/")
    expect(page.locator("h1")).not_to_contain_text(number)  # 404 in a fresh session
    page.goto(f"{base}/requests/track/")
    page.fill("#id_tracking_number", number)
    page.fill("#id_query_code", "WRONG234")
    page.click("form.request-form button[type=submit]")
    expect(page.locator("#error-summary")).to_be_visible()
    page.fill("#id_query_code", code.lower())
    page.click("form.request-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("#request-status")).to_contain_text(str(Status.SUBMITTED.label))
    expect(page.locator(".request-timeline li")).to_have_count(1)

    page.goto(f"{base}/en/requests/track/{number}/")
    expect(page.locator("#request-status")).to_contain_text("awaiting receipt confirmation")


def test_a_double_click_on_send_makes_one_request(page: Page, live_server, units):
    """With JavaScript the second click of a double click is ignored; one request is made
    and its code is shown."""
    page.goto(f"{live_server.url}/requests/apply/?unit=JJJ")
    _fill_person(page)
    page.dblclick("#apply-submit")
    expect(page.locator("#tracking-number")).to_be_visible()
    expect(page.locator("#query-code")).to_be_visible()
    assert DisclosureRequest.objects.count() == 1


def test_a_double_click_without_javascript_still_makes_one_request(
    browser: Browser, live_server, units
):
    """Without JavaScript a double click on "send" still makes one request, whose
    confirmation is shown."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/requests/apply/?unit=JJJ")
        _fill_person(page)
        page.dblclick("#apply-submit")
        expect(page.locator("#tracking-number")).to_be_visible()
        number = page.locator("#tracking-number").inner_text().strip()
        assert DisclosureRequest.objects.count() == 1
        assert DisclosureRequest.objects.get().tracking_number == number
    finally:
        context.close()


def test_the_same_form_posted_again_shows_the_first_request_with_its_code(
    page: Page, live_server, units
):
    """The form is posted once in the background and its answer lost (as when a first
    click's response never arrives), then sent again with the same submission key: no
    second request is made, and the page shows the first request's tracking number and
    its query code, which the applicant has not yet seen."""
    page.goto(f"{live_server.url}/requests/apply/?unit=JJJ")
    _fill_person(page)
    kind = page.evaluate(
        """async () => {
            const form = document.getElementById("apply-form");
            const response = await fetch(form.action, {
                method: "POST", body: new FormData(form), redirect: "manual",
                credentials: "same-origin",
            });
            return response.type;
        }"""
    )
    assert kind == "opaqueredirect"  # the first post made the request and redirected
    assert DisclosureRequest.objects.count() == 1
    page.click("#apply-submit")
    expect(page.locator("#tracking-number")).to_have_text(
        DisclosureRequest.objects.get().tracking_number
    )
    expect(page.locator("#query-code")).to_be_visible()
    assert DisclosureRequest.objects.count() == 1


def test_applicant_clarifies_and_downloads_the_reply_on_accessible_pages(
    page: Page, live_server, units, make_user
):
    """The session pages (confirmation, status with the clarification form and its error,
    status with the reply) pass axe in Chinese and English; the applicant clarifies online
    and downloads the reply letter (Art. 30; R-3.2)."""
    officer = make_user("officer", units, Role.DISCLOSURE_OFFICER)
    head = make_user("head", units, Role.DISCLOSURE_HEAD)
    base = live_server.url
    problems: list[str] = []

    page.goto(f"{base}/requests/apply/?unit=JJJ")
    page.click("#apply-submit")
    expect(page.locator("#error-summary")).to_be_visible()
    problems += _accessibility_problems(page, "apply with errors")
    _fill_person(page)
    page.click("#apply-submit")
    expect(page.locator("#query-code")).to_be_visible()
    problems += _accessibility_problems(page, "confirmation")

    obj, code = services.request_register(
        unit=units,
        by=officer,
        data=person(),
        channel=Channel.IN_PERSON,
        received_on=timezone.localdate(),
    )
    services.clarification_request(request=obj, by=officer, items="请写明所需文件的年份。")
    page.goto(f"{base}/requests/track/")
    problems += _accessibility_problems(page, "lookup")
    page.fill("#id_tracking_number", obj.tracking_number)
    page.fill("#id_query_code", code)
    page.click("form.request-form button[type=submit]")
    expect(page.locator("#clarification")).to_contain_text("请写明所需文件的年份。")
    problems += _accessibility_problems(page, "status awaiting clarification")
    page.click("#clarification button[type=submit]")
    expect(page.locator("#error-summary")).to_be_focused()
    problems += _accessibility_problems(page, "clarification error")
    page.fill("#id_response", "需要 2025 年的文件。")
    page.click("#clarification button[type=submit]")
    expect(page.locator("#clarification")).to_have_count(0)
    obj.refresh_from_db()
    assert obj.status == Status.PROCESSING
    assert obj.clock_started_on == timezone.localdate()

    reply = services.reply_draft(
        request=obj, by=officer, outcome=Outcome.DISCLOSED, data={"information_text": "见附件。"}
    )
    reply = services.reply_approve(reply=reply, by=head)
    services.released_file_add(
        reply=reply, by=officer, name="分配名单.pdf", content=make_pdf(["list"])
    )
    reply = services.reply_issue(reply=reply, by=officer)
    for prefix in ("", "/en"):
        page.goto(f"{base}{prefix}/requests/track/{obj.tracking_number}/")
        expect(page.locator("#letter-number")).to_have_text(reply.letter_number)
        problems += _accessibility_problems(page, f"status with reply {prefix or 'zh'}")
    with page.expect_download() as download_info:
        page.click(f"a[href$='/track/{obj.tracking_number}/letter.pdf']")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    assert not problems, "\n\n".join(problems)
