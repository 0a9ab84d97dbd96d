"""Helpers shared by the ``gongkai`` commands (not a command: Django skips names starting ``_``)."""

from __future__ import annotations

import argparse
import os

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from gongkai.config import env


def port_number(value: str) -> int:
    """An ``argparse`` type: a TCP port, 1–65535."""
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{value!r} 不是有效端口（1–65535）/ {value!r} is not a port number (1–65535)"
        )
    return port


def positive_number(value: str) -> int:
    """An ``argparse`` type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} 应为正整数 / {value!r} must be a whole number of at least 1"
        )
    return number


def default_host() -> str:
    """``GONGKAI_HOST``, else ``::`` (every address, IPv6 and IPv4)."""
    return os.environ.get("GONGKAI_HOST", "").strip() or "::"


def default_port() -> int:
    """``GONGKAI_PORT``, else 8000."""
    port = env.env_int("GONGKAI_PORT", 8000)
    if not 1 <= port <= 65535:
        raise env.ConfigError(
            f"GONGKAI_PORT={port} 不是有效端口（1–65535）/ "
            f"GONGKAI_PORT={port} is not a port number (1–65535)"
        )
    return port


def default_workers() -> int:
    """``GONGKAI_WORKERS``, else 2."""
    workers = env.env_int("GONGKAI_WORKERS", 2)
    if workers < 1:
        raise env.ConfigError(
            f"GONGKAI_WORKERS={workers} 应至少为 1 / GONGKAI_WORKERS={workers} must be at least 1"
        )
    return workers


def unapplied_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names (``app.migration``) of the migrations the database still lacks."""
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def migrations_pending_message(pending: list[str]) -> str:
    return (
        f"数据库还有 {len(pending)} 个未应用的迁移，请先运行 gongkai migrate / "
        f"the database lacks {len(pending)} migration(s): run `gongkai migrate` first"
    )
