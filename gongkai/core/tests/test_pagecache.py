"""HTTP done right (issue #4 §8): validators and 304, Cache-Control, and the page cache that
a change made through a service — in any process — makes out of date (ADR 0008).

The page cache is off in the other tests (config/settings_test.py); here it is on, with the
content-generation file in the test's own folder.
"""

from __future__ import annotations

import datetime
import os
import time

import pytest
from csp.constants import NONCE
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils.http import http_date, parse_http_date
from django.views.decorators.cache import never_cache

from gongkai.accounts.models import Role
from gongkai.config import env
from gongkai.config.urls import urlpatterns as site_urlpatterns
from gongkai.core.pagecache import (
    PAGES,
    CachedPage,
    PageStore,
    content_changed,
    current_generation,
)
from gongkai.library import services as library
from gongkai.library.tests.factories import draft, published
from gongkai.units import services as units
from gongkai.units.models import Leader, Unit

pytestmark = pytest.mark.django_db

PUBLIC = "public, max-age=60, stale-while-revalidate=30"


@pytest.fixture(autouse=True)
def generation_file(settings, tmp_path):
    """The page cache on, its generation file private to the test, the cache empty."""
    settings.GONGKAI_PAGE_CACHE = True
    settings.GONGKAI_PAGE_CACHE_SECONDS = 300
    settings.GONGKAI_HTTP_MAX_AGE = 60
    settings.GONGKAI_HTTP_STALE_WHILE_REVALIDATE = 30
    settings.GONGKAI_CONTENT_GENERATION_FILE = tmp_path / "content-generation"
    # The last change was an hour ago (Last-Modified is then the same from second to second).
    settings.GONGKAI_CONTENT_GENERATION_FILE.write_bytes(b".")
    an_hour_ago = time.time() - 3600
    os.utime(settings.GONGKAI_CONTENT_GENERATION_FILE, (an_hour_ago, an_hour_ago))
    PAGES.clear()
    yield settings.GONGKAI_CONTENT_GENERATION_FILE
    PAGES.clear()


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.EDITOR, Role.REVIEWER)


def _queries(client: Client, url: str, **extra) -> tuple[HttpResponse, int]:
    """The response to ``url`` and how many SQL queries answering it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def _directives(response: HttpResponse) -> set[str]:
    return {d.strip() for d in response["Cache-Control"].split(",")}


def _vary(response: HttpResponse) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


# --- Validators and 304 ---------------------------------------------------------------------


@pytest.mark.parametrize("cache_on", [True, False], ids=["warm", "cold"])
def test_if_none_match_with_the_current_etag_gives_304_without_a_body(
    client, settings, unit_a, cache_on
):
    """An anonymous page carries a strong ETag; sending it back gives 304 and no body, with
    or without the page cache; another ETag gives the page."""
    settings.GONGKAI_PAGE_CACHE = cache_on
    first = client.get("/documents/")
    etag = first["ETag"]
    assert first.status_code == 200
    assert etag.startswith('"')
    assert etag.endswith('"')

    again = client.get("/documents/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == PUBLIC

    other = client.get("/documents/", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200
    assert other.content == first.content


@pytest.mark.parametrize("cache_on", [True, False], ids=["warm", "cold"])
def test_if_modified_since_the_last_modified_gives_304(client, settings, unit_a, cache_on):
    """Last-Modified is answered with 304 when sent back as If-Modified-Since; a date before
    it gives the page."""
    settings.GONGKAI_PAGE_CACHE = cache_on
    first = client.get("/units/")
    last_modified = first["Last-Modified"]
    assert parse_http_date(last_modified) <= datetime.datetime.now(datetime.UTC).timestamp()

    same = client.get("/units/", HTTP_IF_MODIFIED_SINCE=last_modified)
    assert same.status_code == 304
    assert same.content == b""

    earlier = http_date(parse_http_date(last_modified) - 3600)
    older = client.get("/units/", HTTP_IF_MODIFIED_SINCE=earlier)
    assert older.status_code == 200
    assert older.content == first.content


def test_a_change_makes_the_old_etag_and_date_stale(
    client, unit_a, unit_admin_a, django_capture_on_commit_callbacks
):
    """After a unit changes, the validators the reader holds no longer match: 200, new page."""
    first = client.get("/units/JJJ/")
    with django_capture_on_commit_callbacks(execute=True):
        units.unit_update(unit=unit_a, by=unit_admin_a, changes={"phone": "022-12345678"})
    after = client.get(
        "/units/JJJ/",
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert after.status_code == 200
    assert "022-12345678" in after.content.decode()
    assert after["ETag"] != first["ETag"]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/en/",
        "/units/JJJ/",
        "/documents/",
        "/catalogue/",
        "/campaigns/",
        "/search/?q=就业",
        "/feeds/documents.atom",
        "/sitemap.xml",
        "/api/v1/units",
        "/api/v1/units/JJJ",
    ],
)
def test_public_pages_feeds_and_the_api_are_public_with_validators(client, unit_a, url):
    """Portal pages, search, feeds, the sitemap and the public API answer anonymous GETs with
    Cache-Control public, Vary: Cookie (not Accept-Language: the language is in the URL) and
    an ETag that gives 304."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == PUBLIC
    assert "cookie" in _vary(response)
    assert "accept-language" not in _vary(response)
    assert "Last-Modified" in response
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert not_modified.status_code == 304


def test_max_age_and_stale_while_revalidate_come_from_the_settings(client, settings, unit_a):
    """GONGKAI_HTTP_MAX_AGE and GONGKAI_HTTP_STALE_WHILE_REVALIDATE set the header; max-age 0
    means "store, but ask every time"."""
    settings.GONGKAI_HTTP_MAX_AGE = 120
    settings.GONGKAI_HTTP_STALE_WHILE_REVALIDATE = 0
    assert client.get("/units/")["Cache-Control"] == "public, max-age=120"
    settings.GONGKAI_HTTP_MAX_AGE = 0
    assert client.get("/").status_code == 200
    assert client.get("/catalogue/")["Cache-Control"] == "public, no-cache"


def test_a_missing_page_is_public_but_has_no_validators(client, unit_a):
    """404 is cacheable for a short while like any public page (no ETag, no 304)."""
    response = client.get("/documents/XYZ/99-2020-00001/")
    assert response.status_code == 404
    assert response["Cache-Control"] == PUBLIC
    assert "ETag" not in response


# --- Private responses ------------------------------------------------------------------------


def test_staff_get_private_pages_and_never_a_cached_anonymous_one(client, unit_a, unit_admin_a):
    """A logged-in user is answered "private, no-store", freshly rendered: here the database
    changed without a service (so the anonymous page stays cached), and only staff see it."""
    anonymous = Client()
    anonymous.get("/units/JJJ/")
    Unit.objects.filter(pk=unit_a.pk).update(phone="022-87654321")  # no content_changed()
    assert "022-87654321" not in anonymous.get("/units/JJJ/").content.decode()

    client.force_login(unit_admin_a)
    response = client.get("/units/JJJ/")
    assert "022-87654321" in response.content.decode()
    assert {"private", "no-store"} <= _directives(response)
    assert "public" not in _directives(response)


def test_staff_never_fill_the_cache(client, unit_a, unit_admin_a):
    """Pages rendered for a logged-in user are not kept for anyone."""
    client.force_login(unit_admin_a)
    client.get("/units/")
    client.get("/documents/")
    assert len(PAGES) == 0
    response, queries = _queries(Client(), "/units/")
    assert queries > 0
    assert response["Cache-Control"] == PUBLIC


@pytest.mark.parametrize(
    "url", ["/backoffice/login/", "/en/backoffice/login/", "/backoffice/", "/en/backoffice/"]
)
def test_the_back_office_is_private(client, url):
    """The back office, in either language, is never public, not even its login page."""
    response = client.get(url)
    assert {"private", "no-store"} <= _directives(response)
    assert "public" not in _directives(response)
    assert len(PAGES) == 0


def test_a_post_is_private_and_not_kept(client, unit_a):
    """Other methods than GET and HEAD are "private, no-store" and never cached."""
    response = client.post("/units/")
    assert {"private", "no-store"} <= _directives(response)
    assert len(PAGES) == 0


# Views for the tests below, mounted beside the real site (pytest.mark.urls(__name__)).
CALLS: list[str] = []


def _cookie_view(request: HttpRequest) -> HttpResponse:
    CALLS.append("cookie")
    response = HttpResponse("hello")
    response.set_cookie("seen", "1")
    return response


def _nonce_view(request: HttpRequest) -> HttpResponse:
    CALLS.append("nonce")
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')
    return HttpResponse(template.render(request=request))


def _unavailable_view(request: HttpRequest) -> HttpResponse:
    CALLS.append("unavailable")
    return HttpResponse("try later", status=503)


@never_cache
def _never_cache_view(request: HttpRequest) -> HttpResponse:
    CALLS.append("never")
    return HttpResponse("fresh")


urlpatterns = [
    path("test-cookie/", _cookie_view),
    path("test-nonce/", _nonce_view),
    path("test-unavailable/", _unavailable_view),
    path("test-never-cache/", _never_cache_view),
    *site_urlpatterns,
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("url", "view"),
    [
        ("/test-cookie/", "cookie"),
        ("/test-nonce/", "nonce"),
        ("/test-unavailable/", "unavailable"),
        ("/test-never-cache/", "never"),
    ],
)
def test_cookies_nonces_errors_and_never_cache_are_not_kept(client, url, view):
    """A response that sets a cookie, carries a CSP nonce, is an error (other than 404) or
    says never_cache is rendered for every request and is not public."""
    CALLS.clear()
    first = client.get(url)
    client.cookies.clear()  # the first answer's cookies must not make the second private
    second = client.get(url)
    assert CALLS == [view, view]
    assert len(PAGES) == 0
    for response in (first, second):
        assert {"private", "no-store"} <= _directives(response)
        assert "public" not in _directives(response)


@pytest.mark.urls(__name__)
def test_a_nonce_is_never_replayed(client, settings):
    """With a policy that uses nonces, each response has its own, in the header and in the
    page."""
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "script-src": ["'self'", NONCE]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    first, second = client.get("/test-nonce/"), client.get("/test-nonce/")
    assert "'nonce-" in first["Content-Security-Policy"]
    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]
    assert first.content != second.content


def test_a_page_that_sets_the_csrf_cookie_is_not_kept(client):
    """The API explorer sends the CSRF token (so it sets the cookie): private, not cached."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert {"private", "no-store"} <= _directives(response)
    assert len(PAGES) == 0


# --- The page cache -------------------------------------------------------------------------


def test_a_cached_page_is_served_without_a_query_and_keeps_its_headers(
    client, unit_a, django_assert_num_queries
):
    """The second request for a page is answered from the cache: no SQL at all, the same
    body, and the headers the inner middlewares added (CSP, X-Frame-Options) still there."""
    first = client.get("/units/")
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get("/units/")
        head = client.head("/units/")
    assert second.content == first.content
    for name in ("Content-Security-Policy", "X-Frame-Options", "ETag", "Cache-Control"):
        assert second[name] == first[name]
    assert "X-Content-Type-Options" in second  # SecurityMiddleware, outside the cache
    assert head.status_code == 200
    assert head.content == b""


def test_a_reader_with_a_csrf_cookie_is_served_the_cached_page(client, unit_a):
    """The CSRF cookie does not change a cached page (a page using the token sets the cookie
    and is never kept), so a reader who has one still gets the page from the cache."""
    page = client.get("/units/")
    client.cookies["csrftoken"] = "x" * 32
    again, queries = _queries(client, "/units/")
    assert queries == 0
    assert again.content == page.content


def test_publishing_a_document_shows_on_the_cached_list(
    client, unit_a, editor_a, reviewer_a, django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    """document_publish makes the cached document list out of date in every process."""
    with django_capture_on_commit_callbacks(execute=True):  # as if each request committed
        document = draft(unit_a, editor_a, title="关于缓存失效测试的通知")
        library.document_submit(document=document, by=editor_a)
        library.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
    assert "关于缓存失效测试的通知" not in client.get("/documents/").content.decode()
    with django_assert_num_queries(0):
        client.get("/documents/")  # cached

    with django_capture_on_commit_callbacks(execute=True):
        library.document_publish(document=document, by=reviewer_a)

    assert "关于缓存失效测试的通知" in client.get("/documents/").content.decode()


def test_changing_and_withdrawing_a_published_document_show_on_its_page(
    client, unit_a, editor_a, reviewer_a, django_capture_on_commit_callbacks
):
    """document_update (a public document) and document_withdraw refresh its cached page."""
    with django_capture_on_commit_callbacks(execute=True):
        document = published(unit_a, editor_a, reviewer_a)
    url = document.get_absolute_url()
    assert "新的摘要文字" not in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        library.document_update(
            document=document,
            by=reviewer_a,
            changes={"summary": "新的摘要文字"},
            change_note="补充摘要",
        )
    assert "新的摘要文字" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        library.document_withdraw(document=document, by=reviewer_a, reason="内容已过时请勿参考")
    assert "内容已过时请勿参考" in client.get(url).content.decode()


def test_unit_and_leader_changes_show_on_the_cached_unit_page(
    client, unit_a, unit_admin_a, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """unit_update and leader_save make the unit's cached page out of date."""
    assert "022-12345678" not in client.get("/units/JJJ/").content.decode()
    with django_assert_num_queries(0):
        client.get("/units/JJJ/")

    with django_capture_on_commit_callbacks(execute=True):
        units.unit_update(unit=unit_a, by=unit_admin_a, changes={"phone": "022-12345678"})
    assert "022-12345678" in client.get("/units/JJJ/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        units.leader_save(
            leader=Leader(unit=unit_a, name="王缓存", title="局长", portfolio="全面工作"),
            by=unit_admin_a,
        )
    assert "王缓存" in client.get("/units/JJJ/").content.decode()


def test_each_language_has_its_own_cached_page(client, unit_a):
    """/ and /en/ are cached apart: each is served from the cache in its own language."""
    chinese, english = client.get("/"), client.get("/en/")
    assert 'lang="zh-Hans"' in chinese.content.decode()
    assert 'lang="en"' in english.content.decode()
    again_zh, queries_zh = _queries(client, "/")
    again_en, queries_en = _queries(client, "/en/")
    assert (queries_zh, queries_en) == (0, 0)
    assert again_zh.content == chinese.content
    assert again_en.content == english.content


def test_the_language_comes_from_the_url_alone(client, settings, unit_a):
    """Accept-Language and the language cookie do not change a page (so Vary leaves out
    Accept-Language, and the cache key need not hold them)."""
    settings.GONGKAI_PAGE_CACHE = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    chinese = client.get("/units/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    english = client.get("/en/units/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-Hans"' in chinese
    assert 'lang="en"' in english


def test_the_large_text_cookie_has_its_own_cached_page(client, unit_a):
    """With gk_text=large the page (html class large-text) is cached apart from the normal one."""
    normal = client.get("/")
    assert 'class="large-text"' not in normal.content.decode()

    client.cookies["gk_text"] = "large"
    large, queries = _queries(client, "/")
    assert queries > 0  # not the normal page from the cache
    assert 'class="large-text"' in large.content.decode()
    assert _queries(client, "/")[1] == 0

    del client.cookies["gk_text"]
    again, queries = _queries(client, "/")
    assert queries == 0
    assert again.content == normal.content


def test_a_bump_by_another_process_empties_the_cache(client, unit_a, generation_file):
    """Another process (the job worker, an import) changes the generation file: this process
    renders the page again on the next request."""
    client.get("/units/JJJ/")
    Unit.objects.filter(pk=unit_a.pk).update(phone="022-55556666")  # no content_changed()
    assert "022-55556666" not in client.get("/units/JJJ/").content.decode()  # from the cache

    generation_file.write_bytes(b"written by another process")

    assert "022-55556666" in client.get("/units/JJJ/").content.decode()


def test_the_page_cache_can_be_turned_off(client, settings, unit_a):
    """GONGKAI_PAGE_CACHE=0: every request is rendered; the headers stay."""
    settings.GONGKAI_PAGE_CACHE = False
    client.get("/units/")
    response, queries = _queries(client, "/units/")
    assert queries > 0
    assert response["Cache-Control"] == PUBLIC
    assert len(PAGES) == 0


def test_pages_expire_after_the_configured_time(client, settings, unit_a):
    """GONGKAI_PAGE_CACHE_SECONDS bounds how long a process keeps a page (0: not at all)."""
    settings.GONGKAI_PAGE_CACHE_SECONDS = 0
    client.get("/units/")
    assert _queries(client, "/units/")[1] > 0


# --- content_changed() ----------------------------------------------------------------------


def test_content_changed_bumps_once_per_transaction_and_only_on_commit(
    generation_file, django_capture_on_commit_callbacks
):
    """Called many times in one transaction it bumps once, after the commit; a rolled-back
    transaction bumps nothing; the next transaction bumps again."""
    start = current_generation()
    size = generation_file.stat().st_size

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                content_changed()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert current_generation() == start

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            content_changed()
            content_changed()
            content_changed()
            assert current_generation() == start  # not before the commit
    assert len(callbacks) == 1
    assert generation_file.stat().st_size == size + 1
    bumped = current_generation()
    assert bumped.stamp != start.stamp

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        content_changed()
    assert current_generation().stamp != bumped.stamp


def test_the_page_store_keeps_the_recently_used_pages_within_its_size():
    """The LRU never holds more bytes than its limit; the least recently used page goes first."""
    store = PageStore()
    stamp = (1, 1, 1)
    response = HttpResponse(b"x" * 700)
    page = CachedPage.of(response, '"e"', 0)
    limit = page.size * 4
    assert store.get("a", stamp, 60) is None  # adopts the generation
    for key in "abcd":
        assert store.put(key, stamp, page, limit)
    assert store.get("a", stamp, 60) is page  # now the most recently used
    store.put("e", stamp, page, limit)
    assert store.bytes <= limit
    assert set(store.keys()) == {"c", "d", "a", "e"}
    assert not store.put("f", (2, 2, 2), page, limit)  # rendered under another generation
    assert store.get("a", (2, 2, 2), 60) is None  # a new generation …
    assert len(store) == 0  # … empties the store


def test_setting_values_below_their_minimum_are_refused_with_one_line(monkeypatch):
    """A negative max-age (or a cache of 0 MB) stops the command with one bilingual line."""
    monkeypatch.setenv("GONGKAI_HTTP_MAX_AGE", "-5")
    with pytest.raises(env.ConfigError) as caught:
        env.env_int("GONGKAI_HTTP_MAX_AGE", 60, minimum=0)
    assert "GONGKAI_HTTP_MAX_AGE" in str(caught.value)
    assert "\n" not in str(caught.value)
    monkeypatch.setenv("GONGKAI_HTTP_MAX_AGE", "0")
    assert env.env_int("GONGKAI_HTTP_MAX_AGE", 60, minimum=0) == 0


def test_database_connections_are_kept_for_the_configured_time(tmp_path, monkeypatch):
    """Server threads keep their connection (GONGKAI_DATABASE_CONN_MAX_AGE, default 60 s)."""
    monkeypatch.delenv("GONGKAI_DATABASE_URL", raising=False)
    monkeypatch.delenv("GONGKAI_DATABASE_CONN_MAX_AGE", raising=False)
    assert env.database(tmp_path)["CONN_MAX_AGE"] == 60
    monkeypatch.setenv("GONGKAI_DATABASE_CONN_MAX_AGE", "0")
    assert env.database(tmp_path)["CONN_MAX_AGE"] == 0
