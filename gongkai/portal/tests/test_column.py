"""The government-information column (issue #4 §1; R-5.1, R-5.3; Regulation Art. 12, 20, 49).

The platform's column at /column/… and each unit's own at /units/<code>/column/…: guide,
rules, the fifteen Art. 20 categories, key areas, the policy-document library, annual reports.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongkai.accounts.models import Role
from gongkai.library import services
from gongkai.library.choices import (
    Art20Category,
    DocumentKind,
    KeyArea,
    RelationKind,
    Topic,
    Validity,
)
from gongkai.library.tests.factories import draft, published
from gongkai.units.models import Unit, UnitKind


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _main(html: str) -> str:
    """The page's <main>, so that the header and footer do not count."""
    return html[html.index("<main") : html.index("</main>")]


def _item(html: str, title: str) -> str:
    """The list item of the document called ``title``."""
    items = html.split('<li class="document-item">')[1:]
    found = [item for item in items if f">{title}</a></h" in item]
    assert len(found) == 1, title
    return found[0]


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def editor_b(make_user, unit_b):
    return make_user("editor-b", unit_b, Role.EDITOR)


@pytest.fixture
def reviewer_b(make_user, unit_b):
    return make_user("reviewer-b", unit_b, Role.REVIEWER)


@pytest.fixture
def full_office(office) -> Unit:
    """The Office with its agency information filled in."""
    office.address = "中新天津生态城和旭路276号"
    office.postcode = "300467"
    office.office_hours = "工作日 9:00–17:00"
    office.phone = "022-66660000"
    office.fax = "022-66660001"
    office.email = "gongkai@example.gov.cn"
    office.save()
    return office


@pytest.fixture
def library(unit_a, unit_b, editor_a, reviewer_a, editor_b, reviewer_b):
    """Documents of units A and B in several categories, key areas, kinds and states."""
    docs = {
        "a_employment": published(
            unit_a,
            editor_a,
            reviewer_a,
            title="甲局就业补贴办法",
            title_en="Employment subsidy measures of bureau A",
            kind=DocumentKind.NORMATIVE,
            category=Art20Category.C11,
            topic=Topic.LABOUR,
            signed_date=datetime.date(2021, 3, 1),
            valid_until=datetime.date(2026, 2, 28),
            key_areas=[KeyArea.EMPLOYMENT],
        ),
        "a_budget": published(
            unit_a,
            editor_a,
            reviewer_a,
            title="甲局2023年部门预算",
            kind=DocumentKind.BUDGET,
            category=Art20Category.C07,
            topic=Topic.FINANCE,
            signed_date=datetime.date(2023, 1, 20),
        ),
        "a_draft": draft(
            unit_a,
            editor_a,
            title="甲局尚未发布的就业草稿",
            category=Art20Category.C11,
            key_areas=[KeyArea.EMPLOYMENT],
        ),
        "b_employment": published(
            unit_b,
            editor_b,
            reviewer_b,
            title="乙局就业见习通知",
            kind=DocumentKind.NOTICE,
            category=Art20Category.C11,
            signed_date=datetime.date(2022, 5, 5),
            key_areas=[KeyArea.EMPLOYMENT],
        ),
        "b_land": published(
            unit_b,
            editor_b,
            reviewer_b,
            title="乙局征地补偿方案公告",
            kind=DocumentKind.NOTICE,
            category=Art20Category.C10,
            key_areas=[KeyArea.LAND_ACQUISITION],
        ),
    }
    return docs


# --- Every page renders, in Chinese and in English ----------------------------------------

PAGES = [
    "/column/",
    "/column/guide/",
    "/column/rules/",
    "/column/categories/11/",
    "/column/key-areas/employment/",
    "/column/policies/",
    "/column/annual-reports/",
    "/units/JJJ/column/",
    "/units/JJJ/column/guide/",
    "/units/JJJ/column/rules/",
    "/units/JJJ/column/categories/02/",
    "/units/JJJ/column/key-areas/housing_expropriation/",
    "/units/JJJ/column/policies/",
    "/units/JJJ/column/annual-reports/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_column_page_renders_in_chinese_and_english(client, library, full_office, path):
    """Each page of the column answers in Chinese at /… and in English at /en/…, with one
    h1, the column's navigation, and no untranslated English in the Chinese page's frame."""
    zh = _html(client.get(path))
    en = _html(client.get(f"/en{path}"))

    assert '<html lang="zh-Hans">' in zh
    assert '<html lang="en">' in en
    for html in (zh, en):
        assert _main(html).count("<h1") == 1
        assert 'class="column-nav"' in html
        assert 'aria-current="page"' in html
    assert "专栏首页" in zh
    assert "Overview" in en
    assert "Statutory content" not in zh
    assert "法定主动公开内容" in zh


def test_column_urls_have_stable_names(db):
    """The column's pages are named in the portal namespace; the annual-report address is
    the stable /column/annual-reports/ that issue #6 fills."""
    assert reverse("portal:column") == "/column/"
    assert reverse("portal:column_guide") == "/column/guide/"
    assert reverse("portal:column_category", kwargs={"category": "01"}) == "/column/categories/01/"
    assert reverse("portal:column_key_area", kwargs={"area": "medical"}) == (
        "/column/key-areas/medical/"
    )
    assert reverse("portal:column_policies") == "/column/policies/"
    assert reverse("portal:column_annual_reports") == "/column/annual-reports/"
    assert reverse("portal:unit_column", kwargs={"code": "JJJ"}) == "/units/JJJ/column/"
    assert reverse("portal:unit_column_guide", kwargs={"code": "JJJ"}) == (
        "/units/JJJ/column/guide/"
    )


def test_home_page_leads_to_the_column(client, db):
    """The home page links the column (R-5.1), in both languages."""
    assert 'href="/column/"' in _main(_html(client.get("/")))
    assert 'href="/en/column/"' in _main(_html(client.get("/en/")))


# --- The overview ------------------------------------------------------------------------


def test_overview_lists_the_fifteen_categories_and_six_key_areas_with_counts(client, library):
    """The overview links all fifteen Art. 20 categories and the six key areas, each with the
    number of published documents in it; drafts do not count."""
    html = _main(_html(client.get("/en/column/")))

    for code in Art20Category.values:
        assert f'href="/en/column/categories/{code}/"' in html
    for area in KeyArea.values:
        assert f'href="/en/column/key-areas/{area}/"' in html
    statutory = html[html.index('id="statutory"') : html.index('id="key-areas"')]
    assert re.search(
        r'categories/11/">\(11\) poverty relief[^<]*</a>\s*<span[^>]*>2 documents', statutory
    )
    assert re.search(r'categories/07/">\(7\) budgets[^<]*</a>\s*<span[^>]*>1 document<', statutory)
    assert re.search(r'categories/14/">[^<]*</a>\s*<span[^>]*>0 documents', statutory)
    areas = html[html.index('id="key-areas"') :]
    assert re.search(r'key-areas/employment/">Employment</a>\s*<span[^>]*>2 documents', areas)


def test_platform_overview_links_each_units_column(client, unit_a, unit_b):
    """The platform's column links the column of every active unit; inactive units are absent."""
    Unit.objects.create(
        code="OLD", name_zh="已撤销局", name_en="Old", kind=UnitKind.DEPARTMENT, is_active=False
    )

    html = _main(_html(client.get("/column/")))

    assert '<a href="/units/JJJ/column/">经济局</a>' in html
    assert '<a href="/units/CZJ/column/">财政局</a>' in html
    assert "已撤销局" not in html


def test_unit_overview_counts_only_that_units_documents(client, library):
    """A unit's column counts its own published documents only."""
    html = _main(_html(client.get("/en/units/JJJ/column/")))

    assert re.search(r'/units/JJJ/column/categories/11/">[^<]*</a>\s*<span[^>]*>1 document<', html)
    assert re.search(
        r'/units/JJJ/column/key-areas/employment/">Employment</a>\s*<span[^>]*>1 document<', html
    )
    assert re.search(
        r'/units/JJJ/column/key-areas/land_acquisition/">[^<]*</a>\s*<span[^>]*>0 documents', html
    )
    assert 'href="/en/units/JJJ/"' in html  # its agency information
    assert 'href="/en/catalogue/?unit=JJJ"' in html


# --- Statutory content and key areas ------------------------------------------------------


def test_category_page_lists_its_published_documents_only(client, library):
    """Category (11) lists the published documents of that category, not drafts, not others."""
    html = _main(_html(client.get("/column/categories/11/")))

    assert "甲局就业补贴办法" in html
    assert "乙局就业见习通知" in html
    assert "甲局尚未发布的就业草稿" not in html
    assert "甲局2023年部门预算" not in html
    assert f'href="{library["a_employment"].get_absolute_url()}"' in html


def test_units_category_page_leaves_out_other_units_and_drafts(client, library):
    """A unit's category page shows that unit's documents: not its drafts, not other units'."""
    html = _main(_html(client.get("/units/JJJ/column/categories/11/")))

    assert "甲局就业补贴办法" in html
    assert "乙局就业见习通知" not in html
    assert "甲局尚未发布的就业草稿" not in html
    assert 'class="filters"' not in html  # the unit is fixed: no "issued by" filter


def test_units_column_includes_documents_it_issued_jointly(
    client, library, unit_a, unit_b, editor_b, reviewer_b
):
    """A document that unit B issued jointly with unit A is on unit A's column too."""
    joint = services.document_create(
        unit=unit_b,
        by=editor_b,
        data={
            "title": "乙局与甲局联合发布的就业通知",
            "kind": DocumentKind.NOTICE,
            "category": "11",
            "signed_date": datetime.date(2022, 1, 4),
            "attribute": "proactive",
        },
        co_issuers=[unit_a],
    )
    services.document_submit(document=joint, by=editor_b)
    services.document_confidentiality_review(document=joint, by=reviewer_b, passed=True)
    services.document_publish(document=joint, by=reviewer_b)

    html = _main(_html(client.get("/units/JJJ/column/categories/11/")))

    assert "乙局与甲局联合发布的就业通知" in html
    assert html.count('class="document-item"') == 2


def test_withdrawn_documents_leave_the_column(client, library, reviewer_a):
    """A withdrawn document keeps its page but is not listed in the column."""
    services.document_withdraw(document=library["a_employment"], by=reviewer_a, reason="重复")

    assert "甲局就业补贴办法" not in _html(client.get("/column/categories/11/"))
    assert "甲局就业补贴办法" not in _html(client.get("/column/key-areas/employment/"))
    assert client.get(library["a_employment"].get_absolute_url()).status_code == 200


def test_category_page_filters_by_unit_on_the_platform(client, library):
    """On the platform's category page the "issued by" filter narrows to one unit; an unknown
    code is reported in the form and the list is not narrowed."""
    by_b = _main(_html(client.get("/column/categories/11/?unit=CZJ")))
    assert "乙局就业见习通知" in by_b
    assert "甲局就业补贴办法" not in by_b

    junk = _main(_html(client.get("/en/column/categories/11/?unit=NOPE")))
    assert "There is no unit with this code." in junk
    assert "Employment subsidy measures of bureau A" in junk  # its English title
    assert "乙局就业见习通知" in junk


def test_category_02_points_to_the_agency_information(client, unit_a):
    """Category (2) — functions, structure, contacts, leaders — links the unit directory on
    the platform and the unit's own page on its column."""
    assert 'href="/units/"' in _main(_html(client.get("/column/categories/02/")))
    assert 'href="/units/JJJ/"' in _main(_html(client.get("/units/JJJ/column/categories/02/")))


def test_key_area_page_lists_documents_tagged_with_it(client, library):
    """A key-area page lists the published documents tagged with that area only."""
    html = _main(_html(client.get("/column/key-areas/land_acquisition/")))
    assert "乙局征地补偿方案公告" in html
    assert "甲局就业补贴办法" not in html

    employment = _main(_html(client.get("/units/CZJ/column/key-areas/employment/")))
    assert "乙局就业见习通知" in employment
    assert "甲局就业补贴办法" not in employment
    assert "甲局尚未发布的就业草稿" not in employment


def test_empty_category_and_key_area_say_so(client, unit_a):
    """With nothing published, the pages say so instead of showing an empty list."""
    assert "No documents have been published in this category yet." in _html(
        client.get("/en/column/categories/09/")
    )
    assert "该重点领域暂无已发布的信息。" in _html(client.get("/column/key-areas/medical/"))


# --- Bad input: 404 or a normal page, never a 500 -----------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/units/NOPE/column/",
        "/units/NOPE/column/guide/",
        "/units/NOPE/column/policies/",
        "/units/NOPE/column/annual-reports/",
        "/units/OLD/column/",
        "/units/%00/column/",
        "/units/JJJ%00/column/guide/",
        "/units/jjj/column/",
        "/column/categories/1%00/",
        "/column/key-areas/%00/",
        "/column/categories/16/",
        "/column/categories/00/",
        "/column/categories/abc/",
        "/units/JJJ/column/categories/99/",
        "/column/key-areas/nowhere/",
        "/en/units/JJJ/column/key-areas/EMPLOYMENT/",
    ],
)
def test_unknown_unit_category_or_key_area_is_not_found(client, unit_a, path):
    """An unknown or inactive unit, category or key area answers with the portal's 404."""
    Unit.objects.create(
        code="OLD", name_zh="已撤销局", name_en="Old", kind=UnitKind.DEPARTMENT, is_active=False
    )

    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "?page=999",
        "?page=-1",
        "?page=abc",
        "?page=1e9",
        "?unit=%00",
        "?unit=" + "X" * 500,
        "?kind=nonsense&topic=%3Cscript%3E&year=abcd&validity=maybe",
        "?year=99999&kind=rule",
        "?year=-5",
        "?unit=JJJ&unit=CZJ&page=2",
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/column/policies/",
        "/column/categories/11/",
        "/column/key-areas/employment/",
        "/column/rules/",
        "/column/annual-reports/",
        "/units/JJJ/column/policies/",
        "/units/JJJ/column/categories/11/",
    ],
)
def test_junk_filters_and_pages_give_a_normal_page(client, library, path, query):
    """Junk in the query string never breaks a page: it answers 200 and lists documents."""
    response = client.get(path + query)

    assert response.status_code == 200
    assert "<script>" not in _main(response.content.decode())


def test_out_of_range_page_shows_the_last_page(client, unit_a, editor_a, reviewer_a):
    """A page number beyond the end shows the last page."""
    for i in range(21):
        published(unit_a, editor_a, reviewer_a, title=f"第{i:02d}号通知", kind=DocumentKind.NOTICE)

    html = _main(_html(client.get("/en/column/categories/11/?page=99")))

    assert html.count('class="document-item"') == 1
    assert '<li aria-current="page">Page 2 of 2</li>' in html


# --- The disclosure guide -----------------------------------------------------------------


def test_units_guide_gives_that_units_contacts(client, library, full_office, unit_a):
    """A unit's guide gives that unit's own address, phone, fax, postcode, hours and e-mail."""
    unit_a.address = "中新天津生态城经济路1号"
    unit_a.postcode = "300468"
    unit_a.office_hours = "周一至周五 8:30–17:30"
    unit_a.fax = "022-66668889"
    unit_a.save()

    html = _main(_html(client.get("/units/JJJ/column/guide/")))

    for value in [
        "经济局",
        "中新天津生态城经济路1号",
        "300468",
        "周一至周五 8:30–17:30",
        "022-66668888",
        "022-66668889",
        "jjj@example.gov.cn",
    ]:
        assert value in html, value
    assert "022-66669999" not in html  # unit B's phone
    assert "022-66660000" not in html  # the Office's phone
    assert "经济局政府信息公开指南" in html
    # The classification is generated from the unit's documents: one in category (11).
    row = re.search(
        r'categories/11/">[^<]+</a></th><td class="column-table__number">(\d+)</td>', html
    )
    assert row is not None
    assert row.group(1) == "1"
    assert "JJJ/11-" in html  # the index-number example uses the unit's code


def test_platform_guide_gives_the_offices_contacts_and_every_units(client, library, full_office):
    """The platform's guide names the Office as the contact and lists every unit's contacts."""
    html = _main(_html(client.get("/en/column/guide/")))

    assert "gongkai@example.gov.cn" in html
    assert "022-66660001" in html
    assert "300467" in html
    table = html[html.index('id="unit-contacts"') :]
    assert '<a href="/en/units/JJJ/column/guide/">JJJ Bureau</a>' in table
    assert "022-66669999" in table
    assert "<caption" in table
    assert 'scope="col"' in table
    assert 'tabindex="0"' in table


def test_guide_lists_only_the_channels_a_unit_has(client, unit_b):
    """Without an address, fax or e-mail the guide says so rather than inventing channels."""
    html = _main(_html(client.get("/en/units/CZJ/column/guide/")))

    assert "By fax" not in html
    assert "By post" not in html
    assert "No address, fax or e-mail for applications has been published yet" in html
    assert "022-66669999" in html


def test_guide_uses_the_configured_time_limit(client, unit_a, settings):
    """The publication time limit in the guide comes from the platform's settings (Art. 26)."""
    settings.GONGKAI_LIBRARY = {**settings.GONGKAI_LIBRARY, "PUBLISH_WITHIN_WORKING_DAYS": 15}

    html = _main(_html(client.get("/en/units/JJJ/column/guide/")))

    assert "published within 15 working days" in html


# --- Disclosure rules ----------------------------------------------------------------------


def test_rules_page_lists_national_rules_and_the_rules_documents(
    client,
    library,
    full_office,
    unit_a,
    unit_b,
    editor_a,
    reviewer_a,
    editor_b,
    reviewer_b,
    make_user,
):
    """The rules page names the Regulation and lists the units' documents on openness work;
    a unit's rules page shows its own and the Office's, not another unit's."""
    office_editor = make_user("wb-editor", full_office, Role.EDITOR)
    office_reviewer = make_user("wb-reviewer", full_office, Role.REVIEWER)
    office_rule = published(
        full_office,
        office_editor,
        office_reviewer,
        title="生态城政务公开工作制度",
        kind=DocumentKind.NORMATIVE,
        category=Art20Category.C01,
        valid_until=datetime.date(2025, 3, 1),
    )
    a_rule = published(
        unit_a, editor_a, reviewer_a, title="经济局政府信息公开工作规程", kind=DocumentKind.POLICY
    )
    published(
        unit_b, editor_b, reviewer_b, title="财政局信息公开保密审查办法", kind=DocumentKind.POLICY
    )
    published(
        unit_a,
        editor_a,
        reviewer_a,
        title="经济局2023年政府信息公开工作年度报告",
        kind=DocumentKind.OTHER,
    )
    draft(unit_a, editor_a, title="经济局政务公开草稿制度")

    platform = _main(_html(client.get("/column/rules/")))
    assert "中华人民共和国政府信息公开条例" in platform
    assert office_rule.title in platform
    assert a_rule.title in platform
    assert "财政局信息公开保密审查办法" in platform
    assert "2023年政府信息公开工作年度报告" not in platform  # reports have their own page
    assert "草稿制度" not in platform

    own = _main(_html(client.get("/units/JJJ/column/rules/")))
    assert office_rule.title in own
    assert a_rule.title in own
    assert "财政局信息公开保密审查办法" not in own


def test_rules_page_says_when_no_rules_documents_exist(client, unit_a):
    html = _main(_html(client.get("/en/column/rules/")))

    assert "Disclosure of Government Information (State Council Decree No. 711" in html
    assert "No rules on disclosure work have been published yet." in html


# --- Policy-document library --------------------------------------------------------------


@pytest.fixture
def policies(library, unit_a, unit_b, editor_a, reviewer_a, editor_b, reviewer_b):
    """Policy documents of A and B: one repealed, one with an interpretation."""
    old = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="甲局旧扶持政策",
        kind=DocumentKind.POLICY,
        topic=Topic.COMMERCE,
        signed_date=datetime.date(2019, 4, 1),
    )
    services.document_set_validity(
        document=old, by=reviewer_a, validity=Validity.REPEALED, note="废止"
    )
    rule = published(
        unit_b,
        editor_b,
        reviewer_b,
        title="乙局财政资金管理规定",
        kind=DocumentKind.RULE,
        topic=Topic.FINANCE,
        signed_date=datetime.date(2022, 8, 8),
    )
    reading = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="《甲局就业补贴办法》政策解读",
        kind=DocumentKind.INTERPRETATION,
        signed_date=datetime.date(2021, 3, 5),
    )
    services.relation_add(
        source=reading, target=library["a_employment"], kind=RelationKind.INTERPRETS, by=editor_a
    )
    hidden_reading = draft(
        unit_a, editor_a, title="尚未发布的解读", kind=DocumentKind.INTERPRETATION
    )
    services.relation_add(
        source=hidden_reading,
        target=library["a_employment"],
        kind=RelationKind.INTERPRETS,
        by=editor_a,
    )
    return {"old": old, "rule": rule, "reading": reading}


def test_policy_library_shows_policy_documents_in_force_by_default(client, library, policies):
    """By default the library lists rules, normative and policy documents in force; notices,
    budgets, drafts and repealed documents are not listed."""
    html = _main(_html(client.get("/column/policies/")))

    assert "甲局就业补贴办法" in html
    assert "乙局财政资金管理规定" in html
    assert "甲局旧扶持政策" not in html  # repealed
    assert "乙局就业见习通知" not in html  # a notice
    assert "甲局2023年部门预算" not in html
    assert re.search(r'<option value="in_force" selected>', html)


def test_policy_library_shows_each_documents_interpretation(client, policies, library):
    """Each policy document carries a link to its published interpretation (R-5.3)."""
    html = _main(_html(client.get("/column/policies/")))

    item = _item(html, "甲局就业补贴办法")
    assert (
        f'<a href="{policies["reading"].get_absolute_url()}">《甲局就业补贴办法》政策解读</a>'
        in item
    )
    assert "尚未发布的解读" not in html


def test_policy_library_filters(client, policies, library):
    """The library filters by unit, kind, topic and year, and can show repealed documents."""
    every = _main(_html(client.get("/column/policies/?validity=all")))
    assert "甲局旧扶持政策" in every

    by_unit = _main(_html(client.get("/column/policies/?unit=CZJ")))
    assert "乙局财政资金管理规定" in by_unit
    assert "甲局就业补贴办法" not in by_unit

    by_topic = _main(_html(client.get("/column/policies/?topic=labour")))
    assert "甲局就业补贴办法" in by_topic
    assert "乙局财政资金管理规定" not in by_topic

    by_year = _main(_html(client.get("/column/policies/?year=2022")))
    assert "乙局财政资金管理规定" in by_year
    assert "甲局就业补贴办法" not in by_year
    assert '<option value="2019">2019</option>' in by_year  # the years that exist

    readings = _main(_html(client.get("/column/policies/?kind=interpretation")))
    assert "《甲局就业补贴办法》政策解读" in readings
    item = _item(readings, "《甲局就业补贴办法》政策解读")
    assert f'<a href="{library["a_employment"].get_absolute_url()}">甲局就业补贴办法</a>' in item

    own = _main(_html(client.get("/units/CZJ/column/policies/")))
    assert "乙局财政资金管理规定" in own
    assert "甲局就业补贴办法" not in own
    assert 'name="unit"' not in own


def test_policy_library_reports_junk_filters_and_keeps_the_default(client, policies):
    """Invalid filter values are reported next to the field; "in force only" still holds."""
    html = _main(_html(client.get("/en/column/policies/?kind=x&topic=y&year=1800&validity=z")))

    assert "There is no such kind of document." in html
    assert "There is no such topic." in html
    assert "There are no documents from that year." in html
    assert "Choose “in force only” or “all”." in html
    assert "乙局财政资金管理规定" in html
    assert "甲局旧扶持政策" not in html


def test_policy_library_in_english_marks_chinese_titles(client, library, policies):
    """In English, the English title is used where there is one; Chinese-only titles carry
    lang="zh-Hans" (WCAG 3.1.2)."""
    english = library["a_employment"].get_absolute_url()
    chinese = policies["rule"].get_absolute_url()

    html = _main(_html(client.get("/en/column/policies/")))

    assert f'<a href="/en{english}">Employment subsidy measures of bureau A</a>' in html
    assert f'<a href="/en{chinese}" lang="zh-Hans">乙局财政资金管理规定</a>' in html


# --- Annual reports ------------------------------------------------------------------------


def test_annual_reports_page_says_none_are_published_yet(client, library):
    """Until a report is published, the page says so (issue #6 will generate reports)."""
    html = _main(_html(client.get("/en/column/annual-reports/")))
    assert "No annual report has been published yet." in html
    assert "尚未发布年度报告。" in _html(client.get("/units/JJJ/column/annual-reports/"))


def test_annual_reports_page_lists_published_reports(client, unit_a, editor_a, reviewer_a, unit_b):
    """Published annual reports on disclosure work are listed, per unit on its column."""
    report = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="经济局2023年政府信息公开工作年度报告",
        kind=DocumentKind.OTHER,
        category=Art20Category.C15,
        signed_date=datetime.date(2024, 1, 25),
    )
    draft(unit_a, editor_a, title="经济局2024年政府信息公开工作年度报告")

    html = _main(_html(client.get("/column/annual-reports/")))
    assert f'<a href="{report.get_absolute_url()}">经济局2023年政府信息公开工作年度报告</a>' in html
    assert "2024年政府信息公开工作年度报告" not in html
    assert report.title in _html(client.get("/units/JJJ/column/annual-reports/"))
    assert report.title not in _html(client.get("/units/CZJ/column/annual-reports/"))


# --- Bounded queries ------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _many(count: int, unit, editor, reviewer, co_issuer, target) -> None:
    """``count`` published policy documents in (11)/employment, each jointly issued and each
    with a published interpretation."""
    for i in range(count):
        document = services.document_create(
            unit=unit,
            by=editor,
            data={
                "title": f"批量政策{i}政务公开",
                "kind": DocumentKind.POLICY,
                "category": "11",
                "topic": "labour",
                "signed_date": datetime.date(2021, 1, 4),
                "attribute": "proactive",
            },
            co_issuers=[co_issuer],
            key_areas=["employment"],
        )
        services.document_submit(document=document, by=editor)
        services.document_confidentiality_review(document=document, by=reviewer, passed=True)
        services.document_publish(document=document, by=reviewer)
        reading = published(
            unit, editor, reviewer, title=f"批量解读{i}", kind=DocumentKind.INTERPRETATION
        )
        services.relation_add(
            source=reading, target=document, kind=RelationKind.INTERPRETS, by=editor
        )
        services.relation_add(
            source=reading, target=target, kind=RelationKind.INTERPRETS, by=editor
        )


@pytest.mark.parametrize(
    "url",
    [
        "/column/",
        "/column/guide/",
        "/column/rules/",
        "/column/categories/11/?unit=JJJ",
        "/en/column/key-areas/employment/",
        "/column/policies/?validity=all",
        "/en/column/policies/?kind=interpretation&year=2021",
        "/column/annual-reports/",
        "/units/JJJ/column/",
        "/units/JJJ/column/guide/",
        "/en/units/JJJ/column/rules/",
        "/units/CZJ/column/categories/11/",
        "/units/JJJ/column/key-areas/employment/",
        "/en/units/JJJ/column/policies/",
    ],
)
def test_column_pages_make_the_same_queries_for_3_or_25_documents(
    client,
    library,
    full_office,
    unit_a,
    unit_b,
    editor_a,
    reviewer_a,
    url,
    django_assert_max_num_queries,
):
    """Each column page makes as many queries for a full page of documents as for a few
    (no N+1 over documents, joint issuers, interpretations or units)."""
    _many(3, unit_a, editor_a, reviewer_a, unit_b, library["a_employment"])
    few = _queries(client, url)

    _many(22, unit_a, editor_a, reviewer_a, unit_b, library["a_employment"])
    many = _queries(client, url)

    assert many == few
    with django_assert_max_num_queries(8):
        client.get(url)
