"""Searching published documents (issue #4 §3; R-5.1, R-5.3; Regulation Art. 24).

:func:`search_documents` is the one entry point for the portal's search page and the API's
``/api/v1/search``. It asks the tantivy engine which documents match, then reads those
documents from the database — the source of truth — and drops any that are no longer
published, so a withdrawn or unpublished document is never shown even before the index has
caught up. When there is no usable index (first start, rebuild, lost files) it falls back to a
plain database search of titles and document numbers and says so.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q
from django.utils.safestring import SafeString, mark_safe

from gongkai.core.prepared import PreparedQuery
from gongkai.library.choices import PublicationState
from gongkai.library.models import Document
from gongkai.library.numbers import search_key
from gongkai.library.selectors import UNIT_LINK_FIELDS, with_unit_names
from gongkai.search import engine, text
from gongkai.search.engine import Filters, ParsedQuery

SORTS = ("relevance", "date")
MAX_PAGE_SIZE = 100
# Deep pages are not useful and are expensive for any engine: the first 1,000 results only.
MAX_RESULTS = 1000
SNIPPET_CHARS = 120

# Columns a result list shows (the body is read only for the snippet), and its unit's.
RESULT_FIELDS = (
    "id", "index_number", "title", "title_en", "summary", "summary_en", "body_text",
    "document_number", "kind", "topic", "validity", "category", "signed_date", "published_at",
    "valid_until", "state", "unit_id",
)  # fmt: skip


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    facets: bool = True


@dataclass
class Hit:
    document: Document
    score: float
    title_html: SafeString
    snippet_html: SafeString
    snippet_text: str
    # Filled by the search page for its template (one reverse() a page, not one a hit).
    url: str = ""
    published: str = ""
    validity_label: str = ""


@dataclass
class SearchPage:
    request: SearchRequest
    parsed: ParsedQuery
    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]]
    # Nothing had every word: these results have some of them.
    partial: bool = False
    # The index was not available: a simpler database search answered.
    fallback: bool = False
    # "Did you mean": corrected queries that do find documents.
    suggestions: list[str] = field(default_factory=list)
    # Results there would be without the filters (shown when the filters leave none).
    total_without_filters: int | None = None
    truncated_query: bool = False
    # No document has every word of the query (logged, anonymously, for analysis).
    missed: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# One read for a page of results, its SQL compiled once per page length (core/prepared.py):
# Django took longer to compile it than the database to run it (issue #4 §8).
_RESULTS = PreparedQuery(
    lambda ids: Document.objects.filter(pk__in=ids)
    .only(*RESULT_FIELDS)
    .annotate(**{f"unit_{name}": F(f"unit__{name}") for name in UNIT_LINK_FIELDS}),
    key=tuple,
)


def _published(ids: list[int]) -> dict[int, Document]:
    """The documents among ``ids`` that are published now (the database has the last word),
    each with its unit's code and names (``document.unit``).

    Looked up by primary key alone and checked here: with ``state`` in the WHERE clause
    SQLite's planner prefers the state index and scans every published row (≈8 ms at
    100,000 documents instead of ≈0.1 ms)."""
    if not ids:
        return {}
    found = {}
    for document in _RESULTS(tuple(ids)):
        if document.state == PublicationState.PUBLISHED:
            with_unit_names(document)
            found[document.pk] = document
    return found


# --- snippets and highlighting -------------------------------------------------------------------


def _marks(parsed: ParsedQuery) -> list[str]:
    """Strings to highlight: the query's words, longest first (so 住房公积金 wins over 住房)."""
    marks = {w for w in parsed.words if w.strip()}
    if parsed.raw and len(parsed.raw) <= 40:
        marks.add(text.normalize(parsed.raw))
    return sorted(marks, key=len, reverse=True)


def _pattern(marks: list[str]) -> re.Pattern[str] | None:
    if not marks:
        return None
    return re.compile("|".join(re.escape(m) for m in marks), re.IGNORECASE)


def highlight(value: str, pattern: re.Pattern[str] | None) -> SafeString:
    """``value`` escaped, with each match wrapped in <mark>."""
    if pattern is None:
        return mark_safe(html.escape(value))  # noqa: S308 - escaped
    out: list[str] = []
    last = 0
    for match in pattern.finditer(value):
        out.append(html.escape(value[last : match.start()]))
        out.append(f"<mark>{html.escape(value[match.start() : match.end()])}</mark>")
        last = match.end()
    out.append(html.escape(value[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above


def snippet(body: str, pattern: re.Pattern[str] | None, size: int = SNIPPET_CHARS) -> str:
    """A window of ``body`` around the first match (its start when nothing matches)."""
    body = " ".join(body.split())
    if not body:
        return ""
    start = 0
    if pattern is not None:
        match = pattern.search(body)
        if match:
            start = max(0, match.start() - size // 4)
    piece = body[start : start + size]
    return ("…" if start > 0 else "") + piece + ("…" if start + size < len(body) else "")


def _hit(document: Document, score: float, pattern: re.Pattern[str] | None) -> Hit:
    source = document.body_text or document.summary
    plain = snippet(source, pattern)
    return Hit(
        document=document,
        score=score,
        title_html=highlight(document.display_title, pattern),
        snippet_html=highlight(plain, pattern),
        snippet_text=plain,
    )


# --- the search ----------------------------------------------------------------------------------


def _pages(total: int, page_size: int) -> int:
    return max(1, (min(total, MAX_RESULTS) + page_size - 1) // page_size)


def search_documents(request: SearchRequest) -> SearchPage:
    """One page of results for ``request``, with facets, snippets and suggestions."""
    parsed = engine.parse(request.q)
    truncated = len(" ".join(request.q.split())) > engine.MAX_QUERY_CHARS
    page_size = max(1, min(request.page_size, MAX_PAGE_SIZE))
    try:
        return _search_engine(request, parsed, page_size, truncated)
    except engine.SearchUnavailable:
        return _search_database(request, parsed, page_size, truncated)


def _search_engine(
    request: SearchRequest, parsed: ParsedQuery, page_size: int, truncated: bool
) -> SearchPage:
    sort = request.sort if request.sort in SORTS else "relevance"
    if parsed.empty:
        sort = "date"  # an empty query lists everything, newest first

    def execute(page: int, all_words: bool = True) -> engine.EngineResult:
        offset = (page - 1) * page_size
        return engine.run(
            engine.text_query(parsed, all_words=all_words),
            filters=request.filters,
            offset=offset,
            limit=page_size,
            sort=sort,
            facets=request.facets,
        )

    # Never ask the engine for more than the first MAX_RESULTS (a huge page number would
    # make it allocate for the offset): beyond them, the last page that exists.
    page = min(max(1, request.page), MAX_RESULTS // page_size + 1)
    result = execute(page)
    partial = False
    missed = result.total == 0 and not parsed.empty
    if missed and len(parsed.words) > 1:
        result = execute(page, all_words=False)
        partial = result.total > 0
    pages = _pages(result.total, page_size)
    if page > pages:  # out of range: the last page instead
        page = pages
        result = execute(page, all_words=not partial)
    documents = _published(result.ids)
    pattern = _pattern(_marks(parsed))
    hits = [
        _hit(documents[pk], score, pattern)
        for pk, score in zip(result.ids, result.scores, strict=True)
        if pk in documents
    ]
    search_page = SearchPage(
        request=request,
        parsed=parsed,
        hits=hits,
        total=result.total,
        page=page,
        pages=pages,
        facets=result.facets,
        partial=partial,
        truncated_query=truncated,
    )
    if missed:
        search_page.missed = True
        search_page.suggestions = suggestions(parsed)
    if result.total == 0 and not parsed.empty:
        if request.filters.active():
            unfiltered = engine.run(
                engine.text_query(parsed, all_words=False),
                filters=Filters(),
                offset=0,
                limit=1,
                facets=False,
            )
            search_page.total_without_filters = unfiltered.total
    return search_page


def suggestions(parsed: ParsedQuery, limit: int = 3) -> list[str]:
    """Corrections of a query that found nothing: each word replaced by a title word one edit
    away (住房公基金 → 住房公积金), kept only if the corrected query finds documents."""
    out: list[str] = []
    words = list(parsed.words)
    for i, word in enumerate(words):
        if len(word) < 2:
            continue
        ids = engine.suggest_word(word)
        if not ids:
            continue
        titles = [
            title
            for title, state in Document.objects.filter(pk__in=ids).values_list("title", "state")
            if state == PublicationState.PUBLISHED
        ]
        candidates: list[str] = []
        for title in titles:
            for candidate in text.words(title):
                if candidate != word and _one_edit(candidate, word) and candidate not in candidates:
                    candidates.append(candidate)
        for candidate in candidates:
            corrected = "".join(words[:i] + [candidate] + words[i + 1 :])
            if not _is_cjk_only(words):
                corrected = " ".join(words[:i] + [candidate] + words[i + 1 :])
            check = engine.run(
                engine.text_query(engine.parse(corrected)),
                filters=Filters(),
                offset=0,
                limit=1,
                facets=False,
            )
            if check.total and corrected not in out:
                out.append(corrected)
            if len(out) >= limit:
                return out
    return out


def _is_cjk_only(words: list[str]) -> bool:
    return all(text.cjk_runs(w) and len(text.cjk_runs(w)[0]) == len(w) for w in words)


def _one_edit(a: str, b: str) -> bool:
    """Levenshtein distance exactly 1 (or one transposition)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _search_database(
    request: SearchRequest, parsed: ParsedQuery, page_size: int, truncated: bool
) -> SearchPage:
    """No index: titles and document numbers only, newest first, no facets."""
    documents = Document.objects.filter(state=PublicationState.PUBLISHED)
    for word in parsed.words:
        documents = documents.filter(Q(title__icontains=word) | Q(title_en__icontains=word))
    if parsed.number_key:
        documents = Document.objects.filter(
            state=PublicationState.PUBLISHED, document_number_key=search_key(parsed.raw)
        )
    f = request.filters
    if f.unit:
        documents = documents.filter(
            Q(unit__code__in=f.unit) | Q(co_issuers__code__in=f.unit)
        ).distinct()
    if f.kind:
        documents = documents.filter(kind__in=f.kind)
    if f.topic:
        documents = documents.filter(topic__in=f.topic)
    if f.validity:
        documents = documents.filter(validity__in=f.validity)
    if f.category:
        documents = documents.filter(category__in=f.category)
    if f.area:
        documents = documents.filter(key_area_links__area__in=f.area).distinct()
    if f.year:
        documents = documents.filter(signed_date__year__in=f.year)
    ids_query = documents.order_by("-published_at", "-id").values_list("id", flat=True)
    total = ids_query[:MAX_RESULTS].count()
    pages = _pages(total, page_size)
    page = min(max(1, request.page), pages)
    ids = list(ids_query[(page - 1) * page_size : page * page_size])
    found = _published(ids)
    pattern = _pattern(_marks(parsed))
    hits = [_hit(found[pk], 0.0, pattern) for pk in ids if pk in found]
    return SearchPage(
        request=request,
        parsed=parsed,
        hits=hits,
        total=total,
        page=page,
        pages=pages,
        facets={},
        fallback=True,
        truncated_query=truncated,
    )


_LABELS: dict[tuple[str, Any], dict[str, dict[str, str]]] = {}


def facet_labels() -> dict[str, dict[str, str]]:
    """Display names of facet values, in the active language. Kept per language until public
    content changes (the page cache's generation), so a search reads no unit rows."""
    from django.utils.translation import get_language

    from gongkai.core.pagecache import current_generation

    stamp = current_generation().stamp
    key = (get_language() or "", stamp)
    labels = _LABELS.get(key) if stamp is not None else None
    if labels is None:
        labels = _facet_labels()
        if stamp is not None:
            if len(_LABELS) > 8:
                _LABELS.clear()
            _LABELS[key] = labels
    return labels


def _facet_labels() -> dict[str, dict[str, str]]:
    from gongkai.library.choices import Art20Category, DocumentKind, KeyArea, Topic, Validity
    from gongkai.units.selectors import public_unit_list

    return {
        "unit": {u.code: u.display_name for u in public_unit_list()},
        "kind": {k: str(v) for k, v in DocumentKind.choices},
        "topic": {k: str(v) for k, v in Topic.choices},
        "validity": {k: str(v) for k, v in Validity.choices},
        "area": {k: str(v) for k, v in KeyArea.choices},
        "category": {k: str(v) for k, v in Art20Category.choices},
    }
