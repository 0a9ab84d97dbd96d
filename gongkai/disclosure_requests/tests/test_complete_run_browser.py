"""The whole life of a disclosure request in a real browser (issue #5 "Done when"; R-3.2,
R-5.2; Regulation Art. 29–42): an applicant applies online; the disclosure officer confirms
the receipt and asks for a clarification; the applicant clarifies online; the officer consults
a third party; the head of the disclosure office extends the deadline; the officer charges a
fee by pages and records the payment, drafts a partial disclosure; the head approves it; the
officer issues it; the applicant downloads the letter as PDF; a review is recorded."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from gongkai.accounts.models import Role
from gongkai.conftest import PASSWORD
from gongkai.disclosure_requests.choices import Outcome, PauseKind, ReviewKind, Status
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.disclosure_requests.tests.factories import RESIDENT_ID
from gongkai.units.models import Unit, UnitKind

pytestmark = [pytest.mark.browser]


@pytest.fixture
def unit(transactional_db, make_user):
    Unit.objects.create(
        code="WB",
        name_zh="管委会办公室",
        name_en="Office",
        kind=UnitKind.DEPARTMENT,
        is_office=True,
    )
    jsj = Unit.objects.create(
        code="JSJ",
        name_zh="建设局",
        name_en="Construction Bureau",
        kind=UnitKind.DEPARTMENT,
        phone="022-66667777",
        address="天津市滨海新区中新天津生态城中成大道 1 号",
    )
    make_user("jsj-officer", jsj, Role.DISCLOSURE_OFFICER)
    make_user("jsj-head", jsj, Role.DISCLOSURE_HEAD)
    return jsj


def _sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/backoffice/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()


def _act(page: Page, base: str, number: str, action: str, fields: dict[str, str]) -> None:
    """Open the request's back-office page, fill one action's form and send it; the page
    must come back without an error."""
    page.goto(f"{base}/backoffice/requests/{number}/")
    box = page.locator(f"#action-{action}")
    expect(box).to_be_visible()
    for name, value in fields.items():
        field = box.locator(f"[name='{name}']")
        if field.count() > 1:  # radio buttons
            box.locator(f"[name='{name}'][value='{value}']").check()
            continue
        tag = field.evaluate("e => e.tagName.toLowerCase()")
        if tag == "select":
            field.select_option(value)
        else:
            field.fill(value)
    box.locator("form[method=post] input[type=submit]").click()
    errors = page.locator(".errornote, .errorlist")
    assert errors.count() == 0, errors.all_inner_texts()
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_a_request_from_application_to_review(page: Page, browser, live_server, unit):
    base = live_server.url
    today = timezone.localdate().isoformat()

    # The applicant applies online.
    applicant = browser.new_context().new_page()
    applicant.goto(f"{base}/requests/apply/?unit=JSJ")
    applicant.check("input[name=applicant_kind][value=natural_person]")
    applicant.fill("#id_applicant_name", "张三")
    applicant.select_option("#id_id_type", "resident_id")
    applicant.fill("#id_id_number", RESIDENT_ID)
    applicant.fill("#id_phone", "13812345678")
    applicant.fill("#id_email", "zhangsan@example.com")
    applicant.fill("#id_info_title", "生态城某地块房屋征收补偿方案")
    applicant.fill("#id_info_description", "请提供某地块房屋征收补偿方案及评估报告。")
    applicant.check("input[name=wanted_form][value=electronic]")
    applicant.check("input[name=delivery][value=online]")
    applicant.click("#apply-submit")
    number = applicant.locator("#tracking-number").inner_text().strip()
    code = applicant.locator("#query-code").inner_text().strip()
    request = DisclosureRequest.objects.get(tracking_number=number)
    assert request.status == Status.SUBMITTED

    # The officer confirms the receipt (Art. 31) and asks for a clarification (Art. 30).
    _sign_in(page, base, "jsj-officer")
    _act(page, base, number, "confirm_receipt", {"received_on": today})
    _act(page, base, number, "clarification_request", {"items": "请说明所指地块的名称或位置。"})
    request.refresh_from_db()
    assert request.status == Status.CLARIFICATION

    # The applicant sees what is asked and clarifies online.
    applicant.goto(f"{base}/requests/track/")
    applicant.fill("#id_tracking_number", number)
    applicant.fill("#id_query_code", code)
    applicant.click("form.request-form button[type=submit]")
    expect(applicant.locator("main")).to_contain_text("请说明所指地块的名称或位置。")
    applicant.fill("textarea[name=response]", "指和畅路以东的 12 号地块。")
    applicant.click("form.request-form button[type=submit]")
    request.refresh_from_db()
    assert request.status == Status.PROCESSING
    assert request.clock_started_on == timezone.localdate()

    # A third party is consulted (Art. 32): the clock stops, then runs again.
    _act(
        page,
        base,
        number,
        "pause_start",
        {"kind": PauseKind.THIRD_PARTY, "party": "天津某置业有限公司", "reason": "涉及商业秘密"},
    )
    request.refresh_from_db()
    assert request.clock_paused
    _act(page, base, number, "pause_end", {"note": "第三方不同意公开评估报告中的报价部分"})
    request.refresh_from_db()
    assert not request.clock_paused
    due_before = request.due_on

    # The head of the disclosure office extends the deadline (Art. 33).
    _sign_in(page, base, "jsj-head")
    _act(page, base, number, "extension", {"working_days": "10", "reason": "需要征求第三方意见"})
    request.refresh_from_db()
    assert request.due_on > due_before

    # The officer charges a fee by pages (50 pages: 20 × 10 yuan) and records the payment.
    _sign_in(page, base, "jsj-officer")
    _act(page, base, number, "fee_notice", {"method": "per_volume", "pages": "50"})
    assert str(request.fee_notice.amount) == "200.00"
    _act(
        page,
        base,
        number,
        "fee_payment",
        {"paid_on": today, "amount": "200.00", "reference": "POS-0001"},
    )

    # The officer drafts a partial disclosure with its withheld part (Art. 37).
    _act(
        page,
        base,
        number,
        "reply_draft",
        {
            "outcome": Outcome.PARTIAL,
            "information_text": "现向你提供该地块房屋征收补偿方案全文。",
            "page_count": "50",
            "withheld-0-part": "评估报告中的报价明细",
            "withheld-0-ground": "third_party",
            "withheld-0-reason": "涉及第三方商业秘密，第三方不同意公开",
        },
    )
    # The head approves; the officer issues the letter.
    _sign_in(page, base, "jsj-head")
    _act(page, base, number, "reply_approve", {})
    _sign_in(page, base, "jsj-officer")
    _act(page, base, number, "reply_issue", {})
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert request.outcome == Outcome.PARTIAL
    assert request.broad_interest  # housing expropriation: proposed for proactive disclosure

    # The applicant sees the reply and downloads the letter.
    applicant.goto(f"{base}/requests/track/{number}/")
    expect(applicant.locator("#reply-heading")).to_be_visible()
    with applicant.expect_download() as download_info:
        applicant.locator("a[href$='letter.pdf']").click()
    data = open(download_info.value.path(), "rb").read()  # noqa: PTH123, SIM115
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert request.reply.letter_number in text
    assert "评估报告中的报价明细" in text
    assert "六十日" in text
    assert "六个月" in text

    # A review is recorded against the request (report §四).
    _act(
        page,
        base,
        number,
        "review_record",
        {"kind": ReviewKind.REVIEW, "received_on": today, "result": "pending"},
    )
    assert request.review_cases.get().kind == ReviewKind.REVIEW
