"""The search form (GET: nothing is saved). Unknown filter values are reported and ignored."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.library.choices import Art20Category, DocumentKind, KeyArea, Topic, Validity
from gongkai.search.engine import Filters
from gongkai.search.selectors import SearchRequest

POLICY_KINDS = ("rule", "normative", "policy", "interpretation")
FIRST_YEAR, LAST_YEAR = 1949, 2100


class YearsField(forms.Field):
    """Years as repeated ``year=2020`` parameters (a list of 150 choices would be rebuilt and
    copied for every search; checking the range is all that is needed)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {  # noqa: RUF012 - Django's convention
        "invalid": _("Enter years between 1949 and 2100."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        years: list[int] = []
        for item in values:
            try:
                year = int(str(item).strip())
            except ValueError:
                error = forms.ValidationError(self.error_messages["invalid"], code="invalid")
                raise error from None
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            years.append(year)
        return years


class _SharedChoices:
    """Choices fixed in the code, shared by every form rather than deep-copied for each one.

    Django deep-copies a form's fields for every instance, and with them every list of
    choices: over half a millisecond a search page (issue #4 §8). Nothing changes these lists
    in place (the unit field gets a new list in ``SearchForm.__init__``), so sharing is safe."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        # What forms.Field.__deepcopy__ does, but the widget is copied shallowly: a deep copy
        # of a choice widget copies its choices and normalizes them again.
        field: Any = self
        result = copy.copy(field)
        memo[id(field)] = result
        result.widget = copy.copy(field.widget)
        result.widget.attrs = field.widget.attrs.copy()
        result.error_messages = field.error_messages.copy()
        result.validators = field.validators[:]
        return result


class FixedChoiceField(_SharedChoices, forms.ChoiceField):
    pass


class FixedMultipleChoiceField(_SharedChoices, forms.MultipleChoiceField):
    pass


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=10_000, strip=True)
    scope = FixedChoiceField(
        label=_("Search in"),
        required=False,
        choices=[("all", _("All government information")), ("policy", _("Policy documents"))],
        widget=forms.RadioSelect,
    )
    validity_scope = FixedChoiceField(
        label=_("Validity"),
        required=False,
        choices=[("in_force", _("In force only")), ("any", _("Any validity"))],
        widget=forms.RadioSelect,
    )
    sort = FixedChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("relevance", _("Relevance")), ("date", _("Date published"))],
    )
    unit = forms.MultipleChoiceField(label=_("Issued by"), required=False)
    year = YearsField(label=_("Year"), required=False)
    kind = FixedMultipleChoiceField(label=_("Kind"), required=False, choices=DocumentKind.choices)
    topic = FixedMultipleChoiceField(label=_("Topic"), required=False, choices=Topic.choices)
    validity = FixedMultipleChoiceField(
        label=_("Validity"), required=False, choices=Validity.choices
    )
    area = FixedMultipleChoiceField(label=_("Key area"), required=False, choices=KeyArea.choices)
    category = FixedMultipleChoiceField(
        label=_("Category"), required=False, choices=Art20Category.choices
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, unit_codes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.choices = unit_codes

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
