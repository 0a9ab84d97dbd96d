"""Background work: one mechanism for queued and scheduled jobs (issue #2 §12).

Queued jobs are django-tasks tasks stored by the database backend
(django-tasks-db), so the embedded default needs no other server. Services
enqueue them with :func:`enqueue_on_commit`, so a job never runs for a
transaction that rolled back.

Scheduled jobs are tasks registered with :func:`periodic`. Every worker ticks the
scheduler; a tick claims a due run by advancing ``ScheduledJob.next_run_at`` with
a conditional UPDATE, which succeeds for exactly one worker, and enqueues the
task once. Several workers on several machines may run side by side.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django_tasks.base import Task

from gongkai.core.models import ScheduledJob

logger = logging.getLogger("gongkai.jobs")


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Task[Any, Any]
    every: datetime.timedelta


PERIODIC: dict[str, Periodic] = {}


def periodic(every: datetime.timedelta) -> Callable[[Task[Any, Any]], Task[Any, Any]]:
    """Register a task (taking no arguments) to run every ``every``."""

    def register(task: Task[Any, Any]) -> Task[Any, Any]:
        name = f"{task.func.__module__}.{task.func.__qualname__}"
        PERIODIC[name] = Periodic(name=name, task=task, every=every)
        return task

    return register


def enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def schedule_tick(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every periodic job that is due; return the names this call enqueued."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in PERIODIC.values():
        try:
            row, _ = ScheduledJob.objects.get_or_create(
                name=job.name, defaults={"next_run_at": now}
            )
        except IntegrityError:  # another worker created it at the same moment
            row = ScheduledJob.objects.get(name=job.name)
        if row.next_run_at > now:
            continue
        with transaction.atomic():
            claimed = ScheduledJob.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
                next_run_at=now + job.every, last_run_at=now
            )
            if claimed:
                enqueue_on_commit(job.task)
                enqueued.append(job.name)
    return enqueued


class Scheduler(threading.Thread):
    """Ticks the scheduler every ``interval`` seconds beside the task worker."""

    def __init__(self, interval: float = 30.0) -> None:
        super().__init__(name="gongkai-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                for name in schedule_tick():
                    logger.info("scheduled job enqueued: %s", name)
            except Exception:  # a failed tick must not stop the worker; the next tick retries
                logger.exception("scheduler tick failed")
            finally:
                close_old_connections()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
