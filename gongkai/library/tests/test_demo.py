"""Demo documents (`gongkai demo`) are made through the services and load once."""

from __future__ import annotations

from gongkai.library.choices import PublicationState, Validity
from gongkai.library.demo import load_demo_documents
from gongkai.library.models import Document
from gongkai.units.demo import load_demo


def test_demo_documents_load_once_with_a_repealed_document(db):
    """The demo shows published, repealed, interpreted, draft and on-request documents."""
    load_demo()
    assert load_demo_documents() == 6
    assert load_demo_documents() == 6  # again: nothing new
    assert Document.objects.count() == 6
    old = Document.objects.get(import_key="demo-1")
    assert old.validity == Validity.REPEALED
    assert old.incoming_relations.get().source.import_key == "demo-2"
    assert Document.objects.get(import_key="demo-5").state == PublicationState.DRAFT
    assert Document.objects.filter(state=PublicationState.PUBLISHED).count() == 4
