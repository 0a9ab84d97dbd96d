"""Documents for the API tests, made through the real library services."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import docx
import pytest
from django.utils import timezone

from gongkai.accounts.models import Role, User
from gongkai.library import services
from gongkai.library.choices import (
    Art20Category,
    DocumentKind,
    KeyArea,
    RelationKind,
    Topic,
    Validity,
)
from gongkai.library.models import Attachment, Document
from gongkai.library.tests.factories import draft, published


@pytest.fixture
def reviewer_a(make_user, unit_a) -> User:
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def reviewer_b(make_user, unit_b) -> User:
    return make_user("reviewer-b", unit_b, Role.REVIEWER)


@pytest.fixture
def editor_b(make_user, unit_b) -> User:
    return make_user("editor-b", unit_b, Role.EDITOR)


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def set_published_at(document: Document, when: datetime.datetime) -> None:
    """Give a document another publication time (publishing always stamps "now")."""
    Document.objects.filter(pk=document.pk).update(published_at=when)
    document.refresh_from_db()


def cst(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    """A moment in China Standard Time."""
    return datetime.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


@dataclass
class Library:
    measures: Document  # normative, unit A with B jointly, employment; attachment; relations
    old_measures: Document  # repealed by ``measures``
    plan: Document  # unit B's plan, 2021
    reading: Document  # interpretation of ``measures``
    withdrawn: Document
    draft: Document
    attachment: Attachment


@pytest.fixture
def library(unit_a, unit_b, editor_a, reviewer_a, editor_b, reviewer_b) -> Library:
    """A small library: four listed documents, a withdrawn one and a draft.

    Published at (CST): old_measures 2019-05-01, measures 2020-03-10, reading 2020-03-12,
    plan 2021-06-01.
    """
    old = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="生态城就业补贴暂行办法",
        document_number="津生管发〔2019〕7号",
        kind=DocumentKind.NORMATIVE,
        signed_date=datetime.date(2019, 4, 20),
        valid_until=datetime.date(2021, 4, 19),
    )
    set_published_at(old, cst(2019, 5, 1))
    measures = services.document_create(
        unit=unit_a,
        by=editor_a,
        data={
            "title": "生态城促进就业若干措施",
            "title_en": "Measures to promote employment in the Eco-City",
            "summary": "就业补贴的条件和标准。",
            "summary_en": "Conditions and amounts of employment subsidies.",
            "document_number": "津生管发[2020]12号",
            "kind": DocumentKind.NORMATIVE,
            "category": Art20Category.C11,
            "topic": Topic.LABOUR,
            "signed_date": datetime.date(2020, 3, 2),
            "effective_date": datetime.date(2020, 4, 1),
            "valid_until": datetime.date(2025, 3, 31),
            "attribute": "proactive",
            "body": "<p>各单位：现将有关措施印发给你们。</p>",
        },
        co_issuers=[unit_b],
        key_areas=[KeyArea.EMPLOYMENT],
    )
    services.relation_add(
        source=measures, target=old, kind=RelationKind.REPEALS, by=editor_a, check=False
    )
    services.document_submit(document=measures, by=editor_a)
    services.document_confidentiality_review(document=measures, by=reviewer_a, passed=True)
    services.document_publish(document=measures, by=reviewer_a)
    set_published_at(measures, cst(2020, 3, 10))
    attachment = services.attachment_add(
        document=measures,
        by=reviewer_a,
        file=io.BytesIO(docx_bytes("就业补贴申请表")),
        filename="申请表.docx",
    )
    reading = published(
        unit_a,
        editor_a,
        reviewer_a,
        title="《生态城促进就业若干措施》政策解读",
        document_number="",
        kind=DocumentKind.INTERPRETATION,
        signed_date=datetime.date(2020, 3, 5),
    )
    services.relation_add(
        source=reading, target=measures, kind=RelationKind.INTERPRETS, by=reviewer_a
    )
    set_published_at(reading, cst(2020, 3, 12))
    plan = published(
        unit_b,
        editor_b,
        reviewer_b,
        title="生态城2021年财政预算",
        document_number="津生财〔2021〕3号",
        kind=DocumentKind.BUDGET,
        category=Art20Category.C07,
        topic=Topic.FINANCE,
        signed_date=datetime.date(2021, 5, 20),
    )
    set_published_at(plan, cst(2021, 6, 1))
    withdrawn = published(unit_a, editor_a, reviewer_a, title="已撤销的通知", document_number="")
    services.document_withdraw(document=withdrawn, by=reviewer_a, reason="内容有误，重新发布")
    unpublished = draft(unit_a, editor_a, title="尚未发布的草稿", document_number="")
    for document in (old, measures):
        document.refresh_from_db()
    assert old.validity == Validity.REPEALED
    return Library(
        measures=measures,
        old_measures=old,
        plan=plan,
        reading=reading,
        withdrawn=withdrawn,
        draft=unpublished,
        attachment=attachment,
    )
