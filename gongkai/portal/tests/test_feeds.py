"""Feeds, the sitemap, robots.txt and page metadata (issue #4 §5; R-0.c: one publication
reaches every channel, new media included)."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.library import services
from gongkai.library.choices import Art20Category, DocumentKind, KeyArea, Topic
from gongkai.library.models import Document
from gongkai.library.tests.factories import draft, published
from gongkai.portal.feeds import FEED_ITEMS
from gongkai.portal.sitemaps import LazyLanguagePairs
from gongkai.units.models import Unit

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
DC = "{http://purl.org/dc/elements/1.1/}"
HOST = "http://testserver"


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def editor_b(make_user, unit_b):
    return make_user("editor-b", unit_b, Role.EDITOR)


@pytest.fixture
def reviewer_b(make_user, unit_b):
    return make_user("reviewer-b", unit_b, Role.REVIEWER)


def _at(document: Document, day: int) -> Document:
    """Give a document a fixed publication time (2024-05-<day>), to check the order."""
    moment = datetime.datetime(2024, 5, day, 9, 0, tzinfo=datetime.UTC)
    Document.objects.filter(pk=document.pk).update(published_at=moment)
    document.refresh_from_db()
    return document


@pytest.fixture
def corpus(unit_a, unit_b, editor_a, reviewer_a, editor_b, reviewer_b) -> dict[str, Document]:
    """Unit A's employment measures (English title, key area), a notice unit B issued jointly
    with unit A, unit B's own medical-care plan, and documents that are not published."""
    employment = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="生态城促进就业若干措施",
        title_en="Measures to promote employment in the Eco-City",
        summary="就业补贴的<b>条件</b>和标准。<script>alert(1)</script>",
        summary_en="Conditions and rates of employment subsidies.",
        topic=Topic.LABOUR,
        key_areas=[KeyArea.EMPLOYMENT],
    )
    joint = services.document_create(
        unit=unit_b,
        by=editor_b,
        data={
            "title": "关于开展企业财务检查的通知",
            "document_number": "津生财发〔2024〕3号",
            "kind": DocumentKind.NOTICE,
            "category": Art20Category.C07,
            "signed_date": datetime.date(2024, 4, 28),
            "topic": Topic.FINANCE,
            "attribute": "proactive",
            "body": "<p>各企业：请于五月底前完成自查。</p>",
        },
        co_issuers=[unit_a],
    )
    services.document_submit(document=joint, by=editor_b)
    services.document_confidentiality_review(document=joint, by=reviewer_b, passed=True)
    services.document_publish(document=joint, by=reviewer_b)
    medical = published(
        unit_b,
        editor_b,
        reviewer_b,
        title="医疗保障工作计划",
        document_number="津生财发〔2024〕4号",
        kind=DocumentKind.PLAN,
        topic=Topic.CULTURE,
        key_areas=[KeyArea.MEDICAL],
    )
    unpublished = draft(unit_a, editor_a, title="尚未发布的草稿", document_number="")
    scheduled = draft(unit_a, editor_a, title="定时发布的文件", document_number="")
    services.document_submit(document=scheduled, by=editor_a)
    services.document_confidentiality_review(document=scheduled, by=reviewer_a, passed=True)
    services.document_publish(
        document=scheduled, by=reviewer_a, publish_at=timezone.now() + datetime.timedelta(days=3)
    )
    withdrawn = published(unit_a, editor_a, reviewer_a, title="已撤销的文件", document_number="")
    services.document_withdraw(document=withdrawn, by=reviewer_a, reason="内容有误")
    return {
        "employment": _at(employment, 1),
        "joint": _at(joint, 2),
        "medical": _at(medical, 3),
        "draft": unpublished,
        "scheduled": scheduled,
        "withdrawn": withdrawn,
    }


def _absolute(document: Document, language: str = "") -> str:
    prefix = f"/{language}" if language else ""
    return f"{HOST}{prefix}/documents/{document.index_number}/"


def _atom(client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def _rss(client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = fromstring(response.content)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    return root


def _entry_links(feed: Any) -> list[str]:
    return [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]


def _item_links(rss: Any) -> list[str]:
    return [item.findtext("link") for item in rss.iter("item")]


# --- Feeds ---------------------------------------------------------------------------------


def test_site_atom_feed_lists_published_documents_newest_first(client, corpus):
    """The site-wide Atom feed is valid Atom: published documents only, newest first, each
    linked by its permanent absolute URL, which is also its id."""
    feed = _atom(client, "/feeds/documents.atom")

    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-hans"
    assert _entry_links(feed) == [
        _absolute(corpus["medical"]),
        _absolute(corpus["joint"]),
        _absolute(corpus["employment"]),
    ]
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.findtext(f"{ATOM}id") == entry.find(f"{ATOM}link").get("href")
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == f"{HOST}/feeds/documents.atom"


def test_atom_entry_has_title_summary_author_dates_and_categories(client, corpus):
    """An entry carries the title, a plain-text summary (no markup, nothing executable), the
    issuing unit as author, the publication date and the kind, topic and key area."""
    feed = _atom(client, "/feeds/documents.atom")
    entry = next(
        e
        for e in feed.findall(f"{ATOM}entry")
        if e.find(f"{ATOM}link").get("href") == _absolute(corpus["employment"])
    )

    assert entry.findtext(f"{ATOM}title") == "生态城促进就业若干措施"
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert summary.text == "就业补贴的条件和标准。alert(1)"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "经济局"
    assert entry.findtext(f"{ATOM}published").startswith("2024-05-01T")
    assert entry.findtext(f"{ATOM}updated")
    terms = {c.get("term") for c in entry.findall(f"{ATOM}category")}
    assert terms == {
        str(DocumentKind.POLICY.label),
        str(Topic.LABOUR.label),
        str(KeyArea.EMPLOYMENT.label),
    }


def test_summary_falls_back_to_the_start_of_the_body_text(client, corpus):
    """A document without a summary is summarised by the start of its text, without tags."""
    feed = _atom(client, "/feeds/documents.atom")
    entry = next(
        e
        for e in feed.findall(f"{ATOM}entry")
        if e.find(f"{ATOM}link").get("href") == _absolute(corpus["joint"])
    )

    assert entry.findtext(f"{ATOM}summary") == "各企业：请于五月底前完成自查。"


def test_site_rss_feed_is_valid_rss_with_permalink_guids(client, corpus):
    """The RSS feed has the same items: link and permalink guid are the absolute document
    URL, with the publication date, the issuing unit and the categories."""
    rss = _rss(client, "/feeds/documents.rss")

    channel = rss.find("channel")
    assert channel.findtext("link") == f"{HOST}/documents/"
    assert channel.findtext("language") == "zh-hans"
    assert channel.findtext("description")
    assert _item_links(rss) == [
        _absolute(corpus["medical"]),
        _absolute(corpus["joint"]),
        _absolute(corpus["employment"]),
    ]
    item = next(rss.iter("item"))
    guid = item.find("guid")
    assert guid.text == _absolute(corpus["medical"])
    assert guid.get("isPermaLink") == "true"
    assert item.findtext("pubDate").startswith("Fri, 03 May 2024")
    assert item.findtext(f"{DC}creator") == "财政局"
    assert {c.text for c in item.findall("category")} == {
        str(DocumentKind.PLAN.label),
        str(Topic.CULTURE.label),
        str(KeyArea.MEDICAL.label),
    }


def test_unit_feed_lists_documents_issued_alone_or_jointly(client, corpus):
    """A unit's feed has what it issued alone and what it issued jointly with another unit."""
    unit_a = _atom(client, "/feeds/units/JJJ.atom")
    unit_b = _rss(client, "/feeds/units/CZJ.rss")

    assert _entry_links(unit_a) == [_absolute(corpus["joint"]), _absolute(corpus["employment"])]
    assert _item_links(unit_b) == [_absolute(corpus["medical"]), _absolute(corpus["joint"])]
    assert "经济局" in unit_a.findtext(f"{ATOM}title")


def test_topic_and_key_area_feeds_list_their_documents(client, corpus):
    """A topic's feed and a key area's feed list exactly the documents filed under them."""
    labour = _atom(client, "/feeds/topics/labour.atom")
    finance = _rss(client, "/feeds/topics/finance.rss")
    employment = _atom(client, "/feeds/key-areas/employment.atom")
    medical = _rss(client, "/feeds/key-areas/medical.rss")
    enrolment = _atom(client, "/feeds/key-areas/enrolment.atom")

    assert _entry_links(labour) == [_absolute(corpus["employment"])]
    assert _item_links(finance) == [_absolute(corpus["joint"])]
    assert _entry_links(employment) == [_absolute(corpus["employment"])]
    assert _item_links(medical) == [_absolute(corpus["medical"])]
    assert _entry_links(enrolment) == []


def test_english_feed_uses_english_titles_and_links(client, corpus):
    """Under /en/ a feed gives the English title and summary where a document has them, the
    Chinese ones otherwise, and links to the English pages."""
    feed = _atom(client, "/en/feeds/documents.atom")

    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    entries = {e.find(f"{ATOM}link").get("href"): e for e in feed.findall(f"{ATOM}entry")}
    employment = entries[_absolute(corpus["employment"], "en")]
    assert employment.findtext(f"{ATOM}title") == "Measures to promote employment in the Eco-City"
    assert employment.findtext(f"{ATOM}summary") == "Conditions and rates of employment subsidies."
    assert employment.findtext(f"{ATOM}author/{ATOM}name") == "JJJ Bureau"
    assert "labour, human resources and social security" in {
        c.get("term") for c in employment.findall(f"{ATOM}category")
    }
    joint = entries[_absolute(corpus["joint"], "en")]
    assert joint.findtext(f"{ATOM}title") == "关于开展企业财务检查的通知"


def test_english_rss_feed_of_a_unit(client, corpus):
    """The English RSS feed of a unit is named in English and uses English titles."""
    rss = _rss(client, "/en/feeds/units/JJJ.rss")

    assert "JJJ Bureau" in rss.find("channel").findtext("title")
    assert rss.find("channel").findtext("language") == "en"
    titles = [item.findtext("title") for item in rss.iter("item")]
    assert "Measures to promote employment in the Eco-City" in titles


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/units/NOPE.atom",
        "/feeds/units/NOPE.rss",
        "/en/feeds/units/NOPE.atom",
        "/feeds/topics/astrology.atom",
        "/feeds/topics/astrology.rss",
        "/feeds/key-areas/mining.atom",
        "/feeds/key-areas/mining.rss",
        "/feeds/documents.json",
        "/feeds/units/.atom",
    ],
)
def test_unknown_channel_is_not_found(client, unit_a, url):
    """An unknown unit, topic, key area or format is a plain 404, never an error."""
    assert client.get(url).status_code == 404


def test_inactive_unit_has_no_feed(client, unit_a):
    """A unit hidden from the portal has no feed either."""
    unit_a.is_active = False
    unit_a.save(update_fields=["is_active"])

    assert client.get("/feeds/units/JJJ.atom").status_code == 404


def _make_documents(unit, editor, reviewer, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        published(
            unit,
            editor,
            reviewer,
            title=f"文件{n}",
            document_number="",
            topic=Topic.LABOUR,
            key_areas=[KeyArea.EMPLOYMENT],
        )


FEED_URLS = [
    "/feeds/documents.atom",
    "/en/feeds/documents.rss",
    "/feeds/units/JJJ.atom",
    "/feeds/topics/labour.rss",
    "/feeds/key-areas/employment.atom",
]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_feeds_make_few_queries_whatever_the_number_of_documents(
    client, unit_a, editor_a, reviewer_a, django_assert_max_num_queries
):
    """A feed costs the same few queries for 3 documents as for more than it shows, and
    never lists more than FEED_ITEMS documents."""
    _make_documents(unit_a, editor_a, reviewer_a, 3)
    few = {url: _queries(client, url) for url in FEED_URLS}
    _make_documents(unit_a, editor_a, reviewer_a, FEED_ITEMS, start=3)

    for url in FEED_URLS:
        with django_assert_max_num_queries(4):
            response = client.get(url)
        assert _queries(client, url) == few[url], url
        root = fromstring(response.content)
        items = root.findall(f"{ATOM}entry") or list(root.iter("item"))
        assert len(items) == FEED_ITEMS, url
    newest = _atom(client, "/feeds/documents.atom").find(f"{ATOM}entry")
    assert newest.findtext(f"{ATOM}title") == f"文件{FEED_ITEMS + 2}"


# --- The feeds page ------------------------------------------------------------------------


def test_feeds_page_lists_every_feed(client, unit_a, unit_b):
    """The feeds page gives the site-wide feeds' addresses and a feed per unit, topic and
    key area, under headings."""
    response = client.get("/feeds/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f"<code>{HOST}/feeds/documents.atom</code>" in html
    assert f"<code>{HOST}/feeds/documents.rss</code>" in html
    for path in [
        "/feeds/units/JJJ.atom",
        "/feeds/units/CZJ.rss",
        *(f"/feeds/topics/{topic}.atom" for topic in Topic.values),
        *(f"/feeds/key-areas/{area}.rss" for area in KeyArea.values),
    ]:
        assert f'href="{path}"' in html, path
    assert 'aria-label="经济局 Atom"' in html
    for heading in ["feeds-all", "feeds-units", "feeds-topics", "feeds-areas"]:
        assert f'<h2 id="{heading}">' in html, heading


def test_feeds_page_links_work(client, corpus):
    """Every link on the feeds page answers with a feed."""
    html = client.get("/feeds/").content.decode()
    links = [
        part.split('"', 1)[0]
        for part in html.split('href="')[1:]
        if part.startswith(("/feeds/", f"{HOST}/feeds/"))
    ]
    assert len(links) > 20
    for link in links:
        if link.endswith("/feeds/"):
            continue
        assert client.get(link.removeprefix(HOST)).status_code == 200, link


def test_english_feeds_page_links_to_english_feeds(client, unit_a):
    """Under /en/ the page lists the English feeds."""
    html = client.get("/en/feeds/").content.decode()

    assert f"<code>{HOST}/en/feeds/documents.atom</code>" in html
    assert 'href="/en/feeds/units/JJJ.atom"' in html
    assert 'aria-label="JJJ Bureau Atom"' in html


def test_feeds_page_queries_do_not_grow_with_units(client, office, unit_a, unit_b):
    """The page reads the units once, however many there are."""
    few = _queries(client, "/feeds/")
    for n in range(10):
        Unit.objects.create(
            code=f"U{n:02d}", name_zh=f"单位{n}", name_en=f"U{n}", kind="department"
        )

    assert _queries(client, "/feeds/") == few <= 2


# --- Sitemap -------------------------------------------------------------------------------


def _xml(client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return fromstring(response.content)


def _urls(urlset: Any) -> dict[str, Any]:
    assert urlset.tag == f"{SITEMAP}urlset"
    return {url.findtext(f"{SITEMAP}loc"): url for url in urlset.findall(f"{SITEMAP}url")}


def test_sitemap_index_names_every_section(client, corpus):
    """/sitemap.xml is an index of the sections: pages, units, documents and annual reports,
    each with its
    absolute URL; documents and units with the date they last changed."""
    index = _xml(client, "/sitemap.xml")

    assert index.tag == f"{SITEMAP}sitemapindex"
    entries = {
        s.findtext(f"{SITEMAP}loc"): s.findtext(f"{SITEMAP}lastmod")
        for s in index.findall(f"{SITEMAP}sitemap")
    }
    assert set(entries) == {
        f"{HOST}/sitemap-pages.xml",
        f"{HOST}/sitemap-units.xml",
        f"{HOST}/sitemap-documents.xml",
        f"{HOST}/sitemap-reports.xml",
    }
    assert entries[f"{HOST}/sitemap-documents.xml"]


def test_sitemap_lists_published_documents_in_both_languages(client, corpus):
    """The documents section lists each published document's permanent URL in Chinese and
    in English, with its last change and hreflang alternates; never drafts, scheduled or
    withdrawn documents."""
    urls = _urls(_xml(client, "/sitemap-documents.xml"))

    expected = {
        _absolute(corpus[name], language)
        for name in ("employment", "joint", "medical")
        for language in ("", "en")
    }
    assert set(urls) == expected
    entry = urls[_absolute(corpus["employment"])]
    lastmod = timezone.localtime(corpus["employment"].updated_at).date().isoformat()
    assert entry.findtext(f"{SITEMAP}lastmod") == lastmod
    alternates = {link.get("hreflang"): link.get("href") for link in entry.findall(f"{XHTML}link")}
    assert alternates == {
        "zh-hans": _absolute(corpus["employment"]),
        "en": _absolute(corpus["employment"], "en"),
        "x-default": _absolute(corpus["employment"]),
    }
    for name in ("draft", "scheduled", "withdrawn"):
        assert corpus[name].index_number not in "".join(urls), name


def test_sitemap_document_urls_are_their_absolute_urls(client, corpus):
    """The sitemap builds each URL exactly as the document's own get_absolute_url()."""
    urls = _urls(_xml(client, "/sitemap-documents.xml"))

    for name in ("employment", "joint", "medical"):
        assert f"{HOST}{corpus[name].get_absolute_url()}" in urls


def test_sitemap_lists_pages_and_units(client, office, unit_a, unit_b):
    """The pages section has the fixed pages, the units section every active unit, both in
    each language with alternates."""
    unit_b.is_active = False
    unit_b.save(update_fields=["is_active"])

    pages = _urls(_xml(client, "/sitemap-pages.xml"))
    units = _urls(_xml(client, "/sitemap-units.xml"))

    for path in ["/", "/units/", "/documents/", "/catalogue/", "/feeds/"]:
        assert f"{HOST}{path}" in pages, path
        assert f"{HOST}/en{path}" in pages, path
    assert set(units) == {
        f"{HOST}{prefix}/units/{code}/" for prefix in ("", "/en") for code in ("WB", "JJJ")
    }
    home = pages[f"{HOST}/"]
    assert {link.get("hreflang") for link in home.findall(f"{XHTML}link")} == {
        "zh-hans",
        "en",
        "x-default",
    }
    assert units[f"{HOST}/units/JJJ/"].findtext(f"{SITEMAP}lastmod")


@pytest.mark.parametrize("query", ["?p=2", "?p=0", "?p=abc"])
def test_sitemap_page_out_of_range_is_not_found(client, corpus, query):
    """A sitemap page that does not exist is a 404, as is an unknown section."""
    assert client.get(f"/sitemap-documents.xml{query}").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_language_pairs_page_through_every_pair_once(corpus):
    """Paging (document, language) pairs in the database gives every pair once, in order,
    whatever the page size, odd ones included."""
    documents = Document.objects.filter(state="published").order_by("pk")
    everything = [(d.pk, lang) for d in documents for lang in ("zh-hans", "en")]

    for per_page in (1, 2, 3, 4, 5, 6, 7):
        paginator = Paginator(LazyLanguagePairs(documents, ["zh-hans", "en"]), per_page)
        assert paginator.count == 6
        seen = [
            (document.pk, lang)
            for number in paginator.page_range
            for document, lang in paginator.page(number).object_list
        ]
        assert seen == everything, per_page


def test_sitemap_queries_do_not_grow_with_documents(
    client, unit_a, editor_a, reviewer_a, django_assert_max_num_queries
):
    """The index and a sitemap page cost the same few queries for 3 documents as for 33."""
    _make_documents(unit_a, editor_a, reviewer_a, 3)
    urls = ["/sitemap.xml", "/sitemap-documents.xml", "/sitemap-units.xml", "/sitemap-pages.xml"]
    few = {url: _queries(client, url) for url in urls}
    _make_documents(unit_a, editor_a, reviewer_a, 30, start=3)

    for url in urls:
        with django_assert_max_num_queries(6):
            client.get(url)
        assert _queries(client, url) == few[url], url
    assert len(_urls(_xml(client, "/sitemap-documents.xml"))) == 66


def test_robots_txt_allows_the_portal_and_names_the_sitemap(client, db):
    """robots.txt keeps crawlers out of the back office and points at the sitemap."""
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /backoffice/" in lines
    assert "Disallow: /en/backoffice/" in lines
    assert "Disallow: /" not in lines
    assert f"Sitemap: {HOST}/sitemap.xml" in lines


# --- Page metadata -------------------------------------------------------------------------


class _Head(HTMLParser):
    """The <meta property> and <link> elements of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and "property" in values:
            self.meta.setdefault(values["property"], []).append(values.get("content", ""))
        elif tag == "link":
            self.links.append(values)


def _head(client, url: str) -> _Head:
    response = client.get(url)
    assert response.status_code == 200, url
    head = _Head()
    head.feed(response.content.decode())
    return head


def _one(head: _Head, prop: str) -> str:
    assert len(head.meta.get(prop, [])) == 1, prop
    return head.meta[prop][0]


def _canonical(head: _Head) -> str:
    links = [link["href"] for link in head.links if link.get("rel") == "canonical"]
    assert len(links) == 1
    return links[0]


def _feeds(head: _Head) -> dict[str, str]:
    return {
        link["href"]: link.get("title", "")
        for link in head.links
        if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
    }


def test_home_has_open_graph_canonical_and_feed_link(client, unit_a):
    """The home page names the site, is its own canonical URL (without tracking parameters)
    and announces the site-wide feed."""
    head = _head(client, "/?utm_source=wechat&from=timeline")

    assert _canonical(head) == f"{HOST}/"
    assert _one(head, "og:url") == f"{HOST}/"
    assert _one(head, "og:type") == "website"
    assert _one(head, "og:site_name") == "中新天津生态城政府信息公开"
    assert _one(head, "og:title") == "中新天津生态城政府信息公开"
    assert _one(head, "og:description") == "中新天津生态城各单位公开的政府信息。"
    assert _one(head, "og:locale") == "zh_CN"
    assert head.meta["og:locale:alternate"] == ["en_GB"]
    assert f"{HOST}/feeds/documents.atom" in _feeds(head)


def test_document_page_is_an_article_with_its_permanent_url(client, corpus):
    """A document page is an og:article titled and described by the document; its canonical
    URL is the permanent document URL whatever the query string."""
    document = corpus["employment"]
    head = _head(client, f"{document.get_absolute_url()}?from=groupmessage&isappinstalled=0")

    assert _canonical(head) == _absolute(document)
    assert _one(head, "og:url") == _absolute(document)
    assert _one(head, "og:type") == "article"
    assert _one(head, "og:title") == "生态城促进就业若干措施"
    assert _one(head, "og:description") == "就业补贴的条件和标准。alert(1)"
    assert _one(head, "article:published_time").startswith("2024-05-01T")
    assert _one(head, "article:section") == str(Topic.LABOUR.label)
    assert _one(head, "article:author") == f"{HOST}/units/JJJ/"
    assert f"{HOST}/feeds/documents.atom" in _feeds(head)


def test_document_without_summary_is_described_by_its_text(client, corpus):
    """Without a summary, og:description is the start of the document's text, without tags."""
    head = _head(client, corpus["joint"].get_absolute_url())

    assert _one(head, "og:description") == "各企业：请于五月底前完成自查。"
    assert _one(head, "article:author") == f"{HOST}/units/CZJ/"


def test_english_document_page_has_english_metadata(client, corpus):
    """The English page uses the English title and locale, and its own URL as canonical."""
    document = corpus["employment"]
    head = _head(client, f"/en{document.get_absolute_url()}")

    assert _canonical(head) == _absolute(document, "en")
    assert _one(head, "og:title") == "Measures to promote employment in the Eco-City"
    assert _one(head, "og:description") == "Conditions and rates of employment subsidies."
    assert _one(head, "og:locale") == "en_GB"
    assert f"{HOST}/en/feeds/documents.atom" in _feeds(head)


def test_unit_page_announces_the_unit_feed(client, unit_a):
    """A unit page has the unit's name as og:title and announces the unit's own feed."""
    head = _head(client, "/units/JJJ/?utm_campaign=x")

    assert _canonical(head) == f"{HOST}/units/JJJ/"
    assert _one(head, "og:title") == "经济局"
    assert "经济局" in _one(head, "og:description")
    feeds = _feeds(head)
    assert f"{HOST}/feeds/units/JJJ.atom" in feeds
    assert "经济局" in feeds[f"{HOST}/feeds/units/JJJ.atom"]
    assert f"{HOST}/feeds/documents.atom" in feeds


def test_list_page_canonical_keeps_filters_and_page_only(client, corpus, unit_a):
    """A list page's canonical URL keeps its filters and page number, sorted, and drops
    tracking parameters, empty values and page 1."""
    head = _head(client, "/documents/?utm_source=x&unit=JJJ&page=1&kind=&in_force=on")
    assert _canonical(head) == f"{HOST}/documents/?in_force=on&unit=JJJ"
    assert _one(head, "og:title") == "政府信息 · 中新天津生态城政府信息公开"

    plain = _head(client, "/documents/?spm=a.b.c")
    assert _canonical(plain) == f"{HOST}/documents/"
    assert _one(plain, "og:url") == f"{HOST}/documents/"
    assert f"{HOST}/feeds/documents.atom" in _feeds(plain)


def test_feeds_page_has_its_own_metadata(client, unit_a):
    """The feeds page is titled for sharing and announces the site-wide feed."""
    head = _head(client, "/en/feeds/")

    assert _canonical(head) == f"{HOST}/en/feeds/"
    assert _one(head, "og:title").startswith("Feeds · ")
    assert f"{HOST}/en/feeds/documents.atom" in _feeds(head)
