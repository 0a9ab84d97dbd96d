"""The Office sees the searches that found nothing; units do not (issue #4 §3)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from gongkai.search.models import SearchMiss

pytestmark = pytest.mark.django_db


def test_office_sees_the_miss_log_and_index_state(client, office_admin):
    SearchMiss.objects.create(query="公基金", day=datetime.date(2026, 11, 1), count=4)
    client.force_login(office_admin)
    response = client.get(reverse("admin:search_searchmiss_changelist"))
    assert response.status_code == 200
    assert "公基金" in response.content.decode()
    response = client.get(reverse("admin:search_indexchange_changelist"))
    assert response.status_code == 200
    assert "No search index" in response.content.decode() or "尚无全文检索索引" in (
        response.content.decode()
    )


def test_unit_staff_cannot_see_the_miss_log(client, editor_a):
    client.force_login(editor_a)
    response = client.get(reverse("admin:search_searchmiss_changelist"))
    assert response.status_code == 403
