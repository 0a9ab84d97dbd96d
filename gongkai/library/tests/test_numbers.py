"""Document numbers (文号) parse from every form real documents use and print one way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai.library.numbers import (
    DocumentNumber,
    DocumentNumberError,
    DocumentNumberKind,
    find_document_numbers,
    normalize_document_number,
    parse_document_number,
    search_key,
)

# The shared corpus of real documents; read in place, never copied into the repository.
GOV_DOCS = Path(
    os.environ.get(
        "GONGKAI_GOV_DOCS",
        Path(__file__).resolve().parents[3].parent / "shared/data/gov-docs/docs.jsonl",
    )
)


def gov_docs() -> list[dict]:
    if not GOV_DOCS.exists():
        pytest.skip(f"the shared corpus {GOV_DOCS} is not available")
    with GOV_DOCS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize(
    "text",
    [
        "津生管发〔2020〕12号",
        "津生管发[2020]12号",
        "津生管发［2020］12号",
        "津生管发（2020）12号",
        "津生管发(2020)第12号",
        "津生管发【2020】12号",
        "津生管发〔2020〕012号",
        "津生管发 〔 2020 〕 12 号",
        "津生管发〔２０２０〕１２号",
        "津生管发〈2020〉12号",
        "津生管发｛2020｝12号",
        "津生管发⟨2020⟩12号",
        "津生管发﹝2020﹞12号",
        "津生管发〖2020〗12号",
        "津生管发〔2020）12号",
        "津生管发〔2020〕第0012号",
        "津生管发〔2020〕12",
        "津生管发〔2020〕12號",
        " 津生管发\n〔2020〕\u200b12号\u3000",
    ],
)
def test_bracket_and_spacing_variants_are_the_same_number(text):
    """Every bracket, 第, leading zero, space and digit width gives the canonical form."""
    number = parse_document_number(text)
    assert number.normalized == "津生管发〔2020〕12号"
    assert (number.issuer, number.year, number.serial) == ("津生管发", 2020, 12)
    assert number.kind == DocumentNumberKind.BRACKETED
    assert number.raw == text
    assert str(number) == "津生管发〔2020〕12号"


def test_numbers_equal_by_normalized_form_not_by_spelling():
    """Two spellings of one number are equal and hash alike; the raw text is kept on each."""
    a = parse_document_number("国发[2019]4号")
    b = parse_document_number("国发（2019）第4号")
    assert a == b
    assert len({a, b}) == 1
    assert (a.raw, b.raw) == ("国发[2019]4号", "国发（2019）第4号")


def test_number_without_issuer():
    """A county's land notice numbered 〔2022〕第39号 has an empty issuer."""
    number = parse_document_number("〔2022〕第39号")
    assert (number.issuer, number.year, number.serial) == ("", 2022, 39)
    assert number.normalized == "〔2022〕39号"


@pytest.mark.parametrize(
    ("text", "normalized", "issuer", "key"),
    [
        (
            "中华人民共和国国务院令第711号",
            "中华人民共和国国务院令第711号",
            "中华人民共和国国务院令",
            "国务院令第711号",
        ),
        ("国务院令第711号", "国务院令第711号", "国务院令", "国务院令第711号"),
        ("国务院令 第 ７１１ 号", "国务院令第711号", "国务院令", "国务院令第711号"),
        ("国务院令711号", "国务院令第711号", "国务院令", "国务院令第711号"),
        (
            "广州市人民政府令\n第123号",
            "广州市人民政府令第123号",
            "广州市人民政府令",
            "广州市人民政府令第123号",
        ),
    ],
)
def test_decrees_have_no_year_and_share_a_key_with_the_short_issuer(text, normalized, issuer, key):
    """A decree keeps its issuer as written; the key drops a leading 中华人民共和国."""
    number = parse_document_number(text)
    assert number.kind == DocumentNumberKind.DECREE
    assert number.year is None
    assert number.serial == int(normalized.removeprefix(issuer)[1:-1])
    assert (number.normalized, number.issuer) == (normalized, issuer)
    assert search_key(text) == key


def test_full_and_short_decree_are_different_prints_of_one_key():
    """The official and the cited form print differently but are found by one key."""
    full = parse_document_number("中华人民共和国国务院令第711号")
    short = parse_document_number("国务院令第711号")
    assert full != short
    assert full.search_key == short.search_key == "国务院令第711号"
    assert search_key("国务院令第712号") != full.search_key


def test_yearly_announcements_keep_their_official_form():
    """Announcements numbered 2018年第28号 parse, print as written and stay apart from 〔〕."""
    number = parse_document_number("国家税务总局公告 2018年第０28号")
    assert number.kind == DocumentNumberKind.YEARLY
    assert (number.issuer, number.year, number.serial) == ("国家税务总局公告", 2018, 28)
    assert number.normalized == "国家税务总局公告2018年第28号"
    assert number != parse_document_number("国家税务总局公告〔2018〕28号")


def test_bracketed_decree_with_year_is_a_bracketed_number():
    """A decree numbered per year in brackets (中国人民银行令〔2021〕第1号) has that year."""
    number = parse_document_number("中国人民银行令〔2021〕第1号")
    assert number.kind == DocumentNumberKind.BRACKETED
    assert number.normalized == "中国人民银行令〔2021〕1号"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("津生管发", "unreadable"),
        ("津生管发2020年12号", "unreadable"),
        ("津生管发〔2020〕", "unreadable"),
        ("渝教基〔2016〕X号", "unreadable"),
        ("Tianjin [2020] 12", "unreadable"),
        ("第12号", "unreadable"),
        ("令第5号", "unreadable"),
        ("国发〔2019〕4号 国发〔2019〕5号", "unreadable"),
        ("津生管发〔20〕12号", "year"),
        ("津生管发〔20201〕12号", "year"),
        ("津生管发〔1948〕12号", "year"),
        ("津生管发〔2101〕12号", "year"),
        ("津生管发〔2020〕0号", "serial"),
        ("津生管发〔2020〕000号", "serial"),
        ("津生管发〔2020〕1234567号", "serial"),
        ("津" * 200 + "〔2020〕1号", "unreadable"),
    ],
)
def test_unreadable_numbers_fail_with_a_bilingual_reason(text, code):
    """What is not a document number raises DocumentNumberError (a ValueError) in both languages."""
    with pytest.raises(DocumentNumberError) as caught:
        parse_document_number(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.code == code
    assert error.message_zh in str(error)
    assert error.message_en in str(error)
    assert "文号" in error.message_zh
    assert "document number" in error.message_en
    assert error.localized("en") == error.message_en
    assert error.localized("zh-hans") == error.message_zh


def test_year_bounds_are_inclusive():
    """1949 and 2100 are valid years."""
    assert parse_document_number("津政发〔1949〕1号").year == 1949
    assert parse_document_number("津政发〔2100〕1号").year == 2100


def test_error_message_follows_the_active_language():
    """Without an explicit language the message follows Django's active language."""
    from django.utils import translation

    with pytest.raises(DocumentNumberError) as caught:
        parse_document_number("not a number")
    with translation.override("en"):
        assert caught.value.localized() == caught.value.message_en
    with translation.override("zh-hans"):
        assert caught.value.localized() == caught.value.message_zh


def test_normalize_is_a_shortcut_for_parse():
    """normalize_document_number returns the normalized form and raises like parsing."""
    assert normalize_document_number("国办函[2020]109号") == "国办函〔2020〕109号"
    with pytest.raises(DocumentNumberError):
        normalize_document_number("国办函")


def test_search_key_matches_any_spelling_and_never_raises():
    """Parseable numbers share their normalized key; odd text still gets a bracket-blind key."""
    assert (
        search_key("京发改[2013]2827号")
        == search_key("京发改〔2013〕2827号")
        == ("京发改〔2013〕2827号")
    )
    assert search_key("渝教基[2016]X号") == search_key("渝教基 （2016） X号") == "渝教基〔2016〕X号"
    assert search_key("") == ""


def test_every_document_number_in_the_corpus_parses():
    """Each non-null doc_number of the real corpus parses, and its normalized form is stable."""
    numbers = [doc["doc_number"] for doc in gov_docs() if doc["doc_number"]]
    assert len(numbers) > 40
    for text in numbers:
        number = parse_document_number(text)
        assert parse_document_number(number.normalized) == number
        assert number.normalized.endswith("号")


def test_corpus_near_identical_numbers_stay_distinct():
    """国发〔2019〕4号, 国办发〔2019〕4号 and 国发〔2019〕5号 are three different numbers."""
    by_number = {doc["doc_number"]: doc["id"] for doc in gov_docs() if doc["doc_number"]}
    trio = ["国发〔2019〕4号", "国办发〔2019〕4号", "国发〔2019〕5号"]
    assert all(text in by_number for text in trio)
    assert len({search_key(text) for text in trio}) == 3
    assert len({parse_document_number(text) for text in trio}) == 3
    assert (
        search_key("国发[2019]4号")
        == search_key("国发〔2019〕4号")
        != search_key("国办发〔2019〕4号")
    )


def test_corpus_numbers_are_found_where_documents_print_them():
    """Where a document prints its own number in its title or body, it is found there."""
    printed = [
        doc
        for doc in gov_docs()
        if doc["doc_number"] and doc["doc_number"] in doc["title"] + doc["body"]
    ]
    assert len(printed) > 30
    for doc in printed:
        found = find_document_numbers(doc["title"] + "\n" + doc["body"])
        assert parse_document_number(doc["doc_number"]) in found, doc["id"]


def test_find_numbers_in_titles():
    """Numbers inside titles come out with their issuer and nothing before it."""
    assert [n.normalized for n in find_document_numbers("土地征收预公告(新征告〔2024〕5号)")] == [
        "新征告〔2024〕5号"
    ]
    assert [
        n.normalized for n in find_document_numbers("〔2022〕第39号兰考县人民政府征收土地预公告")
    ] == ["〔2022〕39号"]
    found = find_document_numbers("2022年10月31日 〔2022〕第39号兰考县")
    assert [(n.issuer, n.raw) for n in found] == [("", "〔2022〕第39号")]


def test_find_numbers_in_running_text():
    """Citations in body text: words before the issuer are cut, repeats are reported once."""
    text = (
        "根据《国务院关于印发国家职业教育改革实施方案的通知》（国发〔2019〕4号）和"
        "国办发[2019]4号的要求，符合鄂政发(2006)1号文件规定，按照国发〔2019〕4号精神，"
        "依据中华人民共和国国务院令第711号及国家税务总局公告2018年第28号，"
        "参照广州市人民政府令\n第123号。"
    )
    found = find_document_numbers(text)
    assert [n.normalized for n in found] == [
        "国发〔2019〕4号",
        "国办发〔2019〕4号",
        "鄂政发〔2006〕1号",
        "中华人民共和国国务院令第711号",
        "国家税务总局公告2018年第28号",
        "广州市人民政府令第123号",
    ]
    assert found[1].raw == "国办发[2019]4号"
    assert found[5].raw == "广州市人民政府令\n第123号"


def test_find_reports_each_number_once_as_first_written():
    """Repeats in another spelling, and a decree cited in its short form, are one number."""
    found = find_document_numbers(
        "国务院令第711号、中华人民共和国国务院令第711号；国发（2019）4号，见国发〔2019〕4号。"
    )
    assert [n.raw for n in found] == ["国务院令第711号", "国发（2019）4号"]


def test_find_ignores_things_that_only_look_like_numbers():
    """Dates, placeholders, invalid years and decrees without 第 are not reported."""
    text = (
        "2020年12月12号发布；渝教基〔2016〕X号；津政发〔1900〕3号；津政发〔2020〕0号；"
        "荆门市疫情防控指挥部5号令；通告(第1号)；依据2020年第5号"
    )
    assert find_document_numbers(text) == []
    assert find_document_numbers("") == []


# Property tests: generated numbers in every spelling parse to one canonical form.

ISSUER_CHARS = "津生管发办函政教人社财委局规字"
BRACKETS = [
    ("〔", "〕"),
    ("[", "]"),
    ("［", "］"),
    ("(", ")"),
    ("（", "）"),
    ("【", "】"),
    ("〈", "〉"),
    ("｛", "｝"),
    ("⟨", "⟩"),
    ("﹝", "﹞"),
]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

issuers = st.text(alphabet=ISSUER_CHARS, min_size=1, max_size=8)
years = st.integers(min_value=1949, max_value=2100)
serials = st.integers(min_value=1, max_value=9999)


@st.composite
def spellings(draw, issuer: str, year: int, serial: int, *, in_text: bool = False) -> str:
    """One of the many ways people write issuer〔year〕serial号.

    ``in_text``: no space between issuer and bracket, where in running text it would end the
    phrase (see find_document_numbers).
    """
    opening, closing = draw(st.sampled_from(BRACKETS))
    space = st.sampled_from(["", "", " ", "\u3000", "\n"])
    year_text = str(year)
    serial_text = "0" * draw(st.integers(0, 2)) + str(serial)
    if draw(st.booleans()):
        year_text = year_text.translate(FULLWIDTH)
    if draw(st.booleans()):
        serial_text = serial_text.translate(FULLWIDTH)
    parts = [
        issuer,
        opening,
        year_text,
        closing,
        draw(st.sampled_from(["", "第"])),
        serial_text,
        "号",
    ]
    return "".join(part + ("" if in_text and part == issuer else draw(space)) for part in parts)


@given(issuer=issuers, year=years, serial=serials, data=st.data())
def test_property_every_spelling_gives_the_canonical_form(issuer, year, serial, data):
    """Any bracket, 第, zeros, spaces or digit width gives issuer〔year〕serial号."""
    text = data.draw(spellings(issuer, year, serial))
    number = parse_document_number(text)
    assert number.normalized == f"{issuer}〔{year}〕{serial}号"
    assert (number.issuer, number.year, number.serial) == (issuer, year, serial)
    assert search_key(text) == number.normalized


@given(issuer=issuers, year=years, serial=serials, data=st.data())
def test_property_normalizing_is_idempotent(issuer, year, serial, data):
    """Parsing a normalized number gives the same normalized number."""
    normalized = normalize_document_number(data.draw(spellings(issuer, year, serial)))
    assert parse_document_number(normalized).normalized == normalized


@given(issuer=issuers, year=years, serial=serials, data=st.data())
def test_property_spellings_are_found_in_running_text(issuer, year, serial, data):
    """A number cited in brackets inside a sentence is found with its exact issuer."""
    text = data.draw(spellings(issuer, year, serial, in_text=True))
    found = find_document_numbers(f"根据《关于某事的通知》（{text}）的规定")
    assert [n.normalized for n in found] == [f"{issuer}〔{year}〕{serial}号"]


@given(a=st.tuples(issuers, years, serials), b=st.tuples(issuers, years, serials))
def test_property_distinct_numbers_never_collide(a, b):
    """Different (issuer, year, serial) never share a key; equal ones always do."""
    key_a = search_key("{}[{}]{}号".format(*a))
    key_b = search_key("{}（{}）第{}号".format(*b))
    assert (key_a == key_b) == (a == b)


@given(issuer=issuers, year=years, serial=serials)
def test_property_parsed_fields_round_trip(issuer, year, serial):
    """Parsing the canonical form gives back the issuer, year and serial."""
    number = parse_document_number(f"{issuer}〔{year}〕{serial}号")
    assert number == DocumentNumber(
        issuer=issuer,
        year=year,
        serial=serial,
        kind=DocumentNumberKind.BRACKETED,
        normalized=f"{issuer}〔{year}〕{serial}号",
    )
