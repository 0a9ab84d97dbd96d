"""``gongkai export-catalogue --format xlsx|csv [--unit CODE] [--public] OUTPUT``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from gongkai.cli import Abort
from gongkai.library.choices import PublicationState
from gongkai.library.exports import (
    CATALOGUE_COLUMNS,
    FORMATS,
    PUBLIC_COLUMNS,
    catalogue_rows,
    write_csv,
    write_xlsx,
)
from gongkai.library.models import Document


class Command(BaseCommand):
    help = (
        "Write the catalogue of documents to OUTPUT as XLSX or CSV (UTF-8 with a BOM, so Excel "
        "shows Chinese correctly), with Chinese column headings, in index-number order. "
        "Without --public: every document in every state, with its disclosure attribute and "
        "grounds (the staff catalogue). With --public: the disclosure catalogue (公开目录, "
        "Regulation Art. 12) of published documents only, as the portal offers it. --unit CODE "
        "keeps the documents one unit issued. OUTPUT - writes CSV to standard output. "
        "Large catalogues are streamed: memory does not grow with the number of documents. "
        "Usage: gongkai export-catalogue --format xlsx|csv [--unit CODE] [--public] OUTPUT "
        "(Django's name for it: export_catalogue)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("output", metavar="OUTPUT", help="The file to write, or - (CSV).")
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=FORMATS,
            help="xlsx or csv; by default taken from OUTPUT's extension.",
        )
        parser.add_argument("--unit", metavar="CODE", help="Only the documents of this unit.")
        parser.add_argument(
            "--public",
            action="store_true",
            help="The public disclosure catalogue: published documents only.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gongkai.units.models import Unit

        output: str = options["output"]
        fmt = options["fmt"] or _format_from_name(output)
        if fmt is None:
            raise Abort(
                "请用 --format xlsx 或 --format csv 指定格式 / give the format with "
                "--format xlsx or --format csv"
            )
        if output == "-" and fmt != "csv":
            raise Abort("只有 CSV 可以写到标准输出 / only CSV can be written to standard output")

        documents = Document.objects.all()
        columns = CATALOGUE_COLUMNS
        if options["public"]:
            documents = documents.filter(state=PublicationState.PUBLISHED)
            columns = PUBLIC_COLUMNS
        code = (options["unit"] or "").strip()
        if code:
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                raise Abort(f"没有代码为 {code} 的单位 / no unit has the code {code}")
            documents = documents.filter(unit=unit)

        rows = catalogue_rows(documents, columns)
        title = "公开目录" if options["public"] else "目录"
        if output == "-":
            write_csv(rows, sys.stdout.buffer)
            sys.stdout.flush()
            return
        path = Path(output)
        if not path.parent.is_dir():
            raise Abort(f"文件夹 {path.parent} 不存在 / no such folder: {path.parent}")
        partial = path.with_name(f".{path.name}.part")
        try:
            with partial.open("wb") as file:
                if fmt == "xlsx":
                    widths = [column.width for column in columns]
                    count = write_xlsx(rows, file, sheet_title=title, widths=widths)
                else:
                    count = write_csv(rows, file)
            partial.replace(path)  # a crash leaves no half-written OUTPUT behind
        except OSError as exc:
            raise Abort(f"无法写入 {path}：{exc} / cannot write {path}: {exc}") from None
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            f"已导出 {count} 件文件到 {path} / exported {count} document(s) to {path}"
        )


def _format_from_name(name: str) -> str | None:
    suffix = Path(name).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None
