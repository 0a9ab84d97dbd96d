"""Fixtures of the campaign tests: reviewers of two units and a small library."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongkai.accounts.models import Role
from gongkai.library import services as library
from gongkai.library.choices import DisclosureAttribute, DocumentKind, Validity
from gongkai.library.tests.factories import draft

SINCE_2010 = {"signed_from": "2010-01-01"}


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def reviewer_b(make_user, unit_b):
    return make_user("reviewer-b", unit_b, Role.REVIEWER)


@pytest.fixture
def deadline():
    return timezone.localdate() + datetime.timedelta(days=30)


def undecided(unit, by, **overrides):
    """A historical document whose disclosure attribute was never decided."""
    data = {"attribute": DisclosureAttribute.UNDECIDED, "signed_date": datetime.date(2012, 5, 2)}
    data.update(overrides)
    return draft(unit, by, **data)


def normative(unit, by, **overrides):
    """A normative document in force, valid for five years."""
    data = {
        "title": "生态城物业管理办法",
        "kind": DocumentKind.NORMATIVE,
        "category": "01",
        "signed_date": datetime.date(2022, 3, 1),
        "valid_until": datetime.date(2027, 2, 28),
    }
    data.update(overrides)
    return draft(unit, by, **data)


def repealed(unit, editor, reviewer, **overrides):
    document = undecided(unit, editor, **overrides)
    return library.document_set_validity(
        document=document, by=reviewer, validity=Validity.REPEALED, note="已废止"
    )
