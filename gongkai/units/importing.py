"""Bulk import of units (单位) from a spreadsheet (issue #2).

Real deployments load their 30+ units from an Excel sheet. The import is one more
entry point to the unit services: every row goes through
:func:`gongkai.units.services.unit_create` or :func:`~gongkai.units.services.unit_update`,
so permission, validation and the audit log are exactly those of the back office.

    rows = read_rows("units.xlsx")                      # or an uploaded file and its name
    report = import_units(rows=rows, by=user, dry_run=True)
    for error in report.errors:
        print(error)                                    # 第 3 行 [联系电话] … / row 3 [phone] …

The import is all or nothing: if any row has a problem, every problem is reported
with its row number and nothing is saved.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.models import User
from gongkai.core.audit import snapshot
from gongkai.core.spreadsheets import SpreadsheetError, table_rows
from gongkai.units import services
from gongkai.units.models import Unit, UnitKind

# The importable columns: field name → Chinese heading. Either may head a column.
COLUMNS: dict[str, str] = {
    "code": "单位代码",
    "credit_code": "统一社会信用代码",
    "kind": "类型",
    "name_zh": "名称",
    "name_en": "英文名称",
    "short_name": "简称",
    "supervising_unit": "主管部门代码",
    "functions": "工作职能",
    "functions_en": "英文工作职能",
    "internal_structure": "内设机构",
    "subordinate_units": "下属单位",
    "address": "办公地址",
    "postcode": "邮政编码",
    "office_hours": "办公时间",
    "phone": "联系电话",
    "fax": "传真",
    "email": "电子邮箱",
    "website": "网站",
}
ROW = "_row"  # key of the spreadsheet row number in each row read
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
EXTENSIONS = (".xlsx", ".csv")
_ORDER = {name: index for index, name in enumerate(COLUMNS)}
_HEADINGS = {**{name: name for name in COLUMNS}, **{zh: name for name, zh in COLUMNS.items()}}


def _bilingual(message: Any, params: Any = None) -> tuple[str, str]:
    """``message`` (lazy, or a plain "中文 / English" string) in Chinese and in English."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(str(message % params if params else message))
    zh, en = texts
    if zh == en and " / " in zh:
        zh, en = (part.strip() for part in zh.split(" / ", 1))
    return zh, en


class ImportFileError(Exception):
    """The file cannot be read as a table of units; the message is bilingual."""

    def __init__(self, message: Any, params: Any = None) -> None:
        self.message_zh, self.message_en = _bilingual(message, params)
        super().__init__(f"{self.message_zh} / {self.message_en}")

    @property
    def message(self) -> str:
        """The message in the active language."""
        return self.message_en if _english() else self.message_zh


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


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

    def __str__(self) -> str:
        zh = f"第 {self.row} 行 " + (f"[{COLUMNS[self.field]}] " if self.column else "")
        en = f"row {self.row} " + (f"[{self.field}] " if self.column else "")
        return f"{zh}{self.message_zh} / {en}{self.message_en}"


@dataclass
class ImportReport:
    total: int = 0
    created: list[str] = field(default_factory=list)  # unit codes
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def saved(self) -> bool:
        """Whether the rows were written (no errors, not a dry run)."""
        return self.ok and not self.dry_run


# --- Reading -------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as stripped text: numbers without a spurious ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        value = value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _heading(value: Any) -> str:
    text = " ".join(_text(value).split())
    return text.rstrip("*＊").strip()  # "单位代码*" marks a required column in templates


def read_rows(path_or_file: str | Path | IO[bytes], filename: str | None = None) -> list[dict]:
    """The rows of an XLSX or CSV file as dicts of field name → text, with their row number.

    The first non-empty row holds the column headings (Chinese or field names, see
    :data:`COLUMNS`). Empty rows are skipped; each dict has the spreadsheet row number
    under :data:`ROW`. Raises :class:`ImportFileError` when the file cannot be read.
    """
    if isinstance(path_or_file, str | Path):
        filename = filename or Path(path_or_file).name
        try:
            data = Path(path_or_file).read_bytes()
        except OSError as exc:
            raise ImportFileError(
                _("Cannot read the file: %(reason)s"), {"reason": exc.strerror or exc}
            ) from None
    else:
        data = path_or_file.read()
    suffix = Path(filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportFileError(
            _("%(name)s is not an .xlsx or .csv file (save .xls workbooks as .xlsx first)."),
            {"name": filename or "?"},
        )
    return _as_dicts(_rows(data, suffix))


def _rows(data: bytes, suffix: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from table_rows(data, suffix)
    except SpreadsheetError as exc:
        raise ImportFileError(exc.message, exc.params) from None


def _as_dicts(source: Iterable[tuple[int, list[Any]]]) -> list[dict]:
    fields: list[str | None] | None = None
    rows: list[dict] = []
    for number, values in source:
        if fields is None:
            if not any(_text(v) for v in values):
                continue
            fields = _header(values)
            continue
        cells = [_text(v) for v in values]
        if not any(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)d rows: split it."), {"max": MAX_ROWS}
            )
        row: dict[str, Any] = {ROW: number}
        for index, cell in enumerate(cells):
            name = fields[index] if index < len(fields) else None
            if name is not None:
                row[name] = cell
            elif cell:
                raise ImportFileError(
                    _("Row %(row)d has a value in a column without a heading."), {"row": number}
                )
        for name in fields:  # short rows (CSV): the missing cells are empty
            if name is not None:
                row.setdefault(name, "")
        rows.append(row)
    if fields is None:
        raise ImportFileError(_("The file is empty: the first row must hold the column headings."))
    return rows


class _Listing:
    """Items joined the Chinese way (、) or the English way (, ), by the active language."""

    def __init__(self, zh: Iterable[str], en: Iterable[str]) -> None:
        self.zh, self.en = list(zh), list(en)

    def __str__(self) -> str:
        return ", ".join(self.en) if _english() else "、".join(self.zh)


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
            raise ImportFileError(
                _("The column %(heading)s appears twice."), {"heading": COLUMNS[name]}
            )
        else:
            fields.append(name)
    if unknown:
        raise ImportFileError(
            _("Unknown column heading: %(headings)s. Known headings: %(known)s."),
            {"headings": _Listing(unknown, unknown), "known": _Listing(COLUMNS.values(), COLUMNS)},
        )
    if "code" not in fields:
        raise ImportFileError(_("The first row has no 单位代码 (code) column."))
    return fields


# --- Importing -----------------------------------------------------------------------


def _kinds() -> dict[str, str]:
    """Accepted spellings of each kind: its value and its label in Chinese and English."""
    kinds = {}
    for value, label in UnitKind.choices:
        kinds[value] = value
        for spelling in _bilingual(label):
            kinds[spelling.lower()] = value
    return kinds


class _Rows:
    """The rows being imported, to explain a supervising unit code that cannot be found."""

    def __init__(self, rows: list[dict]) -> None:
        self.row_of: dict[str, int] = {}
        for index, row in enumerate(rows):
            code = _text(row.get("code"))
            if code:
                self.row_of.setdefault(code, _row_number(row, index))
        self.failed: set[str] = set()


def _row_number(row: dict, index: int) -> int:
    return int(row.get(ROW) or index + 2)


def _errors_of(number: int, exc: Exception) -> list[RowError]:
    if isinstance(exc, ValidationError):
        found = []
        items = exc.error_dict.items() if hasattr(exc, "error_dict") else [("", exc.error_list)]
        for name, errors in items:
            for error in errors:
                zh, en = _bilingual(error.message, error.params)
                found.append(RowError(number, name if name in COLUMNS else "", zh, en))
        return found
    if isinstance(exc, IntegrityError):
        zh, en = _bilingual(_("The database refused this row (it may repeat an existing unit)."))
    else:
        zh, en = _bilingual(str(exc))
    return [RowError(number, "", zh, en)]


def _column_order(error: RowError) -> int:
    """Errors of one row in the order of the columns; those of the whole row last."""
    return _ORDER.get(error.field, len(_ORDER))


def _convert(
    row: dict, number: int, seen: dict[str, int], rows: _Rows, kinds: dict[str, str]
) -> tuple[dict[str, Any], list[RowError]]:
    """The row's values as service data, and the problems found before asking the services.

    A value with a problem is left out of the data, so that the services can still
    report the row's other problems.
    """
    data: dict[str, Any] = {}
    errors: list[RowError] = []

    def problem(name: str, message: Any, params: Any = None) -> None:
        errors.append(RowError(number, name, *_bilingual(message, params)))
        data.pop(name, None)

    for name, value in row.items():
        if name in COLUMNS:
            data[name] = _text(value)
    code = data.get("code", "")
    if not code:
        problem("code", _("The unit code is required."))
    elif code in seen:
        problem(
            "code",
            _("The unit code %(code)s is already in row %(row)d."),
            {"code": code, "row": seen[code]},
        )
    else:
        seen[code] = number
    if data.get("kind"):
        kind = kinds.get(data["kind"].lower())
        if kind is None:
            problem(
                "kind",
                _(
                    "Unknown kind %(kind)s: write 管委会部门, 社区居委会 or 公共企事业单位 "
                    "(department, community, provider)."
                ),
                {"kind": data["kind"]},
            )
        else:
            data["kind"] = kind
    if "supervising_unit" in data:
        supervisor_code = data["supervising_unit"]
        supervisor = Unit.objects.filter(code=supervisor_code).first() if supervisor_code else None
        data["supervising_unit"] = supervisor
        params = {"code": supervisor_code, "row": rows.row_of.get(supervisor_code)}
        if supervisor_code and supervisor is None:
            if supervisor_code in rows.failed:
                message = _("The supervising unit %(code)s could not be imported (row %(row)d).")
            elif supervisor_code in rows.row_of:
                message = _(
                    "The supervising unit %(code)s must come before this row (it is in row "
                    "%(row)d)."
                )
            else:
                message = _("No unit has the code %(code)s.")
            problem("supervising_unit", message, params)
    return data, errors


def import_units(
    *,
    rows: list[dict],
    by: User,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Create or update one unit per row, all in one transaction, through the unit services.

    A row whose code exists updates that unit (only the columns present; a unit admin
    may change their own unit's agency information); a new code creates a unit (the
    Office only). Every problem of every row is collected; if there is any, or
    ``dry_run`` is set, everything is rolled back. ``progress(done, total)`` is called
    after each row.
    """
    report = ImportReport(total=len(rows), dry_run=dry_run)
    outcomes = {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    seen: dict[str, int] = {}
    known = _Rows(rows)
    kinds = _kinds()
    with transaction.atomic():
        for index, row in enumerate(rows):
            number = _row_number(row, index)
            data, errors = _convert(row, number, seen, known, kinds)
            if "code" in data:  # without a (unique) code there is nothing to save
                outcome, found = _save(data, number, by)
                reported = {error.field for error in errors}
                errors += [e for e in found if not e.field or e.field not in reported]
                if outcome and not errors:
                    outcomes[outcome].append(data["code"])
            if errors:
                report.errors.extend(sorted(errors, key=_column_order))
                known.failed.add(_text(row.get("code")))
            if progress is not None:
                progress(index + 1, len(rows))
        if report.errors or dry_run:
            transaction.set_rollback(True)
    return report


def _save(data: dict[str, Any], number: int, by: User) -> tuple[str, list[RowError]]:
    """Create or update the row's unit; "created", "updated" or "unchanged", and the errors."""
    unit = Unit.objects.filter(code=data["code"]).first()
    try:
        with transaction.atomic():  # a row the database refuses leaves the others usable
            if unit is None:
                services.unit_create(by=by, data=data, via="import")
                return "created", []
            before = snapshot(unit, exclude=["created_at", "updated_at"])
            changes = {k: v for k, v in data.items() if k != "code"}
            after = snapshot(
                services.unit_update(unit=unit, by=by, changes=changes, via="import"),
                exclude=["created_at", "updated_at"],
            )
    except (ValidationError, PermissionDenied, IntegrityError) as exc:
        return "", _errors_of(number, exc)
    return ("updated" if after != before else "unchanged"), []


# --- Upload form (back office) -------------------------------------------------------


class ImportForm(forms.Form):
    """A spreadsheet upload; ``cleaned_data["rows"]`` holds the rows read from it."""

    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("XLSX or CSV, at most 5 MB; the first row holds the column headings."),
    )
    dry_run = forms.BooleanField(label=_("Check only, save nothing"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(EXTENSIONS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > MAX_BYTES:
            self.add_error("file", _("The file is larger than 5 MB."))
            return cleaned
        try:
            cleaned["rows"] = read_rows(upload, upload.name)
        except ImportFileError as exc:
            self.add_error("file", exc.message)
        return cleaned
