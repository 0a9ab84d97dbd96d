"""``gongkai serve``: the production web server (gunicorn) and the background job worker.

We open the listening socket ourselves — for ``::`` one IPv6 socket with
``IPV6_V6ONLY`` off, so both ``[::1]`` and ``127.0.0.1`` reach it — and hand it
to gunicorn as ``fd://N``. A port in use is then one clear line, not a gunicorn
retry loop. The gunicorn master also keeps the job worker (``gongkai worker``)
running as its child and stops it when the server stops.

On Linux each web worker listens on its own sockets, bound to the same address with
``SO_REUSEPORT``, and the kernel spreads new connections evenly over them. With one shared
socket, whichever worker woke first accepted a burst of keep-alive connections — often all
of them — and served them alone while the other worker idled: under 32 connections half the
runs gave half the throughput (issue #4 §8, ``bench/pages.py``; docs/adr/0013). A port held
by any other socket is still refused: a probe without ``SO_REUSEPORT`` is bound first.

``gongkai demo`` serves through the same functions.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, OutputWrapper
from django.db import connections
from gunicorn import sock as gunicorn_sock
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from gongkai.cli import Abort
from gongkai.core.management.commands._common import (
    default_host,
    default_port,
    default_workers,
    migrations_pending_message,
    port_number,
    positive_number,
    unapplied_migrations,
)

logger = logging.getLogger("gongkai.serve")

# ``--host localhost``: listen on the loopback addresses of both IP versions only.
LOOPBACK = "localhost"
BACKLOG = 2048


# --- Listening sockets ----------------------------------------------------------------


# Per-worker sockets need the kernel to balance SO_REUSEPORT groups (Linux does; BSD and
# macOS give every connection to one socket).
BALANCED = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _socket(family: int, address: str, *, reuse_port: bool) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: without it a response written as headers, then
        # body waits for the client's delayed ACK (40 ms on Linux) on a keep-alive connection.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6 and address == "::":
            # Dual stack: IPv4 clients arrive as ::ffff:a.b.c.d on the same socket.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    except BaseException:
        sock.close()
        raise
    return sock


def _bind(family: int, address: str, port: int) -> socket.socket:
    if BALANCED:
        # The probe has no SO_REUSEPORT, so any socket already on the port — another
        # `gongkai serve` included, though it sets the flag too — makes it fail here.
        with _socket(family, address, reuse_port=False) as probe:
            probe.bind((address, port))
            port = probe.getsockname()[1]
    sock = _socket(family, address, reuse_port=BALANCED)
    try:
        sock.bind((address, port))
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def worker_listeners(listeners: list[socket.socket], workers: int) -> list[list[socket.socket]]:
    """One set of listening sockets per web worker: ``listeners`` for the first, and for each
    other worker new sockets on the same addresses (``SO_REUSEPORT``). Just ``[listeners]``
    where the kernel does not balance such sockets."""
    groups = [listeners]
    if not BALANCED:
        return groups
    try:
        for _ in range(workers - 1):
            group = []
            groups.append(group)
            for sock in listeners:
                address, port = sock.getsockname()[:2]
                twin = _socket(sock.family, address, reuse_port=True)
                group.append(twin)
                if sock.family == socket.AF_INET6:
                    v6only = sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)
                    twin.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
                twin.bind((address, port))
                twin.listen(BACKLOG)
    except OSError as exc:
        for group in groups[1:]:
            for sock in group:
                sock.close()
        logger.warning("one listening socket for all workers (%s)", exc)
        return [listeners]
    return groups


def _ipv6_missing(exc: OSError) -> bool:
    return exc.errno in {errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL, errno.EPROTONOSUPPORT}


def _bind_problem(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"端口 {port} 已被占用，请用 --port 换一个端口 / "
            f"port {port} is already in use: choose another with --port"
        )
    if exc.errno == errno.EACCES:
        return (
            f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限），请用 --port 换一个端口 / "
            f"no permission to use port {port} (ports below 1024 need administrator rights): "
            "choose another with --port"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return (
            f"地址 {host} 不属于这台计算机，请用 --host 换一个地址 / "
            f"address {host} does not belong to this computer: choose another with --host"
        )
    return (
        f"无法在 {host} 的端口 {port} 上监听（{exc.strerror}）/ "
        f"cannot listen on {host} port {port} ({exc.strerror})"
    )


def open_listeners(host: str, port: int) -> list[socket.socket]:
    """Bound, listening sockets for ``host``:``port``; :class:`Abort` if that is impossible.

    ``::`` (or an empty host) means every address of both IP versions, falling back
    to IPv4 alone where IPv6 is switched off; ``localhost`` means ``[::1]`` and
    ``127.0.0.1`` only. Anything else is one address or host name.
    """
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    opened: list[socket.socket] = []
    try:
        if host == LOOPBACK:
            try:
                opened.append(_bind(socket.AF_INET6, "::1", port))
            except OSError as exc:
                if not _ipv6_missing(exc):
                    raise
            opened.append(_bind(socket.AF_INET, "127.0.0.1", port))
        elif host in {"", "::"}:
            try:
                opened.append(_bind(socket.AF_INET6, "::", port))
            except OSError as exc:
                if not _ipv6_missing(exc):
                    raise
                opened.append(_bind(socket.AF_INET, "", port))  # every IPv4 address
        else:
            family, _type, _proto, _name, address = socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            opened.append(_bind(family, str(address[0]), port))
    except socket.gaierror:
        for sock in opened:
            sock.close()
        raise Abort(
            f"找不到主机 {host}，请用 --host 给出本机的地址 / "
            f"unknown host {host}: give an address of this computer with --host"
        ) from None
    except OSError as exc:
        for sock in opened:
            sock.close()
        raise Abort(_bind_problem(exc, host, port)) from None
    return opened


def site_urls(listeners: list[socket.socket]) -> list[str]:
    """The addresses a browser on this computer can use to reach ``listeners``."""
    urls: list[str] = []
    for sock in listeners:
        address, port = sock.getsockname()[:2]
        every_address = ipaddress.ip_address(address).is_unspecified
        if sock.family == socket.AF_INET6:
            urls.append(f"http://[{'::1' if every_address else address}]:{port}/")
            if every_address and not sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY):
                urls.append(f"http://127.0.0.1:{port}/")
        else:
            urls.append(f"http://{'127.0.0.1' if every_address else address}:{port}/")
    return urls


# --- Before serving ---------------------------------------------------------------------


def prepare() -> None:
    """Refuse to serve an outdated database; collect static files for whitenoise."""
    pending = unapplied_migrations()
    if pending:
        raise Abort(migrations_pending_message(pending))
    call_command("collectstatic", interactive=False, verbosity=0)


# --- The job worker beside the web workers ---------------------------------------------


class JobWorker:
    """``gongkai worker`` as a child process of the gunicorn master."""

    RESTART_AFTER = 5.0  # seconds: a worker that keeps crashing is not restarted in a tight loop
    STOP_TIMEOUT = 15.0

    def __init__(self, parent_pid: int) -> None:
        self.parent_pid = parent_pid
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.stopping = False

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "gongkai", "worker", "--parent-pid", str(self.parent_pid)],
            close_fds=True,  # the listening sockets stay with the web server
        )
        self.started_at = time.monotonic()
        logger.info("job worker started (pid %s)", self.process.pid)

    def keep_running(self) -> None:
        """Restart the worker if it has exited (called from the master's loop)."""
        if self.process is None or self.stopping:
            return
        code = self.process.poll()
        if code is None or time.monotonic() - self.started_at < self.RESTART_AFTER:
            return
        logger.warning(
            "job worker (pid %s) exited with status %s; restarting it", self.process.pid, code
        )
        self.start()

    def terminate(self) -> None:
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(self.STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Arbiter(Arbiter):
    """gunicorn's master, which also keeps the job worker running and stops it on exit, and
    gives each web worker its own listening sockets (:func:`worker_listeners`)."""

    job_worker: JobWorker | None = None

    def start(self) -> None:
        super().start()
        # gunicorn made LISTENERS from the first group's fd:// binds; wrap the others alike.
        self.listener_groups = [self.LISTENERS]
        for sockets in self.app.extra_listeners:
            group = []
            for sock in sockets:
                wrapper = (
                    gunicorn_sock.TCP6Socket
                    if sock.family == socket.AF_INET6
                    else gunicorn_sock.TCPSocket
                )
                # gunicorn owns and closes the descriptor now
                group.append(wrapper(sock.getsockname(), self.cfg, self.log, fd=sock.detach()))
            self.listener_groups.append(group)
        self.app.extra_listeners = []
        if self.app.with_job_worker:
            self.job_worker = JobWorker(parent_pid=os.getpid())
            self.job_worker.start()

    def handle_chld(self) -> None:
        if self.job_worker is not None and self.job_worker.process is not None:
            self.job_worker.process.poll()  # reap it here, keeping its exit status
        super().handle_chld()

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.job_worker is not None:
            self.job_worker.keep_running()

    def spawn_worker(self) -> int:
        """A web worker on the first set of sockets no living worker has (a replacement takes
        over the sockets of the worker it replaces; their queued connections wait for it)."""
        groups = self.listener_groups
        used = {getattr(worker, "listener_slot", 0) for worker in self.WORKERS.values()}
        slot = next((i for i in range(len(groups)) if i not in used), 0)
        self.LISTENERS = groups[slot]
        try:
            pid = super().spawn_worker()
        finally:
            self.LISTENERS = groups[0]
        self.WORKERS[pid].listener_slot = slot
        return pid

    def stop(self, graceful: bool = True) -> None:
        if self.job_worker is not None:
            self.job_worker.terminate()  # it shuts down while the web workers do
        extra = [sock for group in self.listener_groups[1:] for sock in group]
        super().stop(graceful)
        for sock in extra:
            sock.close()
        self.listener_groups = [self.LISTENERS]
        if self.job_worker is not None:
            self.job_worker.wait()


class _Server(BaseApplication):
    """gunicorn, configured in code, serving ``gongkai.config.wsgi:application``."""

    def __init__(
        self,
        *,
        bind: list[str],
        workers: int,
        with_job_worker: bool,
        extra_listeners: list[list[socket.socket]] | None = None,
    ) -> None:
        self.options: dict[str, Any] = {
            "bind": bind,
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "graceful_timeout": 10,
            "accesslog": "-",
            "proc_name": "gongkai",
            # No control socket: it lives in a shared place ($HOME) and we do not use it.
            "control_socket_disable": True,
        }
        self.with_job_worker = with_job_worker
        self.extra_listeners = extra_listeners or []
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from gongkai.config.wsgi import application

        return application

    def run(self) -> None:
        try:
            _Arbiter(self).run()
        except RuntimeError as exc:
            raise Abort(f"网站服务器无法启动 / the web server could not start: {exc}") from None


def serve(listeners: list[socket.socket], *, workers: int, with_job_worker: bool) -> None:
    """Serve the site on ``listeners`` until the server is stopped (SIGTERM, SIGINT)."""
    groups = worker_listeners(listeners, workers)
    binds = []
    for sock in listeners:
        sock.set_inheritable(True)
        binds.append(f"fd://{sock.detach()}")  # gunicorn owns and closes the descriptor now
    # Forked web workers must not share the master's database connections.
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()
    _Server(
        bind=binds, workers=workers, with_job_worker=with_job_worker, extra_listeners=groups[1:]
    ).run()


def print_site(stdout: OutputWrapper, listeners: list[socket.socket]) -> list[str]:
    urls = site_urls(listeners)
    stdout.write("网站地址 / the site is at:")
    for url in urls:
        stdout.write(f"  {url}")
    stdout.write(f"后台管理 / back office:  {urls[0]}backoffice/")
    stdout.write(f"数据目录 / data directory: {settings.DATA_DIR}")
    stdout.write("按 Ctrl+C 停止 / press Ctrl+C to stop")
    return urls


class Command(BaseCommand):
    help = (
        "Run the production web server (gunicorn, not Django's development server) and, "
        "beside it, the background job worker. Static files are collected and served by "
        "the application itself. Stop it with Ctrl+C or SIGTERM."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--host",
            help=(
                "Address to listen on. Default: $GONGKAI_HOST, else '::', which means every "
                "address of this computer, IPv6 and IPv4. Use 'localhost' for this computer "
                "only."
            ),
        )
        parser.add_argument(
            "--port",
            type=port_number,
            help="Port to listen on. Default: $GONGKAI_PORT, else 8000.",
        )
        parser.add_argument(
            "--workers",
            type=positive_number,
            help="Number of web worker processes. Default: $GONGKAI_WORKERS, else 2.",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help=(
                "Do not start the background job worker (run `gongkai worker` separately instead)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"] if options["host"] is not None else default_host()
        port = options["port"] or default_port()
        workers = options["workers"] or default_workers()
        listeners = open_listeners(host, port)
        try:
            prepare()
        except BaseException:
            for sock in listeners:
                sock.close()
            raise
        print_site(self.stdout, listeners)
        serve(listeners, workers=workers, with_job_worker=not options["no_worker"])
