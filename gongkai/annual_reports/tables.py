"""The annual report's tables 二 (rules and normative documents, from the library), 三
(requests) and 四 (review and litigation), computed from the records themselves (issue #6
§1–§3; Regulation Art. 49–50; format 国办公开办函〔2021〕30号; REGULATION.md §8).

Counting rules (issue #6 §2):

* a request belongs to the records once it is *received* (``received_on``; an online
  application not yet confirmed is not counted);
* **一 new**: received in the year; **二 carried over**: received before the year and not
  closed before it; **三 results**: closed in the year — on the reply letter's date, or the day
  of a withdrawal — in the row of its outcome (a partial disclosure only under 部分公开; a
  withdrawal under 其他处理-其他); **四 carried forward**: received by the year's end and not
  closed by then. So in every column 一 + 二 = 三(七) + 四 by construction;
* a request split into parts counts once per part (each part is a request of its own);
* columns by applicant: natural persons, then legal persons and other organisations by
  organisation type; 总计 is their sum;
* 四 (review and litigation): a case counts in the year it was received, against the unit
  that handled the request; its result is the one decided by the year's end, otherwise
  尚未审结 (pending).

:func:`requests_table` returns every cell with the ids of the requests behind it (for the
drill-down) and :func:`check_requests_table` / :func:`check_review_table` verify every
arithmetic relation of REGULATION.md §8, naming the failing cell.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from gongkai.disclosure_requests.choices import (
    REPORT_ROW,
    ApplicantKind,
    OrganisationType,
    ReplyState,
    ReviewKind,
    ReviewResult,
)
from gongkai.disclosure_requests.models import DisclosureRequest, FeeNotice, ReviewCase
from gongkai.library.choices import DocumentKind, PublicationState, Validity
from gongkai.library.models import Document

# Columns of table 三, in the official order, with their official labels.
COLUMNS: list[tuple[str, str]] = [
    ("natural_person", "自然人"),
    (OrganisationType.BUSINESS, "商业企业"),
    (OrganisationType.RESEARCH, "科研机构"),
    (OrganisationType.PUBLIC_INTEREST, "社会公益组织"),
    (OrganisationType.LEGAL_SERVICE, "法律服务机构"),
    (OrganisationType.OTHER, "其他"),
    ("total", "总计"),
]
APPLICANT_COLUMNS = [key for key, _label in COLUMNS if key != "total"]

# Rows of table 三: key, official label, and the report-row code of choices.REPORT_ROW.
RESULT_ROWS: list[tuple[str, str, str]] = [
    ("disclosed", "（一）予以公开", "三(一)"),
    ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "三(二)"),
    ("withheld_1", "（三）不予公开 1.属于国家秘密", "三(三)1"),
    ("withheld_2", "（三）不予公开 2.其他法律行政法规禁止公开", "三(三)2"),
    ("withheld_3", "（三）不予公开 3.危及“三安全一稳定”", "三(三)3"),
    ("withheld_4", "（三）不予公开 4.保护第三方合法权益", "三(三)4"),
    ("withheld_5", "（三）不予公开 5.属于三类内部事务信息", "三(三)5"),
    ("withheld_6", "（三）不予公开 6.属于四类过程性信息", "三(三)6"),
    ("withheld_7", "（三）不予公开 7.属于行政执法案卷", "三(三)7"),
    ("withheld_8", "（三）不予公开 8.属于行政查询事项", "三(三)8"),
    ("unable_1", "（四）无法提供 1.本机关不掌握相关政府信息", "三(四)1"),
    ("unable_2", "（四）无法提供 2.没有现成信息需要另行制作", "三(四)2"),
    ("unable_3", "（四）无法提供 3.补正后申请内容仍不明确", "三(四)3"),
    ("not_processed_1", "（五）不予处理 1.信访举报投诉类申请", "三(五)1"),
    ("not_processed_2", "（五）不予处理 2.重复申请", "三(五)2"),
    ("not_processed_3", "（五）不予处理 3.要求提供公开出版物", "三(五)3"),
    ("not_processed_4", "（五）不予处理 4.无正当理由大量反复申请", "三(五)4"),
    (
        "not_processed_5",
        "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        "三(五)5",
    ),
    (
        "other_1",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "三(六)1",
    ),
    (
        "other_2",
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "三(六)2",
    ),
    ("other_3", "（六）其他处理 3.其他", "三(六)3"),
]
ROWS: list[tuple[str, str]] = [
    ("new", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
    *[(key, "三、本年度办理结果 " + label) for key, label, _code in RESULT_ROWS],
    ("results_total", "三、本年度办理结果 （七）总计"),
    ("carried_forward", "四、结转下年度继续办理"),
]
ROW_OF_CODE = {code: key for key, _label, code in RESULT_ROWS}
RESULT_KEYS = [key for key, _label, _code in RESULT_ROWS]


@dataclass
class RequestsTable:
    """Table 三: ``cells[row][column]`` is a count; ``ids[row][column]`` the requests."""

    year: int
    ids: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def count(self, row: str, column: str) -> int:
        return len(self.ids[row][column])

    @property
    def cells(self) -> dict[str, dict[str, int]]:
        return {row: {col: len(v) for col, v in cols.items()} for row, cols in self.ids.items()}


def _column(request: DisclosureRequest) -> str:
    if request.applicant_kind == ApplicantKind.NATURAL_PERSON:
        return "natural_person"
    return request.organisation_type or OrganisationType.OTHER


def closed_on(request: DisclosureRequest) -> datetime.date | None:
    """The day a request left the year's workload: the reply letter's date, or for a request
    closed without a letter (a withdrawal) the local day it was closed."""
    if request.closed_at is None:
        return None
    reply = getattr(request, "reply", None) if _has_reply(request) else None
    if reply is not None and reply.state == ReplyState.ISSUED and reply.issued_on:
        return reply.issued_on
    return timezone.localtime(request.closed_at).date()


def _has_reply(request: DisclosureRequest) -> bool:
    try:
        request.reply  # noqa: B018 - a reverse one-to-one: raises when there is none
    except DisclosureRequest.reply.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False
    return True


def _empty(year: int) -> RequestsTable:
    table = RequestsTable(year)
    for row, _label in ROWS:
        table.ids[row] = {column: [] for column, _l in COLUMNS}
    return table


def requests_table(year: int, unit_ids: Iterable[int] | None = None) -> RequestsTable:
    """Table 三 for ``year`` over the units ``unit_ids`` (None: the whole government).

    Reads plain tuples (no model instances, no personal data) of the requests that can be in
    the year: received by its end and open, closed in or after it, or answered by a letter
    dated in or after it (a letter's date may be earlier than the moment it was recorded)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    table = _empty(year)
    rows = (
        DisclosureRequest.objects.filter(received_on__isnull=False, received_on__lte=end)
        .filter(
            Q(closed_at__isnull=True)
            | Q(closed_at__gte=_aware(start))
            | Q(reply__issued_on__gte=start)
        )
        .order_by("pk")
        .values_list(
            "pk",
            "received_on",
            "closed_at",
            "outcome",
            "applicant_kind",
            "organisation_type",
            "reply__state",
            "reply__issued_on",
        )
    )
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    ids = table.ids
    zone = timezone.get_current_timezone()
    for pk, received, closed_at, outcome, kind, org_type, reply_state, issued in rows.iterator(
        chunk_size=5000
    ):
        # The day it left the workload, as closed_on() computes it.
        if closed_at is None:
            closed = None
        elif reply_state == ReplyState.ISSUED and issued:
            closed = issued
        else:
            closed = closed_at.astimezone(zone).date()
        if closed is not None and closed < start:
            continue
        if kind == ApplicantKind.NATURAL_PERSON:
            column = "natural_person"
        else:
            column = org_type or OrganisationType.OTHER
        keys = ["new" if received is not None and received >= start else "carried_over"]
        if closed is not None and closed <= end:
            keys += [ROW_OF_CODE[REPORT_ROW[outcome]], "results_total"]
        else:
            keys.append("carried_forward")
        for key in keys:
            ids[key][column].append(pk)
            ids[key]["total"].append(pk)
    return table


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Failure:
    """One arithmetic relation that does not hold: where, and why (Chinese / English)."""

    cell: str
    message: str


def check_requests_table(table: RequestsTable | dict[str, dict[str, int]]) -> list[Failure]:
    """Every relation of REGULATION.md §8 for table 三; empty when all hold."""
    cells = table.cells if isinstance(table, RequestsTable) else table
    failures = []
    labels = dict(ROWS)
    column_labels = dict(COLUMNS)
    for column, column_label in COLUMNS:

        def get(row: str, column: str = column) -> int:
            return int(cells[row][column])

        left = get("new") + get("carried_over")
        right = get("results_total") + get("carried_forward")
        if left != right:
            failures.append(
                Failure(
                    f"{column_label}",
                    f"“{column_label}”列：一（{get('new')}）+ 二（{get('carried_over')}）= {left}，"
                    f"而 三（七）（{get('results_total')}）+ 四（{get('carried_forward')}）"
                    f"= {right} / "
                    f"column {column}: new + carried over = {left} but results + carried "
                    f"forward = {right}",
                )
            )
        parts = sum(get(row) for row in RESULT_KEYS)
        if parts != get("results_total"):
            failures.append(
                Failure(
                    f"{labels['results_total']} / {column_label}",
                    f"“{column_label}”列：（七）总计为 {get('results_total')}，"
                    f"各项之和为 {parts} / "
                    f"column {column}: the results total is {get('results_total')} but its "
                    f"rows add up to {parts}",
                )
            )
    for row, row_label in ROWS:
        applicants = sum(int(cells[row][c]) for c in APPLICANT_COLUMNS)
        if applicants != int(cells[row]["total"]):
            failures.append(
                Failure(
                    f"{row_label} / {column_labels['total']}",
                    f"“{row_label}”行：总计为 {cells[row]['total']}，"
                    f"六类申请人之和为 {applicants} / "
                    f"row {row}: the total is {cells[row]['total']} but the six applicant "
                    f"columns add up to {applicants}",
                )
            )
    return failures


# --- Table 四: administrative review and litigation -------------------------------------

REVIEW_GROUPS: list[tuple[str, str]] = [
    (ReviewKind.REVIEW, "行政复议"),
    (ReviewKind.LITIGATION, "行政诉讼 未经复议直接起诉"),
    (ReviewKind.LITIGATION_AFTER_REVIEW, "行政诉讼 复议后起诉"),
]
REVIEW_COLUMNS: list[tuple[str, str]] = [
    (ReviewResult.UPHELD, "结果维持"),
    (ReviewResult.CORRECTED, "结果纠正"),
    (ReviewResult.OTHER, "其他结果"),
    (ReviewResult.PENDING, "尚未审结"),
    ("total", "总计"),
]


def review_table(
    year: int, unit_ids: Iterable[int] | None = None
) -> dict[str, dict[str, list[int]]]:
    """Table 四: ``ids[group][result]`` — the cases received in ``year`` against requests
    handled by the units, with their result as decided by the year's end."""
    end = datetime.date(year, 12, 31)
    table: dict[str, dict[str, list[int]]] = {
        group: {column: [] for column, _l in REVIEW_COLUMNS} for group, _l in REVIEW_GROUPS
    }
    cases = ReviewCase.objects.filter(received_on__year=year)
    if unit_ids is not None:
        cases = cases.filter(request__unit_id__in=list(unit_ids))
    rows = cases.order_by("pk").values_list("pk", "kind", "result", "decided_on")
    for pk, kind, result, decided_on in rows:
        decided = decided_on is not None and decided_on <= end
        if not decided or result == ReviewResult.PENDING:
            result = ReviewResult.PENDING
        table[kind][result].append(pk)
        table[kind]["total"].append(pk)
    return table


def check_review_table(cells: dict[str, dict[str, int]]) -> list[Failure]:
    """In each group of table 四 the total is the sum of its four results."""
    failures = []
    for group, label in REVIEW_GROUPS:
        parts = sum(int(cells[group][c]) for c, _l in REVIEW_COLUMNS if c != "total")
        if parts != int(cells[group]["total"]):
            failures.append(
                Failure(
                    f"{label} / 总计",
                    f"“{label}”的总计为 {cells[group]['total']}，四项之和为 {parts} / "
                    f"{group}: the total is {cells[group]['total']} but its results add up "
                    f"to {parts}",
                )
            )
    return failures


# --- Table 二: proactive disclosure, from the library ------------------------------------

PROACTIVE_ROWS: list[tuple[str, str]] = [
    (DocumentKind.RULE, "规章"),
    (DocumentKind.NORMATIVE, "行政规范性文件"),
]
PROACTIVE_COLUMNS: list[tuple[str, str]] = [
    ("issued", "本年制发件数"),
    ("repealed", "本年废止件数"),
    ("in_force", "现行有效件数"),
]


def _issued_on(document: Document) -> datetime.date | None:
    if document.signed_date:
        return document.signed_date
    if document.published_at:
        return timezone.localtime(document.published_at).date()
    return None


def _ended_on(document: Document, issued: datetime.date) -> datetime.date | None:
    """When the document stopped being in force (never before it was issued): an expiry the
    day after its valid-until date, a repeal on the day it was recorded (for a document
    imported as repealed without a date: the day the platform last changed it)."""
    if document.validity == Validity.EXPIRED and document.valid_until:
        ended = document.valid_until + datetime.timedelta(days=1)
    elif document.validity in (Validity.REPEALED, Validity.EXPIRED):
        ended = document.validity_ended_on or timezone.localtime(document.updated_at).date()
    else:
        return None
    return max(ended, issued)


def proactive_table(
    year: int, unit_ids: Iterable[int] | None = None
) -> dict[str, dict[str, list[int]]]:
    """Table 二 rows (一)–(二): rules and normative documents issued (signed) in ``year``,
    repealed or expired in it, and in force at its end — published (or later withdrawn from
    the portal) documents of the units. In force at a year's end = issued by then and not
    ended by then, so "in force = last year's in force + issued − repealed" holds."""
    end = datetime.date(year, 12, 31)
    table: dict[str, dict[str, list[int]]] = {
        row: {column: [] for column, _l in PROACTIVE_COLUMNS} for row, _l in PROACTIVE_ROWS
    }
    documents = Document.objects.filter(
        kind__in=[row for row, _l in PROACTIVE_ROWS],
        state__in=[PublicationState.PUBLISHED, PublicationState.WITHDRAWN],
    ).only(
        "id",
        "kind",
        "signed_date",
        "published_at",
        "validity",
        "valid_until",
        "validity_ended_on",
        "updated_at",
    )
    if unit_ids is not None:
        documents = documents.filter(unit_id__in=list(unit_ids))
    for document in documents.order_by("pk").iterator(chunk_size=2000):
        issued = _issued_on(document)
        if issued is None or issued > end:
            continue
        ended = _ended_on(document, issued)
        cells = table[document.kind]
        if issued.year == year:
            cells["issued"].append(document.pk)
        if ended is not None and ended.year == year:
            cells["repealed"].append(document.pk)
        if ended is None or ended > end:
            cells["in_force"].append(document.pk)
    return table


def check_proactive_tables(
    this_year: dict[str, dict[str, int]], last_year: dict[str, dict[str, int]]
) -> list[Failure]:
    """In force now = last year's in force + issued this year − repealed this year."""
    failures = []
    for row, label in PROACTIVE_ROWS:
        expected = (
            last_year[row]["in_force"] + this_year[row]["issued"] - this_year[row]["repealed"]
        )
        if this_year[row]["in_force"] != expected:
            failures.append(
                Failure(
                    f"{label} / 现行有效件数",
                    f"“{label}”现行有效件数为 {this_year[row]['in_force']}，而上年现行有效 "
                    f"{last_year[row]['in_force']} + 本年制发 {this_year[row]['issued']} "
                    f"− 本年废止 "
                    f"{this_year[row]['repealed']} = {expected} / {row}: in force "
                    f"{this_year[row]['in_force']}, expected {expected}",
                )
            )
    return failures


# --- Section 六: processing fees collected -------------------------------------------------


def fees_collected(year: int, unit_ids: Iterable[int] | None = None) -> tuple[Decimal, list[int]]:
    """The processing fees paid in ``year`` (by payment date) to the units, in yuan, and the
    requests they were paid for (section 六 reports them)."""
    notices = FeeNotice.objects.filter(paid_on__year=year, paid_amount__isnull=False)
    if unit_ids is not None:
        notices = notices.filter(request__unit_id__in=list(unit_ids))
    rows = list(notices.order_by("request_id").values_list("request_id", "paid_amount"))
    return sum((amount or Decimal(0) for _pk, amount in rows), Decimal(0)), [pk for pk, _a in rows]
