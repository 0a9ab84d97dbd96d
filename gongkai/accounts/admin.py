from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.admin_base import OfficeOnlyAdmin, UnitScopedAdmin
from gongkai.accounts.models import Membership, User
from gongkai.accounts.permissions import Perm, units_where
from gongkai.accounts.services import account_save
from gongkai.units.services import membership_grant, membership_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["unit", "role", "granted_at"]
    readonly_fields = ["unit", "role", "granted_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(OfficeOnlyAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "email", "is_office_admin", "is_active", "last_login"]
    list_filter = ["is_office_admin", "is_active", "memberships__unit"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "email", "phone"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_office_admin"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "full_name", "email", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            obj.is_staff = True
        account_save(
            account=obj,
            by=request.user,  # type: ignore[arg-type]
            password_changed="password" in form.changed_data or "password1" in form.changed_data,
        )


@admin.register(Membership)
class MembershipAdmin(UnitScopedAdmin):
    list_display = ["user", "unit", "role", "granted_at"]
    list_filter = ["role", "unit"]
    search_fields = ["user__username", "user__full_name", "unit__name_zh", "unit__code"]
    change_perm = Perm.MEMBERSHIP_MANAGE
    autocomplete_fields: list[str] = []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a role is granted or revoked, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._holds_anywhere(request, Perm.MEMBERSHIP_MANAGE)
        return self._holds_in(request, Perm.MEMBERSHIP_MANAGE, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            kwargs["queryset"] = units_where(request.user, Perm.MEMBERSHIP_MANAGE)
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        saved = membership_grant(
            user=obj.user,
            unit=obj.unit,
            role=obj.role,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_revoke(membership=obj, by=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset:
            membership_revoke(membership=membership, by=request.user)  # type: ignore[arg-type]
