"""Forms of the back-office request pages (issue #5 §1–§6, §8, §9, §11).

Each action form is one service call; it carries the hidden ``version`` of the request
the page showed, which the service compares under a row lock (no lost update). The forms
only parse input; the services decide what is allowed and say why not
(:func:`add_service_errors` puts their messages on the form).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongkai.disclosure_requests.choices import (
    OUTCOME_RULES,
    REPORT_ROW,
    ApplicantKind,
    Channel,
    Delivery,
    FeeMethod,
    IdentityDocumentType,
    OrganisationType,
    Outcome,
    PartialGround,
    PauseKind,
    ReviewKind,
    ReviewResult,
    Status,
    WantedForm,
)
from gongkai.disclosure_requests.services import APPLICATION_FIELDS
from gongkai.library.choices import KeyArea
from gongkai.units.models import Unit

BLANK = [("", "---------")]


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's errors on the form: per field where the form has that field, on top
    (non-field errors) otherwise."""
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, widget=DateInput())


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 60})


# --- Lists -----------------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    """The list's filters (GET)."""

    status = forms.ChoiceField(label=_("status"), choices=BLANK + Status.choices, required=False)
    unit = forms.ModelChoiceField(
        label=_("handling unit"), queryset=Unit.objects.none(), required=False
    )
    due = forms.ChoiceField(
        label=_("reply due"),
        choices=BLANK + [("soon", _("due soon")), ("overdue", _("overdue"))],
        required=False,
    )
    paused = forms.ChoiceField(
        label=_("clock paused"),
        choices=BLANK + [("yes", _("clock paused")), ("no", _("clock running"))],
        required=False,
    )

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        paused = {"yes": True, "no": False}.get(data.get("paused") or "")
        return {
            "status": data.get("status") or "",
            "unit": data.get("unit"),
            "due": data.get("due") or "",
            "paused": paused,
        }


# --- Registering an application received on paper (Art. 29, 31) -----------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (possibly empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.ONLINE]

RECEIPT_HELP = _(
    "Art. 31: in person — the day the application was handed in; registered post — the day "
    "it was signed for (both required); ordinary post, fax and e-mail — the day the receipt "
    "was confirmed with the applicant: it may be left empty now and confirmed later."
)


class RegisterForm(forms.Form):
    """An application received in person, by post, fax or e-mail, entered by staff."""

    unit = forms.ModelChoiceField(label=_("receiving unit"), queryset=Unit.objects.none())
    channel = forms.ChoiceField(label=_("channel"), choices=BLANK + STAFF_CHANNELS)
    received_on = date_field(_("receipt date"), required=False, help_text=RECEIPT_HELP)
    filled_for_applicant = forms.BooleanField(
        label=_("form filled in by staff for the applicant (Art. 29)"), required=False
    )
    applicant_kind = forms.ChoiceField(
        label=_("applicant type"), choices=ApplicantKind.choices, widget=forms.RadioSelect
    )
    organisation_type = forms.ChoiceField(
        label=_("organisation type"),
        choices=BLANK + OrganisationType.choices,
        required=False,
        help_text=_("Only for legal persons and other organisations."),
    )
    applicant_name = forms.CharField(label=_("name"), max_length=100, required=False)
    id_type = forms.ChoiceField(
        label=_("identity document"), choices=BLANK + IdentityDocumentType.choices
    )
    id_number = forms.CharField(label=_("identity document number"), max_length=40, required=False)
    contact_person = forms.CharField(label=_("contact person"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    email = forms.CharField(label=_("e-mail"), max_length=254, required=False)
    address = forms.CharField(label=_("postal address"), max_length=300, required=False)
    postcode = forms.CharField(label=_("postcode"), max_length=10, required=False)
    info_title = forms.CharField(
        label=_("title of the information"), max_length=300, required=False
    )
    info_document_number = forms.CharField(
        label=_("document number"), max_length=100, required=False
    )
    info_description = forms.CharField(
        label=_("description of the information"), widget=text_area(5), required=False
    )
    wanted_form = forms.ChoiceField(label=_("wanted form"), choices=BLANK + WantedForm.choices)
    delivery = forms.ChoiceField(label=_("delivery"), choices=BLANK + Delivery.choices)
    key_area = forms.ChoiceField(
        label=_("key area"), choices=BLANK + KeyArea.choices, required=False
    )
    needs_assistance = forms.CharField(
        label=_("assistance needed (reading, sight or hearing, Art. 43)"),
        widget=text_area(2),
        required=False,
    )
    attachments = MultipleFileField(
        label=_("attachments"),
        required=False,
        help_text=_("Scans of the application and the identity document (PDF or images)."),
    )

    APPLICATION_FIELDS = APPLICATION_FIELDS  # what services.validate_application takes

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
            only = list(units[:2])
            if len(only) == 1:
                self.fields["unit"].initial = only[0].pk

    def application(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or "" for name in self.APPLICATION_FIELDS}


# --- Actions on one request -------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action carries the request's version the page was built from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        if action:
            kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)


class ConfirmReceiptForm(ActionForm):
    received_on = date_field(_("receipt date"), help_text=RECEIPT_HELP)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name_zh


class AssignForm(ActionForm):
    to_unit = UnitChoiceField(label=_("to unit"), queryset=Unit.objects.none())
    reason = forms.CharField(label=_("reason"), widget=text_area(2), required=False)

    def __init__(self, *args: Any, exclude_unit: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True).order_by("name_zh")
        if exclude_unit is not None:
            units = units.exclude(pk=exclude_unit)
        self.fields["to_unit"].queryset = units


class SplitForm(AssignForm):
    reason = None  # type: ignore[assignment]
    description = forms.CharField(
        label=_("the part that unit holds"), widget=text_area(3), required=False
    )


class ClarificationRequestForm(ActionForm):
    items = forms.CharField(
        label=_("what to clarify"),
        widget=text_area(4),
        required=False,
        help_text=_(
            "List everything to clarify, all at once: it may be asked only once (Art. 30)."
        ),
    )
    respond_by = date_field(
        _("clarify by"),
        required=False,
        help_text=_("Leave empty for the default deadline."),
    )
    asked_on = date_field(_("asked on"), required=False, help_text=_("Default: today."))


class ClarificationReceiveForm(ActionForm):
    clarified_on = date_field(_("clarification received on"))
    response = forms.CharField(label=_("clarification"), widget=text_area(4), required=False)


class PauseStartForm(ActionForm):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(k, label) for k, label in PauseKind.choices if k != PauseKind.FEE],
    )
    party = forms.CharField(label=_("consulted party"), max_length=200, required=False)
    reason = forms.CharField(label=_("reason"), widget=text_area(2), required=False)
    started_on = date_field(_("paused from"), required=False, help_text=_("Default: today."))


class PauseEndForm(ActionForm):
    pause = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = date_field(_("resumed on"), required=False, help_text=_("Default: today."))
    note = forms.CharField(label=_("result"), widget=text_area(2), required=False)


class ExtensionForm(ActionForm):
    working_days = forms.IntegerField(label=_("working days"))
    reason = forms.CharField(label=_("reason"), widget=text_area(2), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        maximum = settings.GONGKAI_REQUESTS["EXTENSION_MAX_WORKING_DAYS"]
        self.fields["working_days"].help_text = _(
            "At most %(max)s working days, once (Art. 33); approved by the head of the "
            "disclosure office."
        ) % {"max": maximum}


class ExcessiveForm(ActionForm):
    reasons_requested = forms.CharField(
        label=_("reasons requested from the applicant"), widget=text_area(3), required=False
    )


class Art35DeadlineForm(ActionForm):
    new_due_on = date_field(_("new deadline"))
    reason = forms.CharField(label=_("reason"), widget=text_area(2), required=False)


class FeeNoticeForm(ActionForm):
    method = forms.ChoiceField(
        label=_("method"), choices=FeeMethod.choices, widget=forms.RadioSelect
    )
    pages = forms.IntegerField(label=_("pages"), min_value=1, required=False)
    issued_on = date_field(_("issued on"), required=False, help_text=_("Default: today."))


class FeePaymentForm(ActionForm):
    paid_on = date_field(_("paid on"))
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=10, decimal_places=2)
    reference = forms.CharField(label=_("payment reference"), max_length=100, required=False)


def outcome_choices() -> list[tuple[Any, Any]]:
    """The outcomes grouped like the annual report's rows 三(一)–(六)."""
    groups = [
        ("三(一)", _("disclosed")),
        ("三(二)", _("partially disclosed")),
        ("三(三)", _("withheld")),
        ("三(四)", _("cannot be provided")),
        ("三(五)", _("not processed")),
        ("三(六)", _("other handling")),
    ]
    grouped: list[tuple[Any, Any]] = [("", "---------")]
    for prefix, label in groups:
        options = [
            (value, f"{REPORT_ROW[value]} {text}")
            for value, text in Outcome.choices
            if REPORT_ROW[value].startswith(prefix)
        ]
        grouped.append((f"{prefix} {label}", options))
    return grouped


class ReplyForm(ActionForm):
    outcome = forms.ChoiceField(label=_("outcome"), choices=outcome_choices)
    information_text = forms.CharField(
        label=_("the information, or how, where and when to obtain it"),
        widget=text_area(4),
        required=False,
    )
    reasons = forms.CharField(label=_("reasons"), widget=text_area(3), required=False)
    other_agency_name = forms.CharField(
        label=_("agency holding the information"), max_length=200, required=False
    )
    other_agency_contact = forms.CharField(label=_("its contact"), max_length=300, required=False)
    page_count = forms.IntegerField(label=_("pages released"), min_value=0, required=False)
    letter_text = forms.CharField(
        label=_("letter text"),
        widget=forms.Textarea(attrs={"rows": 18, "cols": 80}),
        required=False,
        help_text=_(
            "Leave empty, or tick the box below, to write the letter from the standard "
            "template of the outcome; otherwise your text is kept as it is."
        ),
    )
    regenerate = forms.BooleanField(
        label=_("regenerate the letter from the template"), required=False
    )

    def reply_data(self, withheld_parts: list[dict[str, str]]) -> dict[str, Any]:
        data = self.cleaned_data
        outcome = data["outcome"]
        return {
            "information_text": data.get("information_text") or "",
            "reasons": data.get("reasons") or "",
            "withheld_parts": withheld_parts if OUTCOME_RULES[outcome].needs_withheld_parts else [],
            "other_agency_name": data.get("other_agency_name") or "",
            "other_agency_contact": data.get("other_agency_contact") or "",
            "page_count": data.get("page_count"),
        }

    def letter(self) -> str | None:
        if self.cleaned_data.get("regenerate"):
            return None
        return self.cleaned_data.get("letter_text") or None


class WithheldPartForm(forms.Form):
    """One withheld part of a partial disclosure with its ground and reason (Art. 37)."""

    part = forms.CharField(label=_("withheld part"), max_length=500, required=False)
    ground = forms.ChoiceField(
        label=_("ground for withholding"), choices=BLANK + PartialGround.choices, required=False
    )
    reason = forms.CharField(label=_("reason"), max_length=1000, required=False)


WithheldPartFormSet = forms.formset_factory(WithheldPartForm, extra=5, max_num=50)


def withheld_parts(formset: Any) -> list[dict[str, str]]:
    """The filled rows of the withheld-parts table (blank rows are ignored)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        row = {key: (data.get(key) or "").strip() for key in ("part", "ground", "reason")}
        if any(row.values()):
            rows.append(row)
    return rows


class ApproveForm(ActionForm):
    pass


class IssueForm(ActionForm):
    issued_on = date_field(_("issued on"), required=False, help_text=_("Default: today."))


class ReleasedFileForm(ActionForm):
    file = forms.FileField(label=_("released file"))


class DeliveryForm(ActionForm):
    method = forms.ChoiceField(label=_("delivered by"), choices=BLANK + Delivery.choices)
    delivered_on = date_field(_("delivered on"))
    note = forms.CharField(label=_("delivery note"), max_length=300, required=False)


class WithdrawForm(ActionForm):
    reason = forms.CharField(
        label=_("the applicant's written withdrawal"),
        widget=text_area(2),
        help_text=_("The request closes without a reply letter (report row 三(六)3)."),
    )


class ConvertForm(ActionForm):
    title = forms.CharField(
        label=_("title of the document"),
        max_length=300,
        required=False,
        help_text=_("Default: the title of the information asked for."),
    )


class ReviewRecordForm(ActionForm):
    kind = forms.ChoiceField(label=_("kind"), choices=BLANK + ReviewKind.choices)
    received_on = date_field(_("received on"))
    result = forms.ChoiceField(
        label=_("result"), choices=ReviewResult.choices, initial=ReviewResult.PENDING
    )
    decided_on = date_field(_("decided on"), required=False)
    case_number = forms.CharField(label=_("case number"), max_length=100, required=False)
    note = forms.CharField(label=_("note"), widget=text_area(2), required=False)


class ReviewUpdateForm(ActionForm):
    case = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("result"), choices=ReviewResult.choices)
    decided_on = date_field(_("decided on"), required=False)
    note = forms.CharField(label=_("note"), widget=text_area(2), required=False)


class PersonalDataForm(ActionForm):
    pass
