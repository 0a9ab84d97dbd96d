"""The annual report on government-information disclosure (issue #6; Regulation Art. 49–50;
format 国办公开办函〔2021〕30号; REGULATION.md §8).

One :class:`AnnualReport` per unit and year, plus one per year for the whole government
(``unit`` empty; its tables are the sum of its units). The tables 二 (rules and normative
documents), 三 and 四 are *computed* from the records (``tables.py``) while the report is a
draft; what the platform does not hold is *entered* here: the text of sections 一, 五 and 六
and table 二's 行政许可 / 行政处罚 / 行政强制 decisions and 行政事业性收费 amount.

Publishing freezes everything the public sees in :attr:`AnnualReport.published_data`
(``selectors.report_data``'s dictionary), so a request corrected later never changes a
published report; a correction reopens the report and publishes it again, and the public
keeps seeing the last published version meanwhile.

Years before the platform was used are *imported* (``source = imported``): their tables are
entered or read from an XLSX in the official layout, checked like computed ones, and kept in
:attr:`AnnualReport.imported_tables`, so carried-over figures chain into the first platform
year.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongkai.units.models import Unit


class ReportState(models.TextChoices):
    DRAFT = "draft", _("draft")
    REVIEWED = "reviewed", _("reviewed")
    PUBLISHED = "published", _("published")


class ReportSource(models.TextChoices):
    PLATFORM = "platform", _("computed from the platform's records")
    IMPORTED = "imported", _("imported (a year before the platform)")


class AnnualReport(models.Model):
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_reports",
        help_text=_("Empty: the report of the whole government (the sum of its units)."),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2008), MaxValueValidator(2999)]
    )
    source = models.CharField(
        _("source"), max_length=10, choices=ReportSource.choices, default=ReportSource.PLATFORM
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT
    )

    # Sections 一, 五 and 六: text written by the unit (一 is pre-filled with the figures).
    overview = models.TextField(_("一、总体情况 overview"), blank=True, max_length=20000)
    problems = models.TextField(
        _("五、存在的主要问题及改进情况 problems and improvements"), blank=True, max_length=20000
    )
    other_matters = models.TextField(
        _("六、其他需要报告的事项 other matters"), blank=True, max_length=20000
    )

    # Table 二 figures the platform does not hold (entered by the unit).
    licensing_decisions = models.PositiveIntegerField(_("行政许可 decisions this year"), default=0)
    penalty_decisions = models.PositiveIntegerField(_("行政处罚 decisions this year"), default=0)
    enforcement_decisions = models.PositiveIntegerField(
        _("行政强制 decisions this year"), default=0
    )
    charges_amount = models.DecimalField(
        _("行政事业性收费 amount collected (10,000 yuan)"),
        max_digits=14,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )

    # An imported year's tables: {"proactive": {row: {col: n}}, "requests": {row: {col: n}},
    # "review": {group: {col: n}}, "fees_collected": "yuan"} (keys of tables.py).
    imported_tables = models.JSONField(_("imported tables"), null=True, blank=True)

    # What the public sees: selectors.report_data() frozen when published.
    published_data = models.JSONField(_("published report"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    first_published_at = models.DateTimeField(_("first published at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    # Why a published report was reopened (shown with the corrected report).
    correction_note = models.TextField(_("correction note"), blank=True, max_length=2000)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-year", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                condition=Q(unit__isnull=False),
                name="annual_report_one_per_unit_year",
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(unit__isnull=True),
                name="annual_report_one_government_per_year",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "reviewed", "published"]),
                name="annual_report_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_name}{self.year}年政府信息公开工作年度报告"

    @property
    def scope_name(self) -> str:
        if self.unit_id is None:
            return str(settings.GONGKAI_GOVERNMENT_NAME)
        return self.unit.name_zh  # type: ignore[union-attr]

    @property
    def is_government(self) -> bool:
        return self.unit_id is None
