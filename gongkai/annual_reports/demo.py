"""Demo annual reports for ``gongkai demo`` (issue #6): published 2025 reports of three demo
units and of the government, so the portal's annual-report column, the report pages, the
downloads and ``/api/v1/annual-reports`` have something to show.

Made through the real services, as the demo staff would: each unit's disclosure officer
opens the report (section 一 is pre-filled with the year's figures), writes sections 五 and
六 and enters table 二's decisions and charges; the unit administrator (经济局, 财政局) or
the head of the disclosure office (建设局) reviews it; the officer publishes it. The Office
(``office``) then does the same for the government's report, which sums its units.

Idempotent: a report that exists already — published, or being worked on by someone — is
left alone, so running the demo again changes nothing. Needs the demo units and staff of
:func:`gongkai.units.demo.load_demo`; without them nothing is made.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from gongkai.accounts.models import User
from gongkai.annual_reports import selectors, services
from gongkai.annual_reports.models import AnnualReport
from gongkai.units.demo import OFFICE_USERNAME
from gongkai.units.models import Unit

YEAR = 2025

# unit code -> (officer, reviewer, entered figures, section 五, section 六)
UNITS: dict[str, tuple[str, str, dict[str, Any], str, str]] = {
    "JJJ": (
        "jjj-officer",
        "jjj-admin",
        {
            "licensing_decisions": 1264,
            "penalty_decisions": 37,
            "enforcement_decisions": 2,
            "charges_amount": Decimal("0"),
        },
        "一是政策解读形式较为单一，图解、视频等解读方式运用不足。2026年将丰富解读形式，"
        "对涉企政策同步推出图解和问答。\n二是依申请公开答复文书的规范性有待提高。"
        "将组织业务培训，统一答复文书格式和法律依据的引用。",
        "本年度未收取政府信息公开信息处理费。",
    ),
    "CZJ": (
        "czj-officer",
        "czj-admin",
        {
            "licensing_decisions": 0,
            "penalty_decisions": 4,
            "enforcement_decisions": 0,
            "charges_amount": Decimal("12.5400"),
        },
        "预决算信息公开的可读性仍需提升。2026年将在预决算公开中增加重点支出说明，"
        "并按功能分类细化到项级科目。",
        "本年度未收取政府信息公开信息处理费。",
    ),
    "JSJ": (
        "jsj-officer",
        "jsj-head",
        {
            "licensing_decisions": 486,
            "penalty_decisions": 21,
            "enforcement_decisions": 3,
            "charges_amount": Decimal("3.2000"),
        },
        "重点领域信息公开的及时性有待加强，保障性住房分配信息存在更新滞后的情况。"
        "2026年将建立重点领域信息更新台账，按月核查。",
        "本年度未收取政府信息公开信息处理费。",
    ),
}
GOVERNMENT_TEXTS = {
    "problems": "一是部分单位政府信息公开专栏栏目内容更新不够及时；二是政策解读的针对性有待提高。"
    "2026年将加强对各单位的督促指导，定期通报专栏更新情况。",
    "other_matters": "生态城管委会各单位按照《中华人民共和国政府信息公开条例》的规定，"
    "于2026年1月31日前发布了本单位2025年政府信息公开工作年度报告。",
}


def publish_report(
    *,
    unit: Unit | None,
    year: int,
    editor: User,
    reviewer: User,
    changes: dict[str, Any] | None = None,
    today: datetime.date | None = None,
) -> AnnualReport:
    """Open, fill in, review and publish one report through the services (the editor writes
    and publishes, the reviewer signs off). Raises ValidationError if a check fails."""
    report = services.report_open(unit=unit, year=year, by=editor)
    if changes:
        report = services.report_update(report=report, by=editor, **changes)
    report = services.report_review(report=report, by=reviewer)
    return services.report_publish(report=report, by=editor, today=today)


def load_demo_annual_reports() -> int:
    """Publish the demo reports that do not exist yet; return how many were published."""
    names = {OFFICE_USERNAME} | {u for spec in UNITS.values() for u in spec[:2]}
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    units = {u.code: u for u in Unit.objects.filter(code__in=list(UNITS))}
    if len(users) < len(names) or len(units) < len(UNITS):
        return 0
    published = 0
    with transaction.atomic():
        for code, (officer, reviewer, figures, problems, other) in UNITS.items():
            unit = units[code]
            if selectors.report_for(unit, YEAR) is not None:
                continue
            publish_report(
                unit=unit,
                year=YEAR,
                editor=users[officer],
                reviewer=users[reviewer],
                changes={**figures, "problems": problems, "other_matters": other},
            )
            published += 1
        if selectors.report_for(None, YEAR) is None:
            office = users[OFFICE_USERNAME]
            publish_report(
                unit=None, year=YEAR, editor=office, reviewer=office, changes=GOVERNMENT_TEXTS
            )
            published += 1
    return published
