"""Review campaigns: launch, decisions applied to documents, scoping, progress (#3 §7, R-1.5)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.accounts.permissions import AccessDenied
from gongkai.campaigns import selectors, services
from gongkai.campaigns.models import CampaignKind, CampaignState, CampaignTask, Decision
from gongkai.campaigns.tests.conftest import SINCE_2010, normative, repealed, undecided
from gongkai.core.models import AuditEntry
from gongkai.library import services as library
from gongkai.library.choices import (
    ChangeKind,
    DisclosureAttribute,
    PublicationState,
    Validity,
)
from gongkai.library.models import ConfidentialityReview, Document
from gongkai.library.tests.factories import draft


def _review(office_admin, deadline, filter=SINCE_2010, **kwargs):
    return services.campaign_launch(
        by=office_admin,
        kind=CampaignKind.ATTRIBUTE_REVIEW,
        title="2026年公开属性审查",
        filter=filter,
        deadline=deadline,
        **kwargs,
    )


def _cleanup(office_admin, deadline, filter=None):
    return services.campaign_launch(
        by=office_admin,
        kind=CampaignKind.CLEANUP,
        title="2026年规范性文件清理",
        filter=filter,
        deadline=deadline,
    )


def _task(campaign, document):
    return CampaignTask.objects.get(campaign=campaign, document=document)


def test_launch_creates_tasks_only_for_matching_documents(
    unit_a, unit_b, editor_a, reviewer_a, reviewer_b, office_admin, deadline
):
    """Signed since 2010, in force, attribute not proactive: a task for its unit; a proactive,
    a 2009 and a repealed document get none."""
    matching = undecided(unit_a, editor_a, title="2012年未定属性的文件")
    withheld_b = undecided(
        unit_b,
        reviewer_b,
        title="乙单位不予公开的文件",
        attribute=DisclosureAttribute.WITHHELD,
        withholding_grounds=["internal_affairs"],
        attribute_explanation="人事管理信息。",
    )
    draft(unit_a, editor_a, title="主动公开的文件", signed_date=datetime.date(2015, 1, 5))
    undecided(unit_a, editor_a, title="2009年的文件", signed_date=datetime.date(2009, 12, 31))
    repealed(unit_a, editor_a, reviewer_a, title="已废止的文件")

    campaign = _review(office_admin, deadline)

    tasks = {t.document_id: t for t in campaign.tasks.all()}
    assert set(tasks) == {matching.pk, withheld_b.pk}
    assert tasks[matching.pk].unit_id == unit_a.pk
    assert tasks[withheld_b.pk].unit_id == unit_b.pk
    assert tasks[withheld_b.pk].attribute_before == DisclosureAttribute.WITHHELD
    assert campaign.filter["signed_from"] == "2010-01-01"
    assert campaign.filter["attributes"] == ["undecided", "on_request", "withheld"]
    assert campaign.filter["validity"] == ["in_force"]
    entry = AuditEntry.objects.get(object_type="campaigns.Campaign")
    assert entry.after is not None
    assert entry.after["tasks"] == 2


def test_cleanup_covers_every_normative_document_in_force(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """A clean-up campaign takes normative documents in force, nothing else."""
    rule = normative(unit_a, editor_a)
    normative(unit_a, editor_a, title="已废止的办法", valid_until=datetime.date(2026, 1, 1))
    library.document_set_validity(
        document=Document.objects.get(title="已废止的办法"),
        by=reviewer_a,
        validity=Validity.REPEALED,
        note="已废止",
    )
    draft(unit_a, editor_a, title="普通政策文件")
    campaign = _cleanup(office_admin, deadline)
    assert list(campaign.tasks.values_list("document_id", flat=True)) == [rule.pk]


def test_only_the_office_launches_and_a_bad_filter_is_explained(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """A unit reviewer cannot launch; unknown values, dates in the wrong order, proactive in
    an attribute review and an empty result are refused in both languages; nothing saved."""
    undecided(unit_a, editor_a)
    with pytest.raises(AccessDenied):
        _review(reviewer_a, deadline)
    with pytest.raises(ValidationError) as caught:
        _review(
            office_admin,
            deadline,
            filter={
                "signed_from": "2020-01-01",
                "signed_to": "2019-01-01",
                "attributes": ["proactive"],
                "validity": ["valid"],
            },
        )
    errors = caught.value.message_dict
    assert {"signed_to", "attributes", "validity"} <= set(errors)
    assert " / " in errors["signed_to"][0]
    with pytest.raises(ValidationError) as caught:
        _review(office_admin, deadline, filter={"signed_from": "2030-01-01"})
    assert "filter" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _review(office_admin, datetime.date(2000, 1, 1))
    assert "deadline" in caught.value.message_dict
    assert not CampaignTask.objects.exists()
    assert not AuditEntry.objects.filter(object_type="campaigns.Campaign").exists()


def test_staff_of_b_cannot_see_or_decide_a_tasks(
    unit_a, unit_b, editor_a, reviewer_a, reviewer_b, office_admin, deadline
):
    """Tasks belong to the document's unit: B's reviewer neither sees nor decides A's."""
    document = undecided(unit_a, editor_a)
    campaign = _review(office_admin, deadline)
    task = _task(campaign, document)
    assert list(selectors.tasks_for(reviewer_b)) == []
    assert list(selectors.campaigns_for(reviewer_b)) == []
    assert list(selectors.tasks_for(reviewer_a)) == [task]
    with pytest.raises(CampaignTask.DoesNotExist):
        selectors.task_for(reviewer_b, task.pk)
    with pytest.raises(AccessDenied):
        services.task_decide(task=task, by=reviewer_b, decision=Decision.CONVERT_TO_PROACTIVE)
    with pytest.raises(AccessDenied):  # an editor sees the task but the reviewer decides
        services.task_decide(task=task, by=editor_a, decision=Decision.CONVERT_TO_PROACTIVE)
    task.refresh_from_db()
    assert task.decision == ""
    document.refresh_from_db()
    assert document.attribute == DisclosureAttribute.UNDECIDED


def test_keep_without_a_ground_or_explanation_is_refused(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """Keeping information non-public needs at least one ground and an explanation."""
    document = undecided(unit_a, editor_a)
    task = _task(_review(office_admin, deadline), document)
    with pytest.raises(ValidationError) as caught:
        services.task_decide(
            task=task, by=reviewer_a, decision=Decision.KEEP, keep_attribute="withheld"
        )
    assert {"grounds", "explanation"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:  # undecided: say which attribute is kept
        services.task_decide(
            task=task,
            by=reviewer_a,
            decision=Decision.KEEP,
            grounds=["internal_affairs"],
            explanation="内部人事管理。",
        )
    assert "keep_attribute" in caught.value.message_dict
    task.refresh_from_db()
    assert task.decision == ""
    assert not AuditEntry.objects.filter(object_type="campaigns.CampaignTask").exists()


def test_keep_with_a_ground_sets_the_documents_attribute(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """A kept document gets the chosen attribute, grounds and explanation, through the library."""
    document = undecided(unit_a, editor_a)
    task = _task(_review(office_admin, deadline), document)
    task = services.task_decide(
        task=task,
        by=reviewer_a,
        decision=Decision.KEEP,
        keep_attribute=DisclosureAttribute.WITHHELD,
        grounds=["internal_affairs", "internal_affairs"],
        explanation="内部人事管理信息。",
    )
    assert task.applied
    assert task.error == ""
    document.refresh_from_db()
    assert document.attribute == DisclosureAttribute.WITHHELD
    assert document.withholding_grounds == ["internal_affairs"]
    assert document.attribute_explanation == "内部人事管理信息。"
    change = AuditEntry.objects.get(object_type="library.Document", action="change")
    assert change.via == "campaign"
    assert change.actor == reviewer_a


def test_convert_to_proactive_publishes_the_document(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """Converting publishes the draft: submit, confidentiality review, publish — by the
    deciding reviewer, with the campaign named in the review note and a public history."""
    document = undecided(unit_a, editor_a)
    campaign = _review(office_admin, deadline)
    task = services.task_decide(
        task=_task(campaign, document), by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE
    )
    assert task.applied
    document.refresh_from_db()
    assert document.state == PublicationState.PUBLISHED
    assert document.attribute == DisclosureAttribute.PROACTIVE
    assert document.published_at is not None
    assert document.changes.filter(kind=ChangeKind.FIRST_PUBLISHED).exists()
    review = ConfidentialityReview.objects.get(document=document)
    assert review.passed
    assert review.reviewer == reviewer_a
    assert "2026年公开属性审查" in review.note
    assert AuditEntry.objects.filter(
        object_type="library.Document", action="publish", actor=reviewer_a, via="campaign"
    ).exists()


def test_a_document_that_cannot_be_published_records_the_error(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """A normative document without valid-until cannot be published: the decision is kept,
    the error is stored on the task, the document is untouched; once the unit fixes the
    document, applying again publishes it."""
    document = undecided(unit_a, editor_a, kind="normative", category="01")
    other = undecided(unit_a, editor_a, title="另一份文件")
    campaign = _review(office_admin, deadline)
    task = services.task_decide(
        task=_task(campaign, document), by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE
    )
    assert not task.applied
    assert task.decision == Decision.CONVERT_TO_PROACTIVE
    assert "有效期" in task.error
    assert "valid-until" in task.error
    document.refresh_from_db()
    assert document.state == PublicationState.DRAFT
    assert document.attribute == DisclosureAttribute.UNDECIDED
    assert not ConfidentialityReview.objects.filter(document=document).exists()
    # The other tasks go on.
    other_task = services.task_decide(
        task=_task(campaign, other), by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE
    )
    assert other_task.applied

    library.document_update(
        document=document, by=editor_a, changes={"valid_until": datetime.date(2017, 5, 1)}
    )
    task = services.task_apply(task=task, by=reviewer_a)
    assert task.applied
    assert task.error == ""
    document.refresh_from_db()
    assert document.state == PublicationState.PUBLISHED


def test_cleanup_repeal_marks_the_document_repealed(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """Repeal, revise and declare expired change validity; keep changes nothing."""
    repeal, revise, expire, keep = (normative(unit_a, editor_a, title=f"办法{n}") for n in range(4))
    campaign = _cleanup(office_admin, deadline)
    for document, decision in [
        (repeal, Decision.REPEAL),
        (revise, Decision.REVISE),
        (expire, Decision.DECLARE_EXPIRED),
        (keep, Decision.KEEP),
    ]:
        task = services.task_decide(
            task=_task(campaign, document),
            by=reviewer_a,
            decision=decision,
            explanation="经评估",
        )
        assert task.applied, task.error
    for document, validity in [
        (repeal, Validity.REPEALED),
        (revise, Validity.REVISED),
        (expire, Validity.EXPIRED),
        (keep, Validity.IN_FORCE),
    ]:
        document.refresh_from_db()
        assert document.validity == validity
    entry = AuditEntry.objects.get(
        object_type="library.Document", object_id=str(repeal.pk), after={"validity": "repealed"}
    )
    assert "2026年规范性文件清理" in entry.note
    assert "经评估" in entry.note


def test_cleanup_decision_takes_no_grounds(unit_a, editor_a, reviewer_a, office_admin, deadline):
    """Grounds belong to keeping information non-public, not to a clean-up."""
    document = normative(unit_a, editor_a)
    task = _task(_cleanup(office_admin, deadline), document)
    with pytest.raises(ValidationError) as caught:
        services.task_decide(
            task=task, by=reviewer_a, decision=Decision.REPEAL, grounds=["state_secret"]
        )
    assert "grounds" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.task_decide(task=task, by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE)
    assert "decision" in caught.value.message_dict


def test_an_applied_repeal_cannot_be_changed_but_a_keep_can(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """Decisions may change while the campaign is open, unless the document already changed
    for good."""
    first, second = normative(unit_a, editor_a, title="甲"), normative(unit_a, editor_a, title="乙")
    campaign = _cleanup(office_admin, deadline)
    services.task_decide(task=_task(campaign, first), by=reviewer_a, decision=Decision.REPEAL)
    with pytest.raises(ValidationError):
        services.task_decide(task=_task(campaign, first), by=reviewer_a, decision=Decision.KEEP)
    services.task_decide(task=_task(campaign, second), by=reviewer_a, decision=Decision.KEEP)
    task = services.task_decide(
        task=_task(campaign, second), by=reviewer_a, decision=Decision.DECLARE_EXPIRED
    )
    assert task.applied
    second.refresh_from_db()
    assert second.validity == Validity.EXPIRED


def test_progress_per_unit_is_one_query(
    unit_a, unit_b, editor_a, reviewer_a, reviewer_b, office_admin, deadline
):
    """Per unit: tasks, decided, applied, errors — counted by the database in one query."""
    a_docs = [undecided(unit_a, editor_a, title=f"甲{n}") for n in range(3)]
    bad = undecided(unit_a, editor_a, title="缺有效期", kind="normative", category="01")
    undecided(unit_b, reviewer_b, title="乙")
    campaign = _review(office_admin, deadline)
    services.task_decide(
        task=_task(campaign, a_docs[0]), by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE
    )
    services.task_decide(
        task=_task(campaign, bad), by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE
    )
    with CaptureQueriesContext(connection) as queries:
        rows, totals = selectors.campaign_progress(campaign)
    assert len(queries) == 1
    by_code = {row.code: row for row in rows}
    a, b = by_code["JJJ"], by_code["CZJ"]
    assert (a.total, a.decided, a.applied, a.errors, a.undecided) == (4, 2, 1, 1, 2)
    assert (b.total, b.decided, b.applied, b.errors) == (1, 0, 0, 0)
    assert (totals.total, totals.decided, totals.applied, totals.errors) == (5, 2, 1, 1)
    scoped, _ = selectors.campaign_progress(campaign, reviewer_b)
    assert [row.code for row in scoped] == ["CZJ"]


def test_closing_a_campaign_stops_further_decisions(
    unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """After the Office closes the campaign no decision is taken; only the Office closes."""
    document = undecided(unit_a, editor_a)
    campaign = _review(office_admin, deadline)
    with pytest.raises(AccessDenied):
        services.campaign_close(campaign=campaign, by=reviewer_a)
    services.campaign_close(campaign=campaign, by=office_admin)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CLOSED
    with pytest.raises(ValidationError):
        services.task_decide(
            task=_task(campaign, document), by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE
        )
    document.refresh_from_db()
    assert document.state == PublicationState.DRAFT
    with pytest.raises(ValidationError):
        services.campaign_close(campaign=campaign, by=office_admin)


def test_results_are_published_only_after_closing(unit_a, editor_a, office_admin, deadline):
    """The Office publishes a closed campaign's results, once."""
    undecided(unit_a, editor_a)
    campaign = _review(office_admin, deadline)
    with pytest.raises(ValidationError):
        services.campaign_publish_results(campaign=campaign, by=office_admin)
    services.campaign_close(campaign=campaign, by=office_admin)
    services.campaign_publish_results(campaign=campaign, by=office_admin)
    campaign.refresh_from_db()
    assert campaign.results_published
    assert campaign.results_published_at
    assert list(selectors.published_campaigns()) == [campaign]


def test_bulk_decide_is_all_or_nothing(
    unit_a, unit_b, editor_a, reviewer_a, reviewer_b, office_admin, deadline
):
    """One refused task (another unit's) and no decision of the batch is saved; a permitted
    batch decides every task."""
    own = [undecided(unit_a, editor_a, title=f"甲{n}") for n in range(2)]
    foreign = undecided(unit_b, reviewer_b, title="乙")
    campaign = _review(office_admin, deadline)
    tasks = [_task(campaign, d) for d in [*own, foreign]]
    with pytest.raises(AccessDenied):
        services.task_decide_bulk(
            tasks=tasks, by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE
        )
    assert not CampaignTask.objects.exclude(decision="").exists()
    assert not Document.objects.filter(state=PublicationState.PUBLISHED).exists()
    done = services.task_decide_bulk(
        tasks=tasks[:2],
        by=reviewer_a,
        decision=Decision.KEEP,
        keep_attribute="on_request",
        grounds=["process_information"],
        explanation="过程性信息。",
    )
    assert all(t.applied for t in done)
    assert set(
        Document.objects.filter(pk__in=[d.pk for d in own]).values_list("attribute", flat=True)
    ) == {"on_request"}


def test_refresh_adds_newly_matching_documents(unit_a, editor_a, office_admin, deadline):
    """Documents that match after the launch are added once."""
    undecided(unit_a, editor_a, title="第一份")
    campaign = _review(office_admin, deadline)
    later = undecided(unit_a, editor_a, title="后来导入的")
    assert services.campaign_refresh(campaign=campaign, by=office_admin) == 1
    assert services.campaign_refresh(campaign=campaign, by=office_admin) == 0
    assert campaign.tasks.filter(document=later).exists()


def test_office_retries_failed_decisions(unit_a, editor_a, reviewer_a, office_admin, deadline):
    """campaign_apply retries every decided task that failed and reports what still fails."""
    document = undecided(unit_a, editor_a, kind="normative", category="01")
    campaign = _review(office_admin, deadline)
    services.task_decide(
        task=_task(campaign, document), by=reviewer_a, decision=Decision.CONVERT_TO_PROACTIVE
    )
    assert services.campaign_apply(campaign=campaign, by=office_admin) == (0, 1)
    library.document_update(
        document=document, by=editor_a, changes={"valid_until": datetime.date(2017, 5, 1)}
    )
    assert services.campaign_apply(campaign=campaign, by=office_admin) == (1, 0)
    document.refresh_from_db()
    assert document.state == PublicationState.PUBLISHED
