"""``gongkai demo``: a working site with the 2020 Eco-City units on this computer, at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from gongkai.annual_reports.demo import load_demo_annual_reports
from gongkai.core.management.commands._common import default_port, default_workers, port_number
from gongkai.core.management.commands.serve import (
    LOOPBACK,
    open_listeners,
    prepare,
    print_site,
    serve,
)
from gongkai.disclosure_requests.demo import load_demo_requests
from gongkai.library.demo import load_demo_documents
from gongkai.search.indexer import rebuild
from gongkai.units.demo import DEMO_PASSWORD, DemoResult, load_demo


def login_table(result: DemoResult) -> list[str]:
    """The demo sign-ins as aligned text lines (CJK characters count as two columns)."""

    def width(text: str) -> int:
        return sum(2 if ord(char) > 0x2E7F else 1 for char in text)

    def pad(text: str, columns: int) -> str:
        return text + " " * (columns - width(text))

    header = ("用户名 / username", "密码 / password", "角色 / role", "单位 / unit")
    rows = [header] + [(x.username, x.password, x.role, x.unit) for x in result.logins]
    widths = [max(width(row[i]) for row in rows) for i in range(3)]
    lines = []
    for row in rows:
        lines.append(
            "  ".join(pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        )
    lines.insert(1, "-" * (sum(widths) + 6 + max(width(row[3]) for row in rows)))
    return lines


class Command(BaseCommand):
    help = (
        "Try Gongkai on this computer: set up the database in the data directory, load the "
        "demo units, leaders, staff accounts and disclosure officers of the 2020 Eco-City "
        "work plan (again and again without duplicates), print the demo sign-ins, and start "
        "the site with the background job worker. The demo serves plain HTTP."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--host",
            default=LOOPBACK,
            help=(
                "Address to listen on. Default: 'localhost', which means [::1] and 127.0.0.1, "
                "this computer only (the demo passwords are public). '::' means every address."
            ),
        )
        parser.add_argument(
            "--port",
            type=port_number,
            help="Port to listen on. Default: $GONGKAI_PORT, else 8000.",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Load the demo data and print the sign-ins, but do not start the site.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Claim the port first: if it is taken, say so before doing anything else.
        listeners = (
            []
            if options["no_serve"]
            else open_listeners(options["host"], options["port"] or default_port())
        )
        try:
            Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
            self.stdout.write("正在准备数据库 / setting up the database …")
            call_command("migrate", interactive=False, verbosity=0)
            result = load_demo()
            load_demo_documents()
            load_demo_requests()
            load_demo_annual_reports()
            self.stdout.write("正在建立全文检索索引 / building the search index …")
            rebuild()
            self.stdout.write(
                f"演示数据已就绪（新建 {result.units_created} 个单位、"
                f"{result.accounts_created} 个账号）/ demo data ready "
                f"({result.units_created} units and {result.accounts_created} accounts created)"
            )
            prepare()
        except BaseException:
            for sock in listeners:
                sock.close()
            raise

        self.stdout.write("")
        self.stdout.write(
            f"演示账号（密码均为 {DEMO_PASSWORD}，如已修改以修改后为准）/ demo sign-ins "
            f"(every password is {DEMO_PASSWORD} unless you changed it):"
        )
        for line in login_table(result):
            self.stdout.write(f"  {line}")
        self.stdout.write("")
        if not listeners:
            self.stdout.write(
                "用 gongkai demo 或 gongkai serve 启动网站 / start the site with "
                "`gongkai demo` or `gongkai serve`"
            )
            return
        print_site(self.stdout, listeners)
        serve(listeners, workers=default_workers(), with_job_worker=True)
