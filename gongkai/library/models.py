"""Government information (政府信息): documents, their attachments, relations and history.

Issue #3; R-1.5, R-5.1, Regulation Art. 12, 17–20, 24, 26. Two separate states: the
publication state (draft → in review → scheduled/published → withdrawn) and the legal
validity (not yet in force / in force / revised / repealed / expired).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongkai.library.choices import (
    Art20Category,
    ChangeKind,
    DisclosureAttribute,
    DocumentKind,
    KeyArea,
    PublicationState,
    RelationKind,
    Topic,
    Validity,
)


class Document(models.Model):
    """One piece of government information. The URL (by index number) never changes."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="documents", verbose_name=_("unit")
    )
    co_issuers = models.ManyToManyField(
        "units.Unit",
        blank=True,
        related_name="co_issued_documents",
        verbose_name=_("joint issuers"),
    )
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    document_number_key = models.CharField(
        _("document number (normalised)"), max_length=100, blank=True, db_index=True, editable=False
    )
    index_number = models.CharField(_("index number"), max_length=64, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    category = models.CharField(
        _("Art. 20 category"), max_length=2, choices=Art20Category.choices, blank=True
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, blank=True)
    signed_date = models.DateField(_("signed date"), null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    body = models.TextField(_("body"), blank=True)
    body_text = models.TextField(_("body as plain text"), blank=True, editable=False)

    attribute = models.CharField(
        _("disclosure attribute"),
        max_length=20,
        choices=DisclosureAttribute.choices,
        default=DisclosureAttribute.UNDECIDED,
        db_index=True,
    )
    withholding_grounds = models.JSONField(_("grounds"), default=list, blank=True)
    attribute_explanation = models.TextField(_("explanation of the attribute"), blank=True)

    state = models.CharField(
        _("publication state"),
        max_length=20,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
        db_index=True,
    )
    validity = models.CharField(
        _("validity"),
        max_length=20,
        choices=Validity.choices,
        default=Validity.IN_FORCE,
        db_index=True,
    )
    # The day the document was repealed or expired (set by the validity services; the annual
    # report's table 二 counts repeals by it). Empty for documents in force, and for
    # documents imported as repealed without a date.
    validity_ended_on = models.DateField(_("validity ended on"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    import_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-signed_date", "-id"]
        indexes = [
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["kind", "validity"]),
            # Portal lists and the catalogue read these without touching the long body.
            models.Index(fields=["state", "-published_at", "-id"], name="document_public_list"),
            models.Index(fields=["state", "-signed_date", "-id"], name="document_catalogue"),
            # The sitemap's lastmod (issue #4 §5).
            models.Index(fields=["state", "updated_at"], name="document_state_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:document_detail", kwargs={"index_number": self.index_number})

    @property
    def display_title(self) -> str:
        language = get_language() or ""
        if language.startswith("en") and self.title_en:
            return self.title_en
        return self.title

    @property
    def has_english(self) -> bool:
        """Whether an English title exists (issue #4 §6: otherwise say the text is Chinese)."""
        return bool(self.title_en)

    @property
    def display_summary(self) -> str:
        language = get_language() or ""
        if language.startswith("en") and self.summary_en:
            return self.summary_en
        return self.summary

    @property
    def is_public(self) -> bool:
        return self.state in {PublicationState.PUBLISHED, PublicationState.WITHDRAWN}


class DocumentKeyArea(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="key_area_links")
    area = models.CharField(_("key area"), max_length=30, choices=KeyArea.choices)

    class Meta:
        verbose_name = _("key area")
        verbose_name_plural = _("key areas")
        constraints = [
            models.UniqueConstraint(fields=["document", "area"], name="document_key_area_unique")
        ]

    def __str__(self) -> str:
        return self.get_area_display()


class IndexSerial(models.Model):
    """The last serial used for index numbers of one unit, category and year."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=2, blank=True)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "category", "year"], name="index_serial_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.category}-{self.year}: {self.last}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"documents/{instance.document.index_number.replace('/', '_')}/{filename}"


class Attachment(models.Model):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("document")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    file_type = models.CharField(_("type"), max_length=10)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    text = models.TextField(_("extracted text"), blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["document_id", "sort_order", "id"]

    def __str__(self) -> str:
        return self.original_name


class DocumentRelation(models.Model):
    """``source`` revises / repeals / is based on / interprets / replaces ``target``."""

    source = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="outgoing_relations",
        verbose_name=_("document"),
    )
    target = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="incoming_relations",
        verbose_name=_("related document"),
    )
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    applied = models.BooleanField(
        default=False, help_text="Whether the target's validity was updated for this relation."
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="relation_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"


class DocumentChange(models.Model):
    """The public history of a document: first published, each change note, withdrawal."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices)
    note = models.TextField(_("change note"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_public = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("change note")
        verbose_name_plural = _("change notes")
        ordering = ["document_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.note}"


class ConfidentialityReview(models.Model):
    """The confidentiality review before publication (保密审查, Regulation Art. 17)."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="confidentiality_reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("confidentiality review")
        verbose_name_plural = _("confidentiality reviews")
        ordering = ["document_id", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.document_id} {'passed' if self.passed else 'not passed'}"


class ExpiryNotice(models.Model):
    """That the owning unit was told a document expires soon (so each notice goes once)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    valid_until = models.DateField()
    lead = models.CharField(max_length=10)  # "6m", "1m", "1w"
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "valid_until", "lead"], name="expiry_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id} {self.lead}"
