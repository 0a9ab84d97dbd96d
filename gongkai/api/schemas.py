"""Building blocks shared by the API's routers."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

# Far beyond any list the platform has, and well inside every database's integer range.
MAX_OFFSET = 2**31 - 1


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """Ninja's limit/offset pagination with an upper bound on ``offset``.

    Ninja leaves ``offset`` unbounded, and an offset past the database's integer range
    (``?offset=59487930772063902902428035448832``, found by the schema fuzzing) fails in
    the database with a server error; here it is a 422 like any other bad parameter.
    """

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


# --- Annual reports (issue #6 §5; gongkai/api/annual_reports.py) -------------------------------
# The shape of ``annual_reports.selectors.report_data`` after ``public_data`` (no ids): every
# row, column and group carries its official Chinese ``label`` beside its stable ``key``.


class ReportLabelOut(Schema):
    key: str = Field(description="Stable key")
    label: str = Field(description="Official Chinese label (国办公开办函〔2021〕30号)")


class ReportCellsRowOut(ReportLabelOut):
    cells: dict[str, int] = Field(description="Figures by column key")


class ReportDecisionRowOut(ReportLabelOut):
    value: int


class ReportDecisionsOut(Schema):
    column: ReportLabelOut
    rows: list[ReportDecisionRowOut] = Field(description="行政许可, 行政处罚, 行政强制")


class ReportChargesOut(ReportLabelOut):
    column: ReportLabelOut
    amount: str = Field(description="行政事业性收费, in 10,000 yuan (a decimal as text)")


class ReportProactiveTableOut(Schema):
    """Section 二: rules and normative documents (issued, repealed, in force), decisions,
    administrative charges."""

    columns: list[ReportLabelOut]
    rows: list[ReportCellsRowOut]
    decisions: ReportDecisionsOut
    charges: ReportChargesOut


class ReportRequestsTableOut(Schema):
    """Section 三: requests received and handled, by applicant (columns) and result (rows)."""

    columns: list[ReportLabelOut]
    rows: list[ReportCellsRowOut]


class ReportReviewTableOut(Schema):
    """Section 四: administrative review, litigation without review, litigation after review."""

    columns: list[ReportLabelOut]
    groups: list[ReportCellsRowOut]


class ReportSectionsOut(Schema):
    overview: str = Field(description="一、总体情况")
    problems: str = Field(description="五、存在的主要问题及改进情况")
    other_matters: str = Field(description="六、其他需要报告的事项")


class ReportFeesOut(Schema):
    label: str
    amount: str = Field(description="Processing fees collected in the year, in yuan (text)")


class ReportChainDifferenceOut(Schema):
    column: str
    label: str
    carried_over: int
    previous_carried_forward: int
    message: str


class ReportChainOut(Schema):
    """This year's carried-over requests against last year's carried-forward ones."""

    previous_year: int
    previous_source: str
    passed: bool
    differences: list[ReportChainDifferenceOut]


class ReportCheckFailureOut(Schema):
    cell: str
    message: str


class ReportChecksOut(Schema):
    passed: bool
    failures: list[ReportCheckFailureOut]


class ReportUnitOut(Schema):
    code: str
    name: str = Field(description="The unit's Chinese name")


class ReportDownloadsOut(Schema):
    docx: str
    pdf: str
    xlsx: str


class AnnualReportSummaryOut(Schema):
    """A published annual report, as a link."""

    year: int
    unit: ReportUnitOut | None = Field(description="null: the government's report")
    title: str
    published_at: datetime.datetime | None
    first_published_at: datetime.datetime | None
    corrected: bool = Field(description="true if the report was reopened and corrected")
    url: str = Field(description="The report's permanent page on the portal")
    api_url: str
    downloads: ReportDownloadsOut


class AnnualReportListOut(Schema):
    count: int
    items: list[AnnualReportSummaryOut]


class AnnualReportOut(Schema):
    """The published report as the public sees it (its frozen version)."""

    year: int
    unit: ReportUnitOut | None = Field(description="null: the government's report")
    scope: Literal["unit", "government"]
    scope_note: str = Field(description="For the government: its figures are its units' sum")
    title: str
    state: str
    source: str = Field(description="platform (computed from the records) or imported")
    due_on: datetime.date
    generated_at: datetime.datetime
    published_at: datetime.datetime | None
    first_published_at: datetime.datetime | None
    correction_note: str = Field(description="Why the report was corrected; empty if never")
    sections: ReportSectionsOut
    proactive_table: ReportProactiveTableOut
    requests_table: ReportRequestsTableOut
    review_table: ReportReviewTableOut
    fees_collected: ReportFeesOut
    chain: ReportChainOut
    checks: ReportChecksOut
    url: str = Field(description="The report's permanent page on the portal")
    downloads: ReportDownloadsOut
