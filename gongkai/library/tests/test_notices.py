"""Expiry reminders: 6 months, 1 month and 1 week before valid-until, each once (#3 §5)."""

from __future__ import annotations

import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from gongkai.accounts.models import Role
from gongkai.library import services
from gongkai.library.choices import DocumentKind, Validity
from gongkai.library.models import ExpiryNotice
from gongkai.library.notices import due_notices, send_due_expiry_notices
from gongkai.library.tests.factories import published

VALID_UNTIL = datetime.date(2024, 6, 30)


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def normative(unit_a, editor_a, reviewer_a):
    """A published normative document of unit A, valid until 30 June 2024."""
    return published(
        unit_a,
        editor_a,
        reviewer_a,
        title="生态城人才引进办法",
        kind=DocumentKind.NORMATIVE,
        valid_until=VALID_UNTIL,
    )


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _leads(document) -> list[str]:
    return list(
        ExpiryNotice.objects.filter(document=document)
        .order_by("sent_at", "id")
        .values_list("lead", flat=True)
    )


def _mails() -> list[tuple[str, str, list[str]]]:
    """(subject, body, recipients) of the e-mail jobs in the queue, oldest first."""
    return [
        tuple(job.args_kwargs["args"])
        for job in DBTaskResult.objects.filter(task_path="gongkai.core.tasks.send_email").order_by(
            "enqueued_at"
        )
    ]


def test_each_notice_goes_once_at_six_months_one_month_and_one_week(normative):
    """Six months, one month and one week ahead the unit is told, each time exactly once."""
    assert send_due_expiry_notices(today=_day("2023-12-29")) == 0  # more than 6 months ahead

    assert send_due_expiry_notices(today=_day("2023-12-30")) == 1
    assert _leads(normative) == ["6m"]
    for day in ["2023-12-30", "2024-01-15", "2024-05-29"]:
        assert send_due_expiry_notices(today=_day(day)) == 0, day

    assert send_due_expiry_notices(today=_day("2024-05-30")) == 1
    assert _leads(normative) == ["6m", "1m"]
    for day in ["2024-05-31", "2024-06-22"]:
        assert send_due_expiry_notices(today=_day(day)) == 0, day

    assert send_due_expiry_notices(today=_day("2024-06-23")) == 1
    assert _leads(normative) == ["6m", "1m", "1w"]
    for day in ["2024-06-24", "2024-06-30", "2024-07-01"]:
        assert send_due_expiry_notices(today=_day(day)) == 0, day


def test_document_first_seen_ten_days_ahead_gets_the_one_month_notice_then_the_week(normative):
    """A document first seen 10 days before expiry skips the 6-month notice: it gets the
    1-month one at once, and the 1-week one when a week is left."""
    assert due_notices(_day("2024-06-20")) == [(normative, "1m")]

    assert send_due_expiry_notices(today=_day("2024-06-20")) == 1
    assert send_due_expiry_notices(today=_day("2024-06-22")) == 0
    assert send_due_expiry_notices(today=_day("2024-06-23")) == 1

    assert _leads(normative) == ["1m", "1w"]


def test_a_new_valid_until_date_starts_the_notices_again(normative, reviewer_a):
    """Notices are once per document and valid-until: a renewed document is reminded again."""
    send_due_expiry_notices(today=_day("2024-06-25"))
    assert _leads(normative) == ["1w"]

    services.document_update(
        document=normative,
        by=reviewer_a,
        changes={"valid_until": datetime.date(2025, 3, 1)},
        change_note="评估后延长有效期",
    )

    assert send_due_expiry_notices(today=_day("2024-09-01")) == 1
    assert sorted(
        ExpiryNotice.objects.filter(document=normative).values_list("valid_until", "lead")
    ) == [(VALID_UNTIL, "1w"), (datetime.date(2025, 3, 1), "6m")]


def test_documents_no_longer_in_force_get_no_notice(normative, reviewer_a):
    """A repealed document is not reminded of its valid-until date."""
    services.document_set_validity(
        document=normative, by=reviewer_a, validity=Validity.REPEALED, note="已被新办法废止"
    )

    assert send_due_expiry_notices(today=_day("2024-06-25")) == 0
    assert not ExpiryNotice.objects.exists()


def test_one_email_per_unit_goes_to_its_reviewers_and_admins(
    normative,
    unit_a,
    unit_b,
    editor_a,
    reviewer_a,
    unit_admin_a,
    make_user,
    django_capture_on_commit_callbacks,
):
    """Each unit gets one e-mail listing its expiring documents, sent to its active reviewers
    and unit admins — not to editors, nor to other units' staff."""
    second = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="生态城住房补贴办法",
        document_number="津生管发〔2020〕13号",
        kind=DocumentKind.NORMATIVE,
        valid_until=datetime.date(2024, 6, 28),
    )
    retired = make_user("retired-reviewer", unit_a, Role.REVIEWER)
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    editor_b = make_user("editor-b", unit_b, Role.EDITOR)
    reviewer_b = make_user("reviewer-b", unit_b, Role.REVIEWER)
    of_b = published(
        unit_b,
        editor_b,
        reviewer_b,
        title="财政资金管理办法",
        kind=DocumentKind.NORMATIVE,
        valid_until=datetime.date(2024, 7, 1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_expiry_notices(today=_day("2024-06-25")) == 3

    mails = _mails()
    assert len(mails) == 2
    by_recipients = {tuple(recipients): (subject, body) for subject, body, recipients in mails}
    assert set(by_recipients) == {
        ("admin-a@example.gov.cn", "reviewer-a@example.gov.cn"),
        ("reviewer-b@example.gov.cn",),
    }
    subject, body = by_recipients[("admin-a@example.gov.cn", "reviewer-a@example.gov.cn")]
    assert "2 件文件即将到期" in subject
    assert normative.index_number in body
    assert "《生态城人才引进办法》" in body
    assert "《生态城住房补贴办法》" in body
    assert "2024-06-28" in body
    assert "财政资金管理办法" not in body
    assert of_b.title in by_recipients[("reviewer-b@example.gov.cn",)][1]
    assert _leads(second) == ["1w"]

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_expiry_notices(today=_day("2024-06-26")) == 0
    assert len(_mails()) == 2


def test_drafts_get_no_expiry_notices(unit_a, editor_a):
    """Only published documents are in force for the public: a draft gets no reminder."""
    import datetime as _dt

    from gongkai.library.notices import due_notices
    from gongkai.library.tests.factories import draft as _draft

    document = _draft(
        unit_a,
        editor_a,
        kind="normative",
        valid_until=_dt.date(2024, 12, 31),
        signed_date=_dt.date(2020, 3, 2),
    )
    assert document.state == "draft"
    assert due_notices(_dt.date(2024, 12, 25)) == []
