"""Back-office pages of annual reports (issue #6 §1 editing, §3 checks, §4 drill-down,
§6 workflow and the Office's overview, §7 past-year import), under
``/backoffice/annual-reports/``.

Thin views, as for disclosure requests: every figure comes from
:func:`gongkai.annual_reports.selectors.report_data` (computed live for a draft or a reviewed
report, frozen for a published one), every change goes through one service of
:mod:`gongkai.annual_reports.services`, which checks permission, state and version.
``AccessDenied`` gives the 403 page with the service's bilingual message; a
``ValidationError`` re-renders the report with the errors on the form that was sent and the
values typed kept.

Who sees what: a unit's report is seen by the staff holding ``Perm.REPORT_EDIT`` or
``Perm.REPORT_APPROVE`` in the unit (and the Office); the government's report and the
overview of all units are the Office's. The drill-down lists the requests, documents or
review cases behind a cell — tracking numbers, units, dates and outcomes, never personal
data — in a number of queries that does not grow with the list.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gongkai.accounts.models import Membership
from gongkai.accounts.permissions import (
    AccessDenied,
    Perm,
    has_perm,
    is_office,
    roles_for,
    units_where,
)
from gongkai.annual_reports import forms as f
from gongkai.annual_reports import selectors, services, tables
from gongkai.annual_reports.models import AnnualReport, ReportSource, ReportState
from gongkai.disclosure_requests.models import DisclosureRequest, ReviewCase
from gongkai.disclosure_requests.views_staff import _context, staff_view
from gongkai.library.models import Document
from gongkai.units.models import Unit

GOVERNMENT = "government"  # the scope of the government's report in URLs (unit codes are capitals)
FORMATS = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}
SESSION_IMPORT = "gongkai_annual_report_import"
OFFICE_ONLY = "只有管委会办公室可以查看此页 / Only the Office can see this page"
NOT_YOURS = (
    "您无权查看该单位的年度报告 / You may not see this unit's annual report "
    "(it needs the annual-report role in the unit)"
)


def _denied(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    message = str(exc) if exc is not None and str(exc) else str(AccessDenied())
    return TemplateResponse(
        request,
        "annual_reports/staff/denied.html",
        _context(request, _("Not allowed"), message=message),
        status=403,
    )


def report_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A back-office page of this app: ``staff_view`` with this app's 403 page."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            return _denied(request, exc)

    wrapped.__doc__ = view.__doc__
    wrapped.__name__ = view.__name__
    return staff_view(wrapped)


# --- Who sees which report ------------------------------------------------------------------


def visible_unit_ids(user: Any) -> set[int] | None:
    """The units whose reports ``user`` sees (an annual-report role there); None: all."""
    if is_office(user):
        return None
    if not (user.is_authenticated and user.is_active):
        return set()
    roles = set(roles_for(Perm.REPORT_EDIT)) | set(roles_for(Perm.REPORT_APPROVE))
    return set(
        Membership.objects.filter(user=user, role__in=roles).values_list("unit_id", flat=True)
    )


def _scope_unit(user: Any, scope: str) -> Unit | None:
    """The unit of ``scope`` (None: the government) if ``user`` may see its report."""
    if scope == GOVERNMENT:
        if not is_office(user):
            raise AccessDenied(OFFICE_ONLY)
        return None
    unit = Unit.objects.filter(code=scope).first()
    if unit is None:
        raise Http404(_("There is no such unit."))
    visible = visible_unit_ids(user)
    if visible is not None and unit.pk not in visible:
        raise AccessDenied(NOT_YOURS)
    return unit


def _scope_of(unit: Unit | None) -> str:
    return GOVERNMENT if unit is None else unit.code


def _can_edit(user: Any, unit: Unit | None) -> bool:
    return is_office(user) if unit is None else has_perm(user, Perm.REPORT_EDIT, unit)


def _can_approve(user: Any, unit: Unit | None) -> bool:
    return is_office(user) if unit is None else has_perm(user, Perm.REPORT_APPROVE, unit)


def page_data(report: AnnualReport | None, unit: Unit | None, year: int) -> dict[str, Any]:
    """What the page shows: the frozen version of a published report, otherwise the report
    as it would be published now (a correction in draft included)."""
    if report is not None and report.state == ReportState.PUBLISHED and report.published_data:
        return report.published_data
    return selectors.report_data(year=year, unit=unit, report=report, live=True)


# --- The tables with their drill-down links --------------------------------------------------


def _cells(
    columns: list[tuple[str, str]],
    values: dict[str, Any],
    ids: dict[str, Any] | None,
    url: Callable[[str], str] | None,
) -> list[dict[str, Any]]:
    out = []
    for key, _label in columns:
        value = values.get(key, "")
        link = None
        if url is not None and ids and ids.get(key) and str(value) not in ("0", ""):
            link = url(key)
        out.append({"key": key, "value": value, "url": link})
    return out


def tables_view(data: dict[str, Any], cell_url: Callable[..., str] | None = None) -> dict[str, Any]:
    """Tables 二/三/四 and the fees of ``data`` as rows of cells, each cell with the URL of
    its drill-down (when ``cell_url`` is given and the ids behind it are known)."""

    def linker(part: str, row: str) -> Callable[[str], str] | None:
        if cell_url is None:
            return None
        return lambda column: cell_url(part, row, column)

    proactive = data["proactive_table"]
    requests_table = data["requests_table"]
    review = data["review_table"]
    p_columns = [(c["key"], c["label"]) for c in proactive["columns"]]
    r_columns = [(c["key"], c["label"]) for c in requests_table["columns"]]
    v_columns = [(c["key"], c["label"]) for c in review["columns"]]
    fees = data["fees_collected"]
    return {
        "proactive_columns": [label for _k, label in p_columns],
        "proactive": [
            {
                "key": row["key"],
                "label": row["label"],
                "cells": _cells(
                    p_columns,
                    row["cells"],
                    row.get("documents"),
                    linker("proactive", row["key"]),
                ),
            }
            for row in proactive["rows"]
        ],
        "decisions": proactive["decisions"],
        "charges": proactive["charges"],
        "requests_columns": [label for _k, label in r_columns],
        "requests": [
            {
                "key": row["key"],
                "label": row["label"],
                "cells": _cells(
                    r_columns, row["cells"], row.get("requests"), linker("requests", row["key"])
                ),
            }
            for row in requests_table["rows"]
        ],
        "review_columns": [label for _k, label in v_columns],
        "review": [
            {
                "key": group["key"],
                "label": group["label"],
                "cells": _cells(
                    v_columns, group["cells"], group.get("cases"), linker("review", group["key"])
                ),
            }
            for group in review["groups"]
        ],
        "fees": {
            "label": fees["label"],
            "amount": fees["amount"],
            "url": (
                cell_url("fees", "all", "all")
                if cell_url is not None and fees.get("requests")
                else None
            ),
        },
    }


def cell_ids(data: dict[str, Any], part: str, row: str, column: str) -> tuple[str, list[int]]:
    """The kind of records behind a cell ("requests", "documents", "cases") and their ids;
    Http404 for a cell that does not exist or whose records are not known (imported)."""
    found: Any = None
    kind = ""
    if part == "fees":
        kind, found = "requests", data["fees_collected"].get("requests")
    else:
        where = {
            "requests": ("requests_table", "rows", "requests"),
            "proactive": ("proactive_table", "rows", "documents"),
            "review": ("review_table", "groups", "cases"),
        }.get(part)
        if where is None:
            raise Http404
        table, rows, kind = where
        for item in data[table][rows]:
            if item["key"] == row:
                found = (item.get(kind) or {}).get(column)
                break
    if found is None:
        raise Http404(_("The records behind this figure are not known (an imported year)."))
    return kind, [int(pk) for pk in found]


# --- The list and the Office's overview ------------------------------------------------------


def _open_choices(user: Any) -> list[tuple[str, str]]:
    choices = [
        (unit.code, f"{unit.code} {unit.name_zh}")
        for unit in units_where(user, Perm.REPORT_EDIT).filter(is_active=True).order_by("code")
    ]
    if is_office(user):
        choices.insert(0, (GOVERNMENT, str(settings.GONGKAI_GOVERNMENT_NAME)))
    return choices


def _checks_passed(report: AnnualReport) -> bool:
    if report.state == ReportState.PUBLISHED and report.published_data:
        return bool(report.published_data.get("checks", {}).get("passed"))
    if report.source == ReportSource.IMPORTED:
        return True
    data = selectors.report_data(year=report.year, unit=report.unit, report=report, live=True)
    return bool(data["checks"]["passed"])


@report_view
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports of the units the user sees, newest year first; open a year's report."""
    user = request.user
    form = f.YearForm(request.GET or None)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    visible = visible_unit_ids(user)
    reports = AnnualReport.objects.select_related("unit").order_by("-year", "unit__code")
    if visible is not None:
        reports = reports.filter(unit_id__in=visible)
    if year:
        reports = reports.filter(year=year)
    today = timezone.localdate()
    rows = [
        {
            "report": report,
            "scope": _scope_of(report.unit),
            "checks_passed": _checks_passed(report),
            "due_on": selectors.due_on(report.year, report.unit),
            "late": report.state != ReportState.PUBLISHED
            and today > selectors.due_on(report.year, report.unit),
        }
        for report in reports
    ]
    # Last year's reports not opened yet, for the units where the user may open them.
    opened = {(r.unit_id, r.year) for r in reports}
    missing_year = year or f.last_year()
    units = Unit.objects.filter(is_active=True).order_by("code")
    if visible is not None:
        units = units.filter(pk__in=visible)
    missing = [
        {"unit": unit, "due_on": selectors.due_on(missing_year, unit)}
        for unit in units
        if (unit.pk, missing_year) not in opened
    ]
    choices = _open_choices(user)
    return TemplateResponse(
        request,
        "annual_reports/staff/list.html",
        _context(
            request,
            _("Annual reports"),
            form=form,
            rows=rows,
            missing=missing,
            missing_year=missing_year,
            open_choices=choices,
            default_year=f.last_year(),
            is_office=is_office(user),
        ),
    )


@report_view
@require_POST
def report_open(request: HttpRequest) -> HttpResponse:
    """Open (create) the report of a unit — or, for the Office, of the government — for a
    year, then show it."""
    scope = request.POST.get("scope", "")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    unit = _scope_unit(request.user, scope)
    try:
        report = services.report_open(unit=unit, year=year, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("annual_reports_staff:list")
    return redirect("annual_reports_staff:report", _scope_of(unit), report.year)


@report_view
def office_overview(request: HttpRequest) -> HttpResponse:
    """The Office's view of a year (default: last year): every unit's report, when it was
    published and whether by the due date, and the government's report."""
    if not is_office(request.user):
        raise AccessDenied(OFFICE_ONLY)
    form = f.YearForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or f.last_year()
    today = timezone.localdate()
    reports = {r.unit_id: r for r in AnnualReport.objects.filter(year=year).select_related("unit")}

    def row(unit: Unit | None, report: AnnualReport | None) -> dict[str, Any]:
        due = selectors.due_on(year, unit)
        published_on = (
            timezone.localtime(report.first_published_at).date()
            if report is not None and report.first_published_at
            else None
        )
        if published_on is not None:
            on_time: bool | None = published_on <= due
        elif today > due:
            on_time = False
        else:
            on_time = None  # not due yet
        return {
            "unit": unit,
            "scope": _scope_of(unit),
            "report": report,
            "due_on": due,
            "published_on": published_on,
            "on_time": on_time,
        }

    units = Unit.objects.filter(is_active=True).order_by("code")
    unit_rows = [row(unit, reports.get(unit.pk)) for unit in units]
    late = sum(1 for r in unit_rows if r["on_time"] is False)
    return TemplateResponse(
        request,
        "annual_reports/staff/overview.html",
        _context(
            request,
            _("Annual reports of all units"),
            form=form,
            year=year,
            government=row(None, reports.get(None)),
            rows=unit_rows,
            late=late,
            published=sum(1 for r in unit_rows if r["published_on"] is not None),
        ),
    )


# --- One report --------------------------------------------------------------------------------

ACTIONS: dict[str, tuple[type[f.ActionForm], Any, Any]] = {
    "review": (f.ActionForm, services.report_review, _("Review (sign off)")),
    "return": (f.ReasonForm, services.report_return, _("Return to draft")),
    "publish": (f.ActionForm, services.report_publish, _("Publish")),
    "reopen": (f.ReasonForm, services.report_reopen, _("Reopen for a correction")),
}


def available_actions(user: Any, report: AnnualReport | None, unit: Unit | None) -> list[str]:
    """The workflow steps this user may take now (the services remain the authority)."""
    if report is None:
        return []
    can_edit, can_approve = _can_edit(user, unit), _can_approve(user, unit)
    names = []
    if report.state == ReportState.DRAFT and can_approve:
        names.append("review")
    if report.state == ReportState.REVIEWED and can_edit:
        names.append("publish")
    if report.state == ReportState.REVIEWED and (can_edit or can_approve):
        names.append("return")
    if (
        report.state == ReportState.PUBLISHED
        and report.source == ReportSource.PLATFORM
        and can_approve
    ):
        names.append("reopen")
    return names


def _editable(user: Any, report: AnnualReport | None, unit: Unit | None) -> bool:
    return (
        report is not None
        and report.state != ReportState.PUBLISHED
        and report.source == ReportSource.PLATFORM
        and _can_edit(user, unit)
    )


def _chain_requests(data: dict[str, Any], visible: set[int] | None) -> dict[int, Any]:
    ids = {
        pk
        for d in data.get("chain", {}).get("differences", [])
        for pk in (*d.get("requests_added", []), *d.get("requests_missing", []))
    }
    if not ids:
        return {}
    found = DisclosureRequest.objects.filter(pk__in=ids).only("id", "tracking_number", "unit_id")
    if visible is not None:
        found = found.filter(unit_id__in=visible)
    return {dr.pk: dr for dr in found}


def _render_report(
    request: HttpRequest,
    unit: Unit | None,
    year: int,
    *,
    edit_form: f.ReportForm | None = None,
    failed: tuple[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    report = selectors.report_for(unit, year)
    data = page_data(report, unit, year)
    scope = _scope_of(unit)

    def cell_url(part: str, row: str, column: str) -> str:
        return reverse("annual_reports_staff:cell", args=[scope, year, part, row, column])

    if report is not None:
        # The page now shows the latest state: a form sent again acts on it.
        for form in (edit_form, failed[1] if failed is not None else None):
            if form is not None and form.is_bound:
                fresh = form.data.copy()
                fresh[form.add_prefix("version")] = str(report.version)
                form.data = fresh
    editable = _editable(user, report, unit)
    if editable and edit_form is None:
        edit_form = f.ReportForm.for_report(report)  # type: ignore[arg-type]
    boxes = []
    for name in available_actions(user, report, unit):
        form_class, _service, title = ACTIONS[name]
        if failed is not None and failed[0] == name:
            form = failed[1]
        else:
            form = form_class(initial={"version": report.version}, prefix=name)  # type: ignore[union-attr]
        boxes.append(
            {
                "name": name,
                "title": title,
                "form": form,
                "url": reverse(f"annual_reports_staff:{name}", args=[scope, year]),
            }
        )
    failed_action = None
    if failed is not None and failed[0] not in {b["name"] for b in boxes}:
        failed_action = {"name": failed[0], "title": ACTIONS[failed[0]][2], "form": failed[1]}
    elif failed is not None:
        failed_action = next(b for b in boxes if b["name"] == failed[0])
    chain_requests = _chain_requests(data, visible_unit_ids(user))
    differences = [
        {
            **d,
            "added": [
                chain_requests[pk] for pk in d.get("requests_added", []) if pk in chain_requests
            ],
            "missing": [
                chain_requests[pk] for pk in d.get("requests_missing", []) if pk in chain_requests
            ],
        }
        for d in data.get("chain", {}).get("differences", [])
    ]
    correction_in_draft = (
        report is not None
        and report.state != ReportState.PUBLISHED
        and report.published_data is not None
    )
    return TemplateResponse(
        request,
        "annual_reports/staff/report.html",
        _context(
            request,
            data["title"],
            data=data,
            report=report,
            unit=unit,
            scope=scope,
            year=year,
            view=tables_view(data, cell_url),
            edit_form=edit_form,
            editable=editable,
            boxes=boxes,
            failed=failed_action,
            differences=differences,
            correction_in_draft=correction_in_draft,
            can_open=report is None and _can_edit(user, unit),
            due_on=selectors.due_on(year, unit),
            formats=list(FORMATS),
        ),
        status=status,
    )


@report_view
def report_detail(request: HttpRequest, scope: str, year: int) -> HttpResponse:
    """The whole report as tables, its checks and chain, the edit form and the steps open."""
    unit = _scope_unit(request.user, scope)
    return _render_report(request, unit, year)


def _report_or_404(unit: Unit | None, year: int) -> AnnualReport:
    report = selectors.report_for(unit, year)
    if report is None:
        raise Http404(_("This report has not been opened yet."))
    return report


@report_view
@require_POST
def report_edit(request: HttpRequest, scope: str, year: int) -> HttpResponse:
    """Save sections 一/五/六 and table 二's entered figures (one service call)."""
    unit = _scope_unit(request.user, scope)
    report = _report_or_404(unit, year)
    form = f.ReportForm(request.POST, government=report.is_government)
    if form.is_valid():
        try:
            services.report_update(
                report=report,
                by=request.user,  # type: ignore[arg-type]
                version=form.cleaned_data["version"],
                **form.changes(),
            )
        except ValidationError as exc:
            f.add_service_errors(form, exc)
        else:
            messages.success(request, _("The report was saved."))
            return redirect("annual_reports_staff:report", scope, year)
    return _render_report(request, unit, year, edit_form=form)


@report_view
@require_POST
def report_action(request: HttpRequest, scope: str, year: int, name: str) -> HttpResponse:
    """One workflow step: review, return, publish or reopen."""
    unit = _scope_unit(request.user, scope)
    report = _report_or_404(unit, year)
    form_class, service, title = ACTIONS[name]
    form = form_class(request.POST, prefix=name)
    if form.is_valid():
        kwargs: dict[str, Any] = {
            "report": report,
            "by": request.user,
            "version": form.cleaned_data["version"],
        }
        if "reason" in form.fields:
            kwargs["reason"] = form.cleaned_data.get("reason") or ""
        try:
            service(**kwargs)
        except ValidationError as exc:
            f.add_service_errors(form, exc)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": title})
            return redirect("annual_reports_staff:report", scope, year)
    return _render_report(request, unit, year, failed=(name, form))


# --- Drill-down ---------------------------------------------------------------------------------


@report_view
def cell_detail(
    request: HttpRequest, scope: str, year: int, part: str, row: str, column: str
) -> HttpResponse:
    """The requests (or documents, or review cases) behind one figure of the report: no
    personal data, only the unit's own for a unit's staff."""
    unit = _scope_unit(request.user, scope)
    report = selectors.report_for(unit, year)
    data = page_data(report, unit, year)
    kind, ids = cell_ids(data, part, row, column)
    visible = visible_unit_ids(request.user)
    items: list[Any]
    if kind == "requests":
        found = DisclosureRequest.objects.filter(pk__in=ids).select_related("unit", "reply")
        if visible is not None:
            found = found.filter(unit_id__in=visible)
        items = [
            {"request": dr, "closed_on": tables.closed_on(dr)}
            for dr in found.order_by("received_on", "tracking_number")
        ]
    elif kind == "documents":
        documents = Document.objects.filter(pk__in=ids).select_related("unit")
        if visible is not None:
            documents = documents.filter(unit_id__in=visible)
        items = list(documents.order_by("signed_date", "pk"))
    else:
        cases = ReviewCase.objects.filter(pk__in=ids).select_related("request__unit")
        if visible is not None:
            cases = cases.filter(request__unit_id__in=visible)
        items = list(cases.order_by("received_on", "pk"))
    label = _cell_label(data, part, row, column)
    return TemplateResponse(
        request,
        "annual_reports/staff/cell.html",
        _context(
            request,
            label,
            data=data,
            scope=scope,
            year=year,
            kind=kind,
            items=items,
            count=len(ids),
            hidden=len(ids) - len(items),
        ),
    )


def _cell_label(data: dict[str, Any], part: str, row: str, column: str) -> str:
    if part == "fees":
        return str(data["fees_collected"]["label"])
    table, rows = {
        "requests": ("requests_table", "rows"),
        "proactive": ("proactive_table", "rows"),
        "review": ("review_table", "groups"),
    }[part]
    row_label = next((r["label"] for r in data[table][rows] if r["key"] == row), row)
    column_label = next((c["label"] for c in data[table]["columns"] if c["key"] == column), column)
    return f"{row_label} / {column_label}"


# --- Downloads ---------------------------------------------------------------------------------


@report_view
def report_download(request: HttpRequest, scope: str, year: int, fmt: str) -> HttpResponse:
    """The report as HTML, DOCX, PDF, XLSX or JSON — the staff's version (with the ids
    behind the cells in the JSON)."""
    if fmt not in FORMATS:
        raise Http404
    unit = _scope_unit(request.user, scope)
    data = page_data(selectors.report_for(unit, year), unit, year)
    if fmt == "json":
        content: Any = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    else:
        from gongkai.annual_reports import render

        content = getattr(render, f"report_{fmt}")(data)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    if fmt != "html":
        name = f"{scope}-{year}-annual-report.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Past years (issue #6 §7) -------------------------------------------------------------------


def _preview_data(unit: Unit, year: int, cells: dict[str, Any]) -> dict[str, Any]:
    """An imported year's tables in the shape of ``report_data`` (no ids: no links)."""

    def grid(part: str, rows: list[tuple[str, str]], columns: list[tuple[str, str]]) -> Any:
        found = cells.get(part)
        given: dict[str, Any] = found if isinstance(found, dict) else {}
        return [
            {
                "key": row,
                "label": label,
                "cells": {
                    c: (given.get(row) or {}).get(c, "") if isinstance(given.get(row), dict) else ""
                    for c, _l in columns
                },
            }
            for row, label in rows
        ]

    def columns(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"key": k, "label": label} for k, label in pairs]

    return {
        "title": selectors.report_title(year, unit),
        "proactive_table": {
            "columns": columns(tables.PROACTIVE_COLUMNS),
            "rows": grid("proactive", tables.PROACTIVE_ROWS, tables.PROACTIVE_COLUMNS),
            "decisions": {"column": selectors.DECISIONS_COLUMN, "rows": []},
            "charges": {"label": selectors.CHARGES_LABEL, "amount": ""},
        },
        "requests_table": {
            "columns": columns(tables.COLUMNS),
            "rows": grid("requests", tables.ROWS, tables.COLUMNS),
        },
        "review_table": {
            "columns": columns(tables.REVIEW_COLUMNS),
            "groups": grid("review", tables.REVIEW_GROUPS, tables.REVIEW_COLUMNS),
        },
        "fees_collected": {"label": selectors.FEES_LABEL, "amount": cells.get("fees_collected")},
    }


class _DryRun(Exception):
    """Rolls back the import tried for the preview."""


def _try_import(unit: Unit, year: int, parsed: dict[str, Any], by: Any) -> list[str]:
    """Every reason the import would be refused (none: it would succeed), found by running
    the real service in a transaction that is then rolled back."""
    try:
        with transaction.atomic():
            services.report_import_past_year(
                unit=unit,
                year=year,
                tables_data=parsed.get("tables") or {},
                figures=parsed.get("figures") or None,
                by=by,
                via="import",
            )
            raise _DryRun
    except _DryRun:
        return []
    except ValidationError as exc:
        return list(exc.messages)


def _figures_rows(figures: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [
        (AnnualReport._meta.get_field(name).verbose_name, figures[name])  # type: ignore[union-attr]
        for name in services.FIGURE_FIELDS
        if name in figures
    ]


@report_view
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a past year's report (XLSX in the official layout), see its tables and checks,
    then confirm to import it."""
    units = units_where(request.user, Perm.REPORT_EDIT).order_by("code")
    if not units.exists():
        raise AccessDenied("您不在任何单位负责年度报告 / You edit the annual report of no unit")
    form = f.ImportUploadForm(request.POST or None, request.FILES or None, units=units)
    preview = None
    if request.method == "POST" and form.is_valid():
        unit, year = form.cleaned_data["unit"], form.cleaned_data["year"]
        from gongkai.annual_reports.importing import read_past_year_xlsx

        try:
            parsed = read_past_year_xlsx(form.cleaned_data["file"])
        except ValidationError as exc:
            f.add_service_errors(form, exc)
        else:
            parsed = json.loads(json.dumps(parsed, default=str))
            if parsed.get("unit_code") and parsed["unit_code"] != unit.code:
                form.add_error(
                    "file",
                    f"文件中的单位代码为 {parsed['unit_code']}，与所选单位 {unit.code} 不一致 / "
                    f"the file is for unit {parsed['unit_code']}, not {unit.code}",
                )
            elif parsed.get("year") and int(parsed["year"]) != year:
                form.add_error(
                    "file",
                    f"文件中的年份为 {parsed['year']}，与所选年份 {year} 不一致 / "
                    f"the file is for {parsed['year']}, not {year}",
                )
            else:
                token = secrets.token_urlsafe(16)
                request.session[SESSION_IMPORT] = {
                    "token": token,
                    "unit": unit.pk,
                    "year": year,
                    "parsed": parsed,
                }
                problems = _try_import(unit, year, parsed, request.user)
                preview = {
                    "unit": unit,
                    "year": year,
                    "view": tables_view(_preview_data(unit, year, parsed.get("tables") or {})),
                    "figures": _figures_rows(parsed.get("figures") or {}),
                    "problems": problems,
                    "confirm": f.ImportConfirmForm(initial={"token": token}),
                    "existing": selectors.report_for(unit, year),
                }
    return TemplateResponse(
        request,
        "annual_reports/staff/import.html",
        _context(
            request,
            _("Import a past year's report"),
            form=form,
            preview=preview,
            units=units,
            default_year=f.last_year() - 1,
        ),
    )


@report_view
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the report previewed (all or nothing)."""
    form = f.ImportConfirmForm(request.POST)
    pending = request.session.get(SESSION_IMPORT)
    if not form.is_valid() or not pending or pending.get("token") != form.cleaned_data["token"]:
        messages.error(
            request,
            "导入预览已失效，请重新上传文件 / The preview has expired: upload the file again",
        )
        return redirect("annual_reports_staff:import")
    unit = Unit.objects.filter(pk=pending["unit"]).first()
    if unit is None:
        raise Http404
    parsed = pending["parsed"]
    try:
        report, changed = services.report_import_past_year(
            unit=unit,
            year=int(pending["year"]),
            tables_data=parsed.get("tables") or {},
            figures=parsed.get("figures") or None,
            by=request.user,  # type: ignore[arg-type]
            via="import",
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("annual_reports_staff:import")
    request.session.pop(SESSION_IMPORT, None)
    if changed:
        messages.success(request, _("The past year's report was imported."))
    else:
        messages.info(request, _("Nothing changed: the same tables were already imported."))
    return redirect("annual_reports_staff:report", unit.code, report.year)


@report_view
def import_template(request: HttpRequest) -> HttpResponse:
    """The blank XLSX template of a unit's past year, to fill in and upload."""
    code = request.GET.get("unit", "")
    unit = units_where(request.user, Perm.REPORT_EDIT).filter(code=code).first()
    if unit is None:
        raise AccessDenied(NOT_YOURS)
    try:
        year = int(request.GET.get("year", ""))
        services.check_year(year)
    except (ValueError, ValidationError):
        year = f.last_year() - 1
    from gongkai.annual_reports.importing import blank_template_xlsx

    response = HttpResponse(blank_template_xlsx(unit.code, year), content_type=FORMATS["xlsx"])
    name = f"{unit.code}-{year}-annual-report-template.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
