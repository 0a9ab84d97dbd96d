"""Reads compiled once (core/prepared.py) and the document page's reads built on them
(library.selectors.public_document; issue #4 §8 "Speed: Pages")."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.core.prepared import PreparedQuery
from gongkai.library import selectors, services
from gongkai.library.choices import DocumentKind, KeyArea, PublicationState, RelationKind
from gongkai.library.models import Document, DocumentChange
from gongkai.library.tests.factories import draft, published
from gongkai.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PreparedQuery ----------------------------------------------------------------------------


def test_rows_are_those_of_the_orm_with_its_converters(unit_a, editor_a, reviewer_a):
    """Same rows, same order, same Python values as the queryset it was built from: aware
    datetimes, booleans and annotations included."""
    first = published(unit_a, editor_a, reviewer_a, title="第一件")
    second = published(unit_a, editor_a, reviewer_a, title="第二件")
    changes = PreparedQuery(
        lambda pk: DocumentChange.objects.filter(document_id=pk, is_public=True).annotate(
            document_title=F("document__title")
        )
    )
    for document in (first, second):
        expected = list(
            DocumentChange.objects.filter(document_id=document.pk, is_public=True).annotate(
                document_title=F("document__title")
            )
        )
        got = list(changes(document.pk))
        assert expected, "published documents have a public history"
        assert [(c.pk, c.at, c.kind, c.note, c.is_public) for c in got] == [
            (c.pk, c.at, c.kind, c.note, c.is_public) for c in expected
        ]
        assert all(timezone.is_aware(c.at) for c in got)
        assert {c.document_title for c in got} == {document.title}


def test_the_sql_is_compiled_once_and_reused_with_each_key(unit_a, editor_a, reviewer_a):
    documents = [published(unit_a, editor_a, reviewer_a, title=f"文件{i}") for i in range(3)]
    by_number = PreparedQuery(
        lambda index_number: Document.objects.filter(index_number=index_number), key=str
    )
    with CaptureQueriesContext(connection) as captured:
        titles = [next(iter(by_number(d.index_number))).title for d in documents]
    assert titles == ["文件0", "文件1", "文件2"]
    # One statement, three sets of parameters (the compiled SQL is the same text each time).
    assert (
        len(
            {
                query["sql"].replace(d.index_number, "?")
                for query, d in zip(captured.captured_queries, documents, strict=True)
            }
        )
        == 1
    )
    assert by_number.sql().count("%s") >= 1


def test_a_key_that_is_not_found_gives_no_rows_and_a_wrong_type_is_refused(db):
    by_id = PreparedQuery(lambda pk: Unit.objects.filter(pk=pk))
    assert list(by_id(987654)) == []
    with pytest.raises(TypeError):
        by_id("1")
    with pytest.raises(TypeError):
        PreparedQuery(lambda pk: Unit.objects.filter(pk=pk), key=float)


def test_a_tuple_of_ids_is_compiled_once_per_length(unit_a, editor_a, reviewer_a):
    """``key=tuple`` (``pk__in``, the search results): the same rows as the ORM for each
    length, one SQL text per length whatever the ids."""
    documents = [published(unit_a, editor_a, reviewer_a, title=f"文件{i}") for i in range(4)]
    ids = [d.pk for d in documents]
    by_ids = PreparedQuery(lambda pks: Document.objects.filter(pk__in=pks).only("title"), key=tuple)
    for chosen in [(ids[0],), (ids[2], ids[0]), (ids[1], ids[3]), tuple(ids), (ids[3], 987654)]:
        got = {d.pk: d.title for d in by_ids(chosen)}
        assert got == dict(Document.objects.filter(pk__in=chosen).values_list("pk", "title"))
    assert by_ids.sql(size=2) != by_ids.sql(size=3)
    assert by_ids.sql(size=3).count("%s") >= 3
    with CaptureQueriesContext(connection) as captured:
        list(by_ids((ids[0], ids[1])))
        list(by_ids((ids[2], ids[3])))
    first, second = (q["sql"] for q in captured.captured_queries)
    for a, b in ((ids[0], ids[2]), (ids[1], ids[3])):
        first = first.replace(str(a), "?")
        second = second.replace(str(b), "?")
    assert first == second
    for wrong in [(), [ids[0]], (str(ids[0]),), (True,), ids[0]]:
        with pytest.raises(TypeError):
            by_ids(wrong)


def test_builders_that_cannot_be_prepared_are_refused_clearly(db):
    joined = PreparedQuery(lambda pk: Document.objects.select_related("unit").filter(pk=pk))
    with pytest.raises(ValueError, match="select_related"):
        joined(1)
    keyless = PreparedQuery(lambda pk: Unit.objects.filter(is_active=True))
    with pytest.raises(ValueError, match="key"):
        keyless(1)


# --- public_document ------------------------------------------------------------------------


@pytest.fixture
def full_document(unit_a, unit_b, editor_a, reviewer_a) -> Document:
    """A published document with a joint issuer, key areas, an attachment, a change note,
    an interpretation (incoming), a document it revises (outgoing) and relations to
    documents the public cannot see (a draft, a document withdrawn later is still public)."""
    document = published(unit_a, editor_a, reviewer_a, title="主文件", title_en="Main")
    services.document_update(
        document=document,
        by=reviewer_a,
        changes={"summary": "摘要"},
        key_areas=[KeyArea.EMPLOYMENT, KeyArea.MEDICAL],
        co_issuers=[unit_b],
        change_note="补充摘要",
    )
    services.attachment_add(
        document=document, by=reviewer_a, file=io.BytesIO(_docx("附件正文")), filename="附件.docx"
    )
    older = published(unit_a, editor_a, reviewer_a, title="旧文件")
    services.relation_add(source=document, target=older, kind=RelationKind.REVISES, by=reviewer_a)
    reading = published(
        unit_a, editor_a, reviewer_a, title="解读", kind=DocumentKind.INTERPRETATION
    )
    services.relation_add(
        source=reading, target=document, kind=RelationKind.INTERPRETS, by=editor_a
    )
    hidden = draft(unit_a, editor_a, title="草稿解读", kind=DocumentKind.INTERPRETATION)
    services.relation_add(source=hidden, target=document, kind=RelationKind.INTERPRETS, by=editor_a)
    return Document.objects.get(pk=document.pk)


def test_public_document_holds_what_the_orm_would_load(full_document, unit_b):
    unit = full_document.unit
    document = selectors.public_document(full_document.index_number)
    with CaptureQueriesContext(connection) as captured:
        assert document.unit.code == unit.code
        assert document.unit.display_name == unit.name_zh
        assert document.unit.get_absolute_url() == unit.get_absolute_url()
        assert [u.code for u in document.co_issuers.all()] == [unit_b.code]
        assert {a.area for a in document.key_area_links.all()} == {
            KeyArea.EMPLOYMENT,
            KeyArea.MEDICAL,
        }
        [attachment] = document.attachments.all()
        assert attachment.original_name == "附件.docx"
        assert attachment.document is document
        notes = [c.note for c in document.changes.all()]
        assert "补充摘要" in notes
        assert [(r.kind, r.target.title) for r in document.outgoing_relations.all()] == [
            (RelationKind.REVISES, "旧文件")
        ]
        # The draft's interpretation is not public: only the published one comes back.
        assert [(r.kind, r.source.title) for r in document.incoming_relations.all()] == [
            (RelationKind.INTERPRETS, "解读")
        ]
        assert (
            document.incoming_relations.all()[0].source.get_absolute_url().startswith("/documents/")
        )
    assert captured.captured_queries == [], "everything the page reads was loaded"
    assert document.body == full_document.body
    assert document.published_at == full_document.published_at


def test_public_document_is_not_found_for_drafts_and_unknown_numbers(
    unit_a, editor_a, full_document
):
    hidden = draft(unit_a, editor_a, title="未发布")
    for index_number in (hidden.index_number, "000000000/2000-99999"):
        with pytest.raises(Document.DoesNotExist):
            selectors.public_document(index_number)


def test_a_withdrawn_document_stays_readable_with_its_relations(full_document, reviewer_a):
    services.document_withdraw(document=full_document, by=reviewer_a, reason="已失效的信息")
    document = selectors.public_document(full_document.index_number)
    assert document.state == PublicationState.WITHDRAWN
    assert len(document.incoming_relations.all()) == 1


def test_dates_read_through_the_prepared_query_are_the_same_instant(full_document):
    document = selectors.public_document(full_document.index_number)
    assert timezone.is_aware(document.published_at)
    assert isinstance(document.signed_date, (datetime.date, type(None)))
