"""Jobs that belong to no single domain app."""

from __future__ import annotations

import datetime

from django.core.mail import send_mail
from django_tasks import task

from gongkai.core.jobs import periodic


@task()
def send_email(subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text e-mail through the configured backend (SMTP, or files on the demo)."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return 0
    return send_mail(subject, body, None, recipients, fail_silently=False)


@periodic(every=datetime.timedelta(days=1))
@task()
def prune_finished_jobs() -> int:
    """Delete finished job results older than 30 days so the queue table stays small."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(days=30)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
