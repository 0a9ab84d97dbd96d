"""The public request pages: apply online, the confirmation, tracking with the query code,
clarifying online and downloading the reply (issue #5 §1, §7, bad input, abuse; R-3.2,
R-4.3; Regulation Art. 29–31, 42)."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.core import pagecache
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    ApplicantKind,
    Channel,
    OrganisationType,
    Outcome,
    Status,
)
from gongkai.disclosure_requests.models import DisclosureRequest, RequestAttachment
from gongkai.disclosure_requests.tests.factories import (
    CREDIT_CODE,
    RESIDENT_ID,
    organisation,
    person,
)
from gongkai.library.tests.test_attachments import make_pdf

pytestmark = pytest.mark.django_db

APPLY = "/requests/apply/"
TRACK = "/requests/track/"
BAD_RESIDENT_ID = RESIDENT_ID[:-1] + ("1" if RESIDENT_ID[-1] != "1" else "2")


@pytest.fixture
def officer(make_user, unit_a):
    return make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def head(make_user, unit_a):
    return make_user("head-a", unit_a, Role.DISCLOSURE_HEAD)


def _post_data(unit_code: str, data: dict[str, Any], key: uuid.UUID | None = None) -> dict:
    return {
        "unit": unit_code,
        "submission_key": str(key or uuid.uuid4()),
        **{name: value for name, value in data.items() if value is not None},
    }


def _codes(html: str) -> tuple[str, str | None]:
    number = re.search(r'id="tracking-number">([^<]+)<', html)
    code = re.search(r'id="query-code">([^<]+)<', html)
    assert number is not None, html
    return number.group(1), code.group(1) if code else None


def _look_up(client: Client, number: str, code: str, **extra: Any):
    return client.post(TRACK, {"tracking_number": number, "query_code": code}, **extra)


def _registered(unit, officer, received_on: datetime.date | None = None, **overrides: Any):
    """A request handed in at the counter (received today unless said), with its code."""
    return services.request_register(
        unit=unit,
        by=officer,
        data=person(**overrides),
        channel=Channel.IN_PERSON,
        received_on=received_on or timezone.localdate(),
    )


def _tracking_client(obj: DisclosureRequest, code: str) -> Client:
    client = Client()
    response = _look_up(client, obj.tracking_number, code)
    assert response.status_code == 302
    return client


# --- How to apply, the form -----------------------------------------------------------


def test_how_to_apply_page_gives_the_time_limit_and_links_to_apply_and_track(client, office):
    """/requests/ explains Art. 29 content, the 20-working-day limit, fees and rights, and
    links to the form and to tracking; it is never cached publicly."""
    response = client.get("/requests/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "20 个工作日" in html or "20 working days" in html
    assert 'href="/requests/apply/"' in html
    assert 'href="/requests/track/"' in html
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert 'href="/requests/" aria-current="page"' in html  # the header navigation


def test_apply_form_lists_active_units_office_first_and_preselects_from_the_query(
    client, office, unit_a, unit_b, settings
):
    """The unit list has the Office first, hides inactive units, and ``?unit=CODE``
    preselects; the description carries the configured maximum length; a new
    submission key is made for each rendering."""
    unit_b.is_active = False
    unit_b.save()
    response = client.get(APPLY + "?unit=JJJ")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index('value="WB"') < html.index('value="JJJ"')
    assert 'value="CZJ"' not in html
    assert re.search(r'<option value="JJJ"[^>]*selected', html)
    limit = settings.GONGKAI_REQUESTS["DESCRIPTION_MAX_CHARS"]
    assert f'maxlength="{limit}"' in html
    keys = set(re.findall(r'name="submission_key" value="([0-9a-f-]{36})"', html))
    again = client.get(APPLY).content.decode()
    assert len(keys) == 1
    assert not keys & set(re.findall(r'name="submission_key" value="([0-9a-f-]{36})"', again))
    assert "no-store" in response["Cache-Control"]


# --- Applying --------------------------------------------------------------------------


def test_natural_person_applies_online_and_sees_tracking_number_and_code_once(
    client, office, unit_a
):
    """A valid application makes one request (channel online, awaiting receipt); the
    confirmation shows the tracking number and the query code once; the identity number is
    stored encrypted (R-4.3): a raw SELECT does not contain it."""
    response = client.post(APPLY, _post_data("JJJ", person()))
    assert response.status_code == 302
    page = client.get(response["Location"])
    number, code = _codes(page.content.decode())
    assert code is not None
    assert len(code) == 8
    obj = DisclosureRequest.objects.get()
    assert obj.tracking_number == number
    assert obj.channel == Channel.ONLINE
    assert obj.status == Status.SUBMITTED
    assert obj.applicant_kind == ApplicantKind.NATURAL_PERSON
    assert obj.organisation_type == ""
    assert obj.id_number == RESIDENT_ID  # decrypted through the model
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM disclosure_requests_disclosurerequest")
        raw_id, raw_phone = cursor.fetchone()
    assert RESIDENT_ID not in str(raw_id)
    assert "13812345678" not in str(raw_phone)
    assert services.request_lookup(tracking_number=number, query_code=code, ip="1.2.3.4") == obj
    # The code is shown once: a reload shows the tracking number only.
    reload = client.get(response["Location"]).content.decode()
    assert _codes(reload) == (number, None)
    assert code not in reload
    assert "no-store" in page["Cache-Control"]


def test_organisation_applies_online_with_its_type_and_contact_person(client, office, unit_a):
    """A legal person or other organisation gives its type (counted by the annual report),
    its unified social credit code and a contact person."""
    data = organisation(organisation_type=OrganisationType.RESEARCH, contact_person="王研究员")
    response = client.post(APPLY, _post_data("WB", data))
    assert response.status_code == 302
    number, code = _codes(client.get(response["Location"]).content.decode())
    obj = DisclosureRequest.objects.get(tracking_number=number)
    assert code
    assert obj.unit == office
    assert obj.applicant_kind == ApplicantKind.ORGANISATION
    assert obj.organisation_type == OrganisationType.RESEARCH
    assert obj.contact_person == "王研究员"
    assert obj.id_number == CREDIT_CODE


def test_organisation_fields_are_ignored_for_a_natural_person(client, office):
    """Without JavaScript both groups are sent; for a natural person the service drops
    the organisation type."""
    data = person(organisation_type=OrganisationType.BUSINESS, contact_person="")
    assert client.post(APPLY, _post_data("WB", data)).status_code == 302
    assert DisclosureRequest.objects.get().organisation_type == ""


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": BAD_RESIDENT_ID}, "id_number", "身份证号码不正确"),
        ({"applicant_name": "", "id_number": ""}, "applicant_name", "请填写申请人姓名或名称"),
        ({"info_description": "   "}, "info_description", "请描述所需的政府信息"),
        ({"info_description": "字" * 100_000}, "info_description", "现有 100000 个"),
        ({"wanted_form": None, "delivery": None}, "wanted_form", "请选择信息的提供形式"),
        ({"phone": "", "email": "", "address": "", "delivery": "pickup"}, "phone", "联系方式"),
    ],
    ids=[
        "bad-id-checksum",
        "missing-name",
        "empty-description",
        "100k-description",
        "no-form-or-delivery",
        "no-contact",
    ],
)
def test_bad_input_is_refused_with_the_message_beside_the_field_and_nothing_is_lost(
    client, office, overrides, field, message
):
    """Bad input (issue #5, Bad input): 200 with an error summary linking to the field and
    the message beside it; no request is made; every value entered is still there."""
    data = person(**overrides)
    data["info_title"] = "保留的标题"
    response = client.post(APPLY, _post_data("WB", data))
    html = response.content.decode()
    assert response.status_code == 200
    assert DisclosureRequest.objects.count() == 0
    assert 'id="error-summary"' in html
    assert f'href="#id_{field}' in html
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert 'value="保留的标题"' in html
    assert 'value="WB" selected' in html
    if overrides.get("id_number") == BAD_RESIDENT_ID:
        assert f'value="{BAD_RESIDENT_ID}"' in html
        assert 'aria-invalid="true"' in html
        assert "id_id_number_error" in html.split('name="id_number"')[1].split(">")[0]
    if len(data["info_description"]) == 100_000:
        assert "字" * 1000 in html  # the text typed is given back, not cut


def test_a_missing_unit_and_an_unknown_choice_are_reported_with_everything_else(client, office):
    """Form-level errors (no unit chosen, an unknown choice) come together with the
    service's findings, so the applicant fixes everything at once."""
    data = person(wanted_form="scroll", applicant_name="")
    response = client.post(APPLY, {**_post_data("", data)})
    html = response.content.decode()
    assert response.status_code == 200
    assert DisclosureRequest.objects.count() == 0
    assert "id_unit_error" in html
    assert "id_wanted_form_error" in html
    assert "请填写申请人姓名或名称" in html


def test_a_pdf_that_is_really_text_is_refused_and_files_must_be_chosen_again(client, office):
    """An attachment that is not what it claims (library.attachments) is refused with a
    clear message at the attachments field; nothing is saved; the page says files must be
    chosen again while the other values stay."""
    fake = SimpleUploadedFile("身份证复印件.pdf", b"just some text, not a PDF at all\n")
    data = _post_data("WB", person())
    response = client.post(APPLY, {**data, "attachments": [fake]})
    html = response.content.decode()
    assert response.status_code == 200
    assert DisclosureRequest.objects.count() == 0
    assert RequestAttachment.objects.count() == 0
    assert "id_attachments_error" in html
    assert "身份证复印件.pdf" in html
    assert 'id="files-dropped"' in html  # the notice: files are not kept
    assert 'value="张三"' in html


def test_valid_attachments_are_kept_and_too_many_are_refused(client, office):
    """Real PDFs are stored with the request; more than 5 files are refused."""
    files = [SimpleUploadedFile(f"材料{i}.pdf", make_pdf([f"page {i}"])) for i in range(6)]
    response = client.post(APPLY, {**_post_data("WB", person()), "attachments": files})
    assert response.status_code == 200
    assert "id_attachments_error" in response.content.decode()
    assert DisclosureRequest.objects.count() == 0
    two = [SimpleUploadedFile(f"材料{i}.pdf", make_pdf([f"page {i}"])) for i in range(2)]
    response = client.post(APPLY, {**_post_data("WB", person()), "attachments": two})
    assert response.status_code == 302
    obj = DisclosureRequest.objects.get()
    assert sorted(obj.attachments.values_list("name", flat=True)) == ["材料0.pdf", "材料1.pdf"]


def test_the_same_submission_key_posted_twice_makes_exactly_one_request(client, office):
    """A double click (the same form posted twice) makes one request; the second post shows
    the same confirmation, and never a second query code. From another browser the
    repeated form says it was already sent, without the code."""
    key = uuid.uuid4()
    client.get(APPLY)  # the form page starts the session
    first = client.post(APPLY, _post_data("WB", person(), key))
    second = client.post(APPLY, _post_data("WB", person(), key))
    assert DisclosureRequest.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    number, code = _codes(client.get(first["Location"]).content.decode())
    assert code is not None
    stranger = Client()
    stranger.get(APPLY)
    third = stranger.post(APPLY, _post_data("WB", person(), key))
    html = third.content.decode()
    assert third.status_code == 200
    assert _codes(html) == (number, None)
    assert code not in html
    assert DisclosureRequest.objects.count() == 1


def test_submissions_past_the_daily_limit_per_address_are_refused(client, office, settings):
    """Abuse: with SUBMISSIONS_PER_IP_PER_DAY lowered to 2, the third application from the
    same address that day is refused (429) with a message, and not made."""
    settings.GONGKAI_REQUESTS = {**settings.GONGKAI_REQUESTS, "SUBMISSIONS_PER_IP_PER_DAY": 2}
    for _ in range(2):
        assert client.post(APPLY, _post_data("WB", person())).status_code == 302
    refused = client.post(APPLY, _post_data("WB", person()))
    assert refused.status_code == 429
    assert "今天从此网络地址提交的申请过多" in refused.content.decode()
    assert DisclosureRequest.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(APPLY, _post_data("WB", person())).status_code == 302


# --- Tracking -------------------------------------------------------------------------


def test_the_right_code_opens_the_status_page_only_for_that_browser(client, office, unit_a):
    """R-3.2: tracking number + query code → the status page; another browser (session)
    gets 404 at the same address, just as for a tracking number that does not exist."""
    obj, code = services.request_submit(unit=unit_a, data=person())
    response = _look_up(client, obj.tracking_number.lower(), f" {code.lower()} ")
    assert response.status_code == 302
    assert response["Location"] == f"/requests/track/{obj.tracking_number}/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert obj.tracking_number in html
    assert str(Status.SUBMITTED.label) in html
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]
    assert "noindex" in html
    stranger = Client()
    assert stranger.get(f"/requests/track/{obj.tracking_number}/").status_code == 404
    unknown = stranger.get("/requests/track/YS2026-AAAA-BBBB/")
    assert unknown.status_code == 404
    # The remembered list on the lookup page.
    assert obj.tracking_number in client.get(TRACK).content.decode()


def test_a_wrong_code_gives_one_generic_message_and_no_page(client, office, unit_a):
    """A failed lookup never says which part was wrong, and opens nothing."""
    obj, code = services.request_submit(unit=unit_a, data=person())
    wrong_code = _look_up(client, obj.tracking_number, "WRONG234")
    unknown = _look_up(client, "YS2026-ZZZZ-ZZZZ", code)
    assert wrong_code.status_code == unknown.status_code == 200
    assert 'id="error-summary"' in wrong_code.content.decode()
    english = client.post(
        "/en/requests/track/", {"tracking_number": obj.tracking_number, "query_code": "X"}
    )
    message = "The tracking number or the query code is wrong."
    assert message in english.content.decode()
    assert wrong_code.content.decode().count("error-summary") == unknown.content.decode().count(
        "error-summary"
    )
    assert client.get(f"/requests/track/{obj.tracking_number}/").status_code == 404


def test_too_many_failed_lookups_are_refused_with_429(client, office, unit_a, settings):
    """Abuse: with LOOKUP_FAILURES_PER_HOUR lowered to 3, after three failures from one
    address even the right code is refused (429) with the reason."""
    settings.GONGKAI_REQUESTS = {**settings.GONGKAI_REQUESTS, "LOOKUP_FAILURES_PER_HOUR": 3}
    obj, code = services.request_submit(unit=unit_a, data=person())
    for _ in range(3):
        assert _look_up(client, obj.tracking_number, "WRONG234").status_code == 200
    refused = _look_up(client, obj.tracking_number, code)
    assert refused.status_code == 429
    assert "查询失败次数过多" in refused.content.decode()
    assert client.get(f"/requests/track/{obj.tracking_number}/").status_code == 404
    elsewhere = Client(REMOTE_ADDR="10.0.0.7")
    assert _look_up(elsewhere, obj.tracking_number, code).status_code == 302


def test_status_page_shows_receipt_due_date_and_the_public_timeline(office, unit_a, officer):
    """After receipt: the receipt date, the due date (20 working days, Art. 33) with the
    days left and its working; the timeline shows the registration and the receipt."""
    obj, code = _registered(unit_a, officer)
    client = _tracking_client(obj, code)
    obj.refresh_from_db()
    html = client.get(f"/requests/track/{obj.tracking_number}/").content.decode()
    assert obj.received_on.isoformat() in html
    assert obj.due_on is not None
    assert obj.due_on.isoformat() in html
    assert 'id="request-due"' in html
    assert "收到申请" in html or "receipt confirmed" in html


def test_the_due_date_carries_the_calendar_warning_when_the_calendar_is_not_confirmed(
    office, unit_a, officer, head
):
    """A due date counted into 2027 (not yet published) shows the calendar warning."""
    obj, code = _registered(unit_a, officer, received_on=datetime.date(2026, 11, 20))
    services.extension_grant(request=obj, by=head, working_days=20, reason="需要检索档案")
    obj.refresh_from_db()
    assert not obj.due_confirmed
    assert obj.due_on.year == 2027
    clock = services.clock_for(obj)
    client = _tracking_client(obj, code)
    html = client.get(f"/requests/track/{obj.tracking_number}/").content.decode()
    assert clock.due.warning
    assert clock.due.warning in html
    assert obj.due_on.isoformat() in html


def test_a_clarification_is_answered_online_and_the_clock_restarts_today(office, unit_a, officer):
    """Art. 30: the page shows the items and the deadline and an online form; sending it
    records the clarification as received today and the clock starts again from today."""
    obj, code = _registered(unit_a, officer)
    services.clarification_request(request=obj, by=officer, items="请写明所需文件的年份。")
    client = _tracking_client(obj, code)
    url = f"/requests/track/{obj.tracking_number}/"
    html = client.get(url).content.decode()
    assert "请写明所需文件的年份。" in html
    assert f'action="{url}clarify/"' in html
    empty = client.post(url + "clarify/", {"response": "  "})
    assert empty.status_code == 200
    assert 'id="error-summary"' in empty.content.decode()
    response = client.post(url + "clarify/", {"response": "需要 2025 年的文件。"})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == Status.PROCESSING
    assert obj.clock_started_on == timezone.localdate()
    assert obj.clarification.response == "需要 2025 年的文件。"
    after = client.get(url).content.decode()
    assert 'name="response"' not in after
    assert "clarify/" not in after
    stranger = Client()
    assert stranger.post(url + "clarify/", {"response": "x"}).status_code == 404


def test_fee_notice_and_art35_reasons_are_shown_as_awaited(office, unit_a, officer):
    """What is awaited from the applicant: an unpaid fee (amount, pay-by date, how to pay;
    Art. 42) and reasons asked under Art. 35."""
    obj, code = _registered(unit_a, officer)
    notice = services.fee_notice_issue(request=obj, by=officer, method="per_volume", pages=50)
    services.request_flag_excessive(request=obj, by=officer, reasons_requested="请说明用途。")
    client = _tracking_client(obj, code)
    html = client.get(f"/requests/track/{obj.tracking_number}/").content.decode()
    assert 'id="fee"' in html
    assert str(notice.amount) in html
    assert notice.pay_by.isoformat() in html
    assert obj.tracking_number in html.split('id="fee"')[1]
    assert 'id="reasons"' in html
    assert "请说明用途。" in html


def test_issued_reply_letter_and_released_files_download_only_for_the_applicant(
    office, unit_a, officer, head
):
    """After the reply is issued the page shows the letter number, date and outcome, and
    the letter (PDF, DOCX) and released files download as attachments, not cached; for
    another browser every download is 404."""
    obj, code = _registered(unit_a, officer)
    reply = services.reply_draft(
        request=obj,
        by=officer,
        outcome=Outcome.DISCLOSED,
        data={"information_text": "所需信息见附件。"},
    )
    reply = services.reply_approve(reply=reply, by=head)
    released = services.released_file_add(
        reply=reply, by=officer, name="分配名单.pdf", content=make_pdf(["list"])
    )
    reply = services.reply_issue(reply=reply, by=officer)
    client = _tracking_client(obj, code)
    url = f"/requests/track/{obj.tracking_number}/"
    html = client.get(url).content.decode()
    assert reply.letter_number in html
    assert str(Outcome.DISCLOSED.label) in html
    assert "reply drafted" not in html
    assert "答复已起草" not in html
    pdf = client.get(url + "letter.pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment")
    assert "no-store" in pdf["Cache-Control"]
    assert "private" in pdf["Cache-Control"]
    docx = client.get(url + "letter.docx")
    assert docx.status_code == 200
    assert b"".join(docx.streaming_content).startswith(b"PK")
    file = client.get(url + f"files/{released.pk}/")
    assert file.status_code == 200
    assert b"".join(file.streaming_content).startswith(b"%PDF")
    stranger = Client()
    for path in ("letter.pdf", "letter.docx", f"files/{released.pk}/"):
        assert stranger.get(url + path).status_code == 404
    assert client.get(url + "files/999999/").status_code == 404


def test_downloads_before_the_reply_is_issued_are_not_found(office, unit_a, officer):
    obj, code = _registered(unit_a, officer)
    client = _tracking_client(obj, code)
    url = f"/requests/track/{obj.tracking_number}/"
    assert client.get(url + "letter.pdf").status_code == 404
    assert client.get(url + "letter.docx").status_code == 404


def test_forgetting_a_request_removes_it_from_this_browser(office, unit_a, officer):
    """The button "forget this request on this device" (POST) closes the page for this
    session."""
    obj, code = _registered(unit_a, officer)
    client = _tracking_client(obj, code)
    url = f"/requests/track/{obj.tracking_number}/"
    assert client.get(url).status_code == 200
    assert client.get(url + "forget/").status_code == 405
    response = client.post(url + "forget/")
    assert response.status_code == 302
    assert client.get(url).status_code == 404
    assert f'href="{url}"' not in client.get(TRACK).content.decode()


def test_posts_need_the_csrf_token(office, unit_a):
    """Every form on these pages is CSRF-protected."""
    client = Client(enforce_csrf_checks=True)
    assert client.post(APPLY, _post_data("WB", person())).status_code == 403
    assert client.post(TRACK, {"tracking_number": "x", "query_code": "y"}).status_code == 403


def test_pages_never_enter_the_public_page_cache(client, office, unit_a, settings):
    """With the page cache on, none of the request pages is stored or marked public."""
    settings.GONGKAI_PAGE_CACHE = True
    pagecache.PAGES.clear()
    for url in ("/requests/", APPLY, TRACK, "/en/requests/"):
        response = Client().get(url)
        assert response.status_code == 200
        assert "public" not in response["Cache-Control"]
    assert not [key for key in pagecache.PAGES.keys() if "/requests/" in key[2]]


def test_english_pages_show_english_labels(client, office, unit_a):
    """/en/requests/… is in English: headings, labels, choices and the unit name."""
    html = client.get("/en/requests/apply/").content.decode()
    assert '<html lang="en"' in html
    assert "Apply online for government information" in html
    assert "legal person or other organisation" in html
    assert "commercial enterprise" in html
    assert "JJJ Bureau" in html
    index = client.get("/en/requests/").content.decode()
    assert "Time limit" in index
    track = client.get("/en/requests/track/").content.decode()
    assert "Tracking number" in track
    assert "Query code" in track
    # Service messages show in the page's language only.
    response = client.post("/en/requests/apply/", _post_data("WB", person(id_number="123")))
    html = response.content.decode()
    assert "This resident identity number is not valid" in html
    assert "身份证号码不正确" not in html


def test_a_damaged_submission_key_is_renewed_and_nothing_is_made(client, office):
    """A tampered hidden key is refused with a message; the form comes back with a fresh
    key and the values entered."""
    response = client.post(APPLY, {**_post_data("WB", person()), "submission_key": "nonsense"})
    html = response.content.decode()
    assert response.status_code == 200
    assert DisclosureRequest.objects.count() == 0
    assert 'id="error-summary"' in html
    assert re.search(r'name="submission_key" value="[0-9a-f-]{36}"', html)
    assert 'value="张三"' in html


def test_the_confirmation_page_is_only_for_the_browser_that_applied(client, office):
    """Another browser gets 404 at the confirmation address (no code, no tracking number)."""
    response = client.post(APPLY, _post_data("WB", person()))
    assert response.status_code == 302
    assert Client().get(response["Location"]).status_code == 404
    assert client.get(response["Location"]).status_code == 200


def test_the_applicant_withdraws_a_request_online(client, unit_a):
    """The applicant can withdraw an open request from the status page (after confirming):
    it closes with the outcome 其他处理-其他 (report row 三(六)3), the timeline says so, and
    the form is gone; without the confirmation box nothing happens."""
    from gongkai.disclosure_requests.choices import REPORT_ROW, Outcome, Status

    obj, code = services.request_submit(unit=unit_a, data=person())
    _look_up(client, obj.tracking_number, code)
    url = f"/requests/track/{obj.tracking_number}/withdraw/"
    client.post(url, {"reason": "已通过其他途径获得"})
    obj.refresh_from_db()
    assert obj.status == Status.SUBMITTED
    response = client.post(url, {"reason": "已通过其他途径获得", "confirm": "yes"}, follow=True)
    obj.refresh_from_db()
    assert obj.status == Status.CLOSED
    assert obj.outcome == Outcome.OTHER
    assert REPORT_ROW[obj.outcome] == "三(六)3"
    page = response.content.decode()
    assert "withdraw-form" not in page
    assert obj.events.filter(kind="withdrawn", public=True).exists()
    assert client.post(url, {"confirm": "yes"}, follow=True).status_code == 200
    obj.refresh_from_db()
    assert obj.events.filter(kind="withdrawn").count() == 1
