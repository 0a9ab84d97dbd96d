"""Disclosure requests for tests, made through the real services."""

from __future__ import annotations

import datetime
from typing import Any

from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    ApplicantKind,
    Channel,
    Delivery,
    IdentityDocumentType,
    OrganisationType,
    WantedForm,
)
from gongkai.disclosure_requests.models import DisclosureRequest

# A valid resident identity number (check digit correct) and a valid credit code.
RESIDENT_ID = "11010519491231002X"
CREDIT_CODE = "91120116MA05JN1234"  # replaced below by a computed valid one


def _credit_code() -> str:
    from gongkai.core.validators import credit_code_check_char

    first = "91120116MA05JN123"
    return first + credit_code_check_char(first)


CREDIT_CODE = _credit_code()


def person(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_kind": ApplicantKind.NATURAL_PERSON,
        "applicant_name": "张三",
        "id_type": IdentityDocumentType.RESIDENT_ID,
        "id_number": RESIDENT_ID,
        "phone": "13812345678",
        "email": "zhangsan@example.com",
        "address": "天津市滨海新区中新天津生态城和畅路 1 号",
        "postcode": "300467",
        "info_title": "生态城 2025 年保障性住房分配结果",
        "info_document_number": "",
        "info_description": "请提供生态城 2025 年保障性住房分配的名单及评分标准。",
        "wanted_form": WantedForm.ELECTRONIC,
        "delivery": Delivery.EMAIL,
    }
    data.update(overrides)
    return data


def organisation(**overrides: Any) -> dict[str, Any]:
    data = person(
        applicant_kind=ApplicantKind.ORGANISATION,
        organisation_type=OrganisationType.LEGAL_SERVICE,
        applicant_name="天津某某律师事务所",
        id_type=IdentityDocumentType.CREDIT_CODE,
        id_number=CREDIT_CODE,
        contact_person="李律师",
    )
    data.update(overrides)
    return data


def submitted(unit, **overrides: Any) -> tuple[DisclosureRequest, str]:
    """An online request not yet confirmed as received; returns it and its query code."""
    request, code = services.request_submit(unit=unit, data=person(**overrides))
    assert code is not None
    return request, code


def received(unit, by, received_on: datetime.date, **overrides: Any) -> DisclosureRequest:
    """A request handed in at the counter on ``received_on`` (the clock runs from it)."""
    request, _code = services.request_register(
        unit=unit,
        by=by,
        data=person(**overrides),
        channel=Channel.IN_PERSON,
        received_on=received_on,
    )
    return request


def backdate(request: DisclosureRequest, day: datetime.date) -> DisclosureRequest:
    """Pretend an online request was submitted on ``day`` (test setup: the services only
    ever stamp the real time)."""
    from django.utils import timezone

    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    DisclosureRequest.objects.filter(pk=request.pk).update(submitted_at=moment)
    request.refresh_from_db()
    return request
