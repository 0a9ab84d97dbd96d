"""The annual report's workflow, entered figures, checks that block publishing, the chain to
last year and imported past years (issue #6 §1, §3, §6, §7)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.accounts.permissions import AccessDenied
from gongkai.annual_reports import selectors, services
from gongkai.annual_reports.models import AnnualReport, ReportSource, ReportState
from gongkai.annual_reports.tables import COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, ROWS
from gongkai.core.models import AuditEntry
from gongkai.disclosure_requests import services as request_services
from gongkai.disclosure_requests.choices import Outcome
from gongkai.disclosure_requests.models import DisclosureRequest, Reply
from gongkai.disclosure_requests.tests import factories

pytestmark = pytest.mark.usefixtures("frozen_today")

D = datetime.date
AFTER_YEAR = D(2027, 1, 5)


@pytest.fixture
def people(unit_a, make_user):
    """The unit's disclosure officer (drafts, publishes) and head (reviews)."""
    return (
        make_user("officer-ar", unit_a, Role.DISCLOSURE_OFFICER),
        make_user("head-ar", unit_a, Role.DISCLOSURE_HEAD),
    )


def _received(unit, officer, day, **overrides):
    """A request received on ``day`` (test setup: the services accept receipt dates up to a
    year back, so the request is registered today and its date set afterwards; browser tests
    use this with the real clock)."""
    request = factories.received(unit, officer, timezone.localdate(), **overrides)
    DisclosureRequest.objects.filter(pk=request.pk).update(received_on=day)
    request.refresh_from_db()
    return request


def _answer(request, officer, head, day, outcome=Outcome.DISCLOSED):
    """Answer ``request`` with a letter dated ``day``."""
    reply = request_services.reply_draft(
        request=request, by=officer, outcome=outcome, data={"information_text": "见附件"}
    )
    reply = request_services.reply_approve(reply=reply, by=head)
    reply = request_services.reply_issue(reply=reply, by=officer, issued_on=timezone.localdate())
    Reply.objects.filter(pk=reply.pk).update(issued_on=day)
    return reply


def _past_tables(carried_forward: int = 0, new: int = 3) -> dict:
    """A whole, consistent past year: ``new`` requests, all but ``carried_forward``
    disclosed, from natural persons."""
    requests = {row: {column: 0 for column, _l in COLUMNS} for row, _l in ROWS}
    for column in ("natural_person", "total"):
        requests["new"][column] = new
        requests["disclosed"][column] = new - carried_forward
        requests["results_total"][column] = new - carried_forward
        requests["carried_forward"][column] = carried_forward
    review = {group: {column: 0 for column, _l in REVIEW_COLUMNS} for group, _l in REVIEW_GROUPS}
    review["review"]["upheld"] = 1
    review["review"]["total"] = 1
    return {
        "proactive": {
            "rule": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative": {"issued": 0, "repealed": 0, "in_force": 0},
        },
        "requests": requests,
        "review": review,
        "fees_collected": "0",
    }


def test_a_new_report_is_a_draft_with_the_overview_prefilled(unit_a, people):
    """Opening a year's report makes a draft whose section 一 states the year's figures;
    opening it again returns the same report."""
    officer, head = people
    request = _received(unit_a, officer, D(2025, 3, 3))
    _answer(request, officer, head, D(2025, 3, 20))
    report = services.report_open(unit=unit_a, year=2025, by=officer)
    assert report.state == ReportState.DRAFT
    assert "本年新收政府信息公开申请 1 件" in report.overview
    assert "本年办结 1 件" in report.overview
    assert services.report_open(unit=unit_a, year=2025, by=officer).pk == report.pk
    assert AuditEntry.objects.filter(object_id=str(report.pk), action="create").count() == 1


def test_a_future_year_is_refused(unit_a, people):
    officer, _head = people
    with pytest.raises(ValidationError, match="has not come yet"):
        services.report_open(unit=unit_a, year=2099, by=officer)
    assert not AnnualReport.objects.exists()


def test_a_year_without_data_gives_an_all_zero_valid_report(unit_a, people):
    """No requests, documents or cases: every cell is 0 and every check holds."""
    officer, _head = people
    data = selectors.report_data(year=2019, unit=unit_a)
    assert all(v == 0 for row in data["requests_table"]["rows"] for v in row["cells"].values())
    assert all(v == 0 for g in data["review_table"]["groups"] for v in g["cells"].values())
    assert data["checks"] == {"passed": True, "failures": []}


def test_staff_of_another_unit_cannot_open_or_edit(unit_a, unit_b, people, make_user):
    officer, _head = people
    outsider = make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER)
    editor = make_user("editor-only", unit_a, Role.EDITOR)
    with pytest.raises(AccessDenied):
        services.report_open(unit=unit_a, year=2025, by=outsider)
    with pytest.raises(AccessDenied):
        services.report_open(unit=unit_a, year=2025, by=editor)
    report = services.report_open(unit=unit_a, year=2025, by=officer)
    with pytest.raises(AccessDenied):
        services.report_update(report=report, by=outsider, problems="x")
    with pytest.raises(AccessDenied):
        services.report_open(unit=None, year=2025, by=officer)


def test_entered_figures_are_validated_and_nothing_is_saved_on_error(unit_a, people):
    officer, _head = people
    report = services.report_open(unit=unit_a, year=2025, by=officer)
    with pytest.raises(ValidationError) as error:
        services.report_update(
            report=report,
            by=officer,
            licensing_decisions="-3",
            charges_amount="abc",
            problems="ok",
        )
    assert set(error.value.message_dict) == {"licensing_decisions", "charges_amount"}
    assert "整数" in str(error.value.message_dict["licensing_decisions"])
    report.refresh_from_db()
    assert report.licensing_decisions == 0
    assert report.problems == ""
    with pytest.raises(ValidationError, match="four decimal"):
        services.report_update(report=report, by=officer, charges_amount="1.23456")
    services.report_update(
        report=report,
        by=officer,
        licensing_decisions="12",
        penalty_decisions=3,
        charges_amount="4.5",
        problems="培训不足",
    )
    data = selectors.report_data(year=2025, unit=unit_a)
    decisions = {r["key"]: r["value"] for r in data["proactive_table"]["decisions"]["rows"]}
    assert decisions == {"licensing": 12, "penalty": 3, "enforcement": 0}
    assert data["proactive_table"]["charges"]["amount"] == "4.5000"
    assert data["sections"]["problems"] == "培训不足"


def test_a_stale_version_is_refused(unit_a, people):
    officer, _head = people
    report = services.report_open(unit=unit_a, year=2025, by=officer)
    old = report.version
    services.report_update(report=report, by=officer, version=old, problems="一")
    with pytest.raises(ValidationError, match="Someone else"):
        services.report_update(report=report, by=officer, version=old, problems="二")
    report.refresh_from_db()
    assert report.problems == "一"


def test_workflow_draft_reviewed_published(unit_a, people):
    """The officer drafts, the head reviews (not the last editor), the officer publishes
    after the year has ended; the published figures are frozen."""
    officer, head = people
    request = _received(unit_a, officer, D(2025, 5, 6))
    _answer(request, officer, head, D(2025, 5, 20))
    report = services.report_open(unit=unit_a, year=2025, by=officer)
    with pytest.raises(ValidationError, match="after it has been reviewed"):
        services.report_publish(report=report, by=officer, today=AFTER_YEAR)
    with pytest.raises(AccessDenied):
        services.report_review(report=report, by=officer)
    services.report_update(report=report, by=head, problems="由负责人修改")
    with pytest.raises(ValidationError, match="someone other than"):
        services.report_review(report=report, by=head)
    services.report_update(report=report, by=officer, problems="由公开专员修改")
    report = services.report_review(report=report, by=head)
    assert report.state == ReportState.REVIEWED
    # a change sends it back to draft
    report = services.report_update(report=report, by=officer, other_matters="无")
    assert report.state == ReportState.DRAFT
    report = services.report_review(report=report, by=head)
    report = services.report_publish(report=report, by=officer, today=AFTER_YEAR)
    assert report.state == ReportState.PUBLISHED
    frozen = report.published_data
    assert frozen["requests_table"]["rows"][0]["cells"]["total"] == 1
    # a request registered later for 2025 does not change the published report
    _received(unit_a, officer, D(2025, 6, 1))
    assert (
        selectors.report_data(year=2025, unit=unit_a)["requests_table"]["rows"][0]["cells"]["total"]
        == 1
    )
    live = selectors.report_data(year=2025, unit=unit_a, live=True)
    assert live["requests_table"]["rows"][0]["cells"]["total"] == 2
    with pytest.raises(ValidationError, match="reopen"):
        services.report_update(report=report, by=officer, problems="x")
    actions = list(
        AuditEntry.objects.filter(
            object_id=str(report.pk), object_type="annual_reports.AnnualReport"
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[0] == "create"
    assert actions[-1] == "publish"
    assert actions.count("review") == 2


def test_a_report_is_published_only_after_its_year(unit_a, people):
    officer, head = people
    report = services.report_open(unit=unit_a, year=2026, by=officer)
    report = services.report_review(report=report, by=head)
    with pytest.raises(ValidationError, match="has not ended"):
        services.report_publish(report=report, by=officer, today=D(2026, 12, 31))
    report = services.report_publish(report=report, by=officer, today=D(2027, 1, 1))
    assert report.state == ReportState.PUBLISHED


def test_reopen_keeps_the_published_version_public_until_republished(unit_a, people):
    officer, head = people
    report = services.report_open(unit=unit_a, year=2025, by=officer)
    report = services.report_review(report=report, by=head)
    report = services.report_publish(report=report, by=officer, today=AFTER_YEAR)
    with pytest.raises(ValidationError, match="reason"):
        services.report_reopen(report=report, by=head, reason="  ")
    report = services.report_reopen(report=report, by=head, reason="漏报一件申请")
    assert report.state == ReportState.DRAFT
    # reopening is not authoring: the head may review the corrected figures
    services.report_review(report=report, by=head)
    report = services.report_return(report=report, by=head, reason="还要补充说明")
    services.report_update(report=report, by=officer, problems="更正")
    assert selectors.report_data(year=2025, unit=unit_a)["sections"]["problems"] == ""
    report = services.report_review(report=report, by=head)
    report = services.report_publish(report=report, by=officer, today=AFTER_YEAR)
    data = selectors.report_data(year=2025, unit=unit_a)
    assert data["sections"]["problems"] == "更正"
    assert data["correction_note"] == "漏报一件申请"
    assert report.first_published_at < report.published_at


def test_an_imported_past_year_that_does_not_add_up_is_refused(unit_a, people):
    officer, _head = people
    bad = _past_tables(carried_forward=1)
    bad["requests"]["disclosed"]["total"] = 5  # 一 + 二 ≠ 三(七) + 四 and (七) ≠ sum
    with pytest.raises(ValidationError) as error:
        services.report_import_past_year(unit=unit_a, year=2019, tables_data=bad, by=officer)
    text = " ".join(error.value.messages)
    assert "总计" in text
    assert "results total" in text
    missing = _past_tables()
    del missing["review"]
    with pytest.raises(ValidationError, match="review is missing"):
        services.report_import_past_year(unit=unit_a, year=2019, tables_data=missing, by=officer)
    assert not AnnualReport.objects.exists()


def test_imported_years_chain_and_reimport_changes_nothing(unit_a, people):
    """2018 carried forward 2; 2019 must carry over 2; importing the same again writes no
    audit entry; the first platform year's carried-over is checked against 2019."""
    officer, head = people
    report, changed = services.report_import_past_year(
        unit=unit_a, year=2018, tables_data=_past_tables(carried_forward=2), by=officer
    )
    assert changed
    assert report.state == ReportState.PUBLISHED
    assert report.source == ReportSource.IMPORTED
    wrong = _past_tables(carried_forward=0)
    with pytest.raises(ValidationError, match="carried forward 2"):
        services.report_import_past_year(unit=unit_a, year=2019, tables_data=wrong, by=officer)
    right = _past_tables(carried_forward=1)
    for column in ("natural_person", "total"):
        right["requests"]["carried_over"][column] = 2
        right["requests"]["disclosed"][column] += 2
        right["requests"]["results_total"][column] += 2
    report, changed = services.report_import_past_year(
        unit=unit_a, year=2019, tables_data=right, by=officer
    )
    assert changed
    audits = AuditEntry.objects.filter(action="import").count()
    _again, changed = services.report_import_past_year(
        unit=unit_a, year=2019, tables_data=right, by=officer
    )
    assert not changed
    assert AuditEntry.objects.filter(action="import").count() == audits

    # 2020 on the platform: nothing carried over in the records, 1 expected from 2019
    data = selectors.report_data(year=2020, unit=unit_a)
    assert not data["chain"]["passed"]
    assert data["chain"]["differences"][0]["previous_carried_forward"] == 1
    assert not data["checks"]["passed"]
    report2020 = services.report_open(unit=unit_a, year=2020, by=officer)
    with pytest.raises(ValidationError, match="上年结转"):
        services.report_review(report=report2020, by=head)
    # registering the request still open at the end of 2019 repairs the chain
    _received(unit_a, officer, D(2019, 12, 20))
    assert selectors.report_data(year=2020, unit=unit_a)["chain"]["passed"]
    services.report_review(report=report2020, by=head)


def test_the_chain_names_the_requests_that_differ(unit_a, people):
    """2025 published with one request carried forward; a request then registered as
    received in 2025 and still open shows up in 2026's carried-over, and is named."""
    officer, head = people
    kept = _received(unit_a, officer, D(2025, 12, 22))
    report = services.report_open(unit=unit_a, year=2025, by=officer)
    report = services.report_review(report=report, by=head)
    services.report_publish(report=report, by=officer, today=AFTER_YEAR)
    late = _received(unit_a, officer, D(2025, 12, 23))
    data = selectors.report_data(year=2026, unit=unit_a)
    difference = data["chain"]["differences"][0]
    assert difference["column"] == "natural_person"
    assert difference["requests_added"] == [late.pk]
    assert kept.pk not in difference["requests_added"]
    assert "public" not in selectors.public_data(data)
    assert "requests_added" not in str(selectors.public_data(data))


def test_government_report_is_the_sum_of_its_units(unit_a, unit_b, people, make_user):
    officer, head = people
    officer_b = make_user("officer-b2", unit_b, Role.DISCLOSURE_OFFICER)
    _received(unit_a, officer, D(2025, 4, 1))
    _received(unit_b, officer_b, D(2025, 4, 2))
    services.report_import_past_year(
        unit=unit_a, year=2019, tables_data=_past_tables(carried_forward=0, new=4), by=officer
    )
    report_a = services.report_open(unit=unit_a, year=2025, by=officer)
    services.report_update(report=report_a, by=officer, licensing_decisions=7)
    report_b = services.report_open(unit=unit_b, year=2025, by=officer_b)
    services.report_update(report=report_b, by=officer_b, licensing_decisions=5)
    data = selectors.report_data(year=2025, unit=None)
    assert data["scope"] == "government"
    assert "之和" in data["scope_note"]
    assert data["requests_table"]["rows"][0]["cells"]["total"] == 2
    decisions = {r["key"]: r["value"] for r in data["proactive_table"]["decisions"]["rows"]}
    assert decisions["licensing"] == 12
    # an imported unit year is part of the government's figures of that year
    assert (
        selectors.report_data(year=2019, unit=None)["requests_table"]["rows"][0]["cells"]["total"]
        == 4
    )
