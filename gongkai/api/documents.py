"""Government information as open data (issue #4 §4; R-5.1; Regulation Art. 24): read-only.

``GET /api/v1/documents`` lists published documents with the portal's filters and more;
``GET /api/v1/documents/{id}`` and ``GET /api/v1/documents/by-index/{index_number}`` give
one public document with everything its portal page shows. Reads go through
:func:`gongkai.library.selectors.public_documents` and
:func:`~gongkai.library.selectors.public_document`: drafts, documents in review and
scheduled ones do not exist here (404, with the message unknown ids get).

Field names follow the glossary (``docs/api.md``) and stay stable within ``v1``.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import register_converter, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from gongkai.api.units import ErrorOut, ValidationErrorOut
from gongkai.library import selectors as library_selectors
from gongkai.library.choices import (
    Art20Category,
    ChangeKind,
    DocumentKind,
    KeyArea,
    PublicationState,
    RelationKind,
    Topic,
    Validity,
)
from gongkai.library.exports import NOT_LOADED
from gongkai.library.models import Attachment, Document, DocumentKeyArea
from gongkai.library.numbers import MAX_LENGTH as MAX_NUMBER_LENGTH
from gongkai.library.numbers import MAX_YEAR, MIN_YEAR, search_key
from gongkai.library.sanitize import sanitize_body
from gongkai.units.models import Unit

router = Router()


class AnyPathConverter:
    """Like Django's ``path`` converter, but also across line breaks: an address with an
    encoded line break must still reach the API (and get its JSON 404), not the portal."""

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AnyPathConverter, "anypath")

NOT_FOUND = _("There is no published document with this id or index number.")
PAGE_NOT_FOUND = _("There is no page %(page)s: the last page is %(pages)s.")
UNKNOWN_UNIT = _("There is no unit with this code.")
UNKNOWN_PARAMETER = _("This parameter is unknown.")
NUL_CHARACTER = _("This value contains a character that is not allowed.")
DATES_INVERTED = _("This date is earlier than published_after.")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1

ORDERINGS = {
    "-published_at": (F("published_at").desc(nulls_last=True), F("id").desc()),
    "published_at": (F("published_at").asc(nulls_last=True), F("id").asc()),
    "-signed_date": (F("signed_date").desc(nulls_last=True), F("id").desc()),
    "signed_date": (F("signed_date").asc(nulls_last=True), F("id").asc()),
}
Order = Literal["-published_at", "published_at", "-signed_date", "signed_date"]


def _enum(choices: Any, description: str) -> Any:
    """An output field whose values are ``choices`` (documented as an enum in the schema).

    Typed as text rather than as the enum, so that a stored value outside the list is passed
    on instead of failing the response."""
    return Field(description=description, json_schema_extra={"enum": list(choices.values)})


def _nullable_enum(choices: Any, description: str) -> Any:
    return Field(
        description=description,
        json_schema_extra={
            "anyOf": [{"type": "string", "enum": list(choices.values)}, {"type": "null"}]
        },
    )


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _portal_path(view: str, **kwargs: Any) -> str:
    """A portal address in the default language (``/documents/…``, not ``/en/documents/…``),
    whatever language the API request negotiated: these are the permanent addresses."""
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(f"portal:{view}", kwargs=kwargs)


# --- What the API shows ------------------------------------------------------------------------


class UnitRefOut(Schema):
    """A unit (单位) as the documents name it; its details are at ``/api/v1/units/{code}``."""

    code: str
    name_zh: str
    name_en: str


class DocumentRefOut(Schema):
    """Another public document, as a link."""

    id: int
    index_number: str
    title: str
    url: str = Field(description="The document's permanent page on the portal")

    @staticmethod
    def resolve_url(obj: Document, context: dict[str, Any]) -> str:
        return _absolute(
            context["request"], _portal_path("document_detail", index_number=obj.index_number)
        )


class DocumentSummaryOut(Schema):
    """The catalogue entry of a published document (政府信息公开目录, Art. 12)."""

    id: int = Field(description="Numeric id (for the API only; the index number is the public key)")
    index_number: str = Field(description="Index number (索引号), e.g. JJJ/11-2020-00001")
    title: str = Field(description="Title in Chinese")
    title_en: str = Field(description="Title in English; empty when there is none")
    summary: str
    summary_en: str
    document_number: str = Field(
        description="Document number (文号) as written, e.g. 津生管发〔2020〕12号; may be empty"
    )
    unit: UnitRefOut = Field(description="The issuing unit (发布机构)")
    co_issuers: list[UnitRefOut] = Field(description="Joint issuers (联合发文单位)")
    kind: str = _enum(DocumentKind, "Kind of document")
    category: str | None = _nullable_enum(
        Art20Category, 'Statutory proactive category of Regulation Art. 20 ("01"–"15")'
    )
    topic: str | None = _nullable_enum(Topic, "Topic (主题分类)")
    key_areas: list[str] = Field(
        description="Key areas (重点领域)",
        json_schema_extra={"items": {"type": "string", "enum": list(KeyArea.values)}},
    )
    signed_date: datetime.date | None = Field(description="Signed date (成文日期)")
    published_at: datetime.datetime | None = Field(
        description="Published at (发布日期), with time zone"
    )
    effective_date: datetime.date | None = Field(description="Effective date (施行日期)")
    valid_until: datetime.date | None = Field(description="Valid until (有效期至)")
    validity: str = _enum(Validity, "Validity (有效性)")
    url: str = Field(description="The document's permanent page on the portal")
    api_url: str = Field(description="This document in the API")

    @staticmethod
    def resolve_category(obj: Document) -> str | None:
        return obj.category or None

    @staticmethod
    def resolve_topic(obj: Document) -> str | None:
        return obj.topic or None

    @staticmethod
    def resolve_co_issuers(obj: Document) -> list[Unit]:
        return list(obj.co_issuers.all())

    @staticmethod
    def resolve_key_areas(obj: Document) -> list[str]:
        areas = {link.area for link in obj.key_area_links.all()}
        return [area for area in KeyArea.values if area in areas]  # in the list's order

    @staticmethod
    def resolve_url(obj: Document, context: dict[str, Any]) -> str:
        return _absolute(
            context["request"], _portal_path("document_detail", index_number=obj.index_number)
        )

    @staticmethod
    def resolve_api_url(obj: Document, context: dict[str, Any]) -> str:
        return _absolute(
            context["request"], reverse("api-v1:document_detail", kwargs={"id": obj.pk})
        )


class DocumentPageOut(Schema):
    """One page of documents. Follow ``next`` until it is null to read them all."""

    count: int = Field(description="How many documents match, on all pages")
    page: int
    page_size: int
    pages: int = Field(
        description="Number of pages; at least 1 (page 1 is empty when nothing matches)"
    )
    next: str | None = Field(description="Address of the next page; null on the last")
    previous: str | None = Field(description="Address of the previous page; null on the first")
    items: list[DocumentSummaryOut]


class AttachmentOut(Schema):
    name: str = Field(description="File name as uploaded")
    type: str = Field(description="File type, e.g. pdf, docx")
    size: int = Field(description="Size in bytes")
    url: str = Field(description="Download address on the portal")

    @staticmethod
    def resolve_name(obj: Attachment) -> str:
        return obj.original_name

    @staticmethod
    def resolve_type(obj: Attachment) -> str:
        return obj.file_type

    @staticmethod
    def resolve_url(obj: Attachment, context: dict[str, Any]) -> str:
        path = _portal_path(
            "attachment_download", index_number=obj.document.index_number, pk=obj.pk
        )
        return _absolute(context["request"], path)


class RelationOut(Schema):
    kind: str = _enum(RelationKind, "What the source document does to the target")
    direction: Literal["outgoing", "incoming"] = Field(
        description="outgoing: this document <kind> the other (it repeals it); "
        "incoming: the other document <kind> this one (this one is repealed by it)"
    )
    document: DocumentRefOut


class HistoryEntryOut(Schema):
    at: datetime.datetime
    kind: str = _enum(ChangeKind, "What happened")
    note: str = Field(description="The public change note; empty for first publication")


class DocumentOut(DocumentSummaryOut):
    """Everything public about a document: its page on the portal, as data (Art. 24)."""

    state: Literal["published", "withdrawn"] = Field(
        description="published, or withdrawn (撤销): the page stays with a notice and the reason"
    )
    withdrawn_reason: str = Field(description="Why it was withdrawn; empty unless withdrawn")
    body_html: str = Field(description="The body as sanitised HTML (safe to display)")
    body_text: str = Field(description="The body as plain text")
    attachments: list[AttachmentOut]
    relations: list[RelationOut] = Field(
        description="Links to other public documents: revises, repeals, is based on, "
        "interprets, replaces — in both directions"
    )
    history: list[HistoryEntryOut] = Field(
        description="Public history, oldest first: first published, then each change"
    )

    @staticmethod
    def resolve_withdrawn_reason(obj: Document) -> str:
        return obj.withdrawn_reason if obj.state == PublicationState.WITHDRAWN else ""

    @staticmethod
    def resolve_body_html(obj: Document) -> str:
        return sanitize_body(obj.body)

    @staticmethod
    def resolve_attachments(obj: Document) -> list[Attachment]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_relations(obj: Document) -> list[dict[str, Any]]:
        outgoing = [
            {"kind": r.kind, "direction": "outgoing", "document": r.target}
            for r in sorted(obj.outgoing_relations.all(), key=lambda r: r.pk)
        ]
        incoming = [
            {"kind": r.kind, "direction": "incoming", "document": r.source}
            for r in sorted(obj.incoming_relations.all(), key=lambda r: r.pk)
        ]
        return outgoing + incoming

    @staticmethod
    def resolve_history(obj: Document) -> list[dict[str, Any]]:
        return _history(obj)


def _history(document: Document) -> list[dict[str, Any]]:
    """As the portal page shows it: a first publication (made up from ``published_at`` for
    documents imported before history was kept), then each public change note."""
    items: list[dict[str, Any]] = []
    changes = list(document.changes.all())  # prefetched: public notes only
    for change in changes:
        note = "" if change.kind == ChangeKind.FIRST_PUBLISHED else change.note
        items.append({"at": change.at, "kind": change.kind, "note": note})
    has_first = any(change.kind == ChangeKind.FIRST_PUBLISHED for change in changes)
    if not has_first and document.published_at:
        items.insert(
            0, {"at": document.published_at, "kind": ChangeKind.FIRST_PUBLISHED, "note": ""}
        )
    return items


# --- What clients may ask ----------------------------------------------------------------------


def _not_null(schema: dict[str, Any]) -> None:
    """Document an optional query parameter by its type alone (leaving it out is how it is
    left empty; ``null`` is not a value a query string can carry)."""
    variants = [v for v in schema.pop("anyOf", []) if v.get("type") != "null"]
    if len(variants) == 1:
        schema.update(variants[0])
    schema.pop("default", None)


def optional(description: str, **constraints: Any) -> Any:
    return Field(None, description=description, json_schema_extra=_not_null, **constraints)


def _iso_date(value: Any) -> Any:
    """Dates only as YYYY-MM-DD (pydantic would also read "0" as 1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PydanticCustomError("date_parsing", "Input should be a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]


class CommonFilters(Schema):
    """Filters shared by the document list and the search; all optional, combined with AND."""

    unit: str | None = optional(
        max_length=16,
        description="Unit code: documents it issued, alone or jointly (e.g. JJJ)",
    )
    kind: DocumentKind | None = optional(description="Kind of document")
    topic: Topic | None = optional(description="Topic (主题分类)")
    category: Art20Category | None = optional(
        description="Statutory proactive category of Regulation Art. 20 (01–15)"
    )
    key_area: KeyArea | None = optional(description="Key area (重点领域)")
    validity: Validity | None = optional(description="Validity (有效性)")
    in_force: bool | None = optional(
        description="true: in force only; false: only those not in force (any other validity)"
    )
    year: int | None = optional(
        ge=MIN_YEAR, le=MAX_YEAR, description="Year of the signed date (成文日期)"
    )


class DocumentFilters(CommonFilters):
    """Filters of the document list; all optional, combined with AND."""

    published_after: IsoDate | None = optional(
        description="Published on or after this day (China Standard Time)"
    )
    published_before: IsoDate | None = optional(
        description="Published on or before this day (China Standard Time)"
    )
    document_number: str | None = optional(
        max_length=MAX_NUMBER_LENGTH,
        description="Document number (文号) in any bracket form: 津生管发[2020]12号 finds "
        "津生管发〔2020〕12号",
    )
    order: Order = Field("-published_at", description="Sort order; ties by id")
    page: int = Field(1, ge=1, description="Page number, from 1")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Documents per page"
    )


LIST_PARAMETERS = frozenset(DocumentFilters.model_fields)


def check_parameters(request: HttpRequest, allowed: frozenset[str]) -> None:
    """Unknown parameter names (a typo such as ``unti``) and NUL characters are refused: a
    silently ignored filter would return the wrong documents."""
    errors: dict[str, list[Any]] = {}
    for name in request.GET:
        if name not in allowed:
            errors.setdefault(name, []).append(UNKNOWN_PARAMETER)
        elif any("\x00" in value for value in request.GET.getlist(name)):
            errors.setdefault(name, []).append(NUL_CHARACTER)
    if errors:
        raise ValidationError(errors)


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def unit_by_code(code: str) -> Unit:
    """The unit a filter names — active or not, as documents keep their issuer — or a
    ValidationError for the ``unit`` parameter."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationError({"unit": [UNKNOWN_UNIT]})
    return unit


def _issued_by(unit: Unit) -> Q:
    """Documents ``unit`` issued, alone or jointly (a subquery: no duplicate rows)."""
    joint = Document.co_issuers.through.objects.filter(unit=unit).values("document_id")
    return Q(unit=unit) | Q(pk__in=joint)


def published_documents(filters: DocumentFilters) -> QuerySet[Document]:
    """Published documents (not withdrawn ones) matching ``filters``, in the asked order.

    Raises ValidationError for filter values that name nothing (an unknown unit code) or
    contradict each other. Does not load the body.
    """
    documents = (
        library_selectors.public_documents()
        .filter(state=PublicationState.PUBLISHED)
        .defer(*NOT_LOADED)
    )
    if filters.unit:
        documents = documents.filter(_issued_by(unit_by_code(filters.unit)))
    if filters.kind:
        documents = documents.filter(kind=filters.kind)
    if filters.topic:
        documents = documents.filter(topic=filters.topic)
    if filters.category:
        documents = documents.filter(category=filters.category)
    if filters.key_area:
        tagged = DocumentKeyArea.objects.filter(area=filters.key_area).values("document_id")
        documents = documents.filter(pk__in=tagged)
    if filters.validity:
        documents = documents.filter(validity=filters.validity)
    if filters.in_force is True:
        documents = documents.filter(validity=Validity.IN_FORCE)
    elif filters.in_force is False:
        documents = documents.exclude(validity=Validity.IN_FORCE)
    if filters.year:
        start = datetime.date(filters.year, 1, 1)
        documents = documents.filter(
            signed_date__gte=start, signed_date__lt=start.replace(year=filters.year + 1)
        )
    after, before = filters.published_after, filters.published_before
    if after and before and before < after:
        raise ValidationError({"published_before": [DATES_INVERTED]})
    # Days far outside any publication date are no bound at all (and would overflow when
    # converted to UTC).
    if after and after > datetime.date(1900, 1, 1):
        documents = documents.filter(published_at__gte=_day_start(after))
    if before and before < datetime.date(9000, 1, 1):
        next_day = before + datetime.timedelta(days=1)
        documents = documents.filter(published_at__lt=_day_start(next_day))
    if filters.document_number:
        key = search_key(filters.document_number)
        if key:
            documents = documents.filter(document_number_key=key)
    return documents.order_by(*ORDERINGS[filters.order])


def with_list_relations(documents: QuerySet[Document]) -> QuerySet[Document]:
    return documents.prefetch_related(
        Prefetch("co_issuers", queryset=Unit.objects.only("code", "name_zh", "name_en")),
        "key_area_links",
    )


def page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# --- Endpoints ---------------------------------------------------------------------------------


@router.get(
    "",
    response={200: DocumentPageOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="document_list",
    summary="List published documents",
)
def document_list(request: HttpRequest, filters: Query[DocumentFilters]) -> Any:
    """Published documents (government information), newest first, with filters; paginated.

    Withdrawn documents are not listed (their pages stay readable at
    ``/api/v1/documents/{id}``). An unknown parameter name, an unknown unit code or any
    value outside the listed ones gives 422 with the field's error. A page number past the
    last page gives 404 (page 1 always exists, empty when nothing matches).
    """
    check_parameters(request, LIST_PARAMETERS)
    documents = published_documents(filters)
    count = documents.count()
    pages = max(1, math.ceil(count / filters.page_size))
    if filters.page > pages:
        raise Http404(PAGE_NOT_FOUND, {"page": filters.page, "pages": pages})
    start = (filters.page - 1) * filters.page_size
    ids = list(documents.values_list("pk", flat=True)[start : start + filters.page_size])
    # Paging narrow (id, date) rows first, then loading that page's documents, is several
    # times faster than sorting whole rows on large libraries (see portal.views._page).
    by_id = with_list_relations(documents).in_bulk(ids)
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "pages": pages,
        "next": page_url(request, filters.page + 1) if filters.page < pages else None,
        "previous": page_url(request, filters.page - 1) if filters.page > 1 else None,
        "items": [by_id[pk] for pk in ids if pk in by_id],
    }


@router.get(
    "/by-index/{anypath:index_number}",
    response={200: DocumentOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="document_by_index",
    summary="A public document by its index number",
)
def document_by_index(
    request: HttpRequest,
    index_number: str = Path(
        ...,
        min_length=1,
        description="Index number (索引号), slashes and all: JJJ/11-2020-00001",
        examples=["JJJ/11-2020-00001"],
    ),
) -> Any:
    """The same as ``/api/v1/documents/{id}``, found by the index number (索引号), which
    contains slashes and is written into the path as it is:
    ``/api/v1/documents/by-index/JJJ/11-2020-00001``."""
    check_parameters(request, frozenset())
    if "\x00" in index_number:
        raise Http404(NOT_FOUND)
    try:
        return library_selectors.public_document(index_number)
    except Document.DoesNotExist:
        raise Http404(NOT_FOUND) from None


@router.get(
    "/{id}",
    response={200: DocumentOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="document_detail",
    url_name="document_detail",
    summary="A public document",
)
def document_detail(
    request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID, description="The document's id")
) -> Any:
    """Everything public about one document: metadata, sanitised body, attachments,
    relations and history.

    Withdrawn documents stay readable, with ``state`` "withdrawn" and the reason. Drafts,
    documents in review and scheduled ones are not found (404), like ids that do not exist.
    """
    check_parameters(request, frozenset())
    try:
        index_number = (
            library_selectors.public_documents().values_list("index_number", flat=True).get(pk=id)
        )
        return library_selectors.public_document(index_number)
    except Document.DoesNotExist:
        raise Http404(NOT_FOUND) from None
