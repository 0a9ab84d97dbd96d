"""The back-office pages where units handle disclosure requests (issue #5 §1–§6, §8–§11;
R-5.2, R-4.3; Regulation Art. 29–45), through HTTP with the Django test client.

Least privilege (only the unit's disclosure officers and the Office see a request),
personal data masked until shown and every showing logged, the clock's working on the
page, every action once through its form, and the bad inputs the issue names: a second
clarification, an extension without the head's approval or beyond 20 working days, a
withheld reply without reasons, a partial one without its withheld parts, a reply after
closing, and two officers acting at once.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from gongkai.accounts.models import Role
from gongkai.core import calendar
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    Channel,
    FeeMethod,
    Outcome,
    PartialGround,
    PauseKind,
    ReplyState,
    ReviewKind,
    ReviewResult,
    Status,
)
from gongkai.disclosure_requests.clock import step_text
from gongkai.disclosure_requests.models import (
    DisclosureRequest,
    Extension,
    FeeNotice,
    Reply,
    RequestTransfer,
    ReviewCase,
)
from gongkai.disclosure_requests.tests.factories import RESIDENT_ID, person, received
from gongkai.library.models import Document
from gongkai.library.tests.test_attachments import make_pdf

D = datetime.date
STALE = "Someone else has just changed this request"


@pytest.fixture
def officer_a(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def head_a(make_user, unit_a):
    return make_user("head-a", unit_a, Role.DISCLOSURE_HEAD)


@pytest.fixture
def officer_b(make_user, unit_b):
    return make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER)


def _detail(dr: DisclosureRequest) -> str:
    return reverse("requests_staff:detail", args=[dr.tracking_number])


def _url(dr: DisclosureRequest, action: str) -> str:
    return reverse(f"requests_staff:{action}", args=[dr.tracking_number])


def _post(client, dr: DisclosureRequest, action: str, **data: Any):
    """Post an action form as the page would: with the request's current version."""
    data.setdefault("version", DisclosureRequest.objects.get(pk=dr.pk).version)
    return client.post(_url(dr, action), data)


def _fresh(dr: DisclosureRequest) -> DisclosureRequest:
    return DisclosureRequest.objects.get(pk=dr.pk)


def _text(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _today() -> datetime.date:
    return timezone.localdate()


# --- Least privilege -----------------------------------------------------------------------


def test_an_officer_of_another_unit_gets_404_for_the_request_and_its_actions(
    client, unit_a, officer_a, officer_b
):
    """A request of unit A does not exist for unit B's officer: page, actions, downloads."""
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_b)
    assert client.get(_detail(dr)).status_code == 404
    assert _post(client, dr, "flag_excessive", reasons_requested="x").status_code == 404
    assert client.post(_url(dr, "personal_data")).status_code == 404
    letter = reverse("requests_staff:letter_download", args=[dr.tracking_number, "pdf"])
    assert client.get(letter).status_code == 404
    assert not _fresh(dr).excessive


def test_unit_admins_and_editors_without_an_officer_role_see_no_request(
    client, unit_a, officer_a, unit_admin_a, editor_a
):
    """Administering or editing for a unit does not show its requests (R-4.3)."""
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    for user in (unit_admin_a, editor_a):
        client.force_login(user)
        assert client.get(_detail(dr)).status_code == 404
        page = client.get(reverse("requests_staff:list"))
        assert page.status_code == 200
        assert dr.tracking_number not in _text(page)


def test_the_office_sees_every_unit_s_requests(
    client, unit_a, unit_b, officer_a, officer_b, office_admin
):
    """The Office's list and pages cover every unit."""
    first = received(unit_a, officer_a, D(2026, 3, 2))
    second = received(unit_b, officer_b, D(2026, 3, 2))
    client.force_login(office_admin)
    page = _text(client.get(reverse("requests_staff:list")))
    assert first.tracking_number in page
    assert second.tracking_number in page
    assert client.get(_detail(second)).status_code == 200


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, unit_a, officer_a):
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    response = client.get(_detail(dr))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- Personal data (R-4.3) ------------------------------------------------------------------


def test_lists_show_the_applicant_type_and_never_personal_data(client, unit_a, officer_a):
    received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    for name in ("list", "due"):
        page = _text(client.get(reverse(f"requests_staff:{name}")))
        for value in ("张三", RESIDENT_ID, "13812345678", "zhangsan@example.com"):
            assert value not in page
    page = _text(client.get(reverse("requests_staff:list")))
    assert str(DisclosureRequest._meta.get_field("applicant_kind").choices[0][1]) in page


def test_personal_data_is_masked_until_shown_and_each_showing_is_logged(client, unit_a, officer_a):
    """The page masks the name and numbers (张* · 1101**********002X); "show personal data"
    shows them in full on that response only and writes a personal_view audit entry each
    time."""
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    page = _text(client.get(_detail(dr)))
    assert "张*" in page
    assert "1101**********002X" in page
    assert "138****5678" in page
    assert RESIDENT_ID not in page
    assert "张三" not in page
    assert "13812345678" not in page
    views = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_VIEW)
    assert views.count() == 0

    shown = client.post(_url(dr, "personal_data"))
    assert shown.status_code == 200
    assert RESIDENT_ID in _text(shown)
    assert "张三" in _text(shown)
    assert "no-store" in shown["Cache-Control"]
    assert views.count() == 1
    entry = views.get()
    assert (entry.actor, entry.object_id) == (officer_a, str(dr.pk))

    client.post(_url(dr, "personal_data"))
    assert views.count() == 2
    assert RESIDENT_ID not in _text(client.get(_detail(dr)))
    assert client.get(_url(dr, "personal_data")).status_code == 405


def test_attachments_download_for_handlers_only_and_each_download_is_logged(
    client, unit_a, officer_a, officer_b
):
    """An applicant's attachment may show their identity document: handlers only, logged."""
    dr, _code = services.request_register(
        unit=unit_a,
        by=officer_a,
        data=person(),
        channel=Channel.IN_PERSON,
        received_on=D(2026, 3, 2),
        attachments=[("身份证复印件.pdf", make_pdf(["ID copy"]))],
    )
    attachment = dr.attachments.get()
    url = reverse("requests_staff:attachment_download", args=[dr.tracking_number, attachment.pk])
    client.force_login(officer_b)
    assert client.get(url).status_code == 404
    client.force_login(officer_a)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_VIEW).count() == 1


# --- The clock's working (R-5.2) -----------------------------------------------------------


def test_the_page_shows_the_due_date_and_how_it_was_reached(client, unit_a, officer_a):
    """Received Friday 2026-02-06 (Spring Festival, make-up Saturdays): due 2026-03-12; the
    page lists the steps and a day-by-day table with the running count."""
    dr = received(unit_a, officer_a, D(2026, 2, 6))
    client.force_login(officer_a)
    page = _text(client.get(_detail(dr)))
    assert "2026-03-12" in page
    result = services.clock_for(dr)
    for step in result.steps:
        assert escape(step_text(step)) in page
    assert 'id="clock-days"' in page
    assert 'title="2026-02-14"' in page  # the make-up Saturday is in the table
    assert 'class="counted due' in page


def test_a_pause_through_the_forms_shows_counted_and_paused_stretches(client, unit_a, officer_a):
    """A third-party consultation from 2026-02-24 to 2026-03-03 stops 6 working days (Feb
    25–27, make-up Sat Feb 28, Mar 2–3): the due date moves from 2026-03-12 by 6 working
    days and the working shows counted, paused, counted (Art. 32)."""
    dr = received(unit_a, officer_a, D(2026, 2, 6))
    client.force_login(officer_a)
    response = _post(
        client,
        dr,
        "pause_start",
        kind=PauseKind.THIRD_PARTY,
        party="某某科技有限公司",
        reason="涉及第三方商业秘密",
        started_on="2026-02-24",
    )
    assert response.status_code == 302, _text(response)
    assert _fresh(dr).clock_paused
    pause = dr.pauses.get()
    response = _post(
        client, dr, "pause_end", pause=pause.pk, ended_on="2026-03-03", note="同意公开"
    )
    assert response.status_code == 302, _text(response)
    fresh = _fresh(dr)
    expected = calendar.add_working_days(D(2026, 3, 12), 6).date
    assert fresh.due_on == expected
    page = _text(client.get(_detail(dr)))
    result = services.clock_for(fresh)
    assert [s.kind for s in result.steps] == ["start", "counted", "paused", "counted", "due"]
    for step in result.steps:
        assert escape(step_text(step)) in page
    assert expected.isoformat() in page


# --- Registering an application (Art. 29, 31) -------------------------------------------


def _register_data(unit, **overrides: Any) -> dict[str, Any]:
    data = {
        **person(),
        "unit": unit.pk,
        "channel": Channel.IN_PERSON,
        "received_on": "2026-03-02",
        "filled_for_applicant": "on",
    }
    data.update(overrides)
    return data


def test_registering_shows_the_tracking_number_and_query_code_once(client, unit_a, officer_a):
    """A request handed in at the counter: registered with its receipt date and a scan;
    the tracking number and query code are shown once, to give to the applicant."""
    client.force_login(officer_a)
    form = client.get(reverse("requests_staff:register"))
    assert form.status_code == 200
    data = _register_data(unit_a, attachments=SimpleUploadedFile("申请表.pdf", make_pdf(["form"])))
    response = client.post(reverse("requests_staff:register"), data)
    assert response.status_code == 302, _text(response)
    dr = DisclosureRequest.objects.get()
    assert (dr.channel, dr.received_on, dr.filled_for_applicant) == (
        Channel.IN_PERSON,
        D(2026, 3, 2),
        True,
    )
    assert dr.attachments.count() == 1
    shown = client.get(response["Location"])
    page = _text(shown)
    assert dr.tracking_number in page
    code = page.split('id="query-code">')[1].split("<")[0]
    assert services.request_lookup(
        tracking_number=dr.tracking_number, query_code=code, ip="1.2.3.4"
    )
    again = client.get(reverse("requests_staff:registered"))
    assert again.status_code == 302  # shown once only


def test_registering_in_person_without_a_receipt_date_is_refused_on_the_field(
    client, unit_a, officer_a
):
    """In person and registered post need the receipt date (Art. 31); bad identity numbers
    are refused with a clear message; nothing is saved."""
    client.force_login(officer_a)
    response = client.post(
        reverse("requests_staff:register"),
        _register_data(unit_a, received_on="", id_number="110105194912310021"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "received_on" in errors or "id_number" in errors
    assert "id_number" in errors
    assert DisclosureRequest.objects.count() == 0


def test_registering_by_ordinary_post_then_confirming_the_receipt(client, unit_a, officer_a):
    """Ordinary post: the receipt date may be confirmed later; then the clock starts."""
    client.force_login(officer_a)
    response = client.post(
        reverse("requests_staff:register"),
        _register_data(unit_a, channel=Channel.ORDINARY_POST, received_on=""),
    )
    assert response.status_code == 302, _text(response)
    dr = DisclosureRequest.objects.get()
    assert dr.status == Status.SUBMITTED
    assert dr.due_on is None
    assert "confirm_receipt" in _text(client.get(_detail(dr)))
    today = _today().isoformat()
    response = _post(client, dr, "confirm_receipt", received_on=today)
    assert response.status_code == 302, _text(response)
    fresh = _fresh(dr)
    assert fresh.status == Status.PROCESSING
    assert fresh.received_on == _today()
    assert fresh.due_on == calendar.add_working_days(_today(), 20).date


def test_the_register_page_is_refused_to_staff_who_handle_no_requests(client, editor_a):
    client.force_login(editor_a)
    assert client.get(reverse("requests_staff:register")).status_code == 403


# --- Routing --------------------------------------------------------------------------------


def test_transfer_to_another_unit_keeps_the_history(client, unit_a, unit_b, officer_a):
    """After the transfer the request belongs to unit B; officer A is sent back to the list."""
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    response = _post(client, dr, "assign", to_unit=unit_b.pk, reason="信息由财政局掌握")
    assert response.status_code == 302
    assert response["Location"] == reverse("requests_staff:list")
    assert _fresh(dr).unit == unit_b
    transfer = RequestTransfer.objects.get()
    assert (transfer.from_unit, transfer.to_unit) == (unit_a, unit_b)


def test_split_a_part_to_another_unit(client, unit_a, unit_b, officer_a, officer_b):
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    response = _post(client, dr, "split", to_unit=unit_b.pk, description="财政资金拨付部分")
    assert response.status_code == 302, _text(response)
    part = DisclosureRequest.objects.get(parent=dr)
    assert (part.unit, part.received_on, part.due_on) == (unit_b, dr.received_on, dr.due_on)
    client.force_login(officer_b)
    assert client.get(_detail(part)).status_code == 200


# --- Clarification (Art. 30) ------------------------------------------------------------


def test_clarification_asked_received_and_never_asked_twice(client, unit_a, officer_a):
    """Asked within 7 working days; the clock stops, then restarts in full from the day the
    clarification arrives; a second clarification is refused with a clear message."""
    today = _today()
    dr = received(unit_a, officer_a, today)
    client.force_login(officer_a)
    response = _post(client, dr, "clarification_request", items="请写明所需信息的年份")
    assert response.status_code == 302, _text(response)
    assert _fresh(dr).status == Status.CLARIFICATION
    response = _post(
        client, dr, "clarification_receive", clarified_on=today.isoformat(), response="2025 年"
    )
    assert response.status_code == 302, _text(response)
    fresh = _fresh(dr)
    assert fresh.status == Status.PROCESSING
    assert fresh.clock_started_on == today

    again = _post(client, dr, "clarification_request", items="还有一项")
    assert again.status_code == 200
    assert "A clarification may be asked only once (Art. 30)" in _text(again)
    assert 'id="action-error"' in _text(again)
    assert _fresh(dr).version == fresh.version


# --- Extensions and Art. 35 ------------------------------------------------------------


def test_an_extension_needs_the_head_and_at_most_20_working_days(client, unit_a, officer_a, head_a):
    """An officer without REQUEST_APPROVE gets 403; 21 days are refused on the field; the
    head's 10 days make it 30 working days from receipt (Art. 33)."""
    today = _today()
    dr = received(unit_a, officer_a, today)
    client.force_login(officer_a)
    assert 'id="action-extension"' not in _text(client.get(_detail(dr)))
    denied = _post(client, dr, "extension", working_days=10, reason="信息量大")
    assert denied.status_code == 403
    assert "您没有权限" in _text(denied)

    client.force_login(head_a)
    assert 'id="action-extension"' in _text(client.get(_detail(dr)))
    too_long = _post(client, dr, "extension", working_days=21, reason="信息量大")
    assert too_long.status_code == 200
    assert too_long.context["failed"].form.errors["working_days"]
    assert Extension.objects.count() == 0
    ok = _post(client, dr, "extension", working_days=10, reason="信息量大")
    assert ok.status_code == 302, _text(ok)
    assert _fresh(dr).due_on == calendar.add_working_days(today, 30).date


def test_excessive_requests_get_reasons_asked_and_a_later_deadline(
    client, unit_a, officer_a, head_a
):
    dr = received(unit_a, officer_a, D(2026, 2, 6))
    client.force_login(officer_a)
    response = _post(client, dr, "flag_excessive", reasons_requested="请说明申请 200 件的理由")
    assert response.status_code == 302, _text(response)
    assert _fresh(dr).excessive
    client.force_login(head_a)
    response = _post(client, dr, "art35_deadline", new_due_on="2026-06-30", reason="数量巨大")
    assert response.status_code == 302, _text(response)
    assert _fresh(dr).due_on == D(2026, 6, 30)


# --- Fees (Art. 42) ----------------------------------------------------------------------


def test_fee_notice_with_a_quote_and_the_payment(client, unit_a, officer_a):
    """By volume, 50 pages: 20 × 10 yuan = 200 yuan; the page quotes it before issuing."""
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    quoted = _text(client.get(_detail(dr) + "?quote_pages=50"))
    assert 'id="fee-quote"' in quoted
    assert "200" in quoted
    free = _post(client, dr, "fee_notice", method=FeeMethod.PER_REQUEST)
    assert free.status_code == 200
    assert "no fee is due" in _text(free)
    response = _post(client, dr, "fee_notice", method=FeeMethod.PER_VOLUME, pages=50)
    assert response.status_code == 302, _text(response)
    notice = FeeNotice.objects.get()
    assert notice.amount == Decimal("200")
    response = _post(
        client, dr, "fee_payment", paid_on=_today().isoformat(), amount="200.00", reference="P1"
    )
    assert response.status_code == 302, _text(response)
    notice.refresh_from_db()
    assert notice.paid_on == _today()


# --- Replies (Art. 36–39) ---------------------------------------------------------------


def test_a_withheld_reply_needs_reasons_and_a_partial_one_its_withheld_parts(
    client, unit_a, officer_a
):
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    withheld = _post(client, dr, "reply_draft", outcome=Outcome.WITHHELD_STATE_SECRET, reasons="")
    assert withheld.status_code == 200
    assert withheld.context["failed"].form.errors["reasons"]
    partial = _post(client, dr, "reply_draft", outcome=Outcome.PARTIAL, information_text="见附件")
    assert partial.status_code == 200
    assert "Art. 37" in _text(partial)
    assert not Reply.objects.exists()


def test_two_officers_at_once_the_second_is_told_and_nothing_is_lost(
    client, unit_a, officer_a, make_user
):
    """The second officer's form carries the version their page was built from; after the
    first officer's change it is refused with "someone else changed" and changes nothing."""
    other = make_user("officer-a2", unit_a, Role.DISCLOSURE_OFFICER)
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    seen = dr.version
    client.force_login(other)
    response = _post(client, dr, "flag_excessive", reasons_requested="请说明理由")
    assert response.status_code == 302
    client.force_login(officer_a)
    stale = _post(
        client,
        dr,
        "reply_draft",
        version=seen,
        outcome=Outcome.DISCLOSED,
        information_text="见附件",
        letter_text="答复正文",
    )
    assert stale.status_code == 200
    assert STALE in _text(stale)
    assert not Reply.objects.exists()
    # The re-rendered form carries the latest version: sending it again works.
    assert stale.context["failed"].form["version"].value() == str(_fresh(dr).version)


def test_the_reply_from_draft_to_issued_letter_delivery_conversion_and_review(
    client, unit_a, officer_a, head_a
):
    """Draft (officer) → approve (head) → issue → download the DOCX and PDF; attach a
    released file, record the delivery, convert to proactive disclosure (R-5.2), record a
    review and its result; a reply after closing is refused."""
    dr = received(unit_a, officer_a, D(2026, 3, 2), key_area="housing_expropriation")
    client.force_login(officer_a)
    response = _post(
        client,
        dr,
        "reply_draft",
        outcome=Outcome.DISCLOSED,
        information_text="2025 年保障性住房分配名单见附件。",
        page_count="3",
        regenerate="on",
    )
    assert response.status_code == 302, _text(response)
    reply = Reply.objects.get()
    assert reply.state == ReplyState.DRAFT
    assert reply.letter_text
    # The officer edits the letter; the edited text is kept.
    edited = reply.letter_text + "\n特此告知。"
    response = _post(
        client,
        dr,
        "reply_draft",
        outcome=Outcome.DISCLOSED,
        information_text="2025 年保障性住房分配名单见附件。",
        letter_text=edited,
    )
    assert response.status_code == 302, _text(response)
    reply.refresh_from_db()
    assert reply.letter_text == edited.strip()

    assert _post(client, dr, "reply_approve").status_code == 403
    client.force_login(head_a)
    response = _post(client, dr, "reply_approve")
    assert response.status_code == 302, _text(response)
    client.force_login(officer_a)
    pdf = SimpleUploadedFile("分配名单.pdf", make_pdf(["list"]), content_type="application/pdf")
    response = client.post(
        _url(dr, "released_file_add"), {"version": _fresh(dr).version, "file": pdf}
    )
    assert response.status_code == 302, _text(response)
    response = _post(client, dr, "reply_issue", issued_on=_today().isoformat())
    assert response.status_code == 302, _text(response)
    fresh = _fresh(dr)
    assert fresh.status == Status.CLOSED
    assert fresh.outcome == Outcome.DISCLOSED
    assert fresh.broad_interest
    page = _text(client.get(_detail(dr)))
    assert 'id="convert-prompt"' in page

    docx = client.get(reverse("requests_staff:letter_download", args=[dr.tracking_number, "docx"]))
    assert docx.status_code == 200
    assert b"".join(docx.streaming_content).startswith(b"PK")
    pdf_letter = client.get(
        reverse("requests_staff:letter_download", args=[dr.tracking_number, "pdf"])
    )
    assert b"".join(pdf_letter.streaming_content).startswith(b"%PDF")
    released = reply.files.get()
    download = client.get(
        reverse("requests_staff:released_file_download", args=[dr.tracking_number, released.pk])
    )
    assert download.status_code == 200

    response = _post(
        client, dr, "delivery", method="email", delivered_on=_today().isoformat(), note="已发送"
    )
    assert response.status_code == 302, _text(response)
    response = _post(client, dr, "convert", title="2025 年保障性住房分配结果")
    assert response.status_code == 302, _text(response)
    document = Document.objects.get()
    assert _fresh(dr).converted_document == document
    assert "张三" not in document.body

    response = _post(
        client,
        dr,
        "review_record",
        kind=ReviewKind.REVIEW,
        received_on=_today().isoformat(),
        result=ReviewResult.PENDING,
        case_number="复议〔2026〕1号",
    )
    assert response.status_code == 302, _text(response)
    case = ReviewCase.objects.get()
    response = _post(
        client,
        dr,
        "review_update",
        case=case.pk,
        result=ReviewResult.UPHELD,
        decided_on=_today().isoformat(),
    )
    assert response.status_code == 302, _text(response)
    case.refresh_from_db()
    assert case.result == ReviewResult.UPHELD

    after = _post(client, dr, "reply_draft", outcome=Outcome.DISCLOSED, information_text="再答复")
    assert after.status_code == 200
    assert "This request is closed" in _text(after)


def test_every_action_succeeds_with_a_success_message(client, unit_a, officer_a):
    """A successful action redirects to the request's page with a message."""
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    response = _post(client, dr, "flag_excessive", reasons_requested="请说明理由")
    assert response.status_code == 302
    assert response["Location"] == _detail(dr)
    assert _messages(response)


def test_actions_only_accept_post(client, unit_a, officer_a):
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    assert client.get(_url(dr, "flag_excessive")).status_code == 405


def test_a_partial_reply_with_its_withheld_parts_through_the_rows(client, unit_a, officer_a):
    """The withheld parts are table rows (part, ground, reason); blank rows are ignored."""
    dr = received(unit_a, officer_a, D(2026, 3, 2))
    client.force_login(officer_a)
    data = {
        "outcome": Outcome.PARTIAL,
        "information_text": "评分标准见附件。",
        "letter_text": "答复正文",
        "withheld-TOTAL_FORMS": "5",
        "withheld-INITIAL_FORMS": "0",
        "withheld-0-part": "申请人身份证号码",
        "withheld-0-ground": PartialGround.THIRD_PARTY,
        "withheld-0-reason": "涉及个人隐私",
    }
    response = _post(client, dr, "reply_draft", **data)
    assert response.status_code == 302, _text(response)
    assert Reply.objects.get().withheld_parts == [
        {"part": "申请人身份证号码", "ground": "third_party", "reason": "涉及个人隐私"}
    ]


# --- Duplicates (Art. 36 (6)) -----------------------------------------------------------


def test_an_earlier_request_for_the_same_information_is_suggested(client, unit_a, officer_a):
    first = received(unit_a, officer_a, D(2026, 3, 2))
    second = received(unit_a, officer_a, D(2026, 3, 9))
    client.force_login(officer_a)
    page = _text(client.get(_detail(second)))
    assert 'id="similar-requests"' in page
    assert first.tracking_number in page


# --- Lists ------------------------------------------------------------------------------


def test_the_list_filters_and_marks_unconfirmed_due_dates(client, unit_a, officer_a):
    """A clock running into 2027 (calendar not yet confirmed) is marked on the list."""
    late = received(unit_a, officer_a, _today())
    client.force_login(officer_a)
    page = _text(client.get(reverse("requests_staff:list")))
    assert late.tracking_number in page
    if not _fresh(late).due_confirmed:
        assert "gk-unconfirmed" in page
    closed = _text(client.get(reverse("requests_staff:list") + "?status=closed"))
    assert late.tracking_number not in closed


def test_the_due_page_groups_by_unit_for_the_office(
    client, unit_a, unit_b, officer_a, officer_b, office_admin
):
    """Requests received in February 2026 are long overdue; the Office sees both units."""
    first = received(unit_a, officer_a, D(2026, 2, 6))
    second = received(unit_b, officer_b, D(2026, 2, 6))
    client.force_login(office_admin)
    page = _text(client.get(reverse("requests_staff:due")))
    assert first.tracking_number in page
    assert second.tracking_number in page
    assert unit_a.name_zh in page
    assert unit_b.name_zh in page
    client.force_login(officer_a)
    page = _text(client.get(reverse("requests_staff:due")))
    assert first.tracking_number in page
    assert second.tracking_number not in page


@pytest.mark.parametrize("name", ["list", "due"])
def test_list_pages_cost_the_same_queries_for_few_and_many_requests(
    client, unit_a, office_admin, django_assert_max_num_queries, name
):
    """3 requests or 15: the same number of queries (no query per row)."""
    for day in (2, 3, 4):
        received(unit_a, office_admin, D(2026, 2, day))
    client.force_login(office_admin)
    url = reverse(f"requests_staff:{name}")
    client.get(url)  # warm the calendar snapshot
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for day in range(5, 17):
        received(unit_a, office_admin, D(2026, 2, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_repeated_information_is_for_the_office_only(client, unit_a, officer_a, office_admin):
    received(unit_a, officer_a, D(2026, 3, 2), info_document_number="津生管发〔2020〕12号")
    received(unit_a, officer_a, D(2026, 3, 3), info_document_number="津生管发[2020]12号")
    client.force_login(officer_a)
    assert client.get(reverse("requests_staff:repeated")).status_code == 403
    client.force_login(office_admin)
    page = _text(client.get(reverse("requests_staff:repeated")))
    assert "津生管发〔2020〕12号" in page


def test_the_back_office_index_links_to_the_request_pages(client, officer_a):
    client.force_login(officer_a)
    page = _text(client.get(reverse("admin:index")))
    assert reverse("requests_staff:list") in page
    assert reverse("requests_staff:due") in page
    assert reverse("requests_staff:register") in page


def test_staff_record_a_written_withdrawal(client, unit_a, make_user):
    """A withdrawal received in writing is recorded by the officer: the request closes as
    其他处理-其他 with an audit entry and a public timeline event."""
    from gongkai.core.models import AuditEntry
    from gongkai.disclosure_requests.choices import Outcome, Status
    from gongkai.disclosure_requests.tests import factories

    officer = make_user("officer-withdraw", unit_a, Role.DISCLOSURE_OFFICER)
    dr = factories.received(unit_a, officer, datetime.date(2026, 11, 2))
    client.force_login(officer)
    page = client.get(f"/backoffice/requests/{dr.tracking_number}/").content.decode()
    assert 'id="action-withdraw"' in page
    response = client.post(
        f"/backoffice/requests/{dr.tracking_number}/withdraw/",
        {"version": dr.version, "reason": "申请人来信撤回申请"},
    )
    assert response.status_code == 302
    dr.refresh_from_db()
    assert dr.status == Status.CLOSED
    assert dr.outcome == Outcome.OTHER
    assert dr.events.get(kind="withdrawn").note == "申请人来信撤回申请"
    assert AuditEntry.objects.filter(object_id=str(dr.pk), after__step="withdraw").exists()
