from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.admin_base import UnitScopedAdmin
from gongkai.accounts.models import User
from gongkai.accounts.permissions import Perm, is_office, units_where
from gongkai.units import importing, selectors, services
from gongkai.units.models import DisclosureOfficerFiling, FilingStatus, Leader, Unit


class LeaderInline(admin.StackedInline):
    model = Leader
    extra = 0
    fields = [("name", "title", "sort_order"), "portfolio"]

    def _can_edit(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and services.can_edit_unit(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # the parent admin already decided the unit is visible

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can_edit(request, obj)


class OfficerStatusFilter(admin.SimpleListFilter):
    title = _("disclosure officer on record")
    parameter_name = "officer"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("yes", _("on record")),
            ("pending", _("awaiting confirmation")),
            ("none", _("none on record")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        status = selectors.units_with_officer_status()
        if self.value() == "yes":
            return queryset.filter(pk__in=status.filter(has_officer=True).values("pk"))
        if self.value() == "pending":
            return queryset.filter(pk__in=status.filter(has_pending=True).values("pk"))
        if self.value() == "none":
            return queryset.filter(pk__in=status.filter(has_officer=False).values("pk"))
        return queryset


@admin.register(Unit)
class UnitAdmin(UnitScopedAdmin):
    unit_field = "pk"
    list_display = ["code", "name_zh", "kind", "supervising_unit", "phone", "is_active"]
    list_filter = ["kind", "is_active", OfficerStatusFilter]
    search_fields = ["code", "name_zh", "name_en", "short_name"]
    inlines = [LeaderInline]
    change_list_template = "admin/units/unit/change_list.html"
    fieldsets = [
        (
            _("Identity"),
            {
                "fields": [
                    ("code", "credit_code"),
                    "kind",
                    ("name_zh", "short_name"),
                    "name_en",
                    "supervising_unit",
                    "is_office",
                    ("is_active", "sort_order"),
                ]
            },
        ),
        (
            _("Functions and structure"),
            {"fields": ["functions", "functions_en", "internal_structure", "subordinate_units"]},
        ),
        (
            _("Contact"),
            {
                "fields": [
                    "address",
                    "postcode",
                    "office_hours",
                    ("phone", "fax"),
                    "email",
                    "website",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_office(request.user):
            return []
        return sorted(services.OFFICE_ONLY_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_office(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_office(request.user)

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        fields = [f for f in form.changed_data if f in services.UNIT_FIELDS]
        data = {f: getattr(obj, f) for f in fields}
        if change:
            services.unit_update(unit=obj, by=request.user, changes=data)  # type: ignore[arg-type]
        else:
            created = services.unit_create(by=request.user, data=data)  # type: ignore[arg-type]
            obj.pk = created.pk

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Leader:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for leader in formset.deleted_objects:
            services.leader_delete(leader=leader, by=request.user)  # type: ignore[arg-type]
        for leader in instances:
            services.leader_save(leader=leader, by=request.user)  # type: ignore[arg-type]
        return None

    def delete_model(self, request: HttpRequest, obj: Unit) -> None:
        services.unit_delete(unit=obj, by=request.user)  # type: ignore[arg-type]

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:units_unit_changelist"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "officer-status/",
                self.admin_site.admin_view(self.officer_status_view),
                name="units_officer_status",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="units_unit_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        # The import link is for those who may edit some unit (Office and unit admins).
        extra_context = {
            "can_import_units": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload an XLSX or CSV sheet of units; every row goes through the unit services."""
        if not self.has_change_permission(request):  # Perm.UNIT_EDIT in some unit
            raise PermissionDenied
        form = importing.ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = importing.import_units(
                rows=form.cleaned_data["rows"],
                by=request.user,  # type: ignore[arg-type]
                dry_run=form.cleaned_data["dry_run"],
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import units"),
            "form": form,
            "report": report,
            "columns": list(importing.COLUMNS.items()),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/units/unit/import.html", context)

    def officer_status_view(self, request: HttpRequest) -> HttpResponse:
        """The Office's overview: every unit's disclosure officer on record, and who has none."""
        if not is_office(request.user):
            raise PermissionDenied
        units = selectors.units_with_officer_status().order_by("has_officer", "kind", "sort_order")
        current = {
            f.unit_id: f
            for f in DisclosureOfficerFiling.objects.filter(
                status__in=[FilingStatus.CONFIRMED, FilingStatus.PENDING]
            ).select_related("officer")
        }
        rows = [(u, current.get(u.pk)) for u in units]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Disclosure officers on record"),
            "rows": rows,
            "missing": sum(1 for u, _f in rows if not u.has_officer),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/units/officer_status.html", context)


class FilingForm(forms.ModelForm):
    class Meta:
        model = DisclosureOfficerFiling
        fields = ["unit", "officer", "position", "phone", "email", "note"]


class DecisionForm(forms.Form):
    filing_date = forms.DateField(
        label=_("filing date"), initial=timezone.localdate, required=False
    )
    reason = forms.CharField(label=_("reason for returning"), widget=forms.Textarea, required=False)


@admin.register(DisclosureOfficerFiling)
class DisclosureOfficerFilingAdmin(UnitScopedAdmin):
    form = FilingForm
    change_perm = Perm.OFFICER_NAME
    list_display = ["unit", "officer", "position", "phone", "status", "named_at", "filing_date"]
    list_filter = ["status", "unit"]
    search_fields = ["unit__name_zh", "unit__code", "officer__full_name", "officer__username"]
    actions = ["confirm_today"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return [f.name for f in self.model._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self._holds_anywhere(request, Perm.OFFICER_NAME)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # filings are history; a new filing supersedes the old one

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if not is_office(request.user):
            actions.pop("confirm_today", None)
        return actions

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            kwargs["queryset"] = units_where(request.user, Perm.OFFICER_NAME)
        if db_field.name == "officer":
            kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: DisclosureOfficerFiling, form: Any, change: bool
    ) -> None:
        filing = services.officer_name(
            unit=obj.unit,
            officer=obj.officer,
            position=obj.position,
            phone=obj.phone,
            email=obj.email,
            note=obj.note,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = filing.pk

    @admin.action(description=_("Confirm the selected filings with today's date"))
    def confirm_today(self, request: HttpRequest, queryset: Any) -> None:
        done = 0
        for filing in queryset.filter(status=FilingStatus.PENDING):
            services.officer_confirm(filing=filing, by=request.user)  # type: ignore[arg-type]
            done += 1
        self.message_user(request, _("%(count)d filings confirmed.") % {"count": done})

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="units_disclosureofficerfiling_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The Office confirms a pending filing with a date, or returns it with a reason."""
        if not is_office(request.user):
            raise PermissionDenied
        filing = get_object_or_404(DisclosureOfficerFiling, pk=pk)
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if "return" in request.POST:
                    services.officer_return(
                        filing=filing,
                        by=request.user,  # type: ignore[arg-type]
                        reason=form.cleaned_data["reason"] or "",
                    )
                    self.message_user(request, _("The filing was returned to the unit."))
                else:
                    services.officer_confirm(
                        filing=filing,
                        by=request.user,  # type: ignore[arg-type]
                        filing_date=form.cleaned_data["filing_date"] or timezone.localdate(),
                    )
                    self.message_user(request, _("The filing is confirmed."))
                return HttpResponseRedirect(
                    reverse("admin:units_disclosureofficerfiling_changelist")
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else []:
                    form.add_error(field if field in form.fields else None, errors)
                if not hasattr(exc, "error_dict"):
                    form.add_error(None, exc.messages)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Confirm or return a disclosure officer filing"),
            "filing": filing,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/units/filing_decide.html", context)
