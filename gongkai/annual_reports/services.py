"""Writes of annual reports (issue #6 §1, §3, §6, §7): one function per change, each checking
permission, state and version, writing one audit entry.

Workflow (owned by the unit's disclosure officer; docs/annual-reports.md has the table)::

    draft ──review──► reviewed ──publish──► published
      ▲                  │                      │
      └──── return ──────┘◄───── reopen ────────┘ (a correction; the public keeps the
                                                   last published version meanwhile)

* ``Perm.REPORT_EDIT`` (disclosure officer, head of the disclosure office) opens, edits and
  publishes; ``Perm.REPORT_APPROVE`` (head of the disclosure office, unit administrator)
  reviews, returns and reopens. The reviewer is not the person who last changed it (four
  eyes), unless the Office. The government's report is the Office's.
* A change to a reviewed report sends it back to draft. A published report changes only
  after it is reopened.
* Review and publishing need every §8 check and the chain to last year to hold; a failure
  names the cell. A report is published only once its year has ended.
* Imported past years (:func:`report_import_past_year`) are published as they were: their
  tables must satisfy the same checks.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.accounts.permissions import Perm, is_office, require
from gongkai.annual_reports import selectors, tables
from gongkai.annual_reports.models import AnnualReport, ReportSource, ReportState
from gongkai.core.audit import audit_record
from gongkai.core.pagecache import content_changed
from gongkai.units.models import Unit

FIRST_YEAR = 2008  # the Regulation's first version took effect on 1 May 2008
TEXT_FIELDS = ("overview", "problems", "other_matters")
FIGURE_FIELDS = (
    "licensing_decisions",
    "penalty_decisions",
    "enforcement_decisions",
    "charges_amount",
)
# Above this a figure is a typing error, not a unit's year (a clear message, not an overflow).
MAX_FIGURE = 10_000_000


def _err(field: str | None, zh: str, en: str) -> ValidationError:
    message = f"{zh} / {en}"
    return ValidationError({field: [message]} if field else message)


def _require(by: User | None, perm: Perm, unit_id: int | None) -> None:
    """The government's report (``unit_id`` None) is the Office's; a unit's needs ``perm``."""
    if unit_id is None:
        if not is_office(by):
            from gongkai.accounts.permissions import AccessDenied

            raise AccessDenied(
                "只有管委会办公室可以编辑全区（政府）年度报告 / Only the Office can edit the "
                "government's report"
            )
        return
    require(by, perm, unit_id)


def check_year(year: int, *, today: datetime.date | None = None) -> None:
    """A report exists for years since 2008 up to the current one (a future year: refused)."""
    today = today or timezone.localdate()
    if year > today.year:
        raise _err(
            "year",
            f"{year} 年尚未到来，无法生成年度报告",
            f"{year} has not come yet: there is no report for a future year",
        )
    if year < FIRST_YEAR:
        raise _err(
            "year",
            f"{year} 年早于《政府信息公开条例》施行（2008 年）",
            f"{year} is before government information disclosure began (2008)",
        )


def _audit(report: AnnualReport, by: User | None, action: str, **extra: Any) -> None:
    audit_record(
        actor=by,
        action=action,
        obj=report,
        unit=report.unit_id,
        after={"state": report.state, "year": report.year, **extra.pop("after", {})},
        before=extra.pop("before", None),
        note=extra.pop("note", ""),
        via=extra.pop("via", ""),
    )


def _locked(report: AnnualReport, version: int | None) -> AnnualReport:
    row = (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=report.pk)
    )
    if version is not None and row.version != version:
        raise _err(
            None,
            "此年度报告刚被其他人修改过，请刷新页面查看最新内容后再操作",
            "Someone else has just changed this report: reload the page to see the latest "
            "version, then try again",
        )
    return row


def _bump(report: AnnualReport, by: User | None, *fields: str, author: bool = True) -> None:
    """Save ``fields`` with a new version. ``author``: ``by`` changed the content (the four-eyes
    rule keeps them from reviewing it); a return or a reopen changes only the state."""
    report.version = F("version") + 1  # type: ignore[assignment]
    extra = ["updated_by"] if author else []
    if author:
        report.updated_by = by if by is not None and by.is_authenticated else None
    report.save(update_fields=["version", "updated_at", *extra, *fields])
    report.refresh_from_db(fields=["version"])


@transaction.atomic
def report_open(*, unit: Unit | None, year: int, by: User) -> AnnualReport:
    """The report of ``unit`` (None: the government) for ``year``; a new one is a draft with
    section 一 pre-filled from the figures. Opening an existing report changes nothing."""
    _require(by, Perm.REPORT_EDIT, unit.pk if unit else None)
    check_year(year)
    existing = selectors.report_for(unit, year)
    if existing is not None:
        return existing
    report = AnnualReport(unit=unit, year=year, updated_by=by)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # opened at the same moment by someone else
        found = selectors.report_for(unit, year)
        if found is None:  # the unique constraint said it exists: a conflict of another kind
            raise
        return found
    data = selectors.report_data(year=year, unit=unit, report=report, live=True)
    report.overview = selectors.overview_text(data)
    report.save(update_fields=["overview"])
    _audit(report, by, "create")
    return report


def _figure(name: str, value: Any) -> Any:
    label = str(AnnualReport._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    if name == "charges_amount":
        try:
            amount = Decimal(str(value).strip() or "0")
        except InvalidOperation:
            raise _err(
                name, f"“{label}”应为金额（万元），如 12.5", f"{label}: enter an amount, e.g. 12.5"
            ) from None
        if not amount.is_finite() or amount < 0 or amount >= MAX_FIGURE:
            raise _err(
                name,
                f"“{label}”应为 0 到 {MAX_FIGURE} 之间的金额",
                f"{label}: enter an amount from 0 to {MAX_FIGURE}",
            )
        if amount.as_tuple().exponent < -4:  # type: ignore[operator]
            raise _err(name, f"“{label}”最多保留四位小数", f"{label}: at most four decimal places")
        return amount
    try:
        number = int(str(value).strip() or "0")
    except ValueError:
        raise _err(name, f"“{label}”应为整数", f"{label}: enter a whole number") from None
    if number < 0 or number > MAX_FIGURE:
        raise _err(
            name,
            f"“{label}”应为 0 到 {MAX_FIGURE} 之间的整数",
            f"{label}: enter a whole number from 0 to {MAX_FIGURE}",
        )
    return number


@transaction.atomic
def report_update(
    *, report: AnnualReport, by: User, version: int | None = None, **changes: Any
) -> AnnualReport:
    """Edit sections 一/五/六 and table 二's entered figures. A reviewed report returns to
    draft; a published one must be reopened first. Unchanged values write nothing."""
    unknown = set(changes) - set(TEXT_FIELDS) - set(FIGURE_FIELDS)
    if unknown:
        raise _err(None, f"未知字段：{sorted(unknown)}", f"unknown fields: {sorted(unknown)}")
    _require(by, Perm.REPORT_EDIT, report.unit_id)
    report = _locked(report, version)
    if report.state == ReportState.PUBLISHED:
        raise _err(
            None,
            "年度报告已发布，如需更正请先重新打开",
            "The report is published: reopen it to correct it",
        )
    if report.source == ReportSource.IMPORTED:
        raise _err(
            None,
            "导入的往年报告不能在此编辑，请重新导入",
            "An imported past year is changed by importing it again",
        )
    if report.unit_id is None and set(changes) & set(FIGURE_FIELDS):
        raise _err(
            None,
            "全区报告的表二数据为各单位之和，不能直接填写",
            "The government's table 二 figures are the sum of its units' and are not entered",
        )
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name in TEXT_FIELDS:
                text = str(value or "").replace("\r\n", "\n").replace("\x00", "").strip()
                limit = AnnualReport._meta.get_field(name).max_length or 20000  # type: ignore[union-attr]
                if len(text) > limit:
                    raise _err(
                        name,
                        f"内容不能超过 {limit} 字（现为 {len(text)} 字）",
                        f"at most {limit} characters (this has {len(text)})",
                    )
                clean[name] = text
            else:
                clean[name] = _figure(name, value)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    before = {k: getattr(report, k) for k in clean}
    changed = {k: v for k, v in clean.items() if before[k] != v}
    if not changed:
        return report
    for name, value in changed.items():
        setattr(report, name, value)
    fields = list(changed)
    if report.state == ReportState.REVIEWED:
        report.state = ReportState.DRAFT
        report.reviewed_at = None
        report.reviewed_by = None
        fields += ["state", "reviewed_at", "reviewed_by"]
    _bump(report, by, *fields)
    _audit(
        report,
        by,
        "update",
        before={k: str(before[k]) for k in changed},
        after={k: str(v) for k, v in changed.items()},
    )
    return report


def _require_checks(report: AnnualReport) -> dict[str, Any]:
    data = selectors.report_data(year=report.year, unit=report.unit, report=report, live=True)
    if not data["checks"]["passed"]:
        raise ValidationError(
            [
                f"核对未通过：{f['cell']}：{f['message']} / a check failed: {f['cell']}"
                for f in data["checks"]["failures"]
            ]
        )
    return data


@transaction.atomic
def report_review(*, report: AnnualReport, by: User, version: int | None = None) -> AnnualReport:
    """draft → reviewed: the head of the disclosure office (or the unit's administrator) signs
    off. Not by the person who last changed it, unless the Office; every check must hold."""
    _require(by, Perm.REPORT_APPROVE, report.unit_id)
    report = _locked(report, version)
    if report.state != ReportState.DRAFT:
        raise _err(None, "只有草稿可以审核", "Only a draft can be reviewed")
    if report.updated_by_id == by.pk and not is_office(by):
        raise _err(
            None,
            "审核须由最后修改人以外的人员进行",
            "The report is reviewed by someone other than the person who last changed it",
        )
    _require_checks(report)
    report.state = ReportState.REVIEWED
    report.reviewed_at = timezone.now()
    report.reviewed_by = by
    report.version = F("version") + 1  # type: ignore[assignment]
    report.save(update_fields=["state", "reviewed_at", "reviewed_by", "version", "updated_at"])
    report.refresh_from_db(fields=["version"])
    _audit(report, by, "review")
    return report


@transaction.atomic
def report_return(
    *, report: AnnualReport, by: User, reason: str, version: int | None = None
) -> AnnualReport:
    """reviewed → draft, with the reason (the reviewer or the officer takes it back)."""
    if not _can_approve(by, report):
        _require(by, Perm.REPORT_EDIT, report.unit_id)
    report = _locked(report, version)
    if report.state != ReportState.REVIEWED:
        raise _err(None, "只有已审核的报告可以退回", "Only a reviewed report can be returned")
    reason = _reason(reason)
    report.state = ReportState.DRAFT
    report.reviewed_at = None
    report.reviewed_by = None
    _bump(report, by, "state", "reviewed_at", "reviewed_by", author=False)
    _audit(report, by, "return", note=reason)
    return report


def _can_approve(by: User, report: AnnualReport) -> bool:
    from gongkai.accounts.permissions import has_perm

    if report.unit_id is None:
        return is_office(by)
    return has_perm(by, Perm.REPORT_APPROVE, report.unit_id)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _err("reason", "请说明理由", "Give the reason")
    if len(reason) > 2000:
        raise _err("reason", "理由不能超过 2000 字", "The reason is at most 2,000 characters")
    return reason


@transaction.atomic
def report_publish(
    *,
    report: AnnualReport,
    by: User,
    version: int | None = None,
    today: datetime.date | None = None,
) -> AnnualReport:
    """reviewed → published: the figures are computed one last time, checked, and frozen in
    ``published_data``; the portal shows them from now on."""
    _require(by, Perm.REPORT_EDIT, report.unit_id)
    report = _locked(report, version)
    if report.state != ReportState.REVIEWED:
        raise _err(
            None,
            "报告须先经审核才能发布",
            "The report is published after it has been reviewed",
        )
    today = today or timezone.localdate()
    if report.year >= today.year:
        raise _err(
            None,
            f"{report.year} 年尚未结束，年度报告须在次年发布",
            f"{report.year} has not ended: its report is published from 1 January "
            f"{report.year + 1}",
        )
    report.state = ReportState.PUBLISHED
    data = _require_checks(report)
    now = timezone.now()
    data["state"] = ReportState.PUBLISHED.value
    data["published_at"] = now.isoformat(timespec="seconds")
    data["first_published_at"] = (report.first_published_at or now).isoformat(timespec="seconds")
    report.published_data = data
    report.published_at = now
    report.published_by = by
    report.first_published_at = report.first_published_at or now
    _bump(
        report,
        by,
        "state",
        "published_data",
        "published_at",
        "published_by",
        "first_published_at",
    )
    _audit(report, by, "publish", after={"checks": "passed"})
    content_changed()
    return report


@transaction.atomic
def report_reopen(
    *, report: AnnualReport, by: User, reason: str, version: int | None = None
) -> AnnualReport:
    """published → draft for a correction; the reason is published with the corrected
    report, and the public keeps seeing the last published version until then."""
    _require(by, Perm.REPORT_APPROVE, report.unit_id)
    report = _locked(report, version)
    if report.state != ReportState.PUBLISHED or report.source != ReportSource.PLATFORM:
        raise _err(
            None,
            "只有在平台上发布的报告可以重新打开更正",
            "Only a report published on the platform can be reopened for a correction",
        )
    reason = _reason(reason)
    report.state = ReportState.DRAFT
    report.correction_note = reason
    report.reviewed_at = None
    report.reviewed_by = None
    _bump(report, by, "state", "correction_note", "reviewed_at", "reviewed_by", author=False)
    _audit(report, by, "reopen", note=reason)
    return report


# --- Past years (issue #6 §7) -----------------------------------------------------------------


def validate_tables(tables_data: Any) -> dict[str, Any]:
    """The cells of an imported year, complete and whole, with every §8 relation holding;
    raises a ValidationError naming the missing cell or the failing relation."""
    if not isinstance(tables_data, dict):
        raise _err(None, "表格数据格式不正确", "the tables are not in the expected form")
    clean: dict[str, Any] = {}
    shapes = {
        "proactive": (tables.PROACTIVE_ROWS, tables.PROACTIVE_COLUMNS, "表二"),
        "requests": (tables.ROWS, tables.COLUMNS, "表三"),
        "review": (tables.REVIEW_GROUPS, tables.REVIEW_COLUMNS, "表四"),
    }
    errors = []
    for part, (rows, columns, name) in shapes.items():
        given = tables_data.get(part)
        if not isinstance(given, dict):
            errors.append(f"缺少{name} / {part} is missing")
            continue
        clean[part] = {}
        for row, row_label in rows:
            clean[part][row] = {}
            for column, column_label in columns:
                value = (
                    (given.get(row) or {}).get(column) if isinstance(given.get(row), dict) else None
                )
                try:
                    number = None if isinstance(value, bool) else int(value)  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    number = None
                if (
                    number is None
                    or number < 0
                    or number > MAX_FIGURE
                    or (isinstance(value, float) and value != int(value))
                ):
                    errors.append(
                        f"{name}“{row_label}”行“{column_label}”列应为非负整数（现为 {value!r}）"
                        f" / {part} {row}/{column}: a whole number ≥ 0 is needed, got {value!r}"
                    )
                    number = 0
                clean[part][row][column] = number
    try:
        fees = Decimal(str(tables_data.get("fees_collected") or "0"))
        if not fees.is_finite() or fees < 0:
            raise InvalidOperation
        clean["fees_collected"] = str(fees)
    except InvalidOperation:
        errors.append("信息处理费应为非负金额 / fees collected: an amount ≥ 0 is needed")
    if errors:
        raise ValidationError(errors)
    failures = tables.check_requests_table(clean["requests"]) + tables.check_review_table(
        clean["review"]
    )
    if failures:
        raise ValidationError([f"{f.cell}：{f.message}" for f in failures])
    return clean


@transaction.atomic
def report_import_past_year(
    *,
    unit: Unit,
    year: int,
    tables_data: dict[str, Any],
    by: User,
    sections: dict[str, str] | None = None,
    figures: dict[str, Any] | None = None,
    via: str = "",
) -> tuple[AnnualReport, bool]:
    """Record the published report of a year before the unit used the platform (entered by
    hand or read from the official XLSX layout). All or nothing: the tables must be whole and
    satisfy every §8 relation, and the chain to the year before if it is known. Importing the
    same tables again changes nothing (``changed`` is False). Returns (report, changed)."""
    require(by, Perm.REPORT_EDIT, unit.pk)
    check_year(year)
    today = timezone.localdate()
    if year >= today.year:
        raise _err(
            "year",
            f"{year} 年尚未结束，不能导入为往年报告",
            f"{year} has not ended: only past years are imported",
        )
    clean = validate_tables(tables_data)
    previous = selectors.report_for(unit, year - 1)
    if previous is not None and previous.source == ReportSource.IMPORTED:
        before = (previous.imported_tables or {}).get("requests", {}).get("carried_forward", {})
        now = clean["requests"]["carried_over"]
        wrong = [c for c, _l in tables.COLUMNS if int(before.get(c, 0)) != int(now[c])]
        if wrong:
            labels = dict(tables.COLUMNS)
            raise ValidationError(
                [
                    f"“{labels[c]}”列：上年结转 {now[c]} 与 {year - 1} 年的结转下年度继续办理 "
                    f"{before.get(c, 0)} 不一致 / column {c}: carried over {now[c]} but "
                    f"{year - 1} carried forward {before.get(c, 0)}"
                    for c in wrong
                ]
            )
    new_values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if sections and name in sections:
            new_values[name] = str(sections[name] or "").strip()[:20000]
    for name in FIGURE_FIELDS:
        if figures and name in figures:
            new_values[name] = _figure(name, figures[name])
    report = selectors.report_for(unit, year)
    if (
        report is not None
        and report.source == ReportSource.PLATFORM
        and (report.published_data or report.state != ReportState.DRAFT)
    ):
        raise _err(
            "year",
            f"{year} 年的报告已在平台上审核或发布，不能用导入覆盖",
            f"the {year} report is reviewed or published on the platform: it is not replaced "
            "by an import",
        )
    created = report is None
    if report is None:
        report = AnnualReport(unit=unit, year=year)
    else:
        report = _locked(report, None)
    before_state = {
        "tables": report.imported_tables,
        **{k: getattr(report, k) for k in new_values},
    }
    report.source = ReportSource.IMPORTED
    report.imported_tables = clean
    for name, value in new_values.items():
        setattr(report, name, value)
    if not created and before_state == {"tables": clean, **new_values} and report.published_data:
        return report, False
    report.state = ReportState.PUBLISHED
    data = selectors.report_data(year=year, unit=unit, report=report, live=True)
    now = timezone.now()
    data["state"] = ReportState.PUBLISHED.value
    data["published_at"] = now.isoformat(timespec="seconds")
    data["first_published_at"] = data["published_at"]
    # An imported year's checks are the tables' own; the chain was checked above.
    data["checks"] = {"passed": True, "failures": []}
    data["chain"]["passed"] = True
    data["chain"]["differences"] = []
    report.published_data = data
    report.published_at = report.published_at or now
    report.first_published_at = report.first_published_at or now
    report.published_by = by
    report.updated_by = by
    if created:
        report.save()
    else:
        report.version = F("version") + 1  # type: ignore[assignment]
        report.save()
        report.refresh_from_db(fields=["version"])
    _audit(
        report,
        by,
        "import",
        before=None if created else {"tables": before_state["tables"]},
        after={"tables": clean},
        via=via or "import",
    )
    content_changed()
    return report, True
