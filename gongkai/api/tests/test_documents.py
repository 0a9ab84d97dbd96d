"""The documents API (issue #4 §4; R-5.1; Regulation Art. 24): published government
information as open data, read-only."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.api.tests.conftest import Library, cst, docx_bytes, set_published_at
from gongkai.library import services
from gongkai.library.choices import KeyArea, RelationKind
from gongkai.library.models import Document
from gongkai.library.tests.factories import draft, published

LIST = "/api/v1/documents"


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def _detail(document: Document) -> str:
    return f"/api/v1/documents/{document.pk}"


def _by_index(document: Document) -> str:
    return f"/api/v1/documents/by-index/{document.index_number}"


# --- The list ---------------------------------------------------------------------------------


def test_list_shows_published_documents_newest_first(client, library: Library):
    """Published documents are listed by publication time, newest first; the withdrawn
    document and the draft are not."""
    response = client.get(LIST)

    assert _titles(response) == [
        library.plan.title,
        library.reading.title,
        library.measures.title,
        library.old_measures.title,
    ]
    body = response.json()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (4, 1, 20, 1)
    assert body["next"] is None
    assert body["previous"] is None


def test_list_item_carries_the_catalogue_fields(client, library: Library):
    """Each item has the stable glossary field names, absolute portal and API addresses."""
    items = client.get(LIST).json()["items"]
    item = next(i for i in items if i["id"] == library.measures.pk)

    assert item == {
        "id": library.measures.pk,
        "index_number": "JJJ/11-2020-00001",
        "title": "生态城促进就业若干措施",
        "title_en": "Measures to promote employment in the Eco-City",
        "summary": "就业补贴的条件和标准。",
        "summary_en": "Conditions and amounts of employment subsidies.",
        "document_number": "津生管发[2020]12号",
        "unit": {"code": "JJJ", "name_zh": "经济局", "name_en": "JJJ Bureau"},
        "co_issuers": [{"code": "CZJ", "name_zh": "财政局", "name_en": "CZJ Bureau"}],
        "kind": "normative",
        "category": "11",
        "topic": "labour",
        "key_areas": ["employment"],
        "signed_date": "2020-03-02",
        "published_at": "2020-03-10T04:00:00Z",
        "effective_date": "2020-04-01",
        "valid_until": "2025-03-31",
        "validity": "in_force",
        "url": "http://testserver/documents/JJJ/11-2020-00001/",
        "api_url": f"http://testserver/api/v1/documents/{library.measures.pk}",
    }
    plan = next(i for i in items if i["id"] == library.plan.pk)
    assert plan["category"] == "07"
    reading = next(i for i in items if i["id"] == library.reading.pk)
    assert reading["topic"] is None
    assert reading["key_areas"] == []


def test_addresses_stay_chinese_whatever_language_the_client_asks(client, library: Library):
    """The portal addresses are the permanent ones (no /en/), even for an English client."""
    item = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["items"][0]

    assert item["url"] == f"http://testserver/documents/{library.plan.index_number}/"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # issued alone or jointly: B issued the plan and, with A, the measures
        ("unit=CZJ", ["plan", "measures"]),
        ("unit=JJJ", ["reading", "measures", "old_measures"]),
        ("kind=normative", ["measures", "old_measures"]),
        ("kind=interpretation", ["reading"]),
        ("topic=finance", ["plan"]),
        ("category=07", ["plan"]),
        ("category=11", ["reading", "measures", "old_measures"]),
        ("key_area=employment", ["measures"]),
        ("key_area=enrolment", []),
        ("validity=repealed", ["old_measures"]),
        ("in_force=true", ["plan", "reading", "measures"]),
        ("in_force=false", ["old_measures"]),
        ("year=2020", ["reading", "measures"]),
        ("year=2019", ["old_measures"]),
        # document numbers in any bracket form, with or without 第 and leading zeros
        ("document_number=津生管发〔2020〕12号", ["measures"]),
        ("document_number=津生管发（2020）第012号", ["measures"]),
        ("document_number=津生管发【2019】7号", ["old_measures"]),
        ("document_number=津生管发〔2020〕13号", []),
        ("unit=JJJ&kind=normative&in_force=true", ["measures"]),
    ],
)
def test_list_filters(client, library: Library, query, expected):
    """Each filter narrows the list as documented; filters combine with AND."""
    titles = _titles(client.get(f"{LIST}?{query}"))

    assert titles == [getattr(library, name).title for name in expected]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # bounds are whole days in China Standard Time, both inclusive
        ("published_after=2020-03-10", ["plan", "reading", "measures"]),
        ("published_after=2020-03-11", ["plan", "reading"]),
        ("published_before=2020-03-10", ["measures", "old_measures"]),
        ("published_before=2020-03-09", ["old_measures"]),
        ("published_after=2020-01-01&published_before=2020-12-31", ["reading", "measures"]),
        ("published_after=2020-03-10&published_before=2020-03-10", ["measures"]),
        ("published_after=0001-01-01&published_before=9999-12-31", None),
    ],
)
def test_list_filters_by_publication_day(client, library: Library, query, expected):
    """published_after and published_before take whole days in China Standard Time."""
    titles = _titles(client.get(f"{LIST}?{query}"))

    if expected is None:
        assert len(titles) == 4
    else:
        assert titles == [getattr(library, name).title for name in expected]


def test_publication_day_is_the_day_in_china(client, library: Library):
    """A document published at 00:30 CST (16:30 UTC the day before) belongs to the CST day."""
    set_published_at(library.plan, cst(2021, 6, 1, hour=0) + datetime.timedelta(minutes=30))

    assert library.plan.title in _titles(client.get(f"{LIST}?published_after=2021-06-01"))
    assert library.plan.title not in _titles(client.get(f"{LIST}?published_before=2021-05-31"))


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("-published_at", ["plan", "reading", "measures", "old_measures"]),
        ("published_at", ["old_measures", "measures", "reading", "plan"]),
        ("-signed_date", ["plan", "reading", "measures", "old_measures"]),
        ("signed_date", ["old_measures", "measures", "reading", "plan"]),
    ],
)
def test_list_order(client, library: Library, order, expected):
    """order sorts by publication time or signed date, either way."""
    set_published_at(library.reading, cst(2022, 1, 1))  # so that the two orders differ
    if order.endswith("published_at"):
        expected = [name for name in expected if name != "reading"]
        expected = ["reading", *expected] if order.startswith("-") else [*expected, "reading"]

    titles = _titles(client.get(f"{LIST}?order={order}"))

    assert titles == [getattr(library, name).title for name in expected]


def test_documents_without_signed_date_come_last_either_way(
    client, library: Library, unit_a, editor_a, reviewer_a
):
    """Documents without a signed date (imported ones may lack it) sort after the dated
    ones in both directions."""
    undated = published(unit_a, editor_a, reviewer_a, title="无成文日期的通知")
    Document.objects.filter(pk=undated.pk).update(signed_date=None)

    for order in ("signed_date", "-signed_date"):
        titles = _titles(client.get(f"{LIST}?order={order}"))
        assert titles[-1] == undated.title, order


# --- Pages --------------------------------------------------------------------------------------


def test_pages_link_to_each_other_and_keep_the_filters(client, library: Library):
    """page_size 2 gives two pages; next and previous are absolute and keep the filters."""
    first = client.get(f"{LIST}?page_size=2&in_force=true").json()

    assert (first["count"], first["pages"], len(first["items"])) == (3, 2, 2)
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/documents?page_size=2&in_force=true&page=2"

    second = client.get(first["next"]).json()
    assert [i["title"] for i in second["items"]] == [library.measures.title]
    assert second["page"] == 2
    assert second["next"] is None
    assert second["previous"] == (
        "http://testserver/api/v1/documents?page_size=2&in_force=true&page=1"
    )


def test_page_past_the_last_is_404_with_a_clear_message(client, library: Library):
    """Asking for a page after the last gives 404 naming the last page."""
    response = client.get(f"{LIST}?page_size=2&page=3")

    assert response.status_code == 404
    assert "There is no page 3: the last page is 2." in response.json()["detail"]


def test_nothing_found_is_an_empty_first_page(client, library: Library):
    """A filter nothing matches gives page 1 of 1, empty — not an error."""
    body = client.get(f"{LIST}?key_area=enrolment").json()

    assert body == {
        "count": 0,
        "page": 1,
        "page_size": 20,
        "pages": 1,
        "next": None,
        "previous": None,
        "items": [],
    }


# --- Refused requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("unit=NOPE", "unit", "没有使用该代码的单位。 / There is no unit with this code."),
        ("kind=law", "kind", "'rule', 'normative'"),
        ("topic=weather", "topic", "'general', 'economy'"),
        ("category=16", "category", "'01', '02'"),
        ("key_area=sport", "key_area", "'employment'"),
        ("validity=dead", "validity", "'in_force'"),
        ("order=title", "order", "'-published_at', 'published_at'"),
        ("in_force=maybe", "in_force", "Enter true or false."),
        ("year=1800", "year", "Enter a number of at least 1949."),
        ("year=twenty", "year", "请输入整数。 / Enter a whole number."),
        ("page=0", "page", "Enter a number of at least 1."),
        ("page_size=101", "page_size", "Enter a number of at most 100."),
        ("published_after=2020-02-30", "published_after", "Enter a date as YYYY-MM-DD."),
        ("published_before=0", "published_before", "Enter a date as YYYY-MM-DD."),
        ("document_number=" + "号" * 101, "document_number", "Enter at most 100 characters."),
        (
            "published_after=2021-01-01&published_before=2020-12-31",
            "published_before",
            "This date is earlier than published_after.",
        ),
        ("unti=JJJ", "unti", "This parameter is unknown."),
        ("document_number=%00", "document_number", "not allowed"),
    ],
)
def test_bad_parameters_are_422_with_the_field_error(
    client, library: Library, query, field, message
):
    """An unknown or malformed value, or an unknown parameter, is refused with 422 naming
    the parameter — never ignored, never a server error."""
    response = client.get(f"{LIST}?{query}")

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "提交的数据有误。 / The data sent is not valid."
    assert list(body["errors"]) == [field]
    assert message in body["errors"][field][0]


# --- One document ----------------------------------------------------------------------------


def test_detail_gives_everything_public(client, library: Library):
    """The detail has the list's fields plus state, body, attachments, relations, history."""
    response = client.get(_detail(library.measures))

    assert response.status_code == 200
    body = response.json()
    assert body["index_number"] == "JJJ/11-2020-00001"
    assert body["co_issuers"] == [{"code": "CZJ", "name_zh": "财政局", "name_en": "CZJ Bureau"}]
    assert body["state"] == "published"
    assert body["withdrawn_reason"] == ""
    assert body["body_html"] == "<p>各单位：现将有关措施印发给你们。</p>"
    assert body["body_text"] == "各单位：现将有关措施印发给你们。"
    attachment = library.attachment
    assert body["attachments"] == [
        {
            "name": "申请表.docx",
            "type": "docx",
            "size": attachment.size,
            "url": f"http://testserver/documents/JJJ/11-2020-00001/attachments/{attachment.pk}/",
        }
    ]
    assert body["relations"] == [
        {
            "kind": "repeals",
            "direction": "outgoing",
            "document": {
                "id": library.old_measures.pk,
                "index_number": library.old_measures.index_number,
                "title": "生态城就业补贴暂行办法",
                "url": f"http://testserver/documents/{library.old_measures.index_number}/",
            },
        },
        {
            "kind": "interprets",
            "direction": "incoming",
            "document": {
                "id": library.reading.pk,
                "index_number": library.reading.index_number,
                "title": library.reading.title,
                "url": f"http://testserver/documents/{library.reading.index_number}/",
            },
        },
    ]
    assert [(h["kind"], h["note"]) for h in body["history"]] == [("first_published", "")]
    assert body["url"] == "http://testserver/documents/JJJ/11-2020-00001/"


def test_attachment_url_downloads_the_file(client, library: Library):
    """The attachment's url is the portal's download, which serves the file."""
    url = client.get(_detail(library.measures)).json()["attachments"][0]["url"]

    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == library.attachment.file.open("rb").read()


def test_detail_by_index_number_is_the_same_document(client, library: Library):
    """/documents/by-index/<index number> (with its slashes) gives the same JSON as by id."""
    by_index = client.get(_by_index(library.measures))

    assert by_index.status_code == 200
    assert by_index.json() == client.get(_detail(library.measures)).json()


def test_repealed_document_shows_what_repealed_it(client, library: Library):
    """The repealed document's relations name the repealing one, as incoming."""
    body = client.get(_detail(library.old_measures)).json()

    assert body["validity"] == "repealed"
    assert [(r["kind"], r["direction"], r["document"]["id"]) for r in body["relations"]] == [
        ("repeals", "incoming", library.measures.pk)
    ]


def test_withdrawn_document_is_readable_with_its_reason(client, library: Library):
    """A withdrawn document is not listed, but its detail stays, with state and reason."""
    assert library.withdrawn.title not in _titles(client.get(LIST))

    body = client.get(_detail(library.withdrawn)).json()

    assert body["state"] == "withdrawn"
    assert body["withdrawn_reason"] == "内容有误，重新发布"
    assert [(h["kind"], h["note"]) for h in body["history"]] == [
        ("first_published", ""),
        ("withdrawn", "内容有误，重新发布"),
    ]


def test_history_shows_change_notes_in_order(client, library: Library, reviewer_a):
    """A change note after publication appears in the history after the first publication."""
    services.document_update(
        document=Document.objects.get(pk=library.measures.pk),
        by=reviewer_a,
        changes={"summary": "更新后的摘要。"},
        change_note="更正补贴标准",
    )

    body = client.get(_detail(library.measures)).json()

    assert body["summary"] == "更新后的摘要。"
    assert [(h["kind"], h["note"]) for h in body["history"]] == [
        ("first_published", ""),
        ("changed", "更正补贴标准"),
    ]


@pytest.mark.parametrize("state", ["draft", "in_review", "scheduled"])
def test_unpublished_documents_are_not_found(client, unit_a, editor_a, reviewer_a, state):
    """Drafts, documents in review and scheduled ones are 404 — with the very message an
    id that does not exist gets, so that their existence is not revealed."""
    document = draft(unit_a, editor_a)
    if state != "draft":
        services.document_submit(document=document, by=editor_a)
    if state == "scheduled":
        services.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
        services.document_publish(
            document=document, by=reviewer_a, publish_at=timezone.now() + datetime.timedelta(days=1)
        )
    document.refresh_from_db()
    assert document.state == state
    unknown = client.get("/api/v1/documents/999999")

    for url in (_detail(document), _by_index(document)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == unknown.json()
        assert document.title not in response.content.decode()
    assert "There is no published document" in unknown.json()["detail"]
    assert client.get(LIST).json()["count"] == 0


def test_relation_to_a_draft_is_not_revealed(client, library: Library):
    """A draft that will repeal a published document does not appear in its relations."""
    services.relation_add(
        source=library.draft,
        target=library.plan,
        kind=RelationKind.REPEALS,
        by=None,
        check=False,
    )

    body = client.get(_detail(library.plan)).json()

    assert body["relations"] == []
    assert library.draft.title not in str(body)


def test_body_is_sanitised_even_if_stored_unsafe(client, library: Library):
    """A body written past the services (raw SQL, an old import) is sanitised on the way out."""
    Document.objects.filter(pk=library.plan.pk).update(
        body='<p onclick="x()">预算</p><script>alert(1)</script><a href="javascript:x()">链接</a>'
    )

    body_html = client.get(_detail(library.plan)).json()["body_html"]

    assert "<script" not in body_html
    assert "onclick" not in body_html
    assert "javascript:" not in body_html
    assert "<p>预算</p>" in body_html


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/by-index/JJJ/11-2020-99999",
        "/api/v1/documents/by-index/JJJ%0A11",
        "/api/v1/documents/by-index/JJJ%0011",
        "/api/v1/documents/9223372036854775807",
        "/api/v1/documents/1/2",
        "/api/v1/nothing-here",
        "/api/v1/nothing%0Ahere",
    ],
)
def test_unknown_addresses_are_json_404(client, library: Library, path):
    """Unknown documents and addresses under /api/v1/ answer with the API's JSON 404 (not
    the portal's HTML page), line breaks and NUL characters included."""
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["detail"]


def test_non_numeric_or_huge_id_is_422(client, db):
    """An id that is not a whole number in range is a parameter error, not a server error."""
    for value in ("abc", "0", "-1", "9223372036854775808", "1.5"):
        response = client.get(f"/api/v1/documents/{value}")
        assert response.status_code == 422, value
        assert list(response.json()["errors"]) == ["id"]


# --- Query counts ----------------------------------------------------------------------------


@pytest.fixture
def many_documents(library: Library, unit_a, unit_b, editor_a, reviewer_a) -> None:
    """110 more published documents, each with a joint issuer and two key areas."""
    for i in range(110):
        document = services.document_create(
            unit=unit_a,
            by=editor_a,
            data={
                "title": f"第{i}号通知",
                "kind": "notice",
                "category": "11",
                "signed_date": datetime.date(2022, 1, 1),
                "attribute": "proactive",
                "body": "<p>通知。</p>",
            },
            co_issuers=[unit_b],
            key_areas=[KeyArea.EMPLOYMENT, KeyArea.MEDICAL],
        )
        services.document_submit(document=document, by=editor_a)
        services.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
        services.document_publish(document=document, by=reviewer_a)


@pytest.mark.parametrize("query", ["", "unit=CZJ&key_area=employment&order=signed_date"])
def test_list_queries_do_not_grow_with_the_page_size(
    client, many_documents, django_assert_max_num_queries, query
):
    """A page of 100 takes as many queries as a page of 5 (no query per document)."""
    counts = []
    for page_size in (5, 100):
        with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as queries:
            response = client.get(f"{LIST}?page_size={page_size}&{query}")
        assert response.status_code == 200
        assert len(response.json()["items"]) == page_size
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_detail_queries_are_bounded(
    client, library: Library, unit_a, editor_a, reviewer_a, django_assert_max_num_queries
):
    """The detail takes the same few queries however many attachments and relations."""
    for i in range(5):
        services.attachment_add(
            document=library.measures,
            by=reviewer_a,
            file=io.BytesIO(docx_bytes(f"附件{i}")),
            filename=f"附件{i}.docx",
        )
        other = published(unit_a, editor_a, reviewer_a, title=f"依据文件{i}")
        services.relation_add(
            source=library.measures, target=other, kind=RelationKind.BASED_ON, by=reviewer_a
        )

    for url in (_detail(library.measures), _by_index(library.measures)):
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.json()["attachments"]) == 6
        assert len(response.json()["relations"]) == 7


# --- The schema ----------------------------------------------------------------------------


def test_openapi_declares_the_documents_operations_and_their_errors(client, db):
    """The schema lists the three read operations with their 404 and 422 answers."""
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]

    assert set(paths["/api/v1/documents"]) == {"get"}
    assert set(paths["/api/v1/documents/{id}"]) == {"get"}
    assert set(paths["/api/v1/documents/by-index/{index_number}"]) == {"get"}
    for path in paths.values():
        for operation in path.values():
            if operation.get("parameters"):
                assert "422" in operation["responses"], operation["operationId"]
    assert "404" in paths["/api/v1/documents/{id}"]["get"]["responses"]
    assert "/api/v1/documents/by-index/JJJ/11-2020-00001" in schema["info"]["description"]
    kind = next(p for p in paths["/api/v1/documents"]["get"]["parameters"] if p["name"] == "kind")
    assert "interpretation" in kind["schema"]["enum"]

