"""Every change to government information (issue #3, R-1.5, Regulation Art. 17–20, 26).

One function per transition. Each checks permission through the permission layer
(editors draft, reviewers publish, own unit only; the Office everywhere), validates,
writes in one transaction, appends the audit entry and, where the public sees it,
a change note for the document's public history.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.accounts.permissions import Perm, require
from gongkai.core.audit import audit_record, snapshot
from gongkai.core.models import AuditAction
from gongkai.core.pagecache import content_changed
from gongkai.library.choices import (
    ChangeKind,
    DisclosureAttribute,
    DocumentKind,
    KeyArea,
    PublicationState,
    RelationKind,
    Validity,
    WithholdingGround,
)
from gongkai.library.models import (
    Attachment,
    ConfidentialityReview,
    Document,
    DocumentChange,
    DocumentKeyArea,
    DocumentRelation,
    IndexSerial,
)
from gongkai.library.numbers import DocumentNumberError, parse_document_number
from gongkai.library.sanitize import body_to_text, sanitize_body
from gongkai.search.outbox import documents_changed
from gongkai.units.models import Unit

# Fields a caller may set through document_create / document_update.
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "title_en",
        "summary",
        "summary_en",
        "document_number",
        "kind",
        "category",
        "topic",
        "signed_date",
        "effective_date",
        "valid_until",
        "body",
        "attribute",
        "withholding_grounds",
        "attribute_explanation",
    }
)
VALIDITY_TRANSITIONS: dict[str, frozenset[str]] = {
    Validity.NOT_YET_IN_FORCE: frozenset({Validity.IN_FORCE, Validity.REPEALED}),
    Validity.IN_FORCE: frozenset({Validity.REVISED, Validity.REPEALED, Validity.EXPIRED}),
    Validity.REVISED: frozenset({Validity.REPEALED, Validity.IN_FORCE}),
    Validity.EXPIRED: frozenset({Validity.IN_FORCE}),  # renewed after a review
    Validity.REPEALED: frozenset(),
}
# A relation from a new document changes the old document's validity.
RELATION_EFFECT = {
    RelationKind.REPEALS: Validity.REPEALED,
    RelationKind.REVISES: Validity.REVISED,
    RelationKind.REPLACES: Validity.REPEALED,
}


# How the public history names what a newer document did to this one.
RELATION_NOTE_ZH = {"repeals": "废止", "revises": "修改", "replaces": "替代"}
RELATION_NOTE_EN = {"repeals": "repealed", "revises": "revised", "replaces": "replaced"}


def rules() -> dict[str, Any]:
    return settings.GONGKAI_LIBRARY


def _err(field: str | None, zh: str, en: str) -> ValidationError:
    message = f"{zh} / {en}"
    return ValidationError({field: [message]} if field else message)


def is_provisional(title: str) -> bool:
    return any(word in title for word in rules()["PROVISIONAL_WORDS"])


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def max_valid_until(document: Document) -> datetime.date | None:
    start = document.effective_date or document.signed_date
    if start is None:
        return None
    limit = rules()[
        "PROVISIONAL_MAX_YEARS" if is_provisional(document.title) else "NORMATIVE_MAX_YEARS"
    ]
    return _add_years(start, limit)


def validate_document(document: Document, *, for_publication: bool = False) -> None:
    """All of a document's own rules; every problem is reported, per field, in both languages."""
    errors: dict[str, list[str]] = {}

    def add(field: str, zh: str, en: str) -> None:
        errors.setdefault(field, []).append(f"{zh} / {en}")

    if not document.title.strip():
        add("title", "请填写标题", "Enter a title.")
    if document.document_number.strip():
        try:
            document.document_number_key = parse_document_number(
                document.document_number
            ).search_key
        except DocumentNumberError as exc:
            errors.setdefault("document_number", []).append(str(exc))
    else:
        document.document_number_key = ""
    if (
        document.signed_date
        and document.effective_date
        and document.effective_date < document.signed_date
    ):
        add(
            "effective_date",
            "施行日期不能早于成文日期",
            "The effective date cannot be before the signed date.",
        )
    start = document.effective_date or document.signed_date
    if document.valid_until and start and document.valid_until <= start:
        add(
            "valid_until",
            "有效期至必须晚于施行（成文）日期",
            "Valid-until must be after the effective (signed) date.",
        )
    grounds = list(document.withholding_grounds or [])
    unknown = [g for g in grounds if g not in WithholdingGround.values]
    if unknown:
        add(
            "withholding_grounds",
            f"未知的不公开理由：{'、'.join(unknown)}",
            f"Unknown grounds: {', '.join(unknown)}",
        )
    if document.attribute in {DisclosureAttribute.ON_REQUEST, DisclosureAttribute.WITHHELD}:
        if not grounds:
            add(
                "withholding_grounds",
                "非主动公开的信息必须至少选择一项《条例》规定的理由",
                "Information not disclosed proactively must cite at least one ground "
                "from the Regulation.",
            )
        if not document.attribute_explanation.strip():
            add(
                "attribute_explanation",
                "请说明不主动公开的具体理由",
                "Explain why the information is not disclosed proactively.",
            )
    elif grounds and document.attribute == DisclosureAttribute.PROACTIVE:
        add(
            "withholding_grounds",
            "主动公开的信息不应选择不公开理由",
            "Proactive information takes no withholding ground.",
        )
    if document.kind == DocumentKind.NORMATIVE and (for_publication or document.valid_until):
        limit = max_valid_until(document)
        if not document.valid_until:
            add(
                "valid_until",
                "行政规范性文件必须设定有效期",
                "A normative document needs a valid-until date.",
            )
        elif limit and document.valid_until > limit:
            years = rules()[
                "PROVISIONAL_MAX_YEARS" if is_provisional(document.title) else "NORMATIVE_MAX_YEARS"
            ]
            add(
                "valid_until",
                f"有效期最长 {years} 年（至 {limit:%Y-%m-%d}）",
                f"The validity period is at most {years} years (until {limit:%Y-%m-%d}).",
            )
    if for_publication:
        if document.attribute != DisclosureAttribute.PROACTIVE:
            add(
                "attribute",
                "只有主动公开的信息才能在网站发布",
                "Only proactive information is published on the portal.",
            )
        if document.signed_date is None:
            add("signed_date", "发布前请填写成文日期", "Enter the signed date before publishing.")
        if not document.category:
            add(
                "category", "发布前请选择公开类别", "Choose the Art. 20 category before publishing."
            )
    if errors:
        raise ValidationError(errors)


def _next_index_number(unit: Unit, category: str, year: int) -> str:
    """``<unit code>/<category>-<year>-<serial>``, race-safe (row lock on the counter)."""
    serial, _ = IndexSerial.objects.select_for_update().get_or_create(
        unit=unit, category=category, year=year
    )
    serial.last += 1
    serial.save(update_fields=["last"])
    return f"{unit.code}/{category or '00'}-{year}-{serial.last:05d}"


def _set_key_areas(document: Document, areas: Iterable[str]) -> None:
    wanted = set(areas)
    unknown = wanted - set(KeyArea.values)
    if unknown:
        raise _err(
            "key_areas",
            f"未知的重点领域：{'、'.join(sorted(unknown))}",
            f"Unknown key areas: {', '.join(sorted(unknown))}",
        )
    current = set(document.key_area_links.values_list("area", flat=True))
    document.key_area_links.filter(area__in=current - wanted).delete()
    DocumentKeyArea.objects.bulk_create(
        [DocumentKeyArea(document=document, area=a) for a in sorted(wanted - current)]
    )


def _set_co_issuers(document: Document, co_issuers: Iterable[Unit]) -> None:
    units = [u for u in co_issuers if u.pk != document.unit_id]
    document.co_issuers.set(units)


def _state_snapshot(document: Document) -> dict[str, Any]:
    data = snapshot(document, exclude=["body", "body_text", "created_at", "updated_at"])
    data["key_areas"] = sorted(document.key_area_links.values_list("area", flat=True))
    data["co_issuers"] = sorted(document.co_issuers.values_list("code", flat=True))
    return data


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def document_create(
    *,
    unit: Unit,
    by: User | None,
    data: dict[str, Any],
    key_areas: Iterable[str] = (),
    co_issuers: Iterable[Unit] = (),
    via: str = "web",
    import_key: str = "",
    check: bool = True,
) -> Document:
    """A new draft of ``unit`` (editors and reviewers of the unit, or the Office)."""
    if check:
        require(by, Perm.CONTENT_DRAFT, unit)
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise _err(
            None,
            f"未知字段：{', '.join(sorted(unknown))}",
            f"Unknown fields: {', '.join(sorted(unknown))}",
        )
    document = Document(
        unit=unit,
        created_by=by if by and by.is_authenticated else None,
        import_key=import_key,
        **data,
    )
    document.body = sanitize_body(document.body)
    document.body_text = body_to_text(document.body)
    validate_document(document)
    year = (document.signed_date or timezone.localdate()).year
    if document.effective_date and document.effective_date > timezone.localdate():
        document.validity = Validity.NOT_YET_IN_FORCE
    with transaction.atomic():
        document.index_number = _next_index_number(unit, document.category, year)
        document.full_clean(exclude=["index_number", "withholding_grounds"])
        document.save()
        documents_changed([document.pk])
        _set_key_areas(document, key_areas)
        _set_co_issuers(document, co_issuers)
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=document,
            unit=unit,
            after=_state_snapshot(document),
            via=via,
        )
    return document


def document_update(
    *,
    document: Document,
    by: User | None,
    changes: dict[str, Any],
    key_areas: Iterable[str] | None = None,
    co_issuers: Iterable[Unit] | None = None,
    change_note: str = "",
    via: str = "web",
    check: bool = True,
) -> Document:
    """Change a document. Drafts: editors. Published documents: reviewers, with a change note
    that the public history shows."""
    with transaction.atomic():
        fresh = _locked(document)
        public = fresh.state in {
            PublicationState.PUBLISHED,
            PublicationState.SCHEDULED,
            PublicationState.WITHDRAWN,
        }
        if check:
            require(by, Perm.CONTENT_PUBLISH if public else Perm.CONTENT_DRAFT, fresh.unit_id)
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise _err(
                None,
                f"未知字段：{', '.join(sorted(unknown))}",
                f"Unknown fields: {', '.join(sorted(unknown))}",
            )
        before = _state_snapshot(fresh)
        old_body = fresh.body
        for name, value in changes.items():
            setattr(fresh, name, value)
        fresh.body = sanitize_body(fresh.body)
        fresh.body_text = body_to_text(fresh.body)
        validate_document(
            fresh, for_publication=public and fresh.state != PublicationState.WITHDRAWN
        )
        fresh.full_clean(exclude=["index_number", "withholding_grounds"])
        fresh.save()
        documents_changed([fresh.pk])
        if key_areas is not None:
            _set_key_areas(fresh, key_areas)
        if co_issuers is not None:
            _set_co_issuers(fresh, co_issuers)
        old, new = _diff(before, _state_snapshot(fresh))
        if fresh.body != old_body:
            old["body"], new["body"] = "…", "…"  # the body itself is not copied into the log
        if not old:
            return fresh
        if public and not change_note.strip():
            raise _err(
                "change_note",
                "修改已发布的信息必须填写修改说明",
                "Changing published information needs a change note.",
            )
        if public:
            DocumentChange.objects.create(
                document=fresh, kind=ChangeKind.CHANGED, note=change_note.strip(), by=by
            )
            content_changed()  # public pages show it (issue #4 §8)
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=fresh,
            unit=fresh.unit_id,
            before=old,
            after=new,
            note=change_note.strip(),
            via=via,
        )
    document.refresh_from_db()
    return fresh


def _transition(
    document: Document,
    by: User | None,
    to: str,
    *,
    via: str,
    note: str = "",
    action: str = AuditAction.CHANGE,
) -> None:
    before = document.state
    document.state = to
    document.save(update_fields=["state", "published_at", "withdrawn_reason", "updated_at"])
    documents_changed([document.pk])
    audit_record(
        actor=by,
        action=action,
        obj=document,
        unit=document.unit_id,
        before={"state": before},
        after={"state": to},
        note=note,
        via=via,
    )


def _locked(document: Document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


def document_submit(*, document: Document, by: User, via: str = "web") -> Document:
    """Draft → in review (editors of the unit)."""
    with transaction.atomic():
        document = _locked(document)
        require(by, Perm.CONTENT_DRAFT, document.unit_id)
        if document.state != PublicationState.DRAFT:
            raise _err(None, "只有草稿可以提交审核", "Only a draft can be submitted for review.")
        validate_document(document)
        if document.attribute == DisclosureAttribute.UNDECIDED:
            raise _err(
                "attribute",
                "提交前必须确定公开属性",
                "Decide the disclosure attribute before submitting.",
            )
        _transition(document, by, PublicationState.IN_REVIEW, via=via)
    return document


def document_return(*, document: Document, by: User, reason: str, via: str = "web") -> Document:
    """In review → draft, with the reviewer's reason (reviewers of the unit)."""
    if not reason.strip():
        raise _err("reason", "请写明退回原因", "Give the reason for returning it.")
    with transaction.atomic():
        document = _locked(document)
        require(by, Perm.CONTENT_PUBLISH, document.unit_id)
        if document.state != PublicationState.IN_REVIEW:
            raise _err(
                None, "只有审核中的信息可以退回", "Only a document in review can be returned."
            )
        _transition(document, by, PublicationState.DRAFT, via=via, note=reason.strip())
    return document


def document_confidentiality_review(
    *, document: Document, by: User, passed: bool, note: str = "", via: str = "web"
) -> ConfidentialityReview:
    """Record the confidentiality review before publication (Art. 17; reviewers of the unit)."""
    require(by, Perm.CONTENT_PUBLISH, document.unit_id)
    if not passed and not note.strip():
        raise _err(
            "note",
            "未通过保密审查时请说明原因",
            "Explain why the confidentiality review did not pass.",
        )
    with transaction.atomic():
        review = ConfidentialityReview.objects.create(
            document=document, reviewer=by, passed=passed, note=note.strip()
        )
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=document,
            unit=document.unit_id,
            after={"confidentiality_review": "passed" if passed else "not passed"},
            note=note.strip(),
            via=via,
        )
    return review


def apply_relations(document: Document, by: User | None, via: str) -> None:
    """A published document that repeals/revises/replaces others changes their validity.

    A target in another unit needs the publisher's publish permission there (the system,
    ``by=None``, acts for a reviewer who scheduled the publication).
    """
    pending = document.outgoing_relations.filter(applied=False).select_related("target")
    if by is not None:
        for relation in pending:
            if relation.kind in RELATION_EFFECT and relation.target.unit_id != document.unit_id:
                require(by, Perm.CONTENT_PUBLISH, relation.target.unit_id)
    for relation in pending:
        effect = RELATION_EFFECT.get(RelationKind(relation.kind))
        if effect is not None:
            target = _locked(relation.target)
            if target.validity != effect and effect in VALIDITY_TRANSITIONS[target.validity]:
                _set_validity(
                    target,
                    effect,
                    by=by,
                    via=via,
                    note=f"被《{document.title}》{RELATION_NOTE_ZH[relation.kind]} / "
                    f"{RELATION_NOTE_EN[relation.kind]} by {document.index_number}",
                )
        relation.applied = True
        relation.save(update_fields=["applied"])


def document_publish(
    *,
    document: Document,
    by: User,
    publish_at: datetime.datetime | None = None,
    via: str = "web",
) -> Document:
    """In review → published, or scheduled when ``publish_at`` is in the future (reviewers).

    Needs a decided proactive attribute, a passed confidentiality review (Art. 17) and, for
    normative documents, a valid-until date within the configured limit.
    """
    with transaction.atomic():
        document = _locked(document)
        require(by, Perm.CONTENT_PUBLISH, document.unit_id)
        if document.state != PublicationState.IN_REVIEW:
            raise _err(
                None, "只有审核中的信息可以发布", "Only a document in review can be published."
            )
        validate_document(document, for_publication=True)
        review = document.confidentiality_reviews.first()
        if review is None or not review.passed:
            raise _err(
                None,
                "发布前必须通过保密审查（《条例》第十七条）",
                "A passed confidentiality review (Art. 17) is needed before publishing.",
            )
        now = timezone.now()
        if publish_at is not None and publish_at > now:
            document.published_at = publish_at
            _transition(
                document,
                by,
                PublicationState.SCHEDULED,
                via=via,
                action=AuditAction.PUBLISH,
                note=f"定时发布 / scheduled {publish_at}",
            )
            return document
        document.published_at = now
        _transition(document, by, PublicationState.PUBLISHED, via=via, action=AuditAction.PUBLISH)
        DocumentChange.objects.create(
            document=document,
            kind=ChangeKind.FIRST_PUBLISHED,
            note="首次发布 / first published",
            by=by,
        )
        apply_relations(document, by, via)
        content_changed()  # public pages show it (issue #4 §8)
    return document


def publish_scheduled(now: datetime.datetime | None = None) -> int:
    """Publish every scheduled document whose time has come (a periodic job)."""
    now = now or timezone.now()
    count = 0
    for pk in Document.objects.filter(
        state=PublicationState.SCHEDULED, published_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            document = Document.objects.select_for_update().get(pk=pk)
            if document.state != PublicationState.SCHEDULED:
                continue
            document.state = PublicationState.PUBLISHED
            document.save(update_fields=["state", "updated_at"])
            documents_changed([document.pk])
            audit_record(
                actor=None,
                action=AuditAction.PUBLISH,
                obj=document,
                unit=document.unit_id,
                before={"state": "scheduled"},
                after={"state": "published"},
                via="job",
            )
            DocumentChange.objects.create(
                document=document,
                kind=ChangeKind.FIRST_PUBLISHED,
                note="首次发布 / first published",
            )
            apply_relations(document, None, "job")
            content_changed()  # public pages show it (issue #4 §8)
            count += 1
    return count


def document_withdraw(*, document: Document, by: User, reason: str, via: str = "web") -> Document:
    """Published → withdrawn; the page stays with a notice giving the reason (reviewers)."""
    if not reason.strip():
        raise _err("reason", "撤销发布必须写明理由", "Withdrawing needs a written reason.")
    with transaction.atomic():
        document = _locked(document)
        require(by, Perm.CONTENT_PUBLISH, document.unit_id)
        if document.state not in {PublicationState.PUBLISHED, PublicationState.SCHEDULED}:
            raise _err(
                None, "只有已发布的信息可以撤销", "Only published information can be withdrawn."
            )
        document.withdrawn_reason = reason.strip()
        _transition(
            document,
            by,
            PublicationState.WITHDRAWN,
            via=via,
            action=AuditAction.UNPUBLISH,
            note=reason.strip(),
        )
        DocumentChange.objects.create(
            document=document, kind=ChangeKind.WITHDRAWN, note=reason.strip(), by=by
        )
        content_changed()  # public pages show it (issue #4 §8)
    return document


def _set_validity(
    document: Document, validity: str, *, by: User | None, via: str, note: str
) -> None:
    before = document.validity
    document.validity = validity
    if validity in (Validity.REPEALED, Validity.EXPIRED):
        document.validity_ended_on = timezone.localdate()
    elif validity in (Validity.IN_FORCE, Validity.REVISED, Validity.NOT_YET_IN_FORCE):
        document.validity_ended_on = None
    document.save(update_fields=["validity", "validity_ended_on", "updated_at"])
    documents_changed([document.pk])
    audit_record(
        actor=by,
        action=AuditAction.CHANGE,
        obj=document,
        unit=document.unit_id,
        before={"validity": before},
        after={"validity": validity},
        note=note,
        via=via,
    )
    if document.is_public:
        DocumentChange.objects.create(document=document, kind=ChangeKind.VALIDITY, note=note, by=by)


def document_set_validity(
    *,
    document: Document,
    by: User | None,
    validity: str,
    note: str,
    valid_until: datetime.date | None = None,
    via: str = "web",
    check: bool = True,
) -> Document:
    """Change the legal validity along the allowed transitions (reviewers of the unit).

    Renewing an expired document back into force needs a new valid-until date.
    """
    if not note.strip():
        raise _err("note", "请说明有效性变化的原因", "Explain the change of validity.")
    with transaction.atomic():
        document = _locked(document)
        if check:
            require(by, Perm.CONTENT_PUBLISH, document.unit_id)
        if validity not in VALIDITY_TRANSITIONS.get(document.validity, frozenset()):
            raise _err(
                "validity",
                f"有效性不能从“{Validity(document.validity).label}”改为"
                f"“{Validity(validity).label}”",
                f"Validity cannot change from {document.validity} to {validity}.",
            )
        if validity == Validity.IN_FORCE and document.validity == Validity.EXPIRED:
            if valid_until is None or valid_until <= timezone.localdate():
                raise _err(
                    "valid_until",
                    "恢复有效需要新的有效期",
                    "Renewing needs a new valid-until date in the future.",
                )
            document.valid_until = valid_until
            validate_document(document)
            document.save(update_fields=["valid_until"])
        _set_validity(document, validity, by=by, via=via, note=note.strip())
        content_changed()  # public pages show it (issue #4 §8)
    return document


def relation_add(
    *,
    source: Document,
    target: Document,
    kind: str,
    by: User | None,
    via: str = "web",
    check: bool = True,
) -> DocumentRelation:
    """Link two documents. If ``source`` is already published and repeals, revises or
    replaces ``target``, the target's validity changes now; otherwise when ``source`` is
    published. Both pages show the link.

    A relation that changes the target's validity (repeals, revises, replaces) takes effect
    by a reviewer's hand: at once (the source is already published) it needs the publish
    permission in the source's unit; a target in another unit needs the publish permission
    there too (checked again when the source is published).
    """
    if check:
        require(by, Perm.CONTENT_DRAFT, source.unit_id)
        if kind in RELATION_EFFECT:
            if target.unit_id != source.unit_id:
                require(by, Perm.CONTENT_PUBLISH, target.unit_id)
            if source.state == PublicationState.PUBLISHED:
                require(by, Perm.CONTENT_PUBLISH, source.unit_id)
    if kind not in RelationKind.values:
        raise _err("kind", "未知的关联类型", "Unknown relation kind.")
    if source.pk == target.pk:
        raise _err("target", "文件不能关联自身", "A document cannot relate to itself.")
    if kind == RelationKind.INTERPRETS and source.kind != DocumentKind.INTERPRETATION:
        raise _err(
            "kind",
            "只有政策解读可以“解读”其他文件",
            "Only an interpretation can interpret another document.",
        )
    with transaction.atomic():
        relation, created = DocumentRelation.objects.get_or_create(
            source=source, target=target, kind=kind
        )
        if created:
            audit_record(
                actor=by,
                action=AuditAction.CHANGE,
                obj=source,
                unit=source.unit_id,
                after={"relation": kind, "target": target.index_number},
                via=via,
            )
        if source.state == PublicationState.PUBLISHED:
            apply_relations(source, by, via)
        content_changed()  # public pages show it (issue #4 §8)
    return relation


def relation_remove(*, relation: DocumentRelation, by: User, via: str = "web") -> None:
    require(by, Perm.CONTENT_DRAFT, relation.source.unit_id)
    if relation.applied:
        raise _err(
            None,
            "已生效的关联不能删除，请改正有效性",
            "A relation that has taken effect cannot be removed; correct the validity instead.",
        )
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=relation.source,
            unit=relation.source.unit_id,
            before={"relation": relation.kind, "target": relation.target.index_number},
            via=via,
        )
        relation.delete()
        content_changed()  # public pages show it (issue #4 §8)


def expire_documents(today: datetime.date | None = None) -> int:
    """Mark in-force documents expired the day after their valid-until date (a daily job)."""
    today = today or timezone.localdate()
    count = 0
    for pk in Document.objects.filter(
        validity=Validity.IN_FORCE, valid_until__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            document = Document.objects.select_for_update().get(pk=pk)
            if document.validity != Validity.IN_FORCE or not document.valid_until:
                continue
            _set_validity(
                document,
                Validity.EXPIRED,
                by=None,
                via="job",
                note=f"有效期至 {document.valid_until:%Y-%m-%d} 届满 / "
                f"validity ended on {document.valid_until:%Y-%m-%d}",
            )
            content_changed()  # public pages show it (issue #4 §8)
            count += 1
    return count


def bring_into_force(today: datetime.date | None = None) -> int:
    """Documents not yet in force whose effective date has come are in force (a daily job)."""
    today = today or timezone.localdate()
    count = 0
    for pk in Document.objects.filter(
        validity=Validity.NOT_YET_IN_FORCE, effective_date__lte=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            document = Document.objects.select_for_update().get(pk=pk)
            if document.validity == Validity.NOT_YET_IN_FORCE:
                _set_validity(
                    document,
                    Validity.IN_FORCE,
                    by=None,
                    via="job",
                    note=f"自 {document.effective_date:%Y-%m-%d} 起施行 / in force from "
                    f"{document.effective_date:%Y-%m-%d}",
                )
                content_changed()  # public pages show it (issue #4 §8)
                count += 1
    return count


def attachment_add(
    *,
    document: Document,
    by: User | None,
    file: Any,
    filename: str,
    via: str = "web",
    check: bool = True,
    allowed: Iterable[str] | None = None,
) -> Attachment:
    """Attach a file to a document: type checked by content, size-limited, text extracted.

    Editors of the unit while the document is a draft; reviewers once it is public.
    Raises ValidationError (field ``file``) with the checker's bilingual message.
    """
    from django.core.files.base import ContentFile

    from gongkai.library import attachments

    if check:
        public = document.state != PublicationState.DRAFT
        require(by, Perm.CONTENT_PUBLISH if public else Perm.CONTENT_DRAFT, document.unit_id)
    options: dict[str, Any] = {"max_bytes": rules()["ATTACHMENT_MAX_BYTES"]}
    if allowed is not None:
        options["allowed"] = allowed
    try:
        checked = attachments.check_attachment(file, filename, **options)
        data = file.read() if hasattr(file, "read") else bytes(file)
        text = attachments.extract_text(data, checked.kind, filename=filename)
    except attachments.AttachmentError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    with transaction.atomic():
        existing = document.attachments.filter(sha256=checked.sha256).first()
        if existing is not None:  # the same file again: nothing to do (idempotent imports)
            return existing
        attachment = Attachment(
            document=document,
            original_name=filename[:255],
            file_type=str(checked.kind),
            size=checked.size,
            sha256=checked.sha256,
            text=text,
        )
        attachment.file.save(filename, ContentFile(data), save=False)
        attachment.save()
        documents_changed([attachment.document_id])
        content_changed()  # public pages show it (issue #4 §8)
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=document,
            unit=document.unit_id,
            after={"attachment": filename, "sha256": checked.sha256},
            via=via,
        )
    return attachment


def attachment_remove(*, attachment: Attachment, by: User, via: str = "web") -> None:
    document = attachment.document
    public = document.state != PublicationState.DRAFT
    require(by, Perm.CONTENT_PUBLISH if public else Perm.CONTENT_DRAFT, document.unit_id)
    with transaction.atomic():
        documents_changed([document.pk])
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=document,
            unit=document.unit_id,
            before={"attachment": attachment.original_name, "sha256": attachment.sha256},
            via=via,
        )
        attachment.file.delete(save=False)
        attachment.delete()
        content_changed()  # public pages show it (issue #4 §8)
