"""The single writer of the search index (issue #4 §3).

tantivy allows one writer per index; the indexer is that writer. It runs as a thread of
``gongkai worker`` (which ``gongkai serve`` starts), polls the outbox (:class:`IndexChange`)
a few times a second and applies the changes in order, so a published document is searchable
within about a second. ``gongkai reindex`` builds a new generation from the database and
switches to it; the indexer then catches up on everything changed since the rebuild began.

If two workers run, the second finds the writer lock taken and simply waits its turn.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import tantivy
from django.db import close_old_connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from gongkai.core.pagecache import content_changed
from gongkai.search import engine
from gongkai.search.models import IndexChange

logger = logging.getLogger("gongkai.search")

BATCH = 2000
# Applied outbox rows are kept this long (a rebuild that started earlier replays them).
KEEP_APPLIED = datetime.timedelta(days=1)
# A rebuild replays changes from this long before it started (transactions still open when
# it read the database); older changes are in its snapshot and are marked applied.
REPLAY_MARGIN = datetime.timedelta(minutes=1)
WRITER_HEAP = 64_000_000

Progress = Callable[[int, int], None]


@contextlib.contextmanager
def _rebuild_lock(wait: bool) -> Iterator[bool]:
    """One rebuild at a time across processes (an flock on a file beside the generations).
    Yields False when ``wait`` is off and another process is rebuilding."""
    root = engine.search_dir()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".rebuild.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild(progress: Progress | None = None, batch_size: int = 500, wait: bool = True) -> int:
    """Build a complete new generation from the database, then serve it. Returns the number
    of documents indexed. Safe to run while the site is up and while the indexer runs; with
    ``wait`` off it returns -1 at once if another process is already rebuilding."""
    with _rebuild_lock(wait) as locked:
        if not locked:
            return -1
        return _rebuild(progress, batch_size)


def _rebuild(progress: Progress | None, batch_size: int) -> int:
    from gongkai.library.choices import PublicationState
    from gongkai.library.models import Document

    started = timezone.now()
    path = engine.new_generation()
    try:
        index = tantivy.Index(engine.SCHEMA, path=str(path))
        writer = index.writer(heap_size=WRITER_HEAP * 2, num_threads=1)
        total = Document.objects.filter(state=PublicationState.PUBLISHED).count()
        done = 0
        if progress:
            progress(0, total)
        for entry in engine.load_entries(batch_size=batch_size):
            writer.add_document(entry.to_tantivy())
            done += 1
            if progress and done % batch_size == 0:
                progress(done, total)
        writer.commit()
        writer.wait_merging_threads()
        engine.write_state(
            path,
            {
                "schema": engine.SCHEMA_VERSION,
                "built_from": (started - REPLAY_MARGIN).isoformat(),
                "caught_up": False,
            },
        )
    except BaseException:
        import shutil

        shutil.rmtree(path, ignore_errors=True)
        raise
    engine.switch_to(path)
    engine.READER.expire()
    # Changes made before the snapshot need no replay (after a bulk import, re-applying them
    # one by one would take as long as the rebuild itself).
    IndexChange.objects.filter(
        applied_at__isnull=True, created_at__lt=started - REPLAY_MARGIN
    ).update(applied_at=timezone.now())
    if progress:
        progress(done, max(total, done))
    logger.info("search index rebuilt: %s documents in %s", done, path.name)
    return done


class Indexer:
    """Applies the outbox to the served generation. One per process; not thread-safe."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.index: tantivy.Index | None = None
        self.writer: tantivy.IndexWriter | None = None

    def close(self) -> None:
        self.writer = None  # dropping the writer releases tantivy's lock
        self.index = None
        self.path = None

    def _open(self) -> bool:
        """Open (or keep) a writer on the served generation; rebuild when there is none."""
        path = engine.current_generation()
        if path is None:
            rebuild(wait=False)  # another process may be building it already
            path = engine.current_generation()
            if path is None:
                return False
        if path == self.path and self.writer is not None:
            return True
        self.close()
        try:
            index = engine.open_index(path)
        except engine.SearchUnavailable:
            logger.warning("search index %s unreadable: rebuilding", path.name)
            rebuild(wait=False)
            return False
        try:
            self.writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
        except ValueError:  # another process holds the writer lock
            logger.debug("search index writer busy")
            return False
        self.index, self.path = index, path
        state = engine._read_state(path)
        if not state.get("caught_up"):
            self._replay_since(datetime.datetime.fromisoformat(state["built_from"]))
            engine.write_state(path, {**state, "caught_up": True})
        return True

    def _replay_since(self, since: datetime.datetime) -> None:
        ids = set(
            IndexChange.objects.filter(created_at__gte=since).values_list("document_id", flat=True)
        )
        if ids:
            self._apply(sorted(ids))

    def _apply(self, document_ids: list[int]) -> None:
        assert self.writer is not None  # noqa: S101 - _open() succeeded
        entries = {e.id: e for e in engine.load_entries(document_ids)}
        for pk in document_ids:
            self.writer.delete_documents_by_term("id", pk)
            entry = entries.get(pk)
            if entry is not None:
                self.writer.add_document(entry.to_tantivy())
        self.writer.commit()
        engine.READER.expire()
        content_changed()  # cached search pages and facet counts are stale now

    def run_once(self) -> int:
        """Apply every pending change; return how many outbox rows were applied."""
        if not self._open():
            return 0
        applied = 0
        while True:
            rows = list(pending_changes()[:BATCH])
            if not rows:
                break
            self._apply(sorted({document_id for _pk, document_id in rows}))
            with transaction.atomic():
                IndexChange.objects.filter(pk__in=[pk for pk, _ in rows]).update(
                    applied_at=timezone.now()
                )
            applied += len(rows)
        IndexChange.objects.filter(
            applied_at__lt=timezone.now() - KEEP_APPLIED
        ).delete()
        return applied


def pending_changes() -> QuerySet[IndexChange, tuple[int, int]]:
    """The outbox rows not applied yet, oldest first, as (id, document id); read through the
    partial index ``index_change_pending``."""
    return (
        IndexChange.objects.filter(applied_at__isnull=True)
        .order_by("id")
        .values_list("id", "document_id")
    )


def index_pending() -> int:
    """Apply the outbox now, in this process (tests, ``gongkai demo``, ``worker --once``)."""
    indexer = Indexer()
    try:
        return indexer.run_once()
    finally:
        indexer.close()


class IndexerThread(threading.Thread):
    """The worker's indexer loop."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(name="gongkai-indexer", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()

    def run(self) -> None:
        indexer = Indexer()
        failures = 0
        while not self.stopped.is_set():
            try:
                close_old_connections()
                indexer.run_once()
                failures = 0
            except Exception:  # keep indexing after a bad moment (DB restart, disk full)
                failures += 1
                logger.exception("search indexer failed; retrying")
                indexer.close()
                # back off: 0.25 s, 0.5 s, 1 s … at most 5 s between attempts
                self.stopped.wait(min(5.0, 0.125 * 2**failures))
            self.stopped.wait(self.interval)
        indexer.close()
