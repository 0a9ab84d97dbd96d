"""``gongkai check``: is this installation ready to face the public?

Django's deployment checks (``check --deploy`` at warning level) plus ours: the
data directory, the database and its migrations, the generated secret key's file
permissions, HTTPS and the allowed host names.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

from gongkai.cli import Abort, one_line
from gongkai.config.env import ConfigError, data_dir
from gongkai.core.management.commands._common import (
    migrations_pending_message,
    unapplied_migrations,
)


def django_findings() -> list[str]:
    """Django's own checks with ``--deploy``, warnings and worse, one line each."""
    try:
        messages = checks.run_checks(include_deployment_checks=True, databases=[DEFAULT_DB_ALIAS])
    except OperationalError:  # reported by database_findings(); run what needs no database
        messages = checks.run_checks(include_deployment_checks=True)
    findings = []
    for message in messages:
        if message.level < checks.WARNING or message.is_silenced():
            continue
        line = f"{message.id}: {one_line(message.msg)}"
        if message.hint:
            line += f" ({one_line(message.hint)})"
        findings.append(line)
    return findings


def data_dir_findings() -> list[str]:
    try:
        data_dir()  # creates the folder and writes a probe file
    except ConfigError as exc:
        return [str(exc)]
    return []


def database_findings() -> list[str]:
    try:
        connections[DEFAULT_DB_ALIAS].ensure_connection()
    except OperationalError as exc:
        return [
            f"无法连接数据库（{one_line(exc)}）/ cannot connect to the database "
            f"({one_line(exc)}): check GONGKAI_DATABASE_URL"
        ]
    pending = unapplied_migrations()
    return [migrations_pending_message(pending)] if pending else []


def secret_key_findings() -> list[str]:
    if os.environ.get("GONGKAI_SECRET_KEY"):
        return []
    key_file = Path(settings.DATA_DIR) / "secret_key"
    try:
        mode = stat.S_IMODE(key_file.stat().st_mode)
    except FileNotFoundError:
        return [f"密钥文件 {key_file} 不存在 / the secret key file {key_file} is missing"]
    if mode != 0o600:
        return [
            f"密钥文件 {key_file} 的权限是 {mode:04o}，应为 0600（chmod 600 {key_file}）/ "
            f"the secret key file {key_file} has permissions {mode:04o}, not 0600: "
            f"run chmod 600 {key_file}"
        ]
    return []


def https_findings() -> list[str]:
    if settings.HTTPS:
        return []
    return [
        "GONGKAI_HTTPS 已关闭：登录和 Cookie 会以明文传输，请通过 HTTPS 提供服务并设置 "
        "GONGKAI_HTTPS=1 / GONGKAI_HTTPS is off: sign-ins and cookies travel in clear text; "
        "serve the site over HTTPS and set GONGKAI_HTTPS=1"
    ]


def allowed_hosts_findings() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if "*" in hosts:
        return [
            "GONGKAI_ALLOWED_HOSTS 含通配符 *，请只列出本站的域名 / GONGKAI_ALLOWED_HOSTS "
            "contains the wildcard *: list the site's own domain names only"
        ]
    local = {"localhost", "127.0.0.1", "[::1]", "::1"}
    if not set(hosts) - local:
        return [
            "GONGKAI_ALLOWED_HOSTS 只有本机地址，请加上本站的域名 / GONGKAI_ALLOWED_HOSTS "
            "names this computer only: add the site's domain name, e.g. gongkai.example.gov.cn"
        ]
    return []


def all_findings() -> list[str]:
    findings = data_dir_findings() + database_findings()
    findings += secret_key_findings() + https_findings() + allowed_hosts_findings()
    return findings + django_findings()


class Command(BaseCommand):
    help = (
        "Check that this installation is ready for production: Django's deployment checks, "
        "a writable data directory, a reachable and up-to-date database, the secret key "
        "file's permissions, HTTPS on and the allowed host names. Prints one line per "
        "problem and exits with a non-zero status if there is any."
    )
    requires_system_checks: list[str] = []  # we run them ourselves and report them one per line

    def handle(self, *args: Any, **options: Any) -> None:
        findings = all_findings()
        for finding in findings:
            self.stdout.write(f"问题 / problem: {finding}")
        if findings:
            raise Abort(
                f"发现 {len(findings)} 个问题，请先处理 / {len(findings)} problem(s) found: "
                "fix them before going live",
                returncode=1,
            )
        self.stdout.write("OK：部署检查通过 / OK: the deployment check found no problems")
