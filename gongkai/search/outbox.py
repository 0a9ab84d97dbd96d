"""Recording that documents changed, for the search index (issue #4 §3).

Every service that changes what the public can find calls :func:`documents_changed` inside
its transaction. The rows become visible to the indexer only when the transaction commits,
and vanish with it on rollback: the index follows the database, never the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable

from gongkai.core.pagecache import content_changed
from gongkai.search.models import IndexChange


def documents_changed(document_ids: Iterable[int]) -> None:
    """Queue the documents for re-indexing (and bump the public page cache on commit)."""
    ids = sorted({int(pk) for pk in document_ids})
    if not ids:
        return
    IndexChange.objects.bulk_create([IndexChange(document_id=pk) for pk in ids], batch_size=1000)
    content_changed()  # public pages showing these documents (once per transaction)
