"""Filter forms of the public lists (GET forms: nothing is saved)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.library.choices import DocumentKind
from gongkai.units.models import Unit


class UnitFilterForm(forms.Form):
    """Filter by issuing unit (its code). An unknown code is reported, and ignored."""

    unit = forms.ChoiceField(
        label=_("Issued by"),
        required=False,
        error_messages={"invalid_choice": _("There is no unit with this code.")},
    )

    def __init__(
        self,
        *args: Any,
        units: Iterable[Unit] = (),
        unit_choices: Iterable[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``units``, or ``unit_choices`` — (code, name in the active language) pairs, which
        spare the lists the unit objects (see ``views._unit_choices``)."""
        super().__init__(*args, **kwargs)
        if unit_choices is None:
            unit_choices = [(u.code, u.display_name) for u in units]
        unit_field: Any = self.fields["unit"]
        unit_field.choices = [("", _("All units")), *unit_choices]

    def filters(self) -> dict[str, Any]:
        """The values that are valid (``cleaned_data`` keeps those even when others are not)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}


class DocumentFilterForm(UnitFilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *DocumentKind.choices],
        error_messages={"invalid_choice": _("There is no such kind of document.")},
    )
    in_force = forms.BooleanField(label=_("In force only"), required=False)
