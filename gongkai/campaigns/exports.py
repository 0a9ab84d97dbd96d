"""A campaign's results as an XLSX workbook (issue #3 §7): one row per task.

The headings are the Chinese ones of the Office's forms (like the import columns); choice
values are written in Chinese. Text is always written as text: a title that starts with
``=`` never becomes a formula.
"""

from __future__ import annotations

import io
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from gongkai.campaigns.models import Campaign, CampaignTask, Decision
from gongkai.library.choices import DisclosureAttribute, Validity, WithholdingGround

HEADINGS = [
    "索引号",
    "标题",
    "文号",
    "单位",
    "原公开属性",
    "决定",
    "理由",
    "说明",
    "决定人",
    "决定时间",
    "是否已执行",
    "错误",
    "原有效性",
    "保留的公开属性",
]
WIDTHS = [22, 50, 24, 20, 12, 14, 40, 40, 12, 18, 10, 40, 10, 14]
# What a row needs: the document's body (kilobytes each) is never read.
_TASK_FIELDS = [
    "campaign",
    "attribute_before",
    "validity_before",
    "decision",
    "keep_attribute",
    "grounds",
    "explanation",
    "decided_at",
    "applied",
    "error",
    "document",
    "document__index_number",
    "document__title",
    "document__document_number",
    "unit",
    "unit__name_zh",
    "decided_by",
    "decided_by__full_name",
    "decided_by__username",
]
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _label(choices: Any, value: str) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A value as openpyxl should write it: text cleaned of characters XML cannot hold, and
    text that starts with "=" wrapped in a cell typed as text (openpyxl would write a
    formula). Plain values are passed as they are, which is much faster."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


class _Labels:
    """Choice labels in the active language, each looked up once per export."""

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, str], str] = {}

    def __call__(self, choices: Any, value: str) -> str:
        key = (choices, value)
        if key not in self._cache:
            self._cache[key] = _label(choices, value)
        return self._cache[key]


def task_row(task: CampaignTask, label: Any = _label) -> list[Any]:
    document = task.document
    decided_at = (
        timezone.localtime(task.decided_at).strftime("%Y-%m-%d %H:%M") if task.decided_at else ""
    )
    return [
        document.index_number,
        document.title,
        document.document_number,
        task.unit.name_zh,
        label(DisclosureAttribute, task.attribute_before),
        label(Decision, task.decision),
        "、".join(label(WithholdingGround, g) for g in task.grounds),
        task.explanation,
        str(task.decided_by) if task.decided_by else "",
        decided_at,
        "是" if task.applied else "否",
        task.error,
        label(Validity, task.validity_before),
        label(DisclosureAttribute, task.keep_attribute),
    ]


def campaign_workbook(campaign: Campaign, tasks: QuerySet[CampaignTask]) -> bytes:
    """The XLSX bytes of ``tasks`` (already scoped and filtered to ``campaign``)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="审查结果")
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, h) for h in HEADINGS])
    rows = (
        tasks.select_related("document", "unit", "decided_by")
        .only(*_TASK_FIELDS)
        .order_by("unit__sort_order", "unit__code", "document__index_number")
    )
    with translation.override("zh-hans"):
        labels = _Labels()
        for task in rows.iterator(chunk_size=2000):
            sheet.append([_cell(sheet, v) for v in task_row(task, labels)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(campaign: Campaign) -> str:
    return f"campaign-{campaign.pk}-{timezone.localdate():%Y%m%d}.xlsx"
