"""Forms of the public request pages: apply online, look up, clarify (issue #5 §1, §7).

The forms check shape only (a known choice, a UUID, how many files and how large); what
an application must contain is decided by ``services.validate_application`` — the one set
of rules for the web, the back office and imports. Its bilingual messages are mapped onto
the fields here (:meth:`ApplicationForm.add_service_errors`), in the page's language.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    ApplicantKind,
    Delivery,
    IdentityDocumentType,
    OrganisationType,
    WantedForm,
)
from gongkai.library.choices import KeyArea
from gongkai.units.models import Unit

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def one_language(message: Any) -> str:
    """A service's ``"中文 / English"`` message in the active language (others unchanged)."""
    text = str(message)
    zh, sep, en = text.partition(" / ")
    if not sep:
        return text
    return en.strip() if (get_language() or "").startswith("en") else zh.strip()


def _blank(choices: Iterable[tuple[str, Any]], label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


class ErrorSummaryMixin:
    """``error_summary()``: every error of the form, in field order, with the id of the
    control it belongs to (the page's error summary links to it)."""

    def error_summary(self) -> list[tuple[str, str]]:
        form: forms.Form = self  # type: ignore[assignment]
        items = [("", str(message)) for message in form.non_field_errors()]
        for name, field in form.fields.items():
            if name not in form.errors or name == "submission_key":
                continue
            bound = form[name]
            anchor = f"{bound.auto_id}_0" if field.widget.use_fieldset else bound.id_for_label
            items.extend((anchor, str(message)) for message in form.errors[name])
        if "submission_key" in form.errors:
            items.extend(("", str(message)) for message in form.errors["submission_key"])
        return items


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one ``<input type=file multiple>``; a list (maybe empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("Attach at most %(count)s files."), params={"count": MAX_ATTACHMENTS}
            )
        errors = []
        for file in files:
            if file.size > MAX_ATTACHMENT_BYTES:
                errors.append(
                    ValidationError(
                        _("%(name)s is too large (%(size)s); each file may have at most %(max)s."),
                        params={
                            "name": file.name,
                            "size": filesizeformat(file.size),
                            "max": filesizeformat(MAX_ATTACHMENT_BYTES),
                        },
                    )
                )
        if errors:
            raise ValidationError(errors)
        return files


def unit_choices(units: Iterable[Unit]) -> list[tuple[str, str]]:
    return [(unit.code, unit.display_name) for unit in units]


class ApplicationForm(ErrorSummaryMixin, forms.Form):
    """The online application (Art. 29). Organisation fields are always in the form (it
    works without JavaScript); the service ignores them for a natural person."""

    unit = forms.ChoiceField(
        label=_("Unit you are applying to"),
        help_text=_("The unit that made or keeps the information. If unsure, choose the Office."),
    )
    applicant_kind = forms.ChoiceField(
        label=_("You are applying as"),
        choices=ApplicantKind.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    organisation_type = forms.ChoiceField(
        label=_("Type of organisation"),
        choices=OrganisationType.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(
        label=_("Name of the applicant"),
        help_text=_("Your full name, or the organisation's full registered name."),
        required=False,
    )
    id_type = forms.ChoiceField(
        label=_("Identity document"),
        choices=_blank(IdentityDocumentType.choices, _("Choose a document")),
        required=False,
        help_text=_("Organisations: the unified social credit code."),
    )
    id_number = forms.CharField(label=_("Identity document number"), required=False)
    contact_person = forms.CharField(
        label=_("Contact person"), required=False, help_text=_("Organisations only.")
    )
    phone = forms.CharField(label=_("Phone"), required=False)
    email = forms.CharField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Postal address"), required=False)
    postcode = forms.CharField(label=_("Postcode"), required=False)
    info_title = forms.CharField(
        label=_("Title of the information"),
        required=False,
        help_text=_("If you know it, e.g. the title of a notice or report."),
    )
    info_document_number = forms.CharField(
        label=_("Document number"),
        required=False,
        help_text=_("If you know it, e.g. 津生管发〔2020〕12号."),
    )
    info_description = forms.CharField(
        label=_("Description of the information you want"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What the information is about, the period it covers and any other feature that "
            "helps to find it."
        ),
    )
    wanted_form = forms.ChoiceField(
        label=_("Form you want it in"),
        choices=WantedForm.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    delivery = forms.ChoiceField(
        label=_("How you want to receive it"),
        choices=Delivery.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    key_area = forms.ChoiceField(
        label=_("Key area (optional)"),
        choices=_blank(KeyArea.choices, _("None of these")),
        required=False,
    )
    needs_assistance = forms.CharField(
        label=_("Assistance you need (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "If you have difficulty reading, seeing or hearing, say what help you need "
            "(Regulation, Art. 43)."
        ),
    )
    attachments = MultipleFileField(
        label=_("Attachments (optional)"),
        help_text=_(
            "For example a copy of your identity document. PDF, Word (DOCX), Excel (XLSX), OFD "
            "or images; at most 5 files of 10 MB each."
        ),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    # The fields the service validates (all of them but unit, attachments, the key).
    SERVICE_FIELDS = services.APPLICATION_FIELDS
    # Marked "required" on the page (the service says what is missing).
    REQUIRED = frozenset(
        {
            "unit",
            "applicant_kind",
            "applicant_name",
            "id_type",
            "id_number",
            "info_description",
            "wanted_form",
            "delivery",
        }
    )
    ORGANISATION_FIELDS = ("organisation_type", "contact_person")

    def __init__(self, *args: Any, units: Iterable[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.code: unit for unit in units}
        unit_field = cast(forms.ChoiceField, self.fields["unit"])
        unit_field.choices = _blank(unit_choices(self.units.values()), _("Choose a unit"))
        limit = settings.GONGKAI_REQUESTS["DESCRIPTION_MAX_CHARS"]
        description = self.fields["info_description"]
        description.widget.attrs["maxlength"] = limit
        description.help_text = format_lazy(
            "{} {}", description.help_text, _("At most %(limit)s characters.") % {"limit": limit}
        )
        self.description_limit = limit
        for name, limit in services.MAX_LENGTHS.items():
            self.fields[name].widget.attrs.setdefault("maxlength", limit)
        self.fields["unit"].error_messages["required"] = _("Choose the unit you are applying to")
        self.fields["submission_key"].error_messages["invalid"] = _(
            "The form was damaged; it has been renewed, please send it again."
        )
        autocomplete = {
            "applicant_name": "name",
            "phone": "tel",
            "email": "email",
            "address": "street-address",
            "postcode": "postal-code",
            "contact_person": "name",
        }
        for name, value in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = value
        self.fields["email"].widget.input_type = "email"
        self.fields["phone"].widget.input_type = "tel"
        self.fields["postcode"].widget.attrs["inputmode"] = "numeric"

    @property
    def unit_object(self) -> Unit | None:
        return self.units.get(self.cleaned_data.get("unit") or "")

    def application_data(self) -> dict[str, str]:
        """What the service validates: cleaned values where valid, else what was posted."""
        data = {}
        for name in self.SERVICE_FIELDS:
            if name in getattr(self, "cleaned_data", {}):
                data[name] = self.cleaned_data[name]
            else:
                data[name] = self.data.get(name, "")
        return data

    def attachment_files(self) -> list[tuple[str, bytes]]:
        files = self.cleaned_data.get("attachments") or []
        result = []
        for file in files:
            file.seek(0)
            result.append((file.name, file.read()))
        return result

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the fields it names (others: the form)."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                target = field if field in self.fields else None
                for item in errors:
                    for message in item.messages:
                        self._add_once(target, one_language(message))
        else:
            for message in error.messages:
                self._add_once(None, one_language(message))

    def _add_once(self, field: str | None, message: str) -> None:
        existing = list(self.errors.get(field or NON_FIELD_ERRORS) or [])
        if message not in existing:
            self.add_error(field, message)

    def check_with_service(self) -> None:
        """Add the service's findings to a form that already has errors of its own, so the
        applicant sees every problem at once."""
        try:
            services.validate_application(self.application_data())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    if field in self.errors:
                        continue
                    for item in errors:
                        for message in item.messages:
                            self._add_once(field, one_language(message))

    @staticmethod
    def new_key() -> uuid.UUID:
        return uuid.uuid4()


class LookupForm(ErrorSummaryMixin, forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=40,
        help_text=_("For example YS2026-7K3M-9QXA."),
    )
    query_code = forms.CharField(
        label=_("Query code"),
        max_length=40,
        help_text=_("The 8-character code shown when you applied."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tracking_number"].error_messages["required"] = _("Enter the tracking number")
        self.fields["query_code"].error_messages["required"] = _("Enter the query code")
        for field in self.fields.values():
            field.widget.attrs.update(
                {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
            )


class ClarificationForm(ErrorSummaryMixin, forms.Form):
    response = forms.CharField(
        label=_("Your clarification"),
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Answer every point listed above. The clock restarts from today."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.GONGKAI_REQUESTS["DESCRIPTION_MAX_CHARS"]
        self.fields["response"].widget.attrs["maxlength"] = limit
        self.fields["response"].error_messages["required"] = _("Enter the clarification")

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                target = field if field in self.fields else None
                for item in errors:
                    for message in item.messages:
                        self.add_error(target, one_language(message))
        else:
            for message in error.messages:
                self.add_error(None, one_language(message))
