"""Bad applications are refused with a clear message and leave nothing behind (Regulation
Art. 29; issue #5 "Bad input"; R-4.3 resident-ID checksum and phone parsing)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from gongkai.accounts.models import Role
from gongkai.core.validators import resident_id_check_char
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    ApplicantKind,
    Channel,
    Delivery,
    IdentityDocumentType,
)
from gongkai.disclosure_requests.models import DisclosureRequest, RequestAttachment
from gongkai.disclosure_requests.tests.factories import CREDIT_CODE, organisation, person
from gongkai.library.tests.test_attachments import make_pdf


def _errors(data) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        services.validate_application(data)
    return excinfo.value.message_dict


def _files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_a_complete_application_is_cleaned():
    """A complete application passes; the identity number is normalised, a person has no
    organisation type."""
    clean = services.validate_application(person(id_number=" 11010519491231002x "))
    assert clean["id_number"] == "11010519491231002X"
    assert clean["organisation_type"] == ""
    assert clean["applicant_name"] == "张三"


def test_a_resident_id_with_a_wrong_check_digit_is_refused():
    """R-4.3: resident identity numbers are checked (GB 11643 check digit)."""
    errors = _errors(person(id_number="110105194912310021"))
    assert list(errors) == ["id_number"]
    assert "check digit" in errors["id_number"][0]
    assert "校验码" in errors["id_number"][0]


def test_a_resident_id_with_an_impossible_birth_date_is_refused():
    """R-4.3: the birth date inside the number must exist (no 30 February)."""
    first17 = "11010519490230002"
    errors = _errors(person(id_number=first17 + resident_id_check_char(first17)))
    assert "id_number" in errors


def test_a_natural_person_cannot_use_a_credit_code():
    """Art. 29: a citizen identifies with a personal identity document."""
    errors = _errors(person(id_type=IdentityDocumentType.CREDIT_CODE, id_number=CREDIT_CODE))
    assert "personal identity document" in errors["id_type"][0]


def test_an_organisation_needs_its_type_and_a_contact_person():
    """Art. 29; annual report §三: legal persons give the organisation type the report
    counts, and a contact person."""
    errors = _errors(organisation(organisation_type="", contact_person=""))
    assert set(errors) == {"organisation_type", "contact_person"}
    assert services.validate_application(organisation())["id_number"] == CREDIT_CODE


def test_an_organisation_with_a_bad_credit_code_is_refused():
    """GB 32100: a unified social credit code with a wrong check character is refused."""
    wrong = "0" if CREDIT_CODE[-1] != "0" else "1"
    errors = _errors(organisation(id_number=CREDIT_CODE[:-1] + wrong))
    assert "credit code" in errors["id_number"][0]


def test_an_application_without_any_way_to_reach_the_applicant_is_refused():
    """Art. 29: the application carries the applicant's contact."""
    errors = _errors(person(phone="", email="", address="", delivery=Delivery.PICKUP))
    assert "at least one way to reach you" in " ".join(errors["phone"])


def test_delivery_by_email_needs_an_email_address():
    """Art. 29: receiving by e-mail needs an e-mail address."""
    errors = _errors(person(email="", delivery=Delivery.EMAIL))
    assert list(errors) == ["email"]
    assert "e-mail address" in errors["email"][0]


def test_delivery_by_post_needs_an_address():
    """Art. 29: receiving by post needs a postal address."""
    errors = _errors(person(address="", delivery=Delivery.POST))
    assert list(errors) == ["address"]


def test_an_empty_description_is_refused():
    """Art. 29: the application describes the information wanted."""
    errors = _errors(person(info_description="   "))
    assert "Describe the information" in errors["info_description"][0]


def test_a_description_of_100000_characters_is_refused_naming_the_limit(settings, unit_a):
    """Issue #5 bad input: a 100,000-character description is refused with a message that
    states the limit and the length; nothing is saved."""
    limit = settings.GONGKAI_REQUESTS["DESCRIPTION_MAX_CHARS"]
    with pytest.raises(ValidationError) as excinfo:
        services.request_submit(unit=unit_a, data=person(info_description="字" * 100_000))
    message = excinfo.value.message_dict["info_description"][0]
    assert f"at most {limit} characters" in message
    assert "100000" in message
    assert f"最多 {limit} 个字" in message
    assert not DisclosureRequest.objects.exists()
    services.validate_application(person(info_description="字" * limit))


def test_an_invalid_phone_is_refused():
    """R-4.3: phone numbers are parsed, not taken as any text."""
    for phone in ("12", "abc-defg", "0000000000000"):
        errors = _errors(person(phone=phone))
        assert "valid phone number" in errors["phone"][0], phone


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("(022)66668888", "022-66668888"),
        ("022 6666 8888", "022-66668888"),
        ("12345", "12345"),
    ],
)
def test_valid_phones_are_stored_in_one_form(raw, normalised):
    """R-4.3: phones are parsed and stored in the form Chinese government sites print."""
    assert services.validate_application(person(phone=raw))["phone"] == normalised


def test_unknown_fields_are_refused(unit_a):
    """Only the application's own fields are taken (no status, unit or dates from a form)."""
    with pytest.raises(ValidationError) as excinfo:
        services.request_submit(unit=unit_a, data=person(status="closed", due_on="2030-01-01"))
    assert "due_on" in " ".join(excinfo.value.messages)
    assert "status" in " ".join(excinfo.value.messages)
    assert not DisclosureRequest.objects.exists()


def test_unknown_applicant_kind_and_choices_are_refused():
    """Values outside the fixed lists are refused, each under its own field."""
    errors = _errors(
        person(applicant_kind="robot", wanted_form="telepathy", delivery="pigeon", key_area="x")
    )
    assert {"applicant_kind", "wanted_form", "delivery", "key_area"} <= set(errors)


def test_every_problem_is_reported_at_once():
    """The applicant sees every problem at once, not one per attempt."""
    errors = _errors(
        person(
            applicant_kind=ApplicantKind.NATURAL_PERSON,
            applicant_name="",
            id_number="123",
            phone="12",
            postcode="3004",
        )
    )
    assert {"applicant_name", "id_number", "phone", "postcode"} <= set(errors)


def test_a_double_click_makes_one_request(unit_a):
    """Issue #5 bad input: the same submission key twice gives the same request; the second
    answer carries no query code."""
    key = uuid.uuid4()
    first, code = services.request_submit(unit=unit_a, data=person(), submission_key=key)
    again, no_code = services.request_submit(unit=unit_a, data=person(), submission_key=key)
    assert again.pk == first.pk
    assert code is not None
    assert no_code is None
    assert DisclosureRequest.objects.count() == 1


def test_an_attachment_that_is_not_what_it_claims_is_refused_before_saving(settings, unit_a):
    """Issue #5 bad input: b"hello" named x.pdf is refused; no request and no file remain."""
    with pytest.raises(ValidationError) as excinfo:
        services.request_submit(unit=unit_a, data=person(), attachments=[("x.pdf", b"hello")])
    assert "attachments" in excinfo.value.message_dict
    assert "x.pdf" in excinfo.value.message_dict["attachments"][0]
    assert not DisclosureRequest.objects.exists()
    assert not RequestAttachment.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_staff_registration_refuses_a_false_attachment_too(settings, make_user, unit_a):
    """Issue #5 bad input: at the counter too, one false attachment among true ones refuses the
    whole registration; nothing is saved."""
    officer = make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)
    good = ("申请表.pdf", make_pdf(["application"]))
    with pytest.raises(ValidationError):
        services.request_register(
            unit=unit_a,
            by=officer,
            data=person(),
            channel=Channel.FAX,
            attachments=[good, ("scan.pdf", b"hello")],
        )
    assert not DisclosureRequest.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_a_true_attachment_is_kept_with_its_checksum(settings, unit_a):
    """A real PDF is kept with its type, size and SHA-256."""
    request, _code = services.request_submit(
        unit=unit_a, data=person(), attachments=[("身份证复印件.pdf", make_pdf(["id copy"]))]
    )
    attachment = RequestAttachment.objects.get(request=request)
    assert attachment.name == "身份证复印件.pdf"
    assert attachment.content_type == "application/pdf"
    assert len(attachment.sha256) == 64
    assert len(_files(settings.MEDIA_ROOT)) == 1
