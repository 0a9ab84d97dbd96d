"""Benchmark: public page loads, with the page cache off (cold) and on (warm) (issue #4 §8).

    .venv/bin/python bench/pages.py [--count 10000] [--seconds 10] [--repeat 3] [--data-dir DIR]

Builds a data directory with the generated corpus (``bench/corpus.py``) imported through
``gongkai import-documents`` (SQLite, the default installation), then starts ``gongkai serve
--workers 2 --no-worker`` on a free loopback port twice — with ``GONGKAI_PAGE_CACHE=0`` (cold:
every request rendered) and with the page cache on (warm) — and runs wrk (32 connections)
against the home page, a document page and the document list: 3 measured runs of 10 s each
(medians shown), after a short unmeasured one (warm-up: imports, templates, and for the warm
server its cache). Finally nginx
serves the same rendered HTML as static files (2 worker processes, like the 2 web workers)
for the yardstick. Prints requests/second and the 99th-percentile latency of each, the ratio
to nginx, and whether each target is met: warm ≥ 2,000 requests/s with p99 ≤ 50 ms, cold
≥ 300 requests/s.

wrk and nginx are Debian packages, installed with apt-get when missing (as root). Every
process started here is stopped before the script ends. Results are noisy when other
processes share the two cores; run on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
from import_documents import SETUP, USERNAME, _env, _python, _run  # noqa: E402

WARM_RATE = 2000.0
WARM_P99_MS = 50.0
COLD_RATE = 300.0
WORKERS = 2
PAGES = (("home", "/"), ("document", None), ("list", "/documents/"))


# --- Tools ----------------------------------------------------------------------------------


def _ensure_tools() -> tuple[str, str]:
    """Paths of wrk and nginx, installed from Debian's packages if missing."""
    missing = [name for name in ("wrk", "nginx") if not _which(name)]
    if missing:
        if os.geteuid() != 0:
            raise SystemExit(f"please install first: sudo apt-get install {' '.join(missing)}")
        print(f"installing {' '.join(missing)} (apt-get) …", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
        # No service is started by the package: policy-rc.d (present in containers) refuses.
        subprocess.run(  # noqa: S603
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],  # noqa: S607
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    wrk, nginx = _which("wrk"), _which("nginx")
    if not wrk or not nginx:
        raise SystemExit("wrk or nginx is still missing after apt-get install")
    return wrk, nginx


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 30.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], seconds: float = 120.0, log: Path | None = None
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise SystemExit(f"{tail}\nthe server exited with status {process.returncode}")
        try:
            status, _body = _get(url, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"no answer from {url} after {seconds:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- wrk ------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Run:
    rate: float  # requests per second
    p99_ms: float
    requests: int
    errors: str  # non-2xx/3xx answers and socket errors, as wrk reports them


def _wrk(wrk: str, url: str, *, seconds: int, connections: int, threads: int) -> Run:
    result = subprocess.run(  # noqa: S603 - wrk with our arguments
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    )
    out = result.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    total = re.search(r"(\d+) requests in", out)
    if not rate or not p99 or not total:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    errors = "; ".join(
        line.strip()
        for line in out.splitlines()
        if "Non-2xx" in line or "Socket errors" in line
    )
    return Run(
        rate=float(rate.group(1)),
        p99_ms=float(p99.group(1)) * UNITS_MS[p99.group(2)],
        requests=int(total.group(1)),
        errors=errors,
    )


def _median_run(wrk: str, url: str, options: argparse.Namespace) -> Run:
    """``--repeat`` measured runs; the median requests/s and the median p99 of them."""
    runs = [
        _wrk(
            wrk,
            url,
            seconds=options.seconds,
            connections=options.connections,
            threads=options.threads,
        )
        for _ in range(options.repeat)
    ]
    return Run(
        rate=statistics.median(run.rate for run in runs),
        p99_ms=statistics.median(run.p99_ms for run in runs),
        requests=sum(run.requests for run in runs),
        errors="; ".join(run.errors for run in runs if run.errors),
    )


# --- The site -------------------------------------------------------------------------------


def build_data_dir(data_dir: Path, count: int, seed: int) -> None:
    """A fresh SQLite site with ``count`` generated documents imported by the real command."""
    url = f"sqlite:///{data_dir / 'gongkai.sqlite3'}"
    env = _env(data_dir, url)
    python = _python()
    manifest = data_dir / "manifest.csv"
    corpus.write_manifest(manifest, count, seed)
    print("migrate …", file=sys.stderr)
    _run([python, "-m", "gongkai", "migrate", "-v", "0"], env)
    _run([python, "-c", SETUP], env)
    print(f"import {count:,} documents …", file=sys.stderr)
    started = time.monotonic()
    _run([python, "-m", "gongkai", "import-documents", str(manifest), "--as", USERNAME], env)
    print(f"imported in {time.monotonic() - started:.0f} s", file=sys.stderr)
    manifest.unlink()


def serve(data_dir: Path, port: int, *, page_cache: bool, log: Path) -> subprocess.Popen[bytes]:
    env = _env(data_dir, f"sqlite:///{data_dir / 'gongkai.sqlite3'}")
    env["GONGKAI_PAGE_CACHE"] = "1" if page_cache else "0"
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                _python(),
                "-m",
                "gongkai",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(WORKERS),
                "--no-worker",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process


def nginx_config(directory: Path, html: Path, port: int) -> Path:
    config = directory / "nginx.conf"
    config.write_text(
        f"""
worker_processes {WORKERS};
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; }}
    default_type text/html;
    access_log {directory}/nginx-access.log;
    client_body_temp_path {directory}/nginx-body;
    proxy_temp_path {directory}/nginx-proxy;
    fastcgi_temp_path {directory}/nginx-fastcgi;
    uwsgi_temp_path {directory}/nginx-uwsgi;
    scgi_temp_path {directory}/nginx-scgi;
    sendfile on;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {html};
        index index.html;
    }}
}}
""",
        encoding="utf-8",
    )
    return config


# --- Report ---------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(paths: dict[str, str], results: dict[tuple[str, str], Run], sizes: dict) -> None:
    print()
    print(
        f"{'page':<9} {'path':<34} {'KiB':>5}  {'mode':<6} {'req/s':>8} {'p99 ms':>8}  "
        f"{'× nginx':>8}  target"
    )
    for name, path in paths.items():
        nginx = results[(name, "nginx")]
        for mode in ("cold", "warm", "nginx"):
            run = results[(name, mode)]
            if mode == "cold":
                target = f"≥ {COLD_RATE:,.0f}/s: {_verdict(run.rate >= COLD_RATE)}"
            elif mode == "warm":
                ok = run.rate >= WARM_RATE and run.p99_ms <= WARM_P99_MS
                target = (
                    f"≥ {WARM_RATE:,.0f}/s, p99 ≤ {WARM_P99_MS:.0f} ms: {_verdict(ok)}"
                )
            else:
                target = "(static files)"
            ratio = f"{run.rate / nginx.rate:8.3f}" if mode != "nginx" else f"{1:8.3f}"
            shown = path if len(path) <= 34 else path[:31] + "…"
            print(
                f"{name:<9} {shown:<34} {sizes[name] / 1024:>5.0f}  {mode:<6} "
                f"{run.rate:>8,.0f} {run.p99_ms:>8.1f}  {ratio}  {target}"
            )
            if run.errors:
                print(f"{'':<9} !! {run.errors}")


# --- Main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="documents (default 10,000)")
    parser.add_argument("--seconds", type=int, default=10, help="per measured run (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="default 32")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measured runs per page; medians shown (default 3)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="use (or, if empty, build) this data directory instead of a temporary one",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args(argv)
    wrk, nginx = _ensure_tools()

    workdir = Path(tempfile.mkdtemp(prefix="gongkai-bench-pages-"))
    data_dir = options.data_dir.resolve() if options.data_dir else workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    reused = (data_dir / "gongkai.sqlite3").exists()
    if not reused:
        build_data_dir(data_dir, options.count, options.seed)
    else:  # a data directory from an earlier run: bring its database up to date
        env = _env(data_dir, f"sqlite:///{data_dir / 'gongkai.sqlite3'}")
        _run([_python(), "-m", "gongkai", "migrate", "-v", "0"], env)

    paths: dict[str, str] = {}
    html: dict[str, bytes] = {}
    results: dict[tuple[str, str], Run] = {}
    try:
        for mode in ("cold", "warm"):
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            print(f"[{mode}] gongkai serve on {base} …", file=sys.stderr)
            log = workdir / f"serve-{mode}.log"
            server = serve(data_dir, port, page_cache=mode == "warm", log=log)
            try:
                _wait_until_up(base + "/", server, log=log)
                if not paths:
                    paths = _pick_paths(base)
                for name, path in paths.items():
                    status, body = _get(base + path)
                    if status != 200:
                        raise SystemExit(f"{path} answered {status}")
                    html.setdefault(name, body)
                    _wrk(wrk, base + path, seconds=2, connections=options.connections, threads=1)
                    run = _median_run(wrk, base + path, options)
                    results[(name, mode)] = run
                    print(
                        f"[{mode}] {name}: {run.rate:,.0f}/s, p99 {run.p99_ms:.1f} ms",
                        file=sys.stderr,
                    )
            finally:
                _stop(server)

        root = workdir / "html"
        root.mkdir()
        files = {"home": "index.html", "document": "document.html", "list": "list.html"}
        for name, body in html.items():
            (root / files[name]).write_bytes(body)
        for folder in (workdir, root):
            folder.chmod(0o755)  # nginx's workers run as an unprivileged user
        for file in root.iterdir():
            file.chmod(0o644)
        port = _free_port()
        config = nginx_config(workdir, root, port)
        print(f"[nginx] static copies on http://127.0.0.1:{port} …", file=sys.stderr)
        server = subprocess.Popen(  # noqa: S603 - nginx with our configuration
            [nginx, "-c", str(config), "-p", str(workdir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/", server, seconds=20)
            for name in paths:
                url = f"http://127.0.0.1:{port}/{files[name]}"
                _wrk(wrk, url, seconds=2, connections=options.connections, threads=1)
                results[(name, "nginx")] = _median_run(wrk, url, options)
        finally:
            _stop(server)
    finally:
        if options.keep:
            print(f"kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    corpus_size = "the documents of an earlier run" if reused else f"{options.count:,} documents"
    print(
        f"\n{corpus_size} (SQLite), gongkai serve --workers {WORKERS}; wrk "
        f"-c{options.connections} -t{options.threads} -d{options.seconds}s, median of "
        f"{options.repeat} runs; {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    report(paths, results, {name: len(body) for name, body in html.items()})


def _pick_paths(base: str) -> dict[str, str]:
    """The home page, the first document of the list and the list itself."""
    status, body = _get(base + "/documents/")
    if status != 200:
        raise SystemExit(f"/documents/ answered {status}")
    found = re.search(r'href="(/documents/[^"?#]+/)"', body.decode("utf-8"))
    if not found:
        raise SystemExit("no document link on /documents/ (was the import empty?)")
    return {name: path or found.group(1) for name, path in PAGES}


if __name__ == "__main__":
    main()
