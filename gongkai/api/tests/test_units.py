"""The units API: public reads of agency information, staff writes through unit_update."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string

from gongkai.core.models import AuditEntry
from gongkai.units.models import Leader, Unit, UnitKind


@pytest.fixture
def provider(unit_a) -> Unit:
    return Unit.objects.create(
        code="SCHOOL1",
        name_zh="生态城第一学校",
        name_en="Eco-City School No. 1",
        kind=UnitKind.PROVIDER,
        supervising_unit=unit_a,
    )


@pytest.fixture
def described_unit(unit_a) -> Unit:
    unit_a.functions = "负责经济发展。"
    unit_a.functions_en = "Economic development."
    unit_a.internal_structure = "综合科：负责日常事务\n规划科"
    unit_a.subordinate_units = "投资促进中心"
    unit_a.address = "和旭路276号"
    unit_a.save()
    Leader.objects.create(
        unit=unit_a, name="李华", title="副局长", portfolio="分管规划", sort_order=2
    )
    Leader.objects.create(
        unit=unit_a, name="王明", title="局长", portfolio="主持全面工作", sort_order=1
    )
    return unit_a


def _patch(client: Client, code: str, body: dict, **extra):
    return client.patch(
        f"/api/v1/units/{code}", data=json.dumps(body), content_type="application/json", **extra
    )


# --- Public reads -----------------------------------------------------------------------


def test_unit_list_is_public_and_shows_active_units(client, unit_a, unit_b, provider):
    """GET /api/v1/units lists active units with stable field names, paginated."""
    # given
    Unit.objects.create(
        code="OLD", name_zh="旧局", name_en="Old", kind="department", is_active=False
    )

    # when
    response = client.get("/api/v1/units")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    codes = [item["code"] for item in body["items"]]
    assert set(codes) == {"JJJ", "CZJ", "SCHOOL1"}
    jjj = next(item for item in body["items"] if item["code"] == "JJJ")
    assert jjj == {
        "code": "JJJ",
        "kind": "department",
        "name_zh": "经济局",
        "name_en": "JJJ Bureau",
        "supervising_unit": None,
        "address": "",
        "postcode": "",
        "office_hours": "",
        "phone": "022-66668888",
        "fax": "",
        "email": "jjj@example.gov.cn",
        "website": "",
    }
    school = next(item for item in body["items"] if item["code"] == "SCHOOL1")
    assert school["supervising_unit"] == "JJJ"
    assert school["kind"] == "provider"


def test_unit_list_is_paginated_with_limit_and_offset(client, unit_a, unit_b, provider):
    """limit and offset page through the list; count is the total."""
    response = client.get("/api/v1/units?limit=2&offset=2")

    body = response.json()
    assert body["count"] == 3
    assert len(body["items"]) == 1


def test_unit_list_uses_a_constant_number_of_queries(client, unit_a):
    """The list makes as many queries for 30 units as for 3."""

    def make(count: int) -> None:
        for i in range(count):
            Unit.objects.create(
                code=f"U{i:03d}",
                name_zh=f"单位{i}",
                name_en=f"Unit {i}",
                kind=UnitKind.PROVIDER,
                supervising_unit=unit_a,
            )

    make(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/units").status_code == 200
    Unit.objects.filter(code__startswith="U").delete()
    make(30)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/units").status_code == 200

    assert len(many) == len(few)


def test_unit_detail_is_public_with_agency_information(client, described_unit, provider):
    """GET /api/v1/units/{code} gives functions, structure, leaders in order, subordinates."""
    response = client.get("/api/v1/units/JJJ")

    assert response.status_code == 200
    body = response.json()
    assert body["functions"] == "负责经济发展。"
    assert body["functions_en"] == "Economic development."
    assert body["internal_structure"] == [
        {"name": "综合科", "duties": "负责日常事务"},
        {"name": "规划科", "duties": ""},
    ]
    assert body["leaders"] == [
        {"name": "王明", "title": "局长", "portfolio": "主持全面工作"},
        {"name": "李华", "title": "副局长", "portfolio": "分管规划"},
    ]
    assert body["subordinate_units"] == [
        {"code": "SCHOOL1", "name_zh": "生态城第一学校", "name_en": "Eco-City School No. 1"},
        {"code": None, "name_zh": "投资促进中心", "name_en": ""},
    ]
    assert body["address"] == "和旭路276号"
    assert body["supervising_unit"] is None


def test_unit_detail_of_inactive_or_unknown_unit_is_404(client, db):
    """An inactive or unknown unit is not found, with a bilingual detail."""
    Unit.objects.create(
        code="OLD", name_zh="旧局", name_en="Old", kind="department", is_active=False
    )

    for code in ("OLD", "NOPE"):
        response = client.get(f"/api/v1/units/{code}")
        assert response.status_code == 404
        assert "There is no unit with this code." in response.json()["detail"]


def test_openapi_schema_and_docs_are_published(client, db):
    """The OpenAPI schema is at /api/v1/openapi.json and the docs at /api/v1/docs."""
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert set(paths["/api/v1/units"]) == {"get"}
    assert set(paths["/api/v1/units/{code}"]) == {"get", "patch"}
    assert paths["/api/v1/units/{code}"]["patch"]["operationId"] == "unit_update"

    assert client.get("/api/v1/docs").status_code == 200


# --- Staff writes -------------------------------------------------------------------------


def test_unit_admin_changes_own_unit_and_it_is_audited(client, unit_a, unit_admin_a):
    """A unit admin of A patches A: the change is saved and audited with via="api"."""
    # given
    client.force_login(unit_admin_a)

    # when
    response = _patch(
        client,
        "JJJ",
        {
            "address": "和旭路276号",
            "phone": "022 6666 1234",
            "internal_structure": [{"name": "综合科", "duties": "日常事务"}, {"name": "规划科"}],
            "subordinate_units": ["投资促进中心", "  "],
        },
    )

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["address"] == "和旭路276号"
    assert body["internal_structure"] == [
        {"name": "综合科", "duties": "日常事务"},
        {"name": "规划科", "duties": ""},
    ]
    assert body["subordinate_units"] == [{"code": None, "name_zh": "投资促进中心", "name_en": ""}]
    unit_a.refresh_from_db()
    assert unit_a.address == "和旭路276号"
    assert unit_a.phone == body["phone"]
    assert unit_a.internal_structure == "综合科：日常事务\n规划科"
    entry = AuditEntry.objects.get(object_type="units.Unit", object_id=str(unit_a.pk))
    assert entry.via == "api"
    assert entry.actor == unit_admin_a
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["address"] == ""
    assert entry.after["address"] == "和旭路276号"
    assert entry.before["phone"] == "022-66668888"


def test_office_may_change_structural_fields(client, unit_a, unit_b, office_admin):
    """The Office may change a unit's code, kind and supervising unit through the API."""
    client.force_login(office_admin)

    response = _patch(
        client, "JJJ", {"code": "JJJ2", "kind": "provider", "supervising_unit": "CZJ"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["code"] == "JJJ2"
    assert response.json()["supervising_unit"] == "CZJ"
    unit_a.refresh_from_db()
    assert unit_a.code == "JJJ2"
    assert unit_a.supervising_unit == unit_b


def test_unit_admin_of_a_cannot_change_unit_b(client, unit_a, unit_b, unit_admin_a):
    """A unit admin of A patching unit B gets 403; B is unchanged and nothing is audited."""
    client.force_login(unit_admin_a)

    response = _patch(client, "CZJ", {"address": "别处"})

    assert response.status_code == 403
    assert "You are not allowed" in response.json()["detail"]
    unit_b.refresh_from_db()
    assert unit_b.address == ""
    assert not AuditEntry.objects.exists()


def test_editor_cannot_change_agency_information(client, unit_a, editor_a):
    """An editor of A (not a unit admin) gets 403 when patching A."""
    client.force_login(editor_a)

    response = _patch(client, "JJJ", {"address": "别处"})

    assert response.status_code == 403
    unit_a.refresh_from_db()
    assert unit_a.address == ""
    assert not AuditEntry.objects.exists()


def test_unit_admin_cannot_change_office_only_fields(client, unit_a, unit_admin_a):
    """A unit admin changing the unit code gets 403 and the unit keeps its code."""
    client.force_login(unit_admin_a)

    response = _patch(client, "JJJ", {"code": "NEW", "address": "和旭路276号"})

    assert response.status_code == 403
    assert "code" in response.json()["detail"]
    unit_a.refresh_from_db()
    assert unit_a.code == "JJJ"
    assert unit_a.address == ""
    assert not AuditEntry.objects.exists()


def test_invalid_phone_is_422_and_nothing_changes(client, unit_a, unit_admin_a):
    """An invalid phone gives 422 with the field error; the other changes are not saved."""
    client.force_login(unit_admin_a)

    response = _patch(client, "JJJ", {"phone": "12", "address": "和旭路276号"})

    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert list(body["errors"]) == ["phone"]
    assert "022-66668888" in body["errors"]["phone"][0]
    unit_a.refresh_from_db()
    assert unit_a.phone == "022-66668888"
    assert unit_a.address == ""
    assert not AuditEntry.objects.exists()


def test_field_errors_are_in_chinese_and_english(client, unit_a, unit_admin_a):
    """A model validator's message comes in Chinese and English, joined by " / "."""
    client.force_login(unit_admin_a)

    response = _patch(client, "JJJ", {"email": "not-an-email"})

    assert response.status_code == 422
    message = response.json()["errors"]["email"][0]
    assert "Enter a valid email address." in message
    assert " / " in message


def test_unknown_field_is_422(client, unit_a, unit_admin_a):
    """A field the API does not know is refused with 422, not silently ignored."""
    client.force_login(unit_admin_a)

    response = _patch(client, "JJJ", {"adress": "typo"})

    assert response.status_code == 422
    assert "adress" in response.json()["errors"]


def test_badly_formed_internal_structure_is_422(client, unit_a, unit_admin_a):
    """A division name with a colon cannot be stored one per line, so it is refused."""
    client.force_login(unit_admin_a)

    response = _patch(client, "JJJ", {"internal_structure": [{"name": "综合科：甲"}]})

    assert response.status_code == 422
    assert "internal_structure" in response.json()["errors"]


def test_anonymous_patch_is_401(client, unit_a):
    """Without a staff session the write endpoint answers 401 and changes nothing."""
    response = _patch(client, "JJJ", {"address": "别处"})

    assert response.status_code == 401
    unit_a.refresh_from_db()
    assert unit_a.address == ""


def test_patch_of_unknown_unit_is_404(client, unit_admin_a):
    """Patching a code no unit has gives 404."""
    client.force_login(unit_admin_a)

    assert _patch(client, "NOPE", {"address": "别处"}).status_code == 404


def test_patch_needs_the_csrf_token(unit_a, unit_admin_a):
    """A logged-in PATCH without the CSRF token is refused; with it, it goes through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(unit_admin_a)

    assert _patch(client, "JJJ", {"address": "别处"}).status_code == 403

    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    response = _patch(client, "JJJ", {"address": "别处"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_docs_page_uses_local_files_and_sends_the_csrf_token(client, db):
    """The docs page loads Swagger from our own static files (no CDN) and carries the CSRF token."""
    # when
    html = client.get("/api/v1/docs").content.decode()

    # then
    assert "cdn." not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert 'data-api-csrf="true"' in html
