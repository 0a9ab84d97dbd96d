"""Expiry reminders: the owning unit hears 6 months, 1 month and 1 week ahead (issue #3 §5)."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gongkai.accounts.models import Membership, Role
from gongkai.core.jobs import enqueue_on_commit
from gongkai.core.tasks import send_email
from gongkai.library.choices import PublicationState, Validity
from gongkai.library.models import Document, ExpiryNotice


def _lead_date(today: datetime.date, months: int, days: int) -> datetime.date:
    """``today`` plus ``months`` calendar months (clamped to the month's end) and ``days``."""
    month_index = today.month - 1 + months
    year, month = today.year + month_index // 12, month_index % 12 + 1
    day = min(today.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day) + datetime.timedelta(days=days)


def due_notices(today: datetime.date) -> list[tuple[Document, str]]:
    """(document, lead) pairs to send now: for each in-force document expiring within the
    longest lead, the shortest lead whose window it is in, unless that notice went already."""
    leads = sorted(
        settings.GONGKAI_LIBRARY["EXPIRY_NOTICES"],
        key=lambda lead: _lead_date(today, lead[1], lead[2]),
    )
    if not leads:
        return []
    horizon = _lead_date(today, leads[-1][1], leads[-1][2])
    documents = list(
        Document.objects.filter(
            validity=Validity.IN_FORCE,
            state=PublicationState.PUBLISHED,  # drafts are not in force for anyone yet
            valid_until__gte=today,
            valid_until__lte=horizon,
        ).select_related("unit")
    )
    sent = set(
        ExpiryNotice.objects.filter(document__in=documents).values_list(
            "document_id", "valid_until", "lead"
        )
    )
    due = []
    for document in documents:
        for name, months, days in leads:
            if document.valid_until <= _lead_date(today, months, days):
                if (document.pk, document.valid_until, name) not in sent:
                    due.append((document, name))
                break
    return due


def send_due_expiry_notices(today: datetime.date | None = None) -> int:
    """Queue one e-mail per unit listing its documents that expire soon; record each notice."""
    today = today or timezone.localdate()
    by_unit: dict[int, list[tuple[Document, str]]] = defaultdict(list)
    for document, lead in due_notices(today):
        by_unit[document.unit_id].append((document, lead))
    with transaction.atomic():
        for unit_id, items in by_unit.items():
            ExpiryNotice.objects.bulk_create(
                [
                    ExpiryNotice(document=d, valid_until=d.valid_until, lead=lead)
                    for d, lead in items
                ],
                ignore_conflicts=True,
            )
            recipients = sorted(
                set(
                    Membership.objects.filter(
                        unit_id=unit_id,
                        role__in=[Role.REVIEWER, Role.UNIT_ADMIN],
                        user__is_active=True,
                    )
                    .exclude(user__email="")
                    .values_list("user__email", flat=True)
                )
            )
            lines = "\n".join(
                f"- {d.index_number} 《{d.title}》 {d.document_number} "
                f"有效期至 / valid until {d.valid_until:%Y-%m-%d}"
                for d, _lead in items
            )
            enqueue_on_commit(
                send_email,
                f"[政务公开] {len(items)} 件文件即将到期 / documents expire soon",
                "以下文件即将到期，请评估后续延、修订或废止 / These documents expire soon: "
                f"renew, revise or repeal them.\n{lines}\n",
                recipients,
            )
    return sum(len(items) for items in by_unit.values())
