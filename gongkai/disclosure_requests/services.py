"""Every change to a disclosure request (issue #5; Regulation Art. 29–45; R-5.2, R-4.3).

One function per transition, as everywhere in Gongkai: it checks permission
(``Perm.REQUEST_HANDLE`` in the handling unit; ``Perm.REQUEST_APPROVE`` — the head of the
disclosure office — for extensions and reply letters; the Office everywhere), validates
and explains in Chinese and English, writes in one transaction, recomputes the clock,
appends a :class:`RequestEvent` and an audit entry, and queues the applicant's e-mail
after commit.

**No lost update.** Staff services take the ``version`` the officer's page was built from;
the request row is locked (``select_for_update``) and a different version is refused
("someone else changed this request"), so two officers acting at once never overwrite
each other. ``version=None`` skips the check (the CLI, jobs, tests of other things).
"""

from __future__ import annotations

import datetime
import difflib
import re
import secrets
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.accounts.permissions import Perm, has_perm, require
from gongkai.core import calendar
from gongkai.core.audit import audit_record
from gongkai.core.crypto import blind_index
from gongkai.core.models import AuditAction
from gongkai.core.validators import normalize_phone, normalize_resident_id, validate_credit_code
from gongkai.disclosure_requests import clock as clock_module
from gongkai.disclosure_requests import fees
from gongkai.disclosure_requests.choices import (
    OUTCOME_RULES,
    ApplicantKind,
    Channel,
    Delivery,
    EventKind,
    ExtensionKind,
    FeeMethod,
    IdentityDocumentType,
    OrganisationType,
    Outcome,
    PartialGround,
    PauseKind,
    ReplyState,
    ReviewKind,
    ReviewResult,
    Status,
    WantedForm,
)
from gongkai.disclosure_requests.models import (
    PERSONAL_FIELDS,
    Clarification,
    ClockPause,
    DisclosureRequest,
    Extension,
    FeeNotice,
    LetterSerial,
    RateCounter,
    ReleasedFile,
    Reply,
    RequestAttachment,
    RequestEvent,
    RequestTransfer,
    ReviewCase,
)
from gongkai.library.choices import KeyArea
from gongkai.units.models import Unit


def rules() -> dict[str, Any]:
    return settings.GONGKAI_REQUESTS


def _err(field: str | None, zh: str, en: str) -> ValidationError:
    message = f"{zh} / {en}"
    return ValidationError({field: [message]} if field else message)


def _today() -> datetime.date:
    return timezone.localdate()


# --- Identifiers -------------------------------------------------------------------------

# No 0/O, 1/I/L: read over the phone without mistakes.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def new_tracking_number(year: int | None = None) -> str:
    """``YS2026-7K3M-9QXA``: the year and 8 random characters (≈ 2^40; not enumerable)."""
    year = year or _today().year
    return f"YS{year}-{_random(4)}-{_random(4)}"


def new_query_code() -> str:
    return _random(8)


def normalize_code(value: str) -> str:
    return "".join((value or "").split()).upper()


# --- Validation of an application (Art. 29) ----------------------------------------------

APPLICATION_FIELDS = (
    "applicant_kind",
    "organisation_type",
    "applicant_name",
    "id_type",
    "id_number",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
    "info_title",
    "info_document_number",
    "info_description",
    "wanted_form",
    "delivery",
    "key_area",
    "needs_assistance",
)
MAX_LENGTHS = {
    "applicant_name": 100,
    "id_number": 40,
    "contact_person": 100,
    "phone": 40,
    "email": 254,
    "address": 300,
    "postcode": 10,
    "info_title": 300,
    "info_document_number": 100,
    "needs_assistance": 1000,
}


def validate_application(data: dict[str, Any]) -> dict[str, str]:
    """The application's fields cleaned, or a ValidationError listing every problem."""
    unknown = set(data) - set(APPLICATION_FIELDS)
    if unknown:
        raise _err(
            None,
            f"未知字段：{', '.join(sorted(unknown))}",
            f"Unknown fields: {', '.join(sorted(unknown))}",
        )
    clean = {name: str(data.get(name) or "").strip() for name in APPLICATION_FIELDS}
    errors: dict[str, list[str]] = {}

    def add(field: str, zh: str, en: str) -> None:
        errors.setdefault(field, []).append(f"{zh} / {en}")

    for name, limit in MAX_LENGTHS.items():
        if len(clean[name]) > limit:
            add(name, f"最多 {limit} 个字符", f"At most {limit} characters")
    kind = clean["applicant_kind"]
    if kind not in ApplicantKind.values:
        add("applicant_kind", "请选择申请人类型", "Choose the type of applicant")
    if kind == ApplicantKind.ORGANISATION:
        if clean["organisation_type"] not in OrganisationType.values:
            add("organisation_type", "请选择组织类型", "Choose the type of organisation")
        if not clean["contact_person"]:
            add("contact_person", "请填写联系人", "Enter a contact person")
    else:
        clean["organisation_type"] = ""
    if not clean["applicant_name"]:
        add("applicant_name", "请填写申请人姓名或名称", "Enter the applicant's name")
    id_type = clean["id_type"]
    if id_type not in IdentityDocumentType.values:
        add("id_type", "请选择证件类型", "Choose the identity document")
    elif kind == ApplicantKind.NATURAL_PERSON and id_type == IdentityDocumentType.CREDIT_CODE:
        add(
            "id_type", "自然人请选择身份证件", "A natural person needs a personal identity document"
        )
    if not clean["id_number"]:
        add("id_number", "请填写证件号码", "Enter the identity document number")
    elif id_type == IdentityDocumentType.RESIDENT_ID:
        try:
            clean["id_number"] = normalize_resident_id(clean["id_number"])
        except ValidationError:
            add(
                "id_number",
                "身份证号码不正确：应为 18 位，最后一位是校验码（0-9 或 X）",
                "This resident identity number is not valid: 18 characters, the last a check "
                "digit (0-9 or X)",
            )
    elif id_type == IdentityDocumentType.CREDIT_CODE:
        clean["id_number"] = clean["id_number"].upper()
        try:
            validate_credit_code(clean["id_number"])
        except ValidationError:
            add(
                "id_number",
                "统一社会信用代码不正确（18 位，最后一位是校验码）",
                "This unified social credit code is not valid (18 characters with a check "
                "character)",
            )
    if clean["phone"]:
        try:
            clean["phone"] = normalize_phone(clean["phone"])
        except ValidationError:
            add(
                "phone",
                "电话号码不正确，例如 022-66668888 或 13812345678",
                "Enter a valid phone number, e.g. 022-66668888 or 13812345678",
            )
    if clean["email"]:
        try:
            validate_email(clean["email"])
        except ValidationError:
            add("email", "电子邮箱地址不正确", "Enter a valid e-mail address")
    if not (clean["phone"] or clean["email"] or clean["address"]):
        add(
            "phone",
            "请至少填写一种联系方式（电话、电子邮箱或通信地址）",
            "Give at least one way to reach you (phone, e-mail or postal address)",
        )
    if clean["postcode"] and not re.fullmatch(r"\d{6}", clean["postcode"]):
        add("postcode", "邮政编码应为 6 位数字", "A postcode has 6 digits")
    description = clean["info_description"]
    limit = rules()["DESCRIPTION_MAX_CHARS"]
    if not description:
        add(
            "info_description",
            "请描述所需的政府信息（名称、文号或其他特征）",
            "Describe the information you want (title, document number or other features)",
        )
    elif len(description) > limit:
        add(
            "info_description",
            f"所需信息的描述最多 {limit} 个字（现有 {len(description)} 个）",
            f"The description may have at most {limit} characters (it has {len(description)})",
        )
    if clean["wanted_form"] not in WantedForm.values:
        add("wanted_form", "请选择信息的提供形式", "Choose the form you want the information in")
    delivery = clean["delivery"]
    if delivery not in Delivery.values:
        add("delivery", "请选择获取方式", "Choose how you want to receive it")
    elif delivery == Delivery.EMAIL and not clean["email"]:
        add(
            "email",
            "选择电子邮件获取时请填写电子邮箱",
            "Enter an e-mail address to receive by e-mail",
        )
    elif delivery == Delivery.POST and not clean["address"]:
        add("address", "选择邮寄时请填写通信地址", "Enter a postal address to receive by post")
    if clean["key_area"] and clean["key_area"] not in KeyArea.values:
        add("key_area", "重点领域不正确", "Unknown key area")
    if errors:
        raise ValidationError(errors)
    return clean


# --- Events, locking, the clock ---------------------------------------------------------


def _event(
    request: DisclosureRequest,
    kind: str,
    by: User | None,
    note: str = "",
    *,
    on: datetime.date | None = None,
    public: bool | None = None,
) -> RequestEvent:
    from gongkai.disclosure_requests.choices import PUBLIC_EVENTS

    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        by=by if by is not None and by.is_authenticated else None,
        note=note,
        on=on,
        public=kind in PUBLIC_EVENTS if public is None else public,
    )


def _audit(request: DisclosureRequest, by: User | None, what: str, via: str, **data: Any) -> None:
    audit_record(
        actor=by,
        action=AuditAction.CASE_ACTION,
        obj=request,
        unit=request.unit_id,
        after={"step": what, **{k: _plain(v) for k, v in data.items()}},
        via=via,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _locked(request: DisclosureRequest, version: int | None) -> DisclosureRequest:
    """The request's row, locked for this transaction; refuses a stale ``version``."""
    row = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
    if version is not None and row.version != version:
        raise _err(
            None,
            "此申请刚被其他人修改过，请刷新页面查看最新情况后再操作",
            "Someone else has just changed this request: reload the page to see the "
            "latest state, then try again",
        )
    return row


def _bump(request: DisclosureRequest, *fields: str) -> None:
    request.version = F("version") + 1
    request.save(update_fields=["version", "updated_at", *fields])
    request.refresh_from_db(fields=["version"])


def _require_handler(by: User | None, request: DisclosureRequest) -> None:
    require(by, Perm.REQUEST_HANDLE, request.unit_id)


def _require_open(request: DisclosureRequest) -> None:
    if request.status == Status.CLOSED:
        raise _err(
            None, "此申请已办结，不能再办理", "This request is closed: nothing more can be done"
        )


def _require_processing(request: DisclosureRequest, zh: str, en: str) -> None:
    """Refuse a step that needs a received request with its clock running (not submitted,
    not waiting for a clarification, not closed)."""
    if request.status != Status.PROCESSING:
        raise _err(None, zh, en)


def clock_for(
    request: DisclosureRequest,
    *,
    today: datetime.date | None = None,
    cal: calendar.WorkingCalendar | None = None,
) -> clock_module.ClockResult | None:
    """The request's clock with its working; None before receipt or while clarifying."""
    if request.clock_started_on is None:
        return None
    fee_counts = rules()["FEE_STOPS_CLOCK"]
    pauses = [
        clock_module.PauseSpan(p.started_on, p.ended_on, p.get_kind_display())
        for p in request.pauses.all()
        if p.kind != PauseKind.FEE or fee_counts
    ]
    extensions = [
        clock_module.ExtensionSpan(
            working_days=e.working_days or 0,
            new_due_on=e.new_due_on,
            approved_on=e.approved_on,
            label=e.get_kind_display(),
        )
        for e in request.extensions.all()
    ]
    return clock_module.compute(
        started_on=request.clock_started_on,
        pauses=pauses,
        extensions=extensions,
        today=today or _today(),
        calendar=cal,
    )


def clock_refresh(
    request: DisclosureRequest, cal: calendar.WorkingCalendar | None = None
) -> DisclosureRequest:
    """Store the clock's result on the request (the lists read it)."""
    result = None
    if request.status in (Status.PROCESSING, Status.CLOSED):
        result = clock_for(request, cal=cal)
    due_on = result.due_on if result else None
    confirmed = result.due.confirmed if result and result.due else True
    paused = bool(result and result.paused_since) or request.status == Status.CLARIFICATION
    if (request.due_on, request.due_confirmed, request.clock_paused) != (due_on, confirmed, paused):
        request.due_on, request.due_confirmed, request.clock_paused = due_on, confirmed, paused
        request.save(update_fields=["due_on", "due_confirmed", "clock_paused"])
    return request


def on_calendar_change(years: tuple[int, ...]) -> int:
    """Recompute every open request's due date after the calendar changed (hook)."""
    cal = calendar.working_calendar()
    changed = 0
    open_requests = (
        DisclosureRequest.objects.exclude(status=Status.CLOSED)
        .filter(clock_started_on__isnull=False)
        .prefetch_related("pauses", "extensions")
    )
    for request in open_requests:
        before = (request.due_on, request.due_confirmed)
        clock_refresh(request, cal)
        if (request.due_on, request.due_confirmed) != before:
            changed += 1
    return changed


# --- Applicant notifications -------------------------------------------------------------


def notify_applicant(request: DisclosureRequest, subject_zh: str, text_zh: str) -> None:
    """Queue an e-mail to the applicant (if they gave an address) after commit.

    The mail names the step and the tracking number only; details stay behind the
    tracking page, which asks for the query code.
    """
    if not request.email or request.personal_data_destroyed:
        return
    from gongkai.core.jobs import enqueue_on_commit
    from gongkai.disclosure_requests.mail import send_applicant_email

    body = (
        f"{text_zh}\n\n申请编号 / tracking number: {request.tracking_number}\n"
        "请凭申请编号和查询码在门户网站“依申请公开”栏目查询办理进度和下载答复。\n"
        "Use your tracking number and query code on the portal's disclosure-request page "
        "to see the progress and download the reply.\n"
    )
    enqueue_on_commit(
        send_applicant_email,
        request.pk,
        f"[政府信息公开申请 {request.tracking_number}] {subject_zh}",
        body,
    )


# --- Submission and registration ---------------------------------------------------------


def _new_request(
    *, unit: Unit, data: dict[str, str], channel: str, by: User | None
) -> tuple[DisclosureRequest, str]:
    code = new_query_code()
    request = DisclosureRequest(
        unit=unit,
        received_by_unit=unit,
        channel=channel,
        submitted_at=timezone.now(),
        query_code_hash=make_password(code),
        registered_by=by if by is not None and by.is_authenticated else None,
        **data,
    )
    request.applicant_key = blind_index(f"{data['id_type']}:{data['id_number']}")
    for _attempt in range(5):
        request.tracking_number = new_tracking_number()
        if not DisclosureRequest.objects.filter(tracking_number=request.tracking_number).exists():
            break
    return request, code


def _save_attachments(request: DisclosureRequest, attachments: Iterable[tuple[str, bytes]]) -> None:
    from gongkai.library.attachments import check_attachment

    for name, content in attachments:
        checked = check_attachment(content, name)
        attachment = RequestAttachment(
            request=request,
            name=name[:255],
            size=checked.size,
            content_type=checked.mime_type,
            sha256=checked.sha256,
        )
        attachment.file.save(
            f"{uuid.uuid4().hex}.{checked.extension}", ContentFile(content), save=False
        )
        attachment.save()


def check_attachments(attachments: Iterable[tuple[str, bytes]]) -> None:
    """Refuse, before anything is saved, any attachment that is not what it claims."""
    from gongkai.library.attachments import AttachmentError, check_attachment

    problems = []
    for name, content in attachments:
        try:
            check_attachment(content, name)
        except AttachmentError as error:
            problems.append(str(error))
    if problems:
        raise ValidationError({"attachments": problems})


def request_submit(
    *,
    unit: Unit,
    data: dict[str, Any],
    submission_key: uuid.UUID | None = None,
    ip: str = "",
    attachments: Iterable[tuple[str, bytes]] = (),
) -> tuple[DisclosureRequest, str | None]:
    """An application made online by the applicant (Art. 29). Returns the request and its
    query code (shown once), or ``(existing, None)`` for a repeated submission with the
    same ``submission_key`` (a double click makes one request)."""
    if submission_key is not None:
        existing = DisclosureRequest.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, None
    clean = validate_application(data)
    attachments = list(attachments)
    check_attachments(attachments)
    if not unit.is_active:
        raise _err("unit", "该单位不受理政府信息公开申请", "This unit does not accept requests")
    applicant_key = blind_index(f"{clean['id_type']}:{clean['id_number']}")
    limits = rules()
    if ip and not rate_allow(f"submit-ip:{ip}", limits["SUBMISSIONS_PER_IP_PER_DAY"], 86400):
        raise Throttled(
            "今天从此网络地址提交的申请过多，请明天再试 / "
            "Too many requests from this address today: please try again tomorrow"
        )
    if not rate_allow(
        f"submit-applicant:{applicant_key}", limits["SUBMISSIONS_PER_APPLICANT_PER_DAY"], 86400
    ):
        raise Throttled(
            "同一申请人今天提交的申请过多，请明天再试 / "
            "This applicant has made too many requests today: please try again tomorrow"
        )
    try:
        with transaction.atomic():
            request, code = _new_request(unit=unit, data=clean, channel=Channel.ONLINE, by=None)
            request.submission_key = submission_key
            request.full_clean(
                exclude=[
                    "query_code_hash",
                    "applicant_name",
                    "id_number",
                    "contact_person",
                    "phone",
                    "email",
                    "address",
                    "postcode",
                    "submission_key",
                ]
            )
            request.save()
            _save_attachments(request, attachments)
            _event(request, EventKind.SUBMITTED, None, on=_today())
            _audit(request, None, "submit", "web", channel=Channel.ONLINE)
            notify_applicant(
                request,
                "已收到您的申请",
                "我们已收到您的政府信息公开申请。工作人员确认收到后开始计算答复期限（《政府信息"
                "公开条例》第三十一条）。",
            )
    except IntegrityError:
        if submission_key is None:
            raise
        existing = DisclosureRequest.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, None
    return request, code


def request_register(
    *,
    unit: Unit,
    by: User,
    data: dict[str, Any],
    channel: str,
    received_on: datetime.date | None = None,
    filled_for_applicant: bool = False,
    attachments: Iterable[tuple[str, bytes]] = (),
    via: str = "web",
) -> tuple[DisclosureRequest, str]:
    """An application received in person, by post, fax or e-mail, entered by staff.

    The receipt date (Art. 31): in person, the day handed in; registered post, the day
    signed for — both required here; ordinary post, fax and e-mail: the day confirmed with
    the applicant, given now or later with :func:`request_confirm_receipt`.
    """
    require(by, Perm.REQUEST_HANDLE, unit)
    if channel not in Channel.values or channel == Channel.ONLINE:
        raise _err(
            "channel",
            "请选择收到申请的渠道（当面、邮寄、传真或电子邮件）",
            "Choose how the request arrived (in person, post, fax or e-mail)",
        )
    clean = validate_application(data)
    attachments = list(attachments)
    check_attachments(attachments)
    if channel in (Channel.IN_PERSON, Channel.REGISTERED_POST) and received_on is None:
        raise _err(
            "received_on",
            "当面提交的以提交之日、挂号邮寄的以签收之日为收到申请之日，请填写该日期",
            "In person the receipt date is the day handed in, by registered post the day "
            "signed for: enter that date",
        )
    if received_on is not None:
        _check_receipt_date(received_on, _today())
    with transaction.atomic():
        request, code = _new_request(unit=unit, data=clean, channel=channel, by=by)
        request.filled_for_applicant = filled_for_applicant
        request.save()
        _save_attachments(request, attachments)
        _event(request, EventKind.REGISTERED, by, on=_today(), note=str(Channel(channel).label))
        _audit(request, by, "register", via, channel=channel)
        if received_on is not None:
            _receive(request, by, received_on)
        notify_applicant(
            request,
            "已登记您的申请",
            f"您的政府信息公开申请已登记（{Channel(channel).label}）。",
        )
    return request, code


def _check_receipt_date(day: datetime.date, earliest: datetime.date | None) -> None:
    if day > _today():
        raise _err(
            "received_on", "收到申请的日期不能晚于今天", "The receipt date cannot be in the future"
        )
    if earliest is not None and day < earliest - datetime.timedelta(days=366):
        raise _err("received_on", "收到申请的日期不合理", "The receipt date is implausible")


def _check_step_date(field: str, day: datetime.date, request: DisclosureRequest) -> None:
    """The date of a step on a request: not in the future, not before its receipt."""
    if day > _today():
        raise _err(field, "日期不能晚于今天", "The date cannot be in the future")
    if request.received_on is not None and day < request.received_on:
        raise _err(
            field,
            f"日期不能早于收到申请之日 {request.received_on}",
            f"The date cannot be before the receipt date {request.received_on}",
        )


def _receive(request: DisclosureRequest, by: User | None, received_on: datetime.date) -> None:
    request.received_on = received_on
    request.clock_started_on = received_on
    request.status = Status.PROCESSING
    _bump(request, "received_on", "clock_started_on", "status")
    _event(request, EventKind.RECEIVED, by, on=received_on)
    clock_refresh(request)


def request_confirm_receipt(
    *,
    request: DisclosureRequest,
    by: User,
    received_on: datetime.date,
    version: int | None = None,
    via: str = "web",
) -> DisclosureRequest:
    """Record the receipt date confirmed with the applicant (Art. 31): the clock starts."""
    _require_handler(by, request)
    with transaction.atomic():
        request = _locked(request, version)
        if request.status != Status.SUBMITTED:
            raise _err(
                None, "此申请的收到日期已经确认", "The receipt of this request is confirmed already"
            )
        submitted = timezone.localtime(request.submitted_at).date()
        if received_on < submitted:
            raise _err(
                "received_on",
                f"收到日期不能早于提交日期 {submitted}",
                f"The receipt date cannot be before the submission date {submitted}",
            )
        _check_receipt_date(received_on, submitted)
        _receive(request, by, received_on)
        _audit(request, by, "confirm_receipt", via, received_on=received_on)
        due = request.due_on
        notify_applicant(
            request,
            "已确认收到您的申请",
            f"收到申请之日为 {received_on}，答复期限为 {due}（法定工作日计算）。",
        )
    return request


# --- Routing --------------------------------------------------------------------------


def request_assign(
    *,
    request: DisclosureRequest,
    by: User,
    to_unit: Unit,
    reason: str = "",
    version: int | None = None,
    via: str = "web",
) -> DisclosureRequest:
    """Give the request to the unit that holds the information; the history stays."""
    _require_handler(by, request)
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        if to_unit.pk == request.unit_id:
            raise _err("to_unit", "已经是该单位在办理", "That unit handles it already")
        if not to_unit.is_active:
            raise _err(
                "to_unit", "该单位不办理政府信息公开申请", "That unit does not handle requests"
            )
        RequestTransfer.objects.create(
            request=request, from_unit_id=request.unit_id, to_unit=to_unit, reason=reason, by=by
        )
        kind = (
            EventKind.ASSIGNED
            if request.unit_id == request.received_by_unit_id
            else (EventKind.TRANSFERRED)
        )
        from_unit = request.unit
        request.unit = to_unit
        _bump(request, "unit")
        _event(request, kind, by, note=f"{from_unit.name_zh} → {to_unit.name_zh}", public=False)
        audit_record(
            actor=by,
            action=AuditAction.CASE_ACTION,
            obj=request,
            unit=to_unit.pk,
            before={"unit": from_unit.pk},
            after={"step": "assign", "unit": to_unit.pk},
            note=reason,
            via=via,
        )
    return request


def request_split(
    *,
    request: DisclosureRequest,
    by: User,
    to_unit: Unit,
    description: str,
    version: int | None = None,
    via: str = "web",
) -> DisclosureRequest:
    """Split off the part of a cross-unit request that ``to_unit`` holds, as a new request
    with the same applicant, receipt date and clock."""
    _require_handler(by, request)
    description = (description or "").strip()
    if not description:
        raise _err(
            "description", "请写明拆分出的部分所需的信息", "Describe the part being split off"
        )
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        if request.status == Status.SUBMITTED:
            raise _err(None, "请先确认收到申请", "Confirm the receipt first")
        part = DisclosureRequest(
            parent=request,
            unit=to_unit,
            received_by_unit_id=request.received_by_unit_id,
            channel=request.channel,
            status=Status.PROCESSING,
            submitted_at=request.submitted_at,
            received_on=request.received_on,
            clock_started_on=request.clock_started_on,
            query_code_hash=request.query_code_hash,
            registered_by=by,
            info_title=request.info_title,
            info_document_number=request.info_document_number,
            info_description=description,
            applicant_key=request.applicant_key,
            **{
                name: getattr(request, name)
                for name in (
                    *PERSONAL_FIELDS,
                    "applicant_kind",
                    "organisation_type",
                    "id_type",
                    "wanted_form",
                    "delivery",
                    "key_area",
                    "needs_assistance",
                )
            },
        )
        part.tracking_number = new_tracking_number()
        part.save()
        clock_refresh(part)
        _event(part, EventKind.SPLIT, by, note=request.tracking_number, public=True)
        _event(request, EventKind.SPLIT, by, note=f"{part.tracking_number} → {to_unit.name_zh}")
        _bump(request)
        _audit(request, by, "split", via, part=part.tracking_number, unit=to_unit.pk)
        notify_applicant(
            part,
            "您的申请已分拆办理",
            f"您的申请 {request.tracking_number} 中的部分内容由{to_unit.name_zh}办理，"
            f"新的申请编号为 {part.tracking_number}，查询码与原申请相同。",
        )
    return part


# --- Clarification (Art. 30) ----------------------------------------------------------


def clarification_ask_by(request: DisclosureRequest) -> calendar.Deadline | None:
    """The last day a clarification may be asked: 7 working days after receipt."""
    if request.received_on is None:
        return None
    return calendar.add_working_days(
        request.received_on, rules()["CLARIFY_ASK_WITHIN_WORKING_DAYS"]
    )


def clarification_request(
    *,
    request: DisclosureRequest,
    by: User,
    items: str,
    respond_by: datetime.date | None = None,
    asked_on: datetime.date | None = None,
    version: int | None = None,
    via: str = "web",
) -> Clarification:
    """Ask the applicant, once, to clarify everything unclear, by a deadline (Art. 30).
    The reply clock stops, and restarts in full from the clarification's receipt."""
    _require_handler(by, request)
    items = (items or "").strip()
    if not items:
        raise _err(
            "items", "请一次性列明需要补正的全部事项", "List everything to clarify, all at once"
        )
    asked_on = asked_on or _today()
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        _require_processing(
            request,
            "只有在办理中的申请可以要求补正",
            "Only a request being processed can be clarified",
        )
        if Clarification.objects.filter(request=request).exists():
            raise _err(
                None,
                "补正只能要求一次（《条例》第三十条）",
                "A clarification may be asked only once (Art. 30)",
            )
        limit = clarification_ask_by(request)
        if limit is not None and asked_on > limit.date:
            raise _err(
                None,
                f"应当自收到申请之日起 7 个工作日内一次性告知补正，期限已于 {limit.date} 届满",
                f"A clarification must be asked within 7 working days of receipt; that ended "
                f"on {limit.date}",
            )
        if asked_on < (request.clock_started_on or asked_on) or asked_on > _today():
            raise _err("asked_on", "告知补正的日期不正确", "The date of the notice is not valid")
        respond_by = (
            respond_by
            or calendar.add_working_days(asked_on, rules()["CLARIFY_DEFAULT_WORKING_DAYS"]).date
        )
        if respond_by <= asked_on:
            raise _err(
                "respond_by",
                "补正期限应晚于告知日期",
                "The deadline must be after the day of the notice",
            )
        clarification = Clarification.objects.create(
            request=request, asked_on=asked_on, items=items, respond_by=respond_by, asked_by=by
        )
        request.status = Status.CLARIFICATION
        _bump(request, "status")
        clock_refresh(request)
        _event(request, EventKind.CLARIFICATION_REQUESTED, by, note=items, on=asked_on)
        _audit(request, by, "clarification_request", via, respond_by=respond_by)
        notify_applicant(
            request,
            "请补正您的申请",
            f"您的申请内容需要补正，请在 {respond_by} 前补正以下事项：\n{items}\n"
            "答复期限自收到补正后的申请之日起重新计算；无正当理由逾期不补正的，视为放弃申请。",
        )
    return clarification


def clarification_receive(
    *,
    request: DisclosureRequest,
    by: User | None,
    clarified_on: datetime.date,
    response: str,
    version: int | None = None,
    via: str = "web",
) -> DisclosureRequest:
    """The clarified request arrived on ``clarified_on``: the clock restarts from it.

    ``by`` is None when the applicant clarifies online (then the date is today)."""
    if by is not None:
        _require_handler(by, request)
    response = (response or "").strip()
    if not response:
        raise _err("response", "请填写补正内容", "Enter the clarification")
    if len(response) > rules()["DESCRIPTION_MAX_CHARS"]:
        raise _err("response", "补正内容过长", "The clarification is too long")
    with transaction.atomic():
        request = _locked(request, version)
        if request.status != Status.CLARIFICATION:
            raise _err(
                None, "此申请没有在等待补正", "This request is not waiting for a clarification"
            )
        clarification = request.clarification
        if clarified_on < clarification.asked_on or clarified_on > _today():
            raise _err(
                "clarified_on",
                "收到补正的日期不正确",
                "The date the clarification arrived is not valid",
            )
        clarification.clarified_on = clarified_on
        clarification.response = response
        clarification.save(update_fields=["clarified_on", "response"])
        request.status = Status.PROCESSING
        request.clock_started_on = clarified_on
        _bump(request, "status", "clock_started_on")
        clock_refresh(request)
        late = clarified_on > clarification.respond_by
        _event(
            request,
            EventKind.CLARIFIED,
            by,
            on=clarified_on,
            note="逾期补正 / clarified late" if late else "",
        )
        _audit(
            request, by, "clarification_receive", via if by else "portal", clarified_on=clarified_on
        )
        notify_applicant(
            request,
            "已收到您的补正",
            f"已收到您的补正，答复期限自 {clarified_on} 起重新计算，为 {request.due_on}。",
        )
    return request


def clarification_lapsed(request: DisclosureRequest, today: datetime.date | None = None) -> bool:
    """The applicant did not clarify by the deadline (report row 三(六)1 may be chosen)."""
    clarification = Clarification.objects.filter(request=request).first()
    return bool(
        clarification
        and clarification.clarified_on is None
        and clarification.respond_by < (today or _today())
    )


# --- Pauses and extensions (Art. 32–35) -----------------------------------------------


def pause_start(
    *,
    request: DisclosureRequest,
    by: User,
    kind: str,
    party: str,
    reason: str,
    started_on: datetime.date | None = None,
    version: int | None = None,
    via: str = "web",
) -> ClockPause:
    """Stop the clock for a consultation (third party Art. 32; another agency Art. 33–34).
    ``by`` decides it and is recorded as its approver."""
    _require_handler(by, request)
    if kind not in (PauseKind.THIRD_PARTY, PauseKind.AGENCY):
        raise _err("kind", "请选择暂停的类型", "Choose the kind of pause")
    party = (party or "").strip()
    if not party:
        raise _err("party", "请填写征求意见的对象", "Name the party consulted")
    started_on = started_on or _today()
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        _require_processing(
            request,
            "只有在办理中的申请可以暂停计时",
            "Only a request being processed can be paused",
        )
        if request.pauses.filter(ended_on__isnull=True).exists():
            raise _err(None, "已有一项暂停尚未结束", "Another pause is still open")
        if started_on < (request.clock_started_on or started_on) or started_on > _today():
            raise _err(
                "started_on",
                "暂停日期应在计时开始之后且不晚于今天",
                "The pause must start after the clock started and not in the future",
            )
        if request.due_on and started_on > request.due_on:
            raise _err(
                "started_on",
                "答复期限已过，不能再暂停计时",
                "The reply is already due: the clock can no longer be paused",
            )
        days = rules()[
            "THIRD_PARTY_WORKING_DAYS" if kind == PauseKind.THIRD_PARTY else "AGENCY_WORKING_DAYS"
        ]
        pause = ClockPause.objects.create(
            request=request,
            kind=kind,
            party=party[:200],
            reason=reason,
            started_on=started_on,
            answer_due_on=calendar.add_working_days(started_on, days).date,
            approved_by=by,
        )
        _bump(request)
        clock_refresh(request)
        _event(request, EventKind.PAUSE_STARTED, by, on=started_on, note=str(PauseKind(kind).label))
        _audit(request, by, "pause_start", via, kind=kind, started_on=started_on)
        notify_applicant(
            request,
            "暂停计算答复期限",
            f"本机关自 {started_on} 起就您的申请{PauseKind(kind).label}，"
            "所需时间不计算在答复期限内（《条例》第三十三条）。",
        )
    return pause


def pause_end(
    *,
    pause: ClockPause,
    by: User | None,
    ended_on: datetime.date | None = None,
    note: str = "",
    version: int | None = None,
    via: str = "web",
) -> ClockPause:
    """End a pause: the clock counts again from the day after ``ended_on``."""
    if by is not None:
        _require_handler(by, pause.request)
    ended_on = ended_on or _today()
    with transaction.atomic():
        request = _locked(pause.request, version)
        pause = ClockPause.objects.select_for_update().get(pk=pause.pk)
        if pause.ended_on is not None:
            raise _err(None, "此暂停已经结束", "This pause has ended already")
        if ended_on < pause.started_on or ended_on > _today():
            raise _err(
                "ended_on",
                "恢复计时的日期应不早于暂停日期且不晚于今天",
                "The clock resumes on or after the pause began and not in the future",
            )
        pause.ended_on = ended_on
        pause.end_note = note
        pause.ended_by = by
        pause.save(update_fields=["ended_on", "end_note", "ended_by"])
        _bump(request)
        clock_refresh(request)
        _event(request, EventKind.PAUSE_ENDED, by, on=ended_on, note=str(pause.get_kind_display()))
        _audit(request, by, "pause_end", via, kind=pause.kind, ended_on=ended_on)
        notify_applicant(
            request,
            "恢复计算答复期限",
            f"自 {ended_on} 次日起恢复计算答复期限，答复期限为 {request.due_on}。",
        )
    return pause


def extension_grant(
    *,
    request: DisclosureRequest,
    by: User,
    working_days: int,
    reason: str,
    approved_on: datetime.date | None = None,
    version: int | None = None,
    via: str = "web",
) -> Extension:
    """The one statutory extension (Art. 33), approved by the head of the disclosure office
    (``Perm.REQUEST_APPROVE``) before the due date, and notified to the applicant."""
    require(by, Perm.REQUEST_APPROVE, request.unit_id)
    maximum = rules()["EXTENSION_MAX_WORKING_DAYS"]
    if not isinstance(working_days, int) or not 1 <= working_days <= maximum:
        raise _err(
            "working_days",
            f"延长期限应为 1 至 {maximum} 个工作日",
            f"An extension is 1 to {maximum} working days",
        )
    reason = (reason or "").strip()
    if not reason:
        raise _err("reason", "请说明延长答复期限的理由", "Give the reason for the extension")
    approved_on = approved_on or _today()
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        if request.status != Status.PROCESSING:
            raise _err(
                None, "只有在办理中的申请可以延期", "Only a request being processed can be extended"
            )
        if request.extensions.filter(kind=ExtensionKind.STATUTORY).exists():
            raise _err(
                None,
                "答复期限只能延长一次（《条例》第三十三条）",
                "The deadline can be extended only once (Art. 33)",
            )
        _check_step_date("approved_on", approved_on, request)
        if request.due_on is not None and approved_on > request.due_on:
            raise _err(
                None,
                f"答复期限已于 {request.due_on} 届满，不能再延期",
                f"The deadline passed on {request.due_on}: it can no longer be extended",
            )
        extension = Extension.objects.create(
            request=request,
            kind=ExtensionKind.STATUTORY,
            working_days=working_days,
            reason=reason,
            approved_by=by,
            approved_on=approved_on,
            notified_on=_today(),
        )
        _bump(request)
        clock_refresh(request)
        _event(
            request,
            EventKind.EXTENDED,
            by,
            on=approved_on,
            note=f"+{working_days} 个工作日 / working days",
        )
        _audit(request, by, "extension", via, working_days=working_days, due_on=request.due_on)
        notify_applicant(
            request,
            "答复期限延长告知",
            f"因{reason}，经政府信息公开工作机构负责人同意，答复期限延长 {working_days} "
            f"个工作日，延长后的答复期限为 {request.due_on}（《条例》第三十三条）。",
        )
    return extension


def request_flag_excessive(
    *,
    request: DisclosureRequest,
    by: User,
    reasons_requested: str,
    version: int | None = None,
    via: str = "web",
) -> DisclosureRequest:
    """Art. 35: requests clearly beyond a reasonable number or frequency — ask the
    applicant for reasons."""
    _require_handler(by, request)
    text = (reasons_requested or "").strip()
    if not text:
        raise _err(
            "reasons_requested", "请写明要求申请人说明的理由", "Say what the applicant must explain"
        )
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        request.excessive = True
        request.reasons_requested = text
        _bump(request, "excessive", "reasons_requested")
        _event(request, EventKind.REASONS_REQUESTED, by, note=text, on=_today())
        _audit(request, by, "flag_excessive", via)
        notify_applicant(
            request, "请说明申请理由", f"根据《条例》第三十五条，请说明申请理由：\n{text}"
        )
    return request


def art35_deadline_set(
    *,
    request: DisclosureRequest,
    by: User,
    new_due_on: datetime.date,
    reason: str,
    version: int | None = None,
    via: str = "web",
) -> Extension:
    """Art. 35: reasons accepted but Art. 33 cannot be met — a reasonable later deadline,
    notified to the applicant."""
    require(by, Perm.REQUEST_APPROVE, request.unit_id)
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        if not request.excessive:
            raise _err(
                None,
                "只有被标记为明显超过合理范围的申请才能另行确定期限（第三十五条）",
                "Only a request flagged as excessive gets an Art. 35 deadline",
            )
        if request.due_on is not None and new_due_on <= request.due_on:
            raise _err(
                "new_due_on",
                "新的期限应晚于现在的答复期限",
                "The new deadline must be later than the current one",
            )
        extension = Extension.objects.create(
            request=request,
            kind=ExtensionKind.ART35,
            new_due_on=new_due_on,
            reason=(reason or "").strip() or "第三十五条",
            approved_by=by,
            approved_on=_today(),
            notified_on=_today(),
        )
        _bump(request)
        clock_refresh(request)
        _event(request, EventKind.EXTENDED, by, on=_today(), note=f"→ {new_due_on} (Art. 35)")
        _audit(request, by, "art35_deadline", via, new_due_on=new_due_on)
        notify_applicant(
            request, "答复期限告知", f"根据《条例》第三十五条，答复期限确定为 {new_due_on}。"
        )
    return extension


# --- Fees (Art. 42) ----------------------------------------------------------------------


def monthly_ordinal(request: DisclosureRequest) -> int:
    """Which of the applicant's requests in the month of receipt this one is (1-based)."""
    if not request.applicant_key or request.received_on is None:
        return 1
    day = request.received_on
    same_month = DisclosureRequest.objects.filter(
        applicant_key=request.applicant_key,
        received_on__year=day.year,
        received_on__month=day.month,
        parent__isnull=True,
    )
    earlier = same_month.filter(received_on__lt=day).count()
    same_day = same_month.filter(received_on=day, pk__lt=request.pk).count()
    return earlier + same_day + 1


def fee_quote(request: DisclosureRequest, method: str, pages: int | None) -> fees.FeeResult:
    if method == FeeMethod.PER_REQUEST:
        return fees.fee_per_request(monthly_ordinal(request))
    if method == FeeMethod.PER_VOLUME:
        if pages is None or pages < 1:
            raise _err("pages", "按量收费请填写页数", "Enter the number of pages")
        return fees.fee_per_volume(pages)
    raise _err(
        "method",
        "请选择一种收费方式（按件或按量，不能同时使用）",
        "Choose one method: per request or by volume, never both",
    )


def fee_notice_issue(
    *,
    request: DisclosureRequest,
    by: User,
    method: str,
    pages: int | None = None,
    issued_on: datetime.date | None = None,
    version: int | None = None,
    via: str = "web",
) -> FeeNotice:
    """A written fee notice (basis, rate, amount, how to pay, deadline)."""
    _require_handler(by, request)
    issued_on = issued_on or _today()
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        if request.status != Status.PROCESSING:
            raise _err(
                None, "只有在办理中的申请可以收费", "Only a request being processed can be charged"
            )
        _check_step_date("issued_on", issued_on, request)
        if FeeNotice.objects.filter(request=request).exists():
            raise _err(
                None,
                "此申请已发出收费通知；一件申请只能采用一种收费方式",
                "A fee notice was issued already; a request has one fee method only",
            )
        quote = fee_quote(request, method, pages)
        if quote.amount <= 0:
            raise _err(
                None,
                "此申请在免费范围内，不应收费",
                "This request is within the free range: no fee is due",
            )
        pay_by = calendar.add_working_days(issued_on, rules()["FEE_PAY_WORKING_DAYS"]).date
        notice = FeeNotice.objects.create(
            request=request,
            method=method,
            pages=pages if method == FeeMethod.PER_VOLUME else None,
            monthly_ordinal=monthly_ordinal(request) if method == FeeMethod.PER_REQUEST else None,
            amount=quote.amount,
            breakdown=[line.as_dict() for line in quote.lines],
            issued_on=issued_on,
            pay_by=pay_by,
            issued_by=by,
        )
        if rules()["FEE_STOPS_CLOCK"]:
            if request.pauses.filter(ended_on__isnull=True).exists():
                raise _err(None, "请先结束正在进行的暂停", "End the open pause first")
            ClockPause.objects.create(
                request=request,
                kind=PauseKind.FEE,
                party="申请人 / applicant",
                reason=f"{quote.amount} 元",
                started_on=issued_on,
                answer_due_on=pay_by,
                approved_by=by,
            )
        _bump(request)
        clock_refresh(request)
        _event(
            request,
            EventKind.FEE_NOTICE,
            by,
            on=issued_on,
            note=f"{quote.amount} 元，{pay_by} 前缴纳 / yuan, pay by {pay_by}",
        )
        _audit(request, by, "fee_notice", via, method=method, amount=quote.amount)
        notify_applicant(
            request,
            "收费通知",
            "根据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），"
            f"您的申请需缴纳信息处理费 {quote.amount} 元，请于 {pay_by} 前缴纳；"
            "逾期未缴纳的，视为放弃申请，本机关不再处理。",
        )
    return notice


def fee_record_payment(
    *,
    request: DisclosureRequest,
    by: User,
    paid_on: datetime.date,
    amount: Decimal,
    reference: str = "",
    version: int | None = None,
    via: str = "web",
) -> FeeNotice:
    _require_handler(by, request)
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        notice = FeeNotice.objects.select_for_update().filter(request=request).first()
        if notice is None:
            raise _err(None, "此申请没有收费通知", "This request has no fee notice")
        if notice.paid_on is not None:
            raise _err(None, "已经记录过缴费", "The payment is recorded already")
        if Decimal(amount) != notice.amount:
            raise _err(
                "amount",
                f"应缴金额为 {notice.amount} 元",
                f"The amount due is {notice.amount} yuan",
            )
        if paid_on < notice.issued_on or paid_on > _today():
            raise _err("paid_on", "缴费日期不正确", "The payment date is not valid")
        notice.paid_on = paid_on
        notice.paid_amount = notice.amount
        notice.payment_reference = reference[:100]
        notice.save(update_fields=["paid_on", "paid_amount", "payment_reference"])
        for pause in request.pauses.filter(kind=PauseKind.FEE, ended_on__isnull=True):
            pause.ended_on = paid_on
            pause.ended_by = by
            pause.end_note = "已缴费 / paid"
            pause.save(update_fields=["ended_on", "ended_by", "end_note"])
        _bump(request)
        clock_refresh(request)
        _event(request, EventKind.FEE_PAID, by, on=paid_on, note=f"{notice.amount} 元 / yuan")
        _audit(request, by, "fee_paid", via, amount=notice.amount, paid_on=paid_on)
    return notice


def fee_lapsed(request: DisclosureRequest, today: datetime.date | None = None) -> bool:
    notice = FeeNotice.objects.filter(request=request).first()
    return bool(notice and notice.paid_on is None and notice.pay_by < (today or _today()))


# --- Replies (Art. 36–39) ---------------------------------------------------------------

REPLY_FIELDS = (
    "information_text",
    "reasons",
    "withheld_parts",
    "other_agency_name",
    "other_agency_contact",
    "page_count",
)


def validate_reply(request: DisclosureRequest, outcome: str, data: dict[str, Any]) -> None:
    """The outcome's required content (REGULATION.md §3, §8), or a ValidationError."""
    if outcome not in Outcome.values:
        raise _err("outcome", "请选择答复类型", "Choose the outcome")
    rule = OUTCOME_RULES[outcome]
    errors: dict[str, list[str]] = {}
    labels = {
        "information_text": (
            "提供的信息或获取信息的方式、途径和时间",
            "the information, or how, where and when to obtain it",
        ),
        "reasons": ("理由", "the reasons"),
        "other_agency_name": (
            "负责公开该信息的行政机关名称",
            "the name of the agency that holds it",
        ),
        "other_agency_contact": ("该机关的联系方式", "that agency's contact"),
    }
    for name in rule.needs:
        if not str(data.get(name) or "").strip():
            zh, en = labels[name]
            errors.setdefault(name, []).append(f"此答复类型必须写明{zh} / This outcome needs {en}")
    if rule.needs_withheld_parts:
        parts = data.get("withheld_parts") or []
        if not parts:
            errors.setdefault("withheld_parts", []).append(
                "部分公开必须列明不予公开的每一部分及其理由（第三十七条） / A partial disclosure "
                "must list each withheld part with its reason (Art. 37)"
            )
        for index, part in enumerate(parts, start=1):
            if (
                not str(part.get("part") or "").strip()
                or part.get("ground") not in (PartialGround.values)
                or not str(part.get("reason") or "").strip()
            ):
                errors.setdefault("withheld_parts", []).append(
                    f"第 {index} 项不予公开的部分缺少内容、依据或理由 / withheld part {index} "
                    "needs its content, ground and reason"
                )
    if rule.needs_clarification_lapsed and not clarification_lapsed(request):
        errors.setdefault("outcome", []).append(
            "只有申请人逾期未补正时才能选择此答复类型 / Only when the applicant did not "
            "clarify by the deadline"
        )
    if rule.needs_fee_lapsed and not fee_lapsed(request):
        errors.setdefault("outcome", []).append(
            "只有申请人逾期未缴费时才能选择此答复类型 / Only when the applicant did not pay "
            "the fee by the deadline"
        )
    page_count = data.get("page_count")
    if page_count is not None and (not isinstance(page_count, int) or page_count < 0):
        errors.setdefault("page_count", []).append("页数不正确 / Not a valid number of pages")
    if errors:
        raise ValidationError(errors)


def reply_draft(
    *,
    request: DisclosureRequest,
    by: User,
    outcome: str,
    data: dict[str, Any],
    letter_text: str | None = None,
    version: int | None = None,
    via: str = "web",
) -> Reply:
    """Draft (or redraft) the reply. The letter text is generated from the outcome's
    standard template unless the officer's own ``letter_text`` is given."""
    from gongkai.disclosure_requests import letters

    _require_handler(by, request)
    unknown = set(data) - set(REPLY_FIELDS)
    if unknown:
        raise _err(
            None,
            f"未知字段：{', '.join(sorted(unknown))}",
            f"Unknown fields: {', '.join(sorted(unknown))}",
        )
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        if request.status == Status.SUBMITTED:
            raise _err(None, "请先确认收到申请", "Confirm the receipt first")
        validate_reply(request, outcome, data)
        reply = Reply.objects.filter(request=request).first()
        if reply is not None and reply.state == ReplyState.ISSUED:
            raise _err(None, "答复已经发出", "The reply has been issued already")
        if reply is None:
            reply = Reply(request=request, drafted_by=by)
        reply.outcome = outcome
        for name in REPLY_FIELDS:
            value = data.get(name)
            if name == "withheld_parts":
                value = list(value or [])
            elif name == "page_count":
                value = value if value is not None else None
            else:
                value = str(value or "").strip()
            setattr(reply, name, value)
        reply.drafted_by = by
        reply.state = ReplyState.DRAFT
        reply.approved_by = None
        reply.approved_at = None
        reply.letter_text = (letter_text or "").strip() or letters.letter_text(reply)
        reply.save()
        _bump(request)
        _event(request, EventKind.REPLY_DRAFTED, by, note=str(Outcome(outcome).label))
        _audit(request, by, "reply_draft", via, outcome=outcome)
    return reply


def reply_approve(*, reply: Reply, by: User, version: int | None = None, via: str = "web") -> Reply:
    """The head of the disclosure office approves the letter."""
    require(by, Perm.REQUEST_APPROVE, reply.request.unit_id)
    with transaction.atomic():
        request = _locked(reply.request, version)
        _require_open(request)
        reply = Reply.objects.select_for_update().get(pk=reply.pk)
        if reply.state != ReplyState.DRAFT:
            raise _err(None, "只有草稿可以审批", "Only a draft can be approved")
        validate_reply(request, reply.outcome, {n: getattr(reply, n) for n in REPLY_FIELDS})
        reply.state = ReplyState.APPROVED
        reply.approved_by = by
        reply.approved_at = timezone.now()
        reply.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
        _bump(request)
        _event(request, EventKind.REPLY_APPROVED, by)
        _audit(request, by, "reply_approve", via, outcome=reply.outcome)
    return reply


def _next_letter_number(unit: Unit, year: int) -> str:
    serial, _created = LetterSerial.objects.select_for_update().get_or_create(unit=unit, year=year)
    serial.last += 1
    serial.save(update_fields=["last"])
    prefix = rules()["LETTER_NUMBER_PREFIX"]
    return f"{prefix}〔{year}〕{serial.last}号"


def reply_issue(
    *,
    reply: Reply,
    by: User,
    issued_on: datetime.date | None = None,
    version: int | None = None,
    via: str = "web",
) -> Reply:
    """Number, date and issue the approved letter as DOCX and PDF; the request closes."""
    from gongkai.disclosure_requests import letters

    _require_handler(by, reply.request)
    issued_on = issued_on or _today()
    with transaction.atomic():
        request = _locked(reply.request, version)
        _require_open(request)
        reply = Reply.objects.select_for_update().get(pk=reply.pk)
        if reply.state != ReplyState.APPROVED:
            raise _err(
                None,
                "答复须经政府信息公开工作机构负责人审批后才能发出",
                "The reply must be approved by the head of the disclosure office first",
            )
        if issued_on > _today():
            raise _err(
                "issued_on", "答复日期不能晚于今天", "The reply cannot be dated in the future"
            )
        _check_step_date("issued_on", issued_on, request)
        reply.letter_number = _next_letter_number(request.unit, issued_on.year)
        reply.issued_on = issued_on
        reply.issued_by = by
        reply.state = ReplyState.ISSUED
        reply.request = request
        base = f"{request.tracking_number}-reply"
        reply.letter_docx.save(f"{base}.docx", ContentFile(letters.render_docx(reply)), save=False)
        reply.letter_pdf.save(f"{base}.pdf", ContentFile(letters.render_pdf(reply)), save=False)
        reply.save()
        for pause in request.pauses.filter(ended_on__isnull=True):
            pause.ended_on = max(issued_on, pause.started_on)
            pause.ended_by = by
            pause.end_note = "答复已发出 / replied"
            pause.save(update_fields=["ended_on", "ended_by", "end_note"])
        request.status = Status.CLOSED
        request.outcome = reply.outcome
        request.closed_at = timezone.now()
        if OUTCOME_RULES[reply.outcome].releases and conversion_prompted(request):
            request.broad_interest = True
        _bump(request, "status", "outcome", "closed_at", "broad_interest")
        clock_refresh(request)
        _event(request, EventKind.REPLY_ISSUED, by, on=issued_on, note=reply.letter_number)
        _audit(
            request,
            by,
            "reply_issue",
            via,
            outcome=reply.outcome,
            letter_number=reply.letter_number,
        )
        notify_applicant(
            request,
            "答复已发出",
            f"您的申请已答复（{reply.letter_number}，{issued_on}）。请在门户网站查询并下载答复告知书。",
        )
    return reply


def conversion_prompted(request: DisclosureRequest) -> bool:
    """Whether the request is about housing or land expropriation (by key area or words in
    what was asked), so that the released reply is proposed for proactive disclosure."""
    if request.key_area in rules()["CONVERT_PROMPT_KEY_AREAS"]:
        return True
    text = f"{request.info_title} {request.info_description}"
    return any(word in text for word in rules()["CONVERT_PROMPT_WORDS"])


def request_withdraw(
    *,
    request: DisclosureRequest,
    by: User | None,
    reason: str = "",
    version: int | None = None,
    via: str = "web",
) -> DisclosureRequest:
    """The applicant withdraws the request (online: ``by`` is None; or staff record a written
    withdrawal). It closes without a reply letter, with the outcome 其他处理-其他 (report row
    三(六)3)."""
    if by is not None:
        _require_handler(by, request)
    with transaction.atomic():
        request = _locked(request, version)
        _require_open(request)
        reply = Reply.objects.filter(request=request).first()
        if reply is not None and reply.state == ReplyState.ISSUED:
            raise _err(
                None, "答复已经发出，不能撤回", "The reply was issued: it cannot be withdrawn"
            )
        if reply is not None:
            reply.delete()
        for pause in request.pauses.filter(ended_on__isnull=True):
            pause.ended_on = max(_today(), pause.started_on)
            pause.end_note = "申请人撤回 / withdrawn"
            pause.save(update_fields=["ended_on", "end_note"])
        request.status = Status.CLOSED
        request.outcome = Outcome.OTHER
        request.closed_at = timezone.now()
        _bump(request, "status", "outcome", "closed_at")
        clock_refresh(request)
        _event(request, EventKind.WITHDRAWN, by, on=_today(), note=(reason or "")[:500])
        _audit(request, by, "withdraw", via if by else "portal", reason=reason[:500])
        notify_applicant(request, "申请已撤回", "您的政府信息公开申请已撤回，本机关不再处理。")
    return request


def released_file_add(
    *,
    reply: Reply,
    by: User,
    name: str,
    content: bytes,
    version: int | None = None,
    via: str = "web",
) -> ReleasedFile:
    """Attach a released file to a reply whose outcome provides information."""
    from gongkai.library.attachments import AttachmentError, check_attachment

    _require_handler(by, reply.request)
    if not OUTCOME_RULES[reply.outcome].releases:
        raise _err(
            None,
            "此答复类型不提供信息，不能附加文件",
            "This outcome releases nothing: no files can be attached",
        )
    try:
        checked = check_attachment(content, name)
    except AttachmentError as error:
        raise ValidationError({"file": [str(error)]}) from None
    with transaction.atomic():
        request = _locked(reply.request, version)
        if (
            reply.state == ReplyState.ISSUED
            and request.status == Status.CLOSED
            and (reply.delivered_on is not None)
        ):
            raise _err(None, "答复已送达，不能再附加文件", "The reply was delivered: no more files")
        released = ReleasedFile(
            reply=reply,
            name=name[:255],
            size=checked.size,
            content_type=checked.mime_type,
            added_by=by,
        )
        released.file.save(
            f"{uuid.uuid4().hex}.{checked.extension}", ContentFile(content), save=False
        )
        released.save()
        _audit(request, by, "released_file_add", via, name=name)
    return released


def reply_record_delivery(
    *,
    reply: Reply,
    by: User,
    method: str,
    delivered_on: datetime.date,
    note: str = "",
    version: int | None = None,
    via: str = "web",
) -> Reply:
    _require_handler(by, reply.request)
    if method not in Delivery.values:
        raise _err("method", "请选择送达方式", "Choose how it was delivered")
    with transaction.atomic():
        request = _locked(reply.request, version)
        reply = Reply.objects.select_for_update().get(pk=reply.pk)
        if reply.state != ReplyState.ISSUED:
            raise _err(None, "答复尚未发出", "The reply has not been issued")
        if delivered_on < (reply.issued_on or delivered_on) or delivered_on > _today():
            raise _err("delivered_on", "送达日期不正确", "The delivery date is not valid")
        reply.delivery_method = method
        reply.delivered_on = delivered_on
        reply.delivery_note = note[:300]
        reply.save(update_fields=["delivery_method", "delivered_on", "delivery_note", "updated_at"])
        _event(request, EventKind.DELIVERED, by, on=delivered_on, note=str(Delivery(method).label))
        _audit(request, by, "delivery", via, method=method, delivered_on=delivered_on)
    return reply


# --- Conversion to proactive disclosure (Art. 44, R-5.2) --------------------------------

_ID_PATTERN = re.compile(r"\b\d{17}[\dXx]\b")
_PHONE_PATTERN = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def remove_personal_data(text: str, request: DisclosureRequest) -> str:
    """``text`` without the applicant's personal data and anything shaped like an identity
    number, a phone number or an e-mail address."""
    for name in PERSONAL_FIELDS:
        value = getattr(request, name) or ""
        if len(value) >= 2:
            text = text.replace(value, "＊＊＊")
    text = _ID_PATTERN.sub("＊＊＊", text)
    text = _EMAIL_PATTERN.sub("＊＊＊", text)
    return _PHONE_PATTERN.sub("＊＊＊", text)


def request_convert_to_proactive(
    *,
    request: DisclosureRequest,
    by: User,
    title: str = "",
    version: int | None = None,
    via: str = "web",
) -> Any:
    """Create a draft document in the unit's library with the released information,
    personal data removed, for the unit to review and publish."""
    from gongkai.library.choices import DisclosureAttribute, DocumentKind
    from gongkai.library.services import document_create

    _require_handler(by, request)
    reply = Reply.objects.filter(request=request, state=ReplyState.ISSUED).first()
    if reply is None or not OUTCOME_RULES[reply.outcome].releases:
        raise _err(
            None,
            "只有已答复并提供了信息的申请可以转为主动公开",
            "Only a reply that released information can be converted",
        )
    if request.converted_document_id:
        raise _err(None, "此申请已经转为主动公开", "This request was converted already")
    title = remove_personal_data(
        (title or "").strip() or request.info_title or request.info_description[:60], request
    )
    body_text = remove_personal_data(reply.information_text, request)
    body = "".join(f"<p>{_escape(line)}</p>" for line in body_text.splitlines() if line.strip())
    with transaction.atomic():
        request = _locked(request, version)
        document = document_create(
            unit=request.unit,
            by=by,
            data={
                "title": title[:300],
                "summary": remove_personal_data(request.info_description, request)[:500],
                "body": body,
                "kind": DocumentKind.OTHER,
                "attribute": DisclosureAttribute.PROACTIVE,
                "document_number": request.info_document_number,
            },
            via=via,
            check=False,
        )
        request.converted_document = document
        request.broad_interest = True
        _bump(request, "converted_document", "broad_interest")
        _event(request, EventKind.CONVERTED, by, note=document.index_number, public=False)
        _audit(request, by, "convert", via, document=document.pk)
    return document


def _escape(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


# --- Review and litigation (report §四) --------------------------------------------------


def review_record(
    *,
    request: DisclosureRequest,
    by: User,
    kind: str,
    received_on: datetime.date,
    result: str = ReviewResult.PENDING,
    decided_on: datetime.date | None = None,
    case_number: str = "",
    note: str = "",
    version: int | None = None,
    via: str = "web",
) -> ReviewCase:
    _require_handler(by, request)
    if kind not in ReviewKind.values:
        raise _err("kind", "请选择行政复议或行政诉讼", "Choose review or litigation")
    _check_review(result, received_on, decided_on)
    with transaction.atomic():
        request = _locked(request, version)
        case = ReviewCase.objects.create(
            request=request,
            kind=kind,
            received_on=received_on,
            result=result,
            decided_on=decided_on,
            case_number=case_number[:100],
            note=note,
            recorded_by=by,
        )
        _event(
            request,
            EventKind.REVIEW,
            by,
            on=received_on,
            public=False,
            note=f"{ReviewKind(kind).label}: {ReviewResult(result).label}",
        )
        _audit(request, by, "review_record", via, kind=kind, result=result)
    return case


def _check_review(
    result: str, received_on: datetime.date, decided_on: datetime.date | None
) -> None:
    if result not in ReviewResult.values:
        raise _err("result", "请选择结果", "Choose the result")
    if received_on > _today():
        raise _err("received_on", "收到日期不能晚于今天", "The date cannot be in the future")
    if result != ReviewResult.PENDING and decided_on is None:
        raise _err("decided_on", "请填写结果的日期", "Enter the date of the result")
    if decided_on is not None and decided_on > _today():
        raise _err("decided_on", "结果日期不能晚于今天", "The result cannot be in the future")
    if decided_on is not None and decided_on < received_on:
        raise _err("decided_on", "结果日期不能早于收到日期", "The result cannot predate the case")


def review_update(
    *,
    case: ReviewCase,
    by: User,
    result: str,
    decided_on: datetime.date | None,
    note: str = "",
    version: int | None = None,
    via: str = "web",
) -> ReviewCase:
    _require_handler(by, case.request)
    _check_review(result, case.received_on, decided_on)
    with transaction.atomic():
        _locked(case.request, version)
        case = ReviewCase.objects.select_for_update().get(pk=case.pk)
        before = {"result": case.result}
        case.result = result
        case.decided_on = decided_on
        if note:
            case.note = note
        case.save(update_fields=["result", "decided_on", "note"])
        audit_record(
            actor=by,
            action=AuditAction.CASE_ACTION,
            obj=case.request,
            unit=case.request.unit_id,
            before=before,
            after={"step": "review_update", "result": result},
            via=via,
        )
    return case


# --- Personal data (R-4.3) -------------------------------------------------------------


def can_see_personal_data(user: Any, request: DisclosureRequest) -> bool:
    return has_perm(user, Perm.REQUEST_HANDLE, request.unit_id)


def personal_data_view(*, request: DisclosureRequest, by: User, via: str = "web") -> dict[str, str]:
    """The applicant's personal data for someone handling the request; each view is logged."""
    _require_handler(by, request)
    audit_record(
        actor=by, action=AuditAction.PERSONAL_DATA_VIEW, obj=request, unit=request.unit_id, via=via
    )
    return {name: getattr(request, name) for name in PERSONAL_FIELDS}


def destroy_personal_data(now: datetime.datetime | None = None) -> int:
    """Destroy applicants' personal data of requests closed longer than the retention
    period (``RETENTION_DAYS``); each destruction is logged. Safe to re-run."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=rules()["RETENTION_DAYS"])
    due = DisclosureRequest.objects.filter(
        status=Status.CLOSED, closed_at__lt=cutoff, personal_data_destroyed_at__isnull=True
    )
    count = 0
    for request in due.iterator():
        with transaction.atomic():
            row = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
            if row.personal_data_destroyed_at is not None:
                continue
            for name in PERSONAL_FIELDS:
                setattr(row, name, "")
            row.applicant_key = ""
            row.personal_data_destroyed_at = now
            row.save(
                update_fields=[*PERSONAL_FIELDS, "applicant_key", "personal_data_destroyed_at"]
            )
            for attachment in row.attachments.all():
                attachment.file.delete(save=False)
            row.attachments.all().delete()
            _event(row, EventKind.PERSONAL_DATA_DESTROYED, None, public=False)
            audit_record(
                actor=None,
                action=AuditAction.PERSONAL_DATA_DESTROY,
                obj=row,
                unit=row.unit_id,
                note=f"retention {rules()['RETENTION_DAYS']} days",
            )
        count += 1
    return count


def reencrypt_personal_data() -> int:
    """Re-encrypt every encrypted value under the newest key (after ``rotate-keys``).

    Works on the stored tokens directly (no model save: nothing else changes)."""
    from django.db import connection

    from gongkai.core.crypto import encrypted_fields, reencrypt

    quote = connection.ops.quote_name
    count = 0
    for model, names in encrypted_fields():
        columns = [str(f.column) for f in model._meta.concrete_fields if f.attname in names]
        table = quote(model._meta.db_table)
        pk = quote(str(model._meta.pk.column)) if model._meta.pk else quote("id")
        select = f"SELECT {pk}, {', '.join(quote(c) for c in columns)} FROM {table}"  # noqa: S608
        update = (
            f"UPDATE {table} SET {', '.join(f'{quote(c)} = %s' for c in columns)} "  # noqa: S608
            f"WHERE {pk} = %s"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select)
            for row_pk, *values in cursor.fetchall():
                fresh = [reencrypt(v) if v else v for v in values]
                if fresh != values:
                    cursor.execute(update, [*fresh, row_pk])
                    count += 1
    return count


# --- Applicant lookup and rate limits -------------------------------------------------


class Throttled(Exception):
    """Too many attempts; the message is bilingual."""


def rate_allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit of ``key`` in the current window; False once ``limit`` is exceeded."""
    window = int(timezone.now().timestamp()) // window_seconds
    with transaction.atomic():
        counter, _created = RateCounter.objects.select_for_update().get_or_create(
            key=key[:150], window=window
        )
        counter.count += 1
        counter.save(update_fields=["count"])
    return counter.count <= limit


def rate_count(key: str, window_seconds: int) -> int:
    window = int(timezone.now().timestamp()) // window_seconds
    counter = RateCounter.objects.filter(key=key[:150], window=window).first()
    return counter.count if counter else 0


def request_lookup(*, tracking_number: str, query_code: str, ip: str) -> DisclosureRequest | None:
    """The applicant's request for a tracking number and query code, or None.

    Failed lookups count against the address; past the limit every lookup is refused for
    the rest of the hour (:class:`Throttled`), so codes cannot be guessed."""
    limit = rules()["LOOKUP_FAILURES_PER_HOUR"]
    key = f"lookup-fail:{ip}"
    if rate_count(key, 3600) >= limit:
        raise Throttled(
            "查询失败次数过多，请一小时后再试 / Too many failed lookups: try again in an hour"
        )
    request = DisclosureRequest.objects.filter(
        tracking_number=normalize_code(tracking_number)
    ).first()
    code = normalize_code(query_code)
    if request is None:
        make_password(code)  # the same work as a real check: no timing difference
        ok = False
    else:
        ok = check_password(code, request.query_code_hash)
    if not ok:
        rate_allow(key, limit, 3600)
        return None
    return request


# --- Duplicates and repeated information (Art. 35, 36(6), 44) ---------------------------


def _normal(text: str) -> str:
    return re.sub(r"[\s，。、,.;；:：“”\"'《》（）()]+", "", text or "").lower()


def similar_requests(
    request: DisclosureRequest, threshold: float = 0.85
) -> list[DisclosureRequest]:
    """Earlier requests by the same applicant asking for (nearly) the same information —
    the officer may answer "重复申请"."""
    if not request.applicant_key:
        return []
    mine = _normal(request.info_description + request.info_title)
    found = []
    others = (
        DisclosureRequest.objects.filter(applicant_key=request.applicant_key)
        .exclude(pk=request.pk)
        .filter(submitted_at__lte=request.submitted_at)
        .order_by("-submitted_at")[:50]
    )
    for other in others:
        theirs = _normal(other.info_description + other.info_title)
        if difflib.SequenceMatcher(None, mine, theirs).ratio() >= threshold:
            found.append(other)
    return found
