"""Disclosure requests (依申请公开): issue #5; Regulation Art. 27–45; R-5.2, R-4.3, R-3.2.

A :class:`DisclosureRequest` carries the applicant (personal data encrypted at rest,
:mod:`gongkai.core.crypto`), the information asked for, the channel and receipt date
(Art. 31) and the stored result of its statutory clock (``due_on``), which
:mod:`gongkai.disclosure_requests.clock` computes from the typed, dated records beside
it: the :class:`Clarification` (Art. 30), :class:`ClockPause` rows (Art. 32–34, fee
waiting) and :class:`Extension` rows (Art. 33, 35). The :class:`Reply` holds the outcome
(the annual report's rows), the letter and its files. Every change goes through
``services.py``; every step is a :class:`RequestEvent` and an audit entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.core.crypto import EncryptedTextField
from gongkai.disclosure_requests.choices import (
    ApplicantKind,
    Channel,
    Delivery,
    EventKind,
    ExtensionKind,
    FeeMethod,
    IdentityDocumentType,
    OrganisationType,
    Outcome,
    PauseKind,
    ReplyState,
    ReviewKind,
    ReviewResult,
    Status,
    WantedForm,
)

# The fields holding applicants' personal data (all encrypted); destroyed after retention.
PERSONAL_FIELDS = (
    "applicant_name",
    "id_number",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
)


class DisclosureRequest(models.Model):
    """One application for government information (Art. 29)."""

    tracking_number = models.CharField(_("tracking number"), max_length=32, unique=True)
    query_code_hash = models.CharField(max_length=200, editable=False)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="disclosure_requests",
        verbose_name=_("handling unit"),
    )
    received_by_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("receiving unit"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
        verbose_name=_("split from"),
    )

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    received_on = models.DateField(_("receipt date"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    filled_for_applicant = models.BooleanField(
        _("form filled in by staff for the applicant (Art. 29)"), default=False
    )

    # The applicant. Kind and organisation type are counted by the annual report and kept;
    # everything that identifies a person is encrypted and destroyed after retention.
    applicant_kind = models.CharField(
        _("applicant type"), max_length=20, choices=ApplicantKind.choices
    )
    organisation_type = models.CharField(
        _("organisation type"), max_length=20, choices=OrganisationType.choices, blank=True
    )
    applicant_name = EncryptedTextField(_("name"), blank=True)
    id_type = models.CharField(
        _("identity document"), max_length=20, choices=IdentityDocumentType.choices
    )
    id_number = EncryptedTextField(_("identity document number"), blank=True)
    applicant_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    contact_person = EncryptedTextField(_("contact person"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("e-mail"), blank=True)
    address = EncryptedTextField(_("postal address"), blank=True)
    postcode = EncryptedTextField(_("postcode"), blank=True)
    personal_data_destroyed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The information asked for.
    info_title = models.CharField(_("title of the information"), max_length=300, blank=True)
    info_document_number = models.CharField(_("document number"), max_length=100, blank=True)
    info_description = models.TextField(_("description of the information"))
    wanted_form = models.CharField(_("wanted form"), max_length=20, choices=WantedForm.choices)
    delivery = models.CharField(_("delivery"), max_length=20, choices=Delivery.choices)
    key_area = models.CharField(_("key area"), max_length=30, blank=True)
    needs_assistance = models.TextField(
        _("assistance needed (reading, sight or hearing, Art. 43)"), blank=True
    )

    # The clock's stored result (clock.refresh writes it; lists read it).
    clock_started_on = models.DateField(_("clock started on"), null=True, blank=True)
    due_on = models.DateField(_("reply due"), null=True, blank=True, db_index=True)
    due_confirmed = models.BooleanField(default=True)
    clock_paused = models.BooleanField(_("clock paused"), default=False)

    outcome = models.CharField(_("outcome"), max_length=40, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)

    broad_interest = models.BooleanField(_("of broad interest"), default=False)
    converted_document = models.ForeignKey(
        "library.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("converted to document"),
    )
    excessive = models.BooleanField(_("flagged as excessive (Art. 35)"), default=False)
    reasons_requested = models.TextField(_("reasons requested from the applicant"), blank=True)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("disclosure request")
        verbose_name_plural = _("disclosure requests")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["unit", "status", "due_on"])]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def personal_data_destroyed(self) -> bool:
        return self.personal_data_destroyed_at is not None


class Clarification(models.Model):
    """The one clarification notice (补正告知, Art. 30)."""

    request = models.OneToOneField(
        DisclosureRequest, on_delete=models.CASCADE, related_name="clarification"
    )
    asked_on = models.DateField(_("asked on"))
    items = models.TextField(_("what to clarify"))
    respond_by = models.DateField(_("clarify by"))
    clarified_on = models.DateField(_("clarification received on"), null=True, blank=True)
    response = models.TextField(_("clarification"), blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")

    def __str__(self) -> str:
        return f"{self.request} · {self.asked_on}"


class ClockPause(models.Model):
    """Time the clock does not count: the working days after ``started_on`` up to
    ``ended_on`` (an open pause stops the clock until it ends)."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("kind"), max_length=20, choices=PauseKind.choices)
    party = models.CharField(_("consulted party"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    started_on = models.DateField(_("paused from"))
    answer_due_on = models.DateField(_("answer due"), null=True, blank=True)
    ended_on = models.DateField(_("resumed on"), null=True, blank=True)
    end_note = models.TextField(_("result"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.started_on}–{self.ended_on or ''}"


class Extension(models.Model):
    """A longer time limit: one statutory extension (Art. 33) or an Art. 35 deadline."""

    request = models.ForeignKey(
        DisclosureRequest, on_delete=models.CASCADE, related_name="extensions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ExtensionKind.choices)
    working_days = models.PositiveSmallIntegerField(_("working days"), null=True, blank=True)
    new_due_on = models.DateField(_("new deadline"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_on = models.DateField(_("approved on"))
    notified_on = models.DateField(_("applicant notified on"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["approved_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(kind="statutory"),
                name="one_statutory_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.approved_on}"


class RequestTransfer(models.Model):
    """The request moved to another unit (assignment or transfer); the history stays."""

    request = models.ForeignKey(
        DisclosureRequest, on_delete=models.CASCADE, related_name="transfers"
    )
    from_unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request} · {self.from_unit_id} → {self.to_unit_id}"


def letter_upload_to(instance: Reply, filename: str) -> str:
    return f"requests/{instance.request.tracking_number}/{filename}"


def released_upload_to(instance: ReleasedFile, filename: str) -> str:
    return f"requests/{instance.reply.request.tracking_number}/released/{filename}"


class Reply(models.Model):
    """The reply (答复) and its letter (答复告知书), drafted, approved, then issued."""

    request = models.OneToOneField(
        DisclosureRequest, on_delete=models.CASCADE, related_name="reply"
    )
    outcome = models.CharField(_("outcome"), max_length=40, choices=Outcome.choices)
    information_text = models.TextField(
        _("the information, or how, where and when to obtain it"), blank=True
    )
    reasons = models.TextField(_("reasons"), blank=True)
    withheld_parts = models.JSONField(
        _("withheld parts and their reasons"), default=list, blank=True
    )
    other_agency_name = models.CharField(
        _("agency holding the information"), max_length=200, blank=True
    )
    other_agency_contact = models.CharField(_("its contact"), max_length=300, blank=True)
    page_count = models.PositiveIntegerField(_("pages released"), null=True, blank=True)
    letter_text = models.TextField(_("letter text"), blank=True)
    letter_number = models.CharField(_("letter number"), max_length=60, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ReplyState.choices, default=ReplyState.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter_docx = models.FileField(upload_to=letter_upload_to, blank=True, max_length=300)
    letter_pdf = models.FileField(upload_to=letter_upload_to, blank=True, max_length=300)
    delivery_method = models.CharField(
        _("delivered by"), max_length=20, choices=Delivery.choices, blank=True
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivery_note = models.CharField(_("delivery note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return self.letter_number or f"{self.request} · {self.get_outcome_display()}"


class ReleasedFile(models.Model):
    """A file released with the reply."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=released_upload_to, max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class LetterSerial(models.Model):
    """The last reply-letter number used by a unit in a year (numbers never repeat)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="letter_serial_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.year} · {self.last}"


class FeeNotice(models.Model):
    """A processing-fee notice (Art. 42, 国办函〔2020〕109号) and its payment."""

    request = models.OneToOneField(
        DisclosureRequest, on_delete=models.CASCADE, related_name="fee_notice"
    )
    method = models.CharField(_("method"), max_length=20, choices=FeeMethod.choices)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    monthly_ordinal = models.PositiveIntegerField(
        _("applicant's request number this month"), null=True, blank=True
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    breakdown = models.JSONField(default=list)
    issued_on = models.DateField(_("issued on"))
    pay_by = models.DateField(_("pay by"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("fee notice")
        verbose_name_plural = _("fee notices")

    def __str__(self) -> str:
        return f"{self.request} · {self.amount}"


class ReviewCase(models.Model):
    """An administrative review or lawsuit against the handling of a request (report §四)."""

    request = models.ForeignKey(
        DisclosureRequest, on_delete=models.CASCADE, related_name="review_cases"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ReviewKind.choices)
    received_on = models.DateField(_("received on"))
    result = models.CharField(
        _("result"), max_length=20, choices=ReviewResult.choices, default=ReviewResult.PENDING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    case_number = models.CharField(_("case number"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("review or litigation")
        verbose_name_plural = _("reviews and litigation")
        ordering = ["received_on", "pk"]

    def __str__(self) -> str:
        return f"{self.request} · {self.get_kind_display()} · {self.get_result_display()}"


class RequestEvent(models.Model):
    """One step in the life of a request, as its timeline shows it."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    at = models.DateTimeField(auto_now_add=True)
    on = models.DateField(null=True, blank=True)  # the legal date of the step, if any
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request} · {self.kind}"


class RateCounter(models.Model):
    """Counts hits of one key in one time window (rate limits shared by every process)."""

    key = models.CharField(max_length=150)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="rate_key_window")]

    def __str__(self) -> str:
        return f"{self.key} · {self.window} · {self.count}"


def attachment_upload_to(instance: RequestAttachment, filename: str) -> str:
    return f"requests/{instance.request.tracking_number}/application/{filename}"


class RequestAttachment(models.Model):
    """A file the applicant sent with the request (identity copy, supporting material)."""

    request = models.ForeignKey(
        DisclosureRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_upload_to, max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
