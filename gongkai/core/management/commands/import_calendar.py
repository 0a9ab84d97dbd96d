"""``gongkai import_calendar FILE --as USERNAME --year YYYY``: load a year's official holidays."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from gongkai.accounts.models import User
from gongkai.accounts.permissions import AccessDenied
from gongkai.cli import Abort
from gongkai.core.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarFileError,
    CalendarImportError,
    calendar_import_year,
    read_notice,
    require_calendar_editor,
)


def _year(value: str) -> int:
    try:
        year = int(value)
    except ValueError:
        year = 0
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise argparse.ArgumentTypeError(
            f"{value!r} 不是有效年份（{MIN_YEAR}–{MAX_YEAR}）/ "
            f"{value!r} is not a year from {MIN_YEAR} to {MAX_YEAR}"
        )
    return year


class Command(BaseCommand):
    help = (
        "Load one year's working-day calendar from the State Council's notice on public "
        "holidays, typed into an XLSX or CSV sheet (CSV in UTF-8 or GB18030). The first row "
        "holds the headings 日期/date, 类型/type and optionally 名称/name. One row per day that "
        "differs from the usual week: a weekday off (类型 放假, 休息, holiday or rest) or a "
        "weekend day that works (上班, 调休上班 or workday); weekends off and weekdays at work "
        "need no row. Dates as 2027-01-01, 2027/1/1 or spreadsheet dates. The year's earlier "
        "holidays and corrections are replaced and the year is marked confirmed. Office "
        "accounts only; audited. All or nothing: every problem is listed with its row "
        "number, nothing is saved and the exit status is 1. Usage: gongkai import-calendar "
        "FILE --as USERNAME --year YYYY [--notice TEXT] [--dry-run] (Django's name for it: "
        "import_calendar)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The .xlsx or .csv file to import.")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="The Office account the import acts as (it is audited).",
        )
        parser.add_argument(
            "--year",
            type=_year,
            required=True,
            metavar="YYYY",
            help="The year the notice is for; every date must lie in it.",
        )
        parser.add_argument(
            "--notice",
            default="",
            metavar="TEXT",
            help="The notice's reference, e.g. 国办发明电〔2026〕5号 (kept with the year).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change, but save nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username, year = options["username"], options["year"]
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise Abort(f"没有名为 {username} 的有效账号 / no active account is named {username}")
        try:
            require_calendar_editor(user)  # before reading the file: say so at once
        except AccessDenied as exc:
            raise Abort(str(exc)) from None
        path = Path(options["file"])
        if not path.is_file():
            raise Abort(f"找不到文件 {path} / no such file: {path}")
        try:
            rows = read_notice(path, year=year)
            report = calendar_import_year(
                year=year,
                rows=rows,
                by=user,
                notice=options["notice"],
                via="cli",
                dry_run=options["dry_run"],
            )
        except CalendarFileError as exc:
            raise Abort(f"{path.name}: {exc}") from None
        except CalendarImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise Abort(
                f"{len(exc.errors)} 处错误，未保存任何内容 / {len(exc.errors)} "
                "problem(s): nothing was saved",
                returncode=1,
            ) from None

        counts = (year, len(report.rest_days), len(report.working_days))
        if report.dry_run:
            self.stdout.write(
                "检查通过，未保存：{} 年将有 {} 个工作日放假、{} 个周末上班 / check passed, "
                "nothing saved: {} would have {} weekday(s) off and {} weekend day(s) at "
                "work".format(*counts, *counts)
            )
        else:
            self.stdout.write(
                "导入完成：{} 年工作日历已确认，{} 个工作日放假、{} 个周末上班 / import done: "
                "the {} calendar is confirmed, {} weekday(s) off and {} weekend day(s) at "
                "work".format(*counts, *counts)
            )
        for line in report.added:
            self.stdout.write(f"+ {line}")
        for line in report.removed:
            self.stdout.write(f"- {line}")
