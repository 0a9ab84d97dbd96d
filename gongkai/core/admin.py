from __future__ import annotations

import csv
import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.admin_base import OfficeOnlyAdmin, UnitScopedAdmin
from gongkai.accounts.permissions import Perm
from gongkai.core import calendar
from gongkai.core.models import AuditEntry, CalendarDay, CalendarYear

CSV_COLUMNS = [
    ("id", "编号 id"),
    ("at", "时间 time"),
    ("actor_label", "操作人 actor"),
    ("action", "操作 action"),
    ("object_type", "对象类型 object type"),
    ("object_id", "对象编号 object id"),
    ("object_label", "对象 object"),
    ("unit_id", "单位 unit"),
    ("before", "修改前 before"),
    ("after", "修改后 after"),
    ("note", "说明 note"),
    ("via", "途径 via"),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(AuditEntry)
class AuditEntryAdmin(UnitScopedAdmin):
    """The audit log: read-only, filterable, exportable as CSV.

    The Office sees every entry; a unit admin the entries of their unit.
    """

    view_perm = Perm.AUDIT_VIEW
    list_display = ["at", "actor_label", "action", "object_type", "object_label", "unit", "via"]
    list_filter = ["action", "object_type", "via", "unit", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "object_label", "object_id", "note"]
    date_hierarchy = "at"
    list_select_related = ["unit"]
    readonly_fields = [
        "at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "unit",
        "changes",
        "note",
        "via",
    ]
    fields = readonly_fields
    change_list_template = "admin/core/auditentry/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    @admin.display(description=_("changes"))
    def changes(self, obj: AuditEntry) -> str:
        before, after = obj.before or {}, obj.after or {}
        keys = sorted(set(before) | set(after))
        if not keys:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (
                    k,
                    json.dumps(before.get(k), ensure_ascii=False),
                    json.dumps(after.get(k), ensure_ascii=False),
                )
                for k in keys
            ),
        )
        return format_html(
            "<table><thead><tr><th></th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("before"),
            _("after"),
            rows,
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_csv),
                name="core_auditentry_export",
            ),
            *super().get_urls(),
        ]

    def export_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        """The entries the change list currently shows (same filters and search), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request).order_by("at", "id")
        writer = csv.writer(_Echo())

        def rows() -> Any:
            yield "\ufeff"  # BOM so that spreadsheet programs read UTF-8 Chinese correctly
            yield writer.writerow([label for _name, label in CSV_COLUMNS])
            for entry in queryset.iterator(chunk_size=2000):
                values = []
                for name, _label in CSV_COLUMNS:
                    value = getattr(entry, name)
                    if name == "at":
                        value = timezone.localtime(value).isoformat()
                    elif name in {"before", "after"}:
                        value = "" if value is None else json.dumps(value, ensure_ascii=False)
                    values.append(value)
                yield writer.writerow(values)

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response


# --- The working-day calendar (Office only; changed through core/calendar.py) -----------


class CalendarYearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        years = CalendarYear.objects.order_by("-year").values_list("year", flat=True)
        return [(str(year), str(year)) for year in years]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


def _day_count(working: bool) -> Coalesce:
    days = (
        CalendarDay.objects.filter(date__year=OuterRef("year"), is_working_day=working)
        .order_by()
        .values("is_working_day")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(days, output_field=IntegerField()), 0)


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(
        label=_("year"), min_value=calendar.MIN_YEAR, max_value=calendar.MAX_YEAR
    )
    notice = forms.CharField(
        label=_("notice"),
        required=False,
        max_length=300,
        help_text=_("The official notice, e.g. 国办发明电〔2025〕7号."),
    )
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_(
            "XLSX or CSV, at most 1 MB; columns 日期 (date), 类型 (type: 放假 or 上班) "
            "and 名称 (name)."
        ),
    )
    dry_run = forms.BooleanField(label=_("Check only, save nothing"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year + 1
        self.fields["file"].widget.attrs["accept"] = ",".join(calendar.EXTENSIONS)


class _ReadOnlyOfficeAdmin(OfficeOnlyAdmin):
    """Visible to the Office; changed only through the calendar services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}


@admin.register(CalendarYear)
class CalendarYearAdmin(_ReadOnlyOfficeAdmin):
    """The years of the working-day calendar, and the upload of a year's notice."""

    list_display = [
        "year",
        "confirmed",
        "source",
        "notice",
        "rest_days",
        "working_days",
        "revision",
        "updated_at",
        "updated_by",
    ]
    list_filter = ["confirmed", "source"]
    search_fields = ["notice"]
    list_select_related = ["updated_by"]
    fields = readonly_fields = (
        "year",
        "confirmed",
        "source",
        "notice",
        "revision",
        "updated_at",
        "updated_by",
    )
    change_list_template = "admin/core/calendaryear/change_list.html"

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .annotate(rest_count=_day_count(False), working_count=_day_count(True))
        )

    def _days_link(self, obj: CalendarYear, count: int, working: bool) -> str:
        url = reverse("admin:core_calendarday_changelist")
        return format_html(
            '<a href="{}?year={}&amp;is_working_day__exact={}">{}</a>',
            url,
            obj.year,
            int(working),
            count,
        )

    @admin.display(description=_("weekdays off"), ordering="rest_count")
    def rest_days(self, obj: Any) -> str:
        return self._days_link(obj, obj.rest_count, False)

    @admin.display(description=_("weekend days at work"), ordering="working_count")
    def working_days(self, obj: Any) -> str:
        return self._days_link(obj, obj.working_count, True)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {
            "can_import_calendar": calendar.can_edit_calendar(request.user),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="core_calendaryear_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a year's notice as a sheet; it goes through ``calendar_import_year``."""
        if not calendar.can_edit_calendar(request.user):
            raise PermissionDenied
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        report, errors = None, []
        if request.method == "POST" and form.is_valid():
            upload, year = form.cleaned_data["file"], form.cleaned_data["year"]
            try:
                rows = calendar.read_notice(upload, year=year, filename=upload.name)
                report = calendar.calendar_import_year(
                    year=year,
                    rows=rows,
                    by=request.user,  # type: ignore[arg-type]
                    notice=form.cleaned_data["notice"],
                    via="web",
                    dry_run=form.cleaned_data["dry_run"],
                )
            except calendar.CalendarFileError as exc:
                form.add_error("file", exc.message)
            except calendar.CalendarImportError as exc:
                errors = exc.errors
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a year's public holidays"),
            "form": form,
            "report": report,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/core/calendaryear/import.html", context)


@admin.register(CalendarDay)
class CalendarDayAdmin(_ReadOnlyOfficeAdmin):
    """The days that differ from the usual week (Monday to Friday at work)."""

    list_display = ["date", "weekday", "is_working_day", "kind", "name", "source", "updated_by"]
    list_filter = [CalendarYearFilter, "kind", "is_working_day", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_select_related = ["updated_by"]
    fields = readonly_fields = (
        "date",
        "weekday",
        "is_working_day",
        "kind",
        "name",
        "source",
        "created_at",
        "updated_by",
    )

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()])
