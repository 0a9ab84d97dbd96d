"""Bulk import of historical documents (issue #3 §8 and "Bad input").

The Office loads the documents a unit published before the platform existed from a manifest:
a CSV or XLSX sheet with one row per document (columns: :data:`COLUMNS`, README "Importing
documents"), and a folder holding the files the rows name.

    manifest = open_manifest("manifest.csv")          # the header is checked: ManifestError
    report = import_documents(manifest=manifest, by=office_user, files_dir=Path("files"))
    for error in report.errors:
        print(error)         # 第 12 行 [文号] … / row 12 [document_number] …

Every row is checked completely and each problem is reported with its row number, column and
a reason in Chinese and English. Valid rows are imported, bad rows are skipped; with
``dry_run`` nothing is written and the report says what would happen.

Identity (what makes a re-run update instead of duplicating):

* a row with an index number (索引号) *is* the document with that index number. It is refused
  when that document belongs to another unit, or was not made by an import and has a different
  document number (a clash);
* otherwise document number (normalised) + unit identify the document;
* otherwise unit + title + signed date (a row without index number and document number).

Re-running the same manifest changes nothing and writes no audit entry; a changed row updates
its document through :func:`~gongkai.library.services.document_update`. Rows are written in
batches (``batch_size``, one transaction each), so a crash or Ctrl-C loses at most the batch
in progress, and a re-run finds the rows already written and finishes the job.

Relations (废止 repeals, 修订 revises) name other documents by index number or document
number: in the library or anywhere in the manifest (earlier or later rows). They are added in
a second pass, after every row has been written; a relation from a published document marks
its target repealed or revised, as :func:`~gongkai.library.services.relation_add` does.

Speed (issue #3: 100,000 documents in under five minutes): one
:func:`~gongkai.library.services.document_create` call per row (an index-serial row lock, key
areas, joint issuers and an audit entry per document, each its own statement) and one
``relation_add`` per relation (about ten statements) are too slow. So:

* new documents are written per batch by :func:`_create_documents`, under exactly the rules
  of ``document_create``: the same sanitiser (:func:`sanitize_body`, :func:`body_to_text`),
  :func:`~gongkai.library.services.validate_document` and ``full_clean``, the index-number
  format of ``services._next_index_number`` (the batch's counters read locked once and
  updated once), and one audit entry per document — ``create`` for a draft as
  ``document_create`` writes it, ``import`` for a historical document created published (the
  import's own transition, :func:`_mark_published`) — inserted in bulk;
* relations are written per batch by :func:`_create_relations`, under the rules of
  ``relation_add`` and ``services.apply_relations`` (same effects, transitions, audit entries
  and change notes); if the database refuses a batch, each goes through ``relation_add``;
* large imports overlap their work: bodies are sanitised one batch ahead in a helper process
  and batches are written by a writer thread while the next one is checked (:class:`_Writer`).

Updates of existing documents, attachments and validity changes go through the services
(``document_update``, ``attachment_add``, ``document_set_validity``) with ``check=False``,
after one check that the importing user is an Office administrator: imports are the
Office's. Draft documents published by a later run get :func:`_mark_published`.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import csv
import datetime
import hashlib
import io
import logging
import multiprocessing
import queue
import re
import signal
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.models import User
from gongkai.accounts.permissions import AccessDenied, is_office
from gongkai.core.audit import snapshot
from gongkai.core.dbstats import refresh_statistics
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.core.spreadsheets import NOT_TEXT
from gongkai.library import attachments, services
from gongkai.library.choices import (
    Art20Category,
    ChangeKind,
    DisclosureAttribute,
    DocumentKind,
    KeyArea,
    PublicationState,
    RelationKind,
    Topic,
    Validity,
    WithholdingGround,
)
from gongkai.library.models import (
    Attachment,
    Document,
    DocumentChange,
    DocumentKeyArea,
    DocumentRelation,
    IndexSerial,
)
from gongkai.library.numbers import DocumentNumberError, parse_document_number
from gongkai.library.sanitize import body_to_text, sanitize_body, text_to_body
from gongkai.search.models import IndexChange
from gongkai.search.outbox import documents_changed
from gongkai.units.models import Unit

logger = logging.getLogger("gongkai.library.import")

__all__ = [
    "COLUMNS",
    "EXTENSIONS",
    "ImportInterrupted",
    "ImportReport",
    "Manifest",
    "ManifestError",
    "RowError",
    "import_documents",
    "open_manifest",
]

# The manifest's columns: field name → Chinese heading. Either may head a column.
COLUMNS: dict[str, str] = {
    "unit": "单位代码",
    "co_issuers": "联合发文单位",
    "title": "标题",
    "title_en": "英文标题",
    "summary_en": "英文摘要",
    "document_number": "文号",
    "index_number": "索引号",
    "kind": "类型",
    "category": "公开类别",
    "topic": "主题",
    "key_areas": "重点领域",
    "signed_date": "成文日期",
    "published_date": "发布日期",
    "effective_date": "施行日期",
    "valid_until": "有效期至",
    "attribute": "公开属性",
    "withholding_grounds": "不公开理由",
    "attribute_explanation": "理由说明",
    "validity": "有效性",
    "summary": "摘要",
    "body": "正文",
    "files": "附件",
    "state": "状态",
    "repeals": "废止",
    "revises": "修订",
}
REQUIRED_COLUMNS = ("unit", "title", "kind")
EXTENSIONS = (".csv", ".xlsx")
ROW = "_row"  # key of the row number in each row read
EXTRA = "_extra"  # set when a row has a value in a column without a heading
BODY = "_body"  # the body sanitised ahead of time (html, plain text), see _BodyWorker
BATCH_SIZE = 500
# Rows written by one import after which the tables' planner statistics are refreshed
# (core/dbstats.py): a big import changes what the best plan for a public list is.
ANALYZE_AFTER_ROWS = 1000
VIA = "import"
# Manifest columns that are Document fields set through the services.
TEXT_FIELDS = ("title", "title_en", "summary", "summary_en", "attribute_explanation")
DATE_FIELDS = ("signed_date", "effective_date", "valid_until")
RELATION_COLUMNS = {"repeals": RelationKind.REPEALS, "revises": RelationKind.REVISES}
# An index number: ASCII letters, digits and / - _ . (it is part of the document's URL).
INDEX_NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z/_.\-]{0,63}")
# The form services._next_index_number generates: <unit code>/<category or 00>-<year>-<serial>.
GENERATED_INDEX_RE = re.compile(
    r"(?P<code>[A-Z][A-Z0-9]{1,15})/(?P<category>\d\d)-(?P<year>\d{4})-(?P<serial>\d{5,9})"
)
_LIST_SEPARATORS = re.compile(r"[、,，;；/\n]+")
_REF_SEPARATORS = re.compile(r"[、,，;；\s]+")
_FILE_SEPARATORS = re.compile(r"[;；\n]+")
_DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE_RE = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_CSV_FIELD_LIMIT = 16 * 1024 * 1024


# --- Messages ----------------------------------------------------------------------------


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _bilingual(message: Any, params: Any = None) -> tuple[str, str]:
    """``message`` (lazy, or a plain "中文 / English" string) in Chinese and in English."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(str(message % params if params else message))
    zh, en = texts
    if isinstance(message, str) and zh == en and " / " in zh:  # a services' "中文 / English"
        zh, en = (part.strip() for part in zh.split(" / ", 1))
    return zh, en


class _Listing:
    """Items joined the Chinese way (、) or the English way (, ), by the active language."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = [str(item) for item in items]

    def __str__(self) -> str:
        return (", " if _english() else "、").join(self.items)


class _Localized:
    """A message parameter with a Chinese and an English form (shown by the active language)."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return self.en if _english() else self.zh


class _Heading:
    """A column's heading in the active language (the field name in English)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name if _english() else COLUMNS.get(self.name, self.name)


class ManifestError(Exception):
    """The manifest cannot be read as a table of documents; the message is bilingual."""

    def __init__(self, message: Any, params: Any = None) -> None:
        self.message_zh, self.message_en = _bilingual(message, params)
        super().__init__(f"{self.message_zh} / {self.message_en}")

    @property
    def message(self) -> str:
        return self.message_en if _english() else self.message_zh


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C during an import: the batches written so far stay; ``report`` says how far."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__()
        self.report = report


@dataclass(frozen=True)
class RowError:
    """One problem of one row; ``field`` is empty when it concerns the whole row."""

    row: int
    field: str
    message_zh: str
    message_en: str

    @property
    def column(self) -> str:
        """The column's heading in the active language (Chinese heading or field name)."""
        if self.field not in COLUMNS:
            return ""
        return self.field if _english() else COLUMNS[self.field]

    @property
    def message(self) -> str:
        return self.message_en if _english() else self.message_zh

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "zh": self.message_zh, "en": self.message_en}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RowError:
        return cls(int(data["row"]), str(data["field"]), str(data["zh"]), str(data["en"]))

    def __str__(self) -> str:
        known = self.field in COLUMNS
        zh = f"第 {self.row} 行 " + (f"[{COLUMNS[self.field]}] " if known else "")
        en = f"row {self.row} " + (f"[{self.field}] " if known else "")
        return f"{zh}{self.message_zh} / {en}{self.message_en}"


def _row_error(number: int, name: str, message: Any, params: Any = None) -> RowError:
    return RowError(number, name, *_bilingual(message, params))


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # rows skipped because of their problems
    relations: int = 0  # relations added
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    interrupted: bool = False
    done: int = 0  # rows handled so far
    elapsed: float = 0.0
    error_total: int | None = None  # a report read back may keep only the first errors

    @property
    def problem_count(self) -> int:
        return len(self.errors) if self.error_total is None else self.error_total

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    def summary(self) -> str:
        """One bilingual line: created / updated / unchanged / failed."""
        counts = (self.created, self.updated, self.unchanged, self.failed)
        if self.dry_run:
            return (
                "检查完毕，未保存：将新建 {} 件、更新 {} 件、{} 件不变、{} 行有错误将被跳过 / "
                "check done, nothing saved: {} would be created, {} updated, {} unchanged, "
                "{} failed".format(*counts, *counts)
            )
        return (
            "导入完成：新建 {} 件、更新 {} 件、{} 件不变、{} 行失败 / import done: {} created, "
            "{} updated, {} unchanged, {} failed".format(*counts, *counts)
        )

    def as_dict(self, max_errors: int | None = None) -> dict[str, Any]:
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "relations": self.relations,
            "dry_run": self.dry_run,
            "interrupted": self.interrupted,
            "done": self.done,
            "elapsed": round(self.elapsed, 3),
            "error_count": len(self.errors),
            "errors": [error.as_dict() for error in errors],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        report = cls(
            **{
                key: data[key]
                for key in (
                    "total",
                    "created",
                    "updated",
                    "unchanged",
                    "failed",
                    "relations",
                    "dry_run",
                    "interrupted",
                    "done",
                    "elapsed",
                )
                if key in data
            }
        )
        report.errors = [RowError.from_dict(item) for item in data.get("errors", [])]
        report.error_total = int(data.get("error_count", len(report.errors)))
        return report


# --- Reading -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as stripped text: numbers without a spurious ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        value = value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _heading(value: Any) -> str:
    text = " ".join(_text(value).split())
    return text.rstrip("*＊").strip()  # "标题*" marks a required column in templates


_HEADINGS = {
    **{name: name for name in COLUMNS},
    **{zh: name for name, zh in COLUMNS.items()},
}


def _header(values: list[Any]) -> list[str | None]:
    fields: list[str | None] = []
    unknown = []
    for value in values:
        heading = _heading(value)
        name = _HEADINGS.get(heading) or _HEADINGS.get(heading.lower())
        if not heading:
            fields.append(None)
        elif name is None:
            unknown.append(heading)
            fields.append(None)
        elif name in fields:
            raise ManifestError(
                _("The column %(heading)s appears twice in the first row."),
                {"heading": _Heading(name)},
            )
        else:
            fields.append(name)
    if unknown:
        raise ManifestError(
            _("Unknown column heading: %(headings)s. Known headings: %(known)s."),
            {"headings": _Listing(unknown), "known": _Listing(_Heading(n) for n in COLUMNS)},
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in fields]
    if missing:
        raise ManifestError(
            _("The first row lacks the required column(s) %(headings)s."),
            {"headings": _Listing(_Heading(n) for n in missing)},
        )
    return fields


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    with path.open("rb") as fh:
        head = fh.read(8)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if head.startswith(NOT_TEXT):
            raise ManifestError(_("The file is not a CSV text file."))
        for encoding in ("utf-8", "gb18030"):
            fh.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while chunk := fh.read(1024 * 1024):
                    if b"\x00" in chunk:
                        raise ManifestError(_("The file is not a CSV text file."))
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
    raise ManifestError(_("The file is neither UTF-8 nor GBK/GB18030 text."))


class Manifest:
    """A manifest file (CSV or XLSX). The header is read and checked when it is opened;
    :meth:`rows` reads the rows afresh each time (the import reads them twice), one at a
    time, so a manifest of 100,000 documents is never held in memory."""

    def __init__(self, path: str | Path, filename: str | None = None) -> None:
        self.path = Path(path)
        self.name = filename or self.path.name
        self.suffix = Path(self.name).suffix.lower()
        if self.suffix not in EXTENSIONS:
            raise ManifestError(
                _("%(name)s is not an .xlsx or .csv file (save .xls workbooks as .xlsx first)."),
                {"name": self.name},
            )
        if not self.path.is_file():
            raise ManifestError(_("Cannot read the file %(name)s."), {"name": self.name})
        self.encoding = _csv_encoding(self.path) if self.suffix == ".csv" else ""
        self.fields: list[str | None] = []
        self.header_row = 0
        for number, values in self._records():
            if any(_text(v) for v in values):
                self.fields = _header(list(values))
                self.header_row = number
                break
        if not self.header_row:
            raise ManifestError(
                _("The file is empty: the first row must hold the column headings.")
            )

    def __repr__(self) -> str:
        return f"<Manifest {self.name}>"

    @property
    def columns(self) -> set[str]:
        return {name for name in self.fields if name}

    def _records(self) -> Iterator[tuple[int, list[Any]]]:
        if self.suffix == ".xlsx":
            yield from self._xlsx_records()
        else:
            yield from self._csv_records()

    def _csv_records(self) -> Iterator[tuple[int, list[Any]]]:
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        number = 0
        try:
            with self.path.open(encoding=self.encoding, newline="") as fh:
                for number, values in enumerate(csv.reader(fh), start=1):  # noqa: B007
                    yield number, values
        except csv.Error as exc:
            raise ManifestError(
                _("The file is not a valid CSV file (row %(row)d: %(reason)s)."),
                {"row": number + 1, "reason": exc},
            ) from None
        except UnicodeDecodeError:
            raise ManifestError(_("The file is neither UTF-8 nor GBK/GB18030 text.")) from None

    def _xlsx_records(self) -> Iterator[tuple[int, list[Any]]]:
        from openpyxl import load_workbook

        # openpyxl fails in many ways on a file that is not a workbook (a renamed PDF, a
        # .docx, a damaged file): every one of them means "not a valid XLSX spreadsheet".
        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception:
            raise ManifestError(_("The file is not a valid XLSX spreadsheet.")) from None
        try:
            if not workbook.worksheets:
                return
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # type: ignore[union-attr]  # read-only sheets have it
            rows = sheet.iter_rows(values_only=True)
            number = 0
            while True:
                try:
                    values = next(rows)
                except StopIteration:
                    break
                except Exception:
                    raise ManifestError(_("The file is not a valid XLSX spreadsheet.")) from None
                number += 1
                yield number, list(values)
        finally:
            workbook.close()

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each non-empty row after the header as field name → cell value, with ``ROW``."""
        fields = self.fields
        for number, values in self._records():
            if number <= self.header_row:
                continue
            if not any(_text(v) for v in values):
                continue
            row: dict[str, Any] = {ROW: number}
            for index, value in enumerate(values):
                name = fields[index] if index < len(fields) else None
                if name is not None:
                    row[name] = value
                elif _text(value):
                    row[EXTRA] = True
            yield row

    def count(self, stop_after: int | None = None) -> int:
        """The number of rows (counting stops after ``stop_after`` when given)."""
        total = 0
        for _row in self.rows():
            total += 1
            if stop_after is not None and total > stop_after:
                break
        return total


def open_manifest(path: str | Path, filename: str | None = None) -> Manifest:
    """The manifest at ``path`` (named ``filename``, e.g. an upload's original name)."""
    return Manifest(path, filename)


# --- Values ------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """A spelling reduced for matching: NFKC, no whitespace, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


_SUFFIX = re.compile(r"\s*[（(][^（）()]*[)）]\s*$")
_CN_NUMERALS = "一二三四五六七八九十"


def _cn_number(n: int) -> str:
    if n <= 10:
        return _CN_NUMERALS[n - 1]
    return "十" + _CN_NUMERALS[n - 11]


class _Vocabulary:
    """Accepted spellings of every fixed list: codes and labels in Chinese and English."""

    def __init__(self) -> None:
        self.kind = self._table(DocumentKind)
        self.topic = self._table(Topic)
        self.key_area = self._table(KeyArea)
        self.attribute = self._table(
            DisclosureAttribute, {"主动": "proactive", "依申请": "on_request", "不公开": "withheld"}
        )
        self.ground = self._table(WithholdingGround)
        self.validity = self._table(
            Validity,
            {
                "有效": "in_force",
                "未生效": "not_yet_in_force",
                "已修订": "revised",
                "修订": "revised",
                "修改": "revised",
                "废止": "repealed",
                "失效": "expired",
            },
        )
        self.state = {
            _norm(s): v
            for s, v in (
                ("published", "published"),
                ("draft", "draft"),
                ("已发布", "published"),
                ("发布", "published"),
                ("已公开", "published"),
                ("草稿", "draft"),
                ("未发布", "draft"),
            )
        }
        self.category = self._table(Art20Category)
        for n in range(1, 16):
            code = f"{n:02d}"
            for spelling in (str(n), code, _cn_number(n), f"({n})", f"（{_cn_number(n)}）"):
                self.category[_norm(spelling)] = code
            for label in _bilingual(Art20Category(code).label):
                rest = re.sub(r"^\s*[（(][^（）()]*[)）]\s*", "", label)
                self.category[_norm(rest)] = code
        self.labels = {
            name: self._labels(choices)
            for name, choices in (
                ("kind", DocumentKind),
                ("topic", Topic),
                ("key_areas", KeyArea),
                ("attribute", DisclosureAttribute),
                ("withholding_grounds", WithholdingGround),
                ("validity", Validity),
            )
        }

    @staticmethod
    def _table(
        choices: type[models.TextChoices], extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        table: dict[str, str] = {}
        for value, label in choices.choices:
            table[_norm(value)] = value
            for text in _bilingual(label):
                table[_norm(text)] = value
                table.setdefault(_norm(_SUFFIX.sub("", text)), value)
        for spelling, value in (extra or {}).items():
            table.setdefault(_norm(spelling), value)
        return table

    @staticmethod
    def _labels(choices: type[models.TextChoices]) -> _Localized:
        """The labels, for messages: Chinese labels in Chinese, English ones in English."""
        zh, en = zip(*(_bilingual(label) for _v, label in choices.choices), strict=True)
        return _Localized("、".join(zh), ", ".join(en))


def _parse_date(value: Any) -> datetime.date:
    """A date from a cell: a date, or text like 2020-03-02, 2020/3/2, 2020年3月2日, 20200302."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    match = _DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return datetime.date(int(match["y"]), int(match["m"]), int(match["d"]))


def _split(value: Any, pattern: re.Pattern[str] = _LIST_SEPARATORS) -> list[str]:
    return [part.strip() for part in pattern.split(_text(value)) if part.strip()]


def _identity(raw: dict[str, Any]) -> tuple[str, str]:
    """The row's identity key kind ("index", "number", "title") and the key (≤ 200 chars).

    Computed from the raw cells the same way in both passes; a row whose values turn out to
    be invalid fails anyway.
    """
    unit = _text(raw.get("unit")).upper()
    index = _text(raw.get("index_number"))
    if index:
        return "index", f"index:{index}"[:200]
    number = _text(raw.get("document_number"))
    if number:
        from gongkai.library.numbers import search_key

        return "number", f"number:{unit}:{search_key(number)}"[:200]
    title = " ".join(_text(raw.get("title")).split())
    try:
        signed = _parse_date(raw.get("signed_date")).isoformat()
    except ValueError:
        signed = _text(raw.get("signed_date"))
    digest = hashlib.sha256(title.encode()).hexdigest()[:24]
    return "title", f"title:{unit}:{signed}:{digest}"


def _number_key(raw: dict[str, Any]) -> str:
    number = _text(raw.get("document_number"))
    if not number:
        return ""
    try:
        return parse_document_number(number).search_key
    except DocumentNumberError:
        return ""


# --- The first pass: identities, duplicates, what relations may refer to -----------------


@dataclass
class _Scan:
    """What the first pass learns about the whole manifest (small: keys and row numbers)."""

    total: int = 0
    first_of: dict[str, int] = field(default_factory=dict)  # identity → first row
    problems: dict[int, list[RowError]] = field(default_factory=dict)
    index_rows: dict[str, int] = field(default_factory=dict)  # index number → row
    number_rows: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # key → rows
    serials: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def add(self, row: int, error: RowError) -> None:
        self.problems.setdefault(row, []).append(error)


def _scan(manifest: Manifest) -> _Scan:
    scan = _Scan()
    numbered: dict[tuple[str, str], list[tuple[int, bool]]] = defaultdict(list)
    for raw in manifest.rows():
        scan.total += 1
        number = raw[ROW]
        kind, identity = _identity(raw)
        unit = _text(raw.get("unit")).upper()
        key = _number_key(raw)
        if key:
            numbered[(unit, key)].append((number, kind == "index"))
            scan.number_rows.setdefault(key, []).append((number, unit))
        first = scan.first_of.setdefault(identity, number)
        if first != number:
            if kind == "index":
                scan.add(
                    number,
                    _row_error(
                        number,
                        "index_number",
                        _("The index number %(index)s is already in row %(row)d."),
                        {"index": _text(raw.get("index_number")), "row": first},
                    ),
                )
            elif kind == "number":
                scan.add(
                    number,
                    _row_error(
                        number,
                        "document_number",
                        _(
                            "Row %(row)d has the same document number and unit: without an "
                            "index number they identify the document, so this row would "
                            "overwrite that one."
                        ),
                        {"row": first},
                    ),
                )
            else:
                scan.add(
                    number,
                    _row_error(
                        number,
                        "title",
                        _(
                            "Row %(row)d has the same unit, title and signed date (which "
                            "identify a document without index number or document number)."
                        ),
                        {"row": first},
                    ),
                )
        if kind == "index":
            index = _text(raw.get("index_number"))
            scan.index_rows.setdefault(index, number)
            match = GENERATED_INDEX_RE.fullmatch(index)
            if match:
                category = "" if match["category"] == "00" else match["category"]
                serial_key = (match["code"], category, int(match["year"]))
                scan.serials[serial_key] = max(
                    scan.serials.get(serial_key, 0), int(match["serial"])
                )
    # A row keyed by document number + unit must not share them with a row that has an index
    # number: on a re-run it would find (and overwrite) that row's document.
    for rows in numbered.values():
        indexed = [row for row, has_index in rows if has_index]
        if not indexed:
            continue
        for row, has_index in rows:
            if not has_index:
                scan.add(
                    row,
                    _row_error(
                        row,
                        "index_number",
                        _(
                            "Row(s) %(rows)s have the same document number and unit and an "
                            "index number: give this row its index number too."
                        ),
                        {"rows": _Listing(indexed)},
                    ),
                )
    return scan


# --- The second pass: one row checked completely ------------------------------------------


@dataclass
class _File:
    name: str
    path: Path
    sha256: str
    kind: str


@dataclass
class _Row:
    number: int
    raw: dict[str, Any]
    identity_kind: str = ""
    identity: str = ""
    errors: list[RowError] = field(default_factory=list)
    unit: Unit | None = None
    index_number: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    key_areas: list[str] | None = None
    co_issuers: list[Unit] | None = None
    state: str = PublicationState.PUBLISHED
    published_date: datetime.date | None = None
    validity: str = ""
    files: list[_File] = field(default_factory=list)
    refs: list[tuple[str, str, str]] = field(default_factory=list)  # column, kind, text
    targets: list[tuple[str, str, tuple[str, int]]] = field(default_factory=list)
    existing: Document | None = None
    document: Document | None = None  # the new or changed document, validated
    changes: dict[str, Any] = field(default_factory=dict)
    publish: bool = False
    new_files: list[_File] = field(default_factory=list)
    outcome: str = ""
    prepared_body: tuple[str, str] | None = None  # sanitised ahead: (body, plain text)

    def problem(self, name: str, message: Any, params: Any = None) -> None:
        self.errors.append(_row_error(self.number, name, message, params))


@dataclass
class _Context:
    by: User
    files_dir: Path | None
    columns: set[str]
    vocabulary: _Vocabulary
    units: dict[str, Unit]
    scan: _Scan
    today: datetime.date
    max_bytes: int
    row_pk: dict[int, int] = field(default_factory=dict)
    failed_rows: set[int] = field(default_factory=set)
    outcomes: dict[int, str] = field(default_factory=dict)
    relations: list[tuple[int, str, str, tuple[str, int]]] = field(default_factory=list)


def _choice(row: _Row, name: str, table: dict[str, str], labels: _Localized | None) -> str | None:
    """The code for the cell of column ``name``; None (and a problem) if unknown."""
    text = _text(row.raw.get(name))
    value = table.get(_norm(text))
    if value is None:
        if labels is None:
            row.problem(name, _("Unknown value “%(value)s”."), {"value": text})
        else:
            row.problem(
                name,
                _("Unknown value “%(value)s”: write one of %(labels)s (or its code)."),
                {"value": text, "labels": labels},
            )
    return value


def _convert(raw: dict[str, Any], ctx: _Context) -> _Row:
    """The row's cells as service values; each cell's problem noted with its column."""
    row = _Row(number=raw[ROW], raw=raw)
    row.identity_kind, row.identity = _identity(raw)
    row.errors.extend(ctx.scan.problems.get(row.number, []))
    vocabulary = ctx.vocabulary
    columns = ctx.columns
    if raw.get(EXTRA):
        row.problem("", _("The row has a value in a column without a heading."))

    code = _text(raw.get("unit")).upper()
    if not code:
        row.problem("unit", _("The unit code is required."))
    else:
        row.unit = ctx.units.get(code)
        if row.unit is None:
            row.problem("unit", _("No unit has the code %(code)s."), {"code": code})
    if "co_issuers" in columns:
        co_issuers = []
        for co_code in _split(raw.get("co_issuers")):
            unit = ctx.units.get(co_code.upper())
            if unit is None:
                row.problem("co_issuers", _("No unit has the code %(code)s."), {"code": co_code})
            else:
                co_issuers.append(unit)
        row.co_issuers = co_issuers

    for name in TEXT_FIELDS:
        if name in columns:
            row.data[name] = _text(raw.get(name))
    for name in ("title", "title_en"):
        if name in row.data:
            row.data[name] = " ".join(row.data[name].split())
    if "document_number" in columns:
        row.data["document_number"] = " ".join(_text(raw.get("document_number")).split())
    index = _text(raw.get("index_number"))
    if index and not INDEX_NUMBER_RE.fullmatch(index):
        row.problem(
            "index_number",
            _(
                "The index number “%(index)s” may only hold letters, digits and / - _ . "
                "(at most 64 characters)."
            ),
            {"index": index[:80]},
        )
    else:
        row.index_number = index

    if _text(raw.get("kind")):
        kind = _choice(row, "kind", vocabulary.kind, vocabulary.labels["kind"])
        if kind:
            row.data["kind"] = kind
    else:
        row.problem("kind", _("The kind is required."))
    if "category" in columns:
        if _text(raw.get("category")):
            category = _choice(row, "category", vocabulary.category, None)
            if category:
                row.data["category"] = category
        else:
            row.data["category"] = ""
    if "topic" in columns:
        if _text(raw.get("topic")):
            topic = _choice(row, "topic", vocabulary.topic, vocabulary.labels["topic"])
            if topic:
                row.data["topic"] = topic
        else:
            row.data["topic"] = ""
    if "key_areas" in columns:
        areas = []
        for spelling in _split(raw.get("key_areas")):
            area = vocabulary.key_area.get(_norm(spelling))
            if area is None:
                row.problem(
                    "key_areas",
                    _("Unknown value “%(value)s”: write one of %(labels)s (or its code)."),
                    {"value": spelling, "labels": vocabulary.labels["key_areas"]},
                )
            elif area not in areas:
                areas.append(area)
        row.key_areas = areas

    for name in (*DATE_FIELDS, "published_date"):
        if name not in columns:
            continue
        value = raw.get(name)
        if not _text(value):
            if name != "published_date":
                row.data[name] = None
            continue
        try:
            day = _parse_date(value)
        except ValueError:
            row.problem(
                name,
                _("Cannot read the date “%(value)s”: write it like 2020-03-02."),
                {"value": _text(value)[:40]},
            )
            continue
        if name == "published_date":
            row.published_date = day
        else:
            row.data[name] = day

    if "attribute" in columns and _text(raw.get("attribute")):
        attribute = _choice(row, "attribute", vocabulary.attribute, vocabulary.labels["attribute"])
        if attribute:
            row.data["attribute"] = attribute
    if "withholding_grounds" in columns:
        grounds = []
        for spelling in _split(raw.get("withholding_grounds")):
            ground = vocabulary.ground.get(_norm(spelling))
            if ground is None:
                row.problem(
                    "withholding_grounds",
                    _("Unknown value “%(value)s”: write one of %(labels)s (or its code)."),
                    {"value": spelling, "labels": vocabulary.labels["withholding_grounds"]},
                )
            elif ground not in grounds:
                grounds.append(ground)
        row.data["withholding_grounds"] = sorted(grounds, key=WithholdingGround.values.index)
    if "validity" in columns and _text(raw.get("validity")):
        validity = _choice(row, "validity", vocabulary.validity, vocabulary.labels["validity"])
        row.validity = validity or ""
    if "state" in columns and _text(raw.get("state")):
        state = vocabulary.state.get(_norm(_text(raw.get("state"))))
        if state is None:
            row.problem(
                "state",
                _("Unknown state “%(value)s”: write 已发布 (published) or 草稿 (draft)."),
                {"value": _text(raw.get("state"))},
            )
        else:
            row.state = state
    if "body" in columns:
        body = _text(raw.get("body"))
        row.data["body"] = text_to_body(body) if body else ""
        if body:
            row.prepared_body = raw.get(BODY)
    for name, kind in RELATION_COLUMNS.items():
        if name in columns:
            for ref in _split(raw.get(name), _REF_SEPARATORS):
                row.refs.append((name, kind, ref))
    if "files" in columns:
        _check_files(row, ctx)
    return row


def _check_files(row: _Row, ctx: _Context) -> None:
    """The files the row names: present in DIR, of a kind we take, neither damaged nor locked.

    A row without a body takes its body from the text of the first file that has text
    (TXT, DOCX or PDF). TXT files only give text; every other file becomes an attachment.
    """
    names = _split(row.raw.get("files"), _FILE_SEPARATORS)
    if not names:
        return
    if ctx.files_dir is None:
        row.problem(
            "files",
            _("The row names files, but no folder of files was given (--files DIR)."),
        )
        return
    root = ctx.files_dir.resolve()
    want_text = not row.data.get("body")
    for name in names:
        path = (root / name).resolve()
        if root not in path.parents:
            row.problem("files", _("The file name “%(name)s” is not allowed."), {"name": name})
            continue
        if not path.is_file():
            row.problem(
                "files",
                _("The file “%(name)s” is not in the folder of files."),
                {"name": name},
            )
            continue
        try:
            data = path.read_bytes()
        except OSError:
            row.problem("files", _("Cannot read the file %(name)s."), {"name": name})
            continue
        digest = hashlib.sha256(data).hexdigest()
        try:
            checked = attachments.check_attachment(
                data, path.name, max_bytes=ctx.max_bytes, allowed=attachments.IMPORT_KINDS
            )
            kind = str(checked.kind)
            if want_text and kind in {"txt", "docx", "pdf"}:
                text = attachments.extract_text(data, kind, filename=path.name)
                if text.strip():
                    row.data["body"] = text_to_body(text)
                    want_text = False
        except attachments.AttachmentError as exc:
            row.errors.append(RowError(row.number, "files", exc.message_zh, exc.message_en))
            continue
        row.files.append(_File(name=path.name, path=path, sha256=digest, kind=kind))


def _errors_of(number: int, exc: Exception) -> list[RowError]:
    if isinstance(exc, ValidationError):
        found = []
        items = exc.error_dict.items() if hasattr(exc, "error_dict") else [("", exc.error_list)]
        for name, errors in items:
            for error in errors:
                zh, en = _bilingual(error.message, error.params)
                column = name if name in COLUMNS else ""
                if name == "published_at":
                    column = "published_date"
                found.append(RowError(number, column, zh, en))
        return found
    if isinstance(exc, IntegrityError):
        zh, en = _bilingual(_("The database refused this row (it may repeat another document)."))
    else:
        zh, en = _bilingual(str(exc))
    return [RowError(number, "", zh, en)]


def _aware(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the site's time zone (a historical publication time)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@dataclass
class _Found:
    """The documents of the library a batch refers to (one query each)."""

    by_index: dict[str, Document] = field(default_factory=dict)
    by_number: dict[tuple[int, str], list[Document]] = field(default_factory=dict)
    by_title: dict[tuple[int, str], list[Document]] = field(default_factory=dict)
    key_areas: dict[int, set[str]] = field(default_factory=dict)
    co_issuers: dict[int, set[int]] = field(default_factory=dict)
    attachments: dict[int, set[str]] = field(default_factory=dict)
    ref_index: dict[str, tuple[int, int]] = field(default_factory=dict)  # → (pk, unit)
    ref_number: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


def _prefetch(rows: list[_Row]) -> _Found:
    found = _Found()
    indexes = {row.index_number for row in rows if row.identity_kind == "index"}
    number_keys: dict[str, set[int]] = defaultdict(set)
    titles: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row.unit is None:
            continue
        if row.identity_kind == "number":
            number_keys[row.identity.split(":", 2)[2]].add(row.unit.pk)
        elif row.identity_kind == "title":
            titles[row.data.get("title", "")].add(row.unit.pk)
    documents = Document.objects.defer("body_text")
    found_ids: set[int] = set()
    if indexes:
        for document in documents.filter(index_number__in=indexes):
            found.by_index[document.index_number] = document
            found_ids.add(document.pk)
    if number_keys:
        units = set().union(*number_keys.values())
        for document in documents.filter(
            document_number_key__in=list(number_keys), unit_id__in=units
        ):
            found.by_number.setdefault((document.unit_id, document.document_number_key), []).append(
                document
            )
            found_ids.add(document.pk)
    if titles:
        units = set().union(*titles.values())
        for document in documents.filter(title__in=list(titles), unit_id__in=units):
            found.by_title.setdefault((document.unit_id, document.title), []).append(document)
            found_ids.add(document.pk)
    if found_ids:
        for pk, area in DocumentKeyArea.objects.filter(document_id__in=found_ids).values_list(
            "document_id", "area"
        ):
            found.key_areas.setdefault(pk, set()).add(area)
        through = Document.co_issuers.through
        for pk, unit_id in through.objects.filter(document_id__in=found_ids).values_list(
            "document_id", "unit_id"
        ):
            found.co_issuers.setdefault(pk, set()).add(unit_id)
        for pk, digest in Attachment.objects.filter(document_id__in=found_ids).values_list(
            "document_id", "sha256"
        ):
            found.attachments.setdefault(pk, set()).add(digest)
    refs = {ref for row in rows for _c, _k, ref in row.refs}
    if refs:
        for pk, unit_id, index in Document.objects.filter(index_number__in=refs).values_list(
            "pk", "unit_id", "index_number"
        ):
            found.ref_index[index] = (pk, unit_id)
        keys = set()
        for ref in refs:
            try:
                keys.add(parse_document_number(ref).search_key)
            except DocumentNumberError:
                continue
        if keys:
            for pk, unit_id, key in Document.objects.filter(
                document_number_key__in=keys
            ).values_list("pk", "unit_id", "document_number_key"):
                found.ref_number.setdefault(key, []).append((pk, unit_id))
    return found


def _find_existing(row: _Row, found: _Found) -> None:
    """The document this row is, if the library has it; a clash is a problem of the row."""
    assert row.unit is not None  # noqa: S101 - only called for rows with a unit
    if row.identity_kind == "index":
        document = found.by_index.get(row.index_number)
        if document is None:
            return
        if document.unit_id != row.unit.pk:
            row.problem(
                "index_number",
                _("The index number %(index)s already belongs to “%(title)s” of another unit."),
                {"index": row.index_number, "title": document.title[:60]},
            )
            return
        number = row.data.get("document_number", document.document_number)
        key = ""
        if number:
            try:
                key = parse_document_number(number).search_key
            except DocumentNumberError:
                key = ""
        if (
            not document.import_key
            and key
            and document.document_number_key
            and key != document.document_number_key
        ):
            row.problem(
                "index_number",
                _(
                    "The index number %(index)s already belongs to another document, "
                    "“%(title)s” (%(number)s)."
                ),
                {
                    "index": row.index_number,
                    "title": document.title[:60],
                    "number": document.document_number,
                },
            )
            return
        row.existing = document
    elif row.identity_kind == "number":
        key = row.identity.split(":", 2)[2]
        candidates = found.by_number.get((row.unit.pk, key), [])
        if len(candidates) > 1:
            row.problem(
                "document_number",
                _(
                    "Several documents of this unit have this document number (index "
                    "numbers %(indexes)s): give the index number of the one meant."
                ),
                {"indexes": _Listing(d.index_number for d in candidates)},
            )
        elif candidates:
            row.existing = candidates[0]
    else:
        signed = row.data.get("signed_date")
        candidates = [
            d
            for d in found.by_title.get((row.unit.pk, row.data.get("title", "")), [])
            if d.signed_date == signed and not d.document_number_key
        ]
        if len(candidates) > 1:
            row.problem(
                "title",
                _(
                    "Several documents of this unit have this title and signed date (index "
                    "numbers %(indexes)s): give the index number of the one meant."
                ),
                {"indexes": _Listing(d.index_number for d in candidates)},
            )
        elif candidates:
            row.existing = candidates[0]


def _resolve_refs(row: _Row, ctx: _Context, found: _Found) -> None:
    """Each 废止/修订 reference: a document of the library or a row of the manifest."""
    scan = ctx.scan
    own_unit = row.unit.pk if row.unit is not None else None
    own_code = row.unit.code if row.unit is not None else ""
    for column, kind, ref in row.refs:
        target: tuple[str, int] | None = None
        if ref in scan.index_rows:
            target = ("row", scan.index_rows[ref])
        elif ref in found.ref_index:
            target = ("db", found.ref_index[ref][0])
        else:
            try:
                key = parse_document_number(ref).search_key
            except DocumentNumberError:
                row.problem(
                    column,
                    _(
                        "“%(ref)s” is neither an index number nor a document number that "
                        "can be read."
                    ),
                    {"ref": ref[:60]},
                )
                continue
            in_rows = scan.number_rows.get(key, [])
            if len(in_rows) > 1:
                in_rows = [item for item in in_rows if item[1] == own_code] or in_rows
            in_db = found.ref_number.get(key, [])
            if len(in_db) > 1:
                in_db = [item for item in in_db if item[1] == own_unit] or in_db
            if len(in_rows) == 1:
                target = ("row", in_rows[0][0])
            elif len(in_rows) > 1:
                row.problem(
                    column,
                    _(
                        "The document number %(ref)s is in several rows (%(rows)s): name the "
                        "document by its index number."
                    ),
                    {"ref": ref, "rows": _Listing(r for r, _u in in_rows)},
                )
                continue
            elif len(in_db) == 1:
                target = ("db", in_db[0][0])
            elif len(in_db) > 1:
                row.problem(
                    column,
                    _(
                        "Several documents have the document number %(ref)s: name the "
                        "document by its index number."
                    ),
                    {"ref": ref},
                )
                continue
        if target is None:
            row.problem(
                column,
                _("No document has the index number or document number %(ref)s."),
                {"ref": ref[:60]},
            )
            continue
        if target == ("row", row.number) or (
            row.existing is not None and target == ("db", row.existing.pk)
        ):
            row.problem(column, _("A document cannot repeal or revise itself."))
            continue
        row.targets.append((column, kind, target))


def _full_clean(document: Document) -> None:
    # As document_create / document_update; the unit and the creator are known to exist
    # (checking foreign keys would cost a query each).
    document.full_clean(
        exclude=["index_number", "withholding_grounds", "unit", "created_by"],
        validate_unique=False,
        validate_constraints=False,
    )


def _check_new(row: _Row, ctx: _Context) -> None:
    """Build the new document exactly as document_create would, and validate it."""
    assert row.unit is not None  # noqa: S101
    data = {k: v for k, v in row.data.items() if k in services.EDITABLE_FIELDS}
    document = Document(unit=row.unit, created_by=ctx.by, import_key=row.identity, **data)
    if row.prepared_body is not None:  # the same functions, run ahead in the helper process
        document.body, document.body_text = row.prepared_body
    else:
        document.body = sanitize_body(document.body)
        document.body_text = body_to_text(document.body)
    document.index_number = row.index_number
    publish = row.state == PublicationState.PUBLISHED
    if publish and "attribute" not in data:
        # Historical documents that were published were disclosed proactively; a draft's
        # attribute stays undecided until someone decides it.
        document.attribute = DisclosureAttribute.PROACTIVE
    try:
        services.validate_document(document, for_publication=publish)
        _full_clean(document)
    except ValidationError as exc:
        _add_validation_errors(row, exc)
    _check_published_date(row, document, publish=publish)
    _check_validity(row, document, ctx.today)
    if row.validity:
        document.validity = row.validity
    elif document.effective_date and document.effective_date > ctx.today:
        document.validity = Validity.NOT_YET_IN_FORCE
    elif document.valid_until and document.valid_until < ctx.today:
        # What expire_documents would do the next morning, done now.
        document.validity = Validity.EXPIRED
    row.document = document
    row.publish = publish
    row.new_files = list(row.files)
    row.outcome = "created"


def _check_published_date(
    row: _Row, document: Document, *, publish: bool, keep: datetime.datetime | None = None
) -> None:
    """Set ``document.published_at`` from the row's published date (default: the signed
    date). ``publish``: the document is or will be published; ``keep``: its current
    publication time, kept when the row gives no date."""
    day = row.published_date
    if day is None:
        if keep is not None:
            document.published_at = keep
            return
        day = document.signed_date if publish else None
    elif not publish:
        row.problem("published_date", _("A draft has no published date."))
        return
    if day is None:
        return
    if document.signed_date and day < document.signed_date:
        row.problem(
            "published_date",
            _("The published date cannot be before the signed date."),
        )
    elif day > timezone.localdate():
        row.problem("published_date", _("The published date cannot be in the future."))
    else:
        document.published_at = _aware(day)


def _check_validity(row: _Row, document: Document, today: datetime.date) -> None:
    """A validity given in the manifest must agree with the valid-until date."""
    if (
        row.validity in {Validity.IN_FORCE, Validity.NOT_YET_IN_FORCE}
        and document.valid_until
        and document.valid_until < today
    ):
        row.problem(
            "validity",
            _("The document cannot be “%(validity)s”: its validity ended on %(date)s."),
            {"validity": Validity(row.validity).label, "date": document.valid_until.isoformat()},
        )


def _add_validation_errors(row: _Row, exc: ValidationError) -> None:
    """The services' findings, except for columns whose value was already refused."""
    refused = {error.field for error in row.errors if error.field}
    row.errors.extend(e for e in _errors_of(row.number, exc) if e.field not in refused)


def _check_existing(row: _Row, ctx: _Context, found: _Found) -> None:
    """What would change in the existing document, validated as document_update would."""
    existing = row.existing
    assert existing is not None  # noqa: S101
    assert row.unit is not None  # noqa: S101
    fresh = copy.copy(existing)
    data = {k: v for k, v in row.data.items() if k in services.EDITABLE_FIELDS}
    if (
        row.state == PublicationState.PUBLISHED
        and "attribute" not in data
        and existing.attribute == DisclosureAttribute.UNDECIDED
    ):
        data["attribute"] = DisclosureAttribute.PROACTIVE  # as for new documents
    for name, value in data.items():
        setattr(fresh, name, value)
    if "body" in data and row.prepared_body is not None:
        fresh.body, fresh.body_text = row.prepared_body
    else:
        fresh.body = sanitize_body(fresh.body)
    changes = {
        name: value
        for name, value in data.items()
        if name != "body" and getattr(existing, name) != value
    }
    if "body" in data and fresh.body != existing.body:
        changes["body"] = fresh.body
    public = existing.state in {
        PublicationState.PUBLISHED,
        PublicationState.SCHEDULED,
        PublicationState.WITHDRAWN,
    }
    publish = False
    if row.state == PublicationState.PUBLISHED:
        if existing.state in {PublicationState.DRAFT, PublicationState.IN_REVIEW}:
            publish = True
        elif existing.state != PublicationState.PUBLISHED:
            row.problem(
                "state",
                _("The document is %(state)s in the library; the import does not publish it."),
                {"state": PublicationState(existing.state).label},
            )
    elif public:
        row.problem(
            "state",
            _("The document is %(state)s in the library; the import cannot make it a draft."),
            {"state": PublicationState(existing.state).label},
        )
    try:
        if (changes or publish) and not ("body" in data and row.prepared_body is not None):
            fresh.body_text = body_to_text(fresh.body)
            services.validate_document(
                fresh,
                for_publication=publish
                or (public and existing.state != PublicationState.WITHDRAWN),
            )
            _full_clean(fresh)
    except ValidationError as exc:
        _add_validation_errors(row, exc)
    fresh.published_at = existing.published_at
    already = existing.state == PublicationState.PUBLISHED
    _check_published_date(
        row, fresh, publish=publish or already, keep=existing.published_at if already else None
    )
    if row.key_areas is not None and set(row.key_areas) == found.key_areas.get(existing.pk, set()):
        row.key_areas = None
    if row.co_issuers is not None:
        wanted = {u.pk for u in row.co_issuers if u.pk != existing.unit_id}
        if wanted == found.co_issuers.get(existing.pk, set()):
            row.co_issuers = None
    if row.validity and row.validity != existing.validity:
        _check_validity(row, fresh, ctx.today)
        allowed = services.VALIDITY_TRANSITIONS.get(existing.validity, frozenset())
        if row.validity not in allowed:
            row.problem(
                "validity",
                _("The validity cannot change from “%(before)s” to “%(after)s”."),
                {
                    "before": Validity(existing.validity).label,
                    "after": Validity(row.validity).label,
                },
            )
    else:
        row.validity = ""
    known = found.attachments.get(existing.pk, set())
    row.new_files = [f for f in row.files if f.sha256 not in known]
    row.changes = changes
    row.publish = publish
    row.document = fresh
    published_changed = (
        existing.state == PublicationState.PUBLISHED
        and fresh.published_at is not None
        and fresh.published_at != existing.published_at
    )
    if (
        changes
        or publish
        or published_changed
        or row.key_areas is not None
        or row.co_issuers is not None
        or row.validity
        or row.new_files
    ):
        row.outcome = "updated"
    else:
        row.outcome = "unchanged"


def _check(rows: list[_Row], ctx: _Context) -> None:
    found = _prefetch(rows)
    for row in rows:
        if row.unit is None:
            continue
        _find_existing(row, found)
        if row.existing is None:
            _check_new(row, ctx)
        else:
            _check_existing(row, ctx, found)
        if row.refs:
            _resolve_refs(row, ctx, found)


# --- Writing -----------------------------------------------------------------------------


def _audit(
    document: Document,
    by: User,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """The entry audit_record would write, unsaved (for bulk_create)."""
    is_person = by is not None and getattr(by, "is_authenticated", False)
    return AuditEntry(
        actor=by if is_person else None,
        actor_label=(str(by) if is_person else "系统 system")[:200],
        action=action,
        object_type=Document._meta.label,
        object_id=str(document.pk),
        object_label=str(document)[:300],
        unit_id=document.unit_id,
        before=before,
        after=after,
        note=note,
        via=VIA,
    )


PUBLISHED_NOTE = "历史文件导入 / historical document imported"


def _published_audit(document: Document, by: User, before: dict[str, Any] | None) -> AuditEntry:
    """The entry (action ``import``) of the import's own transition to published."""
    after = {
        "state": PublicationState.PUBLISHED.value,
        "published_at": document.published_at.isoformat() if document.published_at else None,
    }
    return _audit(document, by, AuditAction.IMPORT, before=before, after=after, note=PUBLISHED_NOTE)


def _first_published_notes(documents: list[Document], by: User) -> None:
    """The "first published" change notes of documents the import published, dated when they
    were published (``at`` is auto_now_add, so it is set afterwards, in one statement)."""
    changes = DocumentChange.objects.bulk_create(
        [
            DocumentChange(
                document=document,
                kind=ChangeKind.FIRST_PUBLISHED.value,
                note="首次发布 / first published",
                by=by if by is not None and by.is_authenticated else None,
            )
            for document in documents
        ]
    )
    DocumentChange.objects.filter(pk__in=[c.pk for c in changes]).update(
        at=Subquery(Document.objects.filter(pk=OuterRef("document_id")).values("published_at"))
    )


def _mark_published(document: Document, published_at: datetime.datetime, by: User) -> None:
    """Historical document → published: the import's own transition.

    The services have no way to publish without the review workflow (submit, confidentiality
    review, publish), which did happen — years ago, outside the platform — for historical
    documents. This transition sets ``state`` and ``published_at`` (the original publication
    time), writes an audit entry with action ``import`` and the "first published" change note
    dated ``published_at``, and, as ``document_publish`` does, applies the document's
    relations (repealing or revising their targets). The caller has validated the document
    for publication (``validate_document(..., for_publication=True)``) and checked that the
    importing user is an Office administrator.
    """
    with transaction.atomic():
        before = document.state
        document.state = PublicationState.PUBLISHED
        document.published_at = published_at
        document.save(update_fields=["state", "published_at", "updated_at"])
        _published_audit(document, by, {"state": before}).save()
        _first_published_notes([document], by)
        services.apply_relations(document, by, VIA)


def _snapshot(document: Document, key_areas: list[str], co_issuers: list[Unit]) -> dict:
    """What services._state_snapshot records, from values in hand (no queries)."""
    data = snapshot(document, exclude=["body", "body_text", "created_at", "updated_at"])
    data["key_areas"] = sorted(set(key_areas))
    data["co_issuers"] = sorted(u.code for u in co_issuers if u.pk != document.unit_id)
    return data


def _bump_serials(serials: dict[tuple[str, str, int], int], units: dict[str, Unit]) -> None:
    """Index numbers given in the manifest in the generated form raise the counters, so that
    numbers generated later never repeat them."""
    with transaction.atomic():
        for (code, category, year), serial in serials.items():
            unit = units.get(code)
            if unit is None:
                continue
            counter, _created = IndexSerial.objects.select_for_update().get_or_create(
                unit=unit, category=category, year=year
            )
            if counter.last < serial:
                counter.last = serial
                counter.save(update_fields=["last"])


def _allocate_index_numbers(documents: list[Document], units: dict[int, Unit]) -> None:
    """Index numbers for new documents, in the format of services._next_index_number
    (``<unit code>/<category or 00>-<year>-<serial>``): the counters of the batch's
    (unit, category, year) groups are read locked once and written once."""
    today = timezone.localdate()
    groups: dict[tuple[int, str, int], list[Document]] = defaultdict(list)
    for document in documents:
        year = (document.signed_date or today).year
        groups[(document.unit_id, document.category, year)].append(document)
    if not groups:
        return
    unit_ids = {key[0] for key in groups}
    years = {key[2] for key in groups}

    def counters() -> dict[tuple[int, str, int], IndexSerial]:
        rows = IndexSerial.objects.select_for_update().filter(unit_id__in=unit_ids, year__in=years)
        return {(c.unit_id, c.category, c.year): c for c in rows}

    found = counters()
    missing = [key for key in groups if key not in found]
    if missing:
        IndexSerial.objects.bulk_create(
            [IndexSerial(unit_id=u, category=c, year=y, last=0) for u, c, y in missing],
            ignore_conflicts=True,
        )
        found = counters()
    pending = dict(groups)
    while pending:
        numbered: dict[str, Document] = {}
        for (unit_id, category, year), group in pending.items():
            counter = found[(unit_id, category, year)]
            for document in group:
                counter.last += 1
                document.index_number = (
                    f"{units[unit_id].code}/{category or '00'}-{year}-{counter.last:05d}"
                )
                numbered[document.index_number] = document
        # Never reuse a number already taken (e.g. given by hand): take the next one.
        taken = set(
            Document.objects.filter(index_number__in=list(numbered)).values_list(
                "index_number", flat=True
            )
        )
        retry: dict[tuple[int, str, int], list[Document]] = defaultdict(list)
        for number in taken:
            document = numbered[number]
            year = (document.signed_date or today).year
            retry[(document.unit_id, document.category, year)].append(document)
        pending = retry
    IndexSerial.objects.bulk_update([found[key] for key in groups], ["last"], batch_size=BATCH_SIZE)


def _create_documents(rows: list[_Row], ctx: _Context) -> None:
    """Insert the batch's new documents with everything document_create writes for each."""
    if not rows:
        return
    documents = [row.document for row in rows if row.document is not None]
    units = {row.unit.pk: row.unit for row in rows if row.unit is not None}
    for row in rows:
        assert row.document is not None  # noqa: S101
        if row.publish:
            row.document.state = PublicationState.PUBLISHED.value
    _allocate_index_numbers([d for d in documents if not d.index_number], units)
    Document.objects.bulk_create(documents, batch_size=BATCH_SIZE)
    # The search outbox, as document_create writes it (read by the indexer after commit).
    documents_changed(d.pk for d in documents)
    key_areas = []
    co_issuers = []
    through = Document.co_issuers.through
    audits = []
    for row in rows:
        document = row.document
        assert document is not None  # noqa: S101
        areas = row.key_areas or []
        issuers = [u for u in (row.co_issuers or []) if u.pk != document.unit_id]
        key_areas += [DocumentKeyArea(document=document, area=a) for a in sorted(set(areas))]
        seen = set()
        for unit in issuers:
            if unit.pk not in seen:
                seen.add(unit.pk)
                co_issuers.append(through(document_id=document.pk, unit_id=unit.pk))
        # One entry per document: ``create`` for a draft, as document_create writes it; for
        # a historical document created published, ``import`` (the import's own transition,
        # see _mark_published) with the same snapshot of the new document.
        after = _snapshot(document, areas, issuers)
        if row.publish:
            audits.append(
                _audit(document, ctx.by, AuditAction.IMPORT, after=after, note=PUBLISHED_NOTE)
            )
        else:
            audits.append(_audit(document, ctx.by, AuditAction.CREATE, after=after))
        ctx.row_pk[row.number] = document.pk
    DocumentKeyArea.objects.bulk_create(key_areas, batch_size=BATCH_SIZE)
    through.objects.bulk_create(co_issuers, batch_size=BATCH_SIZE)
    AuditEntry.objects.bulk_create(audits, batch_size=BATCH_SIZE)
    published = [row.document for row in rows if row.publish and row.document is not None]
    if published:
        _first_published_notes(published, ctx.by)
    for row in rows:
        _add_files(row, ctx, row.document)  # type: ignore[arg-type]


def _add_files(row: _Row, ctx: _Context, document: Document) -> None:
    for item in row.new_files:
        if item.kind == "txt":
            continue  # plain text gives the body; it is not an attachment
        services.attachment_add(
            document=document,
            by=ctx.by,
            file=item.path.read_bytes(),
            filename=item.name,
            via=VIA,
            check=False,
        )


UPDATE_NOTE = "根据导入清单更新 / updated from the import manifest"


def _update_document(row: _Row, ctx: _Context) -> None:
    """Apply a changed row to its existing document through the services."""
    fresh = row.document
    assert row.existing is not None  # noqa: S101
    assert fresh is not None  # noqa: S101
    document = Document.objects.get(pk=row.existing.pk)
    if row.changes or row.key_areas is not None or row.co_issuers is not None:
        document = services.document_update(
            document=document,
            by=ctx.by,
            changes=row.changes,
            key_areas=row.key_areas,
            co_issuers=row.co_issuers,
            change_note=UPDATE_NOTE,
            via=VIA,
            check=False,
        )
    if row.publish:
        assert fresh.published_at is not None or fresh.signed_date is not None  # noqa: S101
        published_at = fresh.published_at or _aware(fresh.signed_date)  # type: ignore[arg-type]
        _mark_published(document, published_at, ctx.by)
    elif (
        document.state == PublicationState.PUBLISHED
        and fresh.published_at is not None
        and fresh.published_at != document.published_at
    ):
        before = document.published_at
        document.published_at = fresh.published_at
        document.save(update_fields=["published_at", "updated_at"])
        AuditEntry.objects.bulk_create(
            [
                _audit(
                    document,
                    ctx.by,
                    AuditAction.IMPORT,
                    before={"published_at": before.isoformat() if before else None},
                    after={"published_at": fresh.published_at.isoformat()},
                    note=UPDATE_NOTE,
                )
            ]
        )
    if row.validity:
        services.document_set_validity(
            document=document,
            by=ctx.by,
            validity=row.validity,
            note=UPDATE_NOTE,
            valid_until=fresh.valid_until,
            via=VIA,
            check=False,
        )
    _add_files(row, ctx, document)
    ctx.row_pk[row.number] = document.pk


def _write(rows: list[_Row], ctx: _Context) -> list[RowError]:
    """Write one batch in one transaction. If the database refuses the batch (a race on an
    index number), each row is retried on its own so that only the bad row is lost."""
    new = [row for row in rows if row.outcome == "created"]
    changed = [row for row in rows if row.outcome == "updated"]
    try:
        with transaction.atomic():
            _create_documents(new, ctx)
            for row in changed:
                _update_document(row, ctx)
        return []
    except (IntegrityError, ValidationError):
        for row in new + changed:
            ctx.row_pk.pop(row.number, None)
            if row.document is not None and row.outcome == "created":
                row.document.pk = None
                row.document.index_number = row.index_number
    errors = []
    for row in new + changed:
        try:
            with transaction.atomic():
                if row.outcome == "created":
                    _create_documents([row], ctx)
                else:
                    _update_document(row, ctx)
        except (IntegrityError, ValidationError) as exc:
            ctx.row_pk.pop(row.number, None)
            errors += _errors_of(row.number, exc)
            row.outcome = "failed"
    return errors


def _add_relations(ctx: _Context, report: ImportReport, progress: Progress | None) -> None:
    """The second pass: add the 废止/修订 relations of the imported rows (or, in a dry run,
    report those whose target row could not be imported), ``BATCH_SIZE`` per transaction."""
    items = ctx.relations
    total = len(items)
    if progress is not None and total:
        progress(0, total, "relations")
    for start in range(0, total, BATCH_SIZE):
        chunk = items[start : start + BATCH_SIZE]
        wanted: list[_Relation] = []
        for number, column, kind, target in chunk:
            if number in ctx.failed_rows:
                continue
            if target[0] == "row" and target[1] in ctx.failed_rows:
                report.errors.append(
                    _row_error(
                        number,
                        column,
                        _("The document it names (row %(row)d) could not be imported."),
                        {"row": target[1]},
                    )
                )
                continue
            if report.dry_run:
                continue
            source_pk = ctx.row_pk.get(number)
            target_pk = ctx.row_pk.get(target[1]) if target[0] == "row" else target[1]
            if source_pk is None or target_pk is None:
                continue
            wanted.append(_Relation(number, column, kind, source_pk, target_pk))
        if wanted:
            existing = set(
                DocumentRelation.objects.filter(
                    source_id__in={w.source for w in wanted}
                ).values_list("source_id", "target_id", "kind")
            )
            wanted = [w for w in wanted if (w.source, w.target, w.kind) not in existing]
        if wanted:
            try:
                with transaction.atomic():
                    _create_relations(wanted, ctx.by)
                added = wanted
            except IntegrityError:  # e.g. someone added one of them meanwhile: one by one
                added = _relations_one_by_one(wanted, ctx.by, report)
            report.relations += len(added)
            for relation in added:
                if ctx.outcomes.get(relation.row) == "unchanged":
                    ctx.outcomes[relation.row] = "updated"
                    report.unchanged -= 1
                    report.updated += 1
        if progress is not None:
            progress(min(start + BATCH_SIZE, total), total, "relations")


@dataclass(frozen=True)
class _Relation:
    row: int
    column: str
    kind: str
    source: int
    target: int


def _relations_one_by_one(
    wanted: list[_Relation], by: User, report: ImportReport
) -> list[_Relation]:
    added = []
    documents = Document.objects.in_bulk({w.source for w in wanted} | {w.target for w in wanted})
    for relation in wanted:
        try:
            with transaction.atomic():
                services.relation_add(
                    source=documents[relation.source],
                    target=documents[relation.target],
                    kind=relation.kind,
                    by=by,
                    via=VIA,
                    check=False,
                )
        except (ValidationError, IntegrityError) as exc:
            for error in _errors_of(relation.row, exc):
                report.errors.append(
                    RowError(relation.row, relation.column, error.message_zh, error.message_en)
                )
            continue
        added.append(relation)
    return added


def _create_relations(wanted: list[_Relation], by: User) -> None:
    """Add new relations with what services.relation_add writes for each, in bulk.

    relation_add costs about ten statements per relation (the relation, an audit entry, and
    for a published source the locked target, its validity, an audit entry and a change
    note); 10,000 relations would take minutes. This writes the same rows for a whole batch
    in a few statements, under the same rules (services.RELATION_EFFECT and
    services.VALIDITY_TRANSITIONS, applied in order, with the targets locked): a relation
    from a published source is applied at once — its target becomes repealed or revised if
    that transition is allowed, with an audit entry and, for a public target, a change note
    (dated when the source was published: the history shows when it happened) — and, as
    relation_add does through services.apply_relations, the source's other unapplied
    relations are applied with it.
    """
    sources = {w.source for w in wanted}
    fields = ("pk", "unit_id", "title", "index_number", "state", "validity", "published_at")
    documents = (
        Document.objects.select_for_update()
        .only(*fields)
        .in_bulk(sources | {w.target for w in wanted})
    )
    published = {pk for pk in sources if documents[pk].state == PublicationState.PUBLISHED}
    pending: dict[int, list[DocumentRelation]] = defaultdict(list)
    earlier = list(
        DocumentRelation.objects.select_for_update().filter(source_id__in=published, applied=False)
    )
    for relation in earlier:
        pending[relation.source_id].append(relation)
    missing = {r.target_id for r in earlier} - set(documents)
    if missing:
        documents.update(Document.objects.select_for_update().only(*fields).in_bulk(missing))
    validity = {pk: document.validity for pk, document in documents.items()}
    audits: list[AuditEntry] = []
    changes: list[tuple[DocumentChange, datetime.datetime | None]] = []
    new: list[DocumentRelation] = []
    for item in wanted:
        source = documents[item.source]
        target = documents[item.target]
        relation = DocumentRelation(source_id=item.source, target_id=item.target, kind=item.kind)
        new.append(relation)
        audits.append(
            _audit(
                source,
                by,
                AuditAction.CHANGE,
                after={"relation": item.kind, "target": target.index_number},
            )
        )
        if item.source not in published:
            continue  # applied when the source is published (document_publish)
        for queued in [*pending.pop(item.source, []), relation]:
            queued.applied = True
            effect = services.RELATION_EFFECT.get(RelationKind(queued.kind))
            if effect is None:
                continue
            before = validity[queued.target_id]
            if before == effect or effect not in services.VALIDITY_TRANSITIONS[before]:
                continue
            validity[queued.target_id] = effect
            affected = documents[queued.target_id]
            label = RelationKind(queued.kind).label
            note = f"被《{source.title}》{label} / {label} by {source.index_number}"
            audits.append(
                _audit(
                    affected,
                    by,
                    AuditAction.CHANGE,
                    before={"validity": before},
                    after={"validity": effect},
                    note=note,
                )
            )
            if affected.is_public:
                change = DocumentChange(
                    document_id=affected.pk,
                    kind=ChangeKind.VALIDITY,
                    note=note,
                    by=by if by is not None and by.is_authenticated else None,
                )
                changes.append((change, source.published_at))
    DocumentRelation.objects.bulk_create(new, batch_size=BATCH_SIZE)
    applied = [r.pk for r in earlier if r.applied]
    if applied:
        DocumentRelation.objects.filter(pk__in=applied).update(applied=True)
    by_validity: dict[str, list[int]] = defaultdict(list)
    for pk, value in validity.items():
        if value != documents[pk].validity:
            by_validity[value].append(pk)
    now = timezone.now()
    for value, pks in by_validity.items():
        Document.objects.filter(pk__in=pks).update(validity=value, updated_at=now)
        documents_changed(pks)  # as _set_validity does
    AuditEntry.objects.bulk_create(audits, batch_size=BATCH_SIZE)
    if changes:
        created = DocumentChange.objects.bulk_create([c for c, _at in changes])
        dated = [(c.pk, at) for c, (_c, at) in zip(created, changes, strict=True) if at]
        if dated:
            DocumentChange.objects.filter(pk__in=[pk for pk, _at in dated]).update(
                at=models.Case(
                    *[models.When(pk=pk, then=models.Value(at)) for pk, at in dated],
                    output_field=models.DateTimeField(),
                )
            )


Progress = Callable[[int, int, str], None]


def import_documents(
    *,
    manifest: Manifest,
    by: User,
    files_dir: str | Path | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    parallel: bool | None = None,
) -> ImportReport:
    """Import the manifest's documents for the Office (``by`` must be an Office administrator).

    Reads the manifest twice: a quick first pass for identities, duplicates and what the
    relation columns may name; then the rows in batches of ``batch_size``, each checked
    completely and — unless ``dry_run`` — written in its own transaction; then the relations.
    ``progress(done, total, phase)`` is called after each batch (phase ``"rows"``, then
    ``"relations"``); Ctrl-C (or a ``KeyboardInterrupt`` from ``progress``) ends the import
    with :class:`ImportInterrupted`, keeping the batches already written.

    ``parallel`` (default: for manifests of more than two batches, outside a transaction)
    overlaps the work: bodies are sanitised in a helper process one batch ahead, and each
    batch is written by a writer thread while the next one is checked.
    """
    if not is_office(by):
        raise AccessDenied("只有管委会办公室可以导入文件 / Only the Office can import documents")
    started = time.monotonic()
    report = ImportReport(dry_run=dry_run)
    scan = _scan(manifest)
    report.total = scan.total
    rules: dict[str, Any] = settings.GONGKAI_LIBRARY
    ctx = _Context(
        by=by,
        files_dir=Path(files_dir) if files_dir else None,
        columns=manifest.columns,
        vocabulary=_Vocabulary(),
        units={unit.code: unit for unit in Unit.objects.all()},
        scan=scan,
        today=timezone.localdate(),
        max_bytes=int(rules.get("ATTACHMENT_MAX_BYTES", attachments.DEFAULT_MAX_BYTES)),
    )
    if parallel is None:
        parallel = scan.total > 2 * batch_size and not connection.in_atomic_block
    bodies = _BodyWorker(parallel and "body" in ctx.columns)
    writer = _Writer(ctx, report, threaded=parallel and not dry_run and _concurrent_reads())
    try:
        if progress is not None:
            progress(0, report.total, "rows")
        if not dry_run and scan.serials:
            _bump_serials(scan.serials, ctx.units)
        batches = _batches(manifest, batch_size)
        ahead = bodies.read_ahead(batches)
        while ahead is not None:
            batch, prepared = ahead
            ahead = bodies.read_ahead(batches)
            rows = _prepare(batch, bodies.result(prepared), ctx, report)
            writer.write(rows, len(batch))
            if progress is not None:
                progress(report.done, report.total, "rows")
        writer.finish()
        if progress is not None and writer.threaded:
            progress(report.done, report.total, "rows")
        _add_relations(ctx, report, progress)
        if not dry_run and report.created + report.updated >= ANALYZE_AFTER_ROWS:
            refresh_statistics(_WRITTEN_MODELS)
    except KeyboardInterrupt:
        writer.stop()
        report.interrupted = True
        report.elapsed = time.monotonic() - started
        raise ImportInterrupted(report) from None
    except BaseException:
        writer.stop()
        raise
    finally:
        bodies.close()
    report.errors.sort(key=lambda e: (e.row, _column_order(e)))
    report.elapsed = time.monotonic() - started
    return report


_ORDER = {name: index for index, name in enumerate(COLUMNS)}

# The tables an import writes to.
_WRITTEN_MODELS = (
    Document,
    Document.co_issuers.through,
    DocumentKeyArea,
    DocumentRelation,
    DocumentChange,
    Attachment,
    AuditEntry,
    IndexChange,  # the search outbox
)


def _column_order(error: RowError) -> int:
    """Errors of one row in the order of the columns; those of the whole row first."""
    return _ORDER.get(error.field, -1)


def _concurrent_reads() -> bool:
    """Whether another connection may read while a batch is written: PostgreSQL, and SQLite
    files in WAL mode (the settings'); not SQLite's in-memory test databases, which lock
    whole tables."""
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


def _batches(manifest: Manifest, size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for raw in manifest.rows():
        batch.append(raw)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepare(
    batch: list[dict[str, Any]],
    bodies: list[tuple[str, str] | None] | None,
    ctx: _Context,
    report: ImportReport,
) -> list[_Row]:
    """Convert and check a batch; the rows with problems are reported and left out."""
    if bodies is not None:
        for raw, prepared in zip(batch, bodies, strict=True):
            if prepared is not None:
                raw[BODY] = prepared
    rows = [_convert(raw, ctx) for raw in batch]
    _check(rows, ctx)
    good = []
    for row in rows:
        if row.errors:
            ctx.failed_rows.add(row.number)
            report.errors.extend(_unique(row.errors))
            report.failed += 1
        else:
            good.append(row)
    return good


def _account(rows: list[_Row], size: int, ctx: _Context, report: ImportReport) -> None:
    """Count a written (or, in a dry run, checked) batch."""
    for row in rows:
        if row.outcome == "failed":
            ctx.failed_rows.add(row.number)
            report.failed += 1
            continue
        ctx.outcomes[row.number] = row.outcome
        if row.outcome == "created":
            report.created += 1
        elif row.outcome == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
        if row.existing is not None:
            ctx.row_pk.setdefault(row.number, row.existing.pk)
        for column, kind, target in row.targets:
            ctx.relations.append((row.number, column, kind, target))
    report.done += size


class _Writer:
    """Writes checked batches: inline, or in a thread with its own database connection.

    The thread lets the database work on one batch while the next is read and checked (on
    PostgreSQL the server's time then overlaps ours). Batches are written in order, one
    transaction each, exactly as inline. A batch checked while the previous one is being
    written cannot depend on it: every identity occurs once in a manifest (the first pass
    refuses repeats) and index numbers given in the generated form have already raised the
    counters (_bump_serials).
    """

    def __init__(self, ctx: _Context, report: ImportReport, *, threaded: bool) -> None:
        self.ctx, self.report, self.threaded = ctx, report, threaded
        self.todo: queue.Queue[tuple[list[_Row], int] | None] = queue.Queue(maxsize=1)
        self.done: queue.Queue[tuple[list[_Row], int, list[RowError]]] = queue.Queue()
        self.error: BaseException | None = None
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        if threaded:
            self.thread = threading.Thread(target=self._work, name="gongkai-import", daemon=True)
            self.thread.start()

    def write(self, rows: list[_Row], size: int) -> None:
        if not self.threaded:
            errors = [] if self.report.dry_run else _write(rows, self.ctx)
            self._count(rows, size, errors)
            return
        while True:
            self._collect()
            try:
                self.todo.put((rows, size), timeout=0.2)
                break
            except queue.Full:
                continue
        self._collect()

    def finish(self) -> None:
        if self.thread is None:
            return
        self.todo.put(None)
        while self.thread.is_alive():
            self.thread.join(timeout=0.2)
            self._collect()
        self._collect()

    def stop(self) -> None:
        """After Ctrl-C: let the batch being written commit, write no other."""
        if self.thread is None:
            return
        self.stopping.set()
        with contextlib.suppress(queue.Full):
            self.todo.put_nowait(None)
        self.thread.join()
        with contextlib.suppress(BaseException):
            self._collect()

    def _collect(self) -> None:
        while True:
            try:
                rows, size, errors = self.done.get_nowait()
            except queue.Empty:
                break
            self._count(rows, size, errors)
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _count(self, rows: list[_Row], size: int, errors: list[RowError]) -> None:
        self.report.errors.extend(errors)
        _account(rows, size, self.ctx, self.report)

    def _work(self) -> None:
        try:
            while not self.stopping.is_set():
                item = self.todo.get()
                if item is None or self.stopping.is_set():
                    break
                rows, size = item
                errors = _write(rows, self.ctx)
                self.done.put((rows, size, errors))
        except BaseException as exc:  # handed to the main thread
            self.error = exc
        finally:
            connections.close_all()  # this thread's connections


def _prepare_bodies(texts: list[str]) -> list[tuple[str, str] | None]:
    """Sanitised body and plain text for each plain-text body (run in the helper process)."""
    prepared: list[tuple[str, str] | None] = []
    for text in texts:
        if not text:
            prepared.append(None)
            continue
        body = sanitize_body(text_to_body(text))
        prepared.append((body, body_to_text(body)))
    return prepared


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while the helper process starts: it inherits that (Ctrl-C is the main
    process's business, which stops the helper itself)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _BodyWorker:
    """Sanitises the bodies of the next batch in a helper process (HTML parsing is the
    largest share of the work; the helper uses the second core). Without it, or if it
    fails, the bodies are sanitised in the batch's own checks — the same functions."""

    def __init__(self, enabled: bool) -> None:
        self.pool: ProcessPoolExecutor | None = None
        if enabled:
            import django

            self.pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=django.setup,  # to unpickle _prepare_bodies from this module
            )

    def read_ahead(
        self, batches: Iterator[list[dict[str, Any]]]
    ) -> tuple[list[dict[str, Any]], Future[list[tuple[str, str] | None]] | None] | None:
        batch = next(batches, None)
        if batch is None:
            return None
        if self.pool is None:
            return batch, None
        texts = [_text(raw.get("body")) for raw in batch]
        try:
            with _sigint_ignored():  # the helper process starts at the first submit
                return batch, self.pool.submit(_prepare_bodies, texts)
        except (BrokenProcessPool, RuntimeError):
            self.pool = None
            return batch, None

    def result(
        self, future: Future[list[tuple[str, str] | None]] | None
    ) -> list[tuple[str, str] | None] | None:
        if future is None:
            return None
        try:
            return future.result()
        except Exception:  # a broken helper: sanitise in this process
            logger.warning("the body helper process failed; continuing without it")
            self.close()
            return None

    def close(self) -> None:
        if self.pool is not None:
            # Waiting (a moment: the helper is idle or its work is cancelled) lets the pool's
            # threads end before the interpreter does.
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _unique(errors: list[RowError]) -> list[RowError]:
    seen: set[RowError] = set()
    unique = []
    for error in errors:
        if error not in seen:
            seen.add(error)
            unique.append(error)
    return unique


def errors_csv(report: ImportReport) -> str:
    """The report's problems as CSV text (row, column, reason in Chinese, in English)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行 row", "列 column", "问题", "problem"])
    for error in report.errors:
        column = f"{COLUMNS[error.field]} {error.field}" if error.field in COLUMNS else ""
        writer.writerow([error.row, column, error.message_zh, error.message_en])
    return out.getvalue()
