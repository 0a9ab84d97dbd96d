"""Back office: the searches that found nothing (for the Office, to improve content and
synonyms) and the state of the search index. Read-only: both are written by the platform."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.admin_base import OfficeOnlyAdmin
from gongkai.search import engine
from gongkai.search.models import IndexChange, SearchMiss


class ReadOnly(OfficeOnlyAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SearchMiss)
class SearchMissAdmin(ReadOnly):
    list_display = ["query", "count", "filtered", "day"]
    list_filter = ["day", "filtered"]
    search_fields = ["query"]
    date_hierarchy = "day"
    ordering = ["-day", "-count"]


@admin.register(IndexChange)
class IndexChangeAdmin(ReadOnly):
    """Pending and recently applied changes; the page heading shows the served index."""

    list_display = ["id", "document_id", "created_at", "applied_at"]
    list_filter = [("applied_at", admin.EmptyFieldListFilter)]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        path = engine.current_generation()
        pending = IndexChange.objects.filter(applied_at__isnull=True).count()
        if path is None:
            status = _("No search index: searches use the database until the worker builds one.")
        else:
            status = _("Serving index %(name)s; %(pending)s change(s) waiting.") % {
                "name": path.name,
                "pending": pending,
            }
        context = {**(extra_context or {}), "title": status}
        return super().changelist_view(request, extra_context=context)
