"""The public pages of the annual reports (issue #6 §5; Regulation Art. 49–50).

* ``/annual-reports/<year>/`` — the government's report of ``year``;
* ``/annual-reports/<year>/<unit code>/`` — a unit's;
* ``…/report.docx``, ``…/report.pdf``, ``…/report.xlsx`` — the same report as a file.

Only a *published* report exists here, and what is shown is its frozen version
(``AnnualReport.published_data``) passed through :func:`selectors.public_data`, so the ids of
the requests behind the cells never leave, and a report reopened for a correction keeps
showing its last published version. A draft, an unknown year or an unknown unit is a 404
with the same message. These addresses are permanent.

Pages are anonymous GETs: the page cache and the HTTP validators of
:mod:`gongkai.core.pagecache` apply to them (and to the files) as to every portal page;
publishing calls ``content_changed()``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from gongkai.annual_reports import selectors, tables
from gongkai.annual_reports.models import AnnualReport
from gongkai.core.validators import UNIT_CODE_RE

NOT_FOUND = _("There is no published annual report for this year and unit.")

# Downloads: extension → (renderer in annual_reports.render, content type).
FORMATS: dict[str, tuple[str, str]] = {
    "docx": (
        "report_docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "pdf": ("report_pdf", "application/pdf"),
    "xlsx": ("report_xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
# First and last years an address may name (others are not sent to the database).
MIN_YEAR, MAX_YEAR = 2008, 2999


def published_report(year: int, code: str | None) -> AnnualReport:
    """The published report of ``year`` for the unit ``code`` (None: the government), or 404.
    One query; a unit no longer active keeps its published reports."""
    if not MIN_YEAR <= year <= MAX_YEAR or (code is not None and not UNIT_CODE_RE.match(code)):
        raise Http404(NOT_FOUND)
    reports = AnnualReport.objects.filter(year=year, published_data__isnull=False)
    if code is None:
        report = reports.filter(unit__isnull=True).first()
    else:
        report = reports.filter(unit__code=code).select_related("unit").first()
    if report is None:
        raise Http404(NOT_FOUND)
    return report


def report_url(year: int, code: str | None, fmt: str | None = None) -> str:
    """The permanent address of a report (its page, or its file in ``fmt``)."""
    if fmt is None:
        if code is None:
            return reverse("annual_reports_public:government", kwargs={"year": year})
        return reverse("annual_reports_public:unit", kwargs={"year": year, "code": code})
    if code is None:
        return reverse(
            "annual_reports_public:government_download", kwargs={"year": year, "fmt": fmt}
        )
    return reverse(
        "annual_reports_public:unit_download", kwargs={"year": year, "code": code, "fmt": fmt}
    )


def api_url(year: int, code: str | None) -> str:
    """The report's address in the open-data API (JSON)."""
    path = f"/api/v1/annual-reports/{year}"
    return f"{path}/{code}" if code else path


# --- The tables as header rows and body rows (the template renders any of them) ---------------


def _cell(text: str, id_: str = "", *, colspan: int = 1, rowspan: int = 1, scope: str = "col"):
    return {"text": text, "id": id_, "colspan": colspan, "rowspan": rowspan, "scope": scope}


def _requests_table(data: dict[str, Any]) -> dict[str, Any]:
    """Table 三 in the official layout: 申请人情况 over 自然人 | 法人或其他组织 (five types) |
    总计; every number names its headers (``headers``), the merged ones included."""
    table = data["requests_table"]
    columns = table["columns"]
    organisations = [c for c in columns if c["key"] not in ("natural_person", "total")]
    head = [
        [
            _cell("本列数据的统计项目", "t3-item", rowspan=3),
            _cell("申请人情况", "t3-applicants", colspan=len(columns)),
        ],
        [
            _cell(columns[0]["label"], f"t3-c-{columns[0]['key']}", rowspan=2),
            _cell("法人或其他组织", "t3-organisations", colspan=len(organisations)),
            _cell(columns[-1]["label"], f"t3-c-{columns[-1]['key']}", rowspan=2),
        ],
        [_cell(c["label"], f"t3-c-{c['key']}") for c in organisations],
    ]
    body = []
    for row in table["rows"]:
        row_id = f"t3-r-{row['key']}"
        cells = []
        for column in columns:
            headers = [row_id, "t3-applicants"]
            if column in organisations:
                headers.append("t3-organisations")
            headers.append(f"t3-c-{column['key']}")
            cells.append(
                {"value": row["cells"].get(column["key"], 0), "headers": " ".join(headers)}
            )
        body.append({"header": _cell(row["label"], row_id, scope="row"), "cells": cells})
    return {
        "id": "table-3",
        "caption": "收到和处理政府信息公开申请情况统计表（单位：件）",
        "head": head,
        "body": body,
    }


def _review_table(data: dict[str, Any]) -> dict[str, Any]:
    """Table 四 in the official layout: 行政复议 (five results) | 行政诉讼 split into 未经复议
    直接起诉 and 复议后起诉 (five each), one row of figures."""
    table = data["review_table"]
    columns = table["columns"]
    groups = table["groups"]
    review, litigation = groups[0], groups[1:]
    head = [
        [
            _cell("本行数据的统计项目", "t4-item", rowspan=3),
            _cell(review["label"], f"t4-g-{review['key']}", colspan=len(columns), rowspan=2),
            _cell("行政诉讼", "t4-litigation", colspan=len(columns) * len(litigation)),
        ],
        [
            _cell(
                g["label"].removeprefix("行政诉讼").strip(),
                f"t4-g-{g['key']}",
                colspan=len(columns),
            )
            for g in litigation
        ],
        [_cell(c["label"], f"t4-c-{g['key']}-{c['key']}") for g in groups for c in columns],
    ]
    cells = []
    for group in groups:
        for column in columns:
            headers = ["t4-r-cases"]
            if group in litigation:
                headers.append("t4-litigation")
            headers += [f"t4-g-{group['key']}", f"t4-c-{group['key']}-{column['key']}"]
            cells.append(
                {"value": group["cells"].get(column["key"], 0), "headers": " ".join(headers)}
            )
    body = [{"header": _cell("件数", "t4-r-cases", scope="row"), "cells": cells}]
    return {
        "id": "table-4",
        "caption": "政府信息公开行政复议、行政诉讼情况统计表（单位：件）",
        "head": head,
        "body": body,
    }


def _simple_table(id_: str, caption: str, columns: list[str], rows: list[tuple[str, list[Any]]]):
    head = [[_cell(label, f"{id_}-c{i}") for i, label in enumerate(columns)]]
    body = []
    for n, (label, values) in enumerate(rows):
        row_id = f"{id_}-r{n}"
        body.append(
            {
                "header": _cell(label, row_id, scope="row"),
                "cells": [
                    {"value": value, "headers": f"{row_id} {id_}-c{i + 1}"}
                    for i, value in enumerate(values)
                ],
            }
        )
    return {"id": id_, "caption": caption, "head": head, "body": body}


def _proactive_tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Table 二 as its three parts: rules and normative documents; decisions; charges."""
    table = data["proactive_table"]
    decisions = table["decisions"]
    charges = table["charges"]
    return [
        _simple_table(
            "table-2a",
            "二、主动公开政府信息情况：规章和行政规范性文件",
            ["信息内容", *[c["label"] for c in table["columns"]]],
            [
                (row["label"], [row["cells"].get(c["key"], 0) for c in table["columns"]])
                for row in table["rows"]
            ],
        ),
        _simple_table(
            "table-2b",
            "二、主动公开政府信息情况：行政许可、行政处罚、行政强制",
            ["信息内容", decisions["column"]["label"]],
            [(row["label"], [row["value"]]) for row in decisions["rows"]],
        ),
        _simple_table(
            "table-2c",
            "二、主动公开政府信息情况：行政事业性收费",
            ["信息内容", charges["column"]["label"]],
            [(charges["label"], [charges["amount"]])],
        ),
    ]


def report_detail(request: HttpRequest, year: int, code: str | None = None) -> HttpResponse:
    """One published annual report as an accessible page: the six sections, tables 二, 三 and
    四 with captions and headers, the scope note (government), the correction note, the
    publication date and the downloads."""
    from gongkai.portal.column import _context

    report = published_report(year, code)
    data = selectors.public_data(report.published_data or {})
    unit = report.unit if report.unit is not None and report.unit.is_active else None
    context = _context(request, unit, "column_annual_reports")
    for item in context["column_nav"]:  # this page is inside the annual-reports section
        if item["key"] == "column_annual_reports":
            item["current"] = "true"
    downloads = [{"format": fmt.upper(), "url": report_url(year, code, fmt)} for fmt in FORMATS]
    context.update(
        {
            "report": report,
            "data": data,
            "unit_of_report": report.unit,
            "published_at": parse_datetime(data.get("published_at") or "") or report.published_at,
            "first_published_at": parse_datetime(data.get("first_published_at") or ""),
            "proactive_tables": _proactive_tables(data),
            "requests_table": _requests_table(data),
            "review_table": _review_table(data),
            "downloads": downloads,
            "json_url": request.build_absolute_uri(api_url(year, code)),
            "annual_reports_url": context["column_urls"]["column_annual_reports"],
            "row_count": len(tables.ROWS),
        }
    )
    return render(request, "annual_reports/public/report.html", context)


def report_download(
    request: HttpRequest, year: int | str, fmt: str, code: str | None = None
) -> HttpResponse:
    """The published report as DOCX, PDF or XLSX (rendered from the public data only)."""
    year = int(year)
    from gongkai.annual_reports import render as renderers

    if fmt not in FORMATS:
        raise Http404(NOT_FOUND)
    report = published_report(year, code)
    data = selectors.public_data(report.published_data or {})
    function_name, content_type = FORMATS[fmt]
    content = getattr(renderers, function_name)(data)
    response = HttpResponse(content, content_type=content_type)
    name = f"{data.get('title') or report}.{fmt}"
    ascii_name = f"annual-report-{year}{'-' + code if code else ''}.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    return response
