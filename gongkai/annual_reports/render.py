"""The annual report's files: HTML, PDF, DOCX and XLSX in the official layout (issue #6 §5;
format 国办公开办函〔2021〕30号; REGULATION.md §8).

Every function takes the dictionary of :func:`selectors.report_data` (or its
:func:`selectors.public_data`; the ids behind the cells are never printed)::

    report_html(data) -> str      # a standalone HTML document (inline CSS)
    report_pdf(data) -> bytes     # the same template through WeasyPrint, Noto CJK embedded
    report_docx(data) -> bytes    # python-docx, A4, official margins, 仿宋/黑体 via rFonts
    report_xlsx(data) -> bytes    # sheets 说明, 表二, 表三, 表四 (numbers as numbers)

**Layout.** The title 「<name><year>年政府信息公开工作年度报告」, then the six sections in
order; tables 二, 三 and 四 sit in sections 二, 三 and 四 exactly as in the official form,
with its merged cells. Each table is one :class:`Grid` (cells with row/column spans, label or
figure) built here once by :func:`grids`; the HTML/PDF template, the DOCX and the XLSX all
draw that grid, and ``importing.py`` reads an XLSX back by the same grid (labels where the
grid has labels, whole numbers where it has figures), so an export imports again unchanged.

**XLSX places.** Each table sheet has its caption in row 1 and the grid from row 2, column A
(:func:`sheet_ref` gives a figure's cell, e.g. 表三 D5 is 一、本年新收 / 自然人). Sheet 说明
holds, in column B: 标题 (B1), 年度 (B2), 单位代码 (B3), 单位名称 (B4) and the processing fees
collected in yuan (B5).
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.template.loader import render_to_string

from gongkai.annual_reports import selectors, tables

FORMAT_NAME = "国办公开办函〔2021〕30号"
SECTIONS: list[tuple[str, str]] = [
    ("overview", "一、总体情况"),
    ("proactive", "二、主动公开政府信息情况"),
    ("requests", "三、收到和处理政府信息公开申请情况"),
    ("review", "四、政府信息公开行政复议、行政诉讼情况"),
    ("problems", "五、存在的主要问题及改进情况"),
    ("other_matters", "六、其他需要报告的事项"),
]
REQUESTS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
RESULTS_LABEL = "三、本年度办理结果"

# Sheet 说明: (row, label) of column A; the values are in column B.
INFO_SHEET = "说明"
INFO_ROWS: list[tuple[str, str]] = [
    ("title", "标题"),
    ("year", "年度"),
    ("unit_code", "单位代码"),
    ("unit_name", "单位名称"),
    ("fees_collected", "政府信息公开信息处理费（元）"),
    ("format", "格式"),
    ("scope_note", "范围说明"),
    ("correction_note", "更正说明"),
    ("instructions", "填写说明"),
]
INSTRUCTIONS = (
    "表二、表三、表四的数字请填写非负整数（行政事业性收费金额单位为万元，可有小数；"
    "空白按 0 计）；请勿移动、增删行列或修改标签。填好后用 "
    "gongkai report import-past-year 文件 --as 账号 导入。"
)
FIRST_GRID_ROW = 2  # the caption is row 1 of each table sheet

# A figure's key: ("proactive", row, col), ("decisions", key), ("charges",),
# ("requests", row, col) or ("review", group, col).
Key = tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """One cell of a table: a label (``text``) or a figure (``key``), at ``row``/``col`` of
    its grid (0-based) spanning ``rowspan`` × ``colspan`` cells."""

    row: int
    col: int
    text: str = ""
    key: Key | None = None
    rowspan: int = 1
    colspan: int = 1
    value: Any = None  # the figure, when the grid is filled

    @property
    def is_figure(self) -> bool:
        return self.key is not None

    @property
    def display(self) -> str:
        return self.text if self.key is None else format_figure(self.value)

    @property
    def classes(self) -> str:
        names = ["figure" if self.key else "label"]
        if self.key is None and self.colspan == 1 and self.rowspan > 2 and self.col == 0:
            names.append("vertical")
        return " ".join(names)


@dataclass
class Grid:
    """A table in the official layout: ``cells`` (each starting once) over ``n_rows`` ×
    ``n_cols``; ``widths`` are relative column widths (millimetres on A4)."""

    sheet: str
    caption: str
    n_rows: int
    n_cols: int
    widths: list[float]
    cells: list[Cell] = field(default_factory=list)
    header_rows: int = 0

    @property
    def slug(self) -> str:
        return {"表二": "proactive", "表三": "requests", "表四": "review"}[self.sheet]

    def add(self, row: int, col: int, text: str = "", **kw: Any) -> None:
        self.cells.append(Cell(row, col, text, **kw))

    @property
    def rows(self) -> list[list[Cell]]:
        """The cells starting in each row, left to right (for HTML tables)."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[cell.row].append(cell)
        return out

    @property
    def head(self) -> list[list[Cell]]:
        return self.rows[: self.header_rows]

    @property
    def body(self) -> list[list[Cell]]:
        return self.rows[self.header_rows :]

    @property
    def percents(self) -> list[str]:
        total = sum(self.widths)
        return [f"{100 * w / total:.2f}" for w in self.widths]

    def figures(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.key is not None]

    def labels(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.key is None]


def format_figure(value: Any) -> str:
    """A figure as printed: whole numbers as they are, amounts without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "") else text


def sheet_ref(row: int, col: int) -> str:
    """The XLSX address of a grid cell (0-based) on its table sheet, e.g. (3, 3) → D5."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row + FIRST_GRID_ROW}"


# --- The three grids ------------------------------------------------------------------------


def _proactive_grid() -> Grid:
    grid = Grid("表二", SECTIONS[1][1], 14, 4, [50, 35, 35, 36])
    grid.add(0, 0, "第二十条第（一）项", colspan=4)
    grid.add(1, 0, "信息内容")
    for col, (_key, label) in enumerate(tables.PROACTIVE_COLUMNS, start=1):
        grid.add(1, col, label)
    for row, (key, label) in enumerate(tables.PROACTIVE_ROWS, start=2):
        grid.add(row, 0, label)
        for col, (column, _l) in enumerate(tables.PROACTIVE_COLUMNS, start=1):
            grid.add(row, col, key=("proactive", key, column))
    decisions = {key: label for key, label, _field in selectors.DECISION_ROWS}
    row = 4
    for item, keys in (
        ("第二十条第（五）项", ["licensing"]),
        ("第二十条第（六）项", ["penalty", "enforcement"]),
    ):
        grid.add(row, 0, item, colspan=4)
        grid.add(row + 1, 0, "信息内容")
        grid.add(row + 1, 1, selectors.DECISIONS_COLUMN["label"], colspan=3)
        row += 2
        for key in keys:
            grid.add(row, 0, decisions[key])
            grid.add(row, 1, key=("decisions", key), colspan=3)
            row += 1
    grid.add(row, 0, "第二十条第（八）项", colspan=4)
    grid.add(row + 1, 0, "信息内容")
    grid.add(row + 1, 1, selectors.CHARGES_COLUMN["label"], colspan=3)
    grid.add(row + 2, 0, selectors.CHARGES_LABEL)
    grid.add(row + 2, 1, key=("charges",), colspan=3)
    return grid


def _result_parts(label: str) -> tuple[str, str]:
    """Split a result row's label in its two printed parts: "（三）不予公开 1.属于国家秘密"
    gives ("（三）不予公开", "1.属于国家秘密"); "（一）予以公开" gives ("（一）予以公开", "")."""
    head, _space, item = label.partition(" ")
    return head, item


def _requests_grid() -> Grid:
    applicants = tables.COLUMNS[1:-1]
    grid = Grid("表三", SECTIONS[2][1], 3 + len(tables.ROWS), 10, [7, 21, 56] + [10.3] * 7)
    grid.header_rows = 3
    grid.add(0, 0, REQUESTS_NOTE, rowspan=3, colspan=3)
    grid.add(0, 3, "申请人情况", colspan=7)
    grid.add(1, 3, tables.COLUMNS[0][1], rowspan=2)
    grid.add(1, 4, "法人或其他组织", colspan=5)
    grid.add(1, 9, tables.COLUMNS[-1][1], rowspan=2)
    for col, (_key, label) in enumerate(applicants, start=4):
        grid.add(2, col, label)
    labels = dict(tables.ROWS)
    result_rows = [*tables.RESULT_KEYS, "results_total"]
    first_result = 3 + [key for key, _l in tables.ROWS].index(result_rows[0])
    grid.add(first_result, 0, RESULTS_LABEL, rowspan=len(result_rows))
    groups: dict[str, list[int]] = {}
    for row, (key, label) in enumerate(tables.ROWS, start=3):
        for col, (column, _l) in enumerate(tables.COLUMNS, start=3):
            grid.add(row, col, key=("requests", key, column))
        if key not in result_rows:
            grid.add(row, 0, label, colspan=3)
            continue
        head, item = _result_parts(labels[key].removeprefix(RESULTS_LABEL).strip())
        if not item:
            grid.add(row, 1, head, colspan=2)
        else:
            groups.setdefault(head, []).append(row)
            grid.add(row, 2, item)
    for head, rows in groups.items():
        grid.add(rows[0], 1, head, rowspan=len(rows))
    return grid


def _review_grid() -> Grid:
    grid = Grid("表四", SECTIONS[3][1], 4, 15, [10.4] * 15)
    grid.header_rows = 3
    results = tables.REVIEW_COLUMNS
    (review, review_label), *litigation = tables.REVIEW_GROUPS
    grid.add(0, 0, review_label, colspan=5)
    grid.add(0, 5, _result_parts(litigation[0][1])[0], colspan=10)
    for col, (_key, label) in enumerate(results):
        grid.add(1, col, label, rowspan=2)
        grid.add(3, col, key=("review", review, results[col][0]))
    for index, (group, label) in enumerate(litigation):
        start = 5 + 5 * index
        grid.add(1, start, _result_parts(label)[1], colspan=5)
        for offset, (key, result_label) in enumerate(results):
            grid.add(2, start + offset, result_label)
            grid.add(3, start + offset, key=("review", group, key))
    return grid


def grids() -> list[Grid]:
    """Tables 二, 三 and 四 as empty grids (labels and the places of the figures)."""
    return [_proactive_grid(), _requests_grid(), _review_grid()]


def figures_of(data: dict[str, Any]) -> dict[Key, Any]:
    """Every figure of the report by its key."""
    out: dict[Key, Any] = {}
    proactive = data.get("proactive_table") or {}
    for row in proactive.get("rows", []):
        for column, value in row["cells"].items():
            out[("proactive", row["key"], column)] = int(value)
    for row in (proactive.get("decisions") or {}).get("rows", []):
        out[("decisions", row["key"])] = int(row["value"])
    out[("charges",)] = Decimal(str((proactive.get("charges") or {}).get("amount") or "0"))
    for row in (data.get("requests_table") or {}).get("rows", []):
        for column, value in row["cells"].items():
            out[("requests", row["key"], column)] = int(value)
    for group in (data.get("review_table") or {}).get("groups", []):
        for column, value in group["cells"].items():
            out[("review", group["key"], column)] = int(value)
    return out


def filled_grids(data: dict[str, Any]) -> list[Grid]:
    """The three grids with the report's figures."""
    values = figures_of(data)
    out = []
    for grid in grids():
        grid.cells = [
            dataclasses.replace(c, value=values.get(c.key, 0)) if c.key else c for c in grid.cells
        ]
        out.append(grid)
    return out


# --- Text -------------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def fees_sentence(data: dict[str, Any]) -> str:
    amount = Decimal(str((data.get("fees_collected") or {}).get("amount") or "0"))
    return f"本年度收取政府信息公开信息处理费{amount.quantize(Decimal('0.01'))}元。"


def unit_name(data: dict[str, Any]) -> str:
    from django.conf import settings

    return data["unit"]["name"] if data.get("unit") else str(settings.GONGKAI_GOVERNMENT_NAME)


def _context(data: dict[str, Any]) -> dict[str, Any]:
    proactive, requests, review = filled_grids(data)
    sections = data.get("sections") or {}
    return {
        "data": data,
        "title": data.get("title") or "",
        "author": unit_name(data),
        "draft": data.get("state") != "published",
        "scope_note": data.get("scope_note") or "",
        "correction_note": _paragraphs(data.get("correction_note") or ""),
        "overview": _paragraphs(sections.get("overview", "")),
        "problems": _paragraphs(sections.get("problems", "")),
        "other_matters": [*_paragraphs(sections.get("other_matters", "")), fees_sentence(data)],
        "headings": dict(SECTIONS),
        "grids": [proactive, requests, review],
        "proactive": proactive,
        "requests": requests,
        "review": review,
    }


# --- HTML and PDF --------------------------------------------------------------------------


def report_html(data: dict[str, Any]) -> str:
    """The report as a standalone HTML document (the PDF's template, CSS inline)."""
    return render_to_string("annual_reports/document.html", _context(data))


def report_pdf(data: dict[str, Any]) -> bytes:
    """The report as PDF: A4, WeasyPrint, the Noto CJK fonts embedded."""
    from weasyprint import HTML

    return bytes(HTML(string=report_html(data)).write_pdf())


# --- DOCX ---------------------------------------------------------------------------------------


def report_docx(data: dict[str, Any]) -> bytes:
    """The report as DOCX: A4 with the margins of official documents, 仿宋 16 pt body, 黑体
    headings, the tables with their merged cells in 10.5 pt (fonts as in the reply letters)."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from gongkai.disclosure_requests.letters import (
        DOCX_TITLE_FONT,
        _east_asian,
        official_docx,
    )

    context = _context(data)
    document = official_docx()

    def paragraph(text: str, *, indent: bool = True, align: Any = None) -> Any:
        item = document.add_paragraph()
        if indent:
            item.paragraph_format.first_line_indent = Pt(32)
        item.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if align is None else align
        item.add_run(text)
        return item

    def heading(text: str) -> None:
        item = paragraph(text, indent=True)
        item.paragraph_format.keep_with_next = True
        _east_asian(item.runs[0]._element, DOCX_TITLE_FONT)

    title = paragraph(context["title"], indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(14)
    title.runs[0].bold = True
    title.runs[0].font.size = Pt(22)
    _east_asian(title.runs[0]._element, DOCX_TITLE_FONT)
    if context["draft"]:
        paragraph("（草稿，未发布）", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    if context["scope_note"]:
        paragraph(context["scope_note"])
    for index, text in enumerate(context["correction_note"]):
        paragraph(("更正说明：" if index == 0 else "") + text)

    def table(grid: Grid) -> None:
        sized = document.add_table(rows=grid.n_rows, cols=grid.n_cols)
        sized.style = "Table Grid"
        sized.alignment = WD_TABLE_ALIGNMENT.CENTER
        sized.autofit = False
        width = 156 / sum(grid.widths)
        for col, column in enumerate(sized.columns):
            column.width = Mm(grid.widths[col] * width)
        for row in sized.rows:
            for col, cell in enumerate(row.cells):
                cell.width = Mm(grid.widths[col] * width)
        margins = OxmlElement("w:tblCellMar")
        for side, twips in (("top", 0), ("left", 40), ("bottom", 0), ("right", 40)):
            margin = OxmlElement(f"w:{side}")
            margin.set(qn("w:w"), str(twips))
            margin.set(qn("w:type"), "dxa")
            margins.append(margin)
        sized._tbl.tblPr.append(margins)
        for number, row in enumerate(sized.rows):
            properties = row._tr.get_or_add_trPr()
            keep = OxmlElement("w:cantSplit")
            properties.append(keep)
            if number < grid.header_rows:  # the header repeats on each page
                repeat = OxmlElement("w:tblHeader")
                repeat.set(qn("w:val"), "true")
                properties.append(repeat)
        for item in grid.cells:
            target = sized.cell(item.row, item.col)
            if item.rowspan > 1 or item.colspan > 1:
                target = target.merge(
                    sized.cell(item.row + item.rowspan - 1, item.col + item.colspan - 1)
                )
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            text = target.paragraphs[0]
            text.alignment = (
                WD_ALIGN_PARAGRAPH.LEFT
                if item.key is None and item.col == 2 and grid.sheet == "表三"
                else WD_ALIGN_PARAGRAPH.CENTER
            )
            text.paragraph_format.first_line_indent = Pt(0)
            text.paragraph_format.line_spacing = Pt(14)
            run = text.add_run(item.display)
            run.font.size = Pt(10.5)
            if item.key is None and item.row < max(grid.header_rows, 1):
                _east_asian(run._element, DOCX_TITLE_FONT)

    for key, label in SECTIONS:
        heading(label)
        if key in ("proactive", "requests", "review"):
            table(context[key])
            spacer = document.add_paragraph()
            spacer.paragraph_format.line_spacing = Pt(14)
        else:
            for text in context[key]:
                paragraph(text)

    properties = document.core_properties
    properties.title = context["title"]
    properties.author = context["author"]
    properties.language = "zh-CN"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- XLSX ------------------------------------------------------------------------------------


def _info_values(data: dict[str, Any]) -> dict[str, Any]:
    unit = data.get("unit") or {}
    return {
        "title": data.get("title") or "",
        "year": int(data["year"]),
        "unit_code": unit.get("code", ""),
        "unit_name": unit_name(data),
        "fees_collected": Decimal(str((data.get("fees_collected") or {}).get("amount") or "0")),
        "format": FORMAT_NAME,
        "scope_note": data.get("scope_note") or "",
        "correction_note": data.get("correction_note") or "",
        "instructions": INSTRUCTIONS,
    }


def report_xlsx(data: dict[str, Any]) -> bytes:
    """The report's tables as one workbook: sheet 说明 (title, year, unit code, fees), then
    表二, 表三 and 表四 in the official layout with the official labels; figures are numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    info = workbook.worksheets[0]
    info.title = INFO_SHEET
    values = _info_values(data)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="center")
    for number, (key, label) in enumerate(INFO_ROWS, start=1):
        info.cell(number, 1, label).font = bold
        cell = info.cell(number, 2, values[key])
        cell.alignment = wrap
        if key == "fees_collected":
            cell.number_format = "0.00"
    info.column_dimensions["A"].width = 30
    info.column_dimensions["B"].width = 90

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    for grid in filled_grids(data):
        sheet = workbook.create_sheet(grid.sheet)
        sheet.cell(1, 1, grid.caption).font = Font(bold=True, size=12)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=grid.n_cols)
        for row in range(grid.n_rows):
            for col in range(grid.n_cols):
                sheet.cell(row + FIRST_GRID_ROW, col + 1).border = border
        for item in grid.cells:
            cell = sheet.cell(item.row + FIRST_GRID_ROW, item.col + 1)
            if item.key is None:
                cell.value = item.text
                cell.alignment = left if grid.sheet == "表三" and item.col == 2 else centred
                if item.row < grid.header_rows or item.text.startswith(("第二十条", "信息内容")):
                    cell.font = bold
            else:
                value = item.value
                cell.value = value
                if isinstance(value, Decimal):
                    cell.number_format = "0.0000"
                cell.alignment = centred
            if item.rowspan > 1 or item.colspan > 1:
                sheet.merge_cells(
                    start_row=item.row + FIRST_GRID_ROW,
                    start_column=item.col + 1,
                    end_row=item.row + FIRST_GRID_ROW + item.rowspan - 1,
                    end_column=item.col + item.colspan,
                )
        scale = 0.55 if grid.sheet != "表二" else 0.4
        for col, width in enumerate(grid.widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = max(8.0, width / scale / 2)
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "landscape" if grid.sheet == "表四" else "portrait"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def blank_data(unit_code: str, year: int, name: str = "") -> dict[str, Any]:
    """A report dictionary with every figure 0, for a unit to fill a past year by hand (the
    unit's name is looked up unless given)."""
    if not name:
        from gongkai.units.models import Unit

        unit = Unit.objects.filter(code=unit_code.strip().upper()).first()
        name = unit.name_zh if unit is not None else unit_code.strip().upper()
    zero = {
        "proactive": {
            r: {c: 0 for c, _l in tables.PROACTIVE_COLUMNS} for r, _l in tables.PROACTIVE_ROWS
        },
        "requests": {r: {c: 0 for c, _l in tables.COLUMNS} for r, _l in tables.ROWS},
        "review": {g: {c: 0 for c, _l in tables.REVIEW_COLUMNS} for g, _l in tables.REVIEW_GROUPS},
    }
    return {
        "year": int(year),
        "unit": {"code": unit_code.strip().upper(), "name": name},
        "title": f"{name}{int(year)}年政府信息公开工作年度报告",
        "state": "draft",
        "scope_note": "",
        "correction_note": "",
        "sections": {"overview": "", "problems": "", "other_matters": ""},
        "proactive_table": {
            "rows": [{"key": r, "cells": zero["proactive"][r]} for r, _l in tables.PROACTIVE_ROWS],
            "decisions": {
                "rows": [{"key": k, "value": 0} for k, _l, _f in selectors.DECISION_ROWS]
            },
            "charges": {"amount": "0"},
        },
        "requests_table": {
            "rows": [{"key": r, "cells": zero["requests"][r]} for r, _l in tables.ROWS]
        },
        "review_table": {
            "groups": [{"key": g, "cells": zero["review"][g]} for g, _l in tables.REVIEW_GROUPS]
        },
        "fees_collected": {"amount": "0"},
    }


def blank_template_xlsx(unit_code: str, year: int) -> bytes:
    """The XLSX layout with every figure 0, for a unit to fill in a past year by hand."""
    return report_xlsx(blank_data(unit_code, year))
