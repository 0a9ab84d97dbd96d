"""Units (单位) and the agency information the Regulation requires public.

Regulation Art. 20(2), requirement R-1.1 (agency information) and R-6.1
(disclosure officer on record with the Office).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongkai.core.validators import validate_credit_code, validate_phone, validate_unit_code


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("department of the administrative committee")
    COMMUNITY = "community", _("community committee")
    PROVIDER = "provider", _("public service provider")


class Unit(models.Model):
    """A department, community committee (社区居委会) or public service provider."""

    code = models.CharField(
        _("unit code"),
        max_length=16,
        unique=True,
        validators=[validate_unit_code],
        help_text=_("2–16 capital letters or digits; used in index numbers."),
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    supervising_unit = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_units",
        verbose_name=_("supervising unit"),
        help_text=_("Required for public service providers (谁主管、谁负责)."),
    )
    is_office = models.BooleanField(
        _("is the Office"),
        default=False,
        help_text=_("The administrative committee office (委办) that coordinates all units."),
    )
    functions = models.TextField(_("functions"), blank=True)
    functions_en = models.TextField(_("functions (English)"), blank=True)
    internal_structure = models.TextField(
        _("internal structure"),
        blank=True,
        help_text=_("One internal division per line: name, then its duties after a colon."),
    )
    subordinate_units = models.TextField(
        _("subordinate units"),
        blank=True,
        help_text=_("Subordinate bodies not on the platform, one per line."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    fax = models.CharField(_("fax"), max_length=40, blank=True, validators=[validate_phone])
    email = models.CharField(_("e-mail"), max_length=254, blank=True, validators=[EmailValidator()])
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive units are hidden from the portal.")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="unit_credit_code_unique",
            ),
            models.UniqueConstraint(
                fields=["is_office"],
                condition=models.Q(is_office=True),
                name="unit_single_office",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("portal:unit_detail", kwargs={"code": self.code})

    def clean(self) -> None:
        if self.kind == UnitKind.PROVIDER and self.supervising_unit_id is None:
            raise ValidationError(
                {"supervising_unit": _("A public service provider needs a supervising unit.")}
            )
        if self.pk is not None and self.supervising_unit_id == self.pk:
            raise ValidationError({"supervising_unit": _("A unit cannot supervise itself.")})

    @property
    def display_name(self) -> str:
        language = get_language() or ""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    @property
    def display_functions(self) -> str:
        language = get_language() or ""
        if language.startswith("en") and self.functions_en:
            return self.functions_en
        return self.functions

    def internal_divisions(self) -> list[tuple[str, str]]:
        """The internal structure as (name, duties) pairs, one per non-empty line."""
        divisions = []
        for line in self.internal_structure.splitlines():
            line = line.strip()
            if not line:
                continue
            for sep in ("：", ":"):
                if sep in line:
                    name, duties = line.split(sep, 1)
                    divisions.append((name.strip(), duties.strip()))
                    break
            else:
                divisions.append((line, ""))
        return divisions

    def subordinate_unit_names(self) -> list[str]:
        return [line.strip() for line in self.subordinate_units.splitlines() if line.strip()]


class Leader(models.Model):
    """A leader of a unit and the work they are responsible for (领导信息, 分工)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="leaders", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("position"), max_length=100)
    portfolio = models.TextField(
        _("portfolio"), help_text=_("The leader's division of work (分工).")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("leader")
        verbose_name_plural = _("leaders")
        ordering = ["unit", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）"


class FilingStatus(models.TextChoices):
    PENDING = "pending", _("awaiting confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    SUPERSEDED = "superseded", _("superseded")
    REJECTED = "rejected", _("returned")


class DisclosureOfficerFiling(models.Model):
    """A unit names its disclosure officer; the Office confirms the filing (备案). R-6.1.

    Filings are never edited after confirmation: a new filing supersedes the old
    one, so the history of who was on record when is kept.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="officer_filings", verbose_name=_("unit")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="officer_filings",
        verbose_name=_("disclosure officer"),
    )
    position = models.CharField(_("position"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40, validators=[validate_phone])
    email = models.CharField(_("e-mail"), max_length=254, blank=True, validators=[EmailValidator()])
    status = models.CharField(
        _("status"), max_length=20, choices=FilingStatus.choices, default=FilingStatus.PENDING
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("named by"),
    )
    named_at = models.DateTimeField(_("named at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("disclosure officer filing")
        verbose_name_plural = _("disclosure officer filings")
        ordering = ["unit", "-named_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(status="confirmed"),
                name="filing_one_confirmed_per_unit",
            ),
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(status="pending"),
                name="filing_one_pending_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.officer} · {self.get_status_display()}"
