"""Reads whose SQL Django builds once, then runs many times (issue #4 §8, "Speed: Pages").

Django turns a queryset into SQL every time it is evaluated. For a small read by primary key
that compilation costs several times more than running the query: on the public document
page six such reads (the document, its joint issuers, attachments, key areas, history and
relations) spent about 3 ms of a 7.5 ms page compiling SQL.

:class:`PreparedQuery` takes a function that builds the queryset for one key. On first use
per database alias it builds it once with a stand-in key, lets Django compile it, and keeps
the SQL and the positions of the stand-in among its parameters. Every later call runs that
SQL through :meth:`Manager.raw`, which turns the rows into model instances with the same
converters as the ORM (time zones, booleans, decimals); columns that are not fields of the
model (``annotate``) become attributes. So the SQL is still Django's, written from the
models; only the compiling is done once.

Rules for the queryset a builder returns: it must use the key in its filters (exactly as
given, not transformed), must not use ``select_related`` (``raw`` fills one model, so
annotate the related columns you need instead), and everything else in it must be fixed.

A key is an ``int``, a ``str``, or (``key=tuple``) a tuple of ints for ``pk__in`` — the search
results page reads its ten documents that way; the SQL is compiled once per alias and per
length of the tuple.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.query import RawQuerySet

M = TypeVar("M", bound=models.Model)

# Stand-in keys: no id is negative, and no index number holds a NUL character.
INT_STAND_IN = -7_316_529_401
STR_STAND_IN = "\x00gongkai-prepared-key\x00"


Compiled = tuple[type[M], str, tuple[Any, ...], tuple[tuple[int, int], ...]]


class PreparedQuery(Generic[M]):
    """``build(key)``'s SQL, compiled once per database alias; ``query(key)`` runs it."""

    def __init__(self, build: Callable[[Any], models.QuerySet[M]], *, key: type = int) -> None:
        if key not in (int, str, tuple):
            raise TypeError("PreparedQuery keys are int, str or a tuple of ints")
        self._build = build
        self._key = key
        self._compiled: dict[tuple[str, int], Compiled[M]] = {}
        self._lock = threading.Lock()

    def _stand_ins(self, size: int) -> tuple[Any, ...]:
        if self._key is str:
            return (STR_STAND_IN,)
        if self._key is int:
            return (INT_STAND_IN,)
        return tuple(INT_STAND_IN - i for i in range(size))

    def _compile(self, using: str, size: int) -> Compiled[M]:
        stand_ins = self._stand_ins(size)
        queryset = self._build(stand_ins if self._key is tuple else stand_ins[0])
        if queryset.query.select_related:
            raise ValueError("a prepared query cannot select_related: annotate the columns")
        sql, params = queryset.query.get_compiler(using=using).as_sql()
        # (position among the parameters, position in the key)
        position = {value: i for i, value in enumerate(stand_ins)}
        slots = tuple(
            (i, position[value])
            for i, value in enumerate(params)
            if type(value) is type(stand_ins[0]) and value in position
        )
        if {k for _slot, k in slots} != set(range(len(stand_ins))):
            raise ValueError("a prepared query must filter on its key")
        return queryset.model, sql, tuple(params), slots

    def sql(self, using: str = DEFAULT_DB_ALIAS, size: int = 1) -> str:
        """The compiled SQL (with ``%s`` placeholders), for tests and for EXPLAIN."""
        return self._get(using, size)[1]

    def _get(self, using: str, size: int) -> Compiled[M]:
        compiled = self._compiled.get((using, size))
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get((using, size))
                if compiled is None:
                    compiled = self._compile(using, size)
                    self._compiled[(using, size)] = compiled
        return compiled

    def __call__(self, key: Any, using: str = DEFAULT_DB_ALIAS) -> RawQuerySet[M]:
        if self._key is tuple:
            # type() is, not isinstance: a bool is no id
            if type(key) is not tuple or not key or not all(type(k) is int for k in key):
                raise TypeError(f"key must be a non-empty tuple of ints, not {key!r}")
            keys: tuple[Any, ...] = key
        elif type(key) is not self._key:
            raise TypeError(f"key must be {self._key.__name__}, not {key!r}")
        else:
            keys = (key,)
        model, sql, params, slots = self._get(using, len(keys))
        values = list(params)
        for slot, k in slots:
            values[slot] = keys[k]
        return model._default_manager.db_manager(using).raw(sql, values)

    def forget(self) -> None:
        """Compile again on next use (after a migration changed the tables, in tests)."""
        with self._lock:
            self._compiled.clear()
