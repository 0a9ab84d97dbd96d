"""Reading a past year's report from the XLSX layout (issue #6 §7).

:func:`read_past_year_xlsx` reads exactly the workbook :func:`render.report_xlsx` writes —
sheets 说明, 表二, 表三, 表四, the official labels where the grid has labels and whole numbers
where it has figures — so a report exported from the platform imports again unchanged. A unit
without such a file fills :func:`blank_template_xlsx` (the same layout, every figure 0) by
hand. The result goes to :func:`services.report_import_past_year`, which checks every §8
relation and the chain to the year before::

    parsed = read_past_year_xlsx(path_or_bytes_or_file)
    services.report_import_past_year(
        unit=Unit.objects.get(code=parsed["unit_code"]), year=parsed["year"],
        tables_data=parsed["tables"], figures=parsed["figures"], by=user, via="import")

A file that is not such a workbook raises :class:`django.core.exceptions.ValidationError`
with every problem in Chinese and English, naming the sheet and the cell (「表三 D5」). Blank
figure cells count as 0; whole numbers typed as text are accepted.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError

from gongkai.annual_reports import render
from gongkai.annual_reports.render import blank_template_xlsx

__all__ = ["MAX_BYTES", "blank_template_xlsx", "read_past_year_xlsx"]

MAX_BYTES = 5 * 1024 * 1024  # a report workbook is a few kilobytes
MAX_FIGURE = 10_000_000
_SPACE = re.compile(r"\s+")
FIGURE_FIELDS = {
    ("decisions", "licensing"): "licensing_decisions",
    ("decisions", "penalty"): "penalty_decisions",
    ("decisions", "enforcement"): "enforcement_decisions",
}


def _bytes(file: str | Path | bytes | IO[bytes]) -> bytes:
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, (str, Path)):
        try:
            with open(file, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise ValidationError(
                f"无法读取文件 {file}：{exc.strerror} / cannot read {file}: {exc.strerror}"
            ) from None
    else:
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(
            "文件过大，年度报告工作簿不超过 5 MB / the file is too large (a report workbook is "
            "at most 5 MB)"
        )
    return data


def _label(value: Any) -> str:
    return _SPACE.sub("", str(value or ""))


def _whole(value: Any, where: str, errors: list[str]) -> int:
    """A figure cell: a whole number ≥ 0 (blank: 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        number = int(value)
    if number is None or number < 0 or number > MAX_FIGURE:
        errors.append(
            f"「{where}」应为不小于 0 的整数，现为“{value}” / {where}: a whole number ≥ 0 is "
            f"needed, not {value!r}"
        )
        return 0
    return number


def _amount(value: Any, where: str, errors: list[str], places: int) -> Decimal:
    """An amount cell (≥ 0, at most ``places`` decimals; blank: 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= MAX_FIGURE:
        errors.append(
            f"「{where}」应为不小于 0 的金额，现为“{value}” / {where}: an amount ≥ 0 is "
            f"needed, not {value!r}"
        )
        return Decimal(0)
    return amount.quantize(Decimal(1).scaleb(-places))


def read_past_year_xlsx(file: str | Path | bytes | IO[bytes]) -> dict[str, Any]:
    """The unit code, year, tables and entered figures of a report workbook in the layout of
    :func:`render.report_xlsx`: ``{"unit_code", "year", "tables": {"proactive", "requests",
    "review", "fees_collected"}, "figures": {"licensing_decisions", "penalty_decisions",
    "enforcement_decisions", "charges_amount"}}``. Raises ValidationError listing every
    problem with its sheet and cell."""
    from openpyxl import load_workbook

    data = _bytes(file)
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:
        # openpyxl fails in many ways on a file that is not a workbook (a PDF, a .docx,
        # a damaged or an .xls file): every one of them means "not an XLSX workbook".
        raise ValidationError(
            "文件不是有效的 XLSX 工作簿（.xls 请另存为 .xlsx）/ the file is not a valid XLSX "
            "workbook (save .xls files as .xlsx)"
        ) from None
    try:
        return _read(workbook)
    finally:
        workbook.close()


def _read(workbook: Any) -> dict[str, Any]:
    grids = render.grids()
    missing = [render.INFO_SHEET, *(g.sheet for g in grids)]
    missing = [name for name in missing if name not in workbook.sheetnames]
    if missing:
        raise ValidationError(
            [
                f"缺少工作表“{name}”（请使用平台导出的年度报告或空白模板）/ the sheet "
                f"{name} is missing (use a report exported by the platform or the blank template)"
                for name in missing
            ]
        )
    errors: list[str] = []

    info = workbook[render.INFO_SHEET]
    places = {key: number for number, (key, _l) in enumerate(render.INFO_ROWS, start=1)}
    for key, label in render.INFO_ROWS[:5]:
        found = info.cell(places[key], 1).value
        if _label(found) != _label(label):
            errors.append(
                f"「{render.INFO_SHEET} A{places[key]}」应为“{label}”，现为“{found or ''}”"
                f"（请勿移动标签）/ {render.INFO_SHEET} A{places[key]}: the label {label} "
                "is expected here (labels must not move)"
            )
    year_cell = f"{render.INFO_SHEET} B{places['year']}"
    year = _whole(info.cell(places["year"], 2).value, year_cell, errors)
    if not errors and not 2008 <= year <= 2999:
        errors.append(
            f"「{year_cell}」年度应为四位年份，现为“{year}” / {year_cell}: a year such as 2020 "
            f"is needed, not {year}"
        )
    code_cell = f"{render.INFO_SHEET} B{places['unit_code']}"
    unit_code = str(info.cell(places["unit_code"], 2).value or "").strip().upper()
    if not unit_code:
        errors.append(f"「{code_cell}」缺少单位代码 / {code_cell}: the unit code is missing")
    fees = _amount(
        info.cell(places["fees_collected"], 2).value,
        f"{render.INFO_SHEET} B{places['fees_collected']}",
        errors,
        2,
    )

    values: dict[render.Key, Any] = {}
    for grid in grids:
        sheet = workbook[grid.sheet]
        for cell in grid.labels():
            ref = render.sheet_ref(cell.row, cell.col)
            found = sheet[ref].value
            if _label(found) != _label(cell.text):
                errors.append(
                    f"「{grid.sheet} {ref}」应为“{cell.text}”，现为“{found or ''}”（请勿移动或"
                    f"修改标签）/ {grid.sheet} {ref}: the label {cell.text} is expected here "
                    "(labels must not move or change)"
                )
        for cell in grid.figures():
            if cell.key is None:  # figures() has keys; for the type checker
                continue
            ref = render.sheet_ref(cell.row, cell.col)
            value = sheet[ref].value
            where = f"{grid.sheet} {ref}"
            if cell.key == ("charges",):
                values[cell.key] = _amount(value, where, errors, 4)
            else:
                values[cell.key] = _whole(value, where, errors)
    if errors:
        raise ValidationError(errors)

    tables: dict[str, Any] = {"proactive": {}, "requests": {}, "review": {}}
    for figure, number in values.items():
        if figure[0] in tables:
            tables[figure[0]].setdefault(figure[1], {})[figure[2]] = number
    tables["fees_collected"] = str(fees)
    figures: dict[str, Any] = {name: values[key] for key, name in FIGURE_FIELDS.items()}
    figures["charges_amount"] = str(values[("charges",)])
    return {"unit_code": unit_code, "year": year, "tables": tables, "figures": figures}
