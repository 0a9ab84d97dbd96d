"""Full-text search of published government information (issue #4 §3, §4): read-only.

``GET /api/v1/search`` answers through :func:`gongkai.search.selectors.search_documents`,
the entry point the portal's search page uses, so both find the same documents in the
same order. Each result is the list's catalogue entry plus its ``score`` and a plain-text
``snippet`` whose matched words are given as ``highlights`` — ``[start, end)`` offsets in
Unicode code points — rather than marked inside the text (the text itself may contain any
bracket). Facets count the results per unit, year, kind, topic, validity, key area and
category; ``suggestions`` propose corrected queries when nothing was found.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema

from gongkai.api.documents import (
    MAX_PAGE_SIZE,
    PAGE_NOT_FOUND,
    CommonFilters,
    DocumentSummaryOut,
    check_parameters,
    page_url,
    unit_by_code,
    with_list_relations,
)
from gongkai.api.units import ErrorOut, ValidationErrorOut
from gongkai.library import selectors as library_selectors
from gongkai.library.choices import (
    Art20Category,
    DocumentKind,
    KeyArea,
    PublicationState,
    Topic,
    Validity,
)
from gongkai.library.exports import NOT_LOADED
from gongkai.search import selectors as search_selectors
from gongkai.search.engine import Filters
from gongkai.units.models import Unit

router = Router()

DEFAULT_PAGE_SIZE = 10
MAX_QUERY_LENGTH = 1000
# The API's facet names; the engine calls the key area facet "area".
FACETS = {
    "unit": "unit",
    "year": "year",
    "kind": "kind",
    "topic": "topic",
    "validity": "validity",
    "key_area": "area",
    "category": "category",
}
CHOICES: dict[str, Any] = {
    "kind": DocumentKind,
    "topic": Topic,
    "validity": Validity,
    "key_area": KeyArea,
    "category": Art20Category,
}
# No validity is called this: a filter on it matches nothing (in_force contradicting validity).
NO_VALIDITY = "-"


# --- What the API shows ----------------------------------------------------------------------


class SearchHitOut(DocumentSummaryOut):
    """A result: the document's catalogue entry, its score and where the words matched."""

    score: float = Field(description="Relevance (higher is better); 0 when sorted by date")
    snippet: str = Field(
        description="Plain text around the first match (the body, else the summary); … marks a cut"
    )
    highlights: list[list[int]] = Field(
        description="The matched words in snippet: [start, end) offsets in Unicode code "
        "points, in order, e.g. [[3, 7]] for snippet[3:7]",
        json_schema_extra={
            "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
        },
    )


class FacetValueOut(Schema):
    value: str = Field(description="The value to filter by (a unit code, a year, a kind …)")
    label: str = Field(description="Its name in Chinese")
    label_en: str = Field(description="Its name in English")
    count: int = Field(description="Results with this value (counted with the other filters)")


class FacetsOut(Schema):
    """Results per value of each filter, most first (years newest first). Each facet is
    counted with every *other* filter applied, so choosing a unit still shows the others."""

    unit: list[FacetValueOut]
    year: list[FacetValueOut]
    kind: list[FacetValueOut]
    topic: list[FacetValueOut]
    validity: list[FacetValueOut]
    key_area: list[FacetValueOut]
    category: list[FacetValueOut]


class SearchPageOut(Schema):
    query: str = Field(description="The query as searched (whitespace collapsed, cut to 100)")
    query_truncated: bool = Field(description="The query was longer than 100 characters")
    sort: Literal["relevance", "date"]
    count: int = Field(description="How many documents match; only the first 1,000 are paged")
    page: int
    page_size: int
    pages: int
    next: str | None
    previous: str | None
    partial: bool = Field(description="No document has every word: these results have some of them")
    fallback: bool = Field(
        description="The search index was unavailable: titles and document numbers only, "
        "newest first, no facets"
    )
    count_without_filters: int | None = Field(
        description="When the filters leave nothing: how many results there are without them"
    )
    suggestions: list[str] = Field(description="Corrected queries that find documents")
    facets: FacetsOut
    items: list[SearchHitOut]


# --- What clients may ask --------------------------------------------------------------------


class SearchParams(CommonFilters):
    q: str = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description="Words, a phrase or a document number (津生管发〔2020〕12号, any bracket "
        "form). Empty: every published document, newest first. Only the first 100 "
        "characters are searched.",
    )
    sort: Literal["relevance", "date"] = Field(
        "relevance", description="relevance, or date (newest published first)"
    )
    page: int = Field(1, ge=1, description="Page number, from 1")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Results per page"
    )


SEARCH_PARAMETERS = frozenset(SearchParams.model_fields)


def _validity(params: SearchParams) -> tuple[str, ...]:
    chosen = set(Validity.values)
    if params.validity:
        chosen &= {params.validity}
    if params.in_force is True:
        chosen &= {Validity.IN_FORCE}
    elif params.in_force is False:
        chosen -= {Validity.IN_FORCE}
    if chosen == set(Validity.values):
        return ()
    return tuple(v for v in Validity.values if v in chosen) or (NO_VALIDITY,)


def _filters(params: SearchParams) -> Filters:
    if params.unit:
        unit_by_code(params.unit)  # an unknown code is a 422, not an empty result
    return Filters(
        unit=(params.unit,) if params.unit else (),
        year=(params.year,) if params.year else (),
        kind=(params.kind,) if params.kind else (),
        topic=(params.topic,) if params.topic else (),
        validity=_validity(params),
        area=(params.key_area,) if params.key_area else (),
        category=(params.category,) if params.category else (),
    )


_MARK = re.compile(r"(</?mark>)")


def _highlights(snippet_html: str) -> list[list[int]]:
    """[start, end) ranges of the <mark>ed words in the selector's highlighted snippet,
    as offsets in its plain text (every piece outside the marks is escaped HTML)."""
    ranges: list[list[int]] = []
    position = 0
    start: int | None = None
    for piece in _MARK.split(snippet_html):
        if piece == "<mark>":
            start = position
        elif piece == "</mark>":
            if start is not None and position > start:
                ranges.append([start, position])
            start = None
        else:
            position += len(html.unescape(piece))
    return ranges


def _labels(name: str, values: list[str]) -> dict[str, tuple[str, str]]:
    """(Chinese, English) names of facet values: units from one query, choices from code."""
    if name == "unit":
        units = Unit.objects.filter(code__in=values).only("code", "name_zh", "name_en")
        return {u.code: (u.name_zh, u.name_en or u.name_zh) for u in units}
    if name == "year":
        return {value: (value, value) for value in values}
    choices = CHOICES[name]
    labels: dict[str, tuple[str, str]] = {}
    for value, label in choices.choices:
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        labels[value] = (zh, en)
    return labels


def _facets(counts: dict[str, dict[str, int]]) -> dict[str, list[dict[str, Any]]]:
    facets: dict[str, list[dict[str, Any]]] = {}
    for name, engine_name in FACETS.items():
        values = counts.get(engine_name) or {}
        if name == "year":
            ordered = sorted(values.items(), key=lambda kv: kv[0], reverse=True)
        else:
            ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        labels = _labels(name, [value for value, _count in ordered]) if ordered else {}
        facets[name] = [
            {
                "value": value,
                "label": labels.get(value, (value, value))[0],
                "label_en": labels.get(value, (value, value))[1],
                "count": count,
            }
            for value, count in ordered
        ]
    return facets


# --- The endpoint ----------------------------------------------------------------------------


@router.get(
    "",
    response={200: SearchPageOut, 404: ErrorOut, 422: ValidationErrorOut},
    operation_id="search",
    summary="Search published documents",
)
def search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    """Full-text search of published documents in Chinese and English: titles, document
    numbers, summaries, bodies and attachments. The same search as the portal's.

    All words must match (if no document has them all, documents with some are given and
    ``partial`` is true). Filters and pages as in ``/api/v1/documents``; a page after the
    last gives 404. ``snippet`` is plain text; ``highlights`` locates the matched words in
    it.
    """
    check_parameters(request, SEARCH_PARAMETERS)
    request_data = search_selectors.SearchRequest(
        q=params.q,
        filters=_filters(params),
        sort=params.sort,
        page=params.page,
        page_size=params.page_size,
    )
    # Only the first MAX_RESULTS results can be paged through. A page beyond them is not
    # asked of the engine at all: it would reserve room for every result before the
    # page, and a page number like 10¹² exhausts the memory (the process aborts).
    if (params.page - 1) * params.page_size >= search_selectors.MAX_RESULTS:
        first = search_selectors.search_documents(replace(request_data, page=1, facets=False))
        raise Http404(PAGE_NOT_FOUND, {"page": params.page, "pages": first.pages})
    found = search_selectors.search_documents(request_data)
    if found.page < params.page:  # the selector gave the last page instead
        raise Http404(PAGE_NOT_FOUND, {"page": params.page, "pages": found.pages})
    # The hits carry only the result columns: the documents are read once more, with
    # their joint issuers and key areas, in one query each (and only if still published).
    ids = [hit.document.pk for hit in found.hits]
    documents = with_list_relations(
        library_selectors.public_documents()
        .filter(state=PublicationState.PUBLISHED)
        .defer(*NOT_LOADED)
    ).in_bulk(ids)
    items = []
    for hit in found.hits:
        document = documents.get(hit.document.pk)
        if document is None:
            continue
        document.score = hit.score  # type: ignore[attr-defined]
        document.snippet = hit.snippet_text  # type: ignore[attr-defined]
        document.highlights = _highlights(hit.snippet_html)  # type: ignore[attr-defined]
        items.append(document)
    return {
        "query": found.parsed.raw,
        "query_truncated": found.truncated_query,
        # an empty query, and the fallback search, list the newest first
        "sort": "date" if found.parsed.empty or found.fallback else params.sort,
        "count": found.total,
        "page": found.page,
        "page_size": params.page_size,
        "pages": found.pages,
        "next": page_url(request, found.page + 1) if found.page < found.pages else None,
        "previous": page_url(request, found.page - 1) if found.page > 1 else None,
        "partial": found.partial,
        "fallback": found.fallback,
        "count_without_filters": found.total_without_filters,
        "suggestions": list(found.suggestions),
        "facets": _facets(found.facets),
        "items": items,
    }
