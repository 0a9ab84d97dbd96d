"""Document numbers (文号): parse the forms found in real documents, print one canonical form.

A document number names the issuer, the year and a serial: 津生管发〔2020〕12号. Real text
writes the same number many ways — [2020], ［2020］, (2020), （2020）, 【2020】, ﹝2020﹞, 〈2020〉,
｛2020｝, ⟨2020⟩, with or without 第 before the serial, with leading zeros, spaces, line
breaks or full-width digits. All of them parse to the same :class:`DocumentNumber` whose
``normalized`` form uses the bracket of GB/T 9704 (the standard for official documents): the
hexagonal brackets 〔〕, no 第, no leading zeros, no spaces.

Three shapes are recognised (``DocumentNumber.kind``):

``bracketed``
    ``issuer〔year〕serial号`` — the usual form. The issuer may be empty, as in 〔2022〕第39号
    printed by a county government on its land notices. Mismatched brackets (〔2020）) are
    accepted: the four-digit year between them is what identifies the shape.
``yearly``
    ``issuer year年第serial号`` — announcements and decrees numbered per year, e.g.
    国家税务总局公告2018年第28号. Printed in that form (it is the official one); not merged with
    ``issuer〔year〕serial号``.
``decree``
    ``issuer第serial号`` where the issuer ends in 令 — decrees numbered without a year, e.g.
    中华人民共和国国务院令第711号 or 广州市人民政府令第123号. ``year`` is ``None``.
    The issuer is kept as written (whitespace removed): the official text prints
    中华人民共和国国务院令, while citations often shorten it to 国务院令. The two print
    differently but share one :func:`search_key`, which drops a leading 中华人民共和国 from
    decree issuers so that either spelling finds the other.

Years must have four digits between 1949 and 2100; serials are 1–999999.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "DocumentNumber",
    "DocumentNumberError",
    "DocumentNumberKind",
    "find_document_numbers",
    "normalize_document_number",
    "parse_document_number",
    "search_key",
]

MIN_YEAR = 1949
MAX_YEAR = 2100
MAX_SERIAL = 999_999
# Longer input is not a document number; refusing it early keeps parsing cheap.
MAX_LENGTH = 100

# Opening and closing brackets seen around the year. Any opening bracket may close with any
# closing bracket: sloppy typing mixes them (〔2020）) and the year still identifies the shape.
_OPEN = "〔﹝[［(（【〖\u3008\u2329⟨《{｛﹛﹙〘"
_CLOSE = "〕﹞]］)）】〗\u3009\u232a⟩》}｝﹜﹚〙"
_O = re.escape(_OPEN)
_C = re.escape(_CLOSE)
# CJK ideographs (basic block, extension A, compatibility) and 〇, as used in issuer names.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_DIGIT = "0-9\uff10-\uff19"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Characters that carry nothing: zero-width spaces and joiners, byte order marks, soft hyphens.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACE = re.compile(r"\s+")

_BRACKETED = re.compile(
    rf"(?P<issuer>[{_CJK}]*)[{_O}](?P<year>[{_DIGIT}]+)[{_C}]第?(?P<serial>[{_DIGIT}]+)号?"
)
_YEARLY = re.compile(
    rf"(?P<issuer>[{_CJK}]+?)(?P<year>[{_DIGIT}]{{4}})年第(?P<serial>[{_DIGIT}]+)号?"
)
_DECREE = re.compile(rf"(?P<issuer>[{_CJK}]+令)第?(?P<serial>[{_DIGIT}]+)号?")

# In running text the number is surrounded by other words, so the patterns are stricter: the
# issuer is at most 16 characters (trimmed further below), the year exactly four digits and
# the closing 号 required; whitespace is allowed between the parts but not before a bracket
# (where it usually ends the previous phrase, as in “2022年10月31日 〔2022〕第39号”).
_W = r"[\s\u200b-\u200d\u2060\ufeff]*"
_FIND = re.compile(
    rf"(?P<b_issuer>[{_CJK}]{{0,16}})[{_O}]{_W}(?P<b_year>[{_DIGIT}]{{4}}){_W}[{_C}]{_W}"
    rf"(?:第{_W})?(?P<b_serial>[{_DIGIT}]{{1,6}}){_W}[号號]"
    rf"|(?P<y_issuer>[{_CJK}]{{1,16}}?){_W}(?P<y_year>[{_DIGIT}]{{4}}){_W}年{_W}第{_W}"
    rf"(?P<y_serial>[{_DIGIT}]{{1,6}}){_W}[号號]"
    rf"|(?P<d_issuer>[{_CJK}]{{1,15}}令){_W}第{_W}(?P<d_serial>[{_DIGIT}]{{1,6}}){_W}[号號]"
)
# Words that end the phrase before an issuer in running text (“根据国发〔2019〕4号”, “国发
# 〔2019〕4号和国发〔2019〕5号”); the issuer starts after the last of them. 和 is kept inside
# 中华人民共和国.
_FIND_BOUNDARY = re.compile(
    "根据|按照|依据|依照|参照|遵照|对照|符合|印发|转发|贯彻|落实|执行|关于|通知|意见|文件|精神"
    "|要求|规定|以及|废止|修订|同时|其中|的|及|与|或|即|见|号|(?<!共)和"
)
_DECREE_COUNTRY_PREFIX = "中华人民共和国"


class DocumentNumberKind(StrEnum):
    BRACKETED = "bracketed"
    YEARLY = "yearly"
    DECREE = "decree"


class DocumentNumberError(ValueError):
    """A text that is not a document number, with the reason in Chinese and English.

    ``str(error)`` is ``"中文 / English"``; forms can show ``message_zh`` or ``message_en``
    (or :meth:`localized`) alone. ``code`` names the problem for programs and tests:
    ``empty``, ``unreadable`` (no known shape), ``year`` (not four digits in 1949–2100) or
    ``serial`` (not 1–999999).
    """

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")

    def localized(self, language: str | None = None) -> str:
        """The message in ``language`` (default: the active language): English or Chinese."""
        if language is None:
            from django.utils.translation import get_language

            language = get_language() or "zh-hans"
        return self.message_en if language.startswith("en") else self.message_zh


@dataclass(frozen=True)
class DocumentNumber:
    """One parsed document number. Two numbers are equal when their normalized forms are."""

    issuer: str
    year: int | None
    serial: int
    kind: DocumentNumberKind
    normalized: str
    raw: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.normalized

    @property
    def search_key(self) -> str:
        """The key that finds this number however it was written (see :func:`search_key`)."""
        if self.kind == DocumentNumberKind.DECREE and self.issuer.startswith(
            _DECREE_COUNTRY_PREFIX
        ):
            short = self.issuer.removeprefix(_DECREE_COUNTRY_PREFIX)
            if len(short) > 1:
                return f"{short}第{self.serial}号"
        return self.normalized


def _clean(text: str) -> str:
    """Remove whitespace and invisible characters; full-width digits and 號 become 0-9 and 号."""
    text = _INVISIBLE.sub("", text)
    text = _SPACE.sub("", text)
    return text.translate(_FULLWIDTH_DIGITS).replace("號", "号")


def _shown(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= 40 else text[:40] + "…"


def _unreadable(raw: str) -> DocumentNumberError:
    shown = _shown(raw)
    return DocumentNumberError(
        "unreadable",
        f"无法识别文号「{shown}」：应形如 津生管发〔2020〕12号（机关代字、〔年份〕、序号）",
        f"cannot read the document number “{shown}”: expected issuer code, year in "
        "brackets and serial, like 津生管发〔2020〕12号",
    )


def _build(
    raw: str, kind: DocumentNumberKind, issuer: str, year_text: str | None, serial_text: str
) -> DocumentNumber:
    year: int | None = None
    if year_text is not None:
        year_text = year_text.translate(_FULLWIDTH_DIGITS)
        if len(year_text) != 4 or not MIN_YEAR <= int(year_text) <= MAX_YEAR:
            raise DocumentNumberError(
                "year",
                f"文号「{_shown(raw)}」中的年份 {year_text} 无效：应为 {MIN_YEAR}–{MAX_YEAR} "
                "之间的四位数字",
                f"the year {year_text} in the document number “{_shown(raw)}” is not valid: "
                f"it must have four digits between {MIN_YEAR} and {MAX_YEAR}",
            )
        year = int(year_text)
    serial_text = serial_text.translate(_FULLWIDTH_DIGITS)
    serial = int(serial_text)
    if not 1 <= serial <= MAX_SERIAL:
        raise DocumentNumberError(
            "serial",
            f"文号「{_shown(raw)}」中的序号 {serial_text} 无效：应为 1–{MAX_SERIAL} 之间的整数",
            f"the serial {serial_text} in the document number “{_shown(raw)}” is not valid: "
            f"it must be a whole number from 1 to {MAX_SERIAL}",
        )
    if kind == DocumentNumberKind.BRACKETED:
        normalized = f"{issuer}〔{year}〕{serial}号"
    elif kind == DocumentNumberKind.YEARLY:
        normalized = f"{issuer}{year}年第{serial}号"
    else:
        normalized = f"{issuer}第{serial}号"
    return DocumentNumber(
        issuer=issuer, year=year, serial=serial, kind=kind, normalized=normalized, raw=raw
    )


def parse_document_number(text: str) -> DocumentNumber:
    """Parse a whole text as one document number, or raise :class:`DocumentNumberError`.

    The text must be the number and nothing else (use :func:`find_document_numbers` for running
    text); whitespace anywhere, full-width digits, 第 and a missing final 号 are tolerated.
    """
    raw = text if isinstance(text, str) else ""
    if not raw.strip():
        raise DocumentNumberError("empty", "文号为空", "the document number is empty")
    if len(raw) > MAX_LENGTH:
        raise _unreadable(raw)
    cleaned = _clean(raw)
    if match := _BRACKETED.fullmatch(cleaned):
        return _build(
            raw, DocumentNumberKind.BRACKETED, match["issuer"], match["year"], match["serial"]
        )
    if match := _YEARLY.fullmatch(cleaned):
        return _build(
            raw, DocumentNumberKind.YEARLY, match["issuer"], match["year"], match["serial"]
        )
    if match := _DECREE.fullmatch(cleaned):
        return _build(raw, DocumentNumberKind.DECREE, match["issuer"], None, match["serial"])
    raise _unreadable(raw)


def normalize_document_number(text: str) -> str:
    """The canonical form of a document number (津生管发〔2020〕12号); raises like parsing."""
    return parse_document_number(text).normalized


def search_key(text: str) -> str:
    """A key for finding a document number however it is written; never raises.

    For a number that parses this is its normalized form (and, for decrees, the issuer without a
    leading 中华人民共和国), so 津生管发[2020]12号 and 津生管发（2020）第012号 share one key. Text
    that does not parse (a placeholder such as 渝教基〔2016〕X号, a typo) still gets a key that
    ignores whitespace, digit width and the kind of bracket, so the same odd text matches itself
    in any spelling. An empty text gives an empty key.
    """
    try:
        return parse_document_number(text).search_key
    except DocumentNumberError:
        pass
    cleaned = _clean(text or "")
    cleaned = re.sub(f"[{_O}]", "〔", cleaned)
    return re.sub(f"[{_C}]", "〕", cleaned)


def _trim_issuer(issuer: str) -> str:
    """Cut the words that precede an issuer in running text (根据, 的, …)."""
    end = 0
    for boundary in _FIND_BOUNDARY.finditer(issuer):
        end = boundary.end()
    return issuer[end:]


def find_document_numbers(text: str) -> list[DocumentNumber]:
    """The document numbers cited in running text, each once, in order of first appearance.

    "Once" is by :func:`search_key`: 中华人民共和国国务院令第711号 and a later 国务院令第711号
    are one number, reported as first written.

    Finds bracketed numbers (国发〔2019〕4号, 〔2022〕第39号), yearly ones (…公告2018年第28号) and
    decrees with 第 (国务院令第711号). The issuer is taken from the characters just before the
    bracket, after the last word that cannot be part of an issuer (根据, 关于, 的, 和, …): this
    is a heuristic, and an issuer written straight after other words without such a boundary
    keeps them. ``raw`` is the matched text, which may include a line break.
    """
    found: dict[str, DocumentNumber] = {}
    for match in _FIND.finditer(text or ""):
        if match["b_year"] is not None:
            kind, issuer = DocumentNumberKind.BRACKETED, match["b_issuer"]
            year_text, serial_text = match["b_year"], match["b_serial"]
        elif match["y_year"] is not None:
            kind, issuer = DocumentNumberKind.YEARLY, match["y_issuer"]
            year_text, serial_text = match["y_year"], match["y_serial"]
        else:
            kind, issuer = DocumentNumberKind.DECREE, match["d_issuer"]
            year_text, serial_text = None, match["d_serial"]
        trimmed = _trim_issuer(issuer)
        if (kind == DocumentNumberKind.YEARLY and not trimmed) or (
            kind == DocumentNumberKind.DECREE and not trimmed.endswith("令")
        ):
            continue
        raw = match.group(0)[len(issuer) - len(trimmed) :]
        try:
            number = _build(raw, kind, trimmed, year_text, serial_text)
        except DocumentNumberError:
            continue
        found.setdefault(number.search_key, number)
    return list(found.values())
