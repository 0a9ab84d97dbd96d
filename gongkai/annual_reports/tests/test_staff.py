"""The back office of annual reports (issue #6 §1, §3, §4, §6, §7), through HTTP with the
Django test client: who sees and does what, each workflow step through its form, stale and
invalid edits, the checks and the chain on the page, the drill-down behind a cell (exactly
its records, no personal data, in a bounded number of queries), the Office's overview and
the downloads."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from gongkai.accounts.models import Role
from gongkai.annual_reports import services
from gongkai.annual_reports.models import AnnualReport, ReportState
from gongkai.annual_reports.tests.test_services import _answer, _past_tables, _received
from gongkai.disclosure_requests.models import DisclosureRequest

D = datetime.date
STALE = "Someone else has just changed this report"
pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def officer_a(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def head_a(make_user, unit_a):
    return make_user("head-a", unit_a, Role.DISCLOSURE_HEAD)


@pytest.fixture
def officer_b(make_user, unit_b):
    return make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER)


def _url(name: str, scope: str = "JJJ", year: int = 2025, *more) -> str:
    return reverse(f"annual_reports_staff:{name}", args=[scope, year, *more])


def _as(client, user):
    client.force_login(user)
    return client


def _open(unit, officer, year=2025) -> AnnualReport:
    return services.report_open(unit=unit, year=year, by=officer)


def _edit_data(report: AnnualReport, **changes) -> dict:
    data = {
        "version": report.version,
        "overview": report.overview,
        "problems": report.problems,
        "other_matters": report.other_matters,
        "licensing_decisions": report.licensing_decisions,
        "penalty_decisions": report.penalty_decisions,
        "enforcement_decisions": report.enforcement_decisions,
        "charges_amount": report.charges_amount,
    }
    data.update(changes)
    return data


def _ids(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'class="cell-item" data-id="(\d+)"', response.text)}


# --- Who sees what --------------------------------------------------------------------------


def test_the_list_shows_the_reports_of_the_users_units_only(
    client, unit_a, unit_b, officer_a, officer_b, office_admin
):
    """A unit's officer sees their unit's reports; the Office sees every unit's and the
    government's."""
    _open(unit_a, officer_a)
    _open(unit_b, officer_b)
    services.report_open(unit=None, year=2025, by=office_admin)
    page = _as(client, officer_a).get(reverse("annual_reports_staff:list"))
    assert page.status_code == 200
    assert 'data-scope="JJJ"' in page.text
    assert 'data-scope="CZJ"' not in page.text
    assert 'data-scope="government"' not in page.text
    assert '<option value="JJJ">' in page.text  # may open a year of their unit
    page = _as(client, office_admin).get(reverse("annual_reports_staff:list"))
    for scope in ("JJJ", "CZJ", "government"):
        assert f'data-scope="{scope}"' in page.text


def test_another_units_staff_and_an_editor_are_refused(
    client, unit_a, officer_a, officer_b, editor_a
):
    """Pages, drill-down and actions of unit A are refused to B's officer and to A's editor
    (no annual-report role); nothing changes."""
    report = _open(unit_a, officer_a)
    for user in (officer_b, editor_a):
        c = _as(client, user)
        assert c.get(_url("report")).status_code == 403
        assert c.get(_url("cell", "JJJ", 2025, "requests", "new", "total")).status_code == 403
        assert c.get(_url("download", "JJJ", 2025, "json")).status_code == 403
        response = c.post(_url("edit"), _edit_data(report, problems="改了"))
        assert response.status_code == 403
        assert "denied" in response.text
        assert c.post(_url("review"), {"review-version": report.version}).status_code == 403
        response = c.post(reverse("annual_reports_staff:open"), {"scope": "JJJ", "year": 2024})
        assert response.status_code == 403
        assert c.get(reverse("annual_reports_staff:overview")).status_code == 403
    report.refresh_from_db()
    assert report.problems == ""
    assert report.state == ReportState.DRAFT
    assert not AnnualReport.objects.filter(year=2024).exists()
    # The government's report is the Office's.
    assert _as(client, officer_a).get(_url("report", "government")).status_code == 403
    assert _as(client, officer_a).get(_url("report", "NOPE")).status_code == 404


# --- Opening and editing ----------------------------------------------------------------------


def test_the_officer_opens_and_edits_the_report(client, unit_a, officer_a, head_a):
    """A report not opened shows its computed figures and the Open button; opening makes
    the draft with section 一 pre-filled; the edit form saves texts and figures."""
    request = _received(unit_a, officer_a, D(2025, 3, 3))
    _answer(request, officer_a, head_a, D(2025, 3, 20))
    c = _as(client, officer_a)
    page = c.get(_url("report"))
    assert page.status_code == 200
    assert 'id="open-report"' in page.text
    response = c.post(reverse("annual_reports_staff:open"), {"scope": "JJJ", "year": 2025})
    assert response.status_code == 302
    assert response["Location"] == _url("report")
    report = AnnualReport.objects.get(unit=unit_a, year=2025)
    page = c.get(_url("report"))
    assert "本年新收政府信息公开申请 1 件" in page.text
    assert 'id="edit-form"' in page.text
    response = c.post(
        _url("edit"),
        _edit_data(report, problems="人员不足。", licensing_decisions="12", charges_amount="1.5"),
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.problems == "人员不足。"
    assert report.licensing_decisions == 12
    assert str(report.charges_amount) == "1.5000"
    page = c.get(_url("report"))
    assert 'data-cell="decisions-licensing">12<' in page.text


def test_invalid_figures_are_shown_in_both_languages_and_nothing_is_saved(
    client, unit_a, officer_a
):
    report = _open(unit_a, officer_a)
    response = _as(client, officer_a).post(
        _url("edit"),
        _edit_data(report, problems="新的文字", licensing_decisions="十二", charges_amount="-3"),
    )
    assert response.status_code == 200
    assert 'id="edit-error"' in response.text
    assert "应为整数" in response.text
    assert "enter a whole number" in response.text
    assert "enter an amount from 0" in response.text
    assert "新的文字" in response.text
    assert 'value="十二"' in response.text
    report.refresh_from_db()
    assert report.problems == ""
    assert report.licensing_decisions == 0


def test_a_stale_edit_says_someone_else_changed_the_report(client, unit_a, officer_a, head_a):
    report = _open(unit_a, officer_a)
    old = report.version
    services.report_update(report=report, by=head_a, version=old, problems="先改的")
    response = _as(client, officer_a).post(_url("edit"), _edit_data(report, problems="后改的"))
    assert response.status_code == 200
    assert STALE in response.text
    assert "此年度报告刚被其他人修改过" in response.text
    assert "后改的" in response.text
    report.refresh_from_db()
    assert report.problems == "先改的"
    # The form now carries the latest version: sending it again saves.
    assert f'name="version" value="{report.version}"' in response.text


def test_the_governments_report_has_texts_only(client, unit_a, office_admin):
    services.report_open(unit=None, year=2025, by=office_admin)
    page = _as(client, office_admin).get(_url("report", "government"))
    assert page.status_code == 200
    assert 'name="problems"' in page.text
    assert 'name="licensing_decisions"' not in page.text


# --- Workflow ----------------------------------------------------------------------------------


def test_review_publish_reopen_and_return_through_their_forms(client, unit_a, officer_a, head_a):
    """Each step is shown only to who may take it and is a POST with the version."""
    report = _open(unit_a, officer_a)
    officer, head = _as(client, officer_a), None
    page = officer.get(_url("report"))
    assert 'id="action-review"' not in page.text  # the officer does not review
    response = officer.post(_url("review"), {"review-version": report.version})
    assert response.status_code == 403
    head = client.__class__()
    head.force_login(head_a)
    page = head.get(_url("report"))
    assert 'id="action-review"' in page.text
    assert 'id="action-publish"' not in page.text
    assert head.post(_url("review"), {"review-version": report.version}).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.REVIEWED
    # The officer returns it without a reason: refused, in both languages.
    response = officer.post(_url("return"), {"return-version": report.version, "return-reason": ""})
    assert response.status_code == 200
    assert "请说明理由" in response.text
    assert "Give the reason" in response.text
    page = officer.get(_url("report"))
    assert 'id="action-publish"' in page.text
    assert officer.post(_url("publish"), {"publish-version": report.version}).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.PUBLISHED
    assert report.published_data
    page = officer.get(_url("report"))
    assert 'id="frozen-note"' in page.text
    assert 'id="edit-form"' not in page.text
    assert 'id="action-reopen"' not in page.text  # reopening is the head's
    response = head.post(
        _url("reopen"), {"reopen-version": report.version, "reopen-reason": "表三数据更正"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT
    assert report.correction_note == "表三数据更正"
    page = officer.get(_url("report"))
    assert 'id="correction-note"' in page.text
    assert 'id="edit-form"' in page.text
    # The officer corrects it, the head reviews it again, then returns it with a reason.
    officer.post(_url("edit"), _edit_data(report, problems="更正后的说明"))
    report.refresh_from_db()
    assert head.post(_url("review"), {"review-version": report.version}).status_code == 302
    report.refresh_from_db()
    response = head.post(
        _url("return"), {"return-version": report.version, "return-reason": "请补充第五部分"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT


def test_a_stale_workflow_step_is_refused(client, unit_a, officer_a, head_a):
    report = _open(unit_a, officer_a)
    services.report_update(report=report, by=officer_a, problems="x")
    response = _as(client, head_a).post(_url("review"), {"review-version": report.version})
    assert response.status_code == 200
    assert STALE in response.text
    assert 'id="action-error"' in response.text
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT


def test_failed_checks_and_the_chain_are_listed_and_block_review(client, unit_a, officer_a, head_a):
    """Last year (imported) carried 1 request forward, this year carries none over: the
    chain difference names the cell, and the review is refused with that message."""
    services.report_import_past_year(
        unit=unit_a, year=2024, tables_data=_past_tables(carried_forward=1), by=officer_a
    )
    report = _open(unit_a, officer_a)
    page = _as(client, head_a).get(_url("report"))
    assert 'id="check-failures"' in page.text
    assert escape("二、上年结转政府信息公开申请数量 / 自然人") in page.text
    assert 'id="chain-differences"' in page.text
    response = client.post(_url("review"), {"review-version": report.version})
    assert response.status_code == 200
    assert "核对未通过" in response.text
    assert "a check failed" in response.text
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT


def test_the_chain_links_the_requests_that_make_the_difference(client, unit_a, officer_a, head_a):
    """2024 published with a request carried forward; the request's receipt date is moved
    into 2025 afterwards: the 2025 report links that request as the difference."""
    request = _received(unit_a, officer_a, D(2024, 12, 20))
    last = _open(unit_a, officer_a, 2024)
    services.report_review(report=last, by=head_a)
    services.report_publish(report=last, by=officer_a)
    DisclosureRequest.objects.filter(pk=request.pk).update(received_on=D(2025, 1, 3))
    page = _as(client, officer_a).get(_url("report"))
    assert 'id="chain-differences"' in page.text
    detail = reverse("requests_staff:detail", args=[request.tracking_number])
    assert f'href="{detail}"' in page.text


# --- Drill-down ---------------------------------------------------------------------------------


def _requests(unit, officer, head, n):
    made = []
    for i in range(n):
        request = _received(unit, officer, D(2025, 2, 1 + i))
        _answer(request, officer, head, D(2025, 3, 1 + i))
        made.append(request)
    return made


def test_the_drill_down_lists_exactly_the_requests_of_the_cell(
    client, unit_a, unit_b, officer_a, head_a, make_user, django_assert_max_num_queries
):
    """The 总计 of "new" and of "disclosed" list the year's requests, with their tracking
    numbers linked, and no personal data; the number of queries does not grow."""
    made = _requests(unit_a, officer_a, head_a, 2)
    open_one = _received(unit_a, officer_a, D(2025, 12, 20))  # carried forward
    officer_b = make_user("officer-b2", unit_b, Role.DISCLOSURE_OFFICER)
    _received(unit_b, officer_b, D(2025, 5, 5))  # another unit's
    c = _as(client, officer_a)
    page = c.get(_url("report"))
    cell = _url("cell", "JJJ", 2025, "requests", "new", "total")
    assert f'href="{cell}"' in page.text
    with django_assert_max_num_queries(60) as few:
        response = c.get(cell)
    bound = len(few)
    assert _ids(response) == {r.pk for r in [*made, open_one]}
    assert reverse("requests_staff:detail", args=[made[0].tracking_number]) in response.text
    assert made[0].applicant_name not in response.text  # the applicant's name is not shown
    response = c.get(_url("cell", "JJJ", 2025, "requests", "carried_forward", "total"))
    assert _ids(response) == {open_one.pk}
    _requests(unit_a, officer_a, head_a, 6)
    with django_assert_max_num_queries(bound):
        response = c.get(cell)
    assert len(_ids(response)) == 9
    # A cell that does not exist.
    assert c.get(_url("cell", "JJJ", 2025, "requests", "nope", "total")).status_code == 404


def test_the_government_drill_down_is_the_offices(client, unit_a, officer_a, head_a, office_admin):
    made = _requests(unit_a, officer_a, head_a, 1)
    cell = _url("cell", "government", 2025, "requests", "disclosed", "total")
    assert _as(client, officer_a).get(cell).status_code == 403
    response = _as(client, office_admin).get(cell)
    assert response.status_code == 200
    assert _ids(response) == {made[0].pk}


def test_a_published_report_drills_down_to_its_frozen_records(client, unit_a, officer_a, head_a):
    """After publishing, the cell lists the requests frozen with the report even if one is
    changed later."""
    made = _requests(unit_a, officer_a, head_a, 2)
    report = _open(unit_a, officer_a)
    services.report_review(report=report, by=head_a)
    services.report_publish(report=report, by=officer_a)
    DisclosureRequest.objects.filter(pk=made[0].pk).update(received_on=D(2026, 1, 5))
    response = _as(client, officer_a).get(_url("cell", "JJJ", 2025, "requests", "new", "total"))
    assert _ids(response) == {r.pk for r in made}


# --- The Office's overview ----------------------------------------------------------------------


def test_the_office_overview_shows_every_unit_and_the_government(
    client, unit_a, unit_b, officer_a, head_a, office_admin
):
    report = _open(unit_a, officer_a)
    services.report_review(report=report, by=head_a)
    services.report_publish(report=report, by=officer_a)
    page = _as(client, office_admin).get(reverse("annual_reports_staff:overview"))
    assert page.status_code == 200
    rows = dict(re.findall(r'data-scope="(\w+)">(.*?)</tr>', page.text, re.S))
    assert set(rows) >= {"JJJ", "CZJ", "WB", "government"}
    # Published on 2026-12-07, long after 31 January: late. 财政局 never opened: overdue.
    assert "2026-12-07" in rows["JJJ"]
    assert "gk-bad" in rows["JJJ"]
    assert "2026-01-31" in rows["CZJ"]
    assert "gk-bad" in rows["CZJ"]
    assert "2026-03-31" in rows["government"]
    page = _as(client, office_admin).get(reverse("annual_reports_staff:overview") + "?year=2026")
    assert "2027-01-31" in page.text
    assert "2027-03-31" in page.text


# --- Downloads ----------------------------------------------------------------------------------


def test_the_report_downloads_as_json_and_html(client, unit_a, officer_a, head_a):
    made = _requests(unit_a, officer_a, head_a, 1)
    _open(unit_a, officer_a)
    c = _as(client, officer_a)
    response = c.get(_url("download", "JJJ", 2025, "json"))
    assert response.status_code == 200
    data = json.loads(response.content)
    new = next(r for r in data["requests_table"]["rows"] if r["key"] == "new")
    assert new["requests"]["total"] == [made[0].pk]  # the staff's version has the ids
    response = c.get(_url("download", "JJJ", 2025, "html"))
    assert response.status_code == 200
    assert "年度报告" in response.content.decode()
    assert c.get(_url("download", "JJJ", 2025, "exe")).status_code == 404
    for fmt, magic in (("xlsx", b"PK"), ("docx", b"PK"), ("pdf", b"%PDF")):
        response = c.get(_url("download", "JJJ", 2025, fmt))
        assert response.status_code == 200
        assert response.content.startswith(magic)
        assert f"JJJ-2025-annual-report.{fmt}" in response["Content-Disposition"]


# --- Past-year import ---------------------------------------------------------------------------


def _upload(c, unit, year, content: bytes, name="report.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return c.post(
        reverse("annual_reports_staff:import"),
        {"unit": unit.pk, "year": year, "file": SimpleUploadedFile(name, content)},
    )


def test_a_past_year_is_previewed_then_imported(client, unit_a, officer_a):
    """The blank template, filled (here: a 2024 report exported with one request carried
    forward), is previewed with its tables and checks, then imported on confirmation."""
    from gongkai.annual_reports import render, selectors

    c = _as(client, officer_a)
    page = c.get(reverse("annual_reports_staff:import"))
    assert page.status_code == 200
    template = c.get(reverse("annual_reports_staff:import_template") + "?unit=JJJ&year=2024")
    assert template.status_code == 200
    assert template.content[:2] == b"PK"
    data = selectors.report_data(year=2024, unit=unit_a, live=True)
    for row in data["requests_table"]["rows"]:
        if row["key"] in ("new", "carried_forward"):
            row["cells"]["natural_person"] = row["cells"]["total"] = 1
    response = _upload(c, unit_a, 2024, render.report_xlsx(data))
    assert response.status_code == 200
    assert 'id="preview-passed"' in response.text
    assert 'data-cell="requests-carried_forward-total">1<' in response.text
    assert not AnnualReport.objects.exists()  # the preview imports nothing
    token = re.search(r'name="token" value="([^"]+)"', response.text).group(1)
    response = c.post(reverse("annual_reports_staff:import_confirm"), {"token": token})
    assert response.status_code == 302
    assert response["Location"] == _url("report", "JJJ", 2024)
    report = AnnualReport.objects.get(unit=unit_a, year=2024)
    assert report.source == "imported"
    assert report.state == ReportState.PUBLISHED
    assert report.imported_tables["requests"]["carried_forward"]["total"] == 1


def test_a_bad_file_or_bad_tables_are_explained_and_nothing_is_imported(
    client, unit_a, unit_b, officer_a, editor_a
):
    from gongkai.annual_reports import render, selectors

    c = _as(client, officer_a)
    response = _upload(c, unit_a, 2024, b"this is not a workbook")
    assert response.status_code == 200
    assert 'id="import-error"' in response.text
    assert "工作簿" in response.text  # the reader's message, in Chinese
    assert "not a valid XLSX workbook" in response.text  # and in English
    # Tables that do not add up: previewed with the problem, no button to import.
    data = selectors.report_data(year=2024, unit=unit_a, live=True)
    new = next(r for r in data["requests_table"]["rows"] if r["key"] == "new")
    new["cells"]["natural_person"] = new["cells"]["total"] = 2
    response = _upload(c, unit_a, 2024, render.report_xlsx(data))
    assert 'id="preview-problems"' in response.text
    assert 'id="confirm-form"' not in response.text
    # Another unit's file, or a unit the user does not edit.
    response = _upload(c, unit_a, 2024, render.blank_template_xlsx("CZJ", 2024))
    assert "CZJ" in response.text
    assert 'id="import-error"' in response.text
    response = _upload(c, unit_b, 2024, render.blank_template_xlsx("CZJ", 2024))
    assert 'id="import-error"' in response.text
    assert _as(client, editor_a).get(reverse("annual_reports_staff:import")).status_code == 403
    assert not AnnualReport.objects.exists()
