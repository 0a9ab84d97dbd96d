"""Staff accounts and their roles in units (issue #2 §4)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff account. Office administrators (委办) act across all units."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_office_admin = models.BooleanField(
        _("Office administrator"),
        default=False,
        help_text=_("Office administrators (委办) coordinate and act across all units."),
    )

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    EDITOR = "editor", _("editor")
    REVIEWER = "reviewer", _("reviewer")
    DISCLOSURE_OFFICER = "disclosure_officer", _("disclosure officer")
    # 政府信息公开工作机构负责人: approves extensions and reply letters (Art. 33).
    DISCLOSURE_HEAD = "disclosure_head", _("head of the disclosure office")
    UNIT_ADMIN = "unit_admin", _("unit administrator")


class Membership(models.Model):
    """One role a user holds in one unit. A user may hold several roles in several units."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("staff account")
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role in unit")
        verbose_name_plural = _("roles in units")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role"),
        ]
        ordering = ["unit__code", "user__username", "role"]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
