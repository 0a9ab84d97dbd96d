"""Scheduled jobs of the units app."""

from __future__ import annotations

import datetime

from django_tasks import task

from gongkai.core.jobs import periodic


@periodic(every=datetime.timedelta(days=7))
@task()
def remind_office_of_units_without_officer() -> int:
    """Weekly: tell the Office which units have no disclosure officer on record (R-6.1)."""
    from gongkai.core.tasks import send_email
    from gongkai.units.selectors import units_without_officer
    from gongkai.units.services import _office_emails

    missing = list(units_without_officer().order_by("sort_order", "code"))
    if not missing:
        return 0
    lines = "\n".join(f"- {u.code} {u.name_zh} / {u.name_en}" for u in missing)
    send_email.call(
        f"[政务公开] {len(missing)} 个单位尚无备案的政务公开工作人员",
        "以下单位尚无经确认备案的政务公开工作人员 / These units have no disclosure "
        f"officer on record:\n{lines}\n",
        _office_emails(),
    )
    return len(missing)
