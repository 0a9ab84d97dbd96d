"""Demo disclosure requests for `gongkai demo`: one in each state, made through the services,
loaded again without duplicates (issue #5)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gongkai.accounts.models import Membership, Role, User
from gongkai.core import calendar
from gongkai.core.models import AuditEntry
from gongkai.disclosure_requests import reminders
from gongkai.disclosure_requests.choices import (
    ExtensionKind,
    Outcome,
    PauseKind,
    ReplyState,
    ReviewResult,
    Status,
)
from gongkai.disclosure_requests.demo import demo_key, load_demo_requests, working_day_before
from gongkai.disclosure_requests.models import (
    DisclosureRequest,
    Extension,
    FeeNotice,
    Reply,
    RequestEvent,
    ReviewCase,
)
from gongkai.units.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db

COUNTED = [DisclosureRequest, Reply, Extension, FeeNotice, ReviewCase, RequestEvent, AuditEntry]


def _by_key() -> dict[str, DisclosureRequest]:
    names = [
        "submitted",
        "due-soon",
        "overdue",
        "clarification",
        "third-party",
        "extended",
        "fee",
        "partial",
        "reviewed",
    ]
    found = {r.submission_key: r for r in DisclosureRequest.objects.select_related("unit")}
    return {name: found[demo_key(name)] for name in names}


def test_the_demo_has_a_disclosure_head_who_signs_in_with_the_demo_password():
    """jsj-head heads 建设局's disclosure office (approves extensions and letters) and is
    listed with the demo sign-ins; jsj-officer is the unit's disclosure officer."""
    result = load_demo()

    head = User.objects.get(username="jsj-head")
    assert head.check_password(DEMO_PASSWORD)
    assert Membership.objects.filter(
        user=head, unit__code="JSJ", role=Role.DISCLOSURE_HEAD
    ).exists()
    assert Membership.objects.filter(
        user__username="jsj-officer", unit__code="JSJ", role=Role.DISCLOSURE_OFFICER
    ).exists()
    login = next(x for x in result.logins if x.username == "jsj-head")
    assert "head of the disclosure office" in login.role
    assert login.unit == "建设局"


def test_demo_requests_show_every_state_and_load_once():
    """Nine requests: awaiting receipt, due soon, overdue, awaiting clarification, paused for
    a third party, extended, waiting for a fee, replied in part with its letter and file, and
    closed with an upheld review; a second load adds nothing."""
    load_demo()

    assert load_demo_requests() == 9

    found = _by_key()
    assert found["submitted"].status == Status.SUBMITTED
    assert found["submitted"].due_on is None

    today = timezone.localdate()
    cal = calendar.working_calendar()
    due = {item.request.pk: item for item in reminders.due_items(today=today)}
    assert found["due-soon"].pk in due
    assert not due[found["due-soon"].pk].overdue
    assert found["overdue"].pk in due
    assert due[found["overdue"].pk].overdue
    assert found["overdue"].unit.code == "JJJ"
    assert found["due-soon"].received_on == working_day_before(today, 18, cal)

    assert found["clarification"].status == Status.CLARIFICATION
    assert found["clarification"].clock_paused
    third = found["third-party"]
    assert third.clock_paused
    assert third.pauses.get().kind == PauseKind.THIRD_PARTY
    extension = found["extended"].extensions.get()
    assert (extension.kind, extension.working_days) == (ExtensionKind.STATUTORY, 20)
    assert extension.approved_by.username == "jsj-head"
    assert found["fee"].fee_notice.amount > 0
    assert found["fee"].clock_paused

    partial = found["partial"]
    assert (partial.status, partial.outcome) == (Status.CLOSED, Outcome.PARTIAL)
    reply = partial.reply
    assert reply.state == ReplyState.ISSUED
    assert reply.approved_by.username == "jsj-head"
    assert reply.letter_number
    assert reply.letter_docx
    assert reply.letter_pdf
    assert reply.files.count() == 1
    assert reply.delivered_on is not None

    reviewed = found["reviewed"]
    assert reviewed.status == Status.CLOSED
    assert reviewed.review_cases.get().result == ReviewResult.UPHELD
    assert reviewed.broad_interest  # housing expropriation: prompted for conversion

    before = {model.__name__: model.objects.count() for model in COUNTED}
    assert load_demo_requests() == 0
    assert {model.__name__: model.objects.count() for model in COUNTED} == before


def test_demo_requests_need_the_demo_staff():
    """Without the demo units and accounts nothing is created (and nothing fails)."""
    assert load_demo_requests() == 0
    assert not DisclosureRequest.objects.exists()
