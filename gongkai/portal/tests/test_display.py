"""The large-text switch (适老化, issue #4 §7; R-0.c): /display/text-size/ sets or clears the
``gk_text`` cookie and goes back to a page of this site, never to another one."""

from __future__ import annotations

import pytest

from gongkai.portal.display import TEXT_SIZE_COOKIE

URL = "/display/text-size/"


def test_large_sets_the_cookie_and_returns_to_the_page(client, db):
    """?size=large sets gk_text=large for a year (HttpOnly, SameSite=Lax) and redirects to
    ``next``, query string included."""
    response = client.get(URL, {"size": "large", "next": "/documents/?kind=normative"})

    assert response.status_code == 302
    assert response["Location"] == "/documents/?kind=normative"
    cookie = response.cookies[TEXT_SIZE_COOKIE]
    assert cookie.value == "large"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_normal_clears_the_cookie(client, db):
    """?size=normal deletes the cookie and redirects back."""
    client.cookies[TEXT_SIZE_COOKIE] = "large"

    response = client.get(URL, {"size": "normal", "next": "/en/units/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/units/"
    assert response.cookies[TEXT_SIZE_COOKIE].value == ""
    assert int(response.cookies[TEXT_SIZE_COOKIE]["max-age"]) == 0


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com/",
        "http:evil.example.com",
        "javascript:alert(1)",
        "",
    ],
)
def test_next_on_another_site_goes_home_instead(client, db, next_url):
    """An address on another site (or none) is never followed: the reader goes home."""
    response = client.get(URL, {"size": "large", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_english_switch_goes_to_the_english_home_when_next_is_missing(client, db):
    """The switch on an English page without ``next`` lands on the English home page."""
    response = client.get("/en" + URL, {"size": "large"})

    assert response.status_code == 302
    assert response["Location"] == "/en/"


@pytest.mark.parametrize("size", ["", "huge", "LARGE", "large<script>"])
def test_unknown_size_is_a_bad_request_and_keeps_the_cookie(client, db, size):
    """Any other size answers 400 and changes nothing."""
    response = client.get(URL, {"size": size, "next": "/"})

    assert response.status_code == 400
    assert TEXT_SIZE_COOKIE not in response.cookies


def test_post_is_not_allowed(client, db):
    """The switch is a plain link: only GET (and HEAD)."""
    assert client.post(URL, {"size": "large"}).status_code == 405


def test_pages_render_large_text_class_only_with_the_cookie(client, db):
    """base.html puts class="large-text" on <html> when gk_text=large, else nothing; the
    header offers the opposite switch, coming back to the same page."""
    normal = client.get("/units/?x=1").content.decode()
    assert '<html lang="zh-Hans">' in normal
    assert 'href="/display/text-size/?size=large&amp;next=%2Funits%2F%3Fx%3D1"' in normal
    assert 'rel="nofollow"' in normal

    client.cookies[TEXT_SIZE_COOKIE] = "large"
    large = client.get("/en/units/").content.decode()
    assert '<html lang="en" class="large-text">' in large
    assert 'href="/en/display/text-size/?size=normal&amp;next=%2Fen%2Funits%2F"' in large

    client.cookies[TEXT_SIZE_COOKIE] = "something-else"
    assert '<html lang="zh-Hans">' in client.get("/units/").content.decode()


def test_the_switch_makes_a_bounded_number_of_queries(client, db, django_assert_max_num_queries):
    """The switch touches no table."""
    with django_assert_max_num_queries(0):
        client.get(URL, {"size": "large", "next": "/"})


def test_header_has_a_labelled_search_form_that_gets_the_search_page(client, db):
    """Every page but the search page has a GET search form in its header: input ``q``
    with a label, to /search/ (or /en/search/)."""
    zh = client.get("/").content.decode()
    assert '<form class="site-search" method="get" action="/search/" role="search"' in zh
    assert '<label class="visually-hidden" for="site-search-q">' in zh
    assert 'id="site-search-q" name="q"' in zh
    en = client.get("/en/catalogue/").content.decode()
    assert 'action="/en/search/"' in en
    assert 'class="site-search"' not in client.get("/search/").content.decode()


def test_not_found_page_switches_language_to_the_same_address(client, db):
    """On a 404 page the language switch still leads to the same address in the other
    language (translate_url cannot resolve it)."""
    zh = client.get("/no-such-page/?a=1")
    en = client.get("/en/no-such-page/")

    assert zh.status_code == en.status_code == 404
    assert 'href="/en/no-such-page/?a=1" hreflang="en"' in zh.content.decode()
    assert 'href="/no-such-page/" hreflang="zh-Hans"' in en.content.decode()
    assert '<html lang="en">' in en.content.decode()
