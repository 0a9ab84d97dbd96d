"""The labelled queries of the search benchmark (issue #4 §3, "Search" benchmark).

    python bench/search_queries.py --count 100000 --out DIR [--seed 1]

Writes, in one streaming pass over :func:`corpus.generate_stream` (bounded memory, so
1,000,000 documents work): ``DIR/manifest.csv`` (for ``gongkai import-documents``),
``DIR/keys.txt`` (the search key of each row's document number, one a line, to map database
ids back to rows) and ``DIR/queries.json``: at least 200 realistic queries, each with the
set of *published* documents that are relevant to it, known by construction and computed
exactly from the generated text (a bitmap over row numbers):

``number``  a document number typed in another form (〔〕 [] （） 【】 ﹝﹞ () ［］, 第,
            leading zeros, spaces, full-width digits, no 号): the one document with that
            number. Every search method that understands numbers must reach MRR 1.0.
``title``   a title fragment — subject + document type (垃圾分类管理实施办法), year + subject
            (2019年养老服务设施建设) or a whole title: the documents whose *title* contains it.
``rare``    a rare word planted into 1–5 bodies (:data:`corpus.MARKERS`), alone or with a
            word every document has (低空经济 生态城): the documents containing every word.
``word``    one common word (补贴, 公共租赁住房): the documents whose title or body has it.
``words``   two common words separated by a space (养老 补贴): title or body has both.
``phrase``  a phrase of the body (鼓励社会资本参与绿色建筑发展, 商业秘密和个人隐私): title
            or body contains it exactly, as one string.
``char``    one character (房, 税): title or body has it.

The text of a document is its title and body as generated (the summary is the body's first
line). Words and characters are chosen so that none is part of a document number (which the
engine also searches), so "relevant" means the same thing for every method measured.

Metrics (:func:`score`): recall@10 = |relevant ∩ top 10| / min(|relevant|, 10); reciprocal
rank = 1 / rank of the first relevant result in the top 10 (0 if none); MRR is its mean.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import random
import re
import sys
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import corpus  # noqa: E402

from gongkai.library.numbers import search_key  # noqa: E402 - pure Python, no Django

CLASSES = ("number", "title", "rare", "word", "words", "phrase", "char")
# How many queries of each class (245 in all).
QUOTA = {"number": 60, "title": 60, "rare": 40, "word": 25, "words": 25, "phrase": 20, "char": 15}

# Common words of the generated text, none of them part of a document number.
COMMON_WORDS = [
    "补贴", "养老", "审计", "住房", "就业", "预算", "隐私", "招生", "消防", "绿化", "食品安全",
    "节能", "征收", "物业", "信贷", "考核", "宣传", "隐患", "残疾人", "退役军人", "新能源汽车",
    "跨境电子商务", "公共租赁住房", "政府采购", "大气污染", "园林", "道路", "创业", "研发",
    "财政", "资金", "垃圾分类", "营商环境", "安全生产", "监督抽检", "网格化", "文化创意",
    "医疗保障", "地下管线", "土地",
]  # fmt: skip
# Body phrases that are the same in every document that has them …
PLAIN_PHRASES = [
    "二十个工作日内完成审核", "商业秘密和个人隐私", "隐患排查治理", "信贷支持力度",
    "获得感、幸福感、安全感", "政府信息公开条例", "急难愁盼", "全流程线上运行",
    "百分之三十给予补贴", "部门协调联动机制", "年度补贴总额不超过五十万元",
]  # fmt: skip
# … and phrases that carry the document's subject.
SUBJECT_PHRASES = ["鼓励社会资本参与{s}", "将{s}工作纳入年度绩效考核", "本办法所称{s}"]
CHARS = ["房", "绿", "养", "残", "军", "校", "食", "汽", "垃", "贴", "审", "秘", "隐", "税", "碳",
         "租", "塔", "港"]  # fmt: skip
# Words every generated body has (its first paragraph ends 结合生态城实际，制定本办法。).
EVERYWHERE = ["生态城", "办法", "实际"]

_NUMBER = re.compile(r"^(?P<issuer>.*?)\D(?P<year>\d{4})\D第?(?P<serial>\d+)号$")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# Ways people type a document number (issuer, year, serial → query).
NUMBER_FORMS = [
    lambda i, y, s: f"{i}〔{y}〕{s}号",
    lambda i, y, s: f"{i}[{y}]{s}号",
    lambda i, y, s: f"{i}（{y}）{s}号",
    lambda i, y, s: f"{i}【{y}】第{s}号",
    lambda i, y, s: f"{i}﹝{y}﹞{s:03d}号",
    lambda i, y, s: f"{i}({y}){s}号",
    lambda i, y, s: f"{i}［{y}］第{s}号",
    lambda i, y, s: f"{i} 〔{y}〕 {s}号",
    lambda i, y, s: f"{i}（{y}）{s}号".translate(_FULL_WIDTH),
    lambda i, y, s: f"{i}〔{y}〕{s}",
]


@dataclass
class Query:
    text: str
    kind: str
    # Every term must occur in ``where`` ("title", or "text" = title and body); for numbers
    # the one relevant row is set directly.
    terms: tuple[str, ...] = ()
    where: str = "text"
    count: int = 0
    bits: bytearray = field(default_factory=bytearray)

    def relevant(self, row: int) -> bool:
        return row >= 0 and bool(self.bits[row >> 3] & (1 << (row & 7)))

    def mark(self, row: int) -> None:
        self.bits[row >> 3] |= 1 << (row & 7)
        self.count += 1

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "kind": self.kind,
            "terms": list(self.terms),
            "where": self.where,
            "count": self.count,
            "bits": base64.b64encode(zlib.compress(bytes(self.bits), 6)).decode(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Query:
        return cls(
            text=data["text"],
            kind=data["kind"],
            terms=tuple(data["terms"]),
            where=data["where"],
            count=data["count"],
            bits=bytearray(zlib.decompress(base64.b64decode(data["bits"]))),
        )


def _abbreviations() -> list[str]:
    return [unit[4] for unit in corpus.UNITS]


def _check_vocabulary() -> None:
    """The words and characters must not be part of any document number."""
    for word in [*COMMON_WORDS, *CHARS, *EVERYWHERE, *corpus.MARKERS]:
        for abbreviation in _abbreviations():
            if word in abbreviation or word == "号":
                raise SystemExit(f"query word {word} is part of the document number {abbreviation}")


def candidates(seed: int) -> list[Query]:
    """Every non-number query, in order of preference within its class (more than the quota:
    those without any relevant document are dropped after the pass)."""
    rng = random.Random(f"gongkai-queries-{seed}")  # noqa: S311 - test data
    out: list[Query] = []
    pairs = [(s, t) for s in corpus.SUBJECTS for types in corpus.DOC_TYPES.values() for t in types]
    rng.shuffle(pairs)
    years = list(range(2010, 2025))
    titles: list[str] = [f"{s}{t}" for s, t in pairs[:50]]
    for subject, doc_type in pairs[50:70]:
        kind = next(k for k, types in corpus.DOC_TYPES.items() if doc_type in types)
        if kind in {"normative", "policy", "plan", "emergency_plan"}:
            titles.append(f"关于印发《生态城{subject}{doc_type}》的通知")
        elif rng.random() < 0.5:
            titles.append(f"关于{subject}{doc_type}的通知")
        else:
            titles.append(f"生态城{rng.choice(years)}年{subject}{doc_type}")
        titles.append(f"{rng.choice(years)}年{rng.choice(corpus.SUBJECTS)}")
    # Interleave: fragments, whole titles and year fragments all make the quota.
    fragments, wholes = titles[:50], titles[50:]
    mixed: list[str] = []
    while fragments or wholes:
        mixed.extend(fragments[:3])
        fragments = fragments[3:]
        mixed.extend(wholes[:2])
        wholes = wholes[2:]
    out += [Query(t, "title", (t,), "title") for t in mixed]
    markers = list(corpus.MARKERS)
    rng.shuffle(markers)
    out += [Query(m, "rare", (m,)) for m in markers[:45]]
    for marker in markers[45:]:
        other = rng.choice(EVERYWHERE)
        out.append(Query(f"{marker} {other}", "rare", (marker, other)))
    words = list(COMMON_WORDS)
    rng.shuffle(words)
    out += [Query(w, "word", (w,)) for w in words]
    for _ in range(60):
        a, b = rng.sample(COMMON_WORDS + corpus.SUBJECTS[:10], 2)
        out.append(Query(f"{a} {b}", "words", (a, b)))
    phrases = list(PLAIN_PHRASES)
    subjects = list(corpus.SUBJECTS)
    rng.shuffle(subjects)
    for i, subject in enumerate(subjects[:20]):
        phrases.append(SUBJECT_PHRASES[i % len(SUBJECT_PHRASES)].format(s=subject))
    rng.shuffle(phrases)
    out += [Query(p, "phrase", (p,)) for p in phrases]
    out += [Query(c, "char", (c,)) for c in CHARS]
    seen: set[str] = set()
    unique = []
    for query in out:
        if query.text not in seen:
            seen.add(query.text)
            unique.append(query)
    return unique


def _number_query(number: str, form: int) -> str:
    match = _NUMBER.match(number)
    if match is None:
        raise SystemExit(f"unexpected document number {number}")
    issuer, year, serial = match["issuer"], int(match["year"]), int(match["serial"])
    return NUMBER_FORMS[form % len(NUMBER_FORMS)](issuer, year, serial)


@dataclass
class QuerySet:
    count: int
    seed: int
    queries: list[Query]
    published: int = 0

    def save(self, path: Path) -> None:
        data = {
            "count": self.count,
            "seed": self.seed,
            "published": self.published,
            "queries": [q.as_dict() for q in self.queries],
        }
        path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, path: Path) -> QuerySet:
        data = json.loads(path.read_text("utf-8"))
        queries = [Query.from_dict(q) for q in data["queries"]]
        return cls(data["count"], data["seed"], queries, data["published"])

    def by_class(self) -> dict[str, list[Query]]:
        out: dict[str, list[Query]] = {kind: [] for kind in CLASSES}
        for query in self.queries:
            out[query.kind].append(query)
        return out


def build(count: int, out: Path, seed: int = 1, progress: bool = True) -> QuerySet:
    """Write ``out/manifest.csv``, ``out/keys.txt`` and ``out/queries.json``; one pass."""
    _check_vocabulary()
    out.mkdir(parents=True, exist_ok=True)
    size = (count + 7) // 8
    pool = candidates(seed)
    for query in pool:
        query.bits = bytearray(size)
    # Distinct terms, each checked once per document; queries listed by their terms.
    term_ids: dict[tuple[str, str], int] = {}
    query_terms: list[list[int]] = []
    for query in pool:
        ids = []
        for term in query.terms:
            ids.append(term_ids.setdefault((query.where, term), len(term_ids)))
        query_terms.append(ids)
    title_terms = [(i, t) for (where, t), i in term_ids.items() if where == "title"]
    text_terms = [(i, t) for (where, t), i in term_ids.items() if where == "text"]
    single: dict[int, list[Query]] = {}
    multi: list[tuple[Query, list[int]]] = []
    for query, ids in zip(pool, query_terms, strict=True):
        if len(ids) == 1:
            single.setdefault(ids[0], []).append(query)
        else:
            multi.append((query, ids))
    rng = random.Random(f"gongkai-numbers-{seed}")  # noqa: S311 - test data
    targets = sorted(rng.sample(range(count), min(count, QUOTA["number"])))
    numbers: list[Query] = []
    published = 0
    started = time.monotonic()
    with (
        (out / "manifest.csv").open("w", encoding="utf-8", newline="") as manifest,
        (out / "keys.txt").open("w", encoding="utf-8") as keys,
    ):
        writer = csv.DictWriter(manifest, fieldnames=corpus.HEADER)
        writer.writeheader()
        pending = 0  # number queries owed (their target row was a draft)
        next_target = 0
        for row_number, row in enumerate(corpus.generate_stream(count, seed)):
            writer.writerow(row)
            keys.write(search_key(row["文号"]) + "\n")
            while next_target < len(targets) and targets[next_target] <= row_number:
                pending += 1
                next_target += 1
            if row["状态"] != "已发布":
                continue
            published += 1
            if pending:
                query = Query(_number_query(row["文号"], len(numbers)), "number", where="number")
                query.bits = bytearray(size)
                query.mark(row_number)
                numbers.append(query)
                pending -= 1
            title = row["标题"]
            haystack = title + "\n" + row["正文"]
            present = {i for i, t in title_terms if t in title}
            present.update(i for i, t in text_terms if t in haystack)
            for i in present:
                for query in single.get(i, ()):
                    query.mark(row_number)
            for query, ids in multi:
                if all(i in present for i in ids):
                    query.mark(row_number)
            if progress and row_number % 50_000 == 49_999:
                print(
                    f"  queries: {row_number + 1:,} rows in {time.monotonic() - started:.0f} s",
                    file=sys.stderr,
                )
    chosen: list[Query] = list(numbers)
    for kind in CLASSES[1:]:
        usable = [q for q in pool if q.kind == kind and q.count > 0]
        chosen.extend(usable[: QUOTA[kind]])
    query_set = QuerySet(count, seed, chosen, published)
    query_set.save(out / "queries.json")
    return query_set


# --- scoring -------------------------------------------------------------------------------------


def score(query: Query, rows: Sequence[int]) -> tuple[float, float]:
    """(recall@10, reciprocal rank) of the ranked result ``rows`` (row numbers; -1 for a
    document that is not in the corpus)."""
    top = list(rows[:10])
    hits = [query.relevant(row) for row in top]
    if query.count == 0:
        return 0.0, 0.0
    recall = sum(hits) / min(query.count, 10)
    rank = next((i + 1 for i, hit in enumerate(hits) if hit), None)
    return recall, (1.0 / rank if rank else 0.0)


def describe(query_set: QuerySet) -> Iterable[str]:
    yield (
        f"{len(query_set.queries)} queries over {query_set.count:,} documents "
        f"({query_set.published:,} published):"
    )
    for kind, queries in query_set.by_class().items():
        sizes = sorted(q.count for q in queries)
        if not sizes:
            continue
        examples = " · ".join(q.text for q in queries[:3])
        yield (
            f"  {kind:<7} {len(queries):>3} queries, relevant documents per query "
            f"{sizes[0]:,}–{sizes[-1]:,} (median {sizes[len(sizes) // 2]:,}); e.g. {examples}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True, help="a folder")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    query_set = build(options.count, options.out, options.seed)
    for line in describe(query_set):
        print(line)


if __name__ == "__main__":
    main()
