"""The disclosure-request services: receipt by channel, clarification, pauses, extensions,
routing, replies and concurrent officers (issue #5; Regulation Art. 30–39; R-5.2).

Every request is made through the real services (``factories``); dates are past days of
2026, the last year the calendar knows.
"""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.accounts.permissions import AccessDenied, Perm, has_perm
from gongkai.core import calendar
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    Channel,
    EventKind,
    ExtensionKind,
    Outcome,
    PartialGround,
    PauseKind,
    ReplyState,
    Status,
)
from gongkai.disclosure_requests.models import (
    Clarification,
    ClockPause,
    DisclosureRequest,
    Extension,
    LetterSerial,
    Reply,
    RequestEvent,
    RequestTransfer,
)
from gongkai.disclosure_requests.tests.factories import person, received, submitted

D = datetime.date
MONDAY = D(2026, 3, 2)  # no holiday for the next 8 weeks
MONDAY_DUE = D(2026, 3, 30)  # its 20th working day


def _messages(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.messages)


def _due(start: datetime.date, n: int = 20) -> datetime.date:
    return calendar.add_working_days(start, n).date


def _fresh(request: DisclosureRequest) -> DisclosureRequest:
    return DisclosureRequest.objects.get(pk=request.pk)


@pytest.fixture
def officer_a(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def officer_a2(make_user, unit_a):
    return make_user("officer-a2", unit_a, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def head_a(make_user, unit_a):
    return make_user("head-a", unit_a, Role.DISCLOSURE_HEAD)


@pytest.fixture
def officer_b(make_user, unit_b):
    return make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def head_b(make_user, unit_b):
    return make_user("head-b", unit_b, Role.DISCLOSURE_HEAD)


@pytest.fixture
def immediate_tasks(settings):
    """Queued jobs (the applicant's e-mails) run as soon as they are enqueued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# --- Receipt by channel (Art. 31) ----------------------------------------------------------


def test_an_online_request_has_no_clock_until_the_receipt_is_confirmed(unit_a, officer_a):
    """Art. 31: online, the receipt date is the day confirmed with the applicant; until then
    the request waits (status submitted) and no due date runs."""
    request, code = submitted(unit_a)
    assert request.status == Status.SUBMITTED
    assert request.channel == Channel.ONLINE
    assert (request.received_on, request.clock_started_on, request.due_on) == (None, None, None)
    assert services.clock_for(request) is None
    assert len(code) == 8

    today = timezone.localdate()
    confirmed = services.request_confirm_receipt(request=request, by=officer_a, received_on=today)
    confirmed = _fresh(confirmed)
    assert confirmed.status == Status.PROCESSING
    assert confirmed.received_on == confirmed.clock_started_on == today
    assert confirmed.due_on == _due(today)
    assert RequestEvent.objects.filter(request=request, kind=EventKind.RECEIVED, on=today).exists()


def test_the_confirmed_receipt_date_gives_a_due_date_twenty_working_days_later(unit_a, officer_a):
    """Art. 31, 33: the due date is core.calendar.add_working_days(received_on, 20)."""
    request, _code = submitted(unit_a)
    DisclosureRequest.objects.filter(pk=request.pk).update(
        submitted_at=datetime.datetime(2026, 2, 27, 22, 0, tzinfo=timezone.get_current_timezone())
    )
    services.request_confirm_receipt(request=request, by=officer_a, received_on=MONDAY)
    request = _fresh(request)
    assert request.due_on == _due(MONDAY) == MONDAY_DUE
    assert request.due_confirmed


def test_the_receipt_cannot_be_confirmed_before_the_submission_or_in_the_future(unit_a, officer_a):
    """Art. 31: the receipt date is not before the submission date and not in the future;
    a refused confirmation changes nothing."""
    request, _code = submitted(unit_a)
    today = timezone.localdate()
    for day in (today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.request_confirm_receipt(request=request, by=officer_a, received_on=day)
        assert _fresh(request).status == Status.SUBMITTED
        assert _fresh(request).received_on is None

    with pytest.raises(ValidationError) as excinfo:
        services.request_confirm_receipt(
            request=request, by=officer_a, received_on=today - datetime.timedelta(days=1)
        )
    assert "submission date" in _messages(excinfo)


def test_a_receipt_is_confirmed_once_and_only_by_the_handling_unit(unit_a, officer_a, officer_b):
    """Art. 31: one receipt date; an officer of another unit cannot confirm it."""
    request, _code = submitted(unit_a)
    today = timezone.localdate()
    with pytest.raises(AccessDenied):
        services.request_confirm_receipt(request=request, by=officer_b, received_on=today)
    services.request_confirm_receipt(request=request, by=officer_a, received_on=today)
    with pytest.raises(ValidationError) as excinfo:
        services.request_confirm_receipt(request=request, by=officer_a, received_on=today)
    assert "confirmed already" in _messages(excinfo)


@pytest.mark.parametrize("channel", [Channel.IN_PERSON, Channel.REGISTERED_POST])
def test_in_person_and_registered_post_need_the_receipt_date_at_registration(
    unit_a, officer_a, channel
):
    """Art. 31: in person the day handed in, by registered post the day signed for — both
    known at registration, so it is required then; nothing is saved without it."""
    with pytest.raises(ValidationError) as excinfo:
        services.request_register(unit=unit_a, by=officer_a, data=person(), channel=channel)
    assert "received_on" in excinfo.value.message_dict
    assert not DisclosureRequest.objects.exists()

    request, _code = services.request_register(
        unit=unit_a, by=officer_a, data=person(), channel=channel, received_on=MONDAY
    )
    assert request.status == Status.PROCESSING
    assert request.received_on == MONDAY
    assert _fresh(request).due_on == MONDAY_DUE


@pytest.mark.parametrize("channel", [Channel.ORDINARY_POST, Channel.FAX, Channel.EMAIL])
def test_ordinary_post_fax_and_email_may_confirm_the_receipt_later(unit_a, officer_a, channel):
    """Art. 31: by ordinary post, fax or e-mail the receipt date is the day confirmed with
    the applicant: registered without it, the request waits without a clock."""
    request, _code = services.request_register(
        unit=unit_a, by=officer_a, data=person(), channel=channel
    )
    assert request.status == Status.SUBMITTED
    assert _fresh(request).due_on is None

    today = timezone.localdate()
    services.request_confirm_receipt(request=request, by=officer_a, received_on=today)
    request = _fresh(request)
    assert request.status == Status.PROCESSING
    assert request.due_on == _due(today)


def test_registration_refuses_a_future_receipt_date_and_the_online_channel(unit_a, officer_a):
    """Art. 31: staff register paper channels only, with a receipt date not in the future."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.request_register(
            unit=unit_a,
            by=officer_a,
            data=person(),
            channel=Channel.IN_PERSON,
            received_on=tomorrow,
        )
    with pytest.raises(ValidationError):
        services.request_register(
            unit=unit_a, by=officer_a, data=person(), channel=Channel.ONLINE, received_on=MONDAY
        )
    assert not DisclosureRequest.objects.exists()


# --- Clarification (Art. 30) ---------------------------------------------------------------


def test_clarification_stops_the_clock(unit_a, officer_a):
    """Art. 30: while the applicant clarifies, no due date runs (status clarification)."""
    request = received(unit_a, officer_a, MONDAY)
    clarification = services.clarification_request(
        request=request, by=officer_a, items="请写明文件的年份", asked_on=D(2026, 3, 5)
    )
    request = _fresh(request)
    assert request.status == Status.CLARIFICATION
    assert request.due_on is None
    assert request.clock_paused is True
    assert clarification.respond_by == _due(D(2026, 3, 5), 15)


def test_clarification_restarts_a_full_twenty_working_days_from_its_receipt(unit_a, officer_a):
    """Art. 30: the reply period is counted afresh from the day the clarified request
    arrived — a full 20 working days, not what was left."""
    request = received(unit_a, officer_a, MONDAY)
    services.clarification_request(
        request=request, by=officer_a, items="请写明文件的年份", asked_on=D(2026, 3, 5)
    )
    clarified_on = D(2026, 3, 16)
    services.clarification_receive(
        request=request, by=officer_a, clarified_on=clarified_on, response="2025 年"
    )
    request = _fresh(request)
    assert request.status == Status.PROCESSING
    assert request.clock_started_on == clarified_on
    assert request.due_on == _due(clarified_on, 20) == D(2026, 4, 14)
    assert request.clock_paused is False


def test_clarification_only_within_seven_working_days_of_receipt(unit_a, officer_a):
    """Art. 30: the notice must be given within 7 working days of receipt: the 7th working
    day is allowed, the 8th refused with a message naming the limit."""
    late = received(unit_a, officer_a, MONDAY)
    eighth = _due(MONDAY, 8)
    assert eighth == D(2026, 3, 12)
    with pytest.raises(ValidationError) as excinfo:
        services.clarification_request(request=late, by=officer_a, items="年份", asked_on=eighth)
    text = _messages(excinfo)
    assert "7 working days" in text
    assert "7 个工作日" in text
    assert str(_due(MONDAY, 7)) in text
    assert not Clarification.objects.filter(request=late).exists()
    assert _fresh(late).status == Status.PROCESSING

    in_time = received(unit_a, officer_a, MONDAY)
    services.clarification_request(
        request=in_time, by=officer_a, items="年份", asked_on=_due(MONDAY, 7)
    )
    assert _fresh(in_time).status == Status.CLARIFICATION


def test_clarification_is_asked_only_once(unit_a, officer_a):
    """Art. 30: everything to fix is listed at once; a second notice is refused."""
    request = received(unit_a, officer_a, MONDAY)
    services.clarification_request(
        request=request, by=officer_a, items="年份", asked_on=D(2026, 3, 3)
    )
    services.clarification_receive(
        request=request, by=officer_a, clarified_on=D(2026, 3, 4), response="2025 年"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.clarification_request(
            request=request, by=officer_a, items="文号", asked_on=D(2026, 3, 5)
        )
    assert "only once" in _messages(excinfo)
    assert Clarification.objects.filter(request=request).count() == 1


def test_no_clarification_outcome_only_after_the_deadline_passed_unclarified(unit_a, officer_a):
    """Art. 30, report row 三(六)1: "not clarified in time" may be chosen only once the
    applicant's deadline has passed without a clarification."""
    waiting = received(unit_a, officer_a, MONDAY)
    services.clarification_request(
        request=waiting,
        by=officer_a,
        items="年份",
        asked_on=D(2026, 3, 3),
        respond_by=timezone.localdate() + datetime.timedelta(days=30),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.validate_reply(waiting, Outcome.OTHER_NO_CLARIFICATION, {})
    assert "did not clarify" in _messages(excinfo)

    Clarification.objects.filter(request=waiting).update(respond_by=D(2026, 3, 24))
    services.validate_reply(waiting, Outcome.OTHER_NO_CLARIFICATION, {})

    clarified = received(unit_a, officer_a, MONDAY)
    services.clarification_request(
        request=clarified, by=officer_a, items="年份", asked_on=D(2026, 3, 3)
    )
    services.clarification_receive(
        request=clarified, by=officer_a, clarified_on=D(2026, 3, 4), response="2025 年"
    )
    with pytest.raises(ValidationError):
        services.validate_reply(clarified, Outcome.OTHER_NO_CLARIFICATION, {})

    never_asked = received(unit_a, officer_a, MONDAY)
    with pytest.raises(ValidationError):
        services.validate_reply(never_asked, Outcome.OTHER_NO_CLARIFICATION, {})


# --- Pauses (Art. 32–34) -------------------------------------------------------------------


def test_third_party_consultation_gives_fifteen_working_days_to_answer(unit_a, officer_a):
    """Art. 32: the third party has 15 working days; the pause records who approved it."""
    request = received(unit_a, officer_a, MONDAY)
    pause = services.pause_start(
        request=request,
        by=officer_a,
        kind=PauseKind.THIRD_PARTY,
        party="某某公司",
        reason="涉及商业秘密",
        started_on=D(2026, 3, 16),
    )
    assert pause.answer_due_on == _due(D(2026, 3, 16), 15)
    assert pause.approved_by == officer_a
    request = _fresh(request)
    assert request.clock_paused is True
    assert request.due_on is None


def test_paused_working_days_are_not_counted(unit_a, officer_a):
    """Art. 32–34: the due date moves by exactly the working days the clock was paused
    (Mar 17–27: 9 working days)."""
    request = received(unit_a, officer_a, MONDAY)
    assert _fresh(request).due_on == MONDAY_DUE
    pause = services.pause_start(
        request=request,
        by=officer_a,
        kind=PauseKind.AGENCY,
        party="市财政局",
        reason="征求意见",
        started_on=D(2026, 3, 16),
    )
    services.pause_end(pause=pause, by=officer_a, ended_on=D(2026, 3, 27), note="已回复")
    paused = calendar.working_days_between(D(2026, 3, 16), D(2026, 3, 27))
    assert paused == 9
    request = _fresh(request)
    assert request.due_on == _due(MONDAY_DUE, paused)
    assert request.clock_paused is False


def test_only_one_pause_may_be_open(unit_a, officer_a):
    """Art. 32–34: a second pause waits until the first has ended."""
    request = received(unit_a, officer_a, MONDAY)
    services.pause_start(
        request=request,
        by=officer_a,
        kind=PauseKind.THIRD_PARTY,
        party="甲公司",
        reason="征求意见",
        started_on=D(2026, 3, 10),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.pause_start(
            request=request,
            by=officer_a,
            kind=PauseKind.AGENCY,
            party="乙局",
            reason="征求意见",
            started_on=D(2026, 3, 11),
        )
    assert "still open" in _messages(excinfo)
    assert ClockPause.objects.filter(request=request).count() == 1


def test_a_pause_cannot_start_after_the_due_date(unit_a, officer_a):
    """Art. 32–34: once the reply is due, the clock can no longer be stopped."""
    request = received(unit_a, officer_a, MONDAY)
    with pytest.raises(ValidationError) as excinfo:
        services.pause_start(
            request=request,
            by=officer_a,
            kind=PauseKind.THIRD_PARTY,
            party="甲公司",
            reason="征求意见",
            started_on=MONDAY_DUE + datetime.timedelta(days=1),
        )
    assert "already due" in _messages(excinfo)
    assert not ClockPause.objects.filter(request=request).exists()


def test_a_pause_cannot_end_before_it_started(unit_a, officer_a):
    """Art. 32–34: the clock resumes on or after the day it stopped."""
    request = received(unit_a, officer_a, MONDAY)
    pause = services.pause_start(
        request=request,
        by=officer_a,
        kind=PauseKind.THIRD_PARTY,
        party="甲公司",
        reason="征求意见",
        started_on=D(2026, 3, 16),
    )
    with pytest.raises(ValidationError):
        services.pause_end(pause=pause, by=officer_a, ended_on=D(2026, 3, 13))
    pause.refresh_from_db()
    assert pause.ended_on is None
    assert _fresh(request).clock_paused is True


# --- Extension (Art. 33) ---------------------------------------------------------------------


def test_only_the_head_of_the_disclosure_office_extends(unit_a, officer_a, head_a, office_admin):
    """Art. 33: an extension needs the approval of the head of the disclosure office
    (REQUEST_APPROVE); a disclosure officer is refused, the Office may."""
    request = received(unit_a, officer_a, MONDAY)
    with pytest.raises(AccessDenied):
        services.extension_grant(
            request=request, by=officer_a, working_days=10, reason="需要调取档案"
        )
    assert not Extension.objects.exists()

    services.extension_grant(
        request=request, by=head_a, working_days=10, reason="需要调取档案", approved_on=MONDAY
    )
    assert _fresh(request).due_on == _due(MONDAY, 30)

    other = received(unit_a, officer_a, MONDAY)
    services.extension_grant(
        request=other, by=office_admin, working_days=20, reason="需要调取档案", approved_on=MONDAY
    )
    assert _fresh(other).due_on == _due(MONDAY, 40)


@pytest.mark.parametrize("days", [0, 21, -1])
def test_an_extension_is_one_to_twenty_working_days(unit_a, officer_a, head_a, days):
    """Art. 33: at most 20 working days (and at least one)."""
    request = received(unit_a, officer_a, MONDAY)
    with pytest.raises(ValidationError) as excinfo:
        services.extension_grant(request=request, by=head_a, working_days=days, reason="理由")
    assert "1 to 20" in _messages(excinfo)
    assert not Extension.objects.exists()
    assert _fresh(request).due_on == MONDAY_DUE


def test_the_deadline_is_extended_only_once(unit_a, officer_a, head_a):
    """Art. 33: one extension per request; a second is refused."""
    request = received(unit_a, officer_a, MONDAY)
    services.extension_grant(
        request=request, by=head_a, working_days=5, reason="理由", approved_on=D(2026, 3, 20)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.extension_grant(
            request=request, by=head_a, working_days=5, reason="理由", approved_on=D(2026, 3, 23)
        )
    assert "only once" in _messages(excinfo)
    assert Extension.objects.filter(request=request, kind=ExtensionKind.STATUTORY).count() == 1
    assert _fresh(request).due_on == _due(MONDAY, 25)


def test_no_extension_after_the_due_date(unit_a, officer_a, head_a):
    """Art. 33: the extension is decided before the period runs out."""
    request = received(unit_a, officer_a, MONDAY)
    with pytest.raises(ValidationError) as excinfo:
        services.extension_grant(
            request=request,
            by=head_a,
            working_days=5,
            reason="理由",
            approved_on=MONDAY_DUE + datetime.timedelta(days=1),
        )
    assert str(MONDAY_DUE) in _messages(excinfo)
    assert not Extension.objects.exists()


def test_an_extension_is_not_approved_in_the_future_or_before_the_receipt(
    unit_a, officer_a, head_a
):
    """Art. 33; services refuse future dates: an extension approved "tomorrow" or before the
    request arrived is not a record of a decision."""
    request = received(unit_a, officer_a, timezone.localdate() - datetime.timedelta(days=1))
    for day in (
        timezone.localdate() + datetime.timedelta(days=1),
        timezone.localdate() - datetime.timedelta(days=30),
    ):
        with pytest.raises(ValidationError):
            services.extension_grant(
                request=request, by=head_a, working_days=5, reason="理由", approved_on=day
            )
    assert not Extension.objects.exists()


def test_the_applicant_is_emailed_about_the_extension(
    unit_a, officer_a, head_a, immediate_tasks, django_capture_on_commit_callbacks
):
    """Art. 33: the applicant is told of the extension, its reason and the new due date."""
    request = received(unit_a, officer_a, MONDAY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.extension_grant(
            request=request,
            by=head_a,
            working_days=10,
            reason="需要调取档案",
            approved_on=D(2026, 3, 20),
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhangsan@example.com"]
    assert request.tracking_number in message.subject
    assert "延长" in message.subject
    assert str(_due(MONDAY, 30)) in message.body
    assert "第三十三条" in message.body


# --- Routing (§4) ----------------------------------------------------------------------------


def test_a_transfer_keeps_the_history_and_moves_the_permission(
    unit_a, unit_b, office, officer_a, officer_b, office_admin
):
    """Issue #5 §4: a request given to another unit leaves a transfer record each time; the
    old unit's officer can no longer act on it or see the applicant, the new unit's can."""
    request = received(unit_a, officer_a, MONDAY)
    services.request_assign(request=request, by=officer_a, to_unit=unit_b, reason="财政局掌握")
    request = _fresh(request)
    assert request.unit == unit_b
    assert request.received_by_unit == unit_a
    assert not has_perm(officer_a, Perm.REQUEST_HANDLE, request.unit_id)
    with pytest.raises(AccessDenied):
        services.personal_data_view(request=request, by=officer_a)
    with pytest.raises(AccessDenied):
        services.pause_start(
            request=request, by=officer_a, kind=PauseKind.AGENCY, party="乙局", reason="征求"
        )
    assert services.personal_data_view(request=request, by=officer_b)["applicant_name"] == "张三"

    services.request_assign(request=request, by=office_admin, to_unit=office, reason="退回")
    transfers = list(RequestTransfer.objects.filter(request=request))
    assert [(t.from_unit, t.to_unit) for t in transfers] == [(unit_a, unit_b), (unit_b, office)]
    assert [t.by for t in transfers] == [officer_a, office_admin]
    assert transfers[0].reason == "财政局掌握"
    kinds = list(
        RequestEvent.objects.filter(
            request=request, kind__in=[EventKind.ASSIGNED, EventKind.TRANSFERRED]
        ).values_list("kind", flat=True)
    )
    assert kinds == [EventKind.ASSIGNED, EventKind.TRANSFERRED]
    # The receipt date and the clock do not change with the unit.
    assert _fresh(request).due_on == MONDAY_DUE


def test_a_split_part_keeps_the_receipt_date_clock_and_applicant(
    unit_a, unit_b, officer_a, officer_b
):
    """Issue #5 §4: a cross-unit request is split; the part has the same applicant, receipt
    date and clock, and is handled by the other unit."""
    request = received(unit_a, officer_a, MONDAY)
    part = services.request_split(
        request=request, by=officer_a, to_unit=unit_b, description="财政局掌握的资金拨付记录"
    )
    part = _fresh(part)
    assert part.parent_id == request.pk
    assert part.unit == unit_b
    assert part.status == Status.PROCESSING
    assert part.received_on == MONDAY
    assert part.clock_started_on == MONDAY
    assert part.due_on == MONDAY_DUE
    assert part.applicant_name == "张三"
    assert part.id_number == request.id_number
    assert part.applicant_key == request.applicant_key
    assert part.query_code_hash == request.query_code_hash
    assert part.tracking_number != request.tracking_number
    assert part.info_description == "财政局掌握的资金拨付记录"
    services.pause_start(
        request=part,
        by=officer_b,
        kind=PauseKind.AGENCY,
        party="甲局",
        reason="征求",
        started_on=D(2026, 3, 10),
    )
    with pytest.raises(AccessDenied):
        services.pause_start(
            request=part, by=officer_a, kind=PauseKind.AGENCY, party="甲局", reason="征求"
        )


def test_excessive_requests_get_a_reasonable_later_deadline(unit_a, officer_a, head_a):
    """Art. 35: a request flagged as excessive may get a later deadline, set by the head of
    the disclosure office, later than the current one; unflagged requests may not."""
    request = received(unit_a, officer_a, MONDAY)
    later = D(2026, 6, 30)
    with pytest.raises(ValidationError):
        services.art35_deadline_set(request=request, by=head_a, new_due_on=later, reason="数量多")

    services.request_flag_excessive(
        request=request, by=officer_a, reasons_requested="请说明申请 200 份文件的理由"
    )
    request = _fresh(request)
    assert request.excessive
    assert RequestEvent.objects.filter(request=request, kind=EventKind.REASONS_REQUESTED).exists()

    with pytest.raises(AccessDenied):
        services.art35_deadline_set(
            request=request, by=officer_a, new_due_on=later, reason="数量多"
        )
    with pytest.raises(ValidationError):
        services.art35_deadline_set(
            request=request, by=head_a, new_due_on=MONDAY_DUE, reason="数量多"
        )
    services.art35_deadline_set(request=request, by=head_a, new_due_on=later, reason="数量多")
    assert _fresh(request).due_on == later
    assert Extension.objects.get(request=request).kind == ExtensionKind.ART35


# --- Replies (§5; Art. 36–39) ----------------------------------------------------------------


def _draft(request, by, outcome=Outcome.DISCLOSED, **data):
    data = data or {"information_text": "见附件：分配名单及评分标准。"}
    return services.reply_draft(request=request, by=by, outcome=outcome, data=data)


def _issued(request, officer, head, issued_on=None, **data) -> Reply:
    reply = _draft(request, officer, **data)
    reply = services.reply_approve(reply=reply, by=head)
    return services.reply_issue(reply=reply, by=officer, issued_on=issued_on)


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome.WITHHELD_STATE_SECRET,
        Outcome.WITHHELD_LAW_PROHIBITS,
        Outcome.WITHHELD_SECURITY,
        Outcome.WITHHELD_THIRD_PARTY,
        Outcome.WITHHELD_INTERNAL,
        Outcome.WITHHELD_PROCESS,
        Outcome.WITHHELD_ENFORCEMENT,
        Outcome.WITHHELD_QUERY,
    ],
)
def test_a_withheld_reply_needs_its_reasons(unit_a, officer_a, outcome):
    """Art. 36(3), issue #5 bad input: an officer cannot withhold without giving reasons."""
    request = received(unit_a, officer_a, MONDAY)
    with pytest.raises(ValidationError) as excinfo:
        services.validate_reply(request, outcome, {"reasons": "  "})
    assert "reasons" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        services.reply_draft(request=request, by=officer_a, outcome=outcome, data={})
    assert not Reply.objects.exists()
    services.validate_reply(request, outcome, {"reasons": "属于国家秘密，依法不予公开。"})


def test_a_partial_disclosure_lists_every_withheld_part_with_its_reason(unit_a, officer_a):
    """Art. 37: a partial disclosure says which parts are withheld and why; a list missing,
    or a part lacking its ground or reason, is refused."""
    request = received(unit_a, officer_a, MONDAY)
    text = {"information_text": "见附件。"}
    with pytest.raises(ValidationError) as excinfo:
        services.validate_reply(request, Outcome.PARTIAL, {**text, "withheld_parts": []})
    assert "Art. 37" in _messages(excinfo)

    good = {"part": "申请人身份证号码", "ground": PartialGround.THIRD_PARTY, "reason": "个人隐私"}
    for broken in (
        {**good, "reason": ""},
        {**good, "ground": "because"},
        {**good, "part": ""},
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.validate_reply(
                request, Outcome.PARTIAL, {**text, "withheld_parts": [good, broken]}
            )
        assert "withheld part 2" in _messages(excinfo)
    services.validate_reply(request, Outcome.PARTIAL, {**text, "withheld_parts": [good]})


def test_not_this_agency_names_the_agency_that_holds_it_and_its_contact(unit_a, officer_a):
    """Art. 36(5): "held by another agency" tells the applicant its name and contact."""
    request = received(unit_a, officer_a, MONDAY)
    for data in (
        {},
        {"other_agency_name": "天津市规划和自然资源局"},
        {"other_agency_contact": "022-12345678"},
    ):
        with pytest.raises(ValidationError):
            services.validate_reply(request, Outcome.UNABLE_OTHER_AGENCY, data)
    services.validate_reply(
        request,
        Outcome.UNABLE_OTHER_AGENCY,
        {"other_agency_name": "天津市规划和自然资源局", "other_agency_contact": "022-12345678"},
    )


def test_reply_drafts_refuse_unknown_fields(unit_a, officer_a):
    """Only the reply's own fields are taken (no state or number from a form)."""
    request = received(unit_a, officer_a, MONDAY)
    with pytest.raises(ValidationError):
        services.reply_draft(
            request=request,
            by=officer_a,
            outcome=Outcome.DISCLOSED,
            data={"information_text": "见附件", "state": "issued"},
        )
    assert not Reply.objects.exists()


def test_a_reply_is_issued_only_after_approval(unit_a, officer_a, head_a):
    """Art. 33 / issue #5 §5: the letter is approved by the head of the disclosure office
    before it is issued; an officer cannot approve."""
    request = received(unit_a, officer_a, MONDAY)
    reply = _draft(request, officer_a)
    with pytest.raises(ValidationError) as excinfo:
        services.reply_issue(reply=reply, by=officer_a)
    assert "approved" in _messages(excinfo)
    with pytest.raises(AccessDenied):
        services.reply_approve(reply=reply, by=officer_a)
    reply.refresh_from_db()
    assert reply.state == ReplyState.DRAFT
    assert reply.letter_number == ""
    assert _fresh(request).status == Status.PROCESSING

    reply = services.reply_approve(reply=reply, by=head_a)
    reply = services.reply_issue(reply=reply, by=officer_a, issued_on=D(2026, 3, 20))
    request = _fresh(request)
    assert reply.state == ReplyState.ISSUED
    assert request.status == Status.CLOSED
    assert request.outcome == Outcome.DISCLOSED
    assert reply.letter_docx.name.endswith(".docx")
    assert reply.letter_pdf.name.endswith(".pdf")


def test_nothing_more_after_the_request_is_closed(unit_a, officer_a, head_a):
    """Issue #5 bad input: a reply after the request was closed is refused, as is any
    other step."""
    request = received(unit_a, officer_a, MONDAY)
    reply = _issued(request, officer_a, head_a, issued_on=D(2026, 3, 20))
    with pytest.raises(ValidationError) as excinfo:
        _draft(request, officer_a, Outcome.UNABLE_NOT_HELD, reasons="经检索未找到")
    assert "closed" in _messages(excinfo)
    with pytest.raises(ValidationError):
        services.reply_approve(reply=reply, by=head_a)
    with pytest.raises(ValidationError):
        services.pause_start(
            request=request, by=officer_a, kind=PauseKind.AGENCY, party="甲局", reason="征求"
        )
    reply.refresh_from_db()
    assert reply.outcome == Outcome.DISCLOSED
    assert reply.state == ReplyState.ISSUED


def test_a_reply_cannot_be_dated_before_the_request_was_received(unit_a, officer_a, head_a):
    """Art. 33: a reply answers a received request; a letter dated before the receipt
    date would count as answered before it arrived."""
    request = received(unit_a, officer_a, MONDAY)
    reply = services.reply_approve(reply=_draft(request, officer_a), by=head_a)
    with pytest.raises(ValidationError):
        services.reply_issue(reply=reply, by=officer_a, issued_on=D(2026, 2, 27))
    assert _fresh(request).status == Status.PROCESSING
    assert not LetterSerial.objects.exists()


def test_letter_numbers_count_up_per_unit_and_year_and_never_repeat(
    unit_a, unit_b, officer_a, head_a, officer_b, head_b
):
    """Issue #5 §5: letters are numbered prefix〔year〕n号 per unit and year; two issued in a
    row get consecutive numbers, another unit and another year start at 1."""
    first = _issued(received(unit_a, officer_a, MONDAY), officer_a, head_a, D(2026, 3, 20))
    second = _issued(received(unit_a, officer_a, MONDAY), officer_a, head_a, D(2026, 3, 20))
    other_unit = _issued(received(unit_b, officer_b, MONDAY), officer_b, head_b, D(2026, 3, 20))
    assert first.letter_number == "津生依申复〔2026〕1号"
    assert second.letter_number == "津生依申复〔2026〕2号"
    assert other_unit.letter_number == "津生依申复〔2026〕1号"
    third = _issued(received(unit_a, officer_a, MONDAY), officer_a, head_a, D(2026, 3, 23))
    assert third.letter_number == "津生依申复〔2026〕3号"
    last_year = _issued(
        received(unit_a, officer_a, D(2025, 12, 1)), officer_a, head_a, D(2025, 12, 10)
    )
    assert last_year.letter_number == "津生依申复〔2025〕1号"
    numbers = list(
        Reply.objects.filter(request__unit=unit_a).values_list("letter_number", flat=True)
    )
    assert len(set(numbers)) == len(numbers) == 4
    assert LetterSerial.objects.get(unit=unit_a, year=2026).last == 3


# --- Two officers at once (no lost update) ---------------------------------------------------


def test_the_second_of_two_officers_acting_on_one_version_is_refused(unit_a, officer_a, officer_a2):
    """Issue #5 bad input: both officers loaded version v; the first acts, the second's
    action with version v is refused ("someone else") and changes nothing."""
    request = received(unit_a, officer_a, MONDAY)
    version = _fresh(request).version
    page_of_first, page_of_second = _fresh(request), _fresh(request)

    services.pause_start(
        request=page_of_first,
        by=officer_a,
        kind=PauseKind.THIRD_PARTY,
        party="甲公司",
        reason="征求意见",
        started_on=D(2026, 3, 4),
        version=version,
    )
    after_first = _fresh(request)
    assert after_first.version == version + 1
    events = RequestEvent.objects.filter(request=request).count()

    with pytest.raises(ValidationError) as excinfo:
        services.clarification_request(
            request=page_of_second,
            by=officer_a2,
            items="年份",
            asked_on=D(2026, 3, 5),
            version=version,
        )
    assert "Someone else" in _messages(excinfo)
    assert "其他人" in _messages(excinfo)
    with pytest.raises(ValidationError):
        services.request_flag_excessive(
            request=page_of_second, by=officer_a2, reasons_requested="理由", version=version
        )
    now = _fresh(request)
    assert not Clarification.objects.filter(request=request).exists()
    assert (now.version, now.status, now.excessive) == (version + 1, Status.PROCESSING, False)
    assert RequestEvent.objects.filter(request=request).count() == events

    # With the fresh version the second officer's step goes through.
    services.request_flag_excessive(
        request=page_of_second, by=officer_a2, reasons_requested="理由", version=now.version
    )
    assert _fresh(request).excessive
