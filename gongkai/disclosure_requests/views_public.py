"""Public pages of disclosure requests: how to apply, apply online, track (issue #5 §1, §7;
Regulation Art. 29–33, 42, 43; R-3.2).

Writes go through :mod:`gongkai.disclosure_requests.services` only. What an applicant may
see is decided by the session: a successful lookup (tracking number + query code) or the
application itself puts the request's id into ``request.session[ALLOWED]``; every page about
one request answers 404 unless the session holds it — the same 404 for an unknown tracking
number, so nothing can be enumerated. Every view here is ``never_cache``: none of these
pages may enter the public page cache (:mod:`gongkai.core.pagecache`) or a shared cache.
"""

from __future__ import annotations

import datetime
import time
import uuid
from importlib import import_module
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import ExtensionKind, ReplyState, Status
from gongkai.disclosure_requests.clock import step_text
from gongkai.disclosure_requests.forms_public import (
    ApplicationForm,
    ClarificationForm,
    LookupForm,
    one_language,
)
from gongkai.disclosure_requests.models import DisclosureRequest, ReleasedFile
from gongkai.units.models import Unit

TEMPLATES = "disclosure_requests/public/"
# Session keys: the ids of the requests this browser may see; the query code of a request
# just submitted, kept for one display.
ALLOWED = "gk_requests"
NEW = "gk_request_new"
MAX_REMEMBERED = 20
# A repeated submission (double click) waits this long for the first one's session.
REPEAT_WAIT_SECONDS = 2.0

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- The session ----------------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str:
    return get_client_ip_address(request) or ""


def _start_session(request: HttpRequest) -> None:
    """Make sure the browser has a session before it posts a form: a double click then
    sends both posts with the same session, and the second can find the first's result."""
    if ALLOWED not in request.session:
        request.session[ALLOWED] = []


def _remember(request: HttpRequest, disclosure_request: DisclosureRequest) -> None:
    allowed = [pk for pk in request.session.get(ALLOWED, []) if pk != disclosure_request.pk]
    allowed.append(disclosure_request.pk)
    request.session[ALLOWED] = allowed[-MAX_REMEMBERED:]


def _forget(request: HttpRequest, disclosure_request: DisclosureRequest) -> None:
    forget = {disclosure_request.pk, disclosure_request.parent_id}
    request.session[ALLOWED] = [pk for pk in request.session.get(ALLOWED, []) if pk not in forget]
    new = request.session.get(NEW)
    if new and new.get("tn") == disclosure_request.tracking_number:
        del request.session[NEW]


def _allowed_ids(session: Any) -> list[int]:
    return [pk for pk in session.get(ALLOWED, []) if isinstance(pk, int)]


def _own_request(request: HttpRequest, tracking_number: str) -> DisclosureRequest:
    """The request this session may see (its own, or a part split off from it), else 404 —
    the same 404 whether the tracking number exists or not."""
    allowed = _allowed_ids(request.session)
    if not allowed:
        raise Http404(_("There is no such request, or this browser has not looked it up."))
    found = (
        DisclosureRequest.objects.select_related(
            "unit", "parent", "clarification", "fee_notice", "reply"
        )
        .filter(tracking_number=tracking_number)
        .filter(Q(pk__in=allowed) | Q(parent_id__in=allowed))
        .first()
    )
    if found is None:
        raise Http404(_("There is no such request, or this browser has not looked it up."))
    return found


def _related(obj: DisclosureRequest, name: str) -> Any:
    """A reverse one-to-one (clarification, fee notice, reply) or None."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


# --- How to apply ---------------------------------------------------------------------


def _limits() -> dict[str, int]:
    rules: dict[str, Any] = settings.GONGKAI_REQUESTS
    return {
        "reply_days": rules["REPLY_WORKING_DAYS"],
        "extension_days": rules["EXTENSION_MAX_WORKING_DAYS"],
        "clarify_days": rules["CLARIFY_ASK_WITHIN_WORKING_DAYS"],
    }


@never_cache
def index(request: HttpRequest) -> HttpResponse:
    """How to apply (Art. 27–33, 42, 43): what an application says, the time limit, fees,
    the applicant's rights; the ways to apply and to track."""
    office = Unit.objects.filter(is_office=True, is_active=True).first()
    return render(
        request,
        TEMPLATES + "index.html",
        {
            "nav": "requests",
            "office": office,
            "og_title": _("Apply for government information"),
            **_limits(),
        },
    )


# --- Apply online ---------------------------------------------------------------------


def _active_units() -> list[Unit]:
    return list(
        Unit.objects.filter(is_active=True).order_by("-is_office", "kind", "sort_order", "code")
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """The online application (Art. 29). A hidden ``submission_key`` made when the form is
    shown makes a repeated post (double click, reload) the same request."""
    units = _active_units()
    _start_session(request)
    files_dropped = False
    throttled = False
    if request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES, units=units)
        if form.is_valid() and (unit := form.unit_object) is not None:
            try:
                obj, code = services.request_submit(
                    unit=unit,
                    data=form.application_data(),
                    submission_key=form.cleaned_data["submission_key"],
                    ip=_client_ip(request),
                    attachments=form.attachment_files(),
                )
            except services.Throttled as error:
                form.add_error(None, str(error))
                throttled = True
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                if code is None:
                    return _repeated(request, obj)
                _remember(request, obj)
                request.session[NEW] = {"tn": obj.tracking_number, "code": code}
                return redirect("requests_public:submitted", tracking_number=obj.tracking_number)
        else:
            form.check_with_service()
        if "submission_key" in form.errors:  # damaged: give the page a fresh key
            data = request.POST.copy()
            data["submission_key"] = str(uuid.uuid4())
            form.data = data
        files_dropped = bool(request.FILES.getlist("attachments"))
    else:
        codes = {unit.code for unit in units}
        wanted = request.GET.get("unit", "")
        form = ApplicationForm(
            initial={
                "unit": wanted if wanted in codes else "",
                "applicant_kind": "natural_person",
                "submission_key": uuid.uuid4(),
            },
            units=units,
        )
    return render(
        request,
        TEMPLATES + "apply.html",
        {
            "nav": "requests",
            "form": form,
            "files_dropped": files_dropped,
            "og_title": _("Apply online"),
        },
        status=429 if throttled else 200,
    )


def _repeated(request: HttpRequest, obj: DisclosureRequest) -> HttpResponse:
    """The same form posted again: never a second request. If this browser made the first
    post, show its confirmation (the first post may still be saving its session: wait a
    moment for it, without writing the session, which would overwrite it)."""
    key = request.session.session_key
    if timezone.now() - obj.submitted_at > datetime.timedelta(seconds=30):
        key = None  # not a double click: no reason to wait
    deadline = time.monotonic() + REPEAT_WAIT_SECONDS
    while True:
        if obj.pk in _allowed_ids(request.session):
            return redirect("requests_public:submitted", tracking_number=obj.tracking_number)
        if key is None or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
        store = import_module(settings.SESSION_ENGINE).SessionStore(key)
        if obj.pk in _allowed_ids(store):
            return redirect("requests_public:submitted", tracking_number=obj.tracking_number)
    return render(
        request,
        TEMPLATES + "submitted.html",
        {"nav": "requests", "obj": obj, "code": None, "repeated": True, **_limits()},
    )


@never_cache
def submitted(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """The confirmation: the tracking number, and the query code once (it is stored only as
    a hash and not e-mailed); then the next step (Art. 31)."""
    obj = _own_request(request, tracking_number)
    code = None
    new = request.session.get(NEW)
    if new and new.get("tn") == obj.tracking_number:
        code = new.get("code")
        del request.session[NEW]
    return render(
        request,
        TEMPLATES + "submitted.html",
        {"nav": "requests", "obj": obj, "code": code, "repeated": False, **_limits()},
    )


# --- Track ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Look a request up with its tracking number and query code (R-3.2). Failures are
    counted per address; one message for every failure, never saying which part was wrong."""
    status = 200
    throttled = ""
    if request.method == "POST":
        form = LookupForm(request.POST)
        if form.is_valid():
            try:
                obj = services.request_lookup(
                    tracking_number=form.cleaned_data["tracking_number"],
                    query_code=form.cleaned_data["query_code"],
                    ip=_client_ip(request),
                )
            except services.Throttled as error:
                throttled = one_language(error)
                status = 429
            else:
                if obj is not None:
                    request.session.cycle_key()  # a new session id once it sees a request
                    _remember(request, obj)
                    return redirect("requests_public:status", tracking_number=obj.tracking_number)
                form.add_error(
                    None,
                    _("The tracking number or the query code is wrong. Check both and try again."),
                )
    else:
        form = LookupForm()
    remembered = []
    allowed = _allowed_ids(request.session) if request.session.session_key else []
    if allowed:
        remembered = list(
            DisclosureRequest.objects.filter(pk__in=allowed)
            .select_related("unit")
            .order_by("-submitted_at", "-pk")
        )
    return render(
        request,
        TEMPLATES + "track.html",
        {
            "nav": "requests",
            "form": form,
            "throttled": throttled,
            "remembered": remembered,
            "og_title": _("Track your request"),
        },
        status=status,
    )


def _status_context(obj: DisclosureRequest) -> dict[str, Any]:
    clarification = _related(obj, "clarification")
    fee_notice = _related(obj, "fee_notice")
    reply = _related(obj, "reply")
    clock = None
    open_pause = None
    if obj.status == Status.PROCESSING:
        clock = services.clock_for(obj)
        if clock is not None and clock.paused_since is not None:
            open_pause = next(
                (p for p in obj.pauses.all() if p.ended_on is None),
                None,
            )
    warning = ""
    if clock is not None and clock.due is not None and not obj.due_confirmed:
        warning = clock.due.warning
    issued = reply is not None and reply.state == ReplyState.ISSUED
    return {
        "nav": "requests",
        "obj": obj,
        "clock": clock,
        "steps": [step_text(step) for step in clock.steps] if clock else [],
        "due_warning": warning,
        "open_pause": open_pause,
        "clarification": clarification,
        "awaiting_clarification": (
            obj.status == Status.CLARIFICATION
            and clarification is not None
            and clarification.clarified_on is None
        ),
        "fee_notice": fee_notice,
        "awaiting_fee": (fee_notice is not None and fee_notice.paid_on is None and obj.is_open),
        "awaiting_reasons": obj.excessive and bool(obj.reasons_requested) and obj.is_open,
        "reply": reply if issued else None,
        "released_files": list(reply.files.all()) if issued else [],
        "events": list(obj.events.filter(public=True).order_by("at", "pk")),
        "parts": list(obj.parts.select_related("unit").order_by("pk")),
        "notices": _notices(obj, clarification, fee_notice),
        "today": timezone.localdate(),
    }


def _notices(obj: DisclosureRequest, clarification: Any, fee_notice: Any) -> list[tuple[str, Any]]:
    """The written notices the unit sent, as (kind, label) for download links."""
    found: list[tuple[str, Any]] = []
    if clarification is not None:
        found.append(("clarification", _("Clarification notice")))
    if obj.extensions.filter(kind=ExtensionKind.STATUTORY).exists():
        found.append(("extension", _("Extension notice")))
    if fee_notice is not None:
        found.append(("fee", _("Fee notice")))
    return found


@never_cache
def status(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """The request's progress: status, receipt and due dates (with the calendar warning),
    what is awaited from the applicant, the public timeline, and the reply to download."""
    obj = _own_request(request, tracking_number)
    context = _status_context(obj)
    if context["awaiting_clarification"]:
        context["clarification_form"] = ClarificationForm()
    return render(request, TEMPLATES + "status.html", context)


@never_cache
@require_POST
def clarify(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """The applicant clarifies online (Art. 30): received today, the clock restarts."""
    obj = _own_request(request, tracking_number)
    form = ClarificationForm(request.POST)
    if form.is_valid():
        try:
            services.clarification_receive(
                request=obj,
                by=None,
                clarified_on=timezone.localdate(),
                response=form.cleaned_data["response"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _(
                    "Thank you: your clarification has been received. The time limit for the "
                    "reply runs again from today."
                ),
            )
            return redirect("requests_public:status", tracking_number=obj.tracking_number)
    obj = _own_request(request, tracking_number)  # as it is now
    context = _status_context(obj)
    context["clarification_form"] = form
    return render(request, TEMPLATES + "status.html", context)


@never_cache
@require_POST
def forget(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """Remove the request from this browser's session (a shared computer)."""
    obj = _own_request(request, tracking_number)
    _forget(request, obj)
    messages.success(
        request,
        _("Request %(number)s is no longer shown on this device.")
        % {"number": obj.tracking_number},
    )
    return redirect("requests_public:track")


@never_cache
@require_POST
def withdraw(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """The applicant withdraws the request (it closes; no reply letter follows)."""
    obj = _own_request(request, tracking_number)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that you withdraw the request."))
        return redirect("requests_public:status", tracking_number=obj.tracking_number)
    try:
        services.request_withdraw(request=obj, by=None, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("requests_public:status", tracking_number=obj.tracking_number)


# --- Downloads ------------------------------------------------------------------------


def _issued_reply(request: HttpRequest, tracking_number: str) -> tuple[DisclosureRequest, Any]:
    obj = _own_request(request, tracking_number)
    reply = _related(obj, "reply")
    if reply is None or reply.state != ReplyState.ISSUED:
        raise Http404(_("No reply has been issued for this request yet."))
    return obj, reply


def _file_response(field: Any, filename: str, content_type: str) -> FileResponse:
    if not field:
        raise Http404(_("This file is not available."))
    try:
        handle = field.open("rb")
    except OSError:
        raise Http404(_("This file is not available.")) from None
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


@never_cache
def letter_pdf(request: HttpRequest, tracking_number: str) -> FileResponse:
    obj, reply = _issued_reply(request, tracking_number)
    name = f"{reply.letter_number or obj.tracking_number}.pdf"
    return _file_response(reply.letter_pdf, name, "application/pdf")


@never_cache
def letter_docx(request: HttpRequest, tracking_number: str) -> FileResponse:
    obj, reply = _issued_reply(request, tracking_number)
    name = f"{reply.letter_number or obj.tracking_number}.docx"
    return _file_response(reply.letter_docx, name, DOCX)


@never_cache
def released_file(request: HttpRequest, tracking_number: str, pk: int) -> FileResponse:
    _obj, reply = _issued_reply(request, tracking_number)
    try:
        released = reply.files.get(pk=pk)
    except ReleasedFile.DoesNotExist:
        raise Http404(_("This file is not available.")) from None
    return _file_response(
        released.file, released.name, released.content_type or "application/octet-stream"
    )


@never_cache
def notice(request: HttpRequest, tracking_number: str, kind: str) -> HttpResponse:
    """A notice the unit sent (clarification, extension, fee) as PDF, for this session's
    request only."""
    from django.core.files.base import ContentFile

    from gongkai.disclosure_requests import letters

    obj = _own_request(request, tracking_number)
    found = letters.notice_document(obj, kind, "pdf")
    if found is None:
        raise Http404(_("This file is not available."))
    data, name = found
    return FileResponse(
        ContentFile(data), as_attachment=True, filename=name, content_type="application/pdf"
    )
