"""E-mail to applicants (R-3.2: notified at each step).

The queued job carries the request's id, never the address: job arguments are stored in the
database in plain text (django-tasks-db), and the applicant's e-mail is personal data that must
stay encrypted at rest (R-4.3). The address is decrypted when the mail is sent.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_applicant_email(request_id: int, subject: str, body: str) -> int:
    """Send one e-mail to the applicant of request ``request_id`` (0 if it has no address any
    more, e.g. after its personal data was destroyed)."""
    from gongkai.disclosure_requests.models import DisclosureRequest

    request = DisclosureRequest.objects.filter(pk=request_id).first()
    if request is None or not request.email or request.personal_data_destroyed:
        return 0
    return send_mail(subject, body, None, [request.email], fail_silently=False)
