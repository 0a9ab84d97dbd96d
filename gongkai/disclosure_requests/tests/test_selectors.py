"""Back-office reads of disclosure requests: scoped to the units a user handles, the due
lists and the Office's list of information requested repeatedly (issue #5 §4, §8; R-5.2,
R-4.3; Regulation Art. 33, 44)."""

from __future__ import annotations

import datetime

import pytest

from gongkai.accounts.models import Role
from gongkai.core import calendar
from gongkai.disclosure_requests import selectors, services
from gongkai.disclosure_requests.choices import PauseKind, Status
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.disclosure_requests.tests.factories import received

D = datetime.date


@pytest.fixture
def officer_a(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def officer_b(make_user, unit_b):
    return make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER)


def test_requests_are_scoped_to_the_units_a_user_handles(
    unit_a, unit_b, officer_a, officer_b, unit_admin_a, editor_a, office_admin
):
    """An officer sees their unit's requests; a unit administrator or editor without an
    officer role sees none; the Office sees all (R-4.3)."""
    mine = received(unit_a, officer_a, D(2026, 3, 2))
    theirs = received(unit_b, officer_b, D(2026, 3, 2))
    assert list(selectors.requests_for(officer_a)) == [mine]
    assert list(selectors.requests_for(officer_b)) == [theirs]
    assert list(selectors.requests_for(unit_admin_a)) == []
    assert list(selectors.requests_for(editor_a)) == []
    assert set(selectors.requests_for(office_admin)) == {mine, theirs}
    assert selectors.request_for_staff(officer_a, mine.tracking_number) == mine
    with pytest.raises(DisclosureRequest.DoesNotExist):
        selectors.request_for_staff(officer_a, theirs.tracking_number)
    with pytest.raises(DisclosureRequest.DoesNotExist):
        selectors.request_for_staff(unit_admin_a, mine.tracking_number)


def test_filters_by_status_unit_and_paused(unit_a, unit_b, office_admin):
    """The list filters by status, handling unit and whether the clock is paused."""
    first = received(unit_a, office_admin, D(2026, 3, 2))
    second = received(unit_b, office_admin, D(2026, 3, 2))
    services.pause_start(
        request=second,
        by=office_admin,
        kind=PauseKind.AGENCY,
        party="区规划局",
        reason="征求意见",
        started_on=D(2026, 3, 5),
    )
    assert list(selectors.requests_for(office_admin, {"unit": unit_a})) == [first]
    assert list(selectors.requests_for(office_admin, {"paused": True})) == [second]
    assert list(selectors.requests_for(office_admin, {"paused": False})) == [first]
    assert list(selectors.requests_for(office_admin, {"status": Status.CLOSED})) == []
    assert len(selectors.requests_for(office_admin, {"status": Status.PROCESSING})) == 2


def test_due_soon_and_overdue_on_a_given_day(unit_a, unit_b, officer_a, office_admin):
    """Received 2026-02-06, due 2026-03-12: on 2026-03-10 it is due within 3 working days;
    on 2026-03-13 it is overdue; a paused request has no due date and is in neither list;
    a request due later is not due soon (R-5.2)."""
    soon = received(unit_a, officer_a, D(2026, 2, 6))
    assert soon.due_on == D(2026, 3, 12)
    later = received(unit_a, officer_a, D(2026, 3, 2))
    paused = received(unit_a, officer_a, D(2026, 2, 6))
    services.pause_start(
        request=paused,
        by=officer_a,
        kind=PauseKind.THIRD_PARTY,
        party="第三方公司",
        reason="涉及商业秘密",
        started_on=D(2026, 2, 9),
    )
    other_unit = received(unit_b, office_admin, D(2026, 2, 6))
    assert list(selectors.due_soon(officer_a, D(2026, 3, 10))) == [soon]
    assert list(selectors.overdue(officer_a, D(2026, 3, 10))) == []
    assert list(selectors.overdue(officer_a, D(2026, 3, 13))) == [soon]
    assert later not in selectors.due_soon(officer_a, D(2026, 3, 13))
    assert set(selectors.due_soon(office_admin, D(2026, 3, 10))) == {soon, other_unit}
    assert list(selectors.requests_for(officer_a, {"due": "soon", "today": D(2026, 3, 10)})) == [
        soon
    ]
    # "Due soon" ends DUE_SOON_WORKING_DAYS working days after today (Thu 2026-03-12 + 3).
    assert (
        selectors.due_soon_until(D(2026, 3, 12))
        == calendar.add_working_days(D(2026, 3, 12), 3).date
    )


def test_information_requested_repeatedly_groups_numbers_however_written(unit_a, office_admin):
    """Three requests for 津生管发〔2020〕12号 written three ways form one group; two with
    the same title (spacing and punctuation aside) another; a single request and a split
    part are not counted (Art. 44)."""
    for number in ("津生管发〔2020〕12号", "津生管发[2020]12号", "津生管发（2020）第012号"):
        received(unit_a, office_admin, D(2026, 3, 2), info_document_number=number)
    received(unit_a, office_admin, D(2026, 3, 2), info_title="2025年 征地补偿标准")
    original = received(
        unit_a,
        office_admin,
        D(2026, 3, 3),
        info_title="2025年征地补偿标准。",
        id_number="110105194912310046",
    )
    received(unit_a, office_admin, D(2026, 3, 3), info_title="别的信息")
    services.request_split(
        request=original, by=office_admin, to_unit=unit_a, description="另一部分"
    )
    groups = selectors.repeated_information()
    assert [(g.by, g.count) for g in groups] == [("document_number", 3), ("title", 2)]
    assert groups[0].label == "津生管发〔2020〕12号"
    assert groups[0].applicants == 1
    assert groups[1].applicants == 2


def test_requests_whose_applicant_let_a_deadline_pass_are_listed_for_closing(
    client, unit_a, make_user
):
    """Art. 30 and the fee rules: a clarification not given by its date, or a fee not paid by
    its date, puts the request on the due page's "time ran out" list (to close with 三(六)1
    or 三(六)2); a clarification still in time does not."""
    import datetime

    from gongkai.accounts.models import Role
    from gongkai.disclosure_requests import selectors, services
    from gongkai.disclosure_requests.choices import FeeMethod
    from gongkai.disclosure_requests.tests import factories

    officer = make_user("officer-lapsed", unit_a, Role.DISCLOSURE_OFFICER)
    day = datetime.date
    unclear = factories.received(unit_a, officer, day(2026, 10, 12))
    services.clarification_request(
        request=unclear,
        by=officer,
        items="请说明年份。",
        asked_on=day(2026, 10, 14),
        respond_by=day(2026, 10, 30),
    )
    in_time = factories.received(unit_a, officer, day(2026, 11, 20))
    services.clarification_request(request=in_time, by=officer, items="请说明年份。")
    unpaid = factories.received(unit_a, officer, day(2026, 9, 1))
    services.fee_notice_issue(
        request=unpaid,
        by=officer,
        method=FeeMethod.PER_VOLUME,
        pages=40,
        issued_on=day(2026, 9, 3),
    )
    found = list(selectors.applicant_time_lapsed(officer))
    assert [r.pk for r in found] == sorted([unclear.pk, unpaid.pk])
    client.force_login(officer)
    page = client.get("/backoffice/requests/due/").content.decode()
    lapsed = page.split('id="lapsed"')[1]
    assert unclear.tracking_number in lapsed
    assert unpaid.tracking_number in lapsed
    assert in_time.tracking_number not in lapsed
