"""Public document pages and lists (issue #3 §3, §4; Regulation Art. 24)."""

from __future__ import annotations

import datetime
import io
import re
from urllib.parse import quote

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.library import services
from gongkai.library.choices import (
    Art20Category,
    DocumentKind,
    PublicationState,
    RelationKind,
    Topic,
)
from gongkai.library.models import Document
from gongkai.library.tests.factories import draft, published


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


def _html(response) -> str:
    return response.content.decode()


def _publish(document: Document, editor, reviewer) -> Document:
    services.document_submit(document=document, by=editor)
    services.document_confidentiality_review(document=document, by=reviewer, passed=True)
    return services.document_publish(document=document, by=reviewer)


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _url(document: Document, language: str = "") -> str:
    prefix = f"/{language}" if language else ""
    return f"{prefix}/documents/{document.index_number}/"


@pytest.fixture
def full_document(unit_a, unit_b, editor_a, reviewer_a) -> Document:
    """A published normative document of unit A, issued jointly with unit B."""
    document = services.document_create(
        unit=unit_a,
        by=editor_a,
        data={
            "title": "生态城促进就业若干措施",
            "title_en": "Measures to promote employment in the Eco-City",
            "summary": "就业补贴的条件和标准。",
            "document_number": "津生管发[2020]12号",
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
    )
    return _publish(document, editor_a, reviewer_a)


# --- The document page --------------------------------------------------------------------


def test_document_url_is_its_index_number(full_document):
    """A document's address is /documents/<index number>/, slash and all, and never changes."""
    assert full_document.index_number == "JJJ/11-2020-00001"
    assert full_document.get_absolute_url() == "/documents/JJJ/11-2020-00001/"


def test_document_page_shows_the_metadata_table(client, full_document):
    """The page carries the metadata table Chinese portals use, with every value."""
    response = client.get(_url(full_document))

    assert response.status_code == 200
    html = _html(response)
    for label, value in [
        ("索引号", "JJJ/11-2020-00001"),
        ("文号", "津生管发[2020]12号"),
        ("成文日期", "2020-03-02"),
        ("施行日期", "2020-04-01"),
        ("有效期至", "2025-03-31"),
        ("发布日期", timezone.localdate().isoformat()),
        ("主题分类", str(Topic.LABOUR.label)),
        ("公开类别", str(Art20Category.C11.label)),
    ]:
        assert re.search(
            rf'<th scope="row">{re.escape(label)}</th>\s*<td>\s*{re.escape(value)}', html
        ), label
    assert re.search(r'<th scope="row">有效性</th>\s*<td><span class="validity', html)
    issuers = html[html.index('class="issuers"') :]
    assert '<a href="/units/JJJ/">经济局</a>' in issuers
    assert '<a href="/units/CZJ/">财政局</a>' in issuers
    assert "<p>各单位：现将有关措施印发给你们。</p>" in html
    assert html.count("<h1") == 1


def test_document_page_in_english_uses_english_labels_and_title(client, full_document):
    """Under /en/ the labels are English and the English title is shown, with the Chinese one."""
    html = _html(client.get(_url(full_document, "en")))

    assert '<html lang="en">' in html
    assert '<h1 id="document-title">Measures to promote employment in the Eco-City</h1>' in html
    assert '<p class="document__other-title" lang="zh-Hans">生态城促进就业若干措施</p>' in html
    for label in [
        "Index number",
        "Issued by",
        "Signed date",
        "Published at",
        "Document number",
        "Topic",
        "Art. 20 category",
        "Validity",
        "Valid until",
        "Effective date",
    ]:
        assert f'<th scope="row">{label}</th>' in html, label
    assert "Labour, human resources and social security" in html
    assert '<a href="/en/units/CZJ/">CZJ Bureau</a>' in html
    assert '<div class="document__body prose" lang="zh-Hans">' in html


def test_document_page_lists_attachments_with_type_and_size(client, full_document, reviewer_a):
    """Each attachment is listed with its type and size and a download link."""
    data = _docx("就业补贴申请表")
    attachment = services.attachment_add(
        document=full_document, by=reviewer_a, file=io.BytesIO(data), filename="申请表.docx"
    )

    html = _html(client.get(_url(full_document)))

    link = f"/documents/JJJ/11-2020-00001/attachments/{attachment.pk}/"
    assert f'<a href="{link}" download>申请表.docx</a>' in html
    assert re.search(r"\(DOCX, [0-9.,]+\s*(KB|字节|bytes)\)", html)


def test_attachment_downloads_with_its_original_name(client, full_document, reviewer_a):
    """The download sends the file itself, as an attachment named as it was uploaded."""
    data = _docx("就业补贴申请表")
    attachment = services.attachment_add(
        document=full_document, by=reviewer_a, file=io.BytesIO(data), filename="申请表.docx"
    )

    response = client.get(f"{_url(full_document)}attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert quote("申请表.docx") in disposition


def test_attachment_of_another_document_is_not_found(
    client, full_document, unit_a, editor_a, reviewer_a
):
    """An attachment is only served under the address of its own document."""
    other = published(unit_a, editor_a, reviewer_a, title="另一文件")
    attachment = services.attachment_add(
        document=other, by=reviewer_a, file=io.BytesIO(_docx("x")), filename="x.docx"
    )

    response = client.get(f"{_url(full_document)}attachments/{attachment.pk}/")

    assert response.status_code == 404


@pytest.mark.parametrize("state", ["draft", "in_review", "scheduled"])
def test_unpublished_documents_and_their_attachments_are_not_found(
    client, unit_a, editor_a, reviewer_a, state
):
    """Drafts, documents in review and scheduled ones answer 404, page and files alike."""
    document = draft(unit_a, editor_a)
    attachment = services.attachment_add(
        document=document, by=editor_a, file=io.BytesIO(_docx("草稿附件")), filename="草稿.docx"
    )
    if state != "draft":
        services.document_submit(document=document, by=editor_a)
    if state == "scheduled":
        services.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
        services.document_publish(
            document=document,
            by=reviewer_a,
            publish_at=timezone.now() + datetime.timedelta(days=1),
        )
    document.refresh_from_db()
    assert document.state == state

    for url in [
        _url(document),
        _url(document, "en"),
        f"{_url(document)}attachments/{attachment.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "草稿附件".encode() not in response.content
    assert document.title not in _html(client.get("/documents/"))


def test_unknown_index_number_is_not_found(client, db):
    """An index number no document has answers with the portal's 404 page."""
    response = client.get("/en/documents/JJJ/11-2020-99999/")

    assert response.status_code == 404
    assert "Page not found" in _html(response)


def test_relations_are_shown_both_ways(client, unit_a, editor_a, reviewer_a):
    """A document lists what it repeals and what it is based on; the other documents list
    what repealed, interprets or was based on them."""
    old = published(unit_a, editor_a, reviewer_a, title="旧办法")
    law = published(unit_a, editor_a, reviewer_a, title="上位文件")
    new = draft(unit_a, editor_a, title="新办法")
    services.relation_add(source=new, target=old, kind=RelationKind.REPEALS, by=editor_a)
    services.relation_add(source=new, target=law, kind=RelationKind.BASED_ON, by=editor_a)
    _publish(new, editor_a, reviewer_a)
    reading = published(
        unit_a, editor_a, reviewer_a, title="新办法的政策解读", kind=DocumentKind.INTERPRETATION
    )
    services.relation_add(source=reading, target=new, kind=RelationKind.INTERPRETS, by=editor_a)

    new_page = _html(client.get(_url(new, "en")))
    section = new_page[new_page.index('id="relations"') :]
    # Titles with no English version are marked as Chinese (WCAG 3.1.2).
    zh = ' lang="zh-Hans"'
    assert re.search(rf'<td>Repeals</td><td><a href="{_url(old, "en")}"{zh}>旧办法</a>', section)
    assert re.search(
        rf'<td>Is based on</td><td><a href="{_url(law, "en")}"{zh}>上位文件</a>', section
    )
    assert re.search(
        rf'<td>Interpreted by</td><td><a href="{_url(reading, "en")}"{zh}>新办法的政策解读</a>',
        section,
    )

    old_page = _html(client.get(_url(old, "en")))
    section = old_page[old_page.index('id="relations"') :]
    assert re.search(
        rf'<td>Repealed by</td><td><a href="{_url(new, "en")}"{zh}>新办法</a>', section
    )
    law_page = _html(client.get(_url(law, "en")))
    assert re.search(rf'<td>Is the basis of</td><td><a href="{_url(new, "en")}"{zh}>', law_page)


def test_relation_to_an_unpublished_document_is_not_shown(client, unit_a, editor_a, reviewer_a):
    """A draft that will repeal a published document is not revealed on its page."""
    old = published(unit_a, editor_a, reviewer_a, title="旧办法")
    new = draft(unit_a, editor_a, title="尚未发布的新办法")
    services.relation_add(source=new, target=old, kind=RelationKind.REPEALS, by=editor_a)

    html = _html(client.get(_url(old)))

    assert "尚未发布的新办法" not in html
    assert new.index_number not in html


def test_repealed_document_carries_a_banner_linking_the_repealing_one(
    client, unit_a, editor_a, reviewer_a
):
    """A repealed document's page opens with a banner naming and linking what repealed it."""
    old = published(unit_a, editor_a, reviewer_a, title="旧办法")
    new = draft(unit_a, editor_a, title="新办法", document_number="津生管发〔2021〕3号")
    services.relation_add(source=new, target=old, kind=RelationKind.REPEALS, by=editor_a)
    _publish(new, editor_a, reviewer_a)

    html = _html(client.get(_url(old, "en")))

    banner = html[html.index('class="notice notice--superseded"') :]
    banner = banner[: banner.index("</div>")]
    assert "This document has been repealed." in banner
    assert (
        f'Repealed by: <a href="{_url(new, "en")}" lang="zh-Hans">新办法</a> '
        '(<span lang="zh-Hans">津生管发〔2021〕3号</span>)'
    ) in banner
    assert html.index("notice--superseded") < html.index('class="doc-meta"')
    assert "notice--superseded" not in _html(client.get(_url(new, "en")))


def test_revised_document_banner_links_the_revising_document(client, unit_a, editor_a, reviewer_a):
    """A revised document's banner says so and links the revising document."""
    old = published(unit_a, editor_a, reviewer_a, title="旧办法")
    new = published(unit_a, editor_a, reviewer_a, title="修订后的办法")
    services.relation_add(source=new, target=old, kind=RelationKind.REVISES, by=reviewer_a)

    html = _html(client.get(_url(old, "en")))

    assert "This document has been revised." in html
    assert f'Revised by: <a href="{_url(new, "en")}" lang="zh-Hans">修订后的办法</a>' in html


def test_expired_document_carries_a_banner_with_its_valid_until_date(
    client, unit_a, editor_a, reviewer_a
):
    """After valid-until the page says that the document expired on that day."""
    document = published(
        unit_a,
        editor_a,
        reviewer_a,
        kind=DocumentKind.NORMATIVE,
        valid_until=datetime.date(2024, 6, 30),
    )
    assert "expired on" not in _html(client.get(_url(document, "en")))

    services.expire_documents(today=datetime.date(2024, 7, 1))

    html = _html(client.get(_url(document, "en")))
    assert "This document expired on 2024-06-30." in html
    assert html.index("notice--expired") < html.index('class="doc-meta"')


def test_withdrawn_document_shows_the_notice_with_its_reason_at_the_top(
    client, full_document, reviewer_a
):
    """A withdrawn document stays public with a notice giving the date and the reason."""
    services.document_withdraw(document=full_document, by=reviewer_a, reason="内容有误，需重新发布")

    response = client.get(_url(full_document, "en"))

    assert response.status_code == 200
    html = _html(response)
    notice = html[html.index('class="notice notice--withdrawn"') :]
    notice = notice[: notice.index("</div>")]
    assert f"This information was withdrawn on {timezone.localdate().isoformat()}." in notice
    assert "内容有误，需重新发布" in notice
    assert html.index("notice--withdrawn") < html.index('class="doc-meta"')
    assert full_document.title not in _html(client.get("/documents/"))


def test_history_shows_first_publication_and_each_change_note(client, full_document, reviewer_a):
    """The history lists "first published" with its date, then each change note with its date."""
    services.document_update(
        document=full_document,
        by=reviewer_a,
        changes={"summary": "补充了补贴标准。"},
        change_note="补充补贴标准",
    )
    today = timezone.localdate().isoformat()

    html = _html(client.get(_url(full_document, "en")))

    history = html[html.index('id="history"') :]
    first = history.index("First published")
    change = history.index("补充补贴标准")
    assert first < change
    assert re.search(
        rf'<time datetime="{today}">{today}</time> <span class="history__label">'
        r"First published</span>",
        history,
    )
    assert re.search(
        rf'<time datetime="{today}">{today}</time> <span class="history__label">'
        r'Changed</span>: <span lang="zh-Hans">补充补贴标准</span>',
        history,
    )

    zh = _html(client.get(_url(full_document)))
    assert "首次发布" in zh[zh.index('id="history"') :]


def test_print_version_and_print_stylesheet(client, full_document):
    """?print=1 gives the page without navigation; the stylesheet has print rules too."""
    html = _html(client.get(_url(full_document) + "?print=1"))
    assert '<body class="print-view">' in html
    assert 'href="?print=1"' in _html(client.get(_url(full_document)))

    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheet is not None
    css = b"".join(client.get(stylesheet.group(1)).streaming_content).decode()
    assert "@media print" in css
    assert ".print-view .site-nav" in css


def test_body_is_sanitised_again_when_shown(client, full_document):
    """Markup that reached the database by another path than the services is not rendered."""
    Document.objects.filter(pk=full_document.pk).update(
        body='<p>正文</p><script>alert(1)</script><img src=x onerror="alert(2)">'
    )

    html = _html(client.get(_url(full_document)))

    assert "<p>正文</p>" in html
    assert "alert(1)" not in html
    assert "onerror" not in html


# --- The list ------------------------------------------------------------------------------


def test_list_shows_published_documents_newest_first(client, unit_a, editor_a, reviewer_a):
    """The list has published documents, newest first; drafts and withdrawn ones are absent."""
    first = published(unit_a, editor_a, reviewer_a, title="第一份文件")
    second = published(unit_a, editor_a, reviewer_a, title="第二份文件")
    Document.objects.filter(pk=first.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=3)
    )
    draft(unit_a, editor_a, title="草稿文件")
    gone = published(unit_a, editor_a, reviewer_a, title="撤销的文件")
    services.document_withdraw(document=gone, by=reviewer_a, reason="重复发布")

    html = _html(client.get("/documents/"))

    assert html.index("第二份文件") < html.index("第一份文件")
    assert f'href="{second.get_absolute_url()}"' in html
    assert "草稿文件" not in html
    assert "撤销的文件" not in html


def test_list_rows_show_unit_number_local_date_and_validity_in_each_language(
    client, unit_a, editor_a, reviewer_a
):
    """Each row of the list (read as narrow rows, portal/rows.py) links the permanent page,
    names the unit, shows the document number, the publication date in the site's time zone
    (Asia/Shanghai: 20:00 UTC is the next day) and the validity in words; in English the
    English title where there is one, else the Chinese title marked lang="zh-Hans"."""
    english = published(
        unit_a, editor_a, reviewer_a, title="就业补贴办法", title_en="Employment subsidies"
    )
    chinese = published(unit_a, editor_a, reviewer_a, title="只有中文标题的文件")
    late_evening = datetime.datetime(2020, 3, 1, 20, 0, tzinfo=datetime.UTC)
    Document.objects.filter(pk=chinese.pk).update(published_at=late_evening)

    zh = _html(client.get("/documents/"))
    en = _html(client.get("/en/documents/"))

    assert f'<a href="/documents/{english.index_number}/">就业补贴办法</a>' in zh
    assert '<time datetime="2020-03-02">2020-03-02</time>' in zh
    assert unit_a.name_zh in zh
    assert english.document_number in zh
    assert '<span class="validity validity--in_force">现行有效</span>' in zh
    assert f'<a href="/en/documents/{english.index_number}/">Employment subsidies</a>' in en
    assert (
        f'<a href="/en/documents/{chinese.index_number}/" lang="zh-Hans">只有中文标题的文件</a>'
        in en
    )
    assert "就业补贴办法" not in en.split("<main")[1]
    assert re.search(r'class="validity validity--\w+">in force<', en)


def test_list_filters_by_unit_kind_and_validity(
    client, unit_a, unit_b, editor_a, reviewer_a, make_user
):
    """The list narrows to one unit (joint issues included), one kind, or documents in force."""
    editor_b = make_user("editor-b", unit_b, Role.EDITOR)
    reviewer_b = make_user("reviewer-b", unit_b, Role.REVIEWER)
    notice = published(unit_a, editor_a, reviewer_a, title="甲局通知", kind=DocumentKind.NOTICE)
    plan = published(unit_a, editor_a, reviewer_a, title="甲局规划", kind=DocumentKind.PLAN)
    other = published(unit_b, editor_b, reviewer_b, title="乙局文件")
    joint = services.document_create(
        unit=unit_b,
        by=editor_b,
        data={
            "title": "乙局与甲局联合发文",
            "kind": DocumentKind.NOTICE,
            "category": "02",
            "signed_date": datetime.date(2021, 1, 4),
            "attribute": "proactive",
        },
        co_issuers=[unit_a],
    )
    _publish(joint, editor_b, reviewer_b)
    services.document_set_validity(document=plan, by=reviewer_a, validity="repealed", note="废止")

    by_unit = _html(client.get("/documents/?unit=JJJ"))
    assert "甲局通知" in by_unit
    assert "乙局与甲局联合发文" in by_unit
    assert "乙局文件" not in by_unit

    by_kind = _html(client.get("/documents/?kind=plan"))
    assert "甲局规划" in by_kind
    assert "甲局通知" not in by_kind

    in_force = _html(client.get("/documents/?in_force=on"))
    assert "甲局通知" in in_force
    assert "甲局规划" not in in_force
    assert notice.title in in_force
    assert other.title in in_force


def test_list_reports_an_unknown_unit_and_lists_everything(client, unit_a, editor_a, reviewer_a):
    """An unknown unit code is reported in the form; the list is not narrowed by it."""
    published(unit_a, editor_a, reviewer_a, title="甲局通知")

    response = client.get("/en/documents/?unit=NOPE")

    assert response.status_code == 200
    html = _html(response)
    assert "There is no unit with this code." in html
    assert "甲局通知" in html


def test_list_is_paginated(client, unit_a, editor_a, reviewer_a):
    """Twenty documents a page; the next page keeps the filters."""
    for i in range(21):
        published(unit_a, editor_a, reviewer_a, title=f"文件{i:02d}")

    first = _html(client.get("/documents/?unit=JJJ"))
    second = _html(client.get("/documents/?unit=JJJ&page=2"))

    assert first.count('class="document-item"') == 20
    assert second.count('class="document-item"') == 1
    assert 'href="?unit=JJJ&amp;page=2"' in first


# --- No N+1 queries ------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _make_published(count: int, unit, editor, reviewer, co_issuer) -> None:
    for i in range(count):
        document = services.document_create(
            unit=unit,
            by=editor,
            data={
                "title": f"批量文件{i}",
                "kind": DocumentKind.NOTICE,
                "category": "02",
                "signed_date": datetime.date(2021, 1, 4),
                "attribute": "proactive",
                "summary": "摘要",
            },
            co_issuers=[co_issuer],
        )
        _publish(document, editor, reviewer)


@pytest.mark.parametrize(
    "url",
    [
        "/documents/",
        "/en/documents/?in_force=on&unit=JJJ",
        "/catalogue/",
        "/en/catalogue/?unit=JJJ",
    ],
)
def test_list_pages_use_the_same_number_of_queries_for_3_or_30_documents(
    client, unit_a, unit_b, editor_a, reviewer_a, url
):
    """The document list and the catalogue make as many queries for 30 documents as for 3."""
    _make_published(3, unit_a, editor_a, reviewer_a, unit_b)
    few = _queries(client, url)

    _make_published(27, unit_a, editor_a, reviewer_a, unit_b)
    many = _queries(client, url)

    assert many == few
    assert many <= 4


def test_document_page_queries_do_not_grow_with_relations_and_attachments(
    client, full_document, unit_a, editor_a, reviewer_a
):
    """A document page makes a constant number of queries, however many links and files."""
    few = _queries(client, _url(full_document))
    for i in range(5):
        other = published(unit_a, editor_a, reviewer_a, title=f"依据{i}")
        services.relation_add(
            source=other, target=full_document, kind=RelationKind.BASED_ON, by=editor_a
        )
        services.attachment_add(
            document=full_document,
            by=reviewer_a,
            file=io.BytesIO(_docx(f"附件{i}")),
            filename=f"附件{i}.docx",
        )

    assert _queries(client, _url(full_document)) == few
    assert PublicationState.PUBLISHED == Document.objects.get(pk=full_document.pk).state
