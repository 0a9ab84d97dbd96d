"""Real-browser test: an editor drafts with the attribute form and submits; a reviewer
records the confidentiality review and publishes (#3 §2, §3, §9)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from gongkai.accounts.models import Role
from gongkai.conftest import PASSWORD
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.library.choices import DisclosureAttribute, PublicationState
from gongkai.library.models import Document
from gongkai.units.models import Unit, UnitKind

pytestmark = [pytest.mark.browser]


@pytest.fixture
def seeded(transactional_db, make_user):
    unit = Unit.objects.create(
        code="JJJ", name_zh="经济局", name_en="Economic Bureau", kind=UnitKind.DEPARTMENT
    )
    make_user("jjj-editor", unit, Role.EDITOR)
    make_user("jjj-reviewer", unit, Role.REVIEWER)
    return unit


def _sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/backoffice/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()


def _new_draft(page: Page, base: str, title: str, number: str, attribute: str) -> None:
    page.goto(f"{base}/backoffice/library/document/add/")
    page.fill("#id_title", title)
    page.fill("#id_document_number", number)
    page.select_option("#id_kind", "policy")
    page.select_option("#id_category", "11")
    page.fill("#id_signed_date", "2026-03-02")
    page.check(f"input[name=attribute][value={attribute}]")
    page.fill("#id_body", "<p>各单位：现将有关事项通知如下。</p>")


def test_editor_drafts_and_submits_and_reviewer_publishes(page: Page, live_server, seeded):
    """The attribute form refuses "on request" without a ground and an explanation; once
    given, the draft saves and is submitted; a reviewer publishes a proactive one."""
    base = live_server.url
    _sign_in(page, base, "jjj-editor")

    _new_draft(page, base, "关于内部工作流程的说明", "津生管发[2026]第4号", "on_request")
    page.click("input[name=_continue]")
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.locator("form#document_form")).to_contain_text(
        "非主动公开的信息必须至少选择一项《条例》规定的理由"
    )
    expect(page.locator("form#document_form")).to_contain_text("请说明不主动公开的具体理由")
    assert not Document.objects.exists()

    page.check("input[name=withholding_grounds][value=internal_affairs]")
    page.fill("#id_attribute_explanation", "属于内部工作流程信息。")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_be_visible()
    on_request = Document.objects.get()
    assert on_request.attribute == DisclosureAttribute.ON_REQUEST
    assert on_request.document_number_key == "津生管发〔2026〕4号"
    page.click("#submit-form input[type=submit]")
    expect(page.locator("#document-state")).to_have_text("审核中")

    _new_draft(page, base, "关于促进就业的若干措施", "津生管发〔2026〕5号", "proactive")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_be_visible()
    proactive = Document.objects.get(title="关于促进就业的若干措施")
    expect(page.locator("#publish-form")).to_have_count(0)  # editors do not publish
    page.click("#submit-form input[type=submit]")
    expect(page.locator("#document-state")).to_have_text("审核中")

    _sign_in(page, base, "jjj-reviewer")
    page.goto(f"{base}/backoffice/library/document/")
    expect(page.locator("#result_list")).to_contain_text("关于促进就业的若干措施")
    page.click("#result_list a:has-text('关于促进就业的若干措施')")
    page.check("#review-form input[name=passed][value=yes]")
    page.fill("#review-form textarea[name=note]", "不涉及国家秘密")
    page.click("#review-form input[type=submit]")
    expect(page.locator("#latest-review")).to_contain_text("通过")
    page.click("#publish-form input[type=submit]")
    expect(page.locator("#document-state")).to_have_text("已发布")
    expect(page.locator("#withdraw-form")).to_be_visible()

    proactive.refresh_from_db()
    on_request.refresh_from_db()
    assert proactive.state == PublicationState.PUBLISHED
    assert on_request.state == PublicationState.IN_REVIEW
    assert AuditEntry.objects.filter(
        object_type="library.Document",
        object_id=str(proactive.pk),
        action=AuditAction.PUBLISH,
        actor__username="jjj-reviewer",
    ).exists()
