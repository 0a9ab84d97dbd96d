"""Back-office forms for documents (issue #3 §2, §3, §4, §9).

The forms collect input; the services in :mod:`gongkai.library.services` decide. The
document form saves *through* the services while it validates, so that every rule the
service enforces (a ground and an explanation for non-proactive information, a change
note for published information, …) comes back as an error on the form, and a form with an
error has saved nothing (the service rolls its own transaction back, and the admin wraps
the whole request in one).
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.permissions import Perm, units_where
from gongkai.library import selectors, services
from gongkai.library.choices import (
    DisclosureAttribute,
    KeyArea,
    RelationKind,
    Validity,
    WithholdingGround,
)
from gongkai.library.models import Document
from gongkai.library.numbers import DocumentNumberError, parse_document_number
from gongkai.units.models import Unit

# Fields of the document form that are passed to document_create / document_update.
SERVICE_FIELDS = tuple(sorted(services.EDITABLE_FIELDS))


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's errors on the form: per field where the form has that field, on top
    (non-field errors) otherwise."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def form_error_text(form: forms.BaseForm) -> str:
    """All errors of a small action form as one line (for a message on the next page)."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


class DocumentForm(forms.ModelForm):
    """Create or edit a document. ``user`` is set by the admin (``DocumentAdmin.get_form``)."""

    user: Any = None

    attribute = forms.ChoiceField(
        label=_("disclosure attribute"),
        choices=DisclosureAttribute.choices,
        initial=DisclosureAttribute.UNDECIDED,
        widget=forms.RadioSelect,
    )
    withholding_grounds = forms.MultipleChoiceField(
        label=_("grounds"),
        choices=WithholdingGround.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Required when the information is disclosed on request or withheld: tick at "
            "least one ground of the Regulation."
        ),
    )
    attribute_explanation = forms.CharField(
        label=_("explanation of the attribute"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when the information is not disclosed proactively."),
    )
    key_areas = forms.MultipleChoiceField(
        label=_("key areas"),
        choices=KeyArea.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    change_note = forms.CharField(
        label=_("change note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when you change published information: the public history shows it."),
    )

    class Meta:
        model = Document
        fields = ["unit", *SERVICE_FIELDS, "co_issuers"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "summary_en": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 20, "class": "vLargeTextField"}),
        }
        help_texts = {
            "body": _("HTML is allowed; scripts, styles and unknown tags are removed on save."),
            "document_number": _("Any bracket form is accepted, e.g. 津生管发[2020]12号."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "key_areas" in self.fields:
            self.initial.setdefault(
                "key_areas", list(self.instance.key_area_links.values_list("area", flat=True))
            )

    def _post_clean(self) -> None:
        """Save through the services (instead of the model form's own instance validation);
        a ValidationError from the service becomes form errors. AccessDenied propagates."""
        if self.errors or self.user is None:
            return
        try:
            self.instance = self._save_through_services()
        except ValidationError as exc:
            add_service_errors(self, exc)

    def _save_through_services(self) -> Document:
        data = self.cleaned_data
        values = {name: data[name] for name in SERVICE_FIELDS if name in self.fields}
        if "withholding_grounds" in values:
            values["withholding_grounds"] = list(values["withholding_grounds"])
        key_areas = list(data["key_areas"]) if "key_areas" in self.fields else None
        co_issuers = list(data["co_issuers"]) if "co_issuers" in self.fields else None
        if self.instance.pk is None:
            return services.document_create(
                unit=data["unit"],
                by=self.user,
                data=values,
                key_areas=key_areas or (),
                co_issuers=co_issuers or (),
            )
        return services.document_update(
            document=self.instance,
            by=self.user,
            changes=values,
            key_areas=key_areas,
            co_issuers=co_issuers,
            change_note=data.get("change_note") or "",
        )


# --- Workflow actions (each one service call) ------------------------------------------


class ReasonForm(forms.Form):
    """Return to the drafter, or withdraw: the service requires the reason."""

    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ConfidentialityReviewForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("confidentiality review (Art. 17)"),
        choices=[("yes", _("passed")), ("no", _("not passed"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择保密审查是否通过 / Choose whether the review passed.",
        },
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class PublishForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("publish at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to publish now; a later time schedules the publication."),
        error_messages={
            "invalid": "请输入有效的日期和时间，如 2026-12-01 09:00 / "
            "Enter a valid date and time, e.g. 2026-12-01 09:00."
        },
    )


class ValidityForm(forms.Form):
    validity = forms.ChoiceField(
        label=_("new validity"),
        choices=(),
        error_messages={"required": "请选择新的有效性 / Choose the new validity."},
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    valid_until = forms.DateField(
        label=_("new valid-until date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Needed when an expired document is renewed."),
        error_messages={
            "invalid": "请输入有效的日期，如 2030-12-31 / Enter a valid date, e.g. 2030-12-31."
        },
    )

    def __init__(self, *args: Any, document: Document, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = services.VALIDITY_TRANSITIONS.get(Validity(document.validity), frozenset())
        field = self.fields["validity"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
        field.choices = [("", "---------"), *((v.value, v.label) for v in Validity if v in allowed)]
        field.error_messages["invalid_choice"] = (
            "该有效性变化不允许 / This change of validity is not allowed."
        )


def relation_targets(user: Any) -> QuerySet[Document]:
    """Documents ``user`` may link to: those they may see, and every public one."""
    visible = selectors.documents_for(user).values("pk")
    return Document.objects.filter(Q(pk__in=visible) | Q(state__in=selectors.PUBLIC_STATES))


def find_target(user: Any, text: str) -> Document:
    """The document named by an index number or a document number (any bracket form)."""
    text = text.strip()
    if not text:
        raise ValidationError(
            "请输入关联文件的索引号或文号 / Enter the related document's index number or "
            "document number."
        )
    targets = relation_targets(user)
    found = list(targets.filter(index_number=text)[:2])
    if not found:
        try:
            key = parse_document_number(text).search_key
        except DocumentNumberError:
            raise ValidationError(
                f"找不到索引号为「{text}」的文件，且它也不是可识别的文号 / No document has the "
                f"index number “{text}”, and it is not a readable document number."
            ) from None
        found = list(targets.filter(document_number_key=key).order_by("-signed_date", "id")[:6])
    if not found:
        raise ValidationError(
            f"找不到索引号或文号为「{text}」的文件 / No document has the index number or "
            f"document number “{text}”."
        )
    if len(found) > 1:
        numbers = "、".join(d.index_number for d in found)
        raise ValidationError(
            f"有多份文件使用文号「{text}」（{numbers}），请改填索引号 / Several documents carry "
            f"the document number “{text}” ({numbers}); enter the index number instead."
        )
    return found[0]


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("relation"), choices=RelationKind.choices)
    target = forms.CharField(
        label=_("related document"),
        max_length=200,
        required=False,
        help_text=_("Its index number or document number (any bracket form)."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_target(self) -> Document:
        return find_target(self.user, self.cleaned_data.get("target") or "")


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_("PDF, DOCX, XLSX, OFD or an image; the type is checked by content."),
        error_messages={
            "required": "请选择要上传的文件 / Choose a file to upload.",
            "empty": "上传的文件为空 / The uploaded file is empty.",
        },
    )


class TimelinessForm(forms.Form):
    """Filters of the timeliness page: a unit (the user's units; the Office: all) and the
    day to look from."""

    unit = forms.ModelChoiceField(
        label=_("unit"), queryset=Unit.objects.none(), required=False, empty_label=_("all units")
    )
    as_of = forms.DateField(
        label=_("as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Look ahead: what will be late or due soon on this day (default: today)."),
        error_messages={
            "invalid": "请输入有效的日期，如 2026-12-31 / Enter a valid date, e.g. 2026-12-31."
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = units_where(user, Perm.UNIT_VIEW_INTERNAL)

    def as_of_date(self, today: datetime.date) -> datetime.date:
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return today
