"""Review campaigns over the library (issue #3 §7, R-1.5; Regulation Art. 18).

The Office launches a campaign over a filter; every matching document becomes one task
for its owning unit. Two kinds:

* attribute review (公开属性审查): the unit keeps the document non-public (citing at least
  one ground, with an explanation) or converts it to proactive, which publishes it;
* clean-up (清理, 立改废): every normative document in force gets keep / revise / repeal /
  declare expired, and the decision changes the document's validity.

A decision is applied to the document when it is made (see ``services.task_decide``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongkai.library.choices import DisclosureAttribute, Validity


class CampaignKind(models.TextChoices):
    ATTRIBUTE_REVIEW = "attribute_review", _("disclosure attribute review")
    CLEANUP = "cleanup", _("clean-up of normative documents")


class CampaignState(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Decision(models.TextChoices):
    KEEP = "keep", _("keep")
    CONVERT_TO_PROACTIVE = "convert_to_proactive", _("convert to proactive")
    REVISE = "revise", _("revise")
    REPEAL = "repeal", _("repeal")
    DECLARE_EXPIRED = "declare_expired", _("declare expired")


# Which decisions each kind of campaign offers, in the order the forms show them.
DECISIONS: dict[str, list[Decision]] = {
    CampaignKind.ATTRIBUTE_REVIEW: [Decision.KEEP, Decision.CONVERT_TO_PROACTIVE],
    CampaignKind.CLEANUP: [
        Decision.KEEP,
        Decision.REVISE,
        Decision.REPEAL,
        Decision.DECLARE_EXPIRED,
    ],
}
# The validity a clean-up decision gives the document.
CLEANUP_VALIDITY: dict[str, str] = {
    Decision.REVISE: Validity.REVISED,
    Decision.REPEAL: Validity.REPEALED,
    Decision.DECLARE_EXPIRED: Validity.EXPIRED,
}
# Attributes a document may keep in an attribute review.
KEEP_ATTRIBUTES = [DisclosureAttribute.ON_REQUEST, DisclosureAttribute.WITHHELD]


class Campaign(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=CampaignKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    filter = models.JSONField(
        _("filter"),
        default=dict,
        help_text="signed_from, signed_to (ISO dates or null); validity, attributes, kinds "
        "(lists of choice values); units (list of unit ids). See selectors.clean_filter.",
    )
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("launched by"),
    )
    launched_at = models.DateTimeField(_("launched at"), auto_now_add=True)
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=CampaignState.choices,
        default=CampaignState.OPEN,
        db_index=True,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    results_published = models.BooleanField(_("results published"), default=False)
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review campaign")
        verbose_name_plural = _("review campaigns")
        ordering = ["-launched_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaigns:results", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.state == CampaignState.OPEN

    def decision_choices(self) -> list[tuple[str, Any]]:
        return [(d.value, d.label) for d in DECISIONS[self.kind]]


class CampaignTask(models.Model):
    """One document to decide in one campaign, for the document's owning unit."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("campaign")
    )
    document = models.ForeignKey(
        "library.Document",
        on_delete=models.CASCADE,
        related_name="campaign_tasks",
        verbose_name=_("document"),
    )
    # The document's owning unit at launch, kept here so that lists are scoped by unit
    # without a join.
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    attribute_before = models.CharField(
        _("attribute before"), max_length=20, choices=DisclosureAttribute.choices
    )
    validity_before = models.CharField(
        _("validity before"), max_length=20, choices=Validity.choices
    )

    decision = models.CharField(
        _("decision"), max_length=30, choices=Decision.choices, blank=True, db_index=True
    )
    keep_attribute = models.CharField(
        _("attribute kept"),
        max_length=20,
        choices=[(a.value, a.label) for a in KEEP_ATTRIBUTES],
        blank=True,
    )
    grounds = models.JSONField(_("grounds"), default=list, blank=True)
    explanation = models.TextField(_("explanation or note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    applied = models.BooleanField(_("applied"), default=False)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("campaign task")
        verbose_name_plural = _("campaign tasks")
        ordering = ["campaign", "unit", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "document"], name="campaign_task_document_unique"
            )
        ]
        indexes = [models.Index(fields=["campaign", "unit"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.document_id}"

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)
