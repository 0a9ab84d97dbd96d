"""``gongkai worker``: the background job worker (queued tasks and scheduled jobs).

A scheduler thread enqueues due periodic jobs (:mod:`gongkai.core.jobs`) while the
main thread runs django-tasks-db's worker loop over the queued tasks. Several
workers may run at once: the task table rows are locked when claimed, and the
scheduler claims each due run with a conditional update, so every job runs once.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from gongkai.core.jobs import Scheduler, schedule_tick
from gongkai.search.indexer import IndexerThread, index_pending

logger = logging.getLogger("gongkai.jobs")


def worker_id() -> str:
    """A readable id, unique among running workers: host, process and a random part."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{get_random_string(8)}"


def _stop_when_orphaned(parent_pid: int, check_every: float = 2.0) -> None:
    """Ask this process to stop (SIGTERM, handled gracefully) once ``parent_pid`` is gone."""
    while os.getppid() == parent_pid:
        time.sleep(check_every)
    logger.warning("the web server (pid %s) is gone; the job worker stops", parent_pid)
    os.kill(os.getpid(), signal.SIGTERM)


class Command(BaseCommand):
    help = (
        "Run the background job worker: sends e-mail and runs the other queued tasks, "
        "starts scheduled jobs when they are due, and keeps the search index up to date. "
        "`gongkai serve` starts one itself; run this only for `gongkai serve --no-worker` "
        "or for more workers. Stop it with Ctrl+C."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help=(
                "Start the jobs that are due, run every queued task, then exit "
                "(for cron-style use and tests)."
            ),
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait before looking for new tasks when the queue is empty "
            "(default: 1).",
        )
        parser.add_argument(
            "--scheduler-interval",
            type=float,
            default=30.0,
            help="Seconds between checks for due scheduled jobs (default: 30).",
        )
        # Used by `gongkai serve`: stop when the web server that started us is gone.
        parser.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        level = logging.INFO if verbosity >= 1 else logging.WARNING
        for name in ("django_tasks", "django_tasks_db", "gongkai.jobs"):
            logging.getLogger(name).setLevel(level)
        worker = Worker(
            queue_names=["*"],
            interval=options["interval"],
            batch=options["once"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not options["once"],
            max_tasks=None,
            worker_id=worker_id(),
            excluded_queue_names=[],
        )
        if options["once"]:
            for name in schedule_tick():
                logger.info("scheduled job enqueued: %s", name)
            worker.run()
            index_pending()
            return

        if options["parent_pid"]:
            threading.Thread(
                target=_stop_when_orphaned,
                args=(options["parent_pid"],),
                name="gongkai-parent-watch",
                daemon=True,
            ).start()
        scheduler = Scheduler(interval=options["scheduler_interval"])
        scheduler.start()
        # The search index's single writer (issue #4 §3): applies the outbox within a second.
        indexer = IndexerThread()
        indexer.start()
        if verbosity >= 1:
            self.stdout.write(
                f"后台任务进程已启动 / background job worker started ({worker.worker_id})"
            )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            scheduler.stop()
            indexer.stop()
            scheduler.join(timeout=5)
            indexer.join(timeout=5)
