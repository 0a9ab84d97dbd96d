"""``gongkai requests due|destroy-personal-data|recompute``: disclosure requests from cron."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from gongkai.cli import Abort
from gongkai.core import calendar
from gongkai.disclosure_requests import reminders, services
from gongkai.disclosure_requests.choices import Status
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.units.models import Unit

MAX_DAYS = 1000


def _date(value: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise Abort(
            f"{option} {value!r} 不是有效日期，应写作 YYYY-MM-DD / "
            f"{option} {value!r} is not a date: write it as YYYY-MM-DD"
        ) from None


def _days(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        days = int(value)
    except ValueError:
        days = -1
    if not 0 <= days <= MAX_DAYS:
        raise Abort(
            f"--days {value!r} 应为 0 至 {MAX_DAYS} 的整数 / "
            f"--days {value!r} must be a whole number from 0 to {MAX_DAYS}"
        )
    return days


class Command(BaseCommand):
    help = (
        "Disclosure requests from the command line (for cron). "
        "`gongkai requests due [--unit CODE] [--days N] [--json]` lists the open requests that "
        "are overdue or due within N working days (default GONGKAI_REQUEST_DUE_SOON_DAYS, 3), "
        "with tracking number, unit, receipt date, due date and working days left, and a "
        "warning where the due date lies in a year whose calendar is not yet confirmed; the "
        "exit status is 0 whatever it finds. `gongkai requests destroy-personal-data` destroys "
        "the applicants' personal data of requests closed longer than the retention period "
        "(the daily job does the same). `gongkai requests recompute` recomputes the due date "
        "of every open request from the current calendar."
    )

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        due = actions.add_parser(
            "due", help="List overdue and due-soon requests (for cron; exit status 0)."
        )
        due.add_argument("--unit", metavar="CODE", help="Only the requests of this unit.")
        due.add_argument(
            "--days",
            metavar="N",
            help="Due soon means at most N working days left (default: the configured 3).",
        )
        due.add_argument("--json", action="store_true", help="Print JSON instead of text.")
        due.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Count from this day instead of today (to check a past or future day).",
        )
        actions.add_parser(
            "destroy-personal-data",
            help="Destroy applicants' personal data after the retention period.",
        )
        actions.add_parser("recompute", help="Recompute every open request's due date.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "due":
            self.due(options)
        elif action == "destroy-personal-data":
            count = services.destroy_personal_data()
            self.stdout.write(
                f"已销毁 {count} 件申请的申请人个人信息 / personal data destroyed for "
                f"{count} request(s)"
            )
        else:
            self.recompute()

    def due(self, options: dict[str, Any]) -> None:
        today = _date(options["today"], "--today") if options.get("today") else timezone.localdate()
        days = _days(options.get("days"))
        units = None
        code = (options.get("unit") or "").strip()
        if code:
            unit = Unit.objects.filter(code__iexact=code).first()
            if unit is None:
                raise Abort(f"没有代码为 {code} 的单位 / no unit has the code {code}")
            units = [unit]
        days = reminders.due_soon_days() if days is None else days
        items = reminders.due_items(today=today, days=days, units=units)
        if options.get("json"):
            self.stdout.write(
                json.dumps(
                    {
                        "today": today.isoformat(),
                        "due_soon_working_days": days,
                        "unit": units[0].code if units else None,
                        "requests": [item.as_dict() for item in items],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        overdue = sum(1 for item in items if item.overdue)
        soon = len(items) - overdue
        scope = f"{units[0].code} {units[0].name_zh}：" if units else ""
        scope_en = f"{units[0].code}: " if units else ""
        self.stdout.write(
            f"{scope}截至 {today}，{overdue} 件已逾期、{soon} 件将在 {days} 个工作日内到期 / "
            f"{scope_en}as of {today}, {overdue} overdue and {soon} due within {days} "
            "working day(s)"
        )
        for line in reminders.digest_lines(items):
            self.stdout.write(line)
        warnings = {}
        for item in items:
            if not item.confirmed:
                warnings[item.unconfirmed_years] = (item.warning("zh-hans"), item.warning("en"))
        for zh, en in warnings.values():
            self.stdout.write(f"注意 / note: {zh} / {en}")

    def recompute(self) -> None:
        total = (
            DisclosureRequest.objects.exclude(status=Status.CLOSED)
            .filter(clock_started_on__isnull=False)
            .count()
        )
        self.stdout.write(
            f"正在按当前工作日历重新计算 {total} 件未办结申请的答复期限 … / recomputing the "
            f"due dates of {total} open request(s) from the current calendar …"
        )
        calendar.calendar_cache_clear()  # read the calendar afresh, whoever changed it
        changed = services.on_calendar_change(())
        self.stdout.write(
            f"完成：{changed} 件的答复期限有变化 / done: {changed} due date(s) changed"
        )
