"""Turning Chinese (and English) text into search tokens (issue #4 §3).

Three token streams feed the index, each into fields of its own:

``words``
    rjieba's *search mode*: a long word is emitted together with the shorter words inside
    it, so a document about 住房公积金 is found by 住房, 公积金 and 住房公积金 alike.
    Latin words and digits are lower-cased; punctuation is dropped.
``bigrams``
    overlapping pairs of CJK characters (住房公积金 → 住房 房公 公积 积金), with positions,
    so that an exact substring of any length is a phrase of bigrams: queries the segmenter
    would cut differently from the text, and two-character queries, still match.
``chars``
    single CJK characters, for one-character queries (税, 房).

The query side uses the same functions, so index and query always agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import rjieba

# CJK ideographs (basic, extension A, compatibility) and 〇.
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007]+")
_WORD_CHARS = re.compile(r"\w", re.UNICODE)
# tantivy drops tokens longer than this many bytes; longer ones are cut (never silently lost).
MAX_TOKEN_BYTES = 60


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become half-width), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _keep(token: str) -> bool:
    return bool(token) and bool(_WORD_CHARS.match(token))


def words(text: str) -> list[str]:
    """Search-mode words of ``text`` (already normalised or not: it is normalised here)."""
    if not text:
        return []
    return [w for w in rjieba.cut_for_search(normalize(text)) if _keep(w.strip())]


@lru_cache(maxsize=4096)
def query_words(text: str) -> tuple[str, ...]:
    """The words of a query: the segmenter's precise mode (one reading of the query, so that
    每个 word must match), without duplicates, in order."""
    seen: list[str] = []
    for w in rjieba.cut(normalize(text)):
        w = w.strip()
        if _keep(w) and w not in seen:
            seen.append(w)
    return tuple(seen)


def cjk_runs(text: str) -> list[str]:
    return _CJK_RUN.findall(text)


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each CJK run; a one-character run gives itself."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def chars(text: str) -> list[str]:
    """The distinct CJK characters of ``text``."""
    return sorted({c for run in _CJK_RUN.findall(text) for c in run})


def joined(tokens: list[str]) -> str:
    """Tokens as one whitespace-separated string for tantivy's ``whitespace`` tokenizer."""
    return " ".join(t for t in tokens if len(t.encode()) <= MAX_TOKEN_BYTES)
