"""Back-office forms of review campaigns. They only collect input; services decide."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.campaigns.models import KEEP_ATTRIBUTES, Campaign, CampaignKind
from gongkai.library.choices import DisclosureAttribute, DocumentKind, Validity, WithholdingGround
from gongkai.units.models import Unit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class LaunchForm(forms.Form):
    """The Office launches a campaign: kind, title, deadline and the filter."""

    FILTER_LISTS = ("validity", "attributes", "kinds", "units")

    kind = forms.ChoiceField(
        label=_("kind"), choices=CampaignKind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea, required=False)
    deadline = forms.DateField(label=_("deadline"), widget=DateInput())
    signed_from = forms.DateField(label=_("signed on or after"), widget=DateInput(), required=False)
    signed_to = forms.DateField(label=_("signed on or before"), widget=DateInput(), required=False)
    validity = forms.MultipleChoiceField(
        label=_("validity"),
        choices=Validity.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: documents in force."),
    )
    attributes = forms.MultipleChoiceField(
        label=_("disclosure attribute"),
        choices=DisclosureAttribute.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "None ticked: for an attribute review, undecided, on request and withheld; "
            "for a clean-up, any attribute."
        ),
    )
    kinds = forms.MultipleChoiceField(
        label=_("document kind"),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "None ticked: for an attribute review, every kind; for a clean-up, normative documents."
        ),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("units"),
        queryset=Unit.objects.order_by("sort_order", "code"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every unit."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = CampaignKind.ATTRIBUTE_REVIEW
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=30)

    def campaign_fields(self) -> list[Any]:
        return [self[name] for name in ("kind", "title", "description", "deadline")]

    def filter_fields(self) -> list[Any]:
        return [self[name] for name in ("signed_from", "signed_to", *self.FILTER_LISTS)]

    def filter_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "signed_from": data.get("signed_from"),
            "signed_to": data.get("signed_to"),
            "validity": data.get("validity") or [],
            "attributes": data.get("attributes") or [],
            "kinds": data.get("kinds") or [],
            "units": [u.pk for u in data.get("units") or []],
        }


class DecideForm(forms.Form):
    """A unit's decision on one task, or on many tasks at once."""

    decision = forms.ChoiceField(label=_("decision"), widget=forms.RadioSelect)
    keep_attribute = forms.ChoiceField(
        label=_("attribute kept"),
        required=False,
        help_text=_("When keeping: on request or withheld (empty: the document's current one)."),
    )
    grounds = forms.MultipleChoiceField(
        label=_("grounds"),
        choices=WithholdingGround.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("When keeping information non-public: at least one ground."),
    )
    explanation = forms.CharField(
        label=_("explanation or note"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["decision"].choices = campaign.decision_choices()  # type: ignore[attr-defined]
        if campaign.kind == CampaignKind.ATTRIBUTE_REVIEW:
            self.fields["keep_attribute"].choices = [  # type: ignore[attr-defined]
                ("", "—"),
                *((a.value, a.label) for a in KEEP_ATTRIBUTES),
            ]
        else:
            del self.fields["keep_attribute"]
            del self.fields["grounds"]
