"""Back-office pages where units handle disclosure requests (issue #5 §1–§6, §8–§11).

Thin views: reads through :mod:`gongkai.disclosure_requests.selectors` (scoped to the
units where the user holds ``Perm.REQUEST_HANDLE``; the Office sees all), every change
through one service of :mod:`gongkai.disclosure_requests.services`, which checks
permission and state. A refused action never fails with a server error: ``AccessDenied``
gives the 403 page with the service's bilingual message, a ``ValidationError`` re-renders
the request's page with the errors on the form that was sent (a stale ``version`` — two
officers acting at once — says that someone else changed the request).

Personal data of applicants (R-4.3) appears masked; the full values only on the response
to "show personal data", which the service logs in the audit.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongkai.accounts.permissions import AccessDenied, Perm, has_perm, is_office, units_where
from gongkai.core import calendar
from gongkai.disclosure_requests import fees, selectors, services
from gongkai.disclosure_requests import forms_staff as f
from gongkai.disclosure_requests.choices import (
    OUTCOME_RULES,
    ExtensionKind,
    FeeMethod,
    Outcome,
    PauseKind,
    ReplyState,
    ReviewResult,
    Status,
)
from gongkai.disclosure_requests.models import (
    PERSONAL_FIELDS,
    DisclosureRequest,
    Reply,
)

PAGE_SIZE = 25


def staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A back-office page: signed-in staff only (else the admin's login), never cached."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            return _denied(request, exc)

    return staff_member_required(never_cache(wrapped))


def _context(request: HttpRequest, title: Any, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def _denied(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    message = str(exc) if exc is not None and str(exc) else str(AccessDenied())
    return TemplateResponse(
        request,
        "disclosure_requests/staff/denied.html",
        _context(request, _("Not allowed"), message=message),
        status=403,
    )


def _get_request(user: Any, tracking_number: str) -> DisclosureRequest:
    try:
        return selectors.request_for_staff(user, tracking_number)
    except DisclosureRequest.DoesNotExist:
        raise Http404(_("There is no request with this tracking number in your units.")) from None


def _reply(dr: DisclosureRequest) -> Reply | None:
    try:
        return dr.reply
    except Reply.DoesNotExist:
        return None


def _one(dr: DisclosureRequest, name: str) -> Any:
    try:
        return getattr(dr, name)
    except ObjectDoesNotExist:  # no such reverse one-to-one row
        return None


@dataclass(frozen=True)
class Left:
    """Working days from today to the due date (negative when overdue; None: no date)."""

    n: int | None

    @property
    def overdue(self) -> int:
        return -self.n if self.n is not None and self.n < 0 else 0


def _days_left(cal: calendar.WorkingCalendar, today: datetime.date, dr: Any) -> Left:
    if dr.due_on is None or dr.status == Status.CLOSED:
        return Left(None)
    return Left(cal.working_days_between(today, dr.due_on))


# --- The list and the due lists ----------------------------------------------------------


@staff_view
def request_list(request: HttpRequest) -> HttpResponse:
    """The requests of the user's units (the Office: all), filtered and paginated."""
    units = units_where(request.user, Perm.REQUEST_HANDLE).order_by("name_zh")
    form = f.RequestFilterForm(request.GET or None, units=units)
    filters = form.filters() if request.GET else {}
    today = timezone.localdate()
    queryset = selectors.requests_for(request.user, {**filters, "today": today})
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    cal = calendar.working_calendar()
    rows = [(dr, _days_left(cal, today, dr)) for dr in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "disclosure_requests/staff/list.html",
        _context(
            request,
            _("Disclosure requests"),
            form=form,
            page=page,
            rows=rows,
            query=query.urlencode(),
            today=today,
            is_office=is_office(request.user),
        ),
    )


@dataclass
class UnitGroup:
    unit: Any
    rows: list[tuple[DisclosureRequest, Left]] = field(default_factory=list)


def _by_unit(queryset: Any, cal: calendar.WorkingCalendar, today: datetime.date) -> list[UnitGroup]:
    groups: dict[int, UnitGroup] = {}
    for dr in queryset:
        group = groups.setdefault(dr.unit_id, UnitGroup(dr.unit))
        group.rows.append((dr, _days_left(cal, today, dr)))
    return list(groups.values())


@staff_view
def due_lists(request: HttpRequest) -> HttpResponse:
    """Due soon (≤ DUE_SOON_WORKING_DAYS working days) and overdue, grouped by unit."""
    today = timezone.localdate()
    cal = calendar.working_calendar()
    soon = _by_unit(selectors.due_soon(request.user, today), cal, today)
    late = _by_unit(selectors.overdue(request.user, today), cal, today)
    return TemplateResponse(
        request,
        "disclosure_requests/staff/due.html",
        _context(
            request,
            _("Requests due soon and overdue"),
            soon=soon,
            late=late,
            today=today,
            soon_until=selectors.due_soon_until(today),
            lapsed=list(selectors.applicant_time_lapsed(request.user, today)),
            is_office=is_office(request.user),
        ),
    )


@staff_view
def repeated(request: HttpRequest) -> HttpResponse:
    """The Office's list of information requested repeatedly (Art. 44, issue #5 §8)."""
    if not is_office(request.user):
        raise AccessDenied("只有管委会办公室可以查看此页 / Only the Office can see this page")
    return TemplateResponse(
        request,
        "disclosure_requests/staff/repeated.html",
        _context(
            request,
            _("Information requested repeatedly"),
            groups=selectors.repeated_information(),
        ),
    )


# --- Registering an application received on paper --------------------------------------

SESSION_REGISTERED = "gongkai_requests_registered"


@staff_view
def register(request: HttpRequest) -> HttpResponse:
    """Enter an application received in person, by post, fax or e-mail (Art. 29, 31)."""
    units = (
        units_where(request.user, Perm.REQUEST_HANDLE).filter(is_active=True).order_by("name_zh")
    )
    if not units.exists():
        raise AccessDenied(
            "您不在任何单位办理依申请公开 / You handle disclosure requests in no unit"
        )
    form = f.RegisterForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dr, code = services.request_register(
                unit=data["unit"],
                by=request.user,  # type: ignore[arg-type]
                data=form.application(),
                channel=data["channel"],
                received_on=data.get("received_on"),
                filled_for_applicant=bool(data.get("filled_for_applicant")),
                attachments=[(upload.name, upload.read()) for upload in data["attachments"]],
            )
        except ValidationError as exc:
            f.add_service_errors(form, exc)
        else:
            request.session[SESSION_REGISTERED] = {
                "tracking_number": dr.tracking_number,
                "query_code": code,
            }
            return redirect("requests_staff:registered")
    return TemplateResponse(
        request,
        "disclosure_requests/staff/register.html",
        _context(request, _("Register a request"), form=form),
    )


@staff_view
def registered(request: HttpRequest) -> HttpResponse:
    """The tracking number and query code of the request just registered — shown once."""
    shown = request.session.pop(SESSION_REGISTERED, None)
    if not shown:
        return redirect("requests_staff:list")
    dr = _get_request(request.user, shown["tracking_number"])
    return TemplateResponse(
        request,
        "disclosure_requests/staff/registered.html",
        _context(request, _("Request registered"), dr=dr, query_code=shown["query_code"]),
    )


# --- Personal data, masked --------------------------------------------------------------


def mask(name: str, value: str) -> str:
    """A value recognisable to the applicant's handler without revealing it:
    张* · 1101**********002X · 138****5678 · z***@example.com."""
    value = value or ""
    if not value:
        return ""
    if name == "id_number":
        if len(value) <= 8:
            return value[:1] + "*" * (len(value) - 1)
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if name == "phone":
        digits = len(value)
        if digits < 8:
            return "*" * digits
        return value[:3] + "*" * (digits - 7) + value[-4:]
    if name == "email":
        local, _at, domain = value.partition("@")
        return f"{local[:1]}***@{domain}" if domain else "***"
    if name == "address":
        return value[:6] + "****"
    if name == "postcode":
        return value[:2] + "****"
    return value[:1] + "*" * max(len(value) - 1, 1)


def _personal_rows(dr: DisclosureRequest, full: dict[str, str] | None) -> list[tuple[Any, str]]:
    rows = []
    for name in PERSONAL_FIELDS:
        value = getattr(dr, name) or ""
        if not value:
            continue
        label = DisclosureRequest._meta.get_field(name).verbose_name
        rows.append((label, full[name] if full is not None else mask(name, value)))
    return rows


# --- The clock's working, day by day ----------------------------------------------------


@dataclass(frozen=True)
class Cell:
    date: datetime.date | None
    state: str = ""  # start, counted, rest, paused, or "" (outside the working)
    n: int = 0
    due: bool = False
    today: bool = False


def clock_weeks(result: Any, today: datetime.date) -> list[list[Cell]]:
    """The working's days in weeks (Monday first) from the start to the last day shown."""
    if result is None:
        return []
    states = {day.date: day for day in result.days}
    start = result.started_on
    last = result.days[-1].date if result.days else start
    due_on = result.due_on
    first_monday = start - datetime.timedelta(days=start.weekday())
    last_sunday = last + datetime.timedelta(days=6 - last.weekday())
    weeks: list[list[Cell]] = []
    day = first_monday
    one = datetime.timedelta(days=1)
    while day <= last_sunday:
        week = []
        for _i in range(7):
            found = states.get(day)
            if day == start:
                cell = Cell(day, "start", 0, False, day == today)
            elif found is not None:
                cell = Cell(day, found.state, found.n, day == due_on, day == today)
            else:
                cell = Cell(day, "", 0, False, day == today)
            week.append(cell)
            day += one
        weeks.append(week)
    return weeks


# --- Actions ---------------------------------------------------------------------------


@dataclass
class Ctx:
    """What an action's service call needs."""

    request: HttpRequest
    dr: DisclosureRequest
    form: Any
    formset: Any = None

    @property
    def user(self) -> Any:
        return self.request.user

    @property
    def data(self) -> dict[str, Any]:
        return self.form.cleaned_data

    @property
    def version(self) -> int | None:
        return self.form.cleaned_data.get("version")


def _need_reply(dr: DisclosureRequest) -> Reply:
    reply = _reply(dr)
    if reply is None:
        raise ValidationError("此申请还没有答复草稿 / There is no reply draft yet")
    return reply


def _confirm_receipt(c: Ctx) -> None:
    services.request_confirm_receipt(
        request=c.dr, by=c.user, received_on=c.data["received_on"], version=c.version
    )


def _assign(c: Ctx) -> None:
    services.request_assign(
        request=c.dr,
        by=c.user,
        to_unit=c.data["to_unit"],
        reason=c.data.get("reason") or "",
        version=c.version,
    )


def _split(c: Ctx) -> None:
    services.request_split(
        request=c.dr,
        by=c.user,
        to_unit=c.data["to_unit"],
        description=c.data.get("description") or "",
        version=c.version,
    )


def _clarification_request(c: Ctx) -> None:
    services.clarification_request(
        request=c.dr,
        by=c.user,
        items=c.data.get("items") or "",
        respond_by=c.data.get("respond_by"),
        asked_on=c.data.get("asked_on"),
        version=c.version,
    )


def _clarification_receive(c: Ctx) -> None:
    services.clarification_receive(
        request=c.dr,
        by=c.user,
        clarified_on=c.data["clarified_on"],
        response=c.data.get("response") or "",
        version=c.version,
    )


def _pause_start(c: Ctx) -> None:
    services.pause_start(
        request=c.dr,
        by=c.user,
        kind=c.data["kind"],
        party=c.data.get("party") or "",
        reason=c.data.get("reason") or "",
        started_on=c.data.get("started_on"),
        version=c.version,
    )


def _pause_end(c: Ctx) -> None:
    pause = c.dr.pauses.filter(pk=c.data["pause"]).first()
    if pause is None:
        raise ValidationError("没有这项暂停 / There is no such pause")
    if pause.kind == PauseKind.FEE:
        raise ValidationError(
            "等待缴费的暂停在记录缴费时结束 / The fee pause ends when the payment is recorded"
        )
    services.pause_end(
        pause=pause,
        by=c.user,
        ended_on=c.data.get("ended_on"),
        note=c.data.get("note") or "",
        version=c.version,
    )


def _extension(c: Ctx) -> None:
    services.extension_grant(
        request=c.dr,
        by=c.user,
        working_days=c.data["working_days"],
        reason=c.data.get("reason") or "",
        version=c.version,
    )


def _flag_excessive(c: Ctx) -> None:
    services.request_flag_excessive(
        request=c.dr,
        by=c.user,
        reasons_requested=c.data.get("reasons_requested") or "",
        version=c.version,
    )


def _art35_deadline(c: Ctx) -> None:
    services.art35_deadline_set(
        request=c.dr,
        by=c.user,
        new_due_on=c.data["new_due_on"],
        reason=c.data.get("reason") or "",
        version=c.version,
    )


def _fee_notice(c: Ctx) -> None:
    services.fee_notice_issue(
        request=c.dr,
        by=c.user,
        method=c.data["method"],
        pages=c.data.get("pages"),
        issued_on=c.data.get("issued_on"),
        version=c.version,
    )


def _fee_payment(c: Ctx) -> None:
    services.fee_record_payment(
        request=c.dr,
        by=c.user,
        paid_on=c.data["paid_on"],
        amount=c.data["amount"],
        reference=c.data.get("reference") or "",
        version=c.version,
    )


def _reply_draft(c: Ctx) -> None:
    services.reply_draft(
        request=c.dr,
        by=c.user,
        outcome=c.data["outcome"],
        data=c.form.reply_data(f.withheld_parts(c.formset)),
        letter_text=c.form.letter(),
        version=c.version,
    )


def _reply_approve(c: Ctx) -> None:
    services.reply_approve(reply=_need_reply(c.dr), by=c.user, version=c.version)


def _reply_issue(c: Ctx) -> None:
    services.reply_issue(
        reply=_need_reply(c.dr), by=c.user, issued_on=c.data.get("issued_on"), version=c.version
    )


def _released_file_add(c: Ctx) -> None:
    upload = c.data["file"]
    services.released_file_add(
        reply=_need_reply(c.dr),
        by=c.user,
        name=upload.name,
        content=upload.read(),
        version=c.version,
    )


def _delivery(c: Ctx) -> None:
    services.reply_record_delivery(
        reply=_need_reply(c.dr),
        by=c.user,
        method=c.data["method"],
        delivered_on=c.data["delivered_on"],
        note=c.data.get("note") or "",
        version=c.version,
    )


def _withdraw(c: Ctx) -> None:
    services.request_withdraw(
        request=c.dr, by=c.user, reason=c.data.get("reason") or "", version=c.version
    )


def _convert(c: Ctx) -> None:
    services.request_convert_to_proactive(
        request=c.dr, by=c.user, title=c.data.get("title") or "", version=c.version
    )


def _review_record(c: Ctx) -> None:
    services.review_record(
        request=c.dr,
        by=c.user,
        kind=c.data["kind"],
        received_on=c.data["received_on"],
        result=c.data["result"],
        decided_on=c.data.get("decided_on"),
        case_number=c.data.get("case_number") or "",
        note=c.data.get("note") or "",
        version=c.version,
    )


def _review_update(c: Ctx) -> None:
    case = c.dr.review_cases.filter(pk=c.data["case"]).first()
    if case is None:
        raise ValidationError("没有这项复议或诉讼记录 / There is no such case")
    services.review_update(
        case=case,
        by=c.user,
        result=c.data["result"],
        decided_on=c.data.get("decided_on"),
        note=c.data.get("note") or "",
        version=c.version,
    )


@dataclass(frozen=True)
class Action:
    name: str
    form_class: type
    title: Any
    submit: Any
    perform: Callable[[Ctx], None]
    multipart: bool = False


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "confirm_receipt",
            f.ConfirmReceiptForm,
            _("Confirm the receipt date"),
            _("Confirm receipt"),
            _confirm_receipt,
        ),
        Action(
            "assign",
            f.AssignForm,
            _("Assign or transfer to another unit"),
            _("Transfer the request"),
            _assign,
        ),
        Action(
            "split",
            f.SplitForm,
            _("Split off a part to another unit"),
            _("Split off the part"),
            _split,
        ),
        Action(
            "clarification_request",
            f.ClarificationRequestForm,
            _("Ask for clarification (Art. 30)"),
            _("Ask for clarification"),
            _clarification_request,
        ),
        Action(
            "clarification_receive",
            f.ClarificationReceiveForm,
            _("Record the clarification received"),
            _("Record the clarification"),
            _clarification_receive,
        ),
        Action(
            "pause_start",
            f.PauseStartForm,
            _("Pause the clock for a consultation (Art. 32–34)"),
            _("Pause the clock"),
            _pause_start,
        ),
        Action("pause_end", f.PauseEndForm, _("End the pause"), _("Resume the clock"), _pause_end),
        Action(
            "extension",
            f.ExtensionForm,
            _("Extend the deadline (Art. 33)"),
            _("Approve the extension"),
            _extension,
        ),
        Action(
            "flag_excessive",
            f.ExcessiveForm,
            _("Flag as excessive and ask for reasons (Art. 35)"),
            _("Ask for reasons"),
            _flag_excessive,
        ),
        Action(
            "art35_deadline",
            f.Art35DeadlineForm,
            _("Set a reasonable later deadline (Art. 35)"),
            _("Set the deadline"),
            _art35_deadline,
        ),
        Action(
            "fee_notice",
            f.FeeNoticeForm,
            _("Issue a fee notice (Art. 42)"),
            _("Issue the fee notice"),
            _fee_notice,
        ),
        Action(
            "fee_payment",
            f.FeePaymentForm,
            _("Record the payment"),
            _("Record the payment"),
            _fee_payment,
        ),
        Action("reply_draft", f.ReplyForm, _("Draft the reply"), _("Save the draft"), _reply_draft),
        Action(
            "reply_approve",
            f.ApproveForm,
            _("Approve the reply letter"),
            _("Approve the letter"),
            _reply_approve,
        ),
        Action(
            "reply_issue",
            f.IssueForm,
            _("Issue the reply"),
            _("Issue the reply letter"),
            _reply_issue,
        ),
        Action(
            "released_file_add",
            f.ReleasedFileForm,
            _("Attach a released file"),
            _("Attach the file"),
            _released_file_add,
            multipart=True,
        ),
        Action(
            "delivery",
            f.DeliveryForm,
            _("Record the delivery"),
            _("Record the delivery"),
            _delivery,
        ),
        Action(
            "withdraw",
            f.WithdrawForm,
            _("Record a withdrawal by the applicant"),
            _("Close as withdrawn"),
            _withdraw,
        ),
        Action(
            "convert",
            f.ConvertForm,
            _("Convert to proactive disclosure (Art. 44)"),
            _("Create the draft document"),
            _convert,
        ),
        Action(
            "review_record",
            f.ReviewRecordForm,
            _("Record an administrative review or lawsuit"),
            _("Record the case"),
            _review_record,
        ),
        Action(
            "review_update",
            f.ReviewUpdateForm,
            _("Update the result"),
            _("Update the result"),
            _review_update,
        ),
    )
}


def available_actions(
    dr: DisclosureRequest, user: Any, can_approve: bool | None = None
) -> list[str]:
    """The actions that make sense now (the services remain the authority)."""
    if can_approve is None:
        can_approve = has_perm(user, Perm.REQUEST_APPROVE, dr.unit_id)
    status = dr.status
    is_open = status != Status.CLOSED
    processing = status == Status.PROCESSING
    reply = _reply(dr)
    notice = _one(dr, "fee_notice")
    open_pause = next((p for p in dr.pauses.all() if p.ended_on is None), None)
    statutory = any(e.kind == ExtensionKind.STATUTORY for e in dr.extensions.all())
    releases = reply is not None and OUTCOME_RULES[reply.outcome].releases
    names = []
    if status == Status.SUBMITTED:
        names.append("confirm_receipt")
    if processing and _one(dr, "clarification") is None:
        names.append("clarification_request")
    if status == Status.CLARIFICATION:
        names.append("clarification_receive")
    if processing and open_pause is None:
        names.append("pause_start")
    if open_pause is not None and open_pause.kind != PauseKind.FEE and is_open:
        names.append("pause_end")
    if processing and can_approve and not statutory:
        names.append("extension")
    if processing and notice is None:
        names.append("fee_notice")
    if is_open and notice is not None and notice.paid_on is None:
        names.append("fee_payment")
    if status in (Status.PROCESSING, Status.CLARIFICATION) and (
        reply is None or reply.state != ReplyState.ISSUED
    ):
        names.append("reply_draft")
    if is_open and reply is not None and reply.state == ReplyState.DRAFT and can_approve:
        names.append("reply_approve")
    if is_open and reply is not None and reply.state == ReplyState.APPROVED:
        names.append("reply_issue")
    if releases and reply is not None and reply.delivered_on is None:
        names.append("released_file_add")
    if reply is not None and reply.state == ReplyState.ISSUED and reply.delivered_on is None:
        names.append("delivery")
    if (
        releases
        and reply is not None
        and reply.state == ReplyState.ISSUED
        and not dr.converted_document_id
    ):
        names.append("convert")
    if is_open and not dr.excessive:
        names.append("flag_excessive")
    if is_open and dr.excessive and can_approve:
        names.append("art35_deadline")
    if is_open:
        names.append("assign")
    if is_open and (reply is None or reply.state != ReplyState.ISSUED):
        names.append("withdraw")
    if processing:
        names.append("split")
    if not is_open:
        names.append("review_record")
    return names


def _initial(name: str, dr: DisclosureRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": dr.version}
    if name == "pause_end":
        pause = next((p for p in dr.pauses.all() if p.ended_on is None), None)
        initial["pause"] = pause.pk if pause else None
    if name == "reply_draft":
        reply = _reply(dr)
        if reply is not None:
            initial.update(
                outcome=reply.outcome,
                information_text=reply.information_text,
                reasons=reply.reasons,
                other_agency_name=reply.other_agency_name,
                other_agency_contact=reply.other_agency_contact,
                page_count=reply.page_count,
                letter_text=reply.letter_text,
            )
        else:
            initial["regenerate"] = True
    if name == "fee_payment":
        notice = _one(dr, "fee_notice")
        if notice is not None:
            initial["amount"] = notice.amount
    if name == "convert":
        initial["title"] = dr.info_title
    return initial


def _new_form(name: str, dr: DisclosureRequest) -> Any:
    kwargs: dict[str, Any] = {"action": name, "initial": _initial(name, dr)}
    if name in ("assign", "split"):
        kwargs["exclude_unit"] = dr.unit_id
    return ACTIONS[name].form_class(**kwargs)


def _withheld_formset(dr: DisclosureRequest, data: Any = None) -> Any:
    reply = _reply(dr)
    initial = list(reply.withheld_parts) if reply is not None else []
    return f.WithheldPartFormSet(data, initial=initial or None, prefix="withheld")


@dataclass
class ActionBox:
    action: Action
    form: Any
    url: str
    formset: Any = None

    @property
    def name(self) -> str:
        return self.action.name


def _detail(
    request: HttpRequest,
    dr: DisclosureRequest,
    *,
    failed: ActionBox | None = None,
    personal: dict[str, str] | None = None,
) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    cal = calendar.working_calendar()
    reply = _reply(dr)
    clock = None
    if dr.clock_started_on is not None and dr.status in (Status.PROCESSING, Status.CLOSED):
        on = today
        if dr.status == Status.CLOSED:
            on = (reply.issued_on if reply and reply.issued_on else None) or (
                timezone.localtime(dr.closed_at).date() if dr.closed_at else today
            )
        clock = services.clock_for(dr, today=on, cal=cal)

    def url(name: str) -> str:
        return reverse(f"requests_staff:{name}", args=[dr.tracking_number])

    can_approve = has_perm(user, Perm.REQUEST_APPROVE, dr.unit_id)
    boxes = []
    names = available_actions(dr, user, can_approve)
    if failed is not None and failed.name not in names and failed.name != "review_update":
        names.insert(0, failed.name)
    for name in names:
        if failed is not None and failed.name == name:
            boxes.append(failed)
            continue
        box = ActionBox(ACTIONS[name], _new_form(name, dr), url(name))
        if name == "reply_draft":
            box.formset = _withheld_formset(dr)
        boxes.append(box)
    review_forms = []
    for case in dr.review_cases.all():
        if (
            failed is not None
            and failed.name == "review_update"
            and (str(failed.form.data.get("case")) == str(case.pk))
        ):
            review_forms.append((case, failed))
            continue
        form = f.ReviewUpdateForm(
            action=f"review_update_{case.pk}",
            initial={
                "version": dr.version,
                "case": case.pk,
                "result": case.result,
                "decided_on": case.decided_on,
            },
        )
        review_forms.append((case, ActionBox(ACTIONS["review_update"], form, url("review_update"))))

    quotes = _fee_quotes(request, dr, reply) if "fee_notice" in names else None
    context = _context(
        request,
        dr.tracking_number,
        dr=dr,
        reply=reply,
        clarification=_one(dr, "clarification"),
        fee_notice=_one(dr, "fee_notice"),
        clock=clock,
        clock_steps=[clock_step_text(step) for step in clock.steps] if clock else [],
        weeks=clock_weeks(clock, today),
        days_left=_days_left(cal, today, dr),
        ask_by=services.clarification_ask_by(dr) if dr.status != Status.SUBMITTED else None,
        today=today,
        personal_rows=_personal_rows(dr, personal),
        personal_shown=personal is not None,
        similar=services.similar_requests(dr) if dr.is_open else [],
        boxes=boxes,
        failed=failed,
        review_forms=review_forms,
        quotes=quotes,
        can_approve=can_approve,
        duplicate_outcome=Outcome.NOT_PROCESSED_DUPLICATE,
        prompt_convert=dr.broad_interest and not dr.converted_document_id and "convert" in names,
        review_pending=ReviewResult.PENDING,
    )
    return TemplateResponse(request, "disclosure_requests/staff/detail.html", context)


def clock_step_text(step: Any) -> str:
    from gongkai.disclosure_requests.clock import step_text

    return step_text(step)


@dataclass(frozen=True)
class Quotes:
    ordinal: int
    per_request: Any
    pages: int | None
    per_volume: Any


def _fee_quotes(request: HttpRequest, dr: DisclosureRequest, reply: Reply | None) -> Quotes:
    ordinal = services.monthly_ordinal(dr)
    per_request = fees.fee_per_request(ordinal)
    pages: int | None = None
    raw = request.GET.get("quote_pages", "")
    if raw.isdigit():
        pages = int(raw)
    elif reply is not None and reply.page_count:
        pages = reply.page_count
    per_volume = None
    if pages:
        try:
            per_volume = services.fee_quote(dr, FeeMethod.PER_VOLUME, pages)
        except ValidationError:
            per_volume = None
    return Quotes(ordinal, per_request, pages, per_volume)


@staff_view
def detail(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """One request with its working, records, timeline and the actions open now."""
    return _detail(request, _get_request(request.user, tracking_number))


@staff_view
@require_POST
def personal_data(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """The applicant's personal data in full, on this response only; logged (R-4.3)."""
    dr = _get_request(request.user, tracking_number)
    if dr.personal_data_destroyed:
        return redirect("requests_staff:detail", tracking_number)
    full = services.personal_data_view(request=dr, by=request.user)  # type: ignore[arg-type]
    return _detail(request, dr, personal=full)


@staff_view
@require_POST
def action(request: HttpRequest, tracking_number: str, name: str) -> HttpResponse:
    """Run one action: a service call; errors go back onto the request's page."""
    dr = _get_request(request.user, tracking_number)
    spec = ACTIONS[name]
    form_action = name
    if name == "review_update":
        form_action = f"review_update_{request.POST.get('case', '')}"
    kwargs: dict[str, Any] = {"action": form_action}
    if name in ("assign", "split"):
        kwargs["exclude_unit"] = dr.unit_id
    form = spec.form_class(request.POST, request.FILES or None, **kwargs)
    box = ActionBox(spec, form, reverse(f"requests_staff:{name}", args=[tracking_number]))
    valid = form.is_valid()
    if name == "reply_draft":
        # Without the rows' management data (a client other than the page) there are none.
        rows = request.POST if "withheld-TOTAL_FORMS" in request.POST else None
        box.formset = _withheld_formset(dr, rows)
        valid = (rows is None or box.formset.is_valid()) and valid
    if valid:
        try:
            spec.perform(Ctx(request, dr, form, box.formset))
        except ValidationError as exc:
            f.add_service_errors(form, exc)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": spec.title})
            if not has_perm(request.user, Perm.REQUEST_HANDLE, _current_unit(dr)):
                # Transferred to a unit the user does not handle: back to the list.
                return redirect("requests_staff:list")
            return redirect("requests_staff:detail", tracking_number)
    fresh = _get_request(request.user, tracking_number)
    data = form.data.copy()
    data["version"] = str(fresh.version)  # the page now shows the latest state
    form.data = data
    return _detail(request, fresh, failed=box)


def _current_unit(dr: DisclosureRequest) -> int:
    return (
        DisclosureRequest.objects.filter(pk=dr.pk).values_list("unit_id", flat=True).first()
        or dr.unit_id
    )


# --- Downloads (handlers only) ----------------------------------------------------------


@staff_view
def attachment_download(request: HttpRequest, tracking_number: str, pk: int) -> HttpResponse:
    """A file the applicant sent (it may show their identity document): logged as a view
    of personal data."""
    dr = _get_request(request.user, tracking_number)
    attachment = next((a for a in dr.attachments.all() if a.pk == pk), None)
    if attachment is None:
        raise Http404
    services.personal_data_view(request=dr, by=request.user)  # type: ignore[arg-type]
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@staff_view
def released_file_download(request: HttpRequest, tracking_number: str, pk: int) -> HttpResponse:
    dr = _get_request(request.user, tracking_number)
    reply = _reply(dr)
    released = next((r for r in reply.files.all() if r.pk == pk), None) if reply else None
    if released is None:
        raise Http404
    return FileResponse(released.file.open("rb"), as_attachment=True, filename=released.name)


@staff_view
def letter_download(request: HttpRequest, tracking_number: str, fmt: str) -> HttpResponse:
    """The issued reply letter as DOCX or PDF."""
    if fmt not in ("docx", "pdf"):
        raise Http404
    dr = _get_request(request.user, tracking_number)
    reply = _reply(dr)
    stored = None
    if reply is not None:
        stored = reply.letter_docx if fmt == "docx" else reply.letter_pdf
    if not stored:
        raise Http404
    name = f"{reply.letter_number or dr.tracking_number}.{fmt}"  # type: ignore[union-attr]
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name)


@staff_view
def notice_download(
    request: HttpRequest, tracking_number: str, kind: str, fmt: str
) -> HttpResponse:
    """A notice sent to the applicant (clarification, extension, fee) as DOCX or PDF, made
    from its record, for printing or posting."""
    from django.core.files.base import ContentFile

    from gongkai.disclosure_requests import letters

    dr = _get_request(request.user, tracking_number)
    found = letters.notice_document(dr, kind, fmt)
    if found is None:
        raise Http404
    data, name = found
    return FileResponse(ContentFile(data), as_attachment=True, filename=name)
