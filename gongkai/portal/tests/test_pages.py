"""The public portal pages: home, unit directory and unit pages (R-1.1)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.units.models import Leader, Unit, UnitKind


@pytest.fixture
def full_unit(unit_a) -> Unit:
    """Unit A with every piece of agency information filled in."""
    unit_a.functions = "负责生态城经济发展规划。"
    unit_a.functions_en = "Plans the economic development of the Eco-City."
    unit_a.internal_structure = "综合科：负责日常事务\n产业科: 负责产业促进\n规划科"
    unit_a.subordinate_units = "生态城投资促进中心\n\n生态城统计站"
    unit_a.address = "天津市滨海新区中新天津生态城和旭路276号"
    unit_a.postcode = "300467"
    unit_a.office_hours = "工作日 9:00–17:00"
    unit_a.fax = "022-66667777"
    unit_a.website = "https://jjj.example.gov.cn/"
    unit_a.save()
    Leader.objects.create(
        unit=unit_a, name="王明", title="局长", portfolio="主持全面工作", sort_order=1
    )
    Leader.objects.create(
        unit=unit_a, name="李华", title="副局长", portfolio="分管产业科", sort_order=2
    )
    return unit_a


@pytest.fixture
def provider(unit_a) -> Unit:
    return Unit.objects.create(
        code="SCHOOL1",
        name_zh="生态城第一学校",
        name_en="Eco-City School No. 1",
        kind=UnitKind.PROVIDER,
        supervising_unit=unit_a,
        phone="022-66661111",
        address="中新天津生态城学校路1号",
    )


@pytest.fixture
def inactive_unit(db) -> Unit:
    return Unit.objects.create(
        code="OLD",
        name_zh="已撤销局",
        name_en="Abolished Bureau",
        kind=UnitKind.DEPARTMENT,
        is_active=False,
    )


def _html(response) -> str:
    return response.content.decode()


def test_home_is_in_chinese_by_default(client, unit_a):
    """The home page at / is Chinese: lang="zh-Hans" and the units' Chinese names."""
    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    html = _html(response)
    assert '<html lang="zh-Hans">' in html
    assert response["Content-Language"] == "zh-hans"
    assert "经济局" in html
    assert unit_a.name_en not in html


def test_home_is_in_english_under_en(client, unit_a):
    """The home page at /en/ is English: lang="en" and the units' English names."""
    response = client.get("/en/")

    assert response.status_code == 200
    html = _html(response)
    assert '<html lang="en">' in html
    assert "JJJ Bureau" in html
    assert 'href="/en/units/JJJ/"' in html


def test_home_groups_units_by_kind(client, unit_a, provider, db):
    """The home page lists departments, then community committees, then providers, as links."""
    # given
    Unit.objects.create(
        code="SQ01", name_zh="和畅社区居委会", name_en="Hechang Community", kind=UnitKind.COMMUNITY
    )

    # when
    html = _html(client.get("/en/"))

    # then
    departments = html.index("Departments of the administrative committee")
    communities = html.index("Community committees")
    providers = html.index("Public service providers")
    assert departments < communities < providers
    assert departments < html.index('href="/en/units/JJJ/"') < communities
    assert communities < html.index('href="/en/units/SQ01/"') < providers
    assert providers < html.index('href="/en/units/SCHOOL1/"')


def test_every_page_has_skip_link_landmarks_and_one_h1(client, full_unit):
    """Each page has a skip link to <main id="main">, header, nav, footer and a single h1."""
    for url in ["/", "/units/", "/units/JJJ/", "/en/", "/en/units/", "/en/units/JJJ/"]:
        html = _html(client.get(url))
        assert 'href="#main"' in html, url
        assert '<main id="main"' in html, url
        assert "<header" in html, url
        assert "<footer" in html, url
        assert "<nav" in html, url
        assert html.count("<h1") == 1, url
        assert 'rel="stylesheet"' in html, url


def test_header_names_the_site_and_links_to_staff_login(client, db):
    """The header carries the site name, the main navigation and the staff login link."""
    html = _html(client.get("/en/"))

    assert "Sino-Singapore Tianjin Eco-City" in html
    assert 'href="/en/backoffice/"' in html
    assert 'href="/en/units/"' in html

    html = _html(client.get("/"))
    assert 'href="/backoffice/"' in html


def test_language_switch_links_to_the_same_page_in_the_other_language(client, unit_a):
    """The language switch on a Chinese page links to its English counterpart and back."""
    # when
    zh = _html(client.get("/units/JJJ/"))
    en = _html(client.get("/en/units/JJJ/"))

    # then
    assert re.search(r'<a href="/en/units/JJJ/" hreflang="en" lang="en">English</a>', zh)
    assert re.search(
        r'<a href="/units/JJJ/" hreflang="zh-Hans" lang="zh-Hans" aria-current="true">', zh
    )
    assert re.search(r'<a href="/units/JJJ/" hreflang="zh-Hans" lang="zh-Hans">简体中文</a>', en)
    assert re.search(r'<a href="/en/units/JJJ/" hreflang="en" lang="en" aria-current="true">', en)


def test_language_switch_keeps_the_query_string(client, db):
    """Switching language keeps the query string of the page."""
    html = _html(client.get("/units/?page=2"))

    assert 'href="/en/units/?page=2"' in html


def test_language_switch_on_home_page(client, db):
    """On the home page the switch links / and /en/ to each other."""
    assert 'href="/en/" hreflang="en"' in _html(client.get("/"))
    assert 'href="/" hreflang="zh-Hans"' in _html(client.get("/en/"))


def test_directory_lists_active_units_with_phone_and_address(
    client, full_unit, unit_b, provider, inactive_unit
):
    """The directory shows each active unit's name, phone and address, and hides inactive ones."""
    response = client.get("/units/")

    assert response.status_code == 200
    html = _html(response)
    for unit in (full_unit, unit_b, provider):
        assert unit.name_zh in html
        assert unit.phone in html
    assert full_unit.address in html
    assert provider.address in html
    assert inactive_unit.name_zh not in html


def test_directory_shows_the_supervising_unit_of_a_provider(client, unit_a, provider):
    """A public service provider in the directory names and links its supervising unit."""
    html = _html(client.get("/en/units/"))

    card = html[html.index("Eco-City School No. 1") :]
    assert "Supervising unit" in card
    assert '<a href="/en/units/JJJ/">JJJ Bureau</a>' in card


def test_unit_page_shows_functions_and_internal_structure(client, full_unit):
    """The unit page shows the functions and each internal division with its duties."""
    html = _html(client.get("/units/JJJ/"))

    assert "负责生态城经济发展规划。" in html
    assert "<dt>综合科</dt>" in html
    assert "负责日常事务" in html
    assert "<dt>产业科</dt>" in html
    assert "负责产业促进" in html
    assert "<dt>规划科</dt>" in html


def test_unit_page_lists_each_leader_with_their_portfolio(client, full_unit):
    """The unit page lists each leader, in order, with position and portfolio (分工)."""
    html = _html(client.get("/units/JJJ/"))

    first, second = html.index("王明"), html.index("李华")
    assert first < html.index("局长", first) < html.index("主持全面工作") < second
    assert second < html.index("副局长") < html.index("分管产业科")


def test_unit_page_lists_subordinate_units(client, full_unit, provider):
    """Subordinate units: the providers it supervises (linked), then bodies not on the platform."""
    html = _html(client.get("/units/JJJ/"))

    assert '<a href="/units/SCHOOL1/">生态城第一学校</a>' in html
    assert "<li>生态城投资促进中心</li>" in html
    assert "<li>生态城统计站</li>" in html


def test_unit_page_shows_contacts(client, full_unit):
    """The unit page gives address, postcode, office hours, phone, fax, e-mail and website."""
    html = _html(client.get("/units/JJJ/"))

    for value in (
        full_unit.address,
        "300467",
        "工作日 9:00–17:00",
        full_unit.phone,
        full_unit.fax,
        'href="mailto:jjj@example.gov.cn"',
        'href="https://jjj.example.gov.cn/"',
    ):
        assert value in html


def test_provider_page_shows_its_supervising_unit(client, unit_a, provider):
    """A public service provider's page names its supervising unit with a link."""
    html = _html(client.get("/units/SCHOOL1/"))

    section = html[html.index('id="supervising-unit"') :]
    assert '<a href="/units/JJJ/">经济局</a>' in section


def test_unit_page_in_english_shows_english_name_and_functions(client, full_unit):
    """Under /en/ the unit page shows the English name and functions, and the Chinese name."""
    html = _html(client.get("/en/units/JJJ/"))

    assert '<h1 id="unit-name">JJJ Bureau</h1>' in html
    assert "Plans the economic development of the Eco-City." in html
    assert '<p class="unit__other-name" lang="zh-Hans">经济局</p>' in html
    assert "负责生态城经济发展规划。" not in html


def test_unit_page_in_english_falls_back_to_chinese_functions(client, unit_a):
    """Without English functions, the English page shows the Chinese text marked lang="zh-Hans"."""
    unit_a.functions = "负责经济工作。"
    unit_a.save()

    html = _html(client.get("/en/units/JJJ/"))

    assert '<div class="prose" lang="zh-Hans"><p>负责经济工作。</p></div>' in html


def test_inactive_unit_page_is_not_found(client, inactive_unit):
    """An inactive unit has no public page: 404 in both languages."""
    assert client.get("/units/OLD/").status_code == 404
    assert client.get("/en/units/OLD/").status_code == 404


def test_unknown_unit_page_is_not_found(client, db):
    """A code no unit has gives 404."""
    assert client.get("/units/NOPE/").status_code == 404


def test_stylesheet_is_served(client, db):
    """The portal's one stylesheet is served from the app's static folder."""
    html = _html(client.get("/"))
    link = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert link is not None
    href = link.group(1)

    response = client.get(href)

    assert response.status_code == 200
    assert b".skip-link" in b"".join(response.streaming_content)


# --- No N+1 queries ---------------------------------------------------------------------


def _make_units(count: int, supervisor: Unit) -> None:
    kinds = [UnitKind.DEPARTMENT, UnitKind.COMMUNITY, UnitKind.PROVIDER]
    for i in range(count):
        kind = kinds[i % 3]
        unit = Unit.objects.create(
            code=f"U{i:03d}",
            name_zh=f"单位{i}",
            name_en=f"Unit {i}",
            kind=kind,
            supervising_unit=supervisor if kind == UnitKind.PROVIDER else None,
            phone="022-66668888",
            address=f"地址{i}",
        )
        Leader.objects.create(unit=unit, name=f"领导{i}", title="主任", portfolio="全面工作")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/", "/units/", "/en/", "/en/units/"])
def test_list_pages_use_the_same_number_of_queries_for_3_or_30_units(client, unit_a, url):
    """Home and directory make a constant number of queries, however many units there are."""
    # given 3 units
    _make_units(3, supervisor=unit_a)
    few = _queries(client, url)

    # when there are 30 more
    Unit.objects.filter(code__startswith="U").delete()
    _make_units(30, supervisor=unit_a)
    many = _queries(client, url)

    # then
    assert many == few
    assert many <= 2


def test_unit_page_uses_the_same_number_of_queries_for_few_or_many_leaders(
    client, unit_a, django_assert_max_num_queries
):
    """A unit page makes a constant number of queries, however many leaders and children."""
    # given
    Leader.objects.create(unit=unit_a, name="甲", title="局长", portfolio="全面")
    few = _queries(client, "/units/JJJ/")

    # when
    for i in range(30):
        Leader.objects.create(unit=unit_a, name=f"领导{i}", title="副局长", portfolio="分管")
    _make_units(30, supervisor=unit_a)

    # then
    with django_assert_max_num_queries(few):
        assert client.get("/units/JJJ/").status_code == 200


def test_not_found_page_is_a_portal_page(client, inactive_unit):
    """A missing page answers 404 with the portal's layout, in the language of the address."""
    response = client.get("/en/units/OLD/")

    assert response.status_code == 404
    html = _html(response)
    assert '<html lang="en">' in html
    assert "Page not found" in html
    assert 'href="/units/OLD/" hreflang="zh-Hans"' in html


@pytest.mark.parametrize(
    "path", ["/units/%00/", "/units/JJJ%00/", "/documents/JJJ%00/attachments/1/"]
)
def test_nul_bytes_in_addresses_are_not_found_not_errors(client, db, path):
    """PostgreSQL refuses NUL in text; the portal answers 404 before asking it (issue #4)."""
    assert client.get(path).status_code == 404


def test_unit_page_links_to_its_column_and_search(client, unit_a):
    body = client.get(f"/units/{unit_a.code}/").content.decode()
    assert f"/units/{unit_a.code}/column/" in body
    assert f"/search/?unit={unit_a.code}" in body


def test_language_links_are_what_translate_url_gives_for_every_public_address(db):
    """The switch swaps the language prefix instead of resolving and reversing each page
    (issue #4 §8); that is only right while no URL pattern is translated. For an address
    of every public pattern, both ways, it must equal Django's ``translate_url``."""
    from django.urls import translate_url
    from django.utils import translation

    from gongkai.portal.templatetags.portal import _translated_path

    samples = [
        "/",
        "/documents/",
        "/documents/111206078/2020-00012/?print=1",
        "/units/JJJ/",
        "/column/key-areas/employment/",
        "/search/?q=%E4%BD%8F%E6%88%BF&page=2",
        "/requests/",
        "/annual-reports/2025/",
        "/feeds/",
        "/catalogue/?unit=JJJ",
    ]
    resolvable = 0
    for path in samples:
        for current, other in (("zh-hans", "en"), ("en", "zh-hans")):
            shown = path if current == "zh-hans" else f"/en{path}"
            with translation.override(current):
                expected = translate_url(shown, other)
            if expected == shown:  # translate_url could not resolve it: not a sample
                continue
            resolvable += 1
            assert _translated_path(shown, other) == expected, shown
            assert _translated_path(shown, current) == shown
    assert resolvable >= 2 * 8, "most samples must be real public addresses"
