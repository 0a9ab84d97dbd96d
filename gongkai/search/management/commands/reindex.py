"""``gongkai reindex``: rebuild the search index from the database (issue #4 §3)."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from gongkai.search.indexer import rebuild


class Command(BaseCommand):
    help = (
        "重建全文检索索引 / Rebuild the full-text search index from the database. Safe to run "
        "while the site is up: searches keep using the old index until the new one is complete."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        show = options["verbosity"] >= 1
        started = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if not show:
                return
            now = time.monotonic()
            if done < total and now - last[0] < 0.2:
                return
            last[0] = now
            width = 30
            filled = width * done // total if total else width
            bar = "█" * filled + "░" * (width - filled)
            rate = done / max(now - started, 1e-6)
            line = f"\r{bar} {done}/{total} ({rate:,.0f}/s)"
            self.stdout.write(line, ending="")
            if isinstance(self.stdout._out, type(sys.stdout)):  # noqa: SLF001
                self.stdout.flush()

        count = rebuild(progress=progress)
        if show:
            self.stdout.write("")
            self.stdout.write(
                f"已索引 {count} 份文件，用时 {time.monotonic() - started:.1f} 秒 / "
                f"indexed {count} documents in {time.monotonic() - started:.1f} s"
            )
