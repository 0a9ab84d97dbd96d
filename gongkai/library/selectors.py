"""Reads of government information: scoped lists for staff, public reads, timeliness."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from gongkai.accounts.permissions import Perm, unit_ids_where
from gongkai.core.prepared import PreparedQuery
from gongkai.library.choices import DisclosureAttribute, PublicationState
from gongkai.library.models import (
    Attachment,
    Document,
    DocumentChange,
    DocumentKeyArea,
    DocumentRelation,
)
from gongkai.units.models import Unit


def documents_for(user: Any, perm: Perm = Perm.UNIT_VIEW_INTERNAL) -> QuerySet[Document]:
    """The documents ``user`` may see in the back office: those of their units (owner or
    joint issuer), everything for the Office."""
    ids = unit_ids_where(user, perm)
    documents = Document.objects.select_related("unit")
    if ids is None:
        return documents
    return documents.filter(Q(unit__in=ids) | Q(co_issuers__in=ids)).distinct()


def document_for(user: Any, pk: int, perm: Perm = Perm.UNIT_VIEW_INTERNAL) -> Document:
    """One document if ``user`` may see it (owner or joint issuer); DoesNotExist otherwise."""
    return documents_for(user, perm).get(pk=pk)


PUBLIC_STATES = [PublicationState.PUBLISHED, PublicationState.WITHDRAWN]
# What a public page or the API shows of a unit named on a document (its link and name) and
# of a related document (link, title, summary, number): :func:`public_document` reads no
# more, which halves the work of a document page (issue #4 §8).
UNIT_LINK_FIELDS = ("code", "name_zh", "name_en")
LINKED_DOCUMENT_FIELDS = (
    "index_number",
    "title",
    "title_en",
    "summary",
    "summary_en",
    "document_number",
    "state",
)


def public_documents() -> QuerySet[Document]:
    return Document.objects.filter(state__in=PUBLIC_STATES).select_related("unit")


def _linked_documents(direction: str) -> PreparedQuery[Document]:
    """The public documents on the other side of ``document``'s relations, each with the
    relation's ``relation_id`` and ``relation_kind``. ``direction`` "outgoing": the documents
    it revises, repeals …; "incoming": those that revise, repeal … it."""
    if direction == "outgoing":
        mine, theirs = "incoming_relations__source_id", "incoming_relations"
    else:
        mine, theirs = "outgoing_relations__target_id", "outgoing_relations"
    return PreparedQuery(
        lambda pk: (
            Document.objects.filter(**{mine: pk}, state__in=PUBLIC_STATES)
            .annotate(relation_id=F(f"{theirs}__id"), relation_kind=F(f"{theirs}__kind"))
            .only(*LINKED_DOCUMENT_FIELDS)
            .order_by("relation_id")
        )
    )


# The reads of a public document's page (issue #4 §8): compiled once, see core/prepared.py.
_PUBLIC_DOCUMENT = PreparedQuery(
    lambda index_number: Document.objects.filter(
        index_number=index_number, state__in=PUBLIC_STATES
    ).annotate(**{f"unit_{name}": F(f"unit__{name}") for name in UNIT_LINK_FIELDS}),
    key=str,
)
_CO_ISSUERS = PreparedQuery(
    lambda pk: Unit.objects.filter(co_issued_documents__id=pk).only(*UNIT_LINK_FIELDS)
)
_ATTACHMENTS = PreparedQuery(
    lambda pk: Attachment.objects.filter(document_id=pk).defer("text", "sha256")
)
_KEY_AREAS = PreparedQuery(lambda pk: DocumentKeyArea.objects.filter(document_id=pk))
_PUBLIC_CHANGES = PreparedQuery(
    lambda pk: DocumentChange.objects.filter(document_id=pk, is_public=True)
)
_OUTGOING = _linked_documents("outgoing")
_INCOMING = _linked_documents("incoming")


def public_document(index_number: str) -> Document:
    """A published (or withdrawn) document with what its page shows: its unit (code and
    names), joint issuers, attachments, key areas, public change notes and relations both
    ways to other public documents, put where ``select_related`` / ``prefetch_related``
    would put them (``document.unit``, ``document.attachments.all()``, …;
    ``outgoing_relations`` and ``incoming_relations`` in the order they were made). Seven
    small reads whose SQL is compiled once (:mod:`gongkai.core.prepared`): the page spent
    more time compiling the SQL than running it (issue #4 §8)."""
    found = list(_PUBLIC_DOCUMENT(index_number))
    if not found:
        raise Document.DoesNotExist(f"no public document {index_number!r}")
    document = with_unit_names(found[0])
    pk = document.pk
    attachments = list(_ATTACHMENTS(pk))
    for attachment in attachments:
        attachment.document = document
    _set_prefetched(document, "co_issuers", list(_CO_ISSUERS(pk)))
    _set_prefetched(document, "attachments", attachments)
    _set_prefetched(document, "key_area_links", list(_KEY_AREAS(pk)))
    _set_prefetched(document, "changes", list(_PUBLIC_CHANGES(pk)))
    outgoing = [_relation(document, other, outgoing=True) for other in _OUTGOING(pk)]
    incoming = [_relation(document, other, outgoing=False) for other in _INCOMING(pk)]
    _set_prefetched(document, "outgoing_relations", outgoing)
    _set_prefetched(document, "incoming_relations", incoming)
    return document


def with_unit_names(document: Document) -> Document:
    """``document.unit`` as a partial instance (id, code and names; another field would be
    read on use) from the ``unit_code``, ``unit_name_zh`` and ``unit_name_en`` columns a
    prepared read annotated (``select_related`` cannot be prepared)."""
    document.unit = Unit.from_db(
        document._state.db,
        ["id", *UNIT_LINK_FIELDS],
        [document.unit_id, *(getattr(document, f"unit_{name}") for name in UNIT_LINK_FIELDS)],
    )
    return document


def _relation(document: Document, other: Any, *, outgoing: bool) -> DocumentRelation:
    """The relation between ``document`` and ``other`` (read with its ``relation_id`` and
    ``relation_kind`` annotations by :func:`_linked_documents`)."""
    source, target = (document, other) if outgoing else (other, document)
    return DocumentRelation(
        id=other.relation_id, kind=other.relation_kind, source=source, target=target
    )


def _set_prefetched(document: Document, name: str, rows: list[Any]) -> None:
    """``document.<name>.all()`` is ``rows`` from now on, as after ``prefetch_related``."""
    queryset = getattr(document, name).get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance: Any = document
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


def superseded_by(document: Document) -> list[DocumentRelation]:
    """The published documents that repealed, revised or replaced ``document`` (for the banner)."""
    return [
        r for r in document.incoming_relations.all() if r.kind in {"repeals", "revises", "replaces"}
    ]


@dataclass(frozen=True)
class TimelinessItem:
    document: Document
    due: datetime.date
    confirmed: bool
    working_days_left: int  # negative when late


def timeliness(
    documents: QuerySet[Document], today: datetime.date | None = None
) -> tuple[list[TimelinessItem], list[TimelinessItem]]:
    """Proactive information not yet on the portal, due within N working days of its signed
    date (Art. 26): (late, due soon). Uses the official working-day calendar."""
    from gongkai.core.calendar import working_calendar

    calendar = working_calendar()  # one snapshot for every deadline on the page

    rules: dict[str, Any] = settings.GONGKAI_LIBRARY
    within = int(rules["PUBLISH_WITHIN_WORKING_DAYS"])
    soon_days = int(rules["DUE_SOON_WORKING_DAYS"])
    today = today or timezone.localdate()
    late: list[TimelinessItem] = []
    soon: list[TimelinessItem] = []
    pending = documents.filter(
        attribute=DisclosureAttribute.PROACTIVE,
        signed_date__isnull=False,
        state__in=[PublicationState.DRAFT, PublicationState.IN_REVIEW],
    ).order_by("signed_date", "id")
    for document in pending:
        signed: datetime.date = document.signed_date  # type: ignore[assignment]  # filtered
        deadline = calendar.add_working_days(signed, within)
        if deadline.date < today:
            left = -calendar.working_days_between(deadline.date, today)
            late.append(TimelinessItem(document, deadline.date, deadline.confirmed, left))
        else:
            left = calendar.working_days_between(today, deadline.date)
            if left <= soon_days:
                soon.append(TimelinessItem(document, deadline.date, deadline.confirmed, left))
    return late, soon
