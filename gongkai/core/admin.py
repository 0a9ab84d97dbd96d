from __future__ import annotations

import csv
import json
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.admin_base import UnitScopedAdmin
from gongkai.accounts.permissions import Perm
from gongkai.core.models import AuditEntry

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
