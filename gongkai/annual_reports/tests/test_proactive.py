"""Table 二 rows (一)–(二) of the annual report from the library: rules and normative documents
issued, repealed and in force (issue #6 §1, §3; REGULATION.md §8: in force now = last year's
in force + issued − repealed)."""

from __future__ import annotations

import datetime

import pytest

from gongkai.accounts.models import Role
from gongkai.annual_reports.tables import check_proactive_tables, proactive_table
from gongkai.library import services
from gongkai.library.choices import DocumentKind, Validity
from gongkai.library.models import Document
from gongkai.library.tests.factories import draft, published

pytestmark = pytest.mark.usefixtures("late_2026")

D = datetime.date


def _cells(table):
    return {row: {col: len(ids) for col, ids in cols.items()} for row, cols in table.items()}


def test_issued_repealed_and_in_force_by_year(unit_a, unit_b, make_user):
    """Normative documents signed in 2025 and 2026, one repealed through the service in 2026,
    one expired on 2026-06-30 (ended 2026-07-01), a rule signed in 2026, a draft (not
    counted), and another unit's document (only government-wide): the cells are the
    hand-computed ones and the in-force relation holds from 2025 to 2026."""
    editor = make_user("editor-report", unit_a, Role.EDITOR)
    reviewer = make_user("reviewer-report", unit_a, Role.REVIEWER)

    def normative(number: str, signed: datetime.date, **extra):
        return published(
            unit_a,
            editor,
            reviewer,
            kind=DocumentKind.NORMATIVE,
            document_number=number,
            signed_date=signed,
            valid_until=extra.pop("valid_until", D(2029, 12, 31)),
            **extra,
        )

    old = normative("津生管发〔2025〕1号", D(2025, 3, 1))
    repealed = normative("津生管发〔2025〕2号", D(2025, 4, 1))
    expiring = normative("津生管发〔2025〕3号", D(2025, 5, 1), valid_until=D(2026, 6, 30))
    new = normative("津生管发〔2026〕1号", D(2026, 2, 1))
    rule = published(
        unit_a,
        editor,
        reviewer,
        kind=DocumentKind.RULE,
        document_number="津生管令〔2026〕1号",
        signed_date=D(2026, 3, 1),
    )
    draft(
        unit_a,
        editor,
        kind=DocumentKind.NORMATIVE,
        document_number="津生管发〔2026〕9号",
        signed_date=D(2026, 4, 1),
        valid_until=D(2029, 12, 31),
    )
    services.document_set_validity(
        document=repealed, by=reviewer, validity=Validity.REPEALED, note="已被新文件废止"
    )
    services.expire_documents(today=D(2026, 7, 1))
    expiring.refresh_from_db()
    assert expiring.validity == Validity.EXPIRED

    t2025 = _cells(proactive_table(2025, unit_ids=[unit_a.pk]))
    t2026 = _cells(proactive_table(2026, unit_ids=[unit_a.pk]))
    assert t2025[DocumentKind.NORMATIVE] == {"issued": 3, "repealed": 0, "in_force": 3}
    assert t2026[DocumentKind.NORMATIVE] == {"issued": 1, "repealed": 2, "in_force": 2}
    assert t2026[DocumentKind.RULE] == {"issued": 1, "repealed": 0, "in_force": 1}
    assert check_proactive_tables(t2026, t2025) == []
    ids = proactive_table(2026, unit_ids=[unit_a.pk])[DocumentKind.NORMATIVE]
    assert set(ids["in_force"]) == {old.pk, new.pk}
    assert set(ids["repealed"]) == {repealed.pk, expiring.pk}
    assert rule.pk in proactive_table(2026)[DocumentKind.RULE]["issued"]


def test_a_document_repealed_without_a_date_ends_when_last_changed(unit_a, make_user):
    """A document imported as repealed, with no date, counts as ended on the day the platform
    last changed it, never before it was issued; the relation still holds."""
    editor = make_user("editor-import", unit_a, Role.EDITOR)
    reviewer = make_user("reviewer-import", unit_a, Role.REVIEWER)
    document = published(
        unit_a,
        editor,
        reviewer,
        kind=DocumentKind.NORMATIVE,
        document_number="津生管发〔2025〕7号",
        signed_date=D(2025, 6, 1),
        valid_until=D(2029, 12, 31),
    )
    Document.objects.filter(pk=document.pk).update(validity=Validity.REPEALED)
    t2025 = _cells(proactive_table(2025, unit_ids=[unit_a.pk]))
    t2026 = _cells(proactive_table(2026, unit_ids=[unit_a.pk]))
    assert t2026[DocumentKind.NORMATIVE]["repealed"] == 1  # updated today, in 2026
    assert t2026[DocumentKind.NORMATIVE]["in_force"] == 0
    assert check_proactive_tables(t2026, t2025) == []


def test_a_broken_in_force_figure_names_the_row(db):
    """An in-force figure that does not follow from last year's is refused with its row."""
    last = {k: {"issued": 0, "repealed": 0, "in_force": 5} for k in ("rule", "normative")}
    this = {k: {"issued": 2, "repealed": 1, "in_force": 6} for k in ("rule", "normative")}
    assert check_proactive_tables(this, last) == []
    this["normative"]["in_force"] = 7
    failures = check_proactive_tables(this, last)
    assert [f.cell for f in failures] == ["行政规范性文件 / 现行有效件数"]
    assert "= 6" in failures[0].message
