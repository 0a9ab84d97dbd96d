"""The search form (GET: nothing is saved). Unknown filter values are reported and ignored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.library.choices import Art20Category, DocumentKind, KeyArea, Topic, Validity
from gongkai.search.engine import Filters
from gongkai.search.selectors import SearchRequest

POLICY_KINDS = ("rule", "normative", "policy", "interpretation")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=10_000, strip=True)
    scope = forms.ChoiceField(
        label=_("Search in"),
        required=False,
        choices=[("all", _("All government information")), ("policy", _("Policy documents"))],
        widget=forms.RadioSelect,
    )
    validity_scope = forms.ChoiceField(
        label=_("Validity"),
        required=False,
        choices=[("in_force", _("In force only")), ("any", _("Any validity"))],
        widget=forms.RadioSelect,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("relevance", _("Relevance")), ("date", _("Date published"))],
    )
    unit = forms.MultipleChoiceField(label=_("Issued by"), required=False)
    year = forms.TypedMultipleChoiceField(label=_("Year"), required=False, coerce=int)
    kind = forms.MultipleChoiceField(label=_("Kind"), required=False, choices=DocumentKind.choices)
    topic = forms.MultipleChoiceField(label=_("Topic"), required=False, choices=Topic.choices)
    validity = forms.MultipleChoiceField(
        label=_("Validity"), required=False, choices=Validity.choices
    )
    area = forms.MultipleChoiceField(label=_("Key area"), required=False, choices=KeyArea.choices)
    category = forms.MultipleChoiceField(
        label=_("Category"), required=False, choices=Art20Category.choices
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, unit_codes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.choices = unit_codes
        year_field: Any = self.fields["year"]
        year_field.choices = [(str(y), str(y)) for y in range(1949, 2101)]

    def valid_data(self) -> dict[str, Any]:
        """The values that are valid; invalid ones are dropped (and shown as errors)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def to_request(self, page_size: int = 10) -> SearchRequest:
        data = self.valid_data()
        q = data.get("q") or ""
        scope = data.get("scope") or "all"
        kinds = tuple(data.get("kind") or ())
        validity = tuple(data.get("validity") or ())
        if scope == "policy":
            kinds = kinds or POLICY_KINDS
            # "In force only" is on by default for policy searches (issue #4 §3).
            if (data.get("validity_scope") or "in_force") == "in_force" and not validity:
                validity = ("in_force",)
        elif data.get("validity_scope") == "in_force" and not validity:
            validity = ("in_force",)
        filters = Filters(
            unit=tuple(data.get("unit") or ()),
            year=tuple(data.get("year") or ()),
            kind=kinds,
            topic=tuple(data.get("topic") or ()),
            validity=validity,
            area=tuple(data.get("area") or ()),
            category=tuple(data.get("category") or ()),
        )
        return SearchRequest(
            q=q,
            filters=filters,
            sort=data.get("sort") or "relevance",
            page=data.get("page") or 1,
            page_size=page_size,
        )
