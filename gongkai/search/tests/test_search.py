"""Chinese full-text search (issue #4 §3): segmentation, bigrams, document numbers, filters and
facets, the outbox and the single indexer, rebuilds, suggestions and the miss log."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from gongkai.library import services as library
from gongkai.library.choices import DocumentKind, KeyArea, Topic, Validity
from gongkai.library.tests.factories import draft, published
from gongkai.search import engine, text
from gongkai.search.engine import Filters
from gongkai.search.indexer import Indexer, index_pending, rebuild
from gongkai.search.models import IndexChange, SearchMiss
from gongkai.search.selectors import SearchRequest, search_documents

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(office_admin):
    """Office staff may draft, review and publish for every unit."""
    return office_admin


def pub(unit, staff, **data):
    return published(unit, staff, staff, **data)


def page_text(response) -> str:
    """The page without the highlighting marks."""
    return response.content.decode().replace("<mark>", "").replace("</mark>", "")


def titles(q: str = "", **kwargs) -> list[str]:
    page = search_documents(SearchRequest(q=q, **kwargs))
    return [hit.document.title for hit in page.hits]


@pytest.fixture
def corpus(unit_a, unit_b, staff):
    docs = {
        "fund": pub(
            unit_a,
            staff,
            title="关于住房公积金缴存的管理办法",
            document_number="津生管发〔2020〕12号",
            kind=DocumentKind.NORMATIVE,
            topic=Topic.CONSTRUCTION,
            valid_until=datetime.date(2024, 12, 31),
            body="<p>住房公积金缴存比例为百分之十二。职工个人缴存部分由单位代扣。</p>",
            key_areas=[KeyArea.HOUSING_EXPROPRIATION],
        ),
        "subsidy": pub(
            unit_a,
            staff,
            title="住房补贴发放通知",
            document_number="津生管发〔2020〕13号",
            body="<p>住房补贴每月发放。依据津生管发〔2020〕12号执行。</p>",
        ),
        "tax": pub(
            unit_b,
            staff,
            title="关于减免小微企业税费的通知",
            document_number="津生财发〔2021〕3号",
            topic=Topic.FINANCE,
            signed_date=datetime.date(2021, 5, 6),
            title_en="Notice on tax relief for small and micro enterprises",
            summary_en="Taxes and fees are reduced for small businesses.",
            body="<p>对小微企业减征增值税。</p>",
        ),
    }
    index_pending()
    return docs


# --- tokens -------------------------------------------------------------------------------------


def test_search_mode_words_include_the_parts_of_long_words():
    words = text.words("住房公积金管理中心")
    assert "住房" in words
    assert "公积金" in words
    assert "公积" in words  # the shorter word inside 公积金


def test_bigrams_and_chars_of_cjk_runs_only():
    assert text.bigrams("住房ABC公积金") == ["住房", "公积", "积金"]
    assert text.bigrams("税") == ["税"]
    assert text.chars("税费税") == ["税", "费"]


# --- matching -----------------------------------------------------------------------------------


def test_short_and_long_words_both_match(corpus):
    assert titles("住房") == ["住房补贴发放通知", "关于住房公积金缴存的管理办法"] or set(
        titles("住房")
    ) == {"住房补贴发放通知", "关于住房公积金缴存的管理办法"}
    assert titles("公积金") == ["关于住房公积金缴存的管理办法"]
    assert titles("住房公积金") == ["关于住房公积金缴存的管理办法"]


def test_one_character_and_cross_word_substrings_match(corpus):
    assert titles("税") == ["关于减免小微企业税费的通知"]
    # 贴发 is not a word (补贴|发放) but it is an exact substring of a title
    assert titles("贴发") == ["住房补贴发放通知"]
    # a phrase the segmenter cuts differently from the text
    assert titles("微企业减征") == ["关于减免小微企业税费的通知"]


def test_a_common_word_is_not_also_searched_as_characters_in_the_text(
    unit_a, staff, settings
):
    """Speed at scale (issue #4 §3): a word the index holds as a segmented word in at least
    GONGKAI_SEARCH_COMMON_WORD_DOCUMENTS documents is matched as that word only; below the
    threshold it also matches where the segmenter split the text differently (南京市|长江大桥
    holds the characters 市长 but not the word)."""
    pub(unit_a, staff, title="市长会见代表", body="<p>市长发表讲话。</p>")
    pub(unit_a, staff, title="大桥通车公告", body="<p>南京市长江大桥今日通车。</p>")
    index_pending()

    assert engine.common_words(["市长", "大桥", "桥"]) == frozenset()
    assert set(titles("市长")) == {"市长会见代表", "大桥通车公告"}

    settings.GONGKAI_SEARCH_COMMON_WORD_DOCUMENTS = 1
    # one character is never "common" (it has no segmented form to fall back on)
    assert engine.common_words(["市长", "桥", "通车"]) == frozenset({"市长", "通车"})
    assert titles("市长") == ["市长会见代表"]
    # a title still matches as characters: the title phrase is always kept
    pub(unit_a, staff, title="南京市长江大桥维修", body="<p>维修。</p>")
    index_pending()
    assert set(titles("市长")) == {"市长会见代表", "南京市长江大桥维修"}


def test_all_words_must_match(corpus):
    assert titles("住房 补贴") == ["住房补贴发放通知"]


def test_document_number_in_any_bracket_form_comes_first(corpus):
    # the subsidy notice cites 〔2020〕12号 in its body; the document with that number wins
    for typed in ("津生管发〔2020〕12号", "津生管发[2020]12号", "津生管发（2020）第012号"):
        result = titles(typed)
        assert result[0] == "关于住房公积金缴存的管理办法", typed
    assert titles("津生财发[2021]3号")[0] == "关于减免小微企业税费的通知"


def test_english_title_and_summary_are_searchable(corpus):
    assert titles("tax relief") == ["关于减免小微企业税费的通知"]
    assert titles("businesses") == ["关于减免小微企业税费的通知"]  # stemmed: business


def test_attachment_text_is_searchable(unit_a, staff):
    document = draft(unit_a, staff, title="会议通知")
    out = io.BytesIO()
    word = docx.Document()
    word.add_paragraph("参会人员请携带营业执照副本。")
    word.save(out)
    library.attachment_add(
        document=document, by=staff, file=io.BytesIO(out.getvalue()), filename="附件.docx"
    )
    library.document_submit(document=document, by=staff)
    library.document_confidentiality_review(document=document, by=staff, passed=True)
    library.document_publish(document=document, by=staff)
    index_pending()
    assert titles("营业执照") == ["会议通知"]


def test_highlighted_snippet_escapes_html(unit_a, staff):
    pub(unit_a, staff, title="公告", body="<p>前文&lt;b&gt;很长。本次公告涉及住房补贴。</p>")
    index_pending()
    page = search_documents(SearchRequest(q="住房补贴"))
    assert "<mark>住房补贴</mark>" in page.hits[0].snippet_html
    assert "<b>" not in page.hits[0].snippet_html
    assert "&lt;b&gt;" in page.hits[0].snippet_html


# --- filters, facets, sorting -------------------------------------------------------------------


def test_filters_and_facet_counts(corpus):
    page = search_documents(SearchRequest(q="通知"))
    assert page.total == 2
    assert page.facets["unit"] == {"JJJ": 1, "CZJ": 1}
    # a facet is counted with the *other* filters: choosing JJJ still shows CZJ's count
    page = search_documents(SearchRequest(q="通知", filters=Filters(unit=("JJJ",))))
    assert [h.document.title for h in page.hits] == ["住房补贴发放通知"]
    assert page.facets["unit"] == {"JJJ": 1, "CZJ": 1}
    assert page.facets["year"] == {"2020": 1}
    page = search_documents(SearchRequest(q="", filters=Filters(year=(2021,))))
    assert [h.document.title for h in page.hits] == ["关于减免小微企业税费的通知"]
    page = search_documents(SearchRequest(q="", filters=Filters(area=("housing_expropriation",))))
    assert [h.document.title for h in page.hits] == ["关于住房公积金缴存的管理办法"]
    page = search_documents(SearchRequest(q="", filters=Filters(topic=("finance",))))
    assert page.total == 1


def test_facet_counts_are_counted_beside_the_ranking_also_in_a_forked_worker(corpus):
    """The facet counts run on the process's own thread pool while the query ranks; a web
    worker forked from a process that already searched makes its own pool (an inherited one
    has no threads and would hang the page)."""
    import os
    import signal
    import time

    expected = engine.run(engine.text_query(engine.parse("通知")), filters=Filters(), offset=0,
                          limit=10)  # fmt: skip
    assert expected.facets["unit"] == {"JJJ": 1, "CZJ": 1}
    pid = os.fork()
    if pid == 0:  # the child: same answer from a pool of its own, or a non-zero status
        status = 1
        try:
            again = engine.run(
                engine.text_query(engine.parse("通知")), filters=Filters(), offset=0, limit=10
            )
            status = 0 if (again.facets, again.ids) == (expected.facets, expected.ids) else 3
        finally:
            os._exit(status)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked process hung counting facets")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0


def test_co_issued_documents_count_for_both_units(unit_a, unit_b, staff):
    document = draft(unit_a, staff, title="联合发文")
    library.document_update(document=document, by=staff, changes={}, co_issuers=[unit_b])
    library.document_submit(document=document, by=staff)
    library.document_confidentiality_review(document=document, by=staff, passed=True)
    library.document_publish(document=document, by=staff)
    index_pending()
    assert titles("联合发文", filters=Filters(unit=("CZJ",))) == ["联合发文"]


def test_sort_by_date_newest_first(corpus):
    from gongkai.library.models import Document

    Document.objects.filter(pk=corpus["tax"].pk).update(
        published_at=corpus["tax"].published_at + datetime.timedelta(days=1)
    )
    rebuild()
    ordered = titles("", sort="date")
    assert ordered[0] == "关于减免小微企业税费的通知"  # published last


def test_validity_filter_after_expiry(corpus):
    library.expire_documents(today=datetime.date(2025, 1, 2))
    index_pending()
    in_force = Filters(validity=(Validity.IN_FORCE,))
    assert "关于住房公积金缴存的管理办法" not in titles("住房", filters=in_force)
    assert "关于住房公积金缴存的管理办法" in titles("住房")


def test_policy_scope_is_in_force_only_by_default(client, corpus):
    library.expire_documents(today=datetime.date(2025, 1, 2))
    index_pending()
    url = reverse("search:results")
    response = client.get(url, {"q": "住房公积金", "scope": "policy"})
    assert "关于住房公积金缴存的管理办法" not in page_text(response)
    assert 'name="validity_scope" value="in_force" id="id_validity_scope_0" checked' in (
        page_text(response)
    )
    response = client.get(url, {"q": "住房公积金", "scope": "policy", "validity_scope": "any"})
    assert "关于住房公积金缴存的管理办法" in page_text(response)


# --- the database is the truth --------------------------------------------------------------------


def test_publishing_writes_the_outbox_in_the_same_transaction(unit_a, staff):
    rebuild()
    document = draft(unit_a, staff, title="待发布文件")
    IndexChange.objects.all().delete()
    library.document_submit(document=document, by=staff)
    library.document_confidentiality_review(document=document, by=staff, passed=True)
    library.document_publish(document=document, by=staff)
    assert IndexChange.objects.filter(document_id=document.pk, applied_at=None).exists()
    assert titles("待发布文件") == []  # not applied yet: the index does not know it
    assert index_pending() >= 1
    assert titles("待发布文件") == ["待发布文件"]
    assert not IndexChange.objects.filter(applied_at=None).exists()


def test_a_rolled_back_change_leaves_no_outbox_row(unit_a, staff):
    IndexChange.objects.all().delete()

    def create_then_fail():
        with transaction.atomic():
            draft(unit_a, staff, title="回滚")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert not IndexChange.objects.exists()


def test_withdrawn_document_is_never_shown_even_before_the_indexer_runs(corpus, staff):
    library.document_withdraw(document=corpus["subsidy"], by=staff, reason="政策调整")
    # the index still has it, the database says withdrawn: the result is dropped
    assert "住房补贴发放通知" not in titles("住房补贴")
    index_pending()
    assert search_documents(SearchRequest(q="住房补贴")).total == 0


def test_lost_index_is_rebuilt_from_the_database(corpus, settings):
    import shutil

    shutil.rmtree(settings.GONGKAI_SEARCH_DIR)
    engine.READER.reset()
    page = search_documents(SearchRequest(q="公积金"))
    assert page.fallback  # no index: the database answered (titles only)
    assert [h.document.title for h in page.hits] == ["关于住房公积金缴存的管理办法"]
    index_pending()  # the indexer finds no index and rebuilds it
    page = search_documents(SearchRequest(q="缴存比例"))  # a body-only phrase
    assert not page.fallback
    assert [h.document.title for h in page.hits] == ["关于住房公积金缴存的管理办法"]


def test_corrupt_index_is_rebuilt(corpus):
    path = engine.current_generation()
    assert path is not None
    (path / "meta.json").write_text("{not json", "utf-8")
    engine.READER.reset()
    assert search_documents(SearchRequest(q="公积金")).fallback
    index_pending()
    index_pending()
    engine.READER.reset()
    page = search_documents(SearchRequest(q="缴存比例"))
    assert not page.fallback
    assert page.total == 1


def test_rebuild_replays_changes_made_while_it_ran(unit_a, staff):
    rebuild()
    document = pub(unit_a, staff, title="重建期间发布")
    # As if the indexer had applied the change to the *old* generation before the switch:
    IndexChange.objects.update(applied_at=datetime.datetime.now(datetime.UTC))
    path = engine.current_generation()
    state = engine._read_state(path)
    engine.write_state(path, {**state, "caught_up": False})
    index_pending()
    assert titles("重建期间发布") == [document.title]


def test_only_one_writer(corpus, unit_a, staff):
    first = Indexer()
    assert first._open()
    pub(unit_a, staff, title="第二个写入者")
    second = Indexer()
    assert second.run_once() == 0  # the lock is taken: nothing applied, no error
    assert first.run_once() >= 1
    first.close()
    second.close()
    assert titles("第二个写入者") == ["第二个写入者"]


def test_reindex_command_shows_progress(corpus):
    out = io.StringIO()
    call_command("reindex", stdout=out)
    output = out.getvalue()
    assert "3/3" in output
    assert "indexed 3 documents" in output
    assert titles("公积金") == ["关于住房公积金缴存的管理办法"]


# --- suggestions and the miss log -----------------------------------------------------------------


def test_typo_gets_a_suggestion_and_is_logged_anonymously(client, corpus, settings):
    page = search_documents(SearchRequest(q="公基金"))
    assert page.missed
    assert "公积金" in page.suggestions
    response = client.get(reverse("search:results"), {"q": "公基金"})
    assert response.status_code == 200
    assert "公积金" in response.content.decode()
    miss = SearchMiss.objects.get()
    assert (miss.query, miss.count, miss.filtered) == ("公基金", 1, False)
    settings.GONGKAI_PAGE_CACHE = True  # a miss is counted even when pages are cached
    client.get(reverse("search:results"), {"q": "公基金"})
    client.get(reverse("search:results"), {"q": "公基金"})
    miss.refresh_from_db()
    assert miss.count == 3
    fields = {f.name for f in SearchMiss._meta.get_fields()}
    assert fields == {"id", "query", "filtered", "day", "count"}  # nothing about the searcher


def test_filters_that_leave_nothing_offer_the_unfiltered_count(client, corpus):
    response = client.get(reverse("search:results"), {"q": "税费", "unit": "JJJ"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 result without the filters" in body or "去掉筛选条件后有 1 条结果" in body


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "",
        "住" * 10_000,
        "'; DROP TABLE library_document; --",
        '<script>alert("x")</script>',
        "住房🏠补贴",
        "housing 住房 ＡＢＣ １２３",
        "AND OR NOT ( ) \" * ? : [ ] { } ^ ~",
    ],
)
def test_bad_queries_give_a_normal_page(client, corpus, q):
    response = client.get(reverse("search:results"), {"q": q})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "住房", "unit": "NOPE"},
        {"q": "住房", "kind": "nonsense", "year": "abc"},
        {"q": "住房", "page": "999999"},
        {"q": "住房", "page": "-3"},
        {"q": "住房", "sort": "random"},
        {"q": "住房", "year": "3000"},
    ],
)
def test_unknown_filters_and_pages_give_a_normal_page(client, corpus, params):
    response = client.get(reverse("search:results"), params)
    assert response.status_code == 200
    assert "住房" in response.content.decode()


def test_a_huge_page_number_is_clamped_before_the_engine(corpus):
    page = search_documents(SearchRequest(q="住房", page=1_000_000_000_000))
    assert page.page == 1
    assert page.total == 2


def test_out_of_range_page_shows_the_last_page(corpus):
    page = search_documents(SearchRequest(q="住房", page=50, page_size=1))
    assert page.page == 2
    assert len(page.hits) == 1


def test_search_page_query_count_does_not_grow_with_results(
    client, unit_a, staff, django_assert_max_num_queries
):
    for i in range(3):
        pub(unit_a, staff, title=f"住房政策第{i}号")
    index_pending()
    url = reverse("search:results")
    with django_assert_max_num_queries(6):
        client.get(url, {"q": "住房政策"})
    for i in range(3, 25):
        pub(unit_a, staff, title=f"住房政策第{i}号")
    index_pending()
    with django_assert_max_num_queries(6):
        response = client.get(url, {"q": "住房政策"})
    assert response.content.decode().count('class="document-item"') == 10


def test_english_page_says_when_a_result_is_in_chinese_only(client, corpus):
    response = client.get("/en/search/", {"q": "tax"})
    body = response.content.decode()
    assert "relief for small and micro enterprises" in body  # its English title
    assert "(in Chinese only)" not in body
    response = client.get("/en/search/", {"q": "住房补贴"})
    body = page_text(response)
    assert 'lang="zh-Hans">住房补贴发放通知' in body
    assert "(in Chinese only)" in body


@pytest.mark.django_db(transaction=True)
def test_the_indexer_thread_makes_a_published_document_searchable(unit_a, office_admin):
    """The worker's indexer applies the outbox on its own (issue #4 §3: within 2 seconds; the
    latency itself is measured by bench/search.py, not asserted here)."""
    import time

    from gongkai.search.indexer import IndexerThread

    rebuild()
    thread = IndexerThread(interval=0.05)
    thread.start()
    try:
        pub(unit_a, office_admin, title="线程索引测试")
        for _ in range(200):
            if titles("线程索引测试"):
                break
            time.sleep(0.05)
        assert titles("线程索引测试") == ["线程索引测试"]
    finally:
        thread.stop()
        thread.join(timeout=5)


def test_only_one_rebuild_at_a_time(corpus):
    """Workers finding no index at once do not build (and delete) generations over each other."""
    from gongkai.search.indexer import _rebuild_lock

    with _rebuild_lock(wait=True) as locked:
        assert locked
        assert rebuild(wait=False) == -1  # another process is rebuilding: skip
    assert rebuild(wait=False) == 3


def test_a_rebuild_marks_older_changes_applied(unit_a, staff):
    """Changes already in the rebuild's snapshot are not replayed one by one afterwards."""
    document = pub(unit_a, staff, title="重建之前的变更")
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    IndexChange.objects.update(created_at=old)
    rebuild()
    assert not IndexChange.objects.filter(applied_at=None).exists()
    assert titles("重建之前的变更") == [document.title]


def test_each_result_links_its_page_and_shows_unit_number_local_date_and_validity(
    client, corpus
):
    """The result list (issue #4 §3): each hit's permanent link, issuing unit, document
    number, publishing date in the site's time zone and validity label, in each language."""
    from django.utils import timezone

    from gongkai.library.models import Document

    fund = Document.objects.get(pk=corpus["fund"].pk)
    # Published just before midnight UTC: the page shows the next day (Asia/Shanghai).
    Document.objects.filter(pk=fund.pk).update(
        published_at=datetime.datetime(2020, 3, 1, 23, 30, tzinfo=datetime.UTC),
        validity=Validity.EXPIRED,
    )
    local = timezone.localtime(datetime.datetime(2020, 3, 1, 23, 30, tzinfo=datetime.UTC))
    assert local.date() == datetime.date(2020, 3, 2)
    for prefix, unit_name, validity in (
        ("", "经济局", "已失效"),
        ("/en", "JJJ Bureau", "expired"),
    ):
        response = client.get(f"{prefix}/search/", {"q": "住房公积金缴存"})
        body = page_text(response)
        start = body.index('<li class="document-item">')
        item = body[start : body.index("</li>", start)]
        assert f'<a href="{prefix}/documents/{fund.index_number}/"' in item
        assert fund.get_absolute_url().endswith(f"/documents/{fund.index_number}/")
        assert f"<span>{unit_name}</span>" in item
        assert "<span>津生管发〔2020〕12号</span>" in item
        assert '<time datetime="2020-03-02">2020-03-02</time>' in item
        assert f'<span class="validity validity--expired">{validity}</span>' in item


def test_facet_links_add_or_remove_one_filter_and_keep_the_rest(client, corpus):
    from html import unescape
    from urllib.parse import parse_qsl

    from gongkai.units.models import Unit

    Unit.objects.filter(code="JJJ").update(name_zh="经济局<b>&")
    response = client.get("/search/", {"q": "通知", "sort": "date", "unit": "JJJ", "page": "1"})
    body = response.content.decode()
    # Labels are escaped like any other text.
    assert "经济局&lt;b&gt;&amp; <span" in body
    assert "经济局<b>" not in body
    links = [
        sorted(parse_qsl(unescape(href)))
        for href in __import__("re").findall(r'<a href="\?([^"]+)"[^>]*>', body)
    ]
    # Choosing CZJ as well keeps q, sort and JJJ, and drops the page number.
    assert sorted([("q", "通知"), ("sort", "date"), ("unit", "JJJ"), ("unit", "CZJ")]) in links
    # The chosen unit's link removes it and keeps the rest.
    assert sorted([("q", "通知"), ("sort", "date")]) in links
    assert 'aria-current="true" class="facet--selected"' in body


def test_search_forms_share_fixed_choices_but_not_their_changes():
    """The fixed choice lists are shared between forms (not copied per search, issue #4 §8);
    what one form changes on its fields and widgets stays in that form."""
    from gongkai.search.forms import SearchForm

    first = SearchForm({"kind": ["nonsense"]}, unit_codes=[("ECO", "生态城")])
    second = SearchForm({"kind": [DocumentKind.choices[0][0]]}, unit_codes=[("B", "乙")])
    assert first.fields["kind"].choices is second.fields["kind"].choices
    assert first.fields["kind"].widget.choices is second.fields["kind"].widget.choices
    assert first.fields["kind"] is not SearchForm.base_fields["kind"]
    first.fields["kind"].widget.attrs["class"] = "changed"
    first.fields["kind"].error_messages["invalid_choice"] = "changed"
    first.fields["topic"].choices = [("only", "only")]
    assert "class" not in second.fields["kind"].widget.attrs
    assert second.fields["kind"].error_messages["invalid_choice"] != "changed"
    assert second.fields["topic"].choices == list(Topic.choices)
    assert SearchForm.base_fields["topic"].choices == list(Topic.choices)
    assert second.fields["unit"].choices == [("B", "乙")]
    assert not first.is_valid()
    assert "kind" in first.errors
    assert second.is_valid(), second.errors


def test_the_indexer_reads_pending_changes_through_their_own_index(db):
    """The outbox keeps a day of applied changes (a million after a big import). The indexer's
    twice-a-second question must not walk them: it reads the partial index of pending rows,
    even when the planner's statistics were taken while every row was still pending
    (PostgreSQL walked the primary key past a million applied rows: 0.7 s a poll)."""
    from django.db import connection
    from django.utils import timezone

    from gongkai.core.dbstats import refresh_statistics
    from gongkai.search.indexer import pending_changes

    IndexChange.objects.bulk_create(IndexChange(document_id=i) for i in range(3000))
    refresh_statistics([IndexChange])  # PostgreSQL now believes every row is pending
    IndexChange.objects.update(applied_at=timezone.now())
    waiting = IndexChange.objects.create(document_id=424242)

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # compare the index paths only
                cursor.execute("SET LOCAL enable_seqscan = off")
        plan = pending_changes()[:500].explain()
    if connection.vendor == "postgresql":
        assert "index_change_pending" in plan, plan
    else:  # SQLite searches an index for the pending rows (never scans the table)
        assert "SEARCH search_indexchange USING INDEX index_change_" in plan, plan
    assert list(pending_changes()) == [(waiting.pk, 424242)]
