"""Scheduled jobs of disclosure requests: reminders, personal-data retention (#5 §4, §10)."""

from __future__ import annotations

import datetime

from django_tasks import task

from gongkai.core.jobs import periodic


@periodic(every=datetime.timedelta(days=1))
@task()
def send_request_reminders() -> int:
    """Send each unit's handlers, and the Office, the digest of due-soon and overdue requests."""
    from gongkai.disclosure_requests.reminders import send_due_reminders

    return send_due_reminders()


@periodic(every=datetime.timedelta(days=1))
@task()
def destroy_expired_personal_data() -> int:
    """Destroy applicants' personal data once the retention period after closing ends (R-4.3)."""
    from gongkai.disclosure_requests.services import destroy_personal_data

    return destroy_personal_data()
