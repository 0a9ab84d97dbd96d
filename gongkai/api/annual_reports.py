"""Annual reports on government-information disclosure as open data (issue #6 §5;
Regulation Art. 49–50): read-only.

* ``GET /api/v1/annual-reports`` — the published reports (``?year=`` and ``?unit=`` narrow
  the list), newest year first, the government's report before its units';
* ``GET /api/v1/annual-reports/{year}`` — the government's report of ``year``;
* ``GET /api/v1/annual-reports/{year}/{unit_code}`` — a unit's.

A report is its frozen published version through ``selectors.public_data`` (no ids of
requests, documents or cases); every row and column carries its official Chinese label
beside its key. Drafts and reports being corrected show their last published version; a
report never published is 404, like an unknown year or unit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Schema

from gongkai.annual_reports import selectors
from gongkai.annual_reports.models import AnnualReport
from gongkai.annual_reports.views_public import FORMATS, published_report, report_url
from gongkai.api.documents import check_parameters, optional
from gongkai.api.schemas import AnnualReportListOut, AnnualReportOut
from gongkai.api.units import ErrorOut, ValidationErrorOut
from gongkai.core.validators import UNIT_CODE_RE
from gongkai.units.models import Unit

router = Router()

NOT_FOUND = _("There is no published annual report for this year and unit.")
UNKNOWN_UNIT = _("There is no unit with this code.")
MIN_YEAR, MAX_YEAR = 2008, 2999


class AnnualReportFilters(Schema):
    """Both optional, combined with AND."""

    year: int | None = optional(ge=MIN_YEAR, le=MAX_YEAR, description="The report's year")
    unit: str | None = optional(
        max_length=16, description="Unit code: that unit's reports only (e.g. JJJ)"
    )


LIST_PARAMETERS = frozenset(AnnualReportFilters.model_fields)


def _links(request: HttpRequest, year: int, code: str | None) -> dict[str, Any]:
    """The report's permanent portal addresses, in the default language (``/annual-reports/…``,
    not ``/en/annual-reports/…``), whatever language the API request negotiated."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "url": request.build_absolute_uri(report_url(year, code)),
            "downloads": {
                fmt: request.build_absolute_uri(report_url(year, code, fmt)) for fmt in FORMATS
            },
        }


def _api_path(year: int, code: str | None) -> str:
    return f"/api/v1/annual-reports/{year}" + (f"/{code}" if code else "")


@router.get(
    "",
    response={200: AnnualReportListOut, 422: ValidationErrorOut},
    operation_id="annual_report_list",
    summary="List published annual reports",
)
def annual_report_list(request: HttpRequest, filters: Query[AnnualReportFilters]) -> Any:
    """Every published annual report, newest year first: the government's (``unit`` null)
    before its units'. ``unit`` must name an existing unit; an unknown parameter, an unknown
    unit or a year outside 2008–2999 gives 422."""
    check_parameters(request, LIST_PARAMETERS)
    reports = selectors.published_reports().defer(
        "published_data", "imported_tables", "overview", "problems", "other_matters"
    )
    if filters.unit is not None:
        unit = (
            Unit.objects.filter(code=filters.unit).first()
            if UNIT_CODE_RE.match(filters.unit)
            else None
        )
        if unit is None:
            raise ValidationError({"unit": [UNKNOWN_UNIT]})
        reports = reports.filter(unit=unit)
    if filters.year is not None:
        reports = reports.filter(year=filters.year)
    found: list[AnnualReport] = sorted(reports, key=lambda r: (-r.year, r.unit_id is not None))
    items = []
    for report in found:
        code = report.unit.code if report.unit is not None else None
        items.append(
            {
                "year": report.year,
                "unit": {"code": code, "name": report.unit.name_zh} if report.unit else None,
                "title": str(report),
                "published_at": report.published_at,
                "first_published_at": report.first_published_at,
                "corrected": bool(report.correction_note),
                "api_url": request.build_absolute_uri(_api_path(report.year, code)),
                **_links(request, report.year, code),
            }
        )
    return {"count": len(items), "items": items}


def _report(request: HttpRequest, year: int, code: str | None) -> dict[str, Any]:
    check_parameters(request, frozenset())
    try:
        report = published_report(year, code)
    except Http404:
        raise Http404(NOT_FOUND) from None
    data = selectors.public_data(report.published_data or {})
    data.setdefault("correction_note", "")
    data.setdefault("published_at", report.published_at)
    data.setdefault("first_published_at", report.first_published_at)
    return {**data, **_links(request, year, code)}


@router.get(
    "/{year}",
    response={200: AnnualReportOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="annual_report_government",
    summary="The government's annual report of a year",
)
def annual_report_government(
    request: HttpRequest,
    year: int = Path(..., ge=MIN_YEAR, le=MAX_YEAR, description="The report's year"),
) -> Any:
    """The government's published report (the sum of its units), with tables 二, 三, 四 and
    the six sections; 404 if it is not published."""
    return _report(request, year, None)


@router.get(
    "/{year}/{unit_code}",
    response={200: AnnualReportOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="annual_report_unit",
    summary="A unit's annual report of a year",
)
def annual_report_unit(
    request: HttpRequest,
    year: int = Path(..., ge=MIN_YEAR, le=MAX_YEAR, description="The report's year"),
    unit_code: str = Path(..., min_length=1, max_length=64, description="Unit code, e.g. JJJ"),
) -> Any:
    """A unit's published report; 404 if the unit or the report does not exist or the report
    is not published."""
    return _report(request, year, unit_code)
