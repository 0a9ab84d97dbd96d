"""Planner statistics after bulk writes (issue #4 §8: public lists stay fast after an import).

PostgreSQL plans each query from its statistics of the tables. A table filled by a bulk import
keeps the statistics of the empty table until autovacuum analyses it — some time later, or
never where autovacuum is off — and meanwhile the planner believes "published documents" are
two rows: the public list then reads every published row and sorts them (≈170 ms at 100,000
documents) instead of walking its index (≈1 ms). :func:`refresh_statistics` analyses the
tables at once.

SQLite is left alone: without ``sqlite_stat1`` its planner uses fixed rules that our queries
and indexes are written for (see ``search/selectors.py``), and it never collects statistics on
its own, so its plans do not change under us.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections
from django.db.models import Model


def refresh_statistics(models: Iterable[type[Model]], using: str = "default") -> list[str]:
    """ANALYZE the tables of ``models`` on PostgreSQL; return the tables analysed."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    tables = sorted({model._meta.db_table for model in models if model._meta.managed})
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return tables
