"""The ``gongkai`` command: help, configuration errors, init, check, demo and serve.

Tests that start the real command run ``python -m gongkai`` in a subprocess with
its own data directory and SQLite database under ``tmp_path`` (even when the suite
itself runs on PostgreSQL), wait a bounded time, and kill what they start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from gongkai.accounts.models import User
from gongkai.cli import Abort, main
from gongkai.core.management.commands.serve import open_listeners, site_urls, worker_listeners
from gongkai.units.demo import DEMO_PASSWORD

SERVER_START_SECONDS = 30
COMMAND_SECONDS = 120


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a ``gongkai`` subprocess: its own data dir and SQLite database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"GONGKAI_HOST", "GONGKAI_PORT", "GONGKAI_WORKERS", "GONGKAI_SMTP_HOST"}
    }
    env["GONGKAI_DATA_DIR"] = str(tmp_path / "data")
    env["GONGKAI_DATABASE_URL"] = f"sqlite:///{tmp_path / 'gongkai.sqlite3'}"
    env.update(extra)
    return env


def gongkai(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args],
        env=child_env(tmp_path, **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def children(pid: int) -> dict[int, str]:
    """The child processes of ``pid`` (Linux /proc) and their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat_line.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found[int(entry.name)] = cmdline
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def http_status(url: str) -> int | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxies
    try:
        with opener.open(url, timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


# --- Help and configuration errors -------------------------------------------------------


@pytest.mark.parametrize("argv", [[], ["--help"], ["help"]])
def test_help_summarises_the_main_commands(argv, capsys):
    """No arguments, --help and help print our summary, naming Django's commands as well."""
    main(argv)

    out = capsys.readouterr().out
    for command in (
        "gongkai demo",
        "gongkai init",
        "gongkai serve",
        "gongkai worker",
        "gongkai check",
        "gongkai migrate",
        "gongkai createsuperuser",
    ):
        assert command in out


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("GONGKAI_DATABASE_URL", "mysql://x", "GONGKAI_DATABASE_URL scheme mysql is not supported"),
        ("GONGKAI_DATA_DIR", "{tmp}/a-file/data", "is not writable"),
        ("GONGKAI_HTTPS", "maybe", "is not a valid switch"),
        (
            "GONGKAI_DATABASE_URL",
            "sqlite:///{tmp}/missing/dir/db.sqlite3",
            "cannot connect to the database",
        ),
    ],
)
def test_a_configuration_problem_is_one_line_and_status_2(tmp_path, setting, value, expected):
    """Bad settings or an unreachable database: one bilingual line on stderr, no traceback."""
    (tmp_path / "a-file").write_text("not a folder")

    done = gongkai(tmp_path, "migrate", **{setting: value.format(tmp=tmp_path)})

    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("gongkai: ")
    assert expected in lines[0]
    assert "Traceback" not in done.stderr


# --- serve ------------------------------------------------------------------------------


def test_serve_on_a_port_in_use_says_so_and_exits_2(tmp_path):
    """Another program on the port: one clear line naming the port, status 2."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        done = gongkai(tmp_path, "serve", "--host", "127.0.0.1", "--port", str(port))

    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"gongkai: 端口 {port} 已被占用，请用 --port 换一个端口 / "
        f"port {port} is already in use: choose another with --port"
    )


def test_open_listeners_for_every_address_reach_both_ip_versions():
    """Host '::' is one dual-stack socket: the site is at [::1] and at 127.0.0.1."""
    listeners = open_listeners("::", free_port())
    try:
        port = listeners[0].getsockname()[1]
        expected = [f"http://127.0.0.1:{port}/"]
        if ipv6_loopback():
            expected.insert(0, f"http://[::1]:{port}/")
        assert site_urls(listeners) == expected
    finally:
        for sock in listeners:
            sock.close()


def test_open_listeners_refuses_a_port_in_use():
    """A taken port raises Abort with the bilingual message."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(Abort, match=f"port {port} is already in use"):
            open_listeners("127.0.0.1", port)


def test_open_listeners_refuses_a_port_another_server_shares_with_so_reuseport():
    """Per-worker sockets share their port (SO_REUSEPORT); a second server setting the same
    flag must still be told the port is taken, not join the first one's group."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(Abort, match=f"port {port} is already in use"):
            open_listeners("127.0.0.1", port)


def test_worker_listeners_are_one_set_of_sockets_per_worker_on_the_same_addresses():
    """Each set on the same addresses, and every socket with TCP_NODELAY (accepted
    connections inherit it: without it a keep-alive response written as headers then body
    waited 40 ms for the client's delayed ACK)."""
    listeners = open_listeners("localhost", free_port())
    groups = worker_listeners(listeners, 3)
    try:
        assert len(groups) == 3
        assert groups[0] == listeners
        names = [sock.getsockname()[:2] for sock in listeners]
        for group in groups[1:]:
            assert [sock.getsockname()[:2] for sock in group] == names
            assert {sock.fileno() for sock in group}.isdisjoint(s.fileno() for s in listeners)
        for group in groups:
            for sock in group:
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        for group in groups:
            for sock in group:
                sock.close()


def _tcp_sockets(port: int) -> list[tuple[str, int]]:
    """(state, inode) of the TCP sockets whose local port is ``port`` (Linux /proc/net)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    found.append((fields[3], int(fields[9])))
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def test_each_web_worker_accepts_connections_on_its_own_socket(tmp_path):
    """Issue #4 §8: with one shared listening socket one worker often took every keep-alive
    connection of a burst and the other idled. Each worker now has its own socket on the
    port and the kernel spreads connections over them: 40 connections opened at once reach
    both workers."""
    migrated = gongkai(tmp_path, "migrate", "--no-input", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gongkai", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--workers", "2", "--no-worker"],
            env=child_env(tmp_path, GONGKAI_HTTPS="0"),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        clients: list[socket.socket] = []
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            workers: list[int] = []
            while time.monotonic() < deadline and server.poll() is None:
                workers = list(children(server.pid))
                if len(workers) == 2 and http_status(f"http://127.0.0.1:{port}/") == 200:
                    break
                time.sleep(0.3)
            assert len(workers) == 2, (tmp_path / "serve.log").read_text()
            listening = [inode for state, inode in _tcp_sockets(port) if state == "0A"]
            assert len(listening) == 2  # one listening socket per worker

            for _ in range(40):
                clients.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            for client in clients:
                client.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for client in clients:
                assert client.recv(64).startswith(b"HTTP/1.1 ")
            established = {inode for state, inode in _tcp_sockets(port) if state == "01"}
            held = {pid: len(_socket_inodes(pid) & established) for pid in workers}
            assert sum(held.values()) == 40, held
            assert min(held.values()) >= 5, held  # both workers serve (binomial: ~1e-7)
        finally:
            for client in clients:
                client.close()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


@pytest.mark.skipif(not ipv6_loopback(), reason="this machine has no IPv6 loopback address")
def test_serve_answers_on_ipv4_and_ipv6_and_stops_its_job_worker(tmp_path):
    """`gongkai serve` answers 200 at 127.0.0.1 and [::1]; SIGTERM stops it and its worker."""
    migrated = gongkai(tmp_path, "migrate", "--no-input", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    urls = [f"http://127.0.0.1:{port}/", f"http://[::1]:{port}/"]
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gongkai", "serve", "--port", str(port), "--workers", "1"],
            env=child_env(tmp_path, GONGKAI_HTTPS="0"),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            statuses: dict[str, int | None] = {}
            deadline = time.monotonic() + SERVER_START_SECONDS
            while time.monotonic() < deadline and server.poll() is None:
                statuses = {url: http_status(url) for url in urls}
                if all(status == 200 for status in statuses.values()):
                    break
                time.sleep(0.3)
            assert statuses == dict.fromkeys(urls, 200), (tmp_path / "serve.log").read_text()

            workers: dict[int, str] = {}
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not workers:
                workers = {
                    pid: cmd for pid, cmd in children(server.pid).items() if "gongkai worker" in cmd
                }
                time.sleep(0.1)
            assert len(workers) == 1, children(server.pid)

            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=30) == 0
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(alive(pid) for pid in workers):
                time.sleep(0.1)
            assert not any(alive(pid) for pid in workers)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


# --- demo -------------------------------------------------------------------------------


def test_demo_without_serving_loads_the_data_and_prints_the_sign_ins(tmp_path):
    """`gongkai demo --no-serve` sets up a fresh data dir and prints the demo logins."""
    done = gongkai(tmp_path, "demo", "--no-serve")

    assert done.returncode == 0, done.stderr
    for username in (
        "office",
        "jjj-editor",
        "jjj-reviewer",
        "jjj-officer",
        "jjj-admin",
        "czj-editor",
        "czj-admin",
    ):
        assert f"\n  {username} " in done.stdout
    assert DEMO_PASSWORD in done.stdout
    assert "经济局" in done.stdout
    assert (tmp_path / "gongkai.sqlite3").exists()

    again = gongkai(tmp_path, "demo", "--no-serve")
    assert again.returncode == 0, again.stderr
    assert "0 units and 0 accounts created" in again.stdout


# --- init -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_init_creates_the_first_office_administrator():
    """With every flag given, init creates an active Office administrator."""
    call_command(
        "init",
        "--username",
        "chief",
        "--password",
        "a-long-Passphrase-2020",
        "--email",
        "chief@eco-city.example",
        "--full-name",
        "王主任",
        "--no-input",
    )

    user = User.objects.get(username="chief")
    assert user.is_office_admin
    assert user.is_staff
    assert user.is_active
    assert user.full_name == "王主任"
    assert user.check_password("a-long-Passphrase-2020")


@pytest.mark.django_db
def test_init_refuses_a_username_that_exists(make_user):
    """An existing username is refused with a clear message, and nothing changes."""
    make_user("chief")

    with pytest.raises(Abort, match="the username chief is already taken"):
        call_command(
            "init", "--username", "chief", "--password", "a-long-Passphrase-2020", "--no-input"
        )

    assert not User.objects.get(username="chief").is_office_admin


@pytest.mark.django_db
def test_init_without_input_needs_the_password():
    """--no-input with no --password is a clear error, not a prompt."""
    with pytest.raises(Abort, match="--password is missing"):
        call_command("init", "--username", "chief", "--no-input")

    assert not User.objects.filter(username="chief").exists()


@pytest.mark.django_db
def test_init_refuses_a_weak_password():
    """Django's password validators apply: a short, common password is refused."""
    with pytest.raises(Abort, match="too weak"):
        call_command("init", "--username", "chief", "--password", "password", "--no-input")

    assert not User.objects.filter(username="chief").exists()


# --- check ------------------------------------------------------------------------------


@pytest.fixture
def production_settings(settings, tmp_path, monkeypatch):
    """Settings as a careful production site would have them, with a 0600 key file."""
    monkeypatch.delenv("GONGKAI_SECRET_KEY", raising=False)
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set for Playwright tests
    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path))
    key_file = tmp_path / "secret_key"
    key_file.write_text("k" * 64)
    key_file.chmod(0o600)
    settings.DATA_DIR = tmp_path
    settings.DEBUG = False
    settings.HTTPS = True
    settings.ALLOWED_HOSTS = ["gongkai.example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


@pytest.mark.django_db
def test_check_passes_a_production_configuration(production_settings, capsys):
    """HTTPS on, real host name, key file 0600, database migrated: one OK line."""
    call_command("check_deploy")

    assert capsys.readouterr().out.strip().splitlines() == [
        "OK：部署检查通过 / OK: the deployment check found no problems"
    ]


@pytest.mark.django_db
def test_check_reports_each_problem_on_one_line(production_settings, capsys):
    """HTTPS off, a wildcard host and a readable key file: one line each, non-zero status."""
    production_settings.HTTPS = False
    production_settings.SECURE_SSL_REDIRECT = False
    production_settings.ALLOWED_HOSTS = ["*"]
    (production_settings.DATA_DIR / "secret_key").chmod(0o644)

    with pytest.raises(Abort) as failed:
        call_command("check_deploy")

    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if line.startswith("问题 / problem: ")]
    assert len(problems) == len(out.strip().splitlines())
    assert any("GONGKAI_HTTPS is off" in line for line in problems)
    assert any("wildcard" in line for line in problems)
    assert any("not 0600" in line for line in problems)
    assert any(line.startswith("问题 / problem: security.W008") for line in problems)
    assert stat.S_IMODE((production_settings.DATA_DIR / "secret_key").stat().st_mode) == 0o644
