"""The search API (issue #4 §3, §4): the portal's full-text search as JSON, read-only."""

from __future__ import annotations

import datetime
import shutil

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.api.search import _highlights
from gongkai.api.tests.conftest import cst, set_published_at
from gongkai.library import services
from gongkai.library.choices import DocumentKind, KeyArea, Topic
from gongkai.library.models import Document
from gongkai.library.tests.factories import published
from gongkai.search import engine
from gongkai.search.indexer import index_pending
from gongkai.search.models import SearchMiss

SEARCH = "/api/v1/search"


@pytest.fixture
def staff(office_admin):
    """Office staff may draft, review and publish for every unit."""
    return office_admin


@pytest.fixture
def corpus(unit_a, unit_b, staff):
    docs = {
        "fund": published(
            unit_a,
            staff,
            staff,
            title="关于住房公积金缴存的管理办法",
            document_number="津生管发〔2020〕12号",
            kind=DocumentKind.NORMATIVE,
            topic=Topic.CONSTRUCTION,
            valid_until=datetime.date(2024, 12, 31),
            body="<p>住房公积金缴存比例为百分之十二。职工个人缴存部分由单位代扣。</p>",
            key_areas=[KeyArea.HOUSING_EXPROPRIATION],
        ),
        "subsidy": published(
            unit_a,
            staff,
            staff,
            title="住房补贴发放通知",
            document_number="津生管发〔2020〕13号",
            body="<p>住房补贴每月发放。依据津生管发〔2020〕12号执行。</p>",
        ),
        "tax": published(
            unit_b,
            staff,
            staff,
            title="关于减免小微企业税费的通知",
            document_number="津生财发〔2021〕3号",
            topic=Topic.FINANCE,
            signed_date=datetime.date(2021, 5, 6),
            title_en="Notice on tax relief for small and micro enterprises",
            summary_en="Taxes and fees are reduced for small businesses.",
            body="<p>对小微企业减征增值税。</p>",
        ),
    }
    # published on three different days, the tax notice last
    for day, name in enumerate(("fund", "subsidy", "tax"), start=1):
        set_published_at(docs[name], cst(2022, 3, day))
    index_pending()
    return docs


def _search(client, query: str = "", **params) -> dict:
    response = client.get(f"{SEARCH}?{query}", params)
    assert response.status_code == 200, response.content
    return response.json()


def _titles(body: dict) -> list[str]:
    return [item["title"] for item in body["items"]]


def test_search_finds_documents_with_snippet_and_highlights(client, corpus):
    """A word finds the document; the result has the catalogue fields, a score, a plain
    snippet and the offsets of the matched word in it."""
    body = _search(client, q="缴存比例")

    assert _titles(body) == ["关于住房公积金缴存的管理办法"]
    item = body["items"][0]
    assert item["index_number"] == corpus["fund"].index_number
    assert item["unit"] == {"code": "JJJ", "name_zh": "经济局", "name_en": "JJJ Bureau"}
    assert item["key_areas"] == ["housing_expropriation"]
    assert item["url"] == f"http://testserver/documents/{corpus['fund'].index_number}/"
    assert item["score"] > 0
    assert "<" not in item["snippet"]
    assert item["highlights"]
    marked = [item["snippet"][start:end] for start, end in item["highlights"]]
    assert marked[0] == "缴存比例"
    assert set(marked) <= {"缴存比例", "缴存", "比例"}
    assert (body["count"], body["page"], body["pages"], body["sort"]) == (1, 1, 1, "relevance")
    assert body["partial"] is False
    assert body["fallback"] is False
    assert body["suggestions"] == []


def test_document_number_in_another_bracket_form_finds_the_document(client, corpus):
    """A document number typed with other brackets finds the document first."""
    body = _search(client, q="津生管发[2020]12号")

    assert _titles(body)[0] == "关于住房公积金缴存的管理办法"


def test_english_words_find_the_english_title(client, corpus):
    """English words search the English title and summary."""
    assert _titles(_search(client, q="tax relief")) == ["关于减免小微企业税费的通知"]


def test_filters_narrow_the_results(client, corpus):
    """unit, kind, topic, year, key_area and in_force narrow the search as they do the list."""
    assert _titles(_search(client, q="住房", kind="normative")) == ["关于住房公积金缴存的管理办法"]
    assert _titles(_search(client, q="住房", unit="CZJ")) == []
    assert _titles(_search(client, topic="finance")) == ["关于减免小微企业税费的通知"]
    assert _titles(_search(client, year="2021")) == ["关于减免小微企业税费的通知"]
    assert _titles(_search(client, key_area="housing_expropriation")) == [
        "关于住房公积金缴存的管理办法"
    ]
    assert len(_search(client, in_force="true")["items"]) == 3
    assert _search(client, in_force="false")["items"] == []
    # in_force contradicting validity leaves nothing (not everything)
    assert _search(client, in_force="true", validity="repealed")["items"] == []


def test_filters_that_leave_nothing_give_the_unfiltered_count(client, corpus):
    """When the filters leave nothing, count_without_filters says what there is without them."""
    body = _search(client, q="税费", unit="JJJ")

    assert body["count"] == 0
    assert body["count_without_filters"] == 1


def test_facets_count_results_with_labels_in_both_languages(client, corpus):
    """Facets give each value with its Chinese and English name and its count."""
    facets = _search(client, q="")["facets"]

    assert facets["unit"] == [
        {"value": "JJJ", "label": "经济局", "label_en": "JJJ Bureau", "count": 2},
        {"value": "CZJ", "label": "财政局", "label_en": "CZJ Bureau", "count": 1},
    ]
    normative = {
        "value": "normative",
        "label": "行政规范性文件",
        "label_en": "normative document",
        "count": 1,
    }
    assert normative in facets["kind"]
    assert [f["value"] for f in facets["year"]] == ["2021", "2020"]
    assert [f["value"] for f in facets["key_area"]] == ["housing_expropriation"]
    assert set(facets) == {"unit", "year", "kind", "topic", "validity", "key_area", "category"}


def test_empty_query_lists_everything_newest_first(client, corpus):
    """Without words every published document is listed, newest published first."""
    body = _search(client)

    assert body["sort"] == "date"
    assert _titles(body) == [
        "关于减免小微企业税费的通知",
        "住房补贴发放通知",
        "关于住房公积金缴存的管理办法",
    ]


def test_typo_gets_suggestions_and_the_api_logs_nothing(client, corpus):
    """A query that finds nothing proposes corrected queries that do; the read-only API does
    not write to the miss log (the portal's search page does)."""
    body = _search(client, q="公基金")

    assert "公积金" in body["suggestions"]
    assert not SearchMiss.objects.exists()


def test_withdrawn_document_is_not_found_even_before_reindexing(client, corpus, staff):
    """A document withdrawn after indexing is dropped from the results at once."""
    services.document_withdraw(document=corpus["subsidy"], by=staff, reason="政策调整")

    assert "住房补贴发放通知" not in _titles(_search(client, q="住房补贴"))


def test_without_an_index_the_database_answers(client, corpus, settings):
    """With the index lost, titles are still searched in the database; fallback says so."""
    shutil.rmtree(settings.GONGKAI_SEARCH_DIR)
    engine.READER.reset()

    body = _search(client, q="公积金")

    assert body["fallback"] is True
    assert _titles(body) == ["关于住房公积金缴存的管理办法"]
    assert all(values == [] for values in body["facets"].values())


def test_pages_and_the_page_after_the_last(client, corpus):
    """page_size 2 gives two pages linked by next and previous; page 3 is 404."""
    first = _search(client, page_size="2")
    assert (first["count"], first["pages"]) == (3, 2)
    assert first["next"] == "http://testserver/api/v1/search?page_size=2&page=2"

    second = client.get(first["next"]).json()
    assert len(second["items"]) == 1
    assert second["previous"] == "http://testserver/api/v1/search?page_size=2&page=1"

    response = client.get(f"{SEARCH}?page_size=2&page=3")
    assert response.status_code == 404
    assert "the last page is 2" in response.json()["detail"]


def test_huge_page_number_is_404_not_a_crash(client, corpus):
    """A page far past the first 1,000 results is refused before the engine is asked: the
    engine would reserve memory for every result before it and abort the process."""
    for page in ("101", "1000000000000", "10" * 20):
        response = client.get(f"{SEARCH}?page={page}")
        assert response.status_code == 404
        assert "the last page is 1" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("unit=NOPE", "unit"),
        ("kind=law", "kind"),
        ("sort=title", "sort"),
        ("page_size=101", "page_size"),
        ("published_after=2020-01-01", "published_after"),  # the list's, not the search's
        ("q=%00", "q"),
        ("q=" + "字" * 1001, "q"),
    ],
)
def test_bad_parameters_are_422(client, corpus, query, field):
    """Unknown or malformed parameters are refused with 422 naming the parameter."""
    response = client.get(f"{SEARCH}?{query}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_long_query_is_cut_and_says_so(client, corpus):
    """Only the first 100 characters are searched; query_truncated tells the client."""
    body = _search(client, q="公积金 " + "x" * 200)

    assert body["query_truncated"] is True
    assert len(body["query"]) == 100


def test_highlights_are_offsets_in_the_plain_snippet():
    """The offsets count characters of the unescaped text, entities included as one."""
    assert _highlights("a&lt;b <mark>住房</mark> c <mark>x&amp;y</mark>") == [[4, 6], [9, 12]]
    assert _highlights("nothing marked") == []


def test_search_queries_do_not_grow_with_the_page_size(
    client, unit_a, unit_b, staff, django_assert_max_num_queries
):
    """A page of 100 results takes as many queries as a page of 5."""
    for i in range(105):
        services.document_create(
            unit=unit_a,
            by=staff,
            data={
                "title": f"关于住房保障的第{i}号通知",
                "kind": "notice",
                "category": "11",
                "signed_date": datetime.date(2022, 1, 1),
                "attribute": "proactive",
                "body": "<p>住房保障。</p>",
            },
            co_issuers=[unit_b],
            key_areas=[KeyArea.EMPLOYMENT],
        )
    for document in Document.objects.all():
        services.document_submit(document=document, by=staff)
        services.document_confidentiality_review(document=document, by=staff, passed=True)
        services.document_publish(document=document, by=staff)
    index_pending()

    counts = []
    for page_size in (5, 100):
        with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
            body = _search(client, q="住房保障", unit="JJJ", page_size=str(page_size))
        assert len(body["items"]) == page_size
        counts.append(len(queries))

    assert counts[0] == counts[1]
