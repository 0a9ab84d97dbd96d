"""Forms of the back-office annual-report pages (issue #6 §1, §6, §7).

The forms only parse input; the services (:mod:`gongkai.annual_reports.services`) decide
what is allowed and say why not, in Chinese and English. Figures are taken as text so the
service's own bilingual message explains a bad value (and the value typed stays on the
page). Every form that changes a report carries the hidden ``version`` the page showed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.annual_reports.models import AnnualReport
from gongkai.annual_reports.services import FIGURE_FIELDS, FIRST_YEAR, TEXT_FIELDS
from gongkai.disclosure_requests.forms_staff import add_service_errors
from gongkai.units.models import Unit

__all__ = [
    "ActionForm",
    "ImportConfirmForm",
    "ImportUploadForm",
    "ReasonForm",
    "ReportForm",
    "YearForm",
    "add_service_errors",
]


def _label(name: str) -> Any:
    return AnnualReport._meta.get_field(name).verbose_name  # type: ignore[union-attr]


def last_year() -> int:
    return timezone.localdate().year - 1


class ReportForm(forms.Form):
    """Sections 一/五/六 and table 二's entered figures (the government: texts only)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    overview = forms.CharField(
        label=_label("overview"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )
    problems = forms.CharField(
        label=_label("problems"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
    )
    other_matters = forms.CharField(
        label=_label("other_matters"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
    )
    licensing_decisions = forms.CharField(
        label=_label("licensing_decisions"), required=False, max_length=30
    )
    penalty_decisions = forms.CharField(
        label=_label("penalty_decisions"), required=False, max_length=30
    )
    enforcement_decisions = forms.CharField(
        label=_label("enforcement_decisions"), required=False, max_length=30
    )
    charges_amount = forms.CharField(label=_label("charges_amount"), required=False, max_length=30)

    def __init__(self, *args: Any, government: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The text areas keep what the user typed exactly (the service strips it).
        for name in TEXT_FIELDS:
            self.fields[name].strip = False  # type: ignore[attr-defined]
        if government:
            for name in FIGURE_FIELDS:
                del self.fields[name]

    @classmethod
    def for_report(cls, report: AnnualReport) -> ReportForm:
        initial: dict[str, Any] = {"version": report.version}
        for name in (*TEXT_FIELDS, *FIGURE_FIELDS):
            initial[name] = getattr(report, name)
        return cls(initial=initial, government=report.is_government)

    def changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name, "")
            for name in (*TEXT_FIELDS, *FIGURE_FIELDS)
            if name in self.fields
        }


class ActionForm(forms.Form):
    """A workflow step with nothing to say: review, publish."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(ActionForm):
    """A workflow step that needs the reason: return, reopen."""

    reason = forms.CharField(
        label=_("reason"),
        required=False,  # the service says, in both languages, that it is needed
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class YearForm(forms.Form):
    """The year of a list or of the Office's overview (GET)."""

    year = forms.IntegerField(label=_("year"), min_value=FIRST_YEAR, max_value=2999, required=False)


class ImportUploadForm(forms.Form):
    """A past year's report in the official XLSX layout (issue #6 §7)."""

    unit = forms.ModelChoiceField(label=_("unit"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("year"), min_value=FIRST_YEAR, max_value=2999)
    file = forms.FileField(
        label=_("XLSX file"),
        required=False,
        help_text=_("The report's tables in the official layout (the blank template below)."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["year"].initial = last_year() - 1

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            raise forms.ValidationError(
                "请选择要上传的 XLSX 文件 / Choose the XLSX file to upload", code="required"
            )
        return upload


class ImportConfirmForm(forms.Form):
    """Confirm the import previewed (the parsed tables wait in the session)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
