"""A ModelAdmin base that asks the permission layer instead of Django's model permissions.

Staff see only the rows of units where they hold the view permission; objects of
other units are absent (an id guessed in the URL is answered as "does not exist").
Saves and deletes go through the app's services, which check permission again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongkai.accounts.permissions import Perm, is_office, scope, unit_ids_where


class UnitScopedAdmin(admin.ModelAdmin):
    unit_field = "unit"
    view_perm: Perm = Perm.UNIT_VIEW_INTERNAL
    change_perm: Perm = Perm.UNIT_EDIT

    def _unit_id(self, obj: Any) -> int | None:
        if self.unit_field == "pk":
            return obj.pk
        return getattr(obj, f"{self.unit_field}_id")

    def _holds_anywhere(self, request: HttpRequest, perm: Perm) -> bool:
        ids = unit_ids_where(request.user, perm)
        return ids is None or ids.exists()

    def _holds_in(self, request: HttpRequest, perm: Perm, obj: Any) -> bool:
        ids = unit_ids_where(request.user, perm)
        return ids is None or ids.filter(unit_id=self._unit_id(obj)).exists()

    def get_queryset(self, request: HttpRequest) -> Any:
        return scope(request.user, self.view_perm, super().get_queryset(request), self.unit_field)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._holds_anywhere(request, self.view_perm)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._holds_anywhere(request, self.view_perm)
        return self._holds_in(request, self.view_perm, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._holds_anywhere(request, self.change_perm)
        return self._holds_in(request, self.change_perm, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._holds_anywhere(request, self.change_perm)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


class OfficeOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_office(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_office(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_office(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_office(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
