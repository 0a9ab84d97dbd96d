"""Every public page and API endpoint makes a bounded number of SQL queries, whatever the
number of documents, relations, attachments and units (issue #4, Speed: query counts).

Each URL is fetched twice: with a small library and after the library has grown several
times over (more documents per page, more relations, co-issuers, key areas, attachments and
change notes on the documents shown). The number of queries must not grow.
"""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.library import services as library
from gongkai.library.choices import KeyArea, RelationKind
from gongkai.library.tests.factories import published
from gongkai.library.tests.test_attachments import make_pdf
from gongkai.search.indexer import index_pending

pytestmark = pytest.mark.django_db


def _grow(unit_a, unit_b, staff, count: int, start: int) -> list:
    documents = []
    for i in range(start, start + count):
        document = published(
            unit_a,
            staff,
            staff,
            title=f"关于住房保障工作的通知第{i}号",
            document_number=f"津生管发〔2020〕{100 + i}号",
            key_areas=[KeyArea.HOUSING_EXPROPRIATION, KeyArea.EMPLOYMENT],
            topic="construction",
        )
        library.document_update(
            document=document,
            by=staff,
            changes={"summary": f"摘要{i}"},
            co_issuers=[unit_b],
            change_note="补充摘要",
        )
        library.attachment_add(
            document=document,
            by=staff,
            file=io.BytesIO(make_pdf([f"Annex {i}"])),
            filename=f"附件{i}.pdf",
        )
        documents.append(document)
    for older, newer in zip(documents, documents[1:], strict=False):
        library.relation_add(source=newer, target=older, kind=RelationKind.BASED_ON, by=staff)
    index_pending()
    return documents


def _urls(documents) -> dict[str, str]:
    first = documents[0]
    return {
        "home": "/",
        "home_en": "/en/",
        "units": "/units/",
        "unit": "/units/JJJ/",
        "documents": "/documents/",
        "documents_filtered": "/documents/?unit=JJJ&in_force=on",
        "document": first.get_absolute_url(),
        "document_en": "/en" + first.get_absolute_url(),
        "document_print": first.get_absolute_url() + "?print=1",
        "catalogue": "/catalogue/",
        "campaigns": "/campaigns/",
        "search": "/search/?q=住房",
        "search_filtered": "/search/?q=住房&unit=JJJ&area=employment",
        "search_empty": "/search/?q=",
        "api_units": "/api/v1/units",
        "requests": "/requests/",
        "requests_apply": "/requests/apply/",
        "requests_track": "/requests/track/",
        "annual_reports": "/column/annual-reports/",
        "unit_annual_reports": "/units/JJJ/column/annual-reports/",
        "api_annual_reports": "/api/v1/annual-reports",
    }


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def test_public_pages_make_the_same_number_of_queries_for_small_and_large_libraries(
    client, unit_a, unit_b, office_admin, settings
):
    settings.GONGKAI_PAGE_CACHE = False  # measure the pages, not the cache
    documents = _grow(unit_a, unit_b, office_admin, 3, 0)
    urls = _urls(documents)
    small = {name: _count(client, url) for name, url in urls.items()}
    _grow(unit_a, unit_b, office_admin, 27, 3)
    large = {name: _count(client, url) for name, url in urls.items()}
    grown = {name: (small[name], large[name]) for name in urls if large[name] > small[name]}
    assert not grown, f"queries grew with the library (small, large): {grown}"
