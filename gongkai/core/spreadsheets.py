"""Reading small uploaded tables (XLSX or CSV) row by row, for imports that hold the file in
memory (units, the working-day calendar). Each caller turns :class:`SpreadsheetError` into
its own bilingual error type. Large manifests stream from disk instead (library/importing.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

# Signatures of files that are not CSV text: PDF, ZIP (xlsx, docx), old Office.
NOT_TEXT = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


class SpreadsheetError(Exception):
    """The bytes are not a readable table; ``message`` is a lazy translation, ``params`` its
    placeholders."""

    def __init__(self, message: Any, params: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.params = params


def xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cell values) of the first sheet of an XLSX workbook."""
    from openpyxl import load_workbook

    # openpyxl fails in many ways on a file that is not a workbook (a renamed PDF, a
    # .docx, a damaged file): every one of them means "not a valid XLSX spreadsheet".
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise SpreadsheetError(_("The file is not a valid XLSX spreadsheet.")) from None
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write wrong dimensions; read every row
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    except Exception:
        raise SpreadsheetError(_("The file is not a valid XLSX spreadsheet.")) from None
    finally:
        workbook.close()


def csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of CSV text in UTF-8 (with or without BOM) or GB18030."""
    if data.startswith(NOT_TEXT) or b"\x00" in data:
        raise SpreadsheetError(_("The file is not a CSV text file."))
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Excel saves CSV as GB18030
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(_("The file is neither UTF-8 nor GB18030 text."))
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    except csv.Error as exc:
        raise SpreadsheetError(
            _("The file is not a valid CSV file: %(reason)s"), {"reason": exc}
        ) from None


def table_rows(data: bytes, suffix: str) -> Iterator[tuple[int, list[Any]]]:
    """The rows of ``data`` read as XLSX when ``suffix`` is ``.xlsx``, else as CSV."""
    return xlsx_rows(data) if suffix == ".xlsx" else csv_rows(data)
