from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from gongkai.accounts.admin_base import OfficeOnlyAdmin, UnitScopedAdmin
from gongkai.accounts.models import Membership, User
from gongkai.accounts.permissions import Perm, units_where
from gongkai.accounts.services import account_password_changed, account_save, account_unlock
from gongkai.units.services import membership_grant, membership_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["unit", "role", "granted_at"]
    readonly_fields = ["unit", "role", "granted_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _sign_in_locked() -> Exists:
    """Whether the row's username is locked out now (django-axes), as one subquery.

    Mirrors axes' own check for AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]:
    the failures recorded within the cool-off time for this username from one address
    (summed over browsers) reach AXES_FAILURE_LIMIT.
    """
    attempts = AccessAttempt.objects.filter(username=OuterRef("username"))
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return Exists(
        attempts.values("ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )


@admin.register(User)
class UserAdmin(OfficeOnlyAdmin, DjangoUserAdmin):
    list_display = [
        "username",
        "full_name",
        "email",
        "is_office_admin",
        "is_active",
        "sign_in_locked",
        "last_login",
    ]
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
    actions = ["unlock_sign_in"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).annotate(locked=_sign_in_locked())

    @admin.display(description=_("Sign-in locked"), boolean=True, ordering="locked")
    def sign_in_locked(self, obj: User) -> bool:
        return bool(getattr(obj, "locked", False))

    @admin.action(description=_("Unlock sign-in"))
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        unlocked: list[str] = []
        untouched: list[str] = []
        for account in queryset.order_by("username"):
            cleared = account_unlock(account=account, by=request.user)  # type: ignore[arg-type]
            (unlocked if cleared else untouched).append(account.username)
        if unlocked:
            self.message_user(
                request,
                _("Sign-in unlocked: %(names)s") % {"names": ", ".join(unlocked)},
                messages.SUCCESS,
            )
        if untouched:
            self.message_user(
                request,
                _("No failed sign-ins to clear: %(names)s") % {"names": ", ".join(untouched)},
                messages.INFO,
            )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            obj.is_staff = True
        account_save(
            account=obj,
            by=request.user,  # type: ignore[arg-type]
            password_changed="password" in form.changed_data or "password1" in form.changed_data,
        )

    @method_decorator(sensitive_post_parameters())
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # The new password and its audit entry (written from log_change) commit together.
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        """Django's password form calls this once the new password is saved: audit it."""
        match = request.resolver_match
        if match is not None and match.url_name == "auth_user_password_change":
            account_password_changed(account=obj, by=request.user)  # type: ignore[arg-type]
        return super().log_change(request, obj, message)


@admin.register(Membership)
class MembershipAdmin(UnitScopedAdmin):
    list_display = ["user", "unit", "role", "granted_at"]
    list_filter = ["role", "unit"]
    search_fields = ["user__username", "user__full_name", "unit__name_zh", "unit__code"]
    change_perm = Perm.MEMBERSHIP_MANAGE

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
