"""``gongkai report``: the annual report on government-information disclosure (issue #6).

``gongkai report annual --year YYYY [--unit CODE] [--format json|html|docx|pdf|xlsx]
[--output FILE]`` prints or writes the report of a unit (default: the whole government):

* ``json`` (the default): :func:`selectors.report_data` — sections, tables 二/三/四 with each
  row and column's official Chinese label beside its key, the requests (or documents, cases)
  behind every cell for the drill-down, the fees of section 六, the result of every check of
  REGULATION.md §8 and the chain to last year;
* ``html``, ``docx``, ``pdf``, ``xlsx``: the report's file in the official layout
  (``annual_reports/render.py``; no ids). Binary formats go to ``--output`` or to standard
  output as bytes.

Exit status 0 when every check holds, 1 when one fails (the output is written all the same).

``gongkai report import-past-year FILE --as USERNAME [--dry-run]`` reads a past year from the
XLSX layout (``annual_reports/importing.py``) and records it with
:func:`services.report_import_past_year`; exit status 1 with every problem listed when the
file or its figures are wrong.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from gongkai.accounts.models import User
from gongkai.accounts.permissions import AccessDenied
from gongkai.annual_reports import render, selectors, services
from gongkai.annual_reports.importing import read_past_year_xlsx
from gongkai.cli import Abort, one_line
from gongkai.units.models import Unit

FORMATS = ("json", "html", "docx", "pdf", "xlsx")


class _DryRun(Exception):
    """Rolls back a dry run's import."""


def _messages(error: ValidationError) -> list[str]:
    return [one_line(message) for message in error.messages]


class Command(BaseCommand):
    help = (
        "The annual report on government information disclosure (issue #6). "
        "`gongkai report annual --year 2025 [--unit CODE] [--format json|html|docx|pdf|xlsx] "
        "[--output FILE]` prints (JSON, with the ids behind each cell and the checks) or "
        "writes the report in the official layout; exit status 1 when a check fails. "
        "`gongkai report import-past-year FILE --as USERNAME [--dry-run]` records a year "
        "before the platform from the XLSX layout."
    )

    def add_arguments(self, parser: Any) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        annual = kinds.add_parser("annual", help="A year's report (JSON or a document).")
        annual.add_argument("--year", type=int, required=True)
        annual.add_argument("--unit", default="", help="a unit code (default: the government)")
        annual.add_argument("--format", choices=FORMATS, default="json")
        annual.add_argument(
            "--output", default="", metavar="FILE", help="write to FILE (default: stdout)"
        )
        past = kinds.add_parser(
            "import-past-year", help="Record a past year's report from its XLSX workbook."
        )
        past.add_argument("file", help="the .xlsx workbook (sheets 说明, 表二, 表三, 表四)")
        past.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="the staff account the import acts as (its permissions apply; audited)",
        )
        past.add_argument(
            "--dry-run", action="store_true", help="check everything but save nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "import-past-year":
            self._import(options)
        else:
            self._annual(options)

    # --- annual ----------------------------------------------------------------------------

    def _annual(self, options: dict[str, Any]) -> None:
        year = options["year"]
        try:
            services.check_year(year)
        except ValidationError as exc:
            raise Abort(" ".join(_messages(exc))) from None
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"].strip().upper()).first()
            if unit is None:
                raise Abort(
                    f"没有代码为 {options['unit']} 的单位 / there is no unit with code "
                    f"{options['unit']}"
                )
        data = selectors.report_data(year=year, unit=unit)
        fmt = options["format"]
        output: str | bytes
        if fmt == "json":
            output = json.dumps(data, ensure_ascii=False, indent=2)
        elif fmt == "html":
            output = render.report_html(selectors.public_data(data))
        else:
            makers = {
                "docx": render.report_docx,
                "pdf": render.report_pdf,
                "xlsx": render.report_xlsx,
            }
            output = makers[fmt](selectors.public_data(data))
        self._write(output, options["output"])
        if not data["checks"]["passed"]:
            if fmt != "json":
                for failure in data["checks"]["failures"]:
                    self.stderr.write(one_line(f"{failure['cell']}：{failure['message']}"))
            raise Abort("年度报告的核对未通过 / the report's checks failed", returncode=1)

    def _write(self, output: str | bytes, path: str) -> None:
        if path:
            target = Path(path)
            try:
                if isinstance(output, bytes):
                    target.write_bytes(output)
                else:
                    target.write_text(output + ("" if output.endswith("\n") else "\n"), "utf-8")
            except OSError as exc:
                raise Abort(
                    f"无法写入 {target}：{exc.strerror} / cannot write {target}: {exc.strerror}"
                ) from None
            self.stderr.write(f"已写入 / written: {target}")
        elif isinstance(output, bytes):
            self.stdout.flush()
            sys.stdout.buffer.write(output)
            sys.stdout.buffer.flush()
        else:
            self.stdout.write(output)

    # --- import-past-year ------------------------------------------------------------------

    def _import(self, options: dict[str, Any]) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise Abort(f"没有名为 {username} 的有效账号 / no active account is named {username}")
        path = Path(options["file"])
        if not path.is_file():
            raise Abort(f"找不到文件 {path} / no such file: {path}")
        try:
            parsed = read_past_year_xlsx(path)
        except ValidationError as exc:
            self._fail(path.name, _messages(exc))
        unit = Unit.objects.filter(code=parsed["unit_code"]).first()
        if unit is None:
            self._fail(
                path.name,
                [
                    f"「{render.INFO_SHEET} B3」没有代码为 {parsed['unit_code']} 的单位 / "
                    f"{render.INFO_SHEET} B3: there is no unit with code {parsed['unit_code']}"
                ],
            )
        year = parsed["year"]
        existed = selectors.report_for(unit, year) is not None
        try:
            with transaction.atomic():
                report, changed = services.report_import_past_year(
                    unit=unit,
                    year=year,
                    tables_data=parsed["tables"],
                    figures=parsed["figures"],
                    by=user,
                    via="import",
                )
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write(
                f"检查通过，未保存：{unit.name_zh} {year} 年度报告可以导入 / check passed, "
                f"nothing saved: the {year} report of {unit.code} can be imported"
            )
            return
        except ValidationError as exc:
            self._fail(path.name, _messages(exc))
        except AccessDenied as exc:
            raise Abort(one_line(exc)) from None
        if changed:
            zh, en = ("已更新", "updated") if existed else ("已导入", "created")
            self.stdout.write(
                f"{zh}：{unit.name_zh} {year} 年度报告 / {en}: the {year} report of "
                f"{unit.code} (#{report.pk})"
            )
        else:
            self.stdout.write(
                f"未改变：{unit.name_zh} {year} 年度报告已是这些数据 / unchanged: the {year} "
                f"report of {unit.code} already holds these figures"
            )

    def _fail(self, name: str, messages: list[str]) -> NoReturn:
        for message in messages:
            self.stderr.write(f"{name}: {message}")
        raise Abort(
            f"{len(messages)} 处错误，未保存任何内容 / {len(messages)} problem(s): nothing was "
            "saved",
            returncode=1,
        )
