"""Benchmark: import a generated corpus through the real import path (issue #3 §8, "Speed").

    .venv/bin/python bench/import_documents.py [--count 100000] [--database sqlite|postgres|both]

For each database: a fresh database (an SQLite file in a temporary folder; the PostgreSQL
database ``gongkai_bench`` at 127.0.0.1:5432, user ``postgres``, dropped and created with
psycopg), ``gongkai migrate``, the 20 units of ``bench/corpus.py`` and an Office
administrator, then ``gongkai import_documents MANIFEST --as bench`` in a child process — the
command an administrator runs — with ``GONGKAI_DATABASE_URL`` set. Prints documents per second,
the elapsed time, the child's peak RSS (``os.wait4``'s rusage of that child; with its body
helper process, sampled from /proc) and the ratio to the target: 100,000 documents in 5
minutes (333 documents/s), memory under 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

TARGET_COUNT = 100_000
TARGET_SECONDS = 300.0
TARGET_RATE = TARGET_COUNT / TARGET_SECONDS
MEMORY_LIMIT_MIB = 1024
PG = "host=127.0.0.1 port=5432 user=postgres"
PG_DATABASE = "gongkai_bench"
USERNAME = "bench"

SETUP = """
import django
django.setup()
from gongkai.accounts.models import User
from gongkai.units.models import Unit
import corpus
for code, name_zh, name_en, kind, _abbr, _weight in corpus.UNITS:
    Unit.objects.get_or_create(
        code=code,
        defaults={"name_zh": name_zh, "name_en": name_en, "kind": kind, "is_office": code == "WB"},
    )
if not User.objects.filter(username="bench").exists():
    User.objects.create_user(
        username="bench", password="bench-password-not-secret", email="bench@example.gov.cn",
        full_name="基准测试 bench", is_staff=True, is_office_admin=True,
    )
"""

VERIFY = """
import django
django.setup()
from gongkai.core.models import AuditEntry
from gongkai.library.models import Document, DocumentRelation
print(Document.objects.count(), DocumentRelation.objects.count(),
      Document.objects.filter(validity__in=["repealed", "revised"]).count(),
      AuditEntry.objects.filter(via="import").count())
"""


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _env(data_dir: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GONGKAI_DATA_DIR": str(data_dir),
            "GONGKAI_DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "gongkai.config.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
            "GONGKAI_HTTPS": "0",
        }
    )
    return env


def _run(args: list[str], env: dict[str, str], quiet: bool = True) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        args,
        env=env,
        cwd=ROOT,
        check=False,
        capture_output=quiet,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write((result.stdout or "") + (result.stderr or ""))
        raise SystemExit(f"failed: {' '.join(args)}")
    return result.stdout or ""


class _MemorySampler(threading.Thread):
    """The peak of the summed RSS of a process and its children (the import and its body
    helper), read from /proc four times a second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.stopped = threading.Event()

    @staticmethod
    def _rss_kib(pid: int) -> int:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            total = sum(self._rss_kib(pid) for pid in [self.pid, *self._children()])
            self.peak_kib = max(self.peak_kib, total)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def _fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"


def bench(database: str, manifest: Path, count: int, workdir: Path, batch_size: int) -> dict:
    data_dir = workdir / f"data-{database}"
    data_dir.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    else:
        url = _fresh_postgres()
    env = _env(data_dir, url)
    python = _python()
    print(f"[{database}] migrate …", file=sys.stderr)
    _run([python, "-m", "gongkai", "migrate", "-v", "0"], env)
    _run([python, "-c", SETUP], env)
    print(f"[{database}] import {count:,} documents …", file=sys.stderr)
    args = [
        python,
        "-m",
        "gongkai",
        "import_documents",
        str(manifest),
        "--as",
        USERNAME,
        "--batch-size",
        str(batch_size),
    ]
    started = time.monotonic()
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        args, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    sampler = _MemorySampler(child.pid)
    sampler.start()
    assert child.stdout is not None  # noqa: S101
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - started
    sampler.stop()
    child.returncode = os.waitstatus_to_exitcode(status)
    tail = output.strip().splitlines()[-4:]
    if child.returncode not in (0, 1):
        sys.stderr.write(output)
        raise SystemExit(f"[{database}] the import failed with status {child.returncode}")
    documents, relations, superseded, audits = _run([python, "-c", VERIFY], env).split()
    peak_mib = usage.ru_maxrss / 1024  # Linux: kilobytes
    rate = count / elapsed
    return {
        "database": database,
        "count": count,
        "elapsed": elapsed,
        "rate": rate,
        "peak_mib": peak_mib,
        "total_mib": sampler.peak_kib / 1024,
        "documents": int(documents),
        "relations": int(relations),
        "superseded": int(superseded),
        "audits": int(audits),
        "status": child.returncode,
        "tail": tail,
    }


def report(result: dict) -> None:
    projected = TARGET_COUNT / result["rate"]
    print(
        f"{result['database']:>8}: {result['count']:,} rows in {result['elapsed']:.1f} s = "
        f"{result['rate']:,.0f} documents/s; peak RSS {result['peak_mib']:,.0f} MiB "
        f"(with the body helper process: {result['total_mib']:,.0f} MiB); "
        f"rate is {result['rate'] / TARGET_RATE:.2f}× the target of {TARGET_RATE:.0f}/s "
        f"(100,000 documents ≈ {projected:.0f} s of the 300 s allowed); memory "
        f"{max(result['peak_mib'], result['total_mib']) / MEMORY_LIMIT_MIB:.0%} of 1 GiB"
    )
    print(
        f"{'':>8}  in the database: {result['documents']:,} documents, "
        f"{result['relations']:,} relations, {result['superseded']:,} repealed or revised, "
        f"{result['audits']:,} audit entries; exit status {result['status']}"
    )
    for line in result["tail"]:
        print(f"{'':>8}  | {line}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both", help="default both"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    manifest = workdir / "manifest.csv"
    started = time.monotonic()
    corpus.write_manifest(manifest, options.count, options.seed)
    size = manifest.stat().st_size / 1024 / 1024
    print(
        f"manifest: {options.count:,} rows, {size:,.0f} MiB, written in "
        f"{time.monotonic() - started:.1f} s ({manifest})",
        file=sys.stderr,
    )
    databases = ["sqlite", "postgres"] if options.database == "both" else [options.database]
    results = [
        bench(database, manifest, options.count, workdir, options.batch_size)
        for database in databases
    ]
    print()
    for result in results:
        report(result)
    if options.keep:
        print(f"kept: {workdir}")
    else:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
