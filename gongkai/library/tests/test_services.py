"""Document services: attribute rules, the two states, relations, validity (#3, R-1.5)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.accounts.permissions import AccessDenied
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.library import selectors, services
from gongkai.library.choices import (
    DisclosureAttribute,
    DocumentKind,
    PublicationState,
    RelationKind,
    Validity,
)
from gongkai.library.models import Document, DocumentChange
from gongkai.library.tests.factories import draft, published


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def editor_b(make_user, unit_b):
    return make_user("editor-b", unit_b, Role.EDITOR)


def test_draft_gets_a_unique_index_number_and_normalised_document_number(unit_a, editor_a):
    """Index numbers are unit/category-year-serial; document numbers are stored normalised."""
    first = draft(unit_a, editor_a, document_number="津生管发[2020]12号")
    second = draft(unit_a, editor_a, document_number="津生管发(2020)第13号")
    assert first.index_number == "JJJ/11-2020-00001"
    assert second.index_number == "JJJ/11-2020-00002"
    assert first.document_number_key == "津生管发〔2020〕12号"
    assert second.document_number_key == "津生管发〔2020〕13号"
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.CREATE, object_type="library.Document", unit_id=unit_a.pk
        ).count()
        == 2
    )


def test_unparseable_document_number_is_refused(unit_a, editor_a):
    """A document number that cannot be read is refused with a field error; nothing is stored."""
    with pytest.raises(ValidationError) as caught:
        draft(unit_a, editor_a, document_number="第十二号文件")
    assert "document_number" in caught.value.message_dict
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "attribute", [DisclosureAttribute.ON_REQUEST, DisclosureAttribute.WITHHELD]
)
def test_non_proactive_attribute_needs_a_ground_and_an_explanation(unit_a, editor_a, attribute):
    """On-request or withheld information cannot be saved without a ground and explanation."""
    with pytest.raises(ValidationError) as caught:
        draft(unit_a, editor_a, attribute=attribute)
    assert {"withholding_grounds", "attribute_explanation"} <= set(caught.value.message_dict)
    document = draft(
        unit_a,
        editor_a,
        attribute=attribute,
        withholding_grounds=["process_information"],
        attribute_explanation="内部讨论稿，属过程性信息。",
    )
    assert document.withholding_grounds == ["process_information"]


def test_unknown_ground_is_refused(unit_a, editor_a):
    """Only the Regulation's grounds are accepted."""
    with pytest.raises(ValidationError):
        draft(
            unit_a,
            editor_a,
            attribute=DisclosureAttribute.WITHHELD,
            withholding_grounds=["too_embarrassing"],
            attribute_explanation="x",
        )


def test_effective_before_signed_is_refused(unit_a, editor_a):
    """Dates in the wrong order are refused."""
    with pytest.raises(ValidationError) as caught:
        draft(unit_a, editor_a, effective_date=datetime.date(2020, 3, 1))
    assert "effective_date" in caught.value.message_dict


def test_body_is_sanitised(unit_a, editor_a):
    """Script in the body never reaches the database."""
    document = draft(unit_a, editor_a, body='<p onclick="x()">正文</p><script>alert(1)</script>')
    assert "script" not in document.body
    assert "onclick" not in document.body
    assert "正文" in document.body_text


def test_editor_of_b_cannot_touch_unit_a_documents(unit_a, editor_a, editor_b):
    """Documents are their unit's: another unit's editor can neither create nor change them."""
    with pytest.raises(AccessDenied):
        draft(unit_a, editor_b)
    document = draft(unit_a, editor_a)
    with pytest.raises(AccessDenied):
        services.document_update(document=document, by=editor_b, changes={"title": "篡改"})
    with pytest.raises(AccessDenied):
        services.document_submit(document=document, by=editor_b)
    document.refresh_from_db()
    assert document.title != "篡改"
    assert document not in selectors.documents_for(editor_b)
    assert document in selectors.documents_for(editor_a)


def test_publication_workflow_with_confidentiality_review(unit_a, editor_a, reviewer_a):
    """Draft → in review → (review passed) → published; history shows first publication."""
    document = draft(unit_a, editor_a)
    services.document_submit(document=document, by=editor_a)
    with pytest.raises(AccessDenied):  # editors do not publish
        services.document_publish(document=document, by=editor_a)
    with pytest.raises(ValidationError):  # no confidentiality review yet
        services.document_publish(document=document, by=reviewer_a)
    services.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
    services.document_publish(document=document, by=reviewer_a)
    document.refresh_from_db()
    assert document.state == PublicationState.PUBLISHED
    assert document.published_at is not None
    assert list(document.changes.values_list("kind", flat=True)) == ["first_published"]
    assert AuditEntry.objects.filter(
        action=AuditAction.PUBLISH, object_id=str(document.pk)
    ).exists()


def test_only_proactive_information_is_published(unit_a, editor_a, reviewer_a):
    """Information released only on request is catalogued but never published on the portal."""
    document = draft(
        unit_a,
        editor_a,
        attribute=DisclosureAttribute.ON_REQUEST,
        withholding_grounds=["third_party"],
        attribute_explanation="涉及商业秘密",
    )
    services.document_submit(document=document, by=editor_a)
    services.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
    with pytest.raises(ValidationError) as caught:
        services.document_publish(document=document, by=reviewer_a)
    assert "attribute" in caught.value.message_dict


def test_scheduled_publication_happens_when_due(unit_a, editor_a, reviewer_a):
    """A document scheduled for later is published by the job once its time comes."""
    document = draft(unit_a, editor_a)
    services.document_submit(document=document, by=editor_a)
    services.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
    later = timezone.now() + datetime.timedelta(hours=2)
    services.document_publish(document=document, by=reviewer_a, publish_at=later)
    document.refresh_from_db()
    assert document.state == PublicationState.SCHEDULED
    assert services.publish_scheduled(now=timezone.now()) == 0
    assert services.publish_scheduled(now=later + datetime.timedelta(seconds=1)) == 1
    document.refresh_from_db()
    assert document.state == PublicationState.PUBLISHED


def test_withdrawal_needs_a_reason_and_keeps_the_page(unit_a, editor_a, reviewer_a):
    """Withdrawing needs a written reason; the document stays public with the notice."""
    document = published(unit_a, editor_a, reviewer_a)
    with pytest.raises(ValidationError):
        services.document_withdraw(document=document, by=reviewer_a, reason=" ")
    services.document_withdraw(document=document, by=reviewer_a, reason="内容有误，需重新发布")
    document.refresh_from_db()
    assert document.state == PublicationState.WITHDRAWN
    assert (
        selectors.public_document(document.index_number).withdrawn_reason == "内容有误，需重新发布"
    )
    assert document.changes.last().kind == "withdrawn"


def test_changing_published_document_needs_a_change_note(unit_a, editor_a, reviewer_a):
    """A published document is changed by a reviewer with a change note shown publicly."""
    document = published(unit_a, editor_a, reviewer_a)
    with pytest.raises(AccessDenied):
        services.document_update(document=document, by=editor_a, changes={"summary": "新摘要"})
    with pytest.raises(ValidationError):
        services.document_update(document=document, by=reviewer_a, changes={"summary": "新摘要"})
    services.document_update(
        document=document, by=reviewer_a, changes={"summary": "新摘要"}, change_note="补充摘要"
    )
    assert DocumentChange.objects.filter(document=document, note="补充摘要").exists()
    document.refresh_from_db()
    assert document.summary == "新摘要"


def test_normative_document_needs_valid_until_within_limits(unit_a, editor_a, reviewer_a):
    """A normative document cannot be published without valid-until, at most 5 years (2 for
    暂行/试行)."""
    document = draft(unit_a, editor_a, kind=DocumentKind.NORMATIVE)
    services.document_submit(document=document, by=editor_a)
    services.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
    with pytest.raises(ValidationError) as caught:
        services.document_publish(document=document, by=reviewer_a)
    assert "valid_until" in caught.value.message_dict
    with pytest.raises(ValidationError):
        draft(unit_a, editor_a, kind=DocumentKind.NORMATIVE, valid_until=datetime.date(2025, 3, 3))
    with pytest.raises(ValidationError):
        draft(
            unit_a,
            editor_a,
            kind=DocumentKind.NORMATIVE,
            title="生态城人才公寓管理暂行办法",
            valid_until=datetime.date(2023, 3, 3),
        )
    ok = draft(
        unit_a,
        editor_a,
        kind=DocumentKind.NORMATIVE,
        title="生态城人才公寓管理暂行办法",
        valid_until=datetime.date(2022, 3, 2),
    )
    assert ok.valid_until == datetime.date(2022, 3, 2)


def test_repeal_through_new_document_updates_old_validity(unit_a, editor_a, reviewer_a):
    """When a repealing document is published the old one becomes repealed, linked both ways."""
    old = published(unit_a, editor_a, reviewer_a, title="旧办法")
    new = draft(unit_a, editor_a, title="新办法", document_number="津生管发〔2021〕3号")
    services.relation_add(source=new, target=old, kind=RelationKind.REPEALS, by=editor_a)
    old.refresh_from_db()
    assert old.validity == Validity.IN_FORCE  # not yet: the repealing document is a draft
    services.document_submit(document=new, by=editor_a)
    services.document_confidentiality_review(document=new, by=reviewer_a, passed=True)
    services.document_publish(document=new, by=reviewer_a)
    old = selectors.public_document(old.index_number)
    assert old.validity == Validity.REPEALED
    banner = selectors.superseded_by(old)
    assert [r.source.title for r in banner] == ["新办法"]
    assert [r.target.title for r in new.outgoing_relations.all()] == ["旧办法"]
    assert old.changes.filter(kind="validity").exists()


def test_relation_to_published_source_applies_at_once(unit_a, editor_a, reviewer_a):
    """Linking an already published revising document marks the target revised at once."""
    old = published(unit_a, editor_a, reviewer_a, title="旧办法")
    new = published(unit_a, editor_a, reviewer_a, title="修订后的办法")
    with pytest.raises(AccessDenied):  # takes effect at once: a reviewer's decision
        services.relation_add(source=new, target=old, kind=RelationKind.REVISES, by=editor_a)
    services.relation_add(source=new, target=old, kind=RelationKind.REVISES, by=reviewer_a)
    old.refresh_from_db()
    assert old.validity == Validity.REVISED


def test_repealing_another_units_document_needs_rights_there(
    unit_a, unit_b, editor_a, reviewer_a, make_user
):
    """A unit cannot repeal another unit's document on its own."""
    reviewer_b = make_user("reviewer-b", unit_b, Role.REVIEWER)
    editor_b = make_user("editor-b2", unit_b, Role.EDITOR)
    theirs = published(unit_b, editor_b, reviewer_b, title="财政局的办法")
    ours = draft(unit_a, editor_a, title="新办法", document_number="津生管发〔2021〕3号")
    with pytest.raises(AccessDenied):
        services.relation_add(source=ours, target=theirs, kind=RelationKind.REPEALS, by=reviewer_a)
    theirs.refresh_from_db()
    assert theirs.validity == Validity.IN_FORCE


def test_validity_transitions_follow_the_rules(unit_a, editor_a, reviewer_a):
    """Repealed is final; expired can be renewed only with a new valid-until date."""
    document = published(unit_a, editor_a, reviewer_a)
    services.document_set_validity(
        document=document, by=reviewer_a, validity=Validity.EXPIRED, note="到期"
    )
    with pytest.raises(ValidationError):
        services.document_set_validity(
            document=document, by=reviewer_a, validity=Validity.IN_FORCE, note="延续"
        )
    services.document_set_validity(
        document=document,
        by=reviewer_a,
        validity=Validity.IN_FORCE,
        note="评估后延续",
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
    )
    services.document_set_validity(
        document=document, by=reviewer_a, validity=Validity.REPEALED, note="废止"
    )
    with pytest.raises(ValidationError):
        services.document_set_validity(
            document=document, by=reviewer_a, validity=Validity.IN_FORCE, note="恢复"
        )
    with pytest.raises(ValidationError):
        services.document_set_validity(
            document=document, by=reviewer_a, validity=Validity.EXPIRED, note=""
        )


def test_expiry_job_marks_documents_expired_the_day_after(unit_a, editor_a, reviewer_a):
    """A document valid until a day is in force that day and expired the next."""
    document = published(
        unit_a,
        editor_a,
        reviewer_a,
        kind=DocumentKind.NORMATIVE,
        valid_until=datetime.date(2024, 6, 30),
    )
    assert services.expire_documents(today=datetime.date(2024, 6, 30)) == 0
    assert services.expire_documents(today=datetime.date(2024, 7, 1)) == 1
    document.refresh_from_db()
    assert document.validity == Validity.EXPIRED
    assert services.expire_documents(today=datetime.date(2024, 7, 2)) == 0


def test_key_areas_and_joint_issuers(unit_a, unit_b, editor_a, reviewer_a):
    """Key areas are kept; a joint issuer's staff see the document too."""
    document = services.document_create(
        unit=unit_a,
        by=editor_a,
        data={"title": "联合发文", "kind": DocumentKind.NOTICE},
        key_areas=["employment", "medical"],
        co_issuers=[unit_b],
    )
    assert sorted(document.key_area_links.values_list("area", flat=True)) == [
        "employment",
        "medical",
    ]
    assert list(document.co_issuers.all()) == [unit_b]
    with pytest.raises(ValidationError):
        services.document_create(
            unit=unit_a,
            by=editor_a,
            data={"title": "x", "kind": DocumentKind.NOTICE},
            key_areas=["tourism"],
        )


def test_attachment_is_checked_by_content_and_its_text_extracted(unit_a, editor_a, tmp_path):
    """A DOCX attachment is stored with its extracted text; a renamed file is refused."""
    import io

    import docx

    document = draft(unit_a, editor_a)
    doc = docx.Document()
    doc.add_paragraph("生态城就业补贴申请指南")
    buffer = io.BytesIO()
    doc.save(buffer)
    attachment = services.attachment_add(
        document=document, by=editor_a, file=io.BytesIO(buffer.getvalue()), filename="指南.docx"
    )
    assert attachment.file_type == "docx"
    assert "就业补贴" in attachment.text
    assert attachment.file.read() == buffer.getvalue()
    again = services.attachment_add(
        document=document, by=editor_a, file=io.BytesIO(buffer.getvalue()), filename="指南.docx"
    )
    assert again.pk == attachment.pk
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(
            document=document, by=editor_a, file=io.BytesIO(buffer.getvalue()), filename="指南.pdf"
        )
    assert "file" in caught.value.message_dict
    assert document.attachments.count() == 1
