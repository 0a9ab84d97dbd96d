"""The public page of a document (issue #4 §2; Regulation Art. 24; R-5.3).

The metadata table Chinese portals use, attachments with type and size, interpretations shown
prominently, the print version and print stylesheet, permanent URLs that survive revision,
and the English page (English title and summary, or a notice that the text is Chinese only).
"""

from __future__ import annotations

import datetime
import io
import re

import docx
import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.library import services
from gongkai.library.choices import (
    Art20Category,
    DocumentKind,
    KeyArea,
    RelationKind,
    Topic,
    Validity,
)
from gongkai.library.models import Attachment, Document
from gongkai.library.tests.factories import draft, published


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _publish(document: Document, editor, reviewer) -> Document:
    services.document_submit(document=document, by=editor)
    services.document_confidentiality_review(document=document, by=reviewer, passed=True)
    return services.document_publish(document=document, by=reviewer)


@pytest.fixture
def measures(unit_a, unit_b, editor_a, reviewer_a) -> Document:
    """A published normative document of unit A, issued jointly with unit B, in a key area,
    with an English title and summary."""
    document = services.document_create(
        unit=unit_a,
        by=editor_a,
        data={
            "title": "生态城促进就业若干措施",
            "title_en": "Measures to promote employment in the Eco-City",
            "summary": "就业补贴的条件和标准。",
            "summary_en": "Who can receive employment subsidies and how much.",
            "document_number": "津生管发〔2020〕12号",
            "kind": DocumentKind.NORMATIVE,
            "category": Art20Category.C11,
            "topic": Topic.LABOUR,
            "signed_date": datetime.date(2020, 3, 2),
            "effective_date": datetime.date(2020, 4, 1),
            "valid_until": datetime.date(2025, 3, 31),
            "attribute": "proactive",
            "body": "<p>各单位：现将有关措施印发给你们。</p>",
        },
        co_issuers=[unit_b],
        key_areas=[KeyArea.EMPLOYMENT],
    )
    return _publish(document, editor_a, reviewer_a)


@pytest.fixture
def reading(measures, unit_a, editor_a, reviewer_a) -> Document:
    """The published interpretation of ``measures``."""
    document = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="《生态城促进就业若干措施》政策解读",
        summary="一图读懂就业补贴：谁能申请、补多少、怎么办。",
        kind=DocumentKind.INTERPRETATION,
        document_number="",
    )
    services.relation_add(
        source=document, target=measures, kind=RelationKind.INTERPRETS, by=editor_a
    )
    return document


def _row(html: str, label: str) -> str:
    """The value cell of the metadata-table row headed ``label``."""
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>\s*<td[^>]*>(.*?)</td>', html, re.S)
    assert match is not None, label
    return match.group(1)


# --- The metadata table ---------------------------------------------------------------------


def test_metadata_table_has_the_fields_chinese_portals_use(client, measures):
    """索引号, 发布机构 (issuer and joint issuers), 成文日期, 发布日期, 文号, 主题分类, 有效性,
    有效期至 — and the category, kind and key area — each in a row of its own."""
    html = _html(client.get(measures.get_absolute_url()))

    table = html[html.index('<table class="doc-meta">') : html.index("</table>")]
    assert "<caption>" in table
    assert _row(table, "索引号") == measures.index_number
    issuers = _row(table, "发布机构")
    assert '<a href="/units/JJJ/">经济局</a>' in issuers
    assert '<a href="/units/CZJ/">财政局</a>' in issuers
    assert _row(table, "成文日期") == "2020-03-02"
    assert _row(table, "发布日期") == timezone.localtime(measures.published_at).date().isoformat()
    assert _row(table, "文号") == "津生管发〔2020〕12号"
    assert _row(table, "主题分类") == str(Topic.LABOUR.label)
    assert str(Validity.IN_FORCE.label) in _row(table, "有效性")
    assert _row(table, "有效期至") == "2025-03-31"
    assert _row(table, "施行日期") == "2020-04-01"
    assert _row(table, "公开类别") == str(Art20Category.C11.label)
    assert _row(table, "重点领域") == str(KeyArea.EMPLOYMENT.label)
    # Two-column rows: each value has exactly one row header (WCAG 1.3.1).
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        assert row.count('<th scope="row">') == 1


def test_validity_is_written_out_not_shown_by_colour_alone(client, measures, reviewer_a):
    """The validity cell says the status in words (in force, repealed …)."""
    services.document_set_validity(
        document=measures, by=reviewer_a, validity=Validity.REPEALED, note="废止"
    )

    html = _html(client.get(f"/en{measures.get_absolute_url()}"))

    assert '<span class="validity validity--repealed">repealed</span>' in _row(html, "Validity")
    assert "This document has been repealed." in html


# --- Attachments ----------------------------------------------------------------------------


def test_attachments_show_type_and_human_readable_size(client, measures, reviewer_a):
    """Each attachment shows its type and its size as people read it (1.2 MB, 12.3 KB)."""
    small = services.attachment_add(
        document=measures, by=reviewer_a, file=io.BytesIO(_docx("申请表")), filename="申请表.docx"
    )
    large = services.attachment_add(
        document=measures, by=reviewer_a, file=io.BytesIO(_docx("清单")), filename="清单.docx"
    )
    Attachment.objects.filter(pk=large.pk).update(size=1_258_291)
    url = f"/en{measures.get_absolute_url()}"

    html = _html(client.get(url))

    section = html[html.index('id="attachments"') :]
    assert re.search(
        r"申请表\.docx</a>\s*<span class=\"attachment__info\">\(DOCX, [\d.]+\sKB\)", section
    )
    assert re.search(
        r"清单\.docx</a>\s*<span class=\"attachment__info\">\(DOCX, 1\.2\sMB\)", section
    )
    link = f"{url}attachments/{small.pk}/"
    assert f'<a href="{link}" download>申请表.docx</a>' in section


# --- Interpretations (R-5.3) ----------------------------------------------------------------


def test_interpretation_is_shown_prominently_on_the_interpreted_document(client, measures, reading):
    """The interpreted document's page opens with a box linking its interpretation, with its
    summary, above the metadata table and the body."""
    html = _html(client.get(measures.get_absolute_url()))

    box = html[html.index('class="callout callout--interpretation"') :]
    box = box[: box.index("</aside>")]
    assert "本文件的政策解读" in box
    assert f'<a href="{reading.get_absolute_url()}">《生态城促进就业若干措施》政策解读</a>' in box
    assert "一图读懂就业补贴" in box
    assert html.index("callout--interpretation") < html.index('class="doc-meta"')
    assert html.index("callout--interpretation") < html.index("document__body")


def test_interpretation_page_links_the_document_it_interprets(client, measures, reading):
    """An interpretation's page links, at the top, the document it explains."""
    original = measures.get_absolute_url()

    html = _html(client.get(f"/en{reading.get_absolute_url()}"))

    box = html[html.index('class="callout callout--interprets"') :]
    box = box[: box.index("</aside>")]
    assert "This is an interpretation of" in box
    assert (f'<a href="/en{original}">Measures to promote employment in the Eco-City</a>') in box
    assert "津生管发〔2020〕12号" in box
    assert "callout--interpretation" not in html


def test_unpublished_or_withdrawn_interpretations_are_not_in_the_box(
    client, measures, reading, unit_a, editor_a, reviewer_a
):
    """A draft interpretation is never shown; a withdrawn one leaves the box."""
    pending = draft(unit_a, editor_a, title="尚未发布的解读", kind=DocumentKind.INTERPRETATION)
    services.relation_add(
        source=pending, target=measures, kind=RelationKind.INTERPRETS, by=editor_a
    )
    assert "尚未发布的解读" not in _html(client.get(measures.get_absolute_url()))

    services.document_withdraw(document=reading, by=reviewer_a, reason="内容有误")

    assert "callout--interpretation" not in _html(client.get(measures.get_absolute_url()))


def test_document_without_interpretation_has_no_box(client, measures):
    assert "callout" not in _html(client.get(measures.get_absolute_url()))


# --- Print ----------------------------------------------------------------------------------


def test_print_version_is_a_clean_printable_page(client, measures):
    """?print=1 gives the print version: marked for the print styles, pointing search engines
    at the permanent page, without the print link, with a way back."""
    url = measures.get_absolute_url()

    html = _html(client.get(f"{url}?print=1"))

    assert '<body class="print-view">' in html
    assert f'<link rel="canonical" href="http://testserver{url}">' in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'href="?print=1"' not in html
    assert f'<p class="print-tools"><a href="{url}">' in html
    assert "<p>各单位：现将有关措施印发给你们。</p>" in html
    normal = _html(client.get(url))
    assert 'href="?print=1"' in normal
    assert "noindex" not in normal
    assert "print-tools" not in normal


def test_print_stylesheet_hides_navigation_on_paper(client, measures):
    """Document pages link portal/print.css, whose print rules hide navigation, tools and
    filters and keep the document; the print version applies the same on screen."""
    html = _html(client.get(measures.get_absolute_url()))

    assert re.search(r'<link rel="stylesheet" href="[^"]*portal/print\.css">', html)
    path = finders.find("portal/print.css")
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        css = handle.read()
    print_rules = css[css.index("@media print") :]
    hidden = print_rules[: print_rules.index("display: none")]
    for selector in [".site-nav", ".language-switch", ".breadcrumbs", ".document__tools"]:
        assert selector in hidden, selector
    assert ".print-view .site-nav" in css


# --- Permanent URLs -------------------------------------------------------------------------


def test_url_stays_the_same_when_the_document_is_revised(
    client, measures, unit_a, editor_a, reviewer_a
):
    """Revising a document through the library services keeps its address: a change (with a
    change note) is served at the same URL, and a revising document gets an address of its
    own while the old one stays, with a banner linking the new one."""
    url = measures.get_absolute_url()
    index_number = measures.index_number

    services.document_update(
        document=measures,
        by=reviewer_a,
        changes={"title": "生态城促进就业若干措施（修正）", "body": "<p>修正后的正文。</p>"},
        change_note="更正第三条的补贴标准",
    )
    measures.refresh_from_db()

    assert measures.index_number == index_number
    assert measures.get_absolute_url() == url
    html = _html(client.get(url))
    assert "生态城促进就业若干措施（修正）" in html
    assert "<p>修正后的正文。</p>" in html
    assert "更正第三条的补贴标准" in html

    revision = published(unit_a, editor_a, reviewer_a, title="生态城促进就业若干措施（2024年修订）")
    services.relation_add(
        source=revision, target=measures, kind=RelationKind.REVISES, by=reviewer_a
    )

    assert revision.get_absolute_url() != url
    old = _html(client.get(url))
    assert "notice--superseded" in old
    assert f'<a href="{revision.get_absolute_url()}">' in old
    assert f'href="http://testserver{url}">http://testserver{url}</a>' in old  # the permalink


@pytest.mark.parametrize(
    "path", ["/documents/%00/", "/documents/JJJ/11-2020-00001%00/", "/en/documents/<b>/"]
)
def test_address_that_cannot_be_an_index_number_is_not_found(client, measures, path):
    """Junk in a document address answers 404 (PostgreSQL would refuse a NUL: never a 500)."""
    assert client.get(path).status_code == 404


# --- English --------------------------------------------------------------------------------


def test_english_page_shows_the_english_title_and_summary(client, measures):
    """Under /en/ a document with an English version shows its English title and summary,
    and says the full text is in Chinese; the Chinese body is marked lang="zh-Hans"."""
    html = _html(client.get(f"/en{measures.get_absolute_url()}"))

    assert '<h1 id="document-title">Measures to promote employment in the Eco-City</h1>' in html
    assert "<p>Who can receive employment subsidies and how much.</p>" in html
    assert "The full text of this document is in Chinese." in html
    assert "available in Chinese only" not in html
    assert '<div class="document__body prose" lang="zh-Hans">' in html
    assert "<title>Measures to promote employment in the Eco-City ·" in html


def test_english_page_of_a_chinese_only_document_says_so(client, unit_a, editor_a, reviewer_a):
    """Under /en/ a document without an English title says it is available in Chinese only,
    and its Chinese title and summary carry lang="zh-Hans"."""
    document = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="关于做好春节期间安全生产的通知",
        summary="节日安全要求。",
    )

    url = document.get_absolute_url()

    html = _html(client.get(f"/en{url}"))

    assert "This document is available in Chinese only." in html
    assert '<h1 id="document-title" lang="zh-Hans">关于做好春节期间安全生产的通知</h1>' in html
    assert '<p lang="zh-Hans">节日安全要求。</p>' in html
    zh = _html(client.get(url))
    assert "本文件仅有中文版本" not in zh
    assert "notice--language" not in zh


# --- Queries --------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_document_page_queries_do_not_grow_with_interpretations_issuers_and_areas(
    client, measures, unit_a, unit_b, editor_a, reviewer_a, django_assert_max_num_queries
):
    """The page makes a fixed number of queries however many interpretations, relations,
    attachments, joint issuers and key areas the document has: the seven prepared reads of
    library.selectors.public_document (a field they do not load would add one)."""
    url = f"/en{measures.get_absolute_url()}"
    few = _queries(client, url)
    for i in range(4):
        other = published(
            unit_a, editor_a, reviewer_a, title=f"解读{i}", kind=DocumentKind.INTERPRETATION
        )
        services.relation_add(
            source=other, target=measures, kind=RelationKind.INTERPRETS, by=editor_a
        )
        services.attachment_add(
            document=measures,
            by=reviewer_a,
            file=io.BytesIO(_docx(f"附件{i}")),
            filename=f"附件{i}.docx",
        )
    services.document_update(
        document=measures,
        by=reviewer_a,
        changes={},
        key_areas=list(KeyArea.values),
        co_issuers=[unit_b],
        change_note="补充重点领域",
    )

    assert _queries(client, url) == few
    with django_assert_max_num_queries(7):
        client.get(url)


# --- In a real browser: print media ---------------------------------------------------------


@pytest.mark.browser
def test_printing_shows_the_document_without_navigation(
    page, live_server, transactional_db, make_user
):
    """Printed (print media), a document page hides the navigation and the print link and
    keeps the metadata and the body; the print version looks the same on screen."""
    from gongkai.units.models import Unit, UnitKind

    unit = Unit.objects.create(
        code="JJJ", name_zh="经济局", name_en="Economic Bureau", kind=UnitKind.DEPARTMENT
    )
    editor = make_user("print-editor", unit, Role.EDITOR)
    reviewer = make_user("print-reviewer", unit, Role.REVIEWER)
    document = published(unit, editor, reviewer, title="打印测试文件")
    url = f"{live_server.url}{document.get_absolute_url()}"

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)
    assert page.locator(".site-nav").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".document__tools").is_visible()
    assert page.locator(".doc-meta").is_visible()
    assert page.locator(".document__body").is_visible()

    page.emulate_media(media="screen")
    page.goto(f"{url}?print=1")
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".breadcrumbs").is_visible()
    assert page.locator(".print-tools").is_visible()
    assert page.locator(".document__body").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
