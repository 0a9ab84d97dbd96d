"""Fixed lists of the library (Regulation Art. 14–20; glossary terms)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    RULE = "rule", _("government rule")
    NORMATIVE = "normative", _("normative document")
    POLICY = "policy", _("other policy document")
    PLAN = "plan", _("plan")
    STATISTICS = "statistics", _("statistics")
    BUDGET = "budget", _("budget or final accounts")
    EMERGENCY_PLAN = "emergency_plan", _("emergency plan")
    NOTICE = "notice", _("notice")
    INTERPRETATION = "interpretation", _("interpretation")
    OTHER = "other", _("other")


class Art20Category(models.TextChoices):
    """The fifteen statutory proactive categories of Regulation Art. 20."""

    C01 = "01", _("(1) regulations, rules and normative documents")
    C02 = "02", _("(2) functions, structure, address, office hours, contacts, leaders")
    C03 = "03", _("(3) development plans")
    C04 = "04", _("(4) statistics")
    C05 = "05", _("(5) licensing and other external services")
    C06 = "06", _("(6) penalties and coercive measures")
    C07 = "07", _("(7) budgets and final accounts")
    C08 = "08", _("(8) administrative fees")
    C09 = "09", _("(9) centralised procurement")
    C10 = "10", _("(10) major construction projects")
    C11 = "11", _("(11) poverty relief, education, medical care, social security, employment")
    C12 = "12", _("(12) emergency plans, warnings and responses")
    C13 = "13", _("(13) inspections: environment, health, safety, food and drugs, quality")
    C14 = "14", _("(14) civil-service recruitment")
    C15 = "15", _("(15) other information that laws require to be disclosed")


class Topic(models.TextChoices):
    """Topic (主题分类), after the State Council's subject classification."""

    GENERAL = "general", _("general government affairs")
    ECONOMY = "economy", _("economic management")
    FINANCE = "finance", _("finance, tax and audit")
    LAND = "land", _("land and natural resources")
    CONSTRUCTION = "construction", _("urban and rural construction, housing")
    TRANSPORT = "transport", _("transport")
    COMMERCE = "commerce", _("commerce and trade")
    MARKET = "market", _("market regulation and safety")
    SCIENCE = "science", _("science, technology and education")
    CULTURE = "culture", _("culture, health and sport")
    LABOUR = "labour", _("labour, human resources and social security")
    CIVIL = "civil", _("civil affairs, poverty relief and disaster relief")
    ENVIRONMENT = "environment", _("environment and ecology")
    PUBLIC_SECURITY = "public_security", _("public security and emergencies")
    OTHER = "other", _("other")


class KeyArea(models.TextChoices):
    """Key areas of proactive disclosure (R-5.1)."""

    EMPLOYMENT = "employment", _("employment")
    ENROLMENT = "enrolment", _("school enrolment")
    MEDICAL = "medical", _("medical care and insurance")
    ENVIRONMENT = "environment", _("environmental protection")
    LAND_ACQUISITION = "land_acquisition", _("land acquisition")
    HOUSING_EXPROPRIATION = "housing_expropriation", _("housing expropriation")


class DisclosureAttribute(models.TextChoices):
    UNDECIDED = "undecided", _("undecided")
    PROACTIVE = "proactive", _("proactive")
    ON_REQUEST = "on_request", _("on request")
    WITHHELD = "withheld", _("withheld")


class WithholdingGround(models.TextChoices):
    """Grounds for not disclosing proactively (Art. 14, 15, 16; annual report 三(三))."""

    STATE_SECRET = "state_secret", _("state secret (Art. 14)")
    LAW_PROHIBITS = "law_prohibits", _("prohibited by laws or administrative regulations (Art. 14)")
    SECURITY_STABILITY = (
        "security_stability",
        _("endangers national, public or economic security or social stability (Art. 14)"),
    )
    THIRD_PARTY = "third_party", _("trade secret or personal privacy of a third party (Art. 15)")
    INTERNAL_AFFAIRS = (
        "internal_affairs",
        _("internal affairs: personnel, logistics, internal procedures (Art. 16)"),
    )
    PROCESS_INFORMATION = (
        "process_information",
        _("process information: discussions, drafts, consultations, requests (Art. 16)"),
    )
    ENFORCEMENT_FILES = (
        "enforcement_files",
        _("administrative law-enforcement case files (Art. 16)"),
    )
    ADMINISTRATIVE_QUERY = "administrative_query", _("administrative query matter")


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    SCHEDULED = "scheduled", _("scheduled")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Validity(models.TextChoices):
    NOT_YET_IN_FORCE = "not_yet_in_force", _("not yet in force")
    IN_FORCE = "in_force", _("in force")
    REVISED = "revised", _("revised")
    REPEALED = "repealed", _("repealed")
    EXPIRED = "expired", _("expired")


class RelationKind(models.TextChoices):
    REVISES = "revises", _("revises")
    REPEALS = "repeals", _("repeals")
    BASED_ON = "based_on", _("is based on")
    INTERPRETS = "interprets", _("interprets")
    REPLACES = "replaces", _("replaces")


class ChangeKind(models.TextChoices):
    FIRST_PUBLISHED = "first_published", _("first published")
    CHANGED = "changed", _("changed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    VALIDITY = "validity", _("validity changed")
    RELATION = "relation", _("relation")
