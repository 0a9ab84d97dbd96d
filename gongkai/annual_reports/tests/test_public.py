"""The public side of the annual reports (issue #6 §5): the report pages, the downloads and
the annual-report column show only published reports, as they were frozen when published,
without the ids behind the cells; drafts, unknown years and units are 404."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.accounts.models import Role
from gongkai.annual_reports import selectors, services
from gongkai.annual_reports.demo import publish_report
from gongkai.annual_reports.tests.test_services import _answer as answer
from gongkai.annual_reports.tests.test_services import _received as received

D = datetime.date


@pytest.fixture
def people(unit_a, make_user):
    return (
        make_user("officer-pub", unit_a, Role.DISCLOSURE_OFFICER),
        make_user("head-pub", unit_a, Role.DISCLOSURE_HEAD),
    )


@pytest.fixture
def published(unit_a, people, office_admin):
    """经济局's 2025 report (two requests: one disclosed, one still open at the year's end)
    and the government's 2025 report, both published."""
    officer, head = people
    answer(received(unit_a, officer, D(2025, 3, 3)), officer, head, D(2025, 3, 20))
    received(unit_a, officer, D(2025, 12, 29))
    report = publish_report(
        unit=unit_a,
        year=2025,
        editor=officer,
        reviewer=head,
        changes={"problems": "解读形式单一。", "licensing_decisions": 12},
    )
    government = publish_report(unit=None, year=2025, editor=office_admin, reviewer=office_admin)
    return report, government


def _cell(html: str, headers: str) -> str:
    match = re.search(rf'<td class="column-table__number" headers="{headers}">([^<]*)</td>', html)
    assert match, headers
    return match.group(1)


def test_a_published_report_shows_its_frozen_figures(client, published, unit_a, people):
    """The page shows the figures frozen at publishing, even after the records change."""
    report, _government = published
    officer, head = people
    # A request answered later in the records (a late correction) does not change the page.
    answer(received(unit_a, officer, D(2025, 6, 2)), officer, head, D(2025, 6, 9))
    live = selectors.report_data(year=2025, unit=unit_a, report=report, live=True)
    assert live["requests_table"]["rows"][0]["cells"]["total"] == 3
    html = client.get("/annual-reports/2025/JJJ/").content.decode()
    frozen = {r["key"]: r["cells"] for r in report.published_data["requests_table"]["rows"]}
    for key in ("new", "disclosed", "results_total", "carried_forward"):
        for column in ("natural_person", "total"):
            headers = f"t3-r-{key} t3-applicants t3-c-{column}"
            assert _cell(html, headers) == str(frozen[key][column])
    assert _cell(html, "t3-r-new t3-applicants t3-c-total") == "2"
    assert _cell(html, "t3-r-carried_forward t3-applicants t3-c-total") == "1"
    assert _cell(html, "table-2b-r0 table-2b-c1") == "12"
    assert "解读形式单一。" in html
    for heading in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert heading in html


def test_the_tables_are_accessible(client, published):
    """Captions, scoped headers, ids for the merged cells and headers on every figure;
    each table scrolls in a focusable, labelled region."""
    html = client.get("/annual-reports/2025/JJJ/").content.decode()
    assert html.count('role="region" tabindex="0" aria-labelledby=') == 5
    assert html.count("<caption") == 5
    assert 'id="t3-organisations" scope="colgroup" colspan="5"' in html
    assert 'id="t4-litigation" scope="colgroup" colspan="10"' in html
    headers = "t4-r-cases t4-litigation t4-g-litigation t4-c-litigation-upheld"
    assert _cell(html, headers) == "0"
    ids = set(re.findall(r' id="([^"]+)"', html))
    for attribute in re.findall(r' headers="([^"]+)"', html):
        assert set(attribute.split()) <= ids, attribute


def test_no_request_ids_leave(client, published, unit_a):
    """The frozen data holds the ids behind the cells (for staff); the page does not."""
    report, _government = published
    ids = [
        pk
        for row in report.published_data["requests_table"]["rows"]
        for column in row["requests"].values()
        for pk in column
    ]
    assert ids
    response = client.get("/annual-reports/2025/JJJ/")
    data = response.context["data"]
    assert "requests" not in data["requests_table"]["rows"][0]
    assert "requests" not in data["fees_collected"]
    assert "cases" not in data["review_table"]["groups"][0]
    assert "documents" not in data["proactive_table"]["rows"][0]
    assert data == selectors.public_data(report.published_data)


def test_the_government_report_has_its_scope_note(client, published):
    html = client.get("/annual-reports/2025/").content.decode()
    assert selectors.GOVERNMENT_NOTE in html
    assert "2025年政府信息公开工作年度报告" in html
    unit_html = client.get("/annual-reports/2025/JJJ/").content.decode()
    assert selectors.GOVERNMENT_NOTE not in unit_html


def test_drafts_unknown_years_and_units_are_not_found(client, published, unit_b, make_user):
    officer_b = make_user("officer-b-pub", unit_b, Role.DISCLOSURE_OFFICER)
    services.report_open(unit=unit_b, year=2025, by=officer_b)
    for url in (
        "/annual-reports/2025/CZJ/",  # a draft
        "/annual-reports/2025/CZJ/report.pdf",
        "/annual-reports/2024/",
        "/annual-reports/2024/JJJ/",
        "/annual-reports/2025/NOPE/",
        "/annual-reports/2025/jjj/",
        "/annual-reports/1999/",
        "/annual-reports/99999/JJJ/",
        "/en/annual-reports/2025/CZJ/",
    ):
        assert client.get(url).status_code == 404, url
    listing = client.get("/column/annual-reports/").content.decode()
    assert "/annual-reports/2025/JJJ/" in listing
    assert "/annual-reports/2025/CZJ/" not in listing
    assert client.get("/units/CZJ/column/annual-reports/").status_code == 200


def test_the_sitemap_lists_published_reports_in_both_languages(
    client, published, unit_b, make_user
):
    """/sitemap-reports.xml has the permanent page of every published report, Chinese and
    English, with the moment it was published; never a draft."""
    officer_b = make_user("officer-b-map", unit_b, Role.DISCLOSURE_OFFICER)
    services.report_open(unit=unit_b, year=2025, by=officer_b)
    body = client.get("/sitemap-reports.xml").content.decode()
    locations = set(re.findall(r"<loc>([^<]+)</loc>", body))
    assert locations == {
        "http://testserver/annual-reports/2025/",
        "http://testserver/en/annual-reports/2025/",
        "http://testserver/annual-reports/2025/JJJ/",
        "http://testserver/en/annual-reports/2025/JJJ/",
    }
    report, _government = published
    assert f"<lastmod>{report.published_at.date().isoformat()}</lastmod>" in body


def test_a_reopened_report_keeps_its_last_published_version(client, published, people):
    report, _government = published
    officer, head = people
    report = services.report_reopen(report=report, by=head, reason="更正表三数据")
    html = client.get("/annual-reports/2025/JJJ/").content.decode()
    assert "更正表三数据" not in html  # the correction is not published yet
    assert _cell(html, "t3-r-new t3-applicants t3-c-total") == "2"
    report = services.report_update(report=report, by=officer, problems="已更正。")
    report = services.report_review(report=report, by=head)
    services.report_publish(report=report, by=officer)
    html = client.get("/annual-reports/2025/JJJ/").content.decode()
    assert "更正表三数据" in html
    assert "已更正。" in html


def test_the_column_lists_reports_by_year_then_library_documents(client, published):
    html = client.get("/column/annual-reports/").content.decode()
    government = html.index('href="/annual-reports/2025/"')
    unit = html.index('href="/annual-reports/2025/JJJ/"')
    assert government < unit
    assert "2025年度报告" in html
    unit_column = client.get("/units/JJJ/column/annual-reports/").content.decode()
    assert 'href="/annual-reports/2025/JJJ/"' in unit_column
    assert 'href="/annual-reports/2025/"' not in unit_column


def test_the_english_page_says_the_report_is_in_chinese(client, published):
    html = client.get("/en/annual-reports/2025/JJJ/").content.decode()
    assert "This report is available in Chinese only." in html
    assert 'class="annual-report__body" lang="zh-Hans"' in html
    assert "Download this report" in html
    assert 'href="/en/units/JJJ/column/annual-reports/"' in html
    english_column = client.get("/en/column/annual-reports/").content.decode()
    assert "Reports published on this platform" in english_column


def test_downloads_link_to_every_format_and_the_api(client, published):
    html = client.get("/annual-reports/2025/JJJ/").content.decode()
    for fmt in ("docx", "pdf", "xlsx"):
        assert f'href="/annual-reports/2025/JJJ/report.{fmt}"' in html
    assert "/api/v1/annual-reports/2025/JJJ" in html


@pytest.mark.parametrize(("fmt", "magic"), [("docx", b"PK"), ("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_downloads_are_the_published_report(client, published, fmt, magic):
    response = client.get(f"/annual-reports/2025/JJJ/report.{fmt}")
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert "attachment;" in response["Content-Disposition"]
    government = client.get(f"/annual-reports/2025/report.{fmt}")
    assert government.status_code == 200


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_query_counts_do_not_grow_with_the_number_of_reports(
    client, published, settings, unit_b, make_user
):
    settings.GONGKAI_PAGE_CACHE = False
    urls = ["/column/annual-reports/", "/annual-reports/2025/JJJ/", "/annual-reports/2025/"]
    before = {url: _queries(client, url) for url in urls}
    officer = make_user("officer-b-q", unit_b, Role.DISCLOSURE_OFFICER)
    head = make_user("head-b-q", unit_b, Role.DISCLOSURE_HEAD)
    publish_report(unit=unit_b, year=2025, editor=officer, reviewer=head)
    after = {url: _queries(client, url) for url in urls}
    assert after == before
    assert max(after.values()) <= 12, after
