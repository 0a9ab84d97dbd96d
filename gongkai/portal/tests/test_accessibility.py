"""Accessibility of every public page, in a real Chromium (issue #4 §6, §7; R-0.c).

- WCAG 2.1 AA: axe-core finds no violation on any page of ``PUBLIC_PAGES``, in Chinese and
  English, at 360 px and at desktop width, with normal and large text;
- phones: no page scrolls sideways in a 360 px wide window;
- keyboard: the skip link moves focus to the main content, focus is visible, and Tab reaches
  the language switch and the search box;
- large text (适老化): a link in the header turns it on without JavaScript; text is at least
  125 % larger, with more line height and bigger targets;
- without JavaScript a reader can open the home page, a list, a document, and search;
- every page is in Chinese and English: the switch keeps the page, ``<html lang>`` is right.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import docx
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from gongkai.accounts.models import Membership, Role, User
from gongkai.annual_reports import services as report_services
from gongkai.annual_reports.demo import publish_report
from gongkai.campaigns import services as campaign_services
from gongkai.campaigns.models import CampaignKind
from gongkai.library import services
from gongkai.library.choices import (
    Art20Category,
    DocumentKind,
    KeyArea,
    RelationKind,
    Topic,
)
from gongkai.library.models import Document
from gongkai.library.tests.factories import draft, published
from gongkai.search.indexer import index_pending
from gongkai.units.models import Leader, Unit, UnitKind

pytestmark = [pytest.mark.browser]

# Every public page template, with the data below. ``{name}`` is replaced by the index number
# of the document of that name in ``portal_data``. Add each new public page here.
PUBLIC_PAGES: list[tuple[str, str]] = [
    ("home", "/"),
    ("unit-directory", "/units/"),
    ("unit-detail", "/units/JJJ/"),
    ("unit-detail-provider", "/units/SCH/"),
    ("document-list", "/documents/"),
    ("document-list-filtered", "/documents/?unit=JJJ&kind=normative&in_force=on"),
    ("document-list-page-2", "/documents/?page=2"),
    ("document-list-bad-filter", "/documents/?unit=NOPE&kind=nonsense"),
    ("document-detail", "/documents/{measures}/"),
    ("document-detail-repealed", "/documents/{old_rules}/"),
    ("document-detail-withdrawn", "/documents/{withdrawn}/"),
    ("document-detail-interpretation", "/documents/{reading}/"),
    ("document-detail-print", "/documents/{measures}/?print=1"),
    ("catalogue", "/catalogue/"),
    ("catalogue-filtered", "/catalogue/?unit=JJJ"),
    ("campaign-results-list", "/campaigns/"),
    ("campaign-results", "/campaigns/{campaign}/"),
    ("search", "/search/"),
    ("search-query", "/search/?q=就业"),
    ("search-no-results", "/search/?q=不存在的词语"),
    ("search-filtered", "/search/?q=就业&kind=normative&validity_scope=any"),
    ("column", "/column/"),
    ("column-guide", "/column/guide/"),
    ("column-rules", "/column/rules/"),
    ("column-category", "/column/categories/11/"),
    ("column-key-area", "/column/key-areas/employment/"),
    ("column-policies", "/column/policies/"),
    ("column-policies-filtered", "/column/policies/?unit=JJJ&topic=labour"),
    ("column-annual-reports", "/column/annual-reports/"),
    ("unit-column-annual-reports", "/units/JJJ/column/annual-reports/"),
    ("annual-report-government", "/annual-reports/2025/"),
    ("annual-report-unit", "/annual-reports/2025/JJJ/"),
    ("unit-column", "/units/JJJ/column/"),
    ("unit-column-guide", "/units/JJJ/column/guide/"),
    ("unit-column-policies", "/units/JJJ/column/policies/"),
    ("feeds", "/feeds/"),
    ("requests", "/requests/"),
    ("requests-apply", "/requests/apply/?unit=JJJ"),
    ("requests-track", "/requests/track/"),
    ("not-found", "/no-such-page/"),
    ("not-found-document", "/documents/NOPE/99-2020-00001/"),
]
NOT_FOUND = {"not-found", "not-found-document"}
LANGUAGES = [("zh", ""), ("en", "/en")]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# WCAG 2.0 / 2.1, levels A and AA, plus axe's best practices (landmarks, headings).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _publish(document: Document, editor: User, reviewer: User) -> Document:
    services.document_submit(document=document, by=editor)
    services.document_confidentiality_review(document=document, by=reviewer, passed=True)
    return services.document_publish(document=document, by=reviewer)


@pytest.fixture
def portal_data(transactional_db, make_user) -> dict[str, Any]:
    """Demo-like data: units with full agency information, published documents with
    attachments, a repealed one with its banner, a withdrawn one, an interpretation, a
    published campaign result; the search index is built."""
    office = Unit.objects.create(
        code="WB", name_zh="管委会办公室", name_en="Office of the Administrative Committee",
        kind=UnitKind.DEPARTMENT, is_office=True,
    )
    unit = Unit.objects.create(
        code="JJJ",
        name_zh="中新天津生态城经济发展局",
        name_en="Economic Development Bureau of the Sino-Singapore Tianjin Eco-City",
        kind=UnitKind.DEPARTMENT,
        functions="负责生态城经济发展规划、产业促进和就业服务工作。",
        functions_en="Plans economic development, promotes industry and runs employment services.",
        internal_structure="综合科：文电、会务、政务公开\n产业促进科：招商引资和产业政策\n就业服务科",
        subordinate_units="生态城人力资源服务中心",
        address="天津市滨海新区中新天津生态城和旭路276号生态城管委会大楼3层301室",
        postcode="300467",
        office_hours="周一至周五 8:30–12:00，13:30–17:30（法定节假日除外）",
        phone="022-66668888",
        fax="022-66668899",
        email="jingjiju-zhengwugongkai@eco-city.example.gov.cn",
        website="https://www.eco-city.example.gov.cn/jingjiju/zhengwugongkai/",
    )
    Leader.objects.create(unit=unit, name="张伟", title="局长", portfolio="主持全面工作。")
    Leader.objects.create(unit=unit, name="李娜", title="副局长", portfolio="分管就业服务。")
    Unit.objects.create(
        code="CZJ", name_zh="财政局", name_en="Finance Bureau", kind=UnitKind.DEPARTMENT,
        phone="022-66669999",
    )
    Unit.objects.create(
        code="SQ1", name_zh="和畅社区居委会", name_en="Hechang Community Committee",
        kind=UnitKind.COMMUNITY,
    )
    Unit.objects.create(
        code="SCH", name_zh="生态城第一小学", name_en="Eco-City No. 1 Primary School",
        kind=UnitKind.PROVIDER, supervising_unit=unit,
    )
    editor = make_user("a11y-editor", unit, Role.EDITOR)
    reviewer = make_user("a11y-reviewer", unit, Role.REVIEWER)
    office_admin = make_user("a11y-office", office_admin=True)
    Membership.objects.create(user=office_admin, unit=office, role=Role.UNIT_ADMIN)

    measures = _publish(
        services.document_create(
            unit=unit,
            by=editor,
            data={
                "title": "关于印发生态城促进就业若干措施的通知",
                "title_en": "Notice on measures to promote employment in the Eco-City",
                "summary": "就业补贴的条件、标准和申请办法。",
                "summary_en": "Who can receive employment subsidies, how much, and how to apply.",
                "document_number": "津生管发〔2024〕12号",
                "kind": DocumentKind.NORMATIVE,
                "category": Art20Category.C11,
                "topic": Topic.LABOUR,
                "signed_date": datetime.date(2024, 3, 2),
                "effective_date": datetime.date(2024, 4, 1),
                "valid_until": datetime.date(2029, 3, 31),
                "attribute": "proactive",
                "body": "<p>各单位：</p><p>现将《生态城促进就业若干措施》印发给你们，"
                "请认真贯彻执行。</p><table><tr><th>补贴</th><th>标准</th></tr>"
                "<tr><td>一次性就业补贴</td><td>3000元</td></tr></table>",
            },
            key_areas=[KeyArea.EMPLOYMENT],
        ),
        editor,
        reviewer,
    )
    for name in ("就业补贴申请表.docx", "就业补贴申请材料清单.docx"):
        services.attachment_add(
            document=measures, by=reviewer, file=io.BytesIO(_docx(name)), filename=name
        )
    old_rules = published(
        unit, editor, reviewer, title="生态城就业见习管理暂行办法",
        document_number="津生管发〔2019〕5号", signed_date=datetime.date(2019, 5, 6),
    )
    new_rules = draft(
        unit, editor, title="生态城就业见习管理办法", document_number="津生管发〔2024〕3号",
        signed_date=datetime.date(2024, 1, 8),
    )
    services.relation_add(
        source=new_rules, target=old_rules, kind=RelationKind.REPEALS, by=editor
    )
    _publish(new_rules, editor, reviewer)
    reading = draft(
        unit, editor, title="《生态城促进就业若干措施》政策解读", document_number="",
        kind=DocumentKind.INTERPRETATION, signed_date=datetime.date(2024, 3, 5),
    )
    services.relation_add(
        source=reading, target=measures, kind=RelationKind.INTERPRETS, by=editor
    )
    _publish(reading, editor, reviewer)
    withdrawn = published(
        unit, editor, reviewer, title="关于2023年度就业补贴发放情况的公示",
        document_number="", kind=DocumentKind.NOTICE, signed_date=datetime.date(2024, 2, 1),
    )
    services.document_withdraw(document=withdrawn, by=reviewer, reason="公示期已满，内容有误")
    for number in range(22):  # a second page of the list
        published(
            unit, editor, reviewer, title=f"生态城就业服务工作动态（第{number + 1}期）",
            document_number="", kind=DocumentKind.NOTICE,
            signed_date=datetime.date(2024, 5, 1) + datetime.timedelta(days=number),
        )

    campaign = campaign_services.campaign_launch(
        by=office_admin,
        kind=CampaignKind.CLEANUP,
        title="2024年规范性文件清理",
        filter=None,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    campaign_services.campaign_close(campaign=campaign, by=office_admin)
    campaign_services.campaign_publish_results(campaign=campaign, by=office_admin)
    # Published annual reports of 2025 (issue #6 §5), one corrected.
    report = publish_report(unit=unit, year=2025, editor=office_admin, reviewer=office_admin)
    report_services.report_reopen(report=report, by=office_admin, reason="更正表二数据")
    publish_report(unit=unit, year=2025, editor=office_admin, reviewer=office_admin)
    publish_report(unit=None, year=2025, editor=office_admin, reviewer=office_admin)
    index_pending()
    return {
        "measures": measures.index_number,
        "old_rules": old_rules.index_number,
        "withdrawn": withdrawn.index_number,
        "reading": reading.index_number,
        "campaign": campaign.pk,
    }


def _path(template: str, data: dict[str, Any]) -> str:
    return template.format(**data)


def _large_text(page: Page, base: str, on: bool) -> None:
    page.context.clear_cookies()
    if on:
        page.context.add_cookies([{"name": "gk_text", "value": "large", "url": base}])


def _scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


_TOO_WIDE = """(width) => Array.from(document.querySelectorAll('body *'))
  .filter(el => el.getBoundingClientRect().right > width + 0.5)
  .filter(el => !el.parentElement.closest('.table-scroll'))
  .slice(0, 8)
  .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
       + ' → ' + Math.round(el.getBoundingClientRect().right) + ' px')"""


@pytest.mark.parametrize(("name", "path"), PUBLIC_PAGES, ids=[name for name, _ in PUBLIC_PAGES])
def test_public_page_meets_wcag_aa_in_both_languages_on_phone_and_desktop(
    page: Page, live_server, portal_data, name, path
):
    """No axe-core violation (WCAG 2.1 A/AA and best practices), in Chinese and English, at
    360 px (normal and large text) and at desktop width; no sideways scroll at 360 px."""
    base = live_server.url
    axe = Axe()
    problems: list[str] = []
    for language, prefix in LANGUAGES:
        url = base + prefix + _path(path, portal_data)
        for viewport, large in ((PHONE, False), (PHONE, True), (DESKTOP, False)):
            _large_text(page, base, large)
            page.set_viewport_size(viewport)
            response = page.goto(url)
            assert response is not None
            assert response.status == (404 if name in NOT_FOUND else 200), url
            expected_lang = "en" if language == "en" else "zh-Hans"
            expect(page.locator("html")).to_have_attribute("lang", expected_lang)
            where = f"{language} {viewport['width']}px{' large text' if large else ''} {url}"
            if large:
                expect(page.locator("html")).to_have_class("large-text")
            results = axe.run(page, options=AXE_OPTIONS)
            if results.violations_count:
                problems.append(f"{where}\n{results.generate_report()}")
            if viewport is PHONE:
                width = _scroll_width(page)
                if width > PHONE["width"]:
                    wide = page.evaluate(_TOO_WIDE, PHONE["width"])
                    problems.append(f"{where}: the page is {width} px wide: {wide}")
    assert not problems, "\n\n".join(problems)


# --- Keyboard ------------------------------------------------------------------------------


def _focused(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {
            tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
            name: el.getAttribute('name'), href: el.getAttribute('href'),
            inLanguageSwitch: !!el.closest('.language-switch'),
            inMainNav: !!el.closest('.site-nav'),
            outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
            boxShadow: style.boxShadow,
          };
        }"""
    )


def test_skip_link_moves_focus_to_the_main_content(page: Page, live_server, portal_data):
    """The first Tab shows the skip link; Enter on it moves focus to <main>."""
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/documents/")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page.locator("main#main")).to_be_focused()
    assert urlsplit(page.url).fragment == "main"
    page.keyboard.press("Tab")  # the next stop is inside the main content, not the header
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_tab_reaches_language_switch_and_search_box_with_visible_focus(
    page: Page, live_server, portal_data, prefix
):
    """Tabbing from the top reaches the language switch, then the search box, then the main
    navigation, in that order; each focused control shows the focus ring."""
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + prefix + "/units/")

    order: list[str] = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["inLanguageSwitch"]:
            order.append("language")
        elif focused["id"] == "site-search-q":
            order.append("search")
        elif focused["inMainNav"]:
            order.append("nav")
        else:
            continue
        assert focused["outlineStyle"] == "solid", focused
        assert focused["outlineWidth"] >= 2, focused
        assert focused["boxShadow"] != "none", focused
    assert "language" in order
    assert "search" in order
    assert order.index("language") < order.index("search") < order.index("nav")

    # Typing in the search box and pressing Enter searches.
    page.locator("#site-search-q").focus()
    page.keyboard.type("就业")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert urlsplit(page.url).path == f"{prefix}/search/"
    expect(page.locator("h1")).to_be_visible()


def test_header_search_box_is_labelled(page: Page, live_server, portal_data):
    """The header's search box is a labelled search field inside a search landmark."""
    page.goto(live_server.url + "/en/")
    expect(
        page.get_by_role("search", name="Site search").get_by_role(
            "searchbox", name="Search government information"
        )
    ).to_be_visible()
    page.goto(live_server.url + "/")
    label = page.locator("label[for=site-search-q]").text_content() or ""
    assert label.strip()
    expect(page.locator("#site-search-q")).to_have_attribute("name", "q")


# --- Large text (适老化) --------------------------------------------------------------------

_MEASURE = """() => {
  const px = (el, prop) => parseFloat(getComputedStyle(el)[prop]);
  const p = document.querySelector('main p');
  const nav = document.querySelector('.site-nav a');
  return {
    font: px(p, 'fontSize'), line: px(p, 'lineHeight'),
    h1: px(document.querySelector('h1'), 'fontSize'),
    navHeight: nav.getBoundingClientRect().height,
    scrollWidth: document.documentElement.scrollWidth,
  };
}"""


def test_large_text_is_switched_on_and_off_without_javascript(
    browser: Browser, live_server, portal_data
):
    """With JavaScript off, the header link turns large text on (cookie gk_text=large) and
    brings the reader back to the same page; the other link turns it off again."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        url = f"{live_server.url}/documents/{portal_data['measures']}/"
        page.goto(url)
        expect(page.locator("html")).not_to_have_class("large-text")

        page.locator(".text-size a").click()

        page.wait_for_url(url)
        expect(page.locator("html")).to_have_class("large-text")
        assert {c["name"]: c["value"] for c in context.cookies()}.get("gk_text") == "large"
        page.goto(f"{live_server.url}/en/units/")  # it stays on, in both languages
        expect(page.locator("html")).to_have_class("large-text")

        expect(page.locator(".text-size a")).to_have_text("Standard text size")
        page.locator(".text-size a").click()

        page.wait_for_url(f"{live_server.url}/en/units/")
        expect(page.locator("html")).not_to_have_class("large-text")
        assert "gk_text" not in {c["name"] for c in context.cookies()}
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_large_text_is_at_least_125_percent_with_more_line_height_and_bigger_targets(
    page: Page, live_server, portal_data, viewport
):
    """Large text: body text ≥ 1.25×, line height larger in proportion, navigation targets
    taller; a phone still does not scroll sideways."""
    page.set_viewport_size(viewport)
    url = f"{live_server.url}/units/JJJ/"
    _large_text(page, live_server.url, False)
    page.goto(url)
    normal = page.evaluate(_MEASURE)
    _large_text(page, live_server.url, True)
    page.goto(url)
    large = page.evaluate(_MEASURE)

    assert large["font"] >= 1.25 * normal["font"]
    assert large["h1"] >= 1.25 * normal["h1"]
    assert large["line"] / large["font"] > normal["line"] / normal["font"]
    assert large["navHeight"] > normal["navHeight"]
    assert large["navHeight"] >= 44
    assert large["scrollWidth"] <= viewport["width"]


# --- Without JavaScript --------------------------------------------------------------------


def test_reading_and_searching_work_without_javascript(
    browser: Browser, live_server, portal_data
):
    """With JavaScript off: home → government information (filtered) → a document → the
    header search form, all with plain links and GET forms."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        expect(page.locator("h1")).to_be_visible()

        page.locator(".site-nav").get_by_role("link", name="政府信息", exact=True).click()
        page.wait_for_url("**/documents/")
        page.locator("select[name=kind]").select_option("normative")
        page.locator(".filters button[type=submit]").click()
        page.wait_for_url("**/documents/?*kind=normative*")
        page.get_by_role("link", name="关于印发生态城促进就业若干措施的通知").click()

        page.wait_for_url(f"**/documents/{portal_data['measures']}/")
        expect(page.locator("h1")).to_have_text("关于印发生态城促进就业若干措施的通知")
        expect(page.locator(".attachments")).to_contain_text("就业补贴申请表.docx")

        page.locator("#site-search-q").fill("就业见习")
        page.locator(".site-search button[type=submit]").click()

        page.wait_for_url("**/search/?q=*")
        expect(page.locator(".search-hits")).to_contain_text("生态城就业见习管理办法")
    finally:
        context.close()


# --- Bilingual (issue #4 §6) ---------------------------------------------------------------


def _switch_cases(data: dict[str, Any]) -> Iterator[str]:
    yield "/units/JJJ/"
    yield "/documents/?unit=JJJ&kind=normative"
    yield f"/documents/{data['measures']}/"
    yield "/column/guide/"
    yield "/search/?q=就业"
    yield "/no-such-page/"


def test_language_switch_keeps_the_page_and_sets_html_lang(page: Page, live_server, portal_data):
    """The language switch leads to the same page (query string kept) in the other language,
    with <html lang> zh-Hans or en, and the interface text translated."""
    base = live_server.url
    for path in _switch_cases(portal_data):
        page.goto(base + path)
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(page.locator(".skip-link")).to_have_text("跳到主要内容")

        page.locator(".language-switch").get_by_role("link", name="English").click()

        page.wait_for_load_state()
        assert page.url.removeprefix(base) in (f"/en{path}", f"/en{_quoted(path)}")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator(".skip-link")).to_have_text("Skip to main content")
        expect(page.locator(".site-nav")).to_contain_text("Government information")

        page.locator(".language-switch").get_by_role("link", name="简体中文").click()

        page.wait_for_load_state()
        assert page.url.removeprefix(base) in (path, _quoted(path))
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/?=&")

