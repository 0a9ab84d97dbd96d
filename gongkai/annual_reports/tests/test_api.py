"""``/api/v1/annual-reports`` (issue #6 §5): the published reports only, as their public
data (no ids), every row and column with its official label; filters checked with 422 in
both languages; 404 for anything not published."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.accounts.models import Role
from gongkai.annual_reports import selectors, services
from gongkai.annual_reports.demo import publish_report
from gongkai.annual_reports.tests import test_public as shared

# The fixtures of the public pages' tests (a published 2025 report of 经济局 and the
# government's), and their helpers.
people = shared.people
published = shared.published
answer, received = shared.answer, shared.received

D = datetime.date
ID_KEYS = {"requests", "documents", "cases", "requests_added", "requests_missing"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_list_has_the_published_reports(client, published, unit_b, make_user):
    officer_b = make_user("officer-b-api", unit_b, Role.DISCLOSURE_OFFICER)
    services.report_open(unit=unit_b, year=2025, by=officer_b)  # a draft: not listed
    body = client.get("/api/v1/annual-reports").json()
    assert body["count"] == 2
    government, unit = body["items"]
    assert government["unit"] is None
    assert government["year"] == 2025
    assert government["url"].endswith("/annual-reports/2025/")
    assert government["api_url"].endswith("/api/v1/annual-reports/2025")
    assert unit["unit"] == {"code": "JJJ", "name": "经济局"}
    assert unit["downloads"]["pdf"].endswith("/annual-reports/2025/JJJ/report.pdf")
    assert unit["published_at"]
    assert unit["corrected"] is False


def test_links_are_the_permanent_addresses_whatever_the_language(client, published):
    body = client.get("/api/v1/annual-reports/2025/JJJ", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["url"].endswith("/annual-reports/2025/JJJ/")
    assert "/en/" not in body["url"]
    assert "/en/" not in body["downloads"]["docx"]


def test_the_list_filters(client, published):
    assert client.get("/api/v1/annual-reports?year=2025").json()["count"] == 2
    assert client.get("/api/v1/annual-reports?year=2024").json()["count"] == 0
    only = client.get("/api/v1/annual-reports?unit=JJJ").json()
    assert [item["unit"]["code"] for item in only["items"]] == ["JJJ"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("unit=NOPE", "unit"),
        ("unit=jjj%00", "unit"),
        ("year=twenty", "year"),
        ("year=1999", "year"),
        ("unti=JJJ", "unti"),
    ],
)
def test_bad_filters_are_refused_in_both_languages(client, published, query, field):
    response = client.get(f"/api/v1/annual-reports?{query}")
    assert response.status_code == 422
    body = response.json()
    assert field in body["errors"]
    assert " / " in body["detail"]


def test_a_report_is_its_published_public_data(client, published, unit_a, people):
    report, _government = published
    officer, head = people
    # Records changed after publishing do not change the published report.
    answer(received(unit_a, officer, D(2025, 5, 5)), officer, head, D(2025, 5, 9))
    body = client.get("/api/v1/annual-reports/2025/JJJ").json()
    public = selectors.public_data(report.published_data)
    assert body["requests_table"] == public["requests_table"]
    assert body["review_table"] == public["review_table"]
    assert body["proactive_table"] == public["proactive_table"]
    assert body["sections"] == public["sections"]
    assert not _keys(body) & ID_KEYS
    rows = {row["key"]: row for row in body["requests_table"]["rows"]}
    assert rows["new"]["label"] == "一、本年新收政府信息公开申请数量"
    assert rows["new"]["cells"]["total"] == 2
    assert body["requests_table"]["columns"][0] == {"key": "natural_person", "label": "自然人"}
    assert body["unit"] == {"code": "JJJ", "name": "经济局"}
    assert body["scope"] == "unit"
    assert body["url"].endswith("/annual-reports/2025/JJJ/")


def test_the_government_report(client, published):
    body = client.get("/api/v1/annual-reports/2025").json()
    assert body["unit"] is None
    assert body["scope"] == "government"
    assert body["scope_note"] == selectors.GOVERNMENT_NOTE
    assert not _keys(body) & ID_KEYS


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/annual-reports/2024",
        "/api/v1/annual-reports/2024/JJJ",
        "/api/v1/annual-reports/2025/CZJ",
        "/api/v1/annual-reports/2025/NOPE",
        "/api/v1/annual-reports/2025/jjj",
    ],
)
def test_not_published_is_404(client, published, unit_b, make_user, url):
    officer_b = make_user("officer-b-404", unit_b, Role.DISCLOSURE_OFFICER)
    services.report_open(unit=unit_b, year=2025, by=officer_b)
    response = client.get(url)
    assert response.status_code == 404
    assert "There is no published annual report" in response.json()["detail"]


def test_a_year_out_of_range_is_422(client, published):
    assert client.get("/api/v1/annual-reports/1999").status_code == 422
    assert client.get("/api/v1/annual-reports/2025?x=1").status_code == 422


def test_the_list_makes_a_fixed_number_of_queries(client, published, unit_b, make_user):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/annual-reports").status_code == 200
        return len(queries)

    before = count()
    officer = make_user("officer-b-qc", unit_b, Role.DISCLOSURE_OFFICER)
    head = make_user("head-b-qc", unit_b, Role.DISCLOSURE_HEAD)
    publish_report(unit=unit_b, year=2025, editor=officer, reviewer=head)
    assert count() == before
