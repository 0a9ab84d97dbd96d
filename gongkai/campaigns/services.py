"""Every change to a review campaign (issue #3 §7, R-1.5; Regulation Art. 18).

The Office launches, refreshes, closes a campaign and publishes its results; the owning
unit's reviewers (``Perm.CONTENT_PUBLISH``; the Office too) decide each task.

**A decision is applied when it is made**, in the same transaction: the decision is saved,
then its effect on the document runs in a savepoint through :mod:`gongkai.library.services`
(so the library's own rules, audit entries and public change notes apply). If the library
refuses (``ValidationError`` — e.g. a normative document without a valid-until date cannot
be published), the savepoint is rolled back, the decision stays recorded with the error
text and ``applied=False``; the unit fixes the document and retries with
:func:`task_apply` (the Office can retry a whole campaign with :func:`campaign_apply`).

A decision may be changed while the campaign is open, unless it has already changed the
document in a way that cannot be undone (converted and published, revised, repealed,
declared expired). Closing the campaign stops all further decisions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.accounts.permissions import AccessDenied, Perm, is_office, require
from gongkai.campaigns.models import (
    CLEANUP_VALIDITY,
    DECISIONS,
    KEEP_ATTRIBUTES,
    Campaign,
    CampaignKind,
    CampaignState,
    CampaignTask,
    Decision,
)
from gongkai.campaigns.selectors import campaign_matching_documents, clean_filter
from gongkai.core.audit import audit_record
from gongkai.core.models import AuditAction
from gongkai.core.pagecache import content_changed
from gongkai.library import services as library
from gongkai.library.choices import DisclosureAttribute, PublicationState, WithholdingGround
from gongkai.library.models import Document

VIA = "campaign"  # the audit entries' "via" for changes a campaign makes to documents
BATCH = 1000
# Decisions whose effect on the document cannot be taken back by another decision.
IRREVERSIBLE = frozenset(
    {Decision.CONVERT_TO_PROACTIVE, Decision.REVISE, Decision.REPEAL, Decision.DECLARE_EXPIRED}
)


def _err(field: str | None, zh: str, en: str) -> ValidationError:
    message = f"{zh} / {en}"
    return ValidationError({field: [message]} if field else message)


def _require_office(user: Any) -> None:
    if not is_office(user):
        raise AccessDenied(
            "只有管委会办公室可以管理审查活动 / Only the Office can manage review campaigns"
        )


def _error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _task_label(task: CampaignTask, document: Document | None = None) -> str:
    document = document or task.document
    return f"{task.campaign.title} · {document.index_number} {document.title}"


def _create_tasks(campaign: Campaign, documents: Any) -> int:
    """Bulk-create one task per document (``documents``: a Document queryset)."""
    created = 0
    batch: list[CampaignTask] = []
    rows = documents.values_list("pk", "unit_id", "attribute", "validity")
    for pk, unit_id, attribute, validity in rows.iterator(chunk_size=BATCH):
        batch.append(
            CampaignTask(
                campaign=campaign,
                document_id=pk,
                unit_id=unit_id,
                attribute_before=attribute,
                validity_before=validity,
            )
        )
        if len(batch) >= BATCH:
            CampaignTask.objects.bulk_create(batch)
            created += len(batch)
            batch = []
    if batch:
        CampaignTask.objects.bulk_create(batch)
        created += len(batch)
    return created


# --- The Office ------------------------------------------------------------------------


def campaign_launch(
    *,
    by: User,
    kind: str,
    title: str,
    filter: dict[str, Any] | None,
    deadline: datetime.date,
    description: str = "",
    via: str = "web",
) -> Campaign:
    """Launch a campaign (the Office): one task per matching document, for its unit.

    Refused when nothing matches, the title is empty or the deadline is past.
    """
    _require_office(by)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["请填写活动名称 / Enter a title."]
    if deadline is None or deadline < timezone.localdate():
        errors["deadline"] = ["截止日期不能早于今天 / The deadline cannot be in the past."]
    try:
        cleaned = clean_filter(kind, filter)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        raise ValidationError(errors) from None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            kind=kind,
            title=title.strip(),
            description=description.strip(),
            filter=cleaned,
            launched_by=by,
            deadline=deadline,
        )
        count = _create_tasks(campaign, campaign_matching_documents(cleaned, kind))
        if count == 0:
            raise _err(
                "filter",
                "没有符合筛选条件的文件，活动未发起",
                "No document matches the filter; the campaign was not launched.",
            )
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=campaign,
            after={
                "kind": kind,
                "title": campaign.title,
                "filter": cleaned,
                "deadline": deadline.isoformat(),
                "tasks": count,
            },
            via=via,
        )
    return campaign


def campaign_refresh(*, campaign: Campaign, by: User, via: str = "web") -> int:
    """Add tasks for documents that match the filter now and have none yet (the Office;
    open campaigns). Returns how many were added."""
    _require_office(by)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign.is_open:
            raise _err(None, "活动已结束", "The campaign is closed.")
        documents = campaign_matching_documents(campaign.filter, campaign.kind).exclude(
            pk__in=CampaignTask.objects.filter(campaign=campaign).values("document_id")
        )
        count = _create_tasks(campaign, documents)
        if count:
            audit_record(
                actor=by,
                action=AuditAction.CHANGE,
                obj=campaign,
                after={"tasks_added": count},
                via=via,
            )
    return count


def campaign_close(*, campaign: Campaign, by: User, via: str = "web") -> Campaign:
    """Open → closed (the Office). No decision is taken after this."""
    _require_office(by)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign.is_open:
            raise _err(None, "活动已结束", "The campaign is already closed.")
        campaign.state = CampaignState.CLOSED
        campaign.closed_at = timezone.now()
        campaign.save(update_fields=["state", "closed_at"])
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=campaign,
            before={"state": CampaignState.OPEN.value},
            after={"state": CampaignState.CLOSED.value},
            via=via,
        )
    return campaign


def campaign_publish_results(*, campaign: Campaign, by: User, via: str = "web") -> Campaign:
    """Publish the results list on the portal (the Office; closed campaigns only)."""
    _require_office(by)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.is_open:
            raise _err(
                None,
                "请先结束活动再公布结果",
                "Close the campaign before publishing its results.",
            )
        if campaign.results_published:
            raise _err(None, "结果已公布", "The results are already published.")
        campaign.results_published = True
        campaign.results_published_at = timezone.now()
        campaign.save(update_fields=["results_published", "results_published_at"])
        audit_record(
            actor=by,
            action=AuditAction.PUBLISH,
            obj=campaign,
            before={"results_published": False},
            after={"results_published": True},
            via=via,
        )
        content_changed()  # the public results list (issue #4 §8)
    return campaign


def campaign_unpublish_results(
    *, campaign: Campaign, by: User, reason: str, via: str = "web"
) -> Campaign:
    """Take the results list off the portal again (the Office, with a written reason)."""
    _require_office(by)
    if not reason.strip():
        raise _err("reason", "请写明撤下结果的原因", "Give the reason for taking the results down.")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign.results_published:
            raise _err(None, "结果尚未公布", "The results are not published.")
        campaign.results_published = False
        campaign.save(update_fields=["results_published"])
        audit_record(
            actor=by,
            action=AuditAction.UNPUBLISH,
            obj=campaign,
            before={"results_published": True},
            after={"results_published": False},
            note=reason.strip(),
            via=via,
        )
        content_changed()  # the public results list (issue #4 §8)
    return campaign


def campaign_apply(*, campaign: Campaign, by: User, via: str = "web") -> tuple[int, int]:
    """Retry every decided task whose decision is not yet applied (the Office), each in its
    own transaction. Returns (applied now, still failing)."""
    _require_office(by)
    done = failed = 0
    pending = (
        CampaignTask.objects.filter(campaign=campaign, applied=False)
        .exclude(decision="")
        .values_list("pk", flat=True)
    )
    for pk in list(pending):
        task = task_apply(task=CampaignTask(pk=pk), by=by, via=via)
        if task.applied:
            done += 1
        else:
            failed += 1
    return done, failed


# --- The units -------------------------------------------------------------------------


def _validate_decision(
    campaign: Campaign,
    document: Document,
    decision: str,
    grounds: Sequence[str],
    explanation: str,
    keep_attribute: str,
) -> str:
    """Check a decision before anything is written; returns the attribute to keep."""
    errors: dict[str, list[str]] = {}
    allowed = DECISIONS[campaign.kind]
    if decision not in allowed:
        labels = "、".join(str(d.label) for d in allowed)
        errors["decision"] = [
            f"请选择决定：{labels} / Choose one of: {', '.join(d.value for d in allowed)}."
        ]
    unknown = [g for g in grounds if g not in WithholdingGround.values]
    if unknown:
        errors["grounds"] = [
            f"未知的不公开理由：{'、'.join(unknown)} / Unknown grounds: {', '.join(unknown)}"
        ]
    attribute = ""
    if campaign.kind == CampaignKind.ATTRIBUTE_REVIEW and decision == Decision.KEEP:
        if not grounds:
            errors.setdefault("grounds", []).append(
                "保留不公开必须至少选择一项《条例》规定的理由 / Keeping information "
                "non-public needs at least one ground from the Regulation."
            )
        if not explanation.strip():
            errors["explanation"] = [
                "请说明不主动公开的具体理由 / Explain why the information is not disclosed "
                "proactively."
            ]
        attribute = keep_attribute or (
            document.attribute if document.attribute in KEEP_ATTRIBUTES else ""
        )
        if attribute not in KEEP_ATTRIBUTES:
            errors["keep_attribute"] = [
                "请选择保留的公开属性：依申请公开或不予公开 / Choose the attribute to keep: "
                "on request or withheld."
            ]
    elif grounds:
        errors.setdefault("grounds", []).append(
            "只有“保留不公开”需要选择理由 / Only keeping information non-public takes grounds."
        )
    if errors:
        raise ValidationError(errors)
    return attribute


def task_decide(
    *,
    task: CampaignTask,
    by: User,
    decision: str,
    grounds: Iterable[str] = (),
    explanation: str = "",
    keep_attribute: str = "",
    via: str = "web",
) -> CampaignTask:
    """Record the unit's decision on one task and apply it to the document at once.

    Reviewers of the task's unit (``Perm.CONTENT_PUBLISH``) or the Office, while the
    campaign is open. Attribute review: ``keep`` needs at least one ground and an
    explanation (and ``keep_attribute`` when the document's attribute is undecided);
    ``convert_to_proactive`` publishes the document. Clean-up: ``keep`` / ``revise`` /
    ``repeal`` / ``declare_expired``, with ``explanation`` as the note.

    Raises ``AccessDenied`` or ``ValidationError`` (nothing saved) for a refused decision;
    a refusal by the library while applying is stored on the task instead (see module doc).
    """
    grounds = list(dict.fromkeys(grounds))  # keep the order, drop repeats
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=task.campaign_id)
        task = CampaignTask.objects.select_for_update().select_related("document").get(pk=task.pk)
        require(by, Perm.CONTENT_PUBLISH, task.unit_id)
        if not campaign.is_open:
            raise _err(
                None, "活动已结束，不能再作决定", "The campaign is closed; no more decisions."
            )
        if task.applied and task.decision in IRREVERSIBLE:
            raise _err(
                "decision",
                "该决定已执行，不能更改",
                "This decision has already been applied and cannot be changed.",
            )
        attribute = _validate_decision(
            campaign, task.document, decision, grounds, explanation, keep_attribute
        )
        before = {
            "decision": task.decision,
            "grounds": task.grounds,
            "keep_attribute": task.keep_attribute,
            "explanation": task.explanation,
        }
        task.campaign = campaign
        task.decision = decision
        task.grounds = grounds
        task.keep_attribute = attribute
        task.explanation = explanation.strip()
        task.decided_by = by
        task.decided_at = timezone.now()
        task.applied = False
        task.applied_at = None
        task.error = ""
        task.save()
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=task,
            unit=task.unit_id,
            before=before,
            after={
                "decision": decision,
                "grounds": grounds,
                "keep_attribute": attribute,
                "explanation": task.explanation,
            },
            label=_task_label(task),
            via=via,
        )
        _apply(task, by, via)
    return task


def task_decide_bulk(
    *,
    tasks: Iterable[CampaignTask],
    by: User,
    decision: str,
    grounds: Iterable[str] = (),
    explanation: str = "",
    keep_attribute: str = "",
    via: str = "web",
) -> list[CampaignTask]:
    """The same decision on many tasks, all or nothing: if any one is refused (permission,
    closed campaign, missing ground), none is saved. Errors while applying are stored per
    task as with :func:`task_decide`."""
    grounds = list(grounds)
    with transaction.atomic():
        return [
            task_decide(
                task=task,
                by=by,
                decision=decision,
                grounds=grounds,
                explanation=explanation,
                keep_attribute=keep_attribute,
                via=via,
            )
            for task in tasks
        ]


def task_apply(*, task: CampaignTask, by: User, via: str = "web") -> CampaignTask:
    """Apply a recorded decision again after the unit fixed the document (reviewers of the
    unit, or the Office). Also allowed after the campaign closed: the decision was made
    in time."""
    with transaction.atomic():
        task = (
            CampaignTask.objects.select_for_update()
            .select_related("campaign", "document")
            .get(pk=task.pk)
        )
        require(by, Perm.CONTENT_PUBLISH, task.unit_id)
        if not task.decision:
            raise _err(None, "该任务尚未作出决定", "This task has no decision yet.")
        if task.applied:
            return task
        _apply(task, by, via)
    return task


def _apply(task: CampaignTask, by: User, via: str) -> None:
    """Carry out ``task``'s decision through the library services, in a savepoint; store
    the outcome on the task and audit it. Call inside a transaction, task row locked."""
    try:
        with transaction.atomic():
            _carry_out(task, by)
    except ValidationError as exc:
        task.applied = False
        task.applied_at = None
        task.error = _error_text(exc)
    else:
        task.applied = True
        task.applied_at = timezone.now()
        task.error = ""
    task.save(update_fields=["applied", "applied_at", "error"])
    if task.campaign.results_published:
        content_changed()  # the public results list (issue #4 §8)
    audit_record(
        actor=by,
        action=AuditAction.CHANGE,
        obj=task,
        unit=task.unit_id,
        after={"applied": task.applied, "error": task.error},
        label=_task_label(task),
        via=via,
    )


def _note(task: CampaignTask) -> str:
    campaign = task.campaign
    decision = Decision(task.decision)
    zh = {
        Decision.KEEP: "保留",
        Decision.CONVERT_TO_PROACTIVE: "转为主动公开",
        Decision.REVISE: "修改",
        Decision.REPEAL: "废止",
        Decision.DECLARE_EXPIRED: "宣布失效",
    }[decision]
    en = decision.value.replace("_", " ")
    kind_zh = "公开属性审查" if campaign.kind == CampaignKind.ATTRIBUTE_REVIEW else "清理"
    note = f"{kind_zh}“{campaign.title}”：{zh} / {en} in campaign {campaign.title}"
    if task.explanation:
        note = f"{note}。{task.explanation}"
    return note


def _carry_out(task: CampaignTask, by: User) -> None:
    document = Document.objects.get(pk=task.document_id)
    decision = task.decision
    if task.campaign.kind == CampaignKind.ATTRIBUTE_REVIEW:
        if decision == Decision.KEEP:
            library.document_update(
                document=document,
                by=by,
                changes={
                    "attribute": task.keep_attribute,
                    "withholding_grounds": list(task.grounds),
                    "attribute_explanation": task.explanation,
                },
                change_note=_note(task),
                via=VIA,
                check=False,  # task_decide checked Perm.CONTENT_PUBLISH in the unit
            )
        elif decision == Decision.CONVERT_TO_PROACTIVE:
            _convert_to_proactive(task, document, by)
        return
    target = CLEANUP_VALIDITY.get(decision)
    if target is None or document.validity == target:  # keep, or already so
        return
    library.document_set_validity(
        document=document, by=by, validity=target, note=_note(task), via=VIA
    )


def _convert_to_proactive(task: CampaignTask, document: Document, by: User) -> None:
    """Proactive attribute, then submit → confidentiality review → publish with the deciding
    reviewer as actor, for a document not yet public. Each step is skipped when already done,
    so a retry after the unit fixed the document continues where it stopped."""
    document = library.document_update(
        document=document,
        by=by,
        changes={
            "attribute": DisclosureAttribute.PROACTIVE,
            "withholding_grounds": [],
            "attribute_explanation": "",
        },
        change_note=_note(task),
        via=VIA,
        check=False,
    )
    if document.state == PublicationState.DRAFT:
        document = library.document_submit(document=document, by=by, via=VIA)
    if document.state == PublicationState.IN_REVIEW:
        title = task.campaign.title
        library.document_confidentiality_review(
            document=document,
            by=by,
            passed=True,
            note=f"公开属性审查转为主动公开 / converted to proactive in campaign {title}",
            via=VIA,
        )
        library.document_publish(document=document, by=by, via=VIA)
