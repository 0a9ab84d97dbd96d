"""``gongkai report annual --year YYYY [--unit CODE]``: the annual report's tables as JSON.

Issue #6 (in progress): tables 二 (rules and normative documents), 三 (requests) and 四
(review and litigation), computed from the platform's records (``annual_reports/tables.py``).
Each row and column carries its official Chinese label beside its key; every cell lists the
requests (or documents) behind it, for the drill-down; the result of every arithmetic check
of REGULATION.md §8 is included. Exit status 0 when every check holds, 1 when one fails.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from gongkai.annual_reports import tables
from gongkai.cli import Abort
from gongkai.units.models import Unit


def annual_report_data(year: int, unit: Unit | None) -> dict[str, Any]:
    """The tables of ``year`` for ``unit`` (None: the whole government, the sum of its units)."""
    unit_ids = [unit.pk] if unit is not None else None
    requests = tables.requests_table(year, unit_ids)
    reviews = tables.review_table(year, unit_ids)
    review_cells = {g: {c: len(v) for c, v in cols.items()} for g, cols in reviews.items()}
    fees = tables.fees_collected(year, unit_ids)
    proactive = tables.proactive_table(year, unit_ids)
    proactive_cells = {r: {c: len(v) for c, v in cols.items()} for r, cols in proactive.items()}
    last_proactive = {
        r: {c: len(v) for c, v in cols.items()}
        for r, cols in tables.proactive_table(year - 1, unit_ids).items()
    }
    failures = (
        tables.check_proactive_tables(proactive_cells, last_proactive)
        + tables.check_requests_table(requests)
        + tables.check_review_table(review_cells)
    )
    return {
        "year": year,
        "unit": {"code": unit.code, "name": unit.name_zh} if unit else None,
        "scope": "unit" if unit else "government (sum of all units)",
        "proactive_table": {
            "columns": [{"key": k, "label": label} for k, label in tables.PROACTIVE_COLUMNS],
            "rows": [
                {
                    "key": row,
                    "label": label,
                    "cells": proactive_cells[row],
                    "documents": proactive[row],
                }
                for row, label in tables.PROACTIVE_ROWS
            ],
        },
        "requests_table": {
            "columns": [{"key": k, "label": label} for k, label in tables.COLUMNS],
            "rows": [
                {
                    "key": row,
                    "label": label,
                    "cells": requests.cells[row],
                    "requests": requests.ids[row],
                }
                for row, label in tables.ROWS
            ],
        },
        "review_table": {
            "columns": [{"key": k, "label": label} for k, label in tables.REVIEW_COLUMNS],
            "groups": [
                {"key": group, "label": label, "cells": review_cells[group]}
                for group, label in tables.REVIEW_GROUPS
            ],
        },
        "fees_collected": {
            "label": "政府信息公开信息处理费（元）",
            "amount": str(fees[0]),
            "requests": fees[1],
        },
        "checks": {
            "passed": not failures,
            "failures": [{"cell": f.cell, "message": f.message} for f in failures],
        },
    }


class Command(BaseCommand):
    help = (
        "The annual report on government information disclosure (issue #6, in progress). "
        "`gongkai report annual --year 2025 [--unit CODE]` prints tables 三 and 四 as JSON, "
        "computed from the requests, with the request ids behind each cell and the checks."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=["annual"])
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", default="", help="a unit code (default: the government)")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        this_year = timezone.localdate().year
        if year > this_year:
            raise Abort(
                f"{year} 年尚未到来，无法生成年度报告 / {year} has not come yet: there is no "
                "report for a future year"
            )
        if year < 2008:
            raise Abort(
                f"{year} 年早于政府信息公开条例施行 / {year} is before government information "
                "disclosure began (2008)"
            )
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"].strip().upper()).first()
            if unit is None:
                raise Abort(
                    f"没有代码为 {options['unit']} 的单位 / there is no unit with code "
                    f"{options['unit']}"
                )
        data = annual_report_data(year, unit)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        if not data["checks"]["passed"]:
            raise Abort("年度报告的核对未通过 / the report's checks failed", returncode=1)
