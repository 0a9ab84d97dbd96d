"""The catalogue as a spreadsheet: XLSX and CSV exports (issue #3 §10; Regulation Art. 12).

Two catalogues are made from the same rows:

* the **staff catalogue** (:data:`CATALOGUE_COLUMNS`): every document a member of staff may
  see, in every publication state, with its disclosure attribute and grounds — a unit's own
  catalogue, or the whole catalogue for the Office. Downloaded from the back office
  (:func:`catalogue_export`, ``/backoffice/exports/catalogue/``) or with
  ``gongkai export-catalogue``;
* the **disclosure catalogue** (公开目录, :data:`PUBLIC_COLUMNS`): published documents only,
  with the index number, title, summary and date formed that Art. 12 requires. Downloaded
  from the portal's ``/catalogue/`` page or with ``gongkai export-catalogue --public``.

    rows = catalogue_rows(documents)          # headings first, then one tuple per document
    write_xlsx(rows, file)                    # or write_csv(rows, file)

The headings are in Chinese, as the catalogue is an official Chinese document whatever the
language of the page it is downloaded from; so are the labels of the choices.

Large catalogues stream: rows come from the database in chunks (``QuerySet.iterator``, the
body is never loaded), the XLSX is written with openpyxl's write-only workbook (rows go to a
temporary file as they come) and the CSV is written, or sent, a chunk at a time. Memory does
not grow with the number of documents.

Spreadsheet safety: a value starting with ``=``, ``+``, ``-`` or ``@`` would run as a formula
when the file is opened. XLSX cells are typed as text, so they never do; in CSV such values
get a leading apostrophe (the usual defence: Excel shows the value, not a formula). Control
characters that XLSX cannot hold are removed.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongkai.accounts.permissions import AccessDenied, Perm, has_perm, unit_ids_where
from gongkai.library.choices import (
    Art20Category,
    DisclosureAttribute,
    PublicationState,
    Topic,
    Validity,
    WithholdingGround,
)
from gongkai.library.models import Document

__all__ = [
    "CATALOGUE_COLUMNS",
    "FORMATS",
    "PUBLIC_COLUMNS",
    "Column",
    "catalogue_export",
    "catalogue_rows",
    "csv_chunks",
    "export_documents",
    "write_csv",
    "write_xlsx",
]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")
BOM = "\ufeff"
CHUNK_SIZE = 2000  # documents fetched per database round trip
CSV_FLUSH_CHARS = 64 * 1024
XLSX_MAX_CELL = 32767  # characters an XLSX cell can hold
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Fields the catalogue never reads: the body can be large (≈3 KB per document, far more for some).
NOT_LOADED = ("body", "body_text", "attribute_explanation", "withdrawn_reason")

Value = str | int | datetime.date | None


@dataclass(frozen=True)
class Column:
    """One column of a catalogue: its Chinese heading, width in XLSX and how to get the value."""

    heading: str
    width: int
    value: Callable[[Document, _Labels], Value]


class _Labels:
    """Chinese labels of the choices, looked up once per export (not once per cell)."""

    def __init__(self) -> None:
        with translation.override("zh-hans"):
            self.category = {v: str(label) for v, label in Art20Category.choices}
            self.topic = {v: str(label) for v, label in Topic.choices}
            self.attribute = {v: str(label) for v, label in DisclosureAttribute.choices}
            self.ground = {v: str(label) for v, label in WithholdingGround.choices}
            self.state = {v: str(label) for v, label in PublicationState.choices}
            self.validity = {v: str(label) for v, label in Validity.choices}


def _issuers(document: Document, labels: _Labels) -> str:
    """The issuing unit, then the joint issuers, as 甲局、乙局."""
    names = [document.unit.name_zh]
    names += [unit.name_zh for unit in document.co_issuers.all()]  # prefetched per chunk
    return "、".join(names)


def _grounds(document: Document, labels: _Labels) -> str:
    return "；".join(labels.ground.get(g, g) for g in document.withholding_grounds or [])


def _published_on(document: Document, labels: _Labels) -> datetime.date | None:
    if document.published_at is None:
        return None
    return timezone.localtime(document.published_at).date()


INDEX_NUMBER = Column("索引号", 22, lambda d, labels: d.index_number)
TITLE = Column("标题", 50, lambda d, labels: d.title)
SUMMARY = Column("摘要", 50, lambda d, labels: d.summary)
DOCUMENT_NUMBER = Column("文号", 22, lambda d, labels: d.document_number)
ISSUERS = Column("发布机构", 24, _issuers)
CATEGORY = Column("类别", 30, lambda d, labels: labels.category.get(d.category, d.category))
TOPIC = Column("主题", 20, lambda d, labels: labels.topic.get(d.topic, d.topic))
ATTRIBUTE = Column("公开属性", 12, lambda d, labels: labels.attribute.get(d.attribute, ""))
GROUNDS = Column("不公开理由", 30, _grounds)
STATE = Column("发布状态", 10, lambda d, labels: labels.state.get(d.state, d.state))
VALIDITY = Column("有效性", 10, lambda d, labels: labels.validity.get(d.validity, d.validity))
SIGNED = Column("成文日期", 12, lambda d, labels: d.signed_date)
PUBLISHED = Column("发布日期", 12, _published_on)
EFFECTIVE = Column("施行日期", 12, lambda d, labels: d.effective_date)
VALID_UNTIL = Column("有效期至", 12, lambda d, labels: d.valid_until)

#: The staff catalogue: everything about each document, whatever its state.
CATALOGUE_COLUMNS: tuple[Column, ...] = (
    INDEX_NUMBER,
    TITLE,
    DOCUMENT_NUMBER,
    ISSUERS,
    CATEGORY,
    TOPIC,
    ATTRIBUTE,
    GROUNDS,
    STATE,
    VALIDITY,
    SIGNED,
    PUBLISHED,
    EFFECTIVE,
    VALID_UNTIL,
)
#: The disclosure catalogue (公开目录, Art. 12): index number, title, summary, date formed, and
#: what a reader needs to find and judge the document.
PUBLIC_COLUMNS: tuple[Column, ...] = (
    INDEX_NUMBER,
    TITLE,
    SUMMARY,
    SIGNED,
    DOCUMENT_NUMBER,
    ISSUERS,
    CATEGORY,
    TOPIC,
    VALIDITY,
    PUBLISHED,
    EFFECTIVE,
    VALID_UNTIL,
)


def catalogue_rows(
    documents: QuerySet[Document], columns: Sequence[Column] = CATALOGUE_COLUMNS
) -> Iterator[tuple[Value, ...]]:
    """The headings, then one row per document of ``documents``, in index-number order.

    Lazy: documents are read in chunks of :data:`CHUNK_SIZE` with their unit and joint
    issuers (two or three queries per chunk, however many documents), without the body.
    """
    labels = _Labels()
    yield tuple(column.heading for column in columns)
    queryset = (
        documents.select_related("unit")
        .prefetch_related("co_issuers")
        .defer(*NOT_LOADED)
        .order_by("index_number")
    )
    for document in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield tuple(column.value(document, labels) for column in columns)


# Writers ------------------------------------------------------------------------------------


def _xlsx_text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_MAX_CELL]


def write_xlsx(
    rows: Iterable[Sequence[Value]],
    file: IO[bytes] | str,
    *,
    sheet_title: str = "目录",
    widths: Sequence[int] = (),
) -> int:
    """Write ``rows`` (headings first) to ``file`` as one XLSX sheet; return the data rows.

    The workbook is write-only: each row is written out as it comes, so memory stays flat.
    The heading row is bold and frozen; dates are real dates shown as 2020-03-02; text is
    stored as text (a value starting with ``=`` is not a formula).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    bold = Font(bold=True)
    count = -1
    for row in rows:
        if count < 0:  # the headings: settings that must precede the rows in the file
            for index, heading in enumerate(row, start=1):
                width = widths[index - 1] if index <= len(widths) else _width(heading)
                sheet.column_dimensions[get_column_letter(index)].width = width
            sheet.freeze_panes = "A2"
            headings = []
            for heading in row:
                cell = WriteOnlyCell(sheet, value=_xlsx_text(str(heading)))
                cell.font = bold
                headings.append(cell)
            sheet.append(headings)
            count = 0
            continue
        cells: list[Any] = []
        for value in row:
            if isinstance(value, str):
                text = _xlsx_text(value)
                if text.startswith("="):
                    cell = WriteOnlyCell(sheet, value=text)
                    cell.data_type = "s"  # openpyxl would store it as a formula
                    cells.append(cell)
                else:
                    cells.append(text)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(file)
    return max(count, 0)


def _width(heading: Any) -> int:
    text = str(heading)
    return max(10, sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) + 4)


def _csv_value(value: Value) -> Value:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(rows: Iterable[Sequence[Value]]) -> Iterator[str]:
    """``rows`` as CSV text in chunks of about 64 KB, starting with a byte-order mark (BOM).

    The BOM makes Excel read the file as UTF-8, so Chinese shows correctly.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
        if buffer.tell() >= CSV_FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def write_csv(rows: Iterable[Sequence[Value]], file: IO[bytes] | IO[str]) -> int:
    """Write ``rows`` (headings first) to ``file`` as UTF-8 CSV with a BOM; return data rows.

    ``file`` may be binary (UTF-8 is written) or text (opened with ``newline=""``).
    """
    counted = _Counter(rows)
    binary = not isinstance(file, io.TextIOBase)
    for chunk in csv_chunks(counted):
        file.write(chunk.encode("utf-8") if binary else chunk)  # type: ignore[arg-type]
    return max(counted.count - 1, 0)


class _Counter:
    """Passes rows through, counting them."""

    def __init__(self, rows: Iterable[Sequence[Value]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Value]]:
        for row in self.rows:
            self.count += 1
            yield row


# Downloads ----------------------------------------------------------------------------------


def export_documents(
    documents: QuerySet[Document],
    fmt: str,
    *,
    filename: str,
    columns: Sequence[Column] = CATALOGUE_COLUMNS,
    sheet_title: str = "目录",
) -> HttpResponseBase:
    """A download of ``documents`` as ``fmt`` (``xlsx`` or ``csv``) named ``filename``.

    CSV streams straight to the client. XLSX is a zip whose directory is written last, so it
    is built in a temporary file (on disk past a few MB) and then streamed from there.
    """
    rows = catalogue_rows(documents, columns)
    if fmt == "csv":
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in csv_chunks(rows)), content_type=CSV_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # FileResponse closes it
    write_xlsx(rows, spool, sheet_title=sheet_title, widths=[c.width for c in columns])
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )


def _bad_request(zh: str, en: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(f"{zh} / {en}", content_type="text/plain; charset=utf-8")


@staff_member_required
def catalogue_export(request: HttpRequest) -> HttpResponseBase:
    """The staff catalogue as XLSX or CSV: ``?format=xlsx|csv[&unit=CODE]``.

    Staff get the documents of their own units (owner or joint issuer), in every state,
    through :func:`gongkai.library.selectors.documents_for`; the Office gets every unit's.
    ``unit`` narrows it to the documents one unit issued; a unit the user cannot see answers
    404, as if it did not exist.
    """
    from gongkai.library.selectors import documents_for
    from gongkai.units.models import Unit

    user = request.user
    ids = unit_ids_where(user, Perm.UNIT_VIEW_INTERNAL)
    if ids is not None and not ids.exists():
        raise AccessDenied(
            "您不属于任何单位，没有可导出的目录 / You belong to no unit: there is no "
            "catalogue to export"
        )
    fmt = request.GET.get("format", "xlsx").strip().lower()
    if fmt not in FORMATS:
        return _bad_request("导出格式只能是 xlsx 或 csv", "The export format must be xlsx or csv.")
    documents = documents_for(user)
    code = request.GET.get("unit", "").strip()
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None or not has_perm(user, Perm.UNIT_VIEW_INTERNAL, unit):
            raise Http404(_("There is no unit with this code."))
        documents = documents.filter(unit=unit)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return export_documents(
        documents, fmt, filename=f"catalogue-{code or 'all'}-{stamp}", sheet_title="目录"
    )
