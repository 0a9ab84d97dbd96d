"""Reads of annual reports (issue #6): the one dictionary every output is made from.

:func:`report_data` returns the whole report of a unit (or of the government) for a year —
sections, tables 二/三/四 with their official labels beside their keys, the ids behind every
cell (for the drill-down), the processing fees of section 六, every §8 check and the chain
to last year. The HTML pages, the DOCX/PDF/XLSX files, ``/api/v1/annual-reports`` and
``gongkai report annual`` all render this dictionary; :func:`public_data` removes the ids
(the drill-down is for staff) before anything leaves for the public.

Shape (keys are stable; labels are the official Chinese ones)::

    {"year", "unit": {"code", "name"} | None, "scope": "unit" | "government",
     "scope_note", "title", "state", "source", "due_on", "generated_at",
     "sections": {"overview", "problems", "other_matters"},
     "proactive_table": {"columns", "rows": [{"key", "label", "cells", "documents"}],
                         "decisions": {"column", "rows": [{"key", "label", "value"}]},
                         "charges": {"key", "label", "column", "amount"}},
     "requests_table": {"columns", "rows": [{"key", "label", "cells", "requests"}]},
     "review_table": {"columns", "groups": [{"key", "label", "cells", "cases"}]},
     "fees_collected": {"label", "amount", "requests"},
     "chain": {"previous_year", "previous_source", "passed", "differences": [...]},
     "checks": {"passed", "failures": [{"cell", "message"}]}}

Which figures: a platform report that is not published is computed now; a published one is
its frozen ``published_data``; an imported year is its ``imported_tables``. The government is
the sum of its units: the units' imported years plus everything computed for the others.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from gongkai.annual_reports import tables
from gongkai.annual_reports.models import AnnualReport, ReportSource, ReportState
from gongkai.units.models import Unit

DECISION_ROWS: list[tuple[str, str, str]] = [
    # key, official label, the model field that holds the entered figure
    ("licensing", "行政许可", "licensing_decisions"),
    ("penalty", "行政处罚", "penalty_decisions"),
    ("enforcement", "行政强制", "enforcement_decisions"),
]
DECISIONS_COLUMN = {"key": "decisions", "label": "本年处理决定数量"}
CHARGES_LABEL = "行政事业性收费"
CHARGES_COLUMN = {"key": "amount", "label": "本年收费金额（单位：万元）"}
FEES_LABEL = "政府信息公开信息处理费（元）"
GOVERNMENT_NOTE = "本报告各项数据为本级各单位年度报告数据之和。"
ID_KEYS = ("documents", "requests", "cases")


def due_on(year: int, unit: Unit | None) -> datetime.date:
    """The day the report of ``year`` is due (the year after it)."""
    config = settings.GONGKAI_ANNUAL_REPORTS
    month, day = config["GOVERNMENT_DUE"] if unit is None else config["UNIT_DUE"]
    return datetime.date(year + 1, month, day)


def report_title(year: int, unit: Unit | None) -> str:
    name = settings.GONGKAI_GOVERNMENT_NAME if unit is None else unit.name_zh
    return f"{name}{year}年政府信息公开工作年度报告"


def report_for(unit: Unit | None, year: int) -> AnnualReport | None:
    return (
        AnnualReport.objects.filter(unit=unit, year=year).select_related("unit").first()
        if unit is not None
        else AnnualReport.objects.filter(unit__isnull=True, year=year).first()
    )


def published_reports(unit: Unit | None = None) -> QuerySet[AnnualReport]:
    """Reports the public sees (a published version exists), newest year first."""
    reports = AnnualReport.objects.filter(published_data__isnull=False).select_related("unit")
    if unit is None:
        return reports.order_by("-year", "unit__code")
    return reports.filter(unit=unit).order_by("-year")


def government_reports() -> QuerySet[AnnualReport]:
    return published_reports().filter(unit__isnull=True)


# --- Cells ---------------------------------------------------------------------------------


def _zero_cells() -> dict[str, Any]:
    return {
        "proactive": {
            r: {c: 0 for c, _l in tables.PROACTIVE_COLUMNS} for r, _l in tables.PROACTIVE_ROWS
        },
        "requests": {r: {c: 0 for c, _l in tables.COLUMNS} for r, _l in tables.ROWS},
        "review": {g: {c: 0 for c, _l in tables.REVIEW_COLUMNS} for g, _l in tables.REVIEW_GROUPS},
        "fees_collected": "0",
    }


def _counts(ids: dict[str, dict[str, list[int]]]) -> dict[str, dict[str, int]]:
    return {row: {col: len(v) for col, v in cols.items()} for row, cols in ids.items()}


def _add(into: dict[str, dict[str, Any]], cells: dict[str, dict[str, Any]]) -> None:
    for row, cols in cells.items():
        for col, value in cols.items():
            into[row][col] = into[row][col] + int(value)


def _imported(unit_ids: Iterable[int] | None, year: int) -> list[AnnualReport]:
    reports = AnnualReport.objects.filter(
        year=year, source=ReportSource.IMPORTED, unit__isnull=False
    )
    if unit_ids is not None:
        reports = reports.filter(unit_id__in=list(unit_ids))
    return list(reports)


def computed_tables(year: int, unit: Unit | None) -> dict[str, Any]:
    """Tables 二 (rules, normative), 三, 四 and the fees of ``year``: counts and the ids behind
    them. For the government: the units' imported years plus the records of the others."""
    unit_ids: list[int] | None = [unit.pk] if unit is not None else None
    imported = _imported(unit_ids, year)
    if imported:
        others = Unit.objects.exclude(pk__in=[r.unit_id for r in imported])
        if unit_ids is not None:
            others = others.filter(pk__in=unit_ids)
        unit_ids = list(others.values_list("pk", flat=True))
    requests = tables.requests_table(year, unit_ids)
    proactive = tables.proactive_table(year, unit_ids)
    review = tables.review_table(year, unit_ids)
    fees, fee_requests = tables.fees_collected(year, unit_ids)
    cells: dict[str, Any] = {
        "proactive": _counts(proactive),
        "requests": requests.cells,
        "review": _counts(review),
        "fees_collected": str(fees),
    }
    for report in imported:
        data = report.imported_tables or {}
        for part in ("proactive", "requests", "review"):
            _add(cells[part], data.get(part, {}))
        cells["fees_collected"] = str(
            Decimal(cells["fees_collected"]) + Decimal(data.get("fees_collected") or "0")
        )
    return {
        "cells": cells,
        "ids": {
            "proactive": proactive,
            "requests": requests.ids,
            "review": review,
            "fees_collected": fee_requests,
        },
    }


def _entered(report: AnnualReport | None, year: int, unit: Unit | None) -> dict[str, Any]:
    """Table 二's entered figures: the report's own, or for the government the sum of its
    units' reports of that year."""
    if unit is None:
        sums = AnnualReport.objects.filter(year=year, unit__isnull=False).aggregate(
            licensing=Sum("licensing_decisions"),
            penalty=Sum("penalty_decisions"),
            enforcement=Sum("enforcement_decisions"),
            charges=Sum("charges_amount"),
        )
        return {
            "licensing": sums["licensing"] or 0,
            "penalty": sums["penalty"] or 0,
            "enforcement": sums["enforcement"] or 0,
            "charges": sums["charges"] or Decimal(0),
        }
    if report is None:
        return {"licensing": 0, "penalty": 0, "enforcement": 0, "charges": Decimal(0)}
    return {
        "licensing": report.licensing_decisions,
        "penalty": report.penalty_decisions,
        "enforcement": report.enforcement_decisions,
        "charges": report.charges_amount,
    }


def _cells_of(
    year: int, unit: Unit | None, following: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str, dict[str, Any] | None]:
    """The figures of ``year`` as the record stands: (cells, source, ids). A published report
    gives its frozen figures, an imported year its tables, otherwise they are computed.

    ``following``: the computed cells and ids of ``year + 1`` (for the chain). When neither
    year involves an imported report, a computed year's carried-forward requests are by the
    counting rules exactly the next year's carried-over ones, so table 三 is not computed
    again (half the time of a government report); table 二 is."""
    report = report_for(unit, year)
    if report is not None and report.published_data:
        data = report.published_data
        cells = {
            "proactive": {r["key"]: r["cells"] for r in data["proactive_table"]["rows"]},
            "requests": {r["key"]: r["cells"] for r in data["requests_table"]["rows"]},
            "review": {g["key"]: g["cells"] for g in data["review_table"]["groups"]},
            "fees_collected": data["fees_collected"]["amount"],
        }
        ids = {"requests": {r["key"]: r.get("requests") for r in data["requests_table"]["rows"]}}
        return cells, "published", ids
    if report is not None and report.source == ReportSource.IMPORTED:
        cells = _zero_cells()
        for part in ("proactive", "requests", "review"):
            _add(cells[part], (report.imported_tables or {}).get(part, {}))
        return cells, "imported", None
    unit_ids = [unit.pk] if unit is not None else None
    if (
        following is not None
        and not _imported(unit_ids, year)
        and not _imported(unit_ids, year + 1)
    ):
        cells = _zero_cells()
        cells["proactive"] = _counts(tables.proactive_table(year, unit_ids))
        carried = following["cells"]["requests"]["carried_over"]
        cells["requests"]["carried_forward"] = dict(carried)
        ids = {"requests": {"carried_forward": following["ids"]["requests"]["carried_over"]}}
        return cells, "computed", ids
    computed = computed_tables(year, unit)
    return computed["cells"], "computed", computed["ids"]


def chain(year: int, unit: Unit | None, cells: dict[str, Any], ids: dict[str, Any] | None):
    """This year's carried-over against last year's carried-forward, per column, with the
    requests that make a difference (when last year's figures list them)."""
    following = {"cells": cells, "ids": ids} if ids is not None else None
    previous_cells, source, previous_ids = _cells_of(year - 1, unit, following)
    differences = []
    for column, label in tables.COLUMNS:
        now = int(cells["requests"]["carried_over"][column])
        before = int(previous_cells["requests"]["carried_forward"][column])
        if now == before:
            continue
        added: list[int] = []
        missing: list[int] = []
        if ids is not None and previous_ids is not None:
            now_ids = set(ids["requests"]["carried_over"][column])
            before_ids = set(
                (previous_ids["requests"].get("carried_forward") or {}).get(column, [])
            )
            added = sorted(now_ids - before_ids)
            missing = sorted(before_ids - now_ids)
        differences.append(
            {
                "column": column,
                "label": label,
                "carried_over": now,
                "previous_carried_forward": before,
                "requests_added": added,
                "requests_missing": missing,
                "message": (
                    f"“{label}”列：本年“上年结转”为 {now}，而 {year - 1} 年报告的“结转下年度"
                    f"继续办理”为 {before} / column {column}: carried over {now}, but the "
                    f"{year - 1} report carried forward {before}"
                ),
            }
        )
    return {
        "previous_year": year - 1,
        "previous_source": source,
        "previous_cells": previous_cells,
        "passed": not differences,
        "differences": differences,
    }


def overview_text(data: dict[str, Any]) -> str:
    """Section 一's pre-filled text: the year's figures in words, to be edited by the unit."""
    rows = {r["key"]: r["cells"] for r in data["requests_table"]["rows"]}
    proactive = {r["key"]: r["cells"] for r in data["proactive_table"]["rows"]}
    review = {g["key"]: g["cells"] for g in data["review_table"]["groups"]}
    name = data["unit"]["name"] if data["unit"] else settings.GONGKAI_GOVERNMENT_NAME
    issued = sum(int(r["issued"]) for r in proactive.values())
    in_force = sum(int(r["in_force"]) for r in proactive.values())
    reviews = sum(int(g["total"]) for g in review.values())
    return "\n".join(
        [
            f"{data['year']}年，{name}认真贯彻落实《中华人民共和国政府信息公开条例》，"
            "扎实推进政府信息公开工作。",
            f"主动公开方面，本年制发规章和行政规范性文件 {issued} 件，年末现行有效 {in_force} 件。",
            f"依申请公开方面，本年新收政府信息公开申请 {rows['new']['total']} 件，"
            f"上年结转 {rows['carried_over']['total']} 件，"
            f"本年办结 {rows['results_total']['total']} 件，"
            f"结转下年度继续办理 {rows['carried_forward']['total']} 件；"
            f"收取信息处理费 {data['fees_collected']['amount']} 元。",
            f"因政府信息公开工作被申请行政复议、提起行政诉讼共 {reviews} 件。",
        ]
    )


def report_data(
    *, year: int, unit: Unit | None, report: AnnualReport | None = None, live: bool = False
) -> dict[str, Any]:
    """The whole report of ``unit`` (None: the government) for ``year``.

    A published report gives its frozen figures unless ``live`` is set (the back office
    computes a draft of a correction live; publishing freezes it again)."""
    if report is None:
        report = report_for(unit, year)
    if report is not None and report.published_data and not live:
        return report.published_data
    if report is not None and report.source == ReportSource.IMPORTED:
        cells: dict[str, Any] = _zero_cells()
        for part in ("proactive", "requests", "review"):
            _add(cells[part], (report.imported_tables or {}).get(part, {}))
        cells["fees_collected"] = (report.imported_tables or {}).get("fees_collected") or "0"
        ids: dict[str, Any] | None = None
    else:
        computed = computed_tables(year, unit)
        cells, ids = computed["cells"], computed["ids"]
    entered = _entered(report, year, unit)
    empty_ids: dict[str, Any] = {}

    def ids_of(part: str, row: str) -> dict[str, list[int]]:
        return (ids or empty_ids).get(part, {}).get(row, {})

    def table(
        part: str,
        rows: list[tuple[str, str]],
        columns: list[tuple[str, str]],
        id_key: str,
        rows_key: str = "rows",
    ) -> dict[str, Any]:
        """A table: its columns and rows with labels, cells and the ids behind them."""
        return {
            "columns": [{"key": k, "label": label} for k, label in columns],
            rows_key: [
                {"key": row, "label": label, "cells": cells[part][row], id_key: ids_of(part, row)}
                for row, label in rows
            ],
        }

    data: dict[str, Any] = {
        "year": year,
        "unit": {"code": unit.code, "name": unit.name_zh} if unit else None,
        "scope": "unit" if unit else "government",
        "scope_note": "" if unit else GOVERNMENT_NOTE,
        "title": report_title(year, unit),
        "state": report.state if report else ReportState.DRAFT.value,
        "source": report.source if report else ReportSource.PLATFORM.value,
        "due_on": due_on(year, unit).isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "correction_note": report.correction_note if report else "",
        "sections": {
            "overview": report.overview if report else "",
            "problems": report.problems if report else "",
            "other_matters": report.other_matters if report else "",
        },
        "proactive_table": {
            **table("proactive", tables.PROACTIVE_ROWS, tables.PROACTIVE_COLUMNS, "documents"),
            "decisions": {
                "column": DECISIONS_COLUMN,
                "rows": [
                    {"key": key, "label": label, "value": int(entered[key])}
                    for key, label, _field in DECISION_ROWS
                ],
            },
            "charges": {
                "key": "charges",
                "label": CHARGES_LABEL,
                "column": CHARGES_COLUMN,
                "amount": str(Decimal(entered["charges"]).quantize(Decimal("0.0001"))),
            },
        },
        "requests_table": table("requests", tables.ROWS, tables.COLUMNS, "requests"),
        "review_table": table(
            "review", tables.REVIEW_GROUPS, tables.REVIEW_COLUMNS, "cases", rows_key="groups"
        ),
        "fees_collected": {
            "label": FEES_LABEL,
            "amount": str(cells["fees_collected"]),
            "requests": (ids or {}).get("fees_collected", []),
        },
    }
    links = chain(year, unit, cells, ids)
    previous_proactive = links.pop("previous_cells")["proactive"]
    data["chain"] = links
    failures = (
        tables.check_proactive_tables(cells["proactive"], previous_proactive)
        + tables.check_requests_table(cells["requests"])
        + tables.check_review_table(cells["review"])
    )
    messages = [{"cell": f.cell, "message": f.message} for f in failures]
    messages += [
        {"cell": f"二、上年结转政府信息公开申请数量 / {d['label']}", "message": d["message"]}
        for d in links["differences"]
    ]
    data["checks"] = {"passed": not messages, "failures": messages}
    return data


def public_data(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the ids behind the cells (the drill-down is for staff only)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: strip(v)
                for k, v in value.items()
                if k not in ID_KEYS and k not in ("requests_added", "requests_missing")
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(data)
