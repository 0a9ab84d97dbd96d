"""Back-office screens for documents: scoped lists, the attribute form, the workflow buttons,
relations, attachments and the timeliness page (#3 §2, §3, §4, §6, §9)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.core.calendar import add_working_days
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.library import services
from gongkai.library.choices import (
    ChangeKind,
    DisclosureAttribute,
    PublicationState,
    RelationKind,
    Validity,
)
from gongkai.library.models import Attachment, Document, DocumentChange, DocumentRelation
from gongkai.library.tests.factories import draft, published
from gongkai.library.tests.test_attachments import make_pdf


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def editor_b(make_user, unit_b):
    return make_user("editor-b", unit_b, Role.EDITOR)


def _login(client, user):
    client.force_login(user)
    return client


def _change_url(document: Document) -> str:
    return reverse("admin:library_document_change", args=[document.pk])


def _action_url(document: Document, action: str) -> str:
    return reverse(f"admin:library_document_{action}", args=[document.pk])


def _form(unit, **changes: Any) -> dict[str, Any]:
    """What the create form posts for a proactive policy document of ``unit``."""
    data: dict[str, Any] = {
        "unit": str(unit.pk),
        "title": "关于做好2026年就业工作的通知",
        "title_en": "",
        "summary": "",
        "document_number": "津生管发〔2026〕3号",
        "kind": "policy",
        "category": "11",
        "topic": "labour",
        "signed_date": "2026-03-02",
        "effective_date": "",
        "valid_until": "",
        "body": "<p>各单位：现将有关事项通知如下。</p>",
        "attribute": DisclosureAttribute.PROACTIVE,
        "attribute_explanation": "",
        "change_note": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _edit_form(document: Document, **changes: Any) -> dict[str, Any]:
    data = _form(document.unit, **changes)
    data.pop("unit")
    base = {
        "title": document.title,
        "document_number": document.document_number,
        "kind": document.kind,
        "category": document.category,
        "topic": document.topic,
        "signed_date": document.signed_date.isoformat() if document.signed_date else "",
        "body": document.body,
        "attribute": document.attribute,
        "withholding_grounds": list(document.withholding_grounds),
        "attribute_explanation": document.attribute_explanation,
    }
    base.update(changes)
    data.update(base)
    return data


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _succeeded(response) -> bool:
    """Whether the page after a workflow step shows a success message (and no error)."""
    levels = {m.level for m in response.context["messages"]}
    return levels == {messages.SUCCESS}


# --- Scope -------------------------------------------------------------------------------


def test_editor_lists_only_own_units_documents(client, unit_a, unit_b, editor_a, editor_b):
    """An editor of A sees A's documents in the list and nothing of B's."""
    draft(unit_a, editor_a, title="经济局的通知")
    draft(unit_b, editor_b, title="财政局的通知", document_number="津生财发〔2020〕1号")
    response = _login(client, editor_a).get(reverse("admin:library_document_changelist"))
    assert response.status_code == 200
    assert "经济局的通知" in response.text
    assert "财政局的通知" not in response.text


def test_guessing_another_units_document_reveals_nothing(
    client, unit_a, unit_b, editor_a, editor_b
):
    """B's document, opened or posted to by URL, answers as if it did not exist; nothing
    changes and nothing is logged."""
    secret = draft(unit_b, editor_b, title="财政局内部草稿", document_number="")
    entries = AuditEntry.objects.count()
    _login(client, editor_a)
    response = client.get(_change_url(secret), follow=True)
    assert "财政局内部草稿" not in response.text
    assert response.redirect_chain[0][0] == reverse("admin:index")

    client.post(_change_url(secret), _edit_form(secret, title="篡改"))
    assert client.post(_action_url(secret, "submit")).status_code == 404
    assert (
        client.get(reverse("admin:library_document_attachments", args=[secret.pk])).status_code
        == 404
    )
    secret.refresh_from_db()
    assert (secret.title, secret.state) == ("财政局内部草稿", PublicationState.DRAFT)
    assert AuditEntry.objects.count() == entries


def test_joint_issuer_staff_may_look_but_not_change(client, unit_a, unit_b, editor_a, editor_b):
    """A document B issued jointly with A is in A's list and readable, but A cannot edit it."""
    joint = services.document_create(
        unit=unit_b,
        by=editor_b,
        data={"title": "联合发文的通知", "kind": "policy", "attribute": "proactive"},
        co_issuers=[unit_a],
    )
    _login(client, editor_a)
    assert "联合发文的通知" in client.get(reverse("admin:library_document_changelist")).text
    page = client.get(_change_url(joint))
    assert page.status_code == 200
    assert 'id="submit-form"' not in page.text
    assert client.post(_change_url(joint), _edit_form(joint, title="篡改")).status_code == 403
    joint.refresh_from_db()
    assert joint.title == "联合发文的通知"


def test_editor_cannot_pick_another_unit_when_creating(client, unit_a, unit_b, editor_a):
    """The unit choice holds only units where the user may draft; B is refused."""
    response = _login(client, editor_a).post(reverse("admin:library_document_add"), _form(unit_b))
    assert response.status_code == 200
    assert not Document.objects.exists()


def test_editor_cannot_publish(client, unit_a, editor_a):
    """An editor sees no publish button on a document in review, and posting it is refused."""
    document = draft(unit_a, editor_a)
    services.document_submit(document=document, by=editor_a)
    _login(client, editor_a)
    page = client.get(_change_url(document))
    assert page.status_code == 200
    assert 'id="publish-form"' not in page.text
    assert 'id="review-form"' not in page.text
    assert client.post(_action_url(document, "publish")).status_code == 403
    assert client.post(_action_url(document, "review"), {"passed": "yes"}).status_code == 403
    document.refresh_from_db()
    assert document.state == PublicationState.IN_REVIEW
    assert not document.confidentiality_reviews.exists()


def test_workflow_urls_take_post_only(client, unit_a, editor_a):
    """A workflow step is never taken by a GET."""
    document = draft(unit_a, editor_a)
    assert _login(client, editor_a).get(_action_url(document, "submit")).status_code == 405
    document.refresh_from_db()
    assert document.state == PublicationState.DRAFT


# --- The form ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attribute", [DisclosureAttribute.WITHHELD, DisclosureAttribute.ON_REQUEST]
)
def test_non_proactive_draft_without_ground_is_refused_in_chinese(
    client, unit_a, editor_a, attribute
):
    """Withheld (or on request) without a ground and an explanation re-renders the form with
    the service's Chinese errors and saves nothing."""
    response = _login(client, editor_a).post(
        reverse("admin:library_document_add"), _form(unit_a, attribute=attribute)
    )
    assert response.status_code == 200
    assert "非主动公开的信息必须至少选择一项《条例》规定的理由" in response.text
    assert "请说明不主动公开的具体理由" in response.text
    assert not Document.objects.exists()
    assert not AuditEntry.objects.filter(object_type="library.Document").exists()

    response = client.post(
        reverse("admin:library_document_add"),
        _form(
            unit_a,
            attribute=attribute,
            withholding_grounds=["process_information"],
            attribute_explanation="内部讨论稿，属过程性信息。",
        ),
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.withholding_grounds == ["process_information"]


def test_form_saves_key_areas_joint_issuers_and_a_normalised_number(
    client, unit_a, unit_b, editor_a
):
    """The create form passes key areas and joint issuers to the service, which normalises
    the document number and gives the index number."""
    response = _login(client, editor_a).post(
        reverse("admin:library_document_add"),
        _form(
            unit_a,
            document_number="津生管发[2026]第03号",
            key_areas=["employment", "medical"],
            co_issuers=[str(unit_b.pk)],
        ),
    )
    assert response.status_code == 302, response.text[:3000]
    document = Document.objects.get()
    assert document.document_number_key == "津生管发〔2026〕3号"
    assert document.index_number == "JJJ/11-2026-00001"
    assert sorted(document.key_area_links.values_list("area", flat=True)) == [
        "employment",
        "medical",
    ]
    assert list(document.co_issuers.all()) == [unit_b]
    page = client.get(_change_url(document))
    assert "JJJ/11-2026-00001" in page.text


def test_changing_published_information_needs_a_change_note(client, unit_a, editor_a, reviewer_a):
    """A reviewer editing a published document must write a change note; the public history
    then shows it."""
    document = published(unit_a, editor_a, reviewer_a)
    _login(client, reviewer_a)
    response = client.post(_change_url(document), _edit_form(document, title="新标题"))
    assert response.status_code == 200
    assert "修改已发布的信息必须填写修改说明" in response.text
    document.refresh_from_db()
    assert document.title != "新标题"

    response = client.post(
        _change_url(document), _edit_form(document, title="新标题", change_note="更正标题错字")
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "新标题"
    assert document.changes.filter(kind=ChangeKind.CHANGED, note="更正标题错字").exists()
    assert "更正标题错字" in client.get(_change_url(document)).text


def test_editor_sees_published_document_read_only(client, unit_a, editor_a, reviewer_a):
    """Published information is the reviewers': an editor's posted change is refused."""
    document = published(unit_a, editor_a, reviewer_a)
    _login(client, editor_a)
    assert client.get(_change_url(document)).status_code == 200
    response = client.post(
        _change_url(document), _edit_form(document, title="篡改", change_note="x")
    )
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.title != "篡改"


# --- Workflow ----------------------------------------------------------------------------


def test_full_workflow_through_the_back_office(client, unit_a, editor_a, reviewer_a):
    """Create → submit → confidentiality review → publish → withdraw, each through its view,
    writes the states, the audit entries and the public history."""
    _login(client, editor_a)
    response = client.post(reverse("admin:library_document_add"), _form(unit_a))
    assert response.status_code == 302, response.text[:3000]
    document = Document.objects.get()
    page = client.get(_change_url(document))
    assert 'id="submit-form"' in page.text
    response = client.post(_action_url(document, "submit"), follow=True)
    assert _succeeded(response)
    document.refresh_from_db()
    assert document.state == PublicationState.IN_REVIEW

    _login(client, reviewer_a)
    page = client.get(_change_url(document))
    for form_id in ("review-form", "publish-form", "return-form"):
        assert f'id="{form_id}"' in page.text
    assert 'id="withdraw-form"' not in page.text
    response = client.post(_action_url(document, "publish"), follow=True)
    assert "保密审查" in _messages(response)  # refused: no review yet
    client.post(_action_url(document, "review"), {"passed": "yes", "note": "无涉密内容"})
    response = client.post(_action_url(document, "publish"), follow=True)
    assert _succeeded(response)
    document.refresh_from_db()
    assert document.state == PublicationState.PUBLISHED
    assert document.published_at is not None

    response = client.post(_action_url(document, "withdraw"), {"reason": ""}, follow=True)
    assert "撤销发布必须写明理由" in _messages(response)
    client.post(_action_url(document, "withdraw"), {"reason": "内容已过时"})
    document.refresh_from_db()
    assert document.state == PublicationState.WITHDRAWN
    assert document.withdrawn_reason == "内容已过时"

    entries = AuditEntry.objects.filter(
        object_type="library.Document", object_id=str(document.pk)
    ).order_by("at", "id")
    assert [(e.action, (e.after or {}).get("state"), e.actor_id) for e in entries] == [
        (AuditAction.CREATE, PublicationState.DRAFT, editor_a.pk),
        (AuditAction.CHANGE, PublicationState.IN_REVIEW, editor_a.pk),
        (AuditAction.CHANGE, None, reviewer_a.pk),  # the confidentiality review
        (AuditAction.PUBLISH, PublicationState.PUBLISHED, reviewer_a.pk),
        (AuditAction.UNPUBLISH, PublicationState.WITHDRAWN, reviewer_a.pk),
    ]
    assert all(e.via == "web" for e in entries)
    assert list(document.changes.values_list("kind", flat=True)) == [
        ChangeKind.FIRST_PUBLISHED,
        ChangeKind.WITHDRAWN,
    ]
    page = client.get(_change_url(document))
    assert "内容已过时" in page.text  # history: the withdrawal note
    assert 'id="withdraw-form"' not in page.text


def test_reviewer_returns_a_document_with_a_reason(client, unit_a, editor_a, reviewer_a):
    """Returning needs a reason; with one the document is a draft again."""
    document = draft(unit_a, editor_a)
    services.document_submit(document=document, by=editor_a)
    _login(client, reviewer_a)
    response = client.post(_action_url(document, "return"), {"reason": " "}, follow=True)
    assert "请写明退回原因" in _messages(response)
    client.post(_action_url(document, "return"), {"reason": "请补充政策依据"})
    document.refresh_from_db()
    assert document.state == PublicationState.DRAFT
    assert AuditEntry.objects.filter(note="请补充政策依据").exists()


def test_scheduled_publication_at_a_later_time(client, unit_a, editor_a, reviewer_a):
    """Publishing at a future time schedules it."""
    document = draft(unit_a, editor_a)
    services.document_submit(document=document, by=editor_a)
    services.document_confidentiality_review(document=document, by=reviewer_a, passed=True)
    later = timezone.localtime() + datetime.timedelta(days=3)
    _login(client, reviewer_a).post(
        _action_url(document, "publish"), {"publish_at": f"{later:%Y-%m-%dT%H:%M}"}
    )
    document.refresh_from_db()
    assert document.state == PublicationState.SCHEDULED


def test_reviewer_changes_validity_with_a_note(client, unit_a, editor_a, reviewer_a):
    """A validity change needs a note and follows the allowed transitions."""
    document = published(unit_a, editor_a, reviewer_a)
    _login(client, reviewer_a)
    response = client.post(_action_url(document, "validity"), {"validity": "expired"}, follow=True)
    assert "请说明有效性变化的原因" in _messages(response)
    client.post(_action_url(document, "validity"), {"validity": "expired", "note": "到期"})
    document.refresh_from_db()
    assert document.validity == Validity.EXPIRED
    response = client.post(
        _action_url(document, "validity"),
        {"validity": "in_force", "note": "评估后继续有效"},
        follow=True,
    )
    assert "恢复有效需要新的有效期" in _messages(response)
    client.post(
        _action_url(document, "validity"),
        {"validity": "in_force", "note": "评估后继续有效", "valid_until": "2099-12-31"},
    )
    document.refresh_from_db()
    assert (document.validity, document.valid_until) == (
        Validity.IN_FORCE,
        datetime.date(2099, 12, 31),
    )


# --- Search and relations ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["津生管发[2020]第12号", "津生管发（2020）012号", "津生管发【2020】"]
)
def test_search_finds_a_document_by_any_bracket_form(client, unit_a, editor_a, query):
    """The list search normalises document numbers: any bracket form finds the document."""
    draft(unit_a, editor_a, title="要找的通知", document_number="津生管发〔2020〕12号")
    draft(unit_a, editor_a, title="别的通知", document_number="津生财发〔2020〕12号")
    response = _login(client, editor_a).get(
        reverse("admin:library_document_changelist"), {"q": query}
    )
    assert "要找的通知" in response.text
    assert "别的通知" not in response.text


def test_repeal_relation_from_a_published_document_repeals_the_target(
    client, unit_a, editor_a, reviewer_a
):
    """Adding “repeals” from a published document marks the target repealed at once; the
    target is named by its document number in another bracket form."""
    old = published(
        unit_a, editor_a, reviewer_a, title="旧办法", document_number="津生管发〔2018〕5号"
    )
    new = published(
        unit_a, editor_a, reviewer_a, title="新办法", document_number="津生管发〔2024〕1号"
    )
    _login(client, reviewer_a)
    response = client.post(
        _action_url(new, "relation_add"),
        {"kind": RelationKind.REPEALS, "target": "津生管发(2018)第5号"},
        follow=True,
    )
    assert _succeeded(response)
    old.refresh_from_db()
    assert old.validity == Validity.REPEALED
    relation = DocumentRelation.objects.get()
    assert (relation.source, relation.target, relation.applied) == (new, old, True)
    page = client.get(_change_url(old))
    assert "新办法" in page.text  # the old document shows who repealed it


def test_editor_cannot_repeal_through_a_relation_on_published_information(
    client, unit_a, editor_a, reviewer_a
):
    """A relation that would change validity at once is a reviewer's step, not an editor's."""
    old = published(
        unit_a, editor_a, reviewer_a, title="旧办法", document_number="津生管发〔2018〕5号"
    )
    new = published(
        unit_a, editor_a, reviewer_a, title="新办法", document_number="津生管发〔2024〕1号"
    )
    response = _login(client, editor_a).post(
        _action_url(new, "relation_add"),
        {"kind": RelationKind.REPEALS, "target": old.index_number},
        follow=True,
    )
    assert "只有审核人可以添加" in _messages(response)
    old.refresh_from_db()
    assert old.validity == Validity.IN_FORCE
    assert not DocumentRelation.objects.exists()


def test_relation_target_must_exist_and_unapplied_relations_can_be_removed(
    client, unit_a, editor_a
):
    """An unknown target is explained; a relation of a draft is not applied yet and can go."""
    source = draft(unit_a, editor_a, title="新办法", document_number="津生管发〔2024〕1号")
    target = draft(unit_a, editor_a, title="旧办法", document_number="津生管发〔2018〕5号")
    _login(client, editor_a)
    response = client.post(
        _action_url(source, "relation_add"),
        {"kind": "repeals", "target": "津生管发〔1999〕9号"},
        follow=True,
    )
    assert "找不到" in _messages(response)
    client.post(
        _action_url(source, "relation_add"), {"kind": "repeals", "target": target.index_number}
    )
    relation = DocumentRelation.objects.get()
    assert not relation.applied
    target.refresh_from_db()
    assert target.validity == Validity.IN_FORCE
    url = reverse("admin:library_document_relation_remove", args=[source.pk, relation.pk])
    client.post(url)
    assert not DocumentRelation.objects.exists()


# --- Timeliness --------------------------------------------------------------------------


def _signed_for_due(due: datetime.date) -> datetime.date:
    """A signed date whose 20-working-day deadline (Art. 26) falls on ``due``."""
    day = due
    while add_working_days(day, 20).date != due:
        day -= datetime.timedelta(days=1)
    return day


def test_timeliness_lists_late_and_due_soon_items(client, unit_a, unit_b, editor_a, editor_b):
    """A proactive draft signed long ago is late; one due in 2 working days is due soon."""
    today = timezone.localdate()
    due = add_working_days(today, 2)
    draft(unit_a, editor_a, title="早已逾期的通知", signed_date=datetime.date(2020, 3, 2))
    draft(
        unit_a,
        editor_a,
        title="即将到期的通知",
        signed_date=_signed_for_due(due.date),
        document_number="津生管发〔2026〕9号",
    )
    draft(unit_b, editor_b, title="财政局逾期的通知", document_number="津生财发〔2020〕1号")
    _login(client, editor_a)
    changelist = client.get(reverse("admin:library_document_changelist"))
    assert reverse("admin:library_document_timeliness") in changelist.text

    response = client.get(reverse("admin:library_document_timeliness"))
    assert response.status_code == 200
    late = {row["item"].document.title for row in response.context["late"]}
    soon = {row["item"].document.title: row for row in response.context["soon"]}
    assert late == {"早已逾期的通知"}
    assert set(soon) == {"即将到期的通知"}
    assert soon["即将到期的通知"]["item"].due == due.date
    assert soon["即将到期的通知"]["left"] == 2
    assert f"{due.date:%Y-%m-%d}" in response.text
    assert "财政局逾期的通知" not in response.text
    assert ("日历尚未确认" in response.text) == (not due.confirmed)


def test_timeliness_warns_when_the_calendar_is_not_confirmed(client, unit_a, editor_a):
    """A deadline in 2027 (no official notice yet) carries the visible unconfirmed warning."""
    as_of = max(datetime.date(2027, 1, 4), timezone.localdate())
    due = add_working_days(as_of, 2)
    assert not due.confirmed
    draft(unit_a, editor_a, title="跨年的通知", signed_date=_signed_for_due(due.date))
    response = _login(client, editor_a).get(
        reverse("admin:library_document_timeliness"), {"as_of": as_of.isoformat()}
    )
    assert "跨年的通知" in response.text
    assert "日历尚未确认" in response.text
    assert f"{due.date.year} 年的工作日历尚未确认" in response.text


def test_office_sees_every_units_items_and_filters_by_unit(
    client, unit_a, unit_b, editor_a, editor_b, office_admin
):
    """The Office sees all units' late items, and can narrow them to one unit."""
    draft(unit_a, editor_a, title="经济局逾期")
    draft(unit_b, editor_b, title="财政局逾期", document_number="津生财发〔2020〕1号")
    _login(client, office_admin)
    url = reverse("admin:library_document_timeliness")
    response = client.get(url)
    assert "经济局逾期" in response.text
    assert "财政局逾期" in response.text
    response = client.get(url, {"unit": str(unit_b.pk)})
    assert "经济局逾期" not in response.text
    assert "财政局逾期" in response.text


# --- Attachments ---------------------------------------------------------------------------


def test_attachment_upload_is_checked_listed_and_removable(client, unit_a, editor_a):
    """A renamed PDF is refused with the checker's message; a real PDF is listed with its type
    and size, and can be removed."""
    document = draft(unit_a, editor_a)
    url = reverse("admin:library_document_attachments", args=[document.pk])
    pdf = make_pdf(["Notice"])
    _login(client, editor_a)
    response = client.post(url, {"file": SimpleUploadedFile("通知.docx", pdf)})
    assert response.status_code == 200
    assert "扩展名是 .docx，但内容是 PDF" in response.text
    assert not Attachment.objects.exists()

    response = client.post(url, {"file": SimpleUploadedFile("通知.pdf", pdf)}, follow=True)
    attachment = Attachment.objects.get()
    assert "通知.pdf" in response.text
    assert "PDF" in response.text
    download = client.get(
        reverse("admin:library_document_attachment", args=[document.pk, attachment.pk])
    )
    assert b"".join(download.streaming_content) == pdf
    client.post(
        reverse("admin:library_document_attachment_remove", args=[document.pk, attachment.pk])
    )
    assert not Attachment.objects.exists()
    assert AuditEntry.objects.filter(before__attachment="通知.pdf").exists()


# --- Performance ---------------------------------------------------------------------------


def test_document_list_query_count_does_not_grow_with_rows(
    client, unit_a, editor_a, django_assert_max_num_queries
):
    """The list page costs the same number of queries for 3 documents as for 30."""
    for serial in range(1, 4):
        draft(unit_a, editor_a, document_number=f"津生管发〔2020〕{serial}号")
    _login(client, editor_a)
    url = reverse("admin:library_document_changelist")
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for serial in range(4, 31):
        draft(unit_a, editor_a, document_number=f"津生管发〔2020〕{serial}号")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    assert DocumentChange.objects.count() == 0
