"""Several ``gongkai worker`` processes share one database and run each job once (#2 §12).

In production several workers run at once, on several machines. These tests start real
``python -m gongkai`` processes against one database of the kind the suite itself runs on:
an SQLite file under ``tmp_path``, or — when ``GONGKAI_DATABASE_URL`` names PostgreSQL — a
fresh database on the same server, dropped afterwards. The test database of the suite is
not used: SQLite's is in memory, where no other process can reach it. The children run the
production settings (e-mail as files in ``<GONGKAI_DATA_DIR>/mail``); the outcome is read
back with ``gongkai shell``. Every wait is bounded and every process started is killed.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from gongkai.core.jobs import PERIODIC

COMMAND_SECONDS = 120
# Generous bounds: a loaded 2-core machine starts three Django processes slowly.
WORKERS_SECONDS = 240
JOBS = 100
WORKERS = 3


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of the ``gongkai`` children: a new, empty database they all share."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"GONGKAI_SMTP_HOST", "GONGKAI_HOST", "GONGKAI_PORT", "GONGKAI_WORKERS"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "gongkai.config.settings"  # not the test settings
    env["GONGKAI_DATA_DIR"] = str(tmp_path / "data")
    (tmp_path / "data").mkdir()
    env["GONGKAI_HTTPS"] = "0"
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        env["GONGKAI_DATABASE_URL"] = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
        yield env
        return

    import psycopg
    from psycopg import sql

    name = f"gongkai_workers_{secrets.token_hex(6)}"
    server = {
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
    }
    with psycopg.connect(
        dbname="postgres", autocommit=True, **{k: str(v) for k, v in server.items() if v}
    ) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            url = urlsplit(os.environ["GONGKAI_DATABASE_URL"].strip())
            env["GONGKAI_DATABASE_URL"] = url._replace(path=f"/{name}").geturl()
            yield env
        finally:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def gongkai(env: dict[str, str], *args: str) -> str:
    """Run ``python -m gongkai <args>`` to its end; its stdout. It must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "gongkai", *args],
        env=env,
        cwd=env["GONGKAI_DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"gongkai {args[0]} failed:\n{done.stderr}"
    return done.stdout


def shell(env: dict[str, str], code: str) -> str:
    return gongkai(env, "shell", "-v", "0", "-c", code)


def run_together(commands: list[list[str]], env: dict[str, str], logs: Path) -> list[str]:
    """Start every command at once and wait for all (bounded); their outputs, in order."""
    logs.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for n, command in enumerate(commands):
            with (logs / f"{n}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        command,
                        env=env,
                        cwd=env["GONGKAI_DATA_DIR"],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + WORKERS_SECONDS
        for process in processes:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
    outputs = [(logs / f"{n}.log").read_text() for n in range(len(commands))]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
    return outputs


def _queue_and_run_round(env: dict, first: int) -> Counter:
    """Queue JOBS e-mails numbered from ``first``, run WORKERS `worker --once` together,
    and return how many of this round's e-mails each worker claimed."""
    shell(
        env,
        "from django.db import transaction\n"
        "from gongkai.core.tasks import send_email\n"
        "with transaction.atomic():\n"
        f"    for i in range({first}, {first + JOBS}):\n"
        "        send_email.enqueue(f'job-{i:04d}', 'body', ['officer@eco-city.example'])\n",
    )
    run_together(
        [[sys.executable, "-m", "gongkai", "worker", "--once", "-v", "0"]] * WORKERS,
        env,
        Path(env["GONGKAI_DATA_DIR"]) / f"workers-{first}",
    )
    results = json.loads(
        shell(
            env,
            "import json\n"
            "from django_tasks_db.models import DBTaskResult\n"
            "print(json.dumps(list(DBTaskResult.objects.values("
            "'task_path', 'status', 'worker_ids', 'args_kwargs'))))\n",
        )
    )
    assert {r["status"] for r in results} == {"SUCCESSFUL"}
    assert all(len(r["worker_ids"]) == 1 for r in results), [r["worker_ids"] for r in results]
    # Each periodic job was enqueued (and run) once, although every worker ticked.
    periodic = Counter(r["task_path"] for r in results if r["task_path"] in PERIODIC)
    assert periodic == dict.fromkeys(PERIODIC, 1)
    this_round = {f"job-{i:04d}" for i in range(first, first + JOBS)}
    return Counter(
        r["worker_ids"][0]
        for r in results
        if r["task_path"] == "gongkai.core.tasks.send_email"
        and r["args_kwargs"]["args"][0] in this_round
    )


def test_three_workers_at_once_run_each_queued_job_once(shared_database):
    """Queued e-mails and three `gongkai worker --once` started together: every e-mail is
    sent once, each task is claimed by one worker, and every periodic job that the three
    schedulers found due was enqueued once."""
    env = shared_database
    gongkai(env, "migrate", "--no-input", "-v", "0")

    # The claim is only tested when the workers really overlap. Process start-up times
    # vary, so a round in which one worker happened to run everything is repeated (each
    # round still has to run every job exactly once).
    rounds = 0
    while True:
        claimed_by = _queue_and_run_round(env, rounds * JOBS)
        rounds += 1
        if len(claimed_by) >= 2 or rounds == 4:
            break
    assert len(claimed_by) >= 2, f"the workers never overlapped in {rounds} rounds: {claimed_by}"

    # One message per job. (The file backend names its files by time and object id, so two
    # workers may append to the same file: count the messages, not the files.)
    mail = "".join(p.read_text() for p in (Path(env["GONGKAI_DATA_DIR"]) / "mail").iterdir())
    subjects = re.findall(r"^Subject: (.*)$", mail, flags=re.MULTILINE)
    assert sorted(subjects) == [f"job-{i:04d}" for i in range(rounds * JOBS)]


# One scheduler tick at a fixed `now`, in a process of its own. Each process reads a job's
# row, then waits until every process has read it, and only then tries to claim the run:
# all of them see the job due, and only the conditional UPDATE can keep it to one run.
TICK = """\
import datetime, json, os, pathlib, time
from gongkai.core.jobs import schedule_tick
from gongkai.core.models import ScheduledJob

barrier = pathlib.Path(os.environ["GONGKAI_TEST_BARRIER"])
parties = int(os.environ["GONGKAI_TEST_PARTIES"])
manager = ScheduledJob.objects
get_or_create = manager.get_or_create

def read_then_wait_for_the_others(**kwargs):
    found = get_or_create(**kwargs)
    step = barrier / kwargs["name"]
    step.mkdir(exist_ok=True)
    (step / str(os.getpid())).touch()
    deadline = time.monotonic() + 30
    while len(list(step.iterdir())) < parties and time.monotonic() < deadline:
        time.sleep(0.002)
    return found

manager.get_or_create = read_then_wait_for_the_others
print(json.dumps(schedule_tick(datetime.datetime.fromisoformat(os.environ["GONGKAI_TEST_NOW"]))))
"""


def test_schedulers_ticking_at_the_same_moment_enqueue_each_periodic_job_once(
    shared_database,
):
    """Three processes tick the scheduler at the same `now`, all finding every job due:
    between them each periodic job is enqueued exactly once and its next run set once."""
    barrier = Path(shared_database["GONGKAI_DATA_DIR"]) / "barrier"
    barrier.mkdir()
    env = {
        **shared_database,
        "GONGKAI_TEST_NOW": "2030-03-04T09:00:00+08:00",
        "GONGKAI_TEST_BARRIER": str(barrier),
        "GONGKAI_TEST_PARTIES": str(WORKERS),
    }
    now = datetime.datetime.fromisoformat(env["GONGKAI_TEST_NOW"])
    gongkai(env, "migrate", "--no-input", "-v", "0")

    outputs = run_together(
        [[sys.executable, "-m", "gongkai", "shell", "-v", "0", "-c", TICK]] * WORKERS,
        env,
        Path(env["GONGKAI_DATA_DIR"]) / "ticks",
    )

    # Every process had read every job's row before any of them claimed it.
    assert {p.name: len(list(p.iterdir())) for p in barrier.iterdir()} == dict.fromkeys(
        PERIODIC, WORKERS
    )
    enqueued = [name for output in outputs for name in json.loads(output.strip().splitlines()[-1])]
    assert sorted(enqueued) == sorted(PERIODIC)
    rows = json.loads(
        shell(
            env,
            "import json\n"
            "from django_tasks_db.models import DBTaskResult\n"
            "from gongkai.core.models import ScheduledJob\n"
            "print(json.dumps({\n"
            "    'tasks': list(DBTaskResult.objects.values_list('task_path', flat=True)),\n"
            "    'next': {j.name: j.next_run_at.isoformat() for j in ScheduledJob.objects.all()},\n"
            "}))\n",
        )
    )
    assert Counter(rows["tasks"]) == dict.fromkeys(PERIODIC, 1)
    assert {name: datetime.datetime.fromisoformat(at) for name, at in rows["next"].items()} == {
        name: now + job.every for name, job in PERIODIC.items()
    }
