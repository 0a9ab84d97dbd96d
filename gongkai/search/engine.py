"""The search engine: a tantivy index of rjieba tokens (issue #4 §3, ADR 0009).

Layout on disk, under ``settings.GONGKAI_SEARCH_DIR`` (default ``<data dir>/search``)::

    CURRENT              name of the generation being served, e.g. "gen-20261125T021500-ab12"
    gen-…/               a complete tantivy index
    gen-…/gongkai.json   {"schema": SCHEMA_VERSION, "built_from": ISO time, "caught_up": bool}

A rebuild (``gongkai reindex``, or the indexer finding no usable index) writes a new
generation beside the served one and then points CURRENT at it, so searches never see a
half-built index. Readers in every web process notice the switch by the file's mtime.

The database is the source of truth: the index only says *which* documents match and in what
order; the caller re-reads those documents and drops any that are no longer published.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string

from gongkai.library.numbers import DocumentNumberError, parse_document_number, search_key
from gongkai.search import text

logger = logging.getLogger("gongkai.search")

SCHEMA_VERSION = 1
STATE_FILE = "gongkai.json"
CURRENT_FILE = "CURRENT"
# How often a web process looks for a new generation or new commits (seconds).
RELOAD_EVERY = 0.25

# Facets: index field → the name used by forms, the API and templates.
FACET_FIELDS = ("unit", "year", "kind", "topic", "validity", "area", "category")
# Relevance weights. A title match outweighs a body match; the document's own number
# outweighs everything (it must come first: issue #4 §3).
BOOST_NUMBER = 50.0
BOOST_TITLE = 4.0
BOOST_TITLE_PHRASE = 6.0
BOOST_NUMBER_WORDS = 2.0
BOOST_EN_TITLE = 2.0


class SearchUnavailable(Exception):
    """There is no usable index (being built, lost, corrupt): callers fall back to the DB."""


def search_dir() -> Path:
    configured = getattr(settings, "GONGKAI_SEARCH_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "search"


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name, option in (
        ("title_w", "freq"),
        ("title_bi", "position"),
        ("title_c", "basic"),
        ("text_w", "freq"),
        ("text_bi", "position"),
        ("text_c", "basic"),
        ("number_w", "freq"),
    ):
        sb.add_text_field(name, tokenizer_name="whitespace", index_option=option)
    sb.add_text_field("en", tokenizer_name="en_stem", index_option="position")
    sb.add_text_field("en_title", tokenizer_name="en_stem", index_option="position")
    sb.add_text_field("number", tokenizer_name="raw", index_option="basic")
    for name in ("unit", "kind", "topic", "validity", "area", "category"):
        sb.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("published", indexed=False, fast=True)
    return sb.build()


SCHEMA = build_schema()


# --- documents → index entries ---------------------------------------------------------------


@dataclass
class Entry:
    """What the index holds of one published document."""

    id: int
    title: str
    title_en: str
    summary: str
    summary_en: str
    body_text: str
    attachments_text: str
    document_number: str
    document_number_key: str
    units: list[str]
    kind: str
    topic: str
    validity: str
    category: str
    areas: list[str]
    year: int
    published: int

    def to_tantivy(self) -> tantivy.Document:
        body = "\n".join(p for p in (self.summary, self.body_text, self.attachments_text) if p)
        return tantivy.Document(
            id=self.id,
            title_w=text.joined(text.words(self.title)),
            title_bi=text.joined(text.bigrams(self.title)),
            title_c=text.joined(text.chars(self.title)),
            text_w=text.joined(text.words(body)),
            text_bi=text.joined(text.bigrams(body)),
            text_c=text.joined(text.chars(body)),
            number_w=text.joined(text.words(self.document_number)),
            en=f"{self.title_en}\n{self.summary_en}",
            en_title=self.title_en,
            number=self.document_number_key,
            unit=self.units,
            kind=self.kind or "-",
            topic=self.topic or "-",
            validity=self.validity or "-",
            category=self.category or "-",
            area=self.areas or ["-"],
            year=self.year,
            published=self.published,
        )


def load_entries(ids: Iterable[int] | None = None, batch_size: int = 500) -> Iterator[Entry]:
    """Index entries of the *published* documents among ``ids`` (all when None), read with a
    fixed number of queries per batch."""
    from gongkai.library.choices import PublicationState
    from gongkai.library.models import Attachment, Document, DocumentKeyArea

    documents = Document.objects.filter(state=PublicationState.PUBLISHED)
    if ids is not None:
        documents = documents.filter(pk__in=list(ids))
    fields = (
        "id", "title", "title_en", "summary", "summary_en", "body_text", "document_number",
        "document_number_key", "unit__code", "kind", "topic", "validity", "category",
        "signed_date", "published_at",
    )  # fmt: skip
    all_ids = list(documents.order_by("id").values_list("id", flat=True))
    through = Document.co_issuers.through
    for start in range(0, len(all_ids), batch_size):
        chunk = all_ids[start : start + batch_size]
        rows = Document.objects.filter(pk__in=chunk).order_by("id").values(*fields)
        co: dict[int, list[str]] = {}
        for doc_id, code in through.objects.filter(document_id__in=chunk).values_list(
            "document_id", "unit__code"
        ):
            co.setdefault(doc_id, []).append(code)
        areas: dict[int, list[str]] = {}
        for doc_id, area in DocumentKeyArea.objects.filter(document_id__in=chunk).values_list(
            "document_id", "area"
        ):
            areas.setdefault(doc_id, []).append(area)
        attached: dict[int, list[str]] = {}
        for doc_id, content in (
            Attachment.objects.filter(document_id__in=chunk)
            .exclude(text="")
            .values_list("document_id", "text")
        ):
            attached.setdefault(doc_id, []).append(content)
        for row in rows:
            published_at: datetime.datetime | None = row["published_at"]
            signed: datetime.date | None = row["signed_date"]
            year = signed.year if signed else (published_at.year if published_at else 0)
            yield Entry(
                id=row["id"],
                title=row["title"],
                title_en=row["title_en"],
                summary=row["summary"],
                summary_en=row["summary_en"],
                body_text=row["body_text"],
                attachments_text="\n".join(attached.get(row["id"], [])),
                document_number=row["document_number"],
                document_number_key=row["document_number_key"],
                units=[row["unit__code"], *co.get(row["id"], [])],
                kind=row["kind"],
                topic=row["topic"],
                validity=row["validity"],
                category=row["category"],
                areas=areas.get(row["id"], []),
                year=year,
                published=int(published_at.timestamp()) if published_at else 0,
            )


# --- generations on disk ---------------------------------------------------------------------


def _read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads((path / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state), "utf-8")
    os.replace(tmp, path / STATE_FILE)


def current_generation() -> Path | None:
    """The generation being served, if CURRENT names a complete one of this schema."""
    root = search_dir()
    try:
        name = (root / CURRENT_FILE).read_text("utf-8").strip()
    except OSError:
        return None
    path = root / name
    if not name or "/" in name or not path.is_dir():
        return None
    if _read_state(path).get("schema") != SCHEMA_VERSION:
        return None
    return path


def new_generation() -> Path:
    root = search_dir()
    root.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    path = root / f"gen-{stamp}-{get_random_string(6).lower()}"
    path.mkdir()
    return path


def switch_to(path: Path) -> None:
    """Serve ``path`` from now on (atomic), and delete generations no longer served."""
    root = search_dir()
    tmp = root / (CURRENT_FILE + ".tmp")
    tmp.write_text(path.name, "utf-8")
    os.replace(tmp, root / CURRENT_FILE)
    for other in root.glob("gen-*"):
        if other != path and other.is_dir():
            # An older generation may still be open in a web process for a moment; on POSIX
            # its open files stay readable after unlinking.
            shutil.rmtree(other, ignore_errors=True)


def open_index(path: Path) -> tantivy.Index:
    if not tantivy.Index.exists(str(path)):
        raise SearchUnavailable(str(path))
    try:
        return tantivy.Index.open(str(path))
    except ValueError as exc:  # corrupt files
        raise SearchUnavailable(f"{path}: {exc}") from exc


# --- reading (every web process) ----------------------------------------------------------------


class _Reader:
    """The open index of this process, reopened when CURRENT changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[str, float] | None = None
        self.index: tantivy.Index | None = None
        self.checked = 0.0

    def reset(self) -> None:
        with self.lock:
            self.key, self.index, self.checked = None, None, 0.0

    def expire(self) -> None:
        """Look for new commits at the next search (this process just wrote some)."""
        self.checked = 0.0

    def searcher(self) -> tantivy.Searcher:
        now = time.monotonic()
        with self.lock:
            if self.index is None or now - self.checked >= RELOAD_EVERY:
                self.checked = now
                root = search_dir()
                try:
                    stat = (root / CURRENT_FILE).stat()
                    key = (str(root), stat.st_mtime)
                except OSError:
                    key = None
                if key is None:
                    self.key, self.index = None, None
                elif key != self.key or self.index is None:
                    path = current_generation()
                    self.index = open_index(path) if path else None
                    self.key = key if self.index is not None else None
                elif self.index is not None:
                    self.index.reload()
            if self.index is None:
                raise SearchUnavailable(str(search_dir()))
            return self.index.searcher()


READER = _Reader()


# --- queries ---------------------------------------------------------------------------------

Q = tantivy.Query
Occur = tantivy.Occur


def _term(field_name: str, value: Any) -> tantivy.Query:
    return Q.term_query(SCHEMA, field_name, value, index_option="basic")


def _boost(query: tantivy.Query, weight: float) -> tantivy.Query:
    return Q.boost_query(query, weight) if weight != 1.0 else query


def _phrase(field_name: str, tokens: list[str]) -> tantivy.Query:
    if len(tokens) == 1:
        return Q.term_query(SCHEMA, field_name, tokens[0])
    words: list[str | tuple[int, str]] = list(tokens)
    return Q.phrase_query(SCHEMA, field_name, words)


def _ids(searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]) -> list[int]:
    """Document ids of hits, from the ``id`` fast field (no stored document is read)."""
    if not addresses:
        return []
    return [int(v) if v is not None else -1 for v in searcher.fast_field_values("id", addresses)]


def _is_cjk(word: str) -> bool:
    return bool(text.cjk_runs(word))


# The analyzer of tantivy's built-in "en_stem" tokenizer, for query words.
_EN_STEM = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)


def _en_query(word: str, field_name: str) -> tantivy.Query | None:
    """``word`` through the English stemmer of the ``en`` fields."""
    stems = _EN_STEM.analyze(word)
    if not stems:
        return None
    return _phrase(field_name, stems)


# A Chinese word that the index holds as a segmented word of the text in at least this many
# documents is not also looked for as a run of characters in the text (``text_bi``: one bigram
# term for a two-character word, a phrase of bigrams for a longer one). That alternative is
# there for the few documents whose segmentation split the word differently; for a common
# word it costs most of the query (the postings of common bigrams are longer than those of
# the word: a seven-word phrase took 15 ms instead of 4.4 ms at 100,000 documents, with the
# same matches) and adds next to nothing, as the word itself is in thousands of documents.
# Rare words keep it, and titles always do (issue #4 §3, "Speed: Search"). The threshold is
# the setting GONGKAI_SEARCH_COMMON_WORD_DOCUMENTS (default 5,000).


def common_words(words: Iterable[str]) -> frozenset[str]:
    """The words of ``words`` whose ``text_bi`` alternative :func:`word_query` leaves out:
    found as segmented words of the text in ``GONGKAI_SEARCH_COMMON_WORD_DOCUMENTS``
    documents or more (counted in the index, deleted documents included)."""
    long_words = [w for w in words if len(w) > 1 and _is_cjk(w)]
    if not long_words:
        return frozenset()
    try:
        searcher = READER.searcher()
    except SearchUnavailable:
        return frozenset()
    threshold = settings.GONGKAI_SEARCH_COMMON_WORD_DOCUMENTS
    return frozenset(
        w for w in long_words if searcher.doc_freq("text_w", w) >= threshold
    )


def word_query(word: str, *, common: bool = False) -> tantivy.Query:
    """Any document that has ``word``: as a segmented word, as a run of characters, in the
    title, the text, the document number or the English title and summary. A ``common`` word
    (:func:`common_words`) is not looked for as a run of characters in the text."""
    alternatives: list[tantivy.Query] = []
    if _is_cjk(word):
        alternatives.append(_boost(_term("title_w", word), BOOST_TITLE))
        alternatives.append(_term("text_w", word))
        if len(word) == 1:
            alternatives.append(_boost(_term("title_c", word), BOOST_TITLE))
            alternatives.append(_term("text_c", word))
        else:
            grams = text.bigrams(word)
            alternatives.append(_boost(_phrase("title_bi", grams), BOOST_TITLE))
            if not common:
                alternatives.append(_phrase("text_bi", grams))
        alternatives.append(_boost(_term("number_w", word), BOOST_NUMBER_WORDS))
    else:
        alternatives.append(_boost(_term("title_w", word), BOOST_TITLE))
        alternatives.append(_term("text_w", word))
        alternatives.append(_boost(_term("number_w", word), BOOST_NUMBER_WORDS))
        for field_name, weight in (("en_title", BOOST_EN_TITLE), ("en", 1.0)):
            english = _en_query(word, field_name)
            if english is not None:
                alternatives.append(_boost(english, weight))
    return Q.boolean_query([(Occur.Should, q) for q in alternatives])


@dataclass(frozen=True)
class Filters:
    """Exact filters; each is a set of allowed values (empty: no filter)."""

    unit: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    kind: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    validity: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    category: tuple[str, ...] = ()

    def active(self) -> bool:
        return any(getattr(self, name) for name in FACET_FIELDS)

    def without(self, name: str) -> Filters:
        values = {n: getattr(self, n) for n in FACET_FIELDS}
        values[name] = ()
        return Filters(**values)

    def clauses(self) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        out: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for name in FACET_FIELDS:
            values = getattr(self, name)
            if not values:
                continue
            if len(values) == 1:
                query = _term(name, values[0])
            else:
                query = Q.term_set_query(SCHEMA, name, list(values))
            out.append((Occur.Must, Q.const_score_query(query, 0.0)))
        return out


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    words: tuple[str, ...]
    number_key: str  # search key when the whole query is a document number, else ""

    @property
    def empty(self) -> bool:
        return not self.words and not self.number_key


MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 12


def parse(raw: str) -> ParsedQuery:
    raw = " ".join((raw or "").split())[:MAX_QUERY_CHARS]
    number_key = ""
    if raw:
        try:
            parse_document_number(raw)
        except DocumentNumberError:
            pass
        else:
            number_key = search_key(raw)
    return ParsedQuery(raw, text.query_words(raw)[:MAX_QUERY_WORDS], number_key)


def text_query(parsed: ParsedQuery, *, all_words: bool = True) -> tantivy.Query:
    """Documents with every word (``all_words``) or any word; the document whose own number
    is the query, first; exact title phrases above scattered words."""
    should: list[tuple[tantivy.Occur, tantivy.Query]] = []
    if parsed.words:
        occur = Occur.Must if all_words else Occur.Should
        common = common_words(parsed.words)
        words = Q.boolean_query([(occur, word_query(w, common=w in common)) for w in parsed.words])
        should.append((Occur.Should, words))
        grams = text.bigrams(parsed.raw)
        if len(parsed.words) > 1 and len(grams) > 1:
            should.append((Occur.Should, _boost(_phrase("title_bi", grams), BOOST_TITLE_PHRASE)))
    if parsed.number_key:
        should.append((Occur.Should, _boost(_term("number", parsed.number_key), BOOST_NUMBER)))
    if not should:
        return Q.all_query()
    if len(should) > 1 and parsed.words:
        # The phrase boost only ranks; it must not let in documents without the words.
        words_or_number = [should[0]]
        if parsed.number_key:
            words_or_number.append(should[-1])
        required = Q.boolean_query(words_or_number)
        return Q.boolean_query([(Occur.Must, required), *should[1:]])
    return Q.boolean_query(should)


def filtered(query: tantivy.Query, filters: Filters) -> tantivy.Query:
    clauses = filters.clauses()
    if not clauses:
        return query
    return Q.boolean_query([(Occur.Must, query), *clauses])


@dataclass
class EngineResult:
    ids: list[int]
    scores: list[float]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


FACET_SIZE = 100

_FACET_POOL: tuple[int, ThreadPoolExecutor] | None = None
_FACET_POOL_LOCK = threading.Lock()


def _facet_pool() -> ThreadPoolExecutor:
    """This process's threads for facet counts (made after a fork, never inherited: a pool
    copied from a parent has no threads behind it)."""
    global _FACET_POOL
    pool = _FACET_POOL
    if pool is None or pool[0] != os.getpid():
        with _FACET_POOL_LOCK:
            pool = _FACET_POOL
            if pool is None or pool[0] != os.getpid():
                executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gongkai-facets")
                pool = _FACET_POOL = (os.getpid(), executor)
    return pool[1]


def run(
    query: tantivy.Query,
    *,
    filters: Filters,
    offset: int,
    limit: int,
    sort: str = "relevance",
    facets: bool = True,
) -> EngineResult:
    """Execute: one page of ids, the total and the facet counts.

    Facet counts follow the usual rule: each facet is counted with every *other* filter
    applied, so choosing one unit still shows how many results the other units have.
    """
    searcher = READER.searcher()
    final = filtered(query, filters)
    # tantivy panics (a BaseException, past any `except Exception`) on a zero limit
    limit, offset = max(1, limit), max(0, offset)
    # The facet counts evaluate the query again: on another thread, while this one ranks.
    # tantivy releases the GIL while it searches, so on an otherwise idle core the page waits
    # for the longer of the two instead of their sum (a phrase of common words spends most of
    # its time matching, and matches twice).
    counting = _facet_pool().submit(facet_counts, searcher, query, filters) if facets else None
    if sort == "date":
        result = searcher.search(
            final, limit, count=True, order_by_field="published", offset=offset
        )
    else:
        result = searcher.search(final, limit, count=True, offset=offset)
    addresses = [address for _score, address in result.hits]
    ids = _ids(searcher, addresses)
    scores = [float(score) if sort != "date" else 0.0 for score, _ in result.hits]
    counts: dict[str, dict[str, int]] = {}
    if counting is not None:
        counts = counting.result()
    total = int(getattr(result, "count", 0) or 0)  # missing from tantivy's type stubs
    return EngineResult(ids=ids, scores=scores, total=total, facets=counts)


def facet_counts(
    searcher: tantivy.Searcher, query: tantivy.Query, filters: Filters
) -> dict[str, dict[str, int]]:
    groups: dict[Filters, list[str]] = {}
    for name in FACET_FIELDS:
        groups.setdefault(filters.without(name) if getattr(filters, name) else filters, []).append(
            name
        )
    counts: dict[str, dict[str, int]] = {}
    for group_filters, names in groups.items():
        spec = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in names}
        result = searcher.aggregate(filtered(query, group_filters), spec)
        for name in names:
            buckets = result.get(name, {}).get("buckets", [])
            counts[name] = {
                str(b["key"]): int(b["doc_count"])
                for b in buckets
                if str(b["key"]) not in {"-", "0"}
            }
    return counts


def suggest_word(word: str) -> list[int]:
    """Ids of documents whose title has a word one edit away from ``word`` (for "did you
    mean"); the caller reads their titles to find the word."""
    if len(word) < 2:
        return []
    searcher = READER.searcher()
    query = Q.fuzzy_term_query(SCHEMA, "title_w", word, distance=1, transposition_cost_one=True)
    result = searcher.search(query, 5, count=False)
    addresses = [address for _score, address in result.hits]
    return _ids(searcher, addresses)
