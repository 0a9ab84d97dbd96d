"""Reads of government information: scoped lists for staff, public reads, timeliness."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from gongkai.accounts.permissions import Perm, unit_ids_where
from gongkai.library.choices import DisclosureAttribute, PublicationState
from gongkai.library.models import Document, DocumentChange, DocumentRelation


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


def public_documents() -> QuerySet[Document]:
    return Document.objects.filter(state__in=PUBLIC_STATES).select_related("unit")


def public_document(index_number: str) -> Document:
    """A published (or withdrawn) document with what its page shows.

    Its relations both ways come in one query (ordered by id, the order each direction came
    in when they were two prefetches) and are put where ``prefetch_related`` would put
    them: ``outgoing_relations.all()`` (to public documents) and ``incoming_relations.all()``
    (from public documents) read no more (issue #4 §8: one query and queryset fewer).
    """
    document = (
        public_documents()
        .prefetch_related(
            "co_issuers",
            "attachments",
            "key_area_links",
            Prefetch("changes", queryset=DocumentChange.objects.filter(is_public=True)),
        )
        .get(index_number=index_number)
    )
    relations = (
        DocumentRelation.objects.filter(
            Q(source=document, target__state__in=PUBLIC_STATES)
            | Q(target=document, source__state__in=PUBLIC_STATES)
        )
        .select_related("source", "target")
        .order_by("id")
    )
    outgoing: list[DocumentRelation] = []
    incoming: list[DocumentRelation] = []
    for relation in relations:
        if relation.source_id == document.pk and relation.target.state in PUBLIC_STATES:
            outgoing.append(relation)
            relation.source = document  # as the prefetch did: the document itself
        if relation.target_id == document.pk and relation.source.state in PUBLIC_STATES:
            incoming.append(relation)
            relation.target = document
    _set_prefetched(document, "outgoing_relations", outgoing)
    _set_prefetched(document, "incoming_relations", incoming)
    return document


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
