"""``gongkai import-documents MANIFEST --as USERNAME [--files DIR] [--dry-run]``.

Imports historical documents from a CSV or XLSX manifest (issue #3 §8); see
:mod:`gongkai.library.importing` and the README section "Importing documents".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, OutputWrapper

from gongkai.accounts.models import User
from gongkai.accounts.permissions import is_office
from gongkai.cli import Abort
from gongkai.core.management.commands._common import positive_number
from gongkai.library.importing import (
    BATCH_SIZE,
    COLUMNS,
    ImportInterrupted,
    ImportReport,
    ManifestError,
    import_documents,
    open_manifest,
)


class Command(BaseCommand):
    help = (
        "Import historical documents from a CSV (UTF-8 with or without BOM, or GBK/GB18030) "
        "or XLSX manifest, one row per document. The first row holds the column headings, in "
        "Chinese or as field names: "
        + ", ".join(f"{zh}/{name}" for name, zh in COLUMNS.items())
        + ". A row with an index number updates the document with that index number; "
        "without one, document number + unit (or, without a document number, unit + title + "
        "signed date) identify the document, so re-running a manifest updates instead of "
        "duplicating. Every bad row is reported with its row number and column and skipped; "
        "the valid rows are imported, in batches (one transaction each): after a crash or "
        "Ctrl-C, run the same command again to finish. The account given with --as must be an "
        "Office administrator. Exit status: 0 all rows imported, 1 some rows had problems, "
        "2 the manifest could not be read. Usage: gongkai import-documents MANIFEST --as USER "
        "[--files DIR] [--dry-run] (Django's name for it: import_documents)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("manifest", help="The .csv or .xlsx manifest.")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="The Office administrator the import acts as (it is audited).",
        )
        parser.add_argument(
            "--files",
            dest="files",
            metavar="DIR",
            help="The folder holding the files the manifest names (DOCX, PDF, TXT, …).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report every problem, but change nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_number,
            default=BATCH_SIZE,
            help=f"Rows per transaction (default {BATCH_SIZE}).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw the progress bar."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise Abort(f"没有名为 {username} 的有效账号 / no active account is named {username}")
        if not is_office(user):
            raise Abort(
                f"{username} 不是委办管理员：只有管委会办公室可以导入文件 / {username} is not "
                "an Office administrator: only the Office can import documents"
            )
        path = Path(options["manifest"])
        if not path.is_file():
            raise Abort(f"找不到文件 {path} / no such file: {path}")
        files_dir = Path(options["files"]) if options["files"] else None
        if files_dir is not None and not files_dir.is_dir():
            raise Abort(f"找不到文件夹 {files_dir} / no such folder: {files_dir}")
        try:
            manifest = open_manifest(path)
        except ManifestError as exc:
            raise Abort(f"{path.name}: {exc}") from None

        bar = None if options["no_progress"] else ProgressBar(self.stderr)
        try:
            report = import_documents(
                manifest=manifest,
                by=user,
                files_dir=files_dir,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                progress=bar,
            )
        except ImportInterrupted as exc:
            if bar is not None:
                bar.finish()
            self._print_report(exc.report)
            raise Abort(
                f"已中断：已写入 {exc.report.done} 行；再次运行同一命令即可完成导入 / "
                f"interrupted after {exc.report.done} rows: run the same command again to "
                "finish",
                returncode=130,
            ) from None
        except ManifestError as exc:  # the file changed or broke while it was read
            if bar is not None:
                bar.finish()
            raise Abort(f"{path.name}: {exc}") from None
        if bar is not None:
            bar.finish()
        self._print_report(report)
        if report.errors:
            raise Abort(
                f"{report.error_rows} 行有问题（见上）/ {report.error_rows} row(s) with "
                "problems (see above)",
                returncode=1,
            )

    def _print_report(self, report: ImportReport) -> None:
        for error in report.errors:
            self.stdout.write(str(error))
        self.stdout.write(report.summary())
        if report.relations:
            self.stdout.write(
                f"新增关联 {report.relations} 条 / {report.relations} relation(s) added"
            )
        if report.elapsed and report.done:
            rate = report.done / report.elapsed
            self.stdout.write(
                f"用时 {report.elapsed:.1f} 秒，每秒 {rate:.0f} 行 / {report.elapsed:.1f} s, "
                f"{rate:.0f} rows/s"
            )


class ProgressBar:
    """``[#####.....] 12,000/100,000 12% 512 rows/s ETA 2:31`` on stderr, redrawn in place
    at most twice a second (one line per batch when stderr is not a terminal)."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper | TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.last_drawn = 0.0
        self.phase = ""
        self.drawn = False
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, phase: str = "rows") -> None:
        now = time.monotonic()
        if phase != self.phase:
            if self.drawn:
                self._write("\n")
            self.phase, self.started = phase, now
        elif self.tty and now - self.last_drawn < 0.5 and done < total:
            return
        self.last_drawn = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        share = done / total if total else 1.0
        filled = int(self.WIDTH * share)
        left = (total - done) / rate if rate else 0.0
        label = "行 rows" if phase == "rows" else "关联 relations"
        line = (
            f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {label} {done:,}/{total:,} "
            f"{share:4.0%} {rate:,.0f}/s ETA {int(left) // 60}:{int(left) % 60:02d}"
        )
        self._write(("\r" + line) if self.tty else (line + "\n"))
        self.drawn = self.tty

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, style_func=_plain, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self._write("\n")
            self.drawn = False


def _plain(text: str) -> str:
    return text
