"""``gongkai import_units FILE --as USERNAME``: load units (单位) from an XLSX or CSV sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from gongkai.accounts.models import User
from gongkai.cli import Abort
from gongkai.units.importing import COLUMNS, ImportFileError, import_units, read_rows


class Command(BaseCommand):
    help = (
        "Create or update units (单位) from an XLSX or CSV spreadsheet (CSV in UTF-8 or "
        "GB18030). The first row holds the column headings, in Chinese or as field names: "
        + ", ".join(f"{zh}/{name}" for name, zh in COLUMNS.items())
        + ". A known unit code updates that unit, a new one creates it. The account given "
        "with --as needs the same permission as in the back office: the Office creates "
        "units, a unit admin may update their own unit. All or nothing: if any row has a "
        "problem, every problem is listed with its row number, nothing is saved and the "
        "exit status is 1. Usage: gongkai import-units FILE --as USERNAME [--dry-run] "
        "(Django's name for it: import_units)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The .xlsx or .csv file to import.")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="The staff account the import acts as (its permissions apply; it is audited).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change, but save nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise Abort(f"没有名为 {username} 的有效账号 / no active account is named {username}")
        path = Path(options["file"])
        if not path.is_file():
            raise Abort(f"找不到文件 {path} / no such file: {path}")
        try:
            rows = read_rows(path)
        except ImportFileError as exc:
            raise Abort(f"{path.name}: {exc}") from None

        report = import_units(
            rows=rows, by=user, dry_run=options["dry_run"], progress=self._progress
        )
        if rows:
            self.stderr.write("", style_func=_plain)

        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise Abort(
                f"{len(report.errors)} 处错误，未保存任何内容 / {len(report.errors)} "
                "problem(s): nothing was saved",
                returncode=1,
            )
        counts = (len(report.created), len(report.updated), len(report.unchanged))
        if report.dry_run:
            self.stdout.write(
                "检查通过，未保存：将新建 {} 个、更新 {} 个、{} 个不变 / check passed, nothing "
                "saved: {} would be created, {} updated, {} unchanged".format(*counts, *counts)
            )
        else:
            self.stdout.write(
                "导入完成：新建 {} 个、更新 {} 个、{} 个不变 / import done: {} created, "
                "{} updated, {} unchanged".format(*counts, *counts)
            )

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"\r导入 / importing {done}/{total}", style_func=_plain, ending="")
        self.stderr.flush()


def _plain(text: str) -> str:
    return text
