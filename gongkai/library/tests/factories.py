"""Documents for tests, made through the real services."""

from __future__ import annotations

import datetime
from typing import Any

from gongkai.library import services
from gongkai.library.choices import Art20Category, DisclosureAttribute, DocumentKind
from gongkai.library.models import Document


def draft(unit, by, **overrides: Any) -> Document:
    data: dict[str, Any] = {
        "title": "关于印发生态城促进就业若干措施的通知",
        "document_number": "津生管发〔2020〕12号",
        "kind": DocumentKind.POLICY,
        "category": Art20Category.C11,
        "signed_date": datetime.date(2020, 3, 2),
        "attribute": DisclosureAttribute.PROACTIVE,
        "body": "<p>各单位：现将有关措施印发给你们。</p>",
    }
    key_areas = overrides.pop("key_areas", ())
    data.update(overrides)
    return services.document_create(unit=unit, by=by, data=data, key_areas=key_areas)


def published(unit, editor, reviewer, **overrides: Any) -> Document:
    document = draft(unit, editor, **overrides)
    services.document_submit(document=document, by=editor)
    services.document_confidentiality_review(document=document, by=reviewer, passed=True)
    return services.document_publish(document=document, by=reviewer)
