"""Table 三 and 四 of the annual report computed from the requests, compared with hand-computed
cells (issue #6 §1–§3, "Done when"; format 国办公开办函〔2021〕30号; REGULATION.md §8)."""

from __future__ import annotations

import datetime

import pytest

from gongkai.accounts.models import Role
from gongkai.annual_reports.tables import (
    COLUMNS,
    RESULT_KEYS,
    ROW_OF_CODE,
    ROWS,
    check_requests_table,
    check_review_table,
    requests_table,
    review_table,
)
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    REPORT_ROW,
    ApplicantKind,
    IdentityDocumentType,
    OrganisationType,
    Outcome,
    ReviewKind,
    ReviewResult,
)
from gongkai.disclosure_requests.tests import factories
from gongkai.disclosure_requests.tests.test_letters import _issue

pytestmark = pytest.mark.usefixtures("late_2026")

D = datetime.date
ORG_TYPES = [
    OrganisationType.BUSINESS,
    OrganisationType.RESEARCH,
    OrganisationType.PUBLIC_INTEREST,
    OrganisationType.LEGAL_SERVICE,
    OrganisationType.OTHER,
]


def _applicant(index: int) -> tuple[str, dict]:
    """The column and applicant data of the ``index``-th request: natural persons and the
    five organisation types in turn."""
    position = index % 6
    if position == 0:
        return "natural_person", {}
    org_type = ORG_TYPES[position - 1]
    return org_type, {
        "applicant_kind": ApplicantKind.ORGANISATION,
        "organisation_type": org_type,
        "id_type": IdentityDocumentType.CREDIT_CODE,
        "id_number": factories.CREDIT_CODE,
        "contact_person": "联系人",
    }


@pytest.fixture
def staff(unit_a, make_user):
    return (
        make_user("officer-report", unit_a, Role.DISCLOSURE_OFFICER),
        make_user("head-report", unit_a, Role.DISCLOSURE_HEAD),
    )


def _blank() -> dict[str, dict[str, int]]:
    return {row: {column: 0 for column, _l in COLUMNS} for row, _l in ROWS}


def _add(expected, row: str, column: str) -> None:
    expected[row][column] += 1
    expected[row]["total"] += 1


def test_every_row_of_table_three_matches_hand_computed_cells(unit_a, unit_b, staff):
    """One request per outcome (23, covering every row of 三(一)–(六)), spread over the six
    applicant columns, received in 2026 and answered on 2026-11-02; one still open; one
    withdrawn (其他处理-其他); one received in 2025 and answered in 2026 (carried over); one
    received in 2025 and still open (carried over and forward); one split into two parts
    (two requests); an online application never confirmed (not counted); a request of
    another unit (only in the government-wide table). The generated cells equal the
    hand-computed ones and every relation of §8 holds."""
    officer, head = staff
    expected = _blank()
    for index, outcome in enumerate(Outcome.values):
        column, data = _applicant(index)
        _issue(outcome, unit_a, officer, head, **data)
        _add(expected, "new", column)
        _add(expected, ROW_OF_CODE[REPORT_ROW[outcome]], column)
        _add(expected, "results_total", column)

    still_open = factories.received(unit_a, officer, D(2026, 10, 9))
    _add(expected, "new", "natural_person")
    _add(expected, "carried_forward", "natural_person")

    withdrawn = factories.received(unit_a, officer, D(2026, 10, 12))
    services.request_withdraw(request=withdrawn, by=officer, reason="来信撤回")
    _add(expected, "new", "natural_person")
    _add(expected, "other_3", "natural_person")
    _add(expected, "results_total", "natural_person")

    column, data = _applicant(4)  # a legal service institution
    late = factories.received(unit_a, officer, D(2025, 12, 15), **data)
    reply = services.reply_draft(
        request=late, by=officer, outcome=Outcome.DISCLOSED, data={"information_text": "见附件"}
    )
    reply = services.reply_approve(reply=reply, by=head)
    services.reply_issue(reply=reply, by=officer, issued_on=D(2026, 1, 9))
    _add(expected, "carried_over", column)
    _add(expected, "disclosed", column)
    _add(expected, "results_total", column)

    factories.received(unit_a, officer, D(2025, 12, 29))
    _add(expected, "carried_over", "natural_person")
    _add(expected, "carried_forward", "natural_person")

    whole = factories.received(unit_a, officer, D(2026, 10, 20))
    services.request_split(request=whole, by=officer, to_unit=unit_a, description="其中的附件部分")
    _add(expected, "new", "natural_person")
    _add(expected, "new", "natural_person")
    _add(expected, "carried_forward", "natural_person")
    _add(expected, "carried_forward", "natural_person")

    factories.submitted(unit_a)  # never confirmed as received: not in the records
    other = factories.received(unit_b, _officer_of(unit_b), D(2026, 10, 21))

    table = requests_table(2026, unit_ids=[unit_a.pk])
    assert table.cells == expected
    assert check_requests_table(table) == []
    assert still_open.pk in table.ids["carried_forward"]["natural_person"]
    assert other.pk not in table.ids["new"]["total"]

    government = requests_table(2026)
    assert government.count("new", "total") == expected["new"]["total"] + 1
    assert check_requests_table(government) == []


def _officer_of(unit):
    from gongkai.accounts.models import Membership, User

    user = User.objects.create_user(username=f"officer-{unit.code}", is_staff=True)
    Membership.objects.create(user=user, unit=unit, role=Role.DISCLOSURE_OFFICER)
    return user


def test_this_years_carried_over_equals_last_years_carried_forward(unit_a, staff):
    """REGULATION.md §8: this year's 二 = last year's 四, column by column."""
    officer, head = staff
    factories.received(unit_a, officer, D(2025, 12, 1))
    column, data = _applicant(1)
    answered = factories.received(unit_a, officer, D(2025, 12, 3), **data)
    reply = services.reply_draft(
        request=answered,
        by=officer,
        outcome=Outcome.UNABLE_NOT_HELD,
        data={"reasons": "经检索，本机关未制作该信息。"},
    )
    services.reply_issue(
        reply=services.reply_approve(reply=reply, by=head), by=officer, issued_on=D(2026, 1, 6)
    )
    last, this = requests_table(2025), requests_table(2026)
    assert last.cells["carried_forward"] == this.cells["carried_over"]
    assert this.cells["carried_over"]["total"] == 2
    assert this.cells["unable_1"][column] == 1
    assert check_requests_table(last) == []


def test_a_year_without_requests_is_all_zero_and_valid(db):
    """A year with no data gives a valid all-zero table, not an error."""
    table = requests_table(2019)
    assert all(v == 0 for row in table.cells.values() for v in row.values())
    assert check_requests_table(table) == []


def test_a_table_that_does_not_add_up_names_the_failing_cell(db):
    """A broken table (e.g. an imported past year) is refused with the failing relation
    named: the column, the row and both sides."""
    cells = _blank()
    cells["new"]["natural_person"] = cells["new"]["total"] = 3
    cells["disclosed"]["natural_person"] = cells["disclosed"]["total"] = 2
    cells["results_total"]["natural_person"] = cells["results_total"]["total"] = 2
    failures = check_requests_table(cells)
    assert {f.cell for f in failures} == {"自然人", "总计"}
    assert "一（3）+ 二（0）= 3" in failures[0].message
    cells["carried_forward"]["natural_person"] = cells["carried_forward"]["total"] = 1
    assert check_requests_table(cells) == []
    cells["disclosed"]["natural_person"] = 1
    messages = [f.message for f in check_requests_table(cells)]
    assert any("各项之和为 1" in m for m in messages)
    assert any("六类申请人之和为 1" in m for m in messages)


def test_every_outcome_has_a_row_of_table_three():
    """The outcomes are exactly the report's rows: each maps to one, every row is reached."""
    assert {ROW_OF_CODE[REPORT_ROW[o]] for o in Outcome.values} == set(RESULT_KEYS)


def test_review_table_counts_cases_by_kind_and_result_at_the_years_end(unit_a, staff):
    """Table 四: cases received in the year, against the unit that handled the request, with
    the result decided by 31 December (later decisions count as pending)."""
    officer, head = staff
    request = factories.received(unit_a, officer, D(2026, 3, 2))
    services.review_record(
        request=request,
        by=officer,
        kind=ReviewKind.REVIEW,
        received_on=D(2026, 4, 1),
        result=ReviewResult.UPHELD,
        decided_on=D(2026, 6, 1),
    )
    services.review_record(
        request=request,
        by=officer,
        kind=ReviewKind.LITIGATION,
        received_on=D(2026, 5, 1),
    )
    services.review_record(
        request=request,
        by=officer,
        kind=ReviewKind.LITIGATION_AFTER_REVIEW,
        received_on=D(2026, 7, 1),
        result=ReviewResult.CORRECTED,
        decided_on=D(2026, 9, 1),
    )
    services.review_record(
        request=request,
        by=officer,
        kind=ReviewKind.REVIEW,
        received_on=D(2025, 12, 1),
    )
    table = review_table(2026, unit_ids=[unit_a.pk])
    cells = {g: {c: len(v) for c, v in cols.items()} for g, cols in table.items()}
    assert cells[ReviewKind.REVIEW] == {
        "upheld": 1,
        "corrected": 0,
        "other": 0,
        "pending": 0,
        "total": 1,
    }
    assert cells[ReviewKind.LITIGATION]["pending"] == 1
    assert cells[ReviewKind.LITIGATION_AFTER_REVIEW]["corrected"] == 1
    assert check_review_table(cells) == []
    cells[ReviewKind.REVIEW]["total"] = 2
    assert [f.cell for f in check_review_table(cells)] == ["行政复议 / 总计"]
    assert review_table(2026, unit_ids=[999_999])[ReviewKind.REVIEW]["total"] == []


def test_the_year_boundaries_follow_the_receipt_and_reply_dates(unit_a, staff):
    """Received on 1 January: new in that year, absent from the year before. Answered on
    31 December: a result of that year, absent from the next one. Received on 31 December
    and open: new and carried forward in that year, carried over in the next."""
    officer, head = staff
    first = factories.received(unit_a, officer, D(2026, 1, 1))
    answered = factories.received(unit_a, officer, D(2025, 12, 20))
    reply = services.reply_draft(
        request=answered,
        by=officer,
        outcome=Outcome.NOT_PROCESSED_PETITION,
        data={"reasons": "属于信访事项，请向信访部门反映。"},
    )
    services.reply_issue(
        reply=services.reply_approve(reply=reply, by=head), by=officer, issued_on=D(2025, 12, 31)
    )
    last_day = factories.received(unit_a, officer, D(2025, 12, 31))
    t2025, t2026 = requests_table(2025), requests_table(2026)
    assert first.pk in t2026.ids["new"]["total"]
    assert first.pk not in t2025.ids["new"]["total"]
    assert answered.pk in t2025.ids["not_processed_1"]["total"]
    assert all(answered.pk not in cell for row in t2026.ids.values() for cell in row.values())
    assert last_day.pk in t2025.ids["new"]["total"]
    assert last_day.pk in t2025.ids["carried_forward"]["total"]
    assert last_day.pk in t2026.ids["carried_over"]["total"]


def test_the_report_command_prints_the_tables_with_labels_and_checks(unit_a, staff, capsys):
    """`gongkai report annual --year 2026 --unit JJJ` prints JSON: each row and column with its
    official Chinese label beside its key, the requests behind each cell, the checks."""
    import json

    from django.core.management import call_command

    officer, _head = staff
    request = factories.received(unit_a, officer, D(2026, 5, 6))
    call_command("report", "annual", "--year", "2026", "--unit", "jjj")
    data = json.loads(capsys.readouterr().out)
    rows = {row["key"]: row for row in data["requests_table"]["rows"]}
    assert rows["new"]["label"] == "一、本年新收政府信息公开申请数量"
    assert rows["new"]["cells"]["natural_person"] == 1
    assert rows["new"]["requests"]["total"] == [request.pk]
    assert data["requests_table"]["columns"][0] == {"key": "natural_person", "label": "自然人"}
    assert data["checks"] == {"passed": True, "failures": []}
    proactive = {row["key"]: row for row in data["proactive_table"]["rows"]}
    assert proactive["normative"]["label"] == "行政规范性文件"
    assert proactive["normative"]["cells"] == {"issued": 0, "repealed": 0, "in_force": 0}


def test_the_report_command_refuses_a_future_year_and_an_unknown_unit(db):
    """A report asked for a future year says so; an unknown unit code is named."""
    from django.core.management import call_command

    from gongkai.cli import Abort

    with pytest.raises(Abort, match="2099"):
        call_command("report", "annual", "--year", "2099")
    with pytest.raises(Abort, match="NOPE"):
        call_command("report", "annual", "--year", "2025", "--unit", "NOPE")


def test_fees_collected_are_summed_by_payment_year_and_unit(unit_a, unit_b, staff):
    """Section 六: the processing fees paid in the year to the unit (by payment date); an
    unpaid notice and another unit's fee are not counted."""
    from decimal import Decimal

    from gongkai.annual_reports.tables import fees_collected
    from gongkai.disclosure_requests.choices import FeeMethod

    officer, _head = staff
    paid = factories.received(unit_a, officer, D(2026, 9, 1))
    notice = services.fee_notice_issue(
        request=paid, by=officer, method=FeeMethod.PER_VOLUME, pages=50, issued_on=D(2026, 9, 2)
    )
    services.fee_record_payment(
        request=paid, by=officer, paid_on=D(2026, 9, 4), amount=notice.amount
    )
    unpaid = factories.received(unit_a, officer, D(2026, 9, 1))
    services.fee_notice_issue(
        request=unpaid, by=officer, method=FeeMethod.PER_VOLUME, pages=120, issued_on=D(2026, 9, 2)
    )
    assert fees_collected(2026, unit_ids=[unit_a.pk]) == (Decimal("200.00"), [paid.pk])
    assert fees_collected(2025, unit_ids=[unit_a.pk]) == (Decimal(0), [])
    assert fees_collected(2026, unit_ids=[unit_b.pk]) == (Decimal(0), [])
