"""Processing fees (信息处理费): the national schedule and the fee services (Regulation
Art. 42; 国办函〔2020〕109号; REGULATION.md §4; report row 三(六)2)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gongkai.accounts.models import Role
from gongkai.core import calendar
from gongkai.core.validators import resident_id_check_char
from gongkai.disclosure_requests import fees, services
from gongkai.disclosure_requests.choices import FeeMethod, Outcome, PauseKind
from gongkai.disclosure_requests.models import ClockPause, DisclosureRequest, FeeNotice
from gongkai.disclosure_requests.tests.factories import received

D = datetime.date
MONDAY = D(2026, 3, 2)
MONDAY_DUE = D(2026, 3, 30)


def _messages(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.messages)


def _fresh(request: DisclosureRequest) -> DisclosureRequest:
    return DisclosureRequest.objects.get(pk=request.pk)


@pytest.fixture
def officer_a(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


# --- The schedule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordinal", "rate"),
    [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (40, 200), (41, 300), (50, 300), (51, 400)],
)
def test_per_request_rate_by_the_applicants_request_number_this_month(ordinal, rate):
    """国办函〔2020〕109号: 1–10 free, 11–30 100 yuan each, then 100 yuan more per band of 10."""
    assert fees.per_request_rate(ordinal) == Decimal(rate)
    assert fees.fee_per_request(ordinal).amount == Decimal(rate)


@pytest.mark.parametrize(
    ("pages", "amount"),
    [
        (0, 0),
        (30, 0),
        (31, 10),
        (100, 700),
        (101, 720),
        (200, 2700),
        (201, 2740),
        (250, 4700),
    ],
)
def test_per_volume_fee_is_progressive(pages, amount):
    """国办函〔2020〕109号: pages 1–30 free, 31–100 10 yuan, 101–200 20 yuan, 201+ 40 yuan a
    page, each band charged only for the pages in it."""
    result = fees.fee_per_volume(pages)
    assert result.amount == Decimal(amount)
    assert sum((line.amount for line in result.lines), Decimal(0)) == result.amount


def test_the_volume_breakdown_lists_each_charged_band():
    """The fee notice shows its working: each charged band with pages, rate and amount (150 pages:
    70 × 10 + 50 × 20 = 1,700 yuan)."""
    result = fees.fee_per_volume(150)
    assert [(line.first, line.last, line.count, line.rate) for line in result.lines] == [
        (31, 100, 70, Decimal(10)),
        (101, 150, 50, Decimal(20)),
    ]
    assert result.amount == Decimal(1700)


def test_nonsense_counts_are_refused():
    """There is no 0th request and no negative number of pages."""
    with pytest.raises(ValueError, match="ordinal"):
        fees.per_request_rate(0)
    with pytest.raises(ValueError, match="pages"):
        fees.fee_per_volume(-1)


@given(st.integers(min_value=0, max_value=20_000), st.integers(min_value=0, max_value=20_000))
def test_more_pages_never_cost_less(a, b):
    """Progressive (超额累进): the per-volume fee is monotonic non-decreasing in pages."""
    low, high = sorted((a, b))
    assert fees.fee_per_volume(low).amount <= fees.fee_per_volume(high).amount


@given(st.integers(min_value=1, max_value=1_000))
def test_a_later_request_in_the_month_never_costs_less(n):
    """Progressive per request: the n+1-th request of a month never costs less than the n-th."""
    assert fees.per_request_rate(n) <= fees.per_request_rate(n + 1)


# --- The services --------------------------------------------------------------------------


def test_per_request_fee_uses_the_applicants_number_in_the_month_of_receipt(unit_a, officer_a):
    """Art. 42, 国办函〔2020〕109号: per applicant per calendar month of receipt — the 11th
    request of March costs 100 yuan, the first of April is free again, and another
    applicant's requests are counted apart."""
    march = [received(unit_a, officer_a, D(2026, 3, 2 + n)) for n in range(11)]
    assert [services.monthly_ordinal(r) for r in march] == list(range(1, 12))

    notice = services.fee_notice_issue(
        request=march[10], by=officer_a, method=FeeMethod.PER_REQUEST, issued_on=D(2026, 3, 20)
    )
    assert notice.amount == Decimal(100)
    assert notice.monthly_ordinal == 11
    assert notice.breakdown == [
        {"first": 11, "last": 11, "count": 1, "rate": "100", "amount": "100"}
    ]

    with pytest.raises(ValidationError) as excinfo:
        services.fee_notice_issue(
            request=march[9], by=officer_a, method=FeeMethod.PER_REQUEST, issued_on=D(2026, 3, 20)
        )
    assert "free" in _messages(excinfo)

    april = received(unit_a, officer_a, D(2026, 4, 1))
    assert services.monthly_ordinal(april) == 1
    with pytest.raises(ValidationError):
        services.fee_notice_issue(
            request=april, by=officer_a, method=FeeMethod.PER_REQUEST, issued_on=D(2026, 4, 2)
        )

    first17 = "12011619850315003"
    someone_else = received(
        unit_a, officer_a, D(2026, 3, 20), id_number=first17 + resident_id_check_char(first17)
    )
    assert services.monthly_ordinal(someone_else) == 1


def test_a_fee_notice_for_a_free_request_is_refused(unit_a, officer_a):
    """国办函〔2020〕109号: within the free range no notice is issued, and nothing is saved."""
    request = received(unit_a, officer_a, MONDAY)
    with pytest.raises(ValidationError) as excinfo:
        services.fee_notice_issue(
            request=request, by=officer_a, method=FeeMethod.PER_VOLUME, pages=30
        )
    assert "no fee is due" in _messages(excinfo)
    assert not FeeNotice.objects.exists()
    assert not ClockPause.objects.exists()


def test_one_fee_method_per_request(unit_a, officer_a):
    """国办函〔2020〕109号: per request or by volume, never both — a second notice is refused."""
    request = received(unit_a, officer_a, MONDAY)
    notice = services.fee_notice_issue(
        request=request,
        by=officer_a,
        method=FeeMethod.PER_VOLUME,
        pages=50,
        issued_on=D(2026, 3, 10),
    )
    assert notice.amount == Decimal(200)
    with pytest.raises(ValidationError) as excinfo:
        services.fee_notice_issue(
            request=request,
            by=officer_a,
            method=FeeMethod.PER_VOLUME,
            pages=300,
            issued_on=D(2026, 3, 11),
        )
    assert "one fee method" in _messages(excinfo)
    with pytest.raises(ValidationError):
        services.fee_notice_issue(request=request, by=officer_a, method="both", pages=300)
    assert FeeNotice.objects.filter(request=request).count() == 1


def test_waiting_for_the_fee_stops_the_clock_until_payment(unit_a, officer_a):
    """FEE_STOPS_CLOCK (default True): from the notice to the payment the clock stops; the
    due date moves by the working days waited."""
    request = received(unit_a, officer_a, MONDAY)
    services.fee_notice_issue(
        request=request,
        by=officer_a,
        method=FeeMethod.PER_VOLUME,
        pages=31,
        issued_on=D(2026, 3, 10),
    )
    waiting = _fresh(request)
    assert waiting.clock_paused is True
    assert waiting.due_on is None
    assert ClockPause.objects.get(request=request).kind == PauseKind.FEE

    services.fee_record_payment(
        request=request, by=officer_a, paid_on=D(2026, 3, 20), amount=Decimal("10.00")
    )
    paid = _fresh(request)
    waited = calendar.working_days_between(D(2026, 3, 10), D(2026, 3, 20))
    assert paid.clock_paused is False
    assert paid.due_on == calendar.add_working_days(MONDAY_DUE, waited).date
    notice = FeeNotice.objects.get(request=request)
    assert (notice.paid_on, notice.paid_amount) == (D(2026, 3, 20), Decimal("10.00"))


def test_waiting_for_the_fee_does_not_stop_the_clock_when_configured_so(
    settings, unit_a, officer_a
):
    """FEE_STOPS_CLOCK = False: the notice leaves the due date where it was."""
    settings.GONGKAI_REQUESTS = {**settings.GONGKAI_REQUESTS, "FEE_STOPS_CLOCK": False}
    request = received(unit_a, officer_a, MONDAY)
    services.fee_notice_issue(
        request=request,
        by=officer_a,
        method=FeeMethod.PER_VOLUME,
        pages=31,
        issued_on=D(2026, 3, 10),
    )
    request = _fresh(request)
    assert request.clock_paused is False
    assert request.due_on == MONDAY_DUE
    assert not ClockPause.objects.filter(request=request).exists()


def test_a_payment_of_the_wrong_amount_is_refused(unit_a, officer_a):
    """The recorded payment is the amount of the notice, on a day after it was issued."""
    request = received(unit_a, officer_a, MONDAY)
    services.fee_notice_issue(
        request=request,
        by=officer_a,
        method=FeeMethod.PER_VOLUME,
        pages=40,
        issued_on=D(2026, 3, 10),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.fee_record_payment(
            request=request, by=officer_a, paid_on=D(2026, 3, 20), amount=Decimal("90")
        )
    assert "100" in _messages(excinfo)
    with pytest.raises(ValidationError):
        services.fee_record_payment(
            request=request, by=officer_a, paid_on=D(2026, 3, 9), amount=Decimal("100")
        )
    notice = FeeNotice.objects.get(request=request)
    assert notice.paid_on is None
    assert _fresh(request).clock_paused is True


def test_a_fee_notice_is_not_dated_in_the_future_or_before_the_receipt(unit_a, officer_a):
    """Services refuse future dates; a notice dated before the request was received would
    stop a clock that had not started."""
    request = received(unit_a, officer_a, MONDAY)
    for day in (D(2026, 2, 20), D(2026, 12, 31)):
        with pytest.raises(ValidationError):
            services.fee_notice_issue(
                request=request,
                by=officer_a,
                method=FeeMethod.PER_VOLUME,
                pages=31,
                issued_on=day,
            )
    assert not FeeNotice.objects.exists()


def test_fee_unpaid_outcome_only_after_the_payment_deadline_passed(unit_a, officer_a):
    """Report row 三(六)2: "fee not paid in time" only once pay_by has passed unpaid."""
    lapsed = received(unit_a, officer_a, MONDAY)
    notice = services.fee_notice_issue(
        request=lapsed,
        by=officer_a,
        method=FeeMethod.PER_VOLUME,
        pages=31,
        issued_on=D(2026, 3, 10),
    )
    assert notice.pay_by == calendar.add_working_days(D(2026, 3, 10), 20).date
    services.validate_reply(lapsed, Outcome.OTHER_FEE_UNPAID, {})

    paid = received(unit_a, officer_a, MONDAY)
    services.fee_notice_issue(
        request=paid,
        by=officer_a,
        method=FeeMethod.PER_VOLUME,
        pages=31,
        issued_on=D(2026, 3, 10),
    )
    services.fee_record_payment(
        request=paid, by=officer_a, paid_on=D(2026, 3, 12), amount=Decimal(10)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.validate_reply(paid, Outcome.OTHER_FEE_UNPAID, {})
    assert "did not pay" in _messages(excinfo)

    still_time = received(unit_a, officer_a, MONDAY)
    services.fee_notice_issue(
        request=still_time,
        by=officer_a,
        method=FeeMethod.PER_VOLUME,
        pages=31,
        issued_on=D(2026, 3, 10),
    )
    FeeNotice.objects.filter(request=still_time).update(pay_by=D(2026, 12, 31))
    with pytest.raises(ValidationError):
        services.validate_reply(still_time, Outcome.OTHER_FEE_UNPAID, {})

    no_fee = received(unit_a, officer_a, MONDAY)
    with pytest.raises(ValidationError):
        services.validate_reply(no_fee, Outcome.OTHER_FEE_UNPAID, {})
