"""Public pages: the results lists the Office has published (issue #3 §7). Read only."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _

from gongkai.campaigns import selectors
from gongkai.campaigns.models import DECISIONS, Campaign, CampaignTask, Decision
from gongkai.library.choices import DisclosureAttribute, PublicationState, WithholdingGround
from gongkai.library.models import Document

PUBLIC_STATES = {PublicationState.PUBLISHED, PublicationState.WITHDRAWN}


@dataclass(frozen=True)
class ResultRow:
    task: CampaignTask
    url: str  # the document's public page, or "" when it has none
    grounds: list[str]
    attribute: str
    title_withheld: bool  # the title itself may be sensitive: shown as withheld


@dataclass(frozen=True)
class ResultGroup:
    decision: Decision
    rows: list[ResultRow]


def _public_url(document: Document) -> str:
    if document.state not in PUBLIC_STATES:
        return ""
    try:
        return document.get_absolute_url()
    except NoReverseMatch:  # the portal's document page is not installed
        return ""


# Kept documents withheld on these grounds are listed without their title or number:
# the title of a state secret or of a matter of security and stability may itself be one.
SENSITIVE_GROUNDS = frozenset(
    {WithholdingGround.STATE_SECRET, WithholdingGround.SECURITY_STABILITY}
)


def _row(task: CampaignTask) -> ResultRow:
    return ResultRow(
        task=task,
        title_withheld=bool(SENSITIVE_GROUNDS & set(task.grounds)),
        url=_public_url(task.document),
        grounds=[str(WithholdingGround(g).label) for g in task.grounds],
        attribute=(
            str(DisclosureAttribute(task.keep_attribute).label) if task.keep_attribute else ""
        ),
    )


def results_list(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.published_campaigns()
    return render(request, "campaigns/results_list.html", {"campaigns": campaigns})


def results(request: HttpRequest, pk: int) -> HttpResponse:
    """A published campaign's results, grouped by decision; 404 until the Office publishes."""
    try:
        campaign = selectors.published_campaign(pk)
    except Campaign.DoesNotExist:
        raise Http404(_("There is no published campaign with this number.")) from None
    by_decision: dict[str, list[ResultRow]] = {}
    for task in selectors.campaign_results(campaign):
        by_decision.setdefault(task.decision, []).append(_row(task))
    groups = [
        ResultGroup(decision, by_decision[decision])
        for decision in DECISIONS[campaign.kind]
        if decision in by_decision
    ]
    _rows, totals = selectors.campaign_progress(campaign)
    context = {"campaign": campaign, "groups": groups, "totals": totals}
    return render(request, "campaigns/results.html", context)
