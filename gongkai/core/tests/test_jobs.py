"""Background jobs: the scheduler, enqueueing on commit and ``gongkai worker --once``."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from gongkai.core.jobs import PERIODIC, Scheduler, enqueue_on_commit, schedule_tick
from gongkai.core.models import ScheduledJob
from gongkai.core.tasks import send_email


@pytest.mark.django_db
def test_a_due_job_is_enqueued_once_per_run(django_capture_on_commit_callbacks):
    """Two ticks at the same moment: the first enqueues every periodic job, the second none."""
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        first = schedule_tick(now)
    with django_capture_on_commit_callbacks(execute=True):
        second = schedule_tick(now)

    assert sorted(first) == sorted(PERIODIC)
    assert second == []
    assert DBTaskResult.objects.count() == len(PERIODIC)
    assert all(row.next_run_at > now for row in ScheduledJob.objects.all())


@pytest.mark.django_db
def test_a_job_runs_again_when_its_interval_has_passed(django_capture_on_commit_callbacks):
    """After ``every`` has passed the job is due again and enqueued once more."""
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        schedule_tick(now)
    longest = max(job.every for job in PERIODIC.values())

    with django_capture_on_commit_callbacks(execute=True):
        later = schedule_tick(now + longest)

    assert sorted(later) == sorted(PERIODIC)


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_rolled_back_transaction_never_exists():
    """enqueue_on_commit leaves no task behind when the transaction rolls back."""

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            enqueue_on_commit(send_email, "never", "rolled back", ["x@eco-city.example"])
            raise LookupError("the transaction fails after enqueueing")

    with pytest.raises(LookupError):
        enqueue_then_fail()

    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_worker_once_sends_the_email_queued_by_a_committed_transaction(mailoutbox):
    """A committed send_email task is queued once and `worker --once` delivers it."""
    with transaction.atomic():
        enqueue_on_commit(send_email, "备案提醒", "请确认备案。", ["officer@eco-city.example"])
    assert DBTaskResult.objects.filter(task_path__endswith="send_email").count() == 1

    call_command("worker", "--once", verbosity=0)

    sent = [m for m in mailoutbox if m.subject == "备案提醒"]
    assert len(sent) == 1
    assert sent[0].to == ["officer@eco-city.example"]
    result = DBTaskResult.objects.get(task_path__endswith="send_email")
    assert result.status == TaskResultStatus.SUCCESSFUL
    # The scheduler ticked too: each periodic job ran once, and nothing is left waiting.
    assert ScheduledJob.objects.count() == len(PERIODIC)
    assert not DBTaskResult.objects.ready().exists()


@pytest.mark.django_db(transaction=True)
def test_worker_once_twice_runs_each_task_once(mailoutbox):
    """A second batch finds no task to run again."""
    with transaction.atomic():
        enqueue_on_commit(send_email, "一次", "只发一次", ["a@eco-city.example"])

    call_command("worker", "--once", verbosity=0)
    call_command("worker", "--once", verbosity=0)

    assert [m.subject for m in mailoutbox].count("一次") == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_thread_ticks_until_stopped():
    """The Scheduler thread records every periodic job, then stops when asked."""
    scheduler = Scheduler(interval=0.05)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while ScheduledJob.objects.count() < len(PERIODIC) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()
        scheduler.join(timeout=5)

    assert not scheduler.is_alive()
    assert ScheduledJob.objects.count() == len(PERIODIC)
