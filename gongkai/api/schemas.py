"""Building blocks shared by the API's routers."""

from __future__ import annotations

from ninja import Field
from ninja.pagination import LimitOffsetPagination

# Far beyond any list the platform has, and well inside every database's integer range.
MAX_OFFSET = 2**31 - 1


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """Ninja's limit/offset pagination with an upper bound on ``offset``.

    Ninja leaves ``offset`` unbounded, and an offset past the database's integer range
    (``?offset=59487930772063902902428035448832``, found by the schema fuzzing) fails in
    the database with a server error; here it is a 422 like any other bad parameter.
    """

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
