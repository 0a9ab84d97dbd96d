"""Scheduled jobs of the library: publication, validity, expiry reminders (issue #3 §3, §5)."""

from __future__ import annotations

import datetime

from django_tasks import task

from gongkai.core.jobs import periodic


@periodic(every=datetime.timedelta(minutes=1))
@task()
def publish_scheduled_documents() -> int:
    """Publish scheduled documents whose time has come."""
    from gongkai.library.services import publish_scheduled

    return publish_scheduled()


@periodic(every=datetime.timedelta(hours=1))
@task()
def update_validity() -> int:
    """Bring documents into force on their effective date; expire them after valid-until."""
    from gongkai.library.services import bring_into_force, expire_documents

    return bring_into_force() + expire_documents()


@periodic(every=datetime.timedelta(hours=6))
@task()
def send_expiry_notices() -> int:
    """Tell each owning unit 6 months, 1 month and 1 week before a document expires."""
    from gongkai.library.notices import send_due_expiry_notices

    return send_due_expiry_notices()
