"""Configuration from environment variables, with safe defaults.

Every problem is raised as :class:`ConfigError` carrying one line that says
what to fix, in Chinese and English; the ``gongkai`` command prints that line
instead of a traceback.
"""

from __future__ import annotations

import os
import secrets
import string
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import dj_database_url


class ConfigError(Exception):
    """A configuration value is invalid. ``str(exc)`` is one line that says what to fix."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(
        f"{name}={raw!r} 不是有效的开关值，请使用 1 或 0 / "
        f"{name}={raw!r} is not a valid switch: use 1 or 0"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A whole number; with ``minimum``, smaller values are refused."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} 不是整数 / {name}={raw!r} is not a whole number"
        ) from None
    if minimum is not None and value < minimum:
        raise ConfigError(
            f"{name}={raw!r} 应至少为 {minimum} / {name}={raw!r} must be at least {minimum}"
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """The data directory (``GONGKAI_DATA_DIR``, default ``./var``), created and writable."""
    path = Path(os.environ.get("GONGKAI_DATA_DIR", "var")).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        # A probe of this process's own: several processes start at once (gunicorn workers,
        # job workers), and a shared name was unlinked under another's feet (ENOENT).
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"数据目录 {path} 无法写入（{exc.strerror}），请设置可写的 GONGKAI_DATA_DIR / "
            f"data directory {path} is not writable ({exc.strerror}): "
            "set GONGKAI_DATA_DIR to a writable folder"
        ) from None
    return path


def secret_key(directory: Path) -> str:
    """``GONGKAI_SECRET_KEY``, or a key generated once and kept in the data directory."""
    configured = os.environ.get("GONGKAI_SECRET_KEY")
    if configured:
        if len(configured) < 50:
            raise ConfigError(
                "GONGKAI_SECRET_KEY 太短，至少需要 50 个字符 / "
                "GONGKAI_SECRET_KEY is too short: use at least 50 characters"
            )
        return configured
    key_file = directory / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    alphabet = string.ascii_letters + string.digits + "!#%+-=@^_"
    key = "".join(secrets.choice(alphabet) for _ in range(64))
    # Create with owner-only permissions; O_EXCL so two processes do not race.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def database(directory: Path) -> dict[str, Any]:
    """``GONGKAI_DATABASE_URL`` (default: SQLite in the data dir) as a DATABASES entry."""
    url = os.environ.get("GONGKAI_DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{directory / 'gongkai.sqlite3'}"
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"GONGKAI_DATABASE_URL 的类型 {scheme or '(空)'!s} 不受支持，请使用 sqlite:/// 或 "
            "postgres:// / GONGKAI_DATABASE_URL scheme "
            f"{scheme or '(none)'!s} is not supported: use sqlite:///path or postgres://user@host/db"
        )
    # Persistent connections: opening one costs 1.5–4 ms per request on SQLite (schema parse,
    # PRAGMAs, Django's SQL functions) and more on PostgreSQL — a third of a cold page.
    conn_max_age = env_int("GONGKAI_DATABASE_CONN_MAX_AGE", 60, minimum=0)
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    except ValueError as exc:
        raise ConfigError(
            f"GONGKAI_DATABASE_URL 无法解析（{exc}） / "
            f"GONGKAI_DATABASE_URL cannot be parsed ({exc})"
        ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME") or config["NAME"] == ":memory:":
            raise ConfigError(
                "GONGKAI_DATABASE_URL 必须指向 SQLite 文件 / "
                "GONGKAI_DATABASE_URL must name an SQLite file, e.g. sqlite:////srv/gongkai/db.sqlite3"
            )
        # WAL lets readers run beside the one writer; the busy timeout and
        # IMMEDIATE transactions let several server workers and the job worker
        # queue for the write lock instead of failing with "database is locked".
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
        config["OPTIONS"] = {"connect_timeout": 5}
    return config
