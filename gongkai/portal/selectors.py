"""Reads of the government-information column (政府信息公开专栏, issue #4 §1; R-5.1).

Each function takes an optional ``unit``: ``None`` reads the whole platform, a unit narrows
the read to the documents that unit issued, alone or jointly (its own column). Lists are of
*published* documents only: withdrawn ones keep their pages (with a notice) but leave the
column, as they leave the other public lists. Lists never load the body.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from gongkai.core.validators import UNIT_CODE_RE
from gongkai.library.choices import DocumentKind, PublicationState, RelationKind, Validity
from gongkai.library.exports import NOT_LOADED
from gongkai.library.models import Document, DocumentKeyArea, DocumentRelation
from gongkai.units.models import Unit

# The policy-document library (政策文件库): rules, normative documents and other policy
# documents, with their interpretations (政策解读, R-2.1, R-5.3).
POLICY_KINDS = (DocumentKind.RULE, DocumentKind.NORMATIVE, DocumentKind.POLICY)

# Disclosure rules (公开制度) are the documents on openness itself: a document whose title
# names 政务公开 or 信息公开 and which is a rule, a normative or policy document, a notice
# or "other" (plans, statistics and interpretations are not rules). Annual reports also
# name 信息公开 and are left out here: they have their own page.
RULE_KINDS = (*POLICY_KINDS, DocumentKind.NOTICE, DocumentKind.OTHER)
RULE_TITLE_WORDS = ("政务公开", "信息公开")
# Annual reports (政府信息公开工作年度报告, Art. 49–50) until issue #6 generates them: the
# published documents whose title says so.
ANNUAL_REPORT_WORDS = "年度报告"


def column_unit(code: str) -> Unit:
    """An active unit by its code (one query); ``Unit.DoesNotExist`` otherwise, also for a
    string that cannot be a unit code (never sent to the database: PostgreSQL refuses NUL)."""
    if not UNIT_CODE_RE.match(code):
        raise Unit.DoesNotExist(code)
    return Unit.objects.filter(is_active=True).get(code=code)


def office() -> Unit | None:
    """The Office (委办), whose contacts head the platform's disclosure guide."""
    return Unit.objects.filter(is_active=True, is_office=True).first()


def _issued_by(unit: Unit) -> Q:
    """Documents ``unit`` issued, alone or jointly (a subquery: no duplicate rows)."""
    joint = Document.co_issuers.through.objects.filter(unit=unit).values("document_id")
    return Q(unit=unit) | Q(pk__in=joint)


def column_documents(unit: Unit | None = None) -> QuerySet[Document]:
    """Published documents (of ``unit``), newest first, with their unit, without the body."""
    documents = (
        Document.objects.filter(state=PublicationState.PUBLISHED)
        .select_related("unit")
        .defer(*NOT_LOADED)
        .order_by("-published_at", "-id")
    )
    if unit is not None:
        documents = documents.filter(_issued_by(unit))
    return documents


def category_counts(unit: Unit | None = None) -> dict[str, int]:
    """How many published documents each Art. 20 category holds (one query)."""
    rows = (
        column_documents(unit)
        .order_by()
        .values("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    return {category: n for category, n in rows if category}


def key_area_counts(unit: Unit | None = None) -> dict[str, int]:
    """How many published documents each key area holds (one query)."""
    rows = (
        DocumentKeyArea.objects.filter(document__in=column_documents(unit).order_by().values("pk"))
        .order_by()
        .values("area")
        .annotate(n=Count("id"))
        .values_list("area", "n")
    )
    return dict(rows)


def category_documents(category: str, unit: Unit | None = None) -> QuerySet[Document]:
    """Statutory proactive content of one Art. 20 category, newest first."""
    return column_documents(unit).filter(category=category)


def key_area_documents(area: str, unit: Unit | None = None) -> QuerySet[Document]:
    """Published documents tagged with one key area (R-5.1), newest first."""
    tagged = DocumentKeyArea.objects.filter(area=area).values("document_id")
    return column_documents(unit).filter(pk__in=tagged)


def _interpretations() -> Prefetch:
    """Each document's published interpretations, as ``interpretation_links``."""
    links = (
        DocumentRelation.objects.filter(
            kind=RelationKind.INTERPRETS, source__state=PublicationState.PUBLISHED
        )
        .select_related("source")
        .defer(*(f"source__{name}" for name in NOT_LOADED))
        .order_by("source__published_at", "source_id")
    )
    return Prefetch("incoming_relations", queryset=links, to_attr="interpretation_links")


def _interpreted() -> Prefetch:
    """The published documents an interpretation explains, as ``interpreted_links``."""
    links = (
        DocumentRelation.objects.filter(
            kind=RelationKind.INTERPRETS, target__state=PublicationState.PUBLISHED
        )
        .select_related("target")
        .defer(*(f"target__{name}" for name in NOT_LOADED))
        .order_by("target_id")
    )
    return Prefetch("outgoing_relations", queryset=links, to_attr="interpreted_links")


def policy_documents(
    unit: Unit | None = None,
    *,
    kind: str = "",
    topic: str = "",
    year: int | None = None,
    in_force_only: bool = True,
) -> QuerySet[Document]:
    """The policy-document library, newest signed first.

    Without ``kind``: rules, normative and policy documents, each with its interpretations;
    ``kind="interpretation"`` lists the interpretations, each with what it explains.
    """
    kinds = [kind] if kind else list(POLICY_KINDS)
    documents = (
        column_documents(unit)
        .filter(kind__in=kinds)
        .order_by("-signed_date", "-id")
        .prefetch_related(_interpretations(), _interpreted())
    )
    if topic:
        documents = documents.filter(topic=topic)
    if year:
        start = datetime.date(year, 1, 1)
        end = datetime.date(year + 1, 1, 1)
        documents = documents.filter(signed_date__gte=start, signed_date__lt=end)
    if in_force_only:
        documents = documents.filter(validity=Validity.IN_FORCE)
    return documents


def policy_years(unit: Unit | None = None) -> list[int]:
    """The years in which the library's documents were signed, newest first (one query)."""
    kinds = [*POLICY_KINDS, DocumentKind.INTERPRETATION]
    years = (
        column_documents(unit)
        .filter(kind__in=kinds, signed_date__isnull=False)
        .order_by()
        .dates("signed_date", "year", order="DESC")
    )
    return [day.year for day in years]


def openness_rule_documents(unit: Unit | None = None) -> QuerySet[Document]:
    """Disclosure rules (公开制度): documents on openness itself (see ``RULE_KINDS``).

    A unit's column lists its own and the Office's (those bind every unit); the platform's
    column lists those of every unit.
    """
    title = Q()
    for word in RULE_TITLE_WORDS:
        title |= Q(title__contains=word)
    documents = (
        column_documents()
        .filter(title, kind__in=RULE_KINDS)
        .exclude(title__contains=ANNUAL_REPORT_WORDS)
    )
    if unit is not None:
        documents = documents.filter(_issued_by(unit) | Q(unit__is_office=True))
    return documents.order_by("-signed_date", "-id")


def annual_report_documents(unit: Unit | None = None) -> QuerySet[Document]:
    """Annual reports on disclosure work published as documents in the library: the years
    before the platform generated them (issue #6 publishes the later ones as
    ``annual_reports.AnnualReport``; the column lists those first)."""
    return (
        column_documents(unit)
        .filter(title__contains=ANNUAL_REPORT_WORDS)
        .filter(Q(title__contains="信息公开") | Q(title__contains="政务公开"))
        .order_by("-signed_date", "-id")
    )
