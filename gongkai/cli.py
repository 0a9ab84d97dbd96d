"""The ``gongkai`` command: our own commands first, every Django management command after.

Problems a user can fix (bad configuration, a database that cannot be reached,
a port in use, …) end the command with one line on stderr, prefixed
``gongkai:``, and exit status 2 — never a traceback.
"""

from __future__ import annotations

import os
import sys

PROG = "gongkai"

SUMMARY = """\
gongkai — 政务公开平台 / the Gongkai government-openness platform

常用命令 / main commands:
  gongkai demo      载入演示数据并在本机启动网站
                    load the demo data and start the site on this computer
  gongkai init      建立数据库并创建第一个委办管理员账号
                    set up the database and create the first Office administrator
  gongkai serve     启动正式网站（gunicorn，含后台任务进程）
                    run the production web server (gunicorn) with the background job worker
  gongkai worker    只运行后台任务进程（邮件、定时任务）
                    run the background job worker only (e-mail, scheduled jobs)
  gongkai check     检查部署配置是否安全、完整
                    check the deployment for problems
  gongkai requests due
                    列出即将到期和已逾期的政府信息公开申请（可用于定时任务）
                    list disclosure requests due soon or overdue (for cron)
  gongkai calendar due --from YYYY-MM-DD --days N
                    按工作日历计算期限并列出计算过程
                    a due date in working days, with its working
  gongkai rotate-keys
                    更换个人信息加密密钥并重新加密
                    rotate the personal-data encryption key and re-encrypt

每个命令的选项 / options of a command:  gongkai <command> --help

Django 的管理命令也都可以直接使用 / every Django management command works too:
  gongkai migrate, gongkai shell, gongkai createsuperuser, gongkai collectstatic, …
  (全部命令 / all commands: gongkai help --commands;
   Django 自带的系统检查 / Django's own system check: gongkai django-check)

配置通过 GONGKAI_* 环境变量 / configuration comes from GONGKAI_* environment variables
(GONGKAI_DATA_DIR, GONGKAI_DATABASE_URL, GONGKAI_HTTPS, …): see README.md.
"""

# Our names for commands whose Django name is different.
ALIASES = {
    "check": "check_deploy",
    "django-check": "check",
    "import-units": "import_units",
    "import-calendar": "import_calendar",
    "import-documents": "import_documents",
    "export-catalogue": "export_catalogue",
    "rotate-keys": "rotate_keys",
}


class Abort(Exception):
    """Stop a ``gongkai`` command with one line for the user.

    ``gongkai`` prints the message prefixed ``gongkai:`` and exits with
    ``returncode`` (2 unless given). Raised by our management commands.
    """

    def __init__(self, message: str, returncode: int = 2) -> None:
        super().__init__(message)
        self.returncode = returncode


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines too) made one space."""
    return " ".join(str(text).split())


def _fail(message: object, returncode: int = 2) -> None:
    print(f"{PROG}: {one_line(message)}", file=sys.stderr)
    raise SystemExit(returncode)


def _database_unreachable() -> str | None:
    """Why the default database cannot be reached, or ``None`` when it can."""
    from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

    connection = connections[DEFAULT_DB_ALIAS]
    try:
        connection.close()
        connection.ensure_connection()
    except OperationalError as exc:
        return one_line(exc)
    return None


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "help"
    if command in {"help", "--help", "-h"} and len(args) <= 1:
        sys.stdout.write(SUMMARY)
        return
    if command in ALIASES:
        args[0] = ALIASES[command]
    elif command == "help" and len(args) == 2 and args[1] in ALIASES:
        args[1] = ALIASES[args[1]]
    if command == "demo":
        # The demo serves plain HTTP on this computer; this must be set before settings load.
        os.environ.setdefault("GONGKAI_HTTPS", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.config.settings")

    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    from gongkai.config.env import ConfigError

    try:
        execute_from_command_line([PROG, *args])
    except ConfigError as exc:
        _fail(exc)
    except Abort as exc:
        _fail(exc, exc.returncode)
    except OperationalError:
        reason = _database_unreachable()
        if reason is None:  # the database is there: a real fault, keep the traceback
            raise
        _fail(
            f"无法连接数据库（{reason}），请检查 GONGKAI_DATABASE_URL 以及数据库是否已启动 / "
            f"cannot connect to the database ({reason}): check GONGKAI_DATABASE_URL and that "
            "the database server is running"
        )
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except BrokenPipeError:  # e.g. `gongkai demo --no-serve | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
