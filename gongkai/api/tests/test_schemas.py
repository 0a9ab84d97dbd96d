"""Shared building blocks of the API."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.pagination import paginate
from ninja.testing import TestClient

from gongkai.api.schemas import MAX_OFFSET, BoundedLimitOffsetPagination

numbers = NinjaAPI(urls_namespace="test-bounded-pagination")


@numbers.get("/numbers", response=list[int])
@paginate(BoundedLimitOffsetPagination, max_limit=100)
def number_list(request: Any) -> Any:
    return list(range(10))


def test_bounded_pagination_pages_like_ninjas():
    """limit and offset page through a list; count is the total."""
    body = TestClient(numbers).get("/numbers?limit=3&offset=8").json()

    assert body == {"items": [8, 9], "count": 10}


def test_bounded_pagination_refuses_offsets_past_the_database_range():
    """An offset no database can take is a 422, not a server error (found by fuzzing the
    units list, which still uses Ninja's unbounded paginator)."""
    client = TestClient(numbers)

    assert client.get(f"/numbers?offset={MAX_OFFSET}").status_code == 200
    assert client.get(f"/numbers?offset={MAX_OFFSET + 1}").status_code == 422
