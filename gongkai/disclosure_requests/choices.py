"""Fixed lists of disclosure requests (Regulation Art. 29–45; annual report §三, §四).

The outcomes are the annual report's rows (REGULATION.md §8), each with the article the
reply letter cites and what the officer must fill in for it (:data:`OUTCOME_RULES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicantKind(models.TextChoices):
    NATURAL_PERSON = "natural_person", _("natural person")
    ORGANISATION = "organisation", _("legal person or other organisation")


class OrganisationType(models.TextChoices):
    """The annual report's applicant columns for legal persons and other organisations."""

    BUSINESS = "business", _("commercial enterprise")
    RESEARCH = "research", _("research institution")
    PUBLIC_INTEREST = "public_interest", _("public-interest organisation")
    LEGAL_SERVICE = "legal_service", _("legal service institution")
    OTHER = "other", _("other organisation")


class IdentityDocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("resident identity card")
    PASSPORT = "passport", _("passport")
    HK_MACAO_PERMIT = "hk_macao_permit", _("Hong Kong and Macao residents' permit")
    TAIWAN_PERMIT = "taiwan_permit", _("Taiwan residents' permit")
    FOREIGN_RESIDENCE = "foreign_residence", _("foreigner's permanent residence card")
    CREDIT_CODE = "credit_code", _("unified social credit code")
    OTHER = "other", _("other identity document")


class Channel(models.TextChoices):
    """How the request reached the agency; decides the receipt date (Art. 31)."""

    ONLINE = "online", _("online")
    IN_PERSON = "in_person", _("in person")
    REGISTERED_POST = "registered_post", _("registered post")
    ORDINARY_POST = "ordinary_post", _("ordinary post")
    FAX = "fax", _("fax")
    EMAIL = "email", _("e-mail")


# Channels whose receipt date is the day confirmed with the applicant (Art. 31).
CONFIRMED_CHANNELS = frozenset({Channel.ONLINE, Channel.ORDINARY_POST, Channel.FAX, Channel.EMAIL})


class WantedForm(models.TextChoices):
    PAPER = "paper", _("paper")
    ELECTRONIC = "electronic", _("electronic")


class Delivery(models.TextChoices):
    PICKUP = "pickup", _("collect in person")
    POST = "post", _("post")
    EMAIL = "email", _("e-mail")
    ONLINE = "online", _("download online")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting receipt confirmation")
    PROCESSING = "processing", _("being processed")
    CLARIFICATION = "clarification", _("awaiting clarification from the applicant")
    CLOSED = "closed", _("closed")


class PauseKind(models.TextChoices):
    """Time the reply clock does not count (Art. 33, 34; fee notice if configured)."""

    THIRD_PARTY = "third_party", _("third-party consultation (Art. 32)")
    AGENCY = "agency", _("consultation with another agency (Art. 33, 34)")
    FEE = "fee", _("waiting for the processing fee")


class ExtensionKind(models.TextChoices):
    STATUTORY = "statutory", _("extension of up to 20 working days (Art. 33)")
    ART35 = "art35", _("reasonable later deadline for excessive requests (Art. 35)")


class Outcome(models.TextChoices):
    """Reply outcomes, exactly the annual report's rows 三(一)–(六) (REGULATION.md §8)."""

    DISCLOSED = "disclosed", _("disclosed")
    ALREADY_PUBLIC = "already_public", _("disclosed: already proactively disclosed")
    PARTIAL = "partial", _("partially disclosed")
    WITHHELD_STATE_SECRET = "withheld_state_secret", _("withheld: state secret")
    WITHHELD_LAW_PROHIBITS = (
        "withheld_law_prohibits",
        _("withheld: prohibited by other laws or administrative regulations"),
    )
    WITHHELD_SECURITY = (
        "withheld_security",
        _("withheld: endangers the three securities and social stability"),
    )
    WITHHELD_THIRD_PARTY = (
        "withheld_third_party",
        _("withheld: protects third parties' lawful rights"),
    )
    WITHHELD_INTERNAL = "withheld_internal", _("withheld: internal affairs (three kinds)")
    WITHHELD_PROCESS = "withheld_process", _("withheld: process information (four kinds)")
    WITHHELD_ENFORCEMENT = "withheld_enforcement", _("withheld: law-enforcement case files")
    WITHHELD_QUERY = "withheld_query", _("withheld: administrative query matter")
    UNABLE_NOT_HELD = "unable_not_held", _("cannot provide: this agency does not hold it")
    UNABLE_OTHER_AGENCY = (
        "unable_other_agency",
        _("cannot provide: held by another agency (named in the reply)"),
    )
    UNABLE_NEEDS_CREATION = (
        "unable_needs_creation",
        _("cannot provide: no existing information, would have to be made"),
    )
    UNABLE_STILL_UNCLEAR = (
        "unable_still_unclear",
        _("cannot provide: still unclear after clarification"),
    )
    NOT_PROCESSED_PETITION = (
        "not_processed_petition",
        _("not processed: petition, complaint or report"),
    )
    NOT_PROCESSED_DUPLICATE = "not_processed_duplicate", _("not processed: repeated request")
    NOT_PROCESSED_PUBLICATION = (
        "not_processed_publication",
        _("not processed: asks for public publications"),
    )
    NOT_PROCESSED_EXCESSIVE = (
        "not_processed_excessive",
        _("not processed: many repeated requests without good reason"),
    )
    NOT_PROCESSED_CONFIRM = (
        "not_processed_confirm",
        _("not processed: asks to confirm or re-issue information already obtained"),
    )
    OTHER_NO_CLARIFICATION = (
        "other_no_clarification",
        _("other: not clarified in time, no longer processed"),
    )
    OTHER_FEE_UNPAID = "other_fee_unpaid", _("other: fee not paid in time, no longer processed")
    OTHER = "other", _("other")


# The annual report's row for each outcome (section 三).
REPORT_ROW: dict[str, str] = {
    Outcome.DISCLOSED: "三(一)",
    Outcome.ALREADY_PUBLIC: "三(一)",
    Outcome.PARTIAL: "三(二)",
    Outcome.WITHHELD_STATE_SECRET: "三(三)1",
    Outcome.WITHHELD_LAW_PROHIBITS: "三(三)2",
    Outcome.WITHHELD_SECURITY: "三(三)3",
    Outcome.WITHHELD_THIRD_PARTY: "三(三)4",
    Outcome.WITHHELD_INTERNAL: "三(三)5",
    Outcome.WITHHELD_PROCESS: "三(三)6",
    Outcome.WITHHELD_ENFORCEMENT: "三(三)7",
    Outcome.WITHHELD_QUERY: "三(三)8",
    Outcome.UNABLE_NOT_HELD: "三(四)1",
    Outcome.UNABLE_OTHER_AGENCY: "三(四)1",
    Outcome.UNABLE_NEEDS_CREATION: "三(四)2",
    Outcome.UNABLE_STILL_UNCLEAR: "三(四)3",
    Outcome.NOT_PROCESSED_PETITION: "三(五)1",
    Outcome.NOT_PROCESSED_DUPLICATE: "三(五)2",
    Outcome.NOT_PROCESSED_PUBLICATION: "三(五)3",
    Outcome.NOT_PROCESSED_EXCESSIVE: "三(五)4",
    Outcome.NOT_PROCESSED_CONFIRM: "三(五)5",
    Outcome.OTHER_NO_CLARIFICATION: "三(六)1",
    Outcome.OTHER_FEE_UNPAID: "三(六)2",
    Outcome.OTHER: "三(六)3",
}


class PartialGround(models.TextChoices):
    """Why a withheld part of a partial disclosure is withheld (Art. 37)."""

    STATE_SECRET = "state_secret", _("state secret (Art. 14)")
    LAW_PROHIBITS = "law_prohibits", _("prohibited by laws or administrative regulations (Art. 14)")
    SECURITY = "security", _("endangers security or social stability (Art. 14)")
    THIRD_PARTY = "third_party", _("trade secret or personal privacy of a third party (Art. 15)")
    INTERNAL = "internal", _("internal affairs (Art. 16)")
    PROCESS = "process", _("process information (Art. 16)")
    ENFORCEMENT = "enforcement", _("law-enforcement case files (Art. 16)")
    QUERY = "query", _("administrative query matter")
    NOT_HELD = "not_held", _("not held by this agency (Art. 36)")
    NEEDS_CREATION = "needs_creation", _("would have to be made (Art. 38)")


@dataclass(frozen=True)
class OutcomeRule:
    """What an outcome's reply letter cites and what the officer must fill in."""

    basis_zh: str  # the legal basis cited in the letter
    needs: tuple[str, ...] = ()  # reply fields that must not be empty
    releases: bool = False  # information is provided (files may be attached)
    needs_withheld_parts: bool = False
    needs_clarification_lapsed: bool = False
    needs_fee_lapsed: bool = False


ART36 = "《中华人民共和国政府信息公开条例》第三十六条"
OUTCOME_RULES: dict[str, OutcomeRule] = {
    Outcome.DISCLOSED: OutcomeRule(
        f"{ART36}第（二）项", needs=("information_text",), releases=True
    ),
    Outcome.ALREADY_PUBLIC: OutcomeRule(
        f"{ART36}第（一）项", needs=("information_text",), releases=True
    ),
    Outcome.PARTIAL: OutcomeRule(
        f"{ART36}第（二）项、第（三）项及第三十七条",
        needs=("information_text",),
        releases=True,
        needs_withheld_parts=True,
    ),
    Outcome.WITHHELD_STATE_SECRET: OutcomeRule(f"{ART36}第（三）项及第十四条", needs=("reasons",)),
    Outcome.WITHHELD_LAW_PROHIBITS: OutcomeRule(f"{ART36}第（三）项及第十四条", needs=("reasons",)),
    Outcome.WITHHELD_SECURITY: OutcomeRule(f"{ART36}第（三）项及第十四条", needs=("reasons",)),
    Outcome.WITHHELD_THIRD_PARTY: OutcomeRule(f"{ART36}第（三）项及第十五条", needs=("reasons",)),
    Outcome.WITHHELD_INTERNAL: OutcomeRule(
        f"{ART36}第（三）项及第十六条第一款", needs=("reasons",)
    ),
    Outcome.WITHHELD_PROCESS: OutcomeRule(f"{ART36}第（三）项及第十六条第二款", needs=("reasons",)),
    Outcome.WITHHELD_ENFORCEMENT: OutcomeRule(
        f"{ART36}第（三）项及第十六条第二款", needs=("reasons",)
    ),
    Outcome.WITHHELD_QUERY: OutcomeRule(f"{ART36}第（七）项", needs=("reasons",)),
    Outcome.UNABLE_NOT_HELD: OutcomeRule(f"{ART36}第（四）项", needs=("reasons",)),
    Outcome.UNABLE_OTHER_AGENCY: OutcomeRule(
        f"{ART36}第（五）项", needs=("other_agency_name", "other_agency_contact")
    ),
    Outcome.UNABLE_NEEDS_CREATION: OutcomeRule(
        "《中华人民共和国政府信息公开条例》第三十八条", needs=("reasons",)
    ),
    Outcome.UNABLE_STILL_UNCLEAR: OutcomeRule(
        "《中华人民共和国政府信息公开条例》第三十条", needs=("reasons",)
    ),
    Outcome.NOT_PROCESSED_PETITION: OutcomeRule(
        "《中华人民共和国政府信息公开条例》第三十九条第一款", needs=("reasons",)
    ),
    Outcome.NOT_PROCESSED_DUPLICATE: OutcomeRule(f"{ART36}第（六）项", needs=("reasons",)),
    Outcome.NOT_PROCESSED_PUBLICATION: OutcomeRule(
        "《中华人民共和国政府信息公开条例》第三十九条第二款", needs=("information_text",)
    ),
    Outcome.NOT_PROCESSED_EXCESSIVE: OutcomeRule(
        "《中华人民共和国政府信息公开条例》第三十五条", needs=("reasons",)
    ),
    Outcome.NOT_PROCESSED_CONFIRM: OutcomeRule(
        "《中华人民共和国政府信息公开条例》第三十八条", needs=("reasons",)
    ),
    Outcome.OTHER_NO_CLARIFICATION: OutcomeRule(
        "《中华人民共和国政府信息公开条例》第三十条", needs_clarification_lapsed=True
    ),
    Outcome.OTHER_FEE_UNPAID: OutcomeRule(
        "《中华人民共和国政府信息公开条例》第四十二条及《政府信息公开信息处理费管理办法》"
        "（国办函〔2020〕109号）",
        needs_fee_lapsed=True,
    ),
    Outcome.OTHER: OutcomeRule("《中华人民共和国政府信息公开条例》", needs=("reasons",)),
}


class ReplyState(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    ISSUED = "issued", _("issued")


class FeeMethod(models.TextChoices):
    PER_REQUEST = "per_request", _("per request (applicant's requests this month)")
    PER_VOLUME = "per_volume", _("by volume (pages)")


class ReviewKind(models.TextChoices):
    """The annual report's section 四 groups."""

    REVIEW = "review", _("administrative review")
    LITIGATION = "litigation", _("litigation without prior review")
    LITIGATION_AFTER_REVIEW = "litigation_after_review", _("litigation after review")


class ReviewResult(models.TextChoices):
    PENDING = "pending", _("pending")
    UPHELD = "upheld", _("upheld")
    CORRECTED = "corrected", _("corrected")
    OTHER = "other", _("other result")


class EventKind(models.TextChoices):
    """What happened to a request, as its timeline shows it."""

    SUBMITTED = "submitted", _("request submitted")
    REGISTERED = "registered", _("request registered by staff")
    RECEIVED = "received", _("receipt confirmed")
    ASSIGNED = "assigned", _("assigned to a unit")
    TRANSFERRED = "transferred", _("transferred to another unit")
    SPLIT = "split", _("part split off to another unit")
    CLARIFICATION_REQUESTED = "clarification_requested", _("clarification requested")
    CLARIFIED = "clarified", _("clarification received")
    PAUSE_STARTED = "pause_started", _("clock paused")
    PAUSE_ENDED = "pause_ended", _("clock resumed")
    EXTENDED = "extended", _("deadline extended")
    FEE_NOTICE = "fee_notice", _("fee notice issued")
    FEE_PAID = "fee_paid", _("fee paid")
    REASONS_REQUESTED = "reasons_requested", _("reasons requested (Art. 35)")
    REPLY_DRAFTED = "reply_drafted", _("reply drafted")
    REPLY_APPROVED = "reply_approved", _("reply approved")
    REPLY_ISSUED = "reply_issued", _("reply issued")
    DELIVERED = "delivered", _("reply delivered")
    CONVERTED = "converted", _("converted to proactive disclosure")
    REVIEW = "review", _("review or litigation recorded")
    PERSONAL_DATA_DESTROYED = "personal_data_destroyed", _("personal data destroyed")
    WITHDRAWN = "withdrawn", _("withdrawn by the applicant")


# Events the applicant sees on the tracking page.
PUBLIC_EVENTS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.REGISTERED,
        EventKind.RECEIVED,
        EventKind.CLARIFICATION_REQUESTED,
        EventKind.CLARIFIED,
        EventKind.PAUSE_STARTED,
        EventKind.PAUSE_ENDED,
        EventKind.EXTENDED,
        EventKind.FEE_NOTICE,
        EventKind.FEE_PAID,
        EventKind.REASONS_REQUESTED,
        EventKind.REPLY_ISSUED,
        EventKind.DELIVERED,
        EventKind.WITHDRAWN,
    }
)
