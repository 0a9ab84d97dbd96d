"""Profile: the cold public pages in-process (issue #4 §8), without HTTP or wrk.

    .venv/bin/python bench/profile_pages.py [--count 10000] [--requests 200] [--data-dir DIR]
        [--page home|document|list ...] [--profile] [--save-html DIR]

Builds a data directory like ``bench/pages.py`` (the generated corpus imported through
``gongkai import-documents`` into a temporary SQLite database; reused with ``--data-dir``
when it exists), then, in a child process with ``GONGKAI_PAGE_CACHE=0``, loads each page
with Django's test ``Client``: a few unmeasured requests, then ``--requests`` measured ones.
Prints the median and least milliseconds per request (wall clock), the median CPU time
of the request (steadier on a busy machine) and the queries of one request. With
``--profile``, prints the top of a cProfile of the measured requests. Medians of many
in-process requests are steadier than wrk on a shared, busy machine.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_documents import _env, _python, _run  # noqa: E402
from pages import build_data_dir  # noqa: E402

PAGES = ("home", "document", "list")


def _measure(options: argparse.Namespace) -> None:
    """In the child: Django is configured by the environment."""
    import cProfile
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host, as under `gongkai serve`
    listing = client.get("/documents/")
    if listing.status_code != 200:
        raise SystemExit(f"/documents/ answered {listing.status_code}")
    found = re.search(r'href="(/documents/[^"?#]+/)"', listing.content.decode("utf-8"))
    if not found:
        raise SystemExit("no document link on /documents/ (was the import empty?)")
    paths = {"home": "/", "document": found.group(1), "list": "/documents/"}
    for name in options.page or PAGES:
        path = paths[name]
        for _ in range(10):  # warm-up: imports, templates, translations
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)  # noqa: S101
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):  # type: ignore[no-untyped-def]
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(path)
        if options.save_html:
            Path(options.save_html).mkdir(parents=True, exist_ok=True)
            (Path(options.save_html) / f"{name}.html").write_bytes(response.content)
        profiler = cProfile.Profile() if options.profile else None
        times = []
        cpu_times = []  # CPU time of this thread: less disturbed by other processes
        for _ in range(options.requests):
            if profiler:
                profiler.enable()
            started, cpu_started = time.perf_counter(), time.thread_time()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.thread_time() - cpu_started) * 1000)
            if profiler:
                profiler.disable()
        print(
            f"{name:9} {path:40} median {statistics.median(times):6.2f} ms  "
            f"min {min(times):6.2f} ms  CPU median {statistics.median(cpu_times):6.2f} ms  "
            f"{len(queries)} queries  {len(response.content):,} bytes"
        )
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(options.profile_lines)
            stats.sort_stats("tottime").print_stats(options.profile_lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--page", action="append", choices=PAGES)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-lines", type=int, default=30)
    parser.add_argument("--save-html", help="write each page's HTML into this folder")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        _measure(options)
        return
    with tempfile.TemporaryDirectory(prefix="gongkai-profile-") as workdir:
        data_dir = options.data_dir.resolve() if options.data_dir else Path(workdir) / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        if not (data_dir / "gongkai.sqlite3").exists():
            build_data_dir(data_dir, options.count, options.seed)
        env = _env(data_dir, f"sqlite:///{data_dir / 'gongkai.sqlite3'}")
        env["GONGKAI_PAGE_CACHE"] = "0"
        # Hashed static names, as `gongkai serve` collects them before it starts.
        _run([_python(), "-m", "gongkai", "collectstatic", "--noinput", "-v", "0"], env)
        args = list(argv if argv is not None else sys.argv[1:])
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [_python(), str(Path(__file__).resolve()), *args, "--child"],
            env=env,
            cwd=ROOT,
            check=True,
        )


if __name__ == "__main__":
    main()
