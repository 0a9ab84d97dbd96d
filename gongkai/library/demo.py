"""Demo documents for `gongkai demo`: a few pieces of government information made through
the real services, so the portal, the catalogue and the back office have something to show.

Idempotent: each document carries an ``import_key`` and is created only if missing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from gongkai.accounts.models import User
from gongkai.library import services
from gongkai.library.choices import DisclosureAttribute, DocumentKind, RelationKind
from gongkai.library.models import Document
from gongkai.units.models import Unit

BODY_EMPLOYMENT = (
    "各有关单位：\n为深入落实稳就业、保就业工作部署，支持区内企业稳定岗位、扩大就业，"
    "经管委会研究同意，现将《中新天津生态城支持企业稳岗就业若干措施》印发给你们，请认真贯彻执行。\n"
    "一、对不裁员或少裁员的参保企业，按规定返还失业保险费。\n"
    "二、对吸纳高校毕业生就业的企业，给予一次性就业补贴。\n"
    "三、本措施自2023年1月1日起施行，有效期至2027年3月31日。"
)


def _make(
    key: str,
    unit: Unit,
    editor: User,
    reviewer: User | None,
    data: dict[str, Any],
    key_areas: tuple[str, ...] = (),
    publish: bool = True,
) -> Document:
    existing = Document.objects.filter(import_key=key).first()
    if existing is not None:
        return existing
    data = {**data, "body": services_text(data.get("body", ""))}
    document = services.document_create(
        unit=unit, by=editor, data=data, key_areas=key_areas, import_key=key, via="demo"
    )
    if publish and reviewer is not None:
        services.document_submit(document=document, by=editor, via="demo")
        services.document_confidentiality_review(
            document=document,
            by=reviewer,
            passed=True,
            note="经审查不涉密 / no classified content",
            via="demo",
        )
        services.document_publish(document=document, by=reviewer, via="demo")
    return document


def services_text(text: str) -> str:
    from gongkai.library.sanitize import text_to_body

    return text_to_body(text)


def load_demo_documents() -> int:
    """Create the demo documents that are missing; return how many exist afterwards."""
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["jjj-editor", "jjj-reviewer", "czj-editor", "czj-reviewer"]
        )
    }
    units = {u.code: u for u in Unit.objects.filter(code__in=["JJJ", "CZJ"])}
    if len(users) < 4 or len(units) < 2:
        return 0
    jjj, czj = units["JJJ"], units["CZJ"]
    with transaction.atomic():
        old = _make(
            "demo-1",
            jjj,
            users["jjj-editor"],
            users["jjj-reviewer"],
            {
                "title": "中新天津生态城促进就业暂行办法",
                "document_number": "津生经发[2019]9号",
                "kind": DocumentKind.NORMATIVE,
                "category": "11",
                "topic": "labour",
                "signed_date": datetime.date(2019, 6, 3),
                "effective_date": datetime.date(2019, 7, 1),
                "valid_until": datetime.date(2021, 6, 30),
                "attribute": DisclosureAttribute.PROACTIVE,
                "summary": "规定生态城就业补贴的对象、标准和申领程序。",
                "body": "第一条 为促进生态城充分就业，制定本办法。",
            },
            key_areas=("employment",),
        )
        new = _make(
            "demo-2",
            jjj,
            users["jjj-editor"],
            users["jjj-reviewer"],
            {
                "title": "关于印发《中新天津生态城支持企业稳岗就业若干措施》的通知",
                "document_number": "津生经发〔2022〕15号",
                "kind": DocumentKind.NORMATIVE,
                "category": "11",
                "topic": "labour",
                "signed_date": datetime.date(2022, 12, 6),
                "effective_date": datetime.date(2023, 1, 1),
                "valid_until": datetime.date(2027, 3, 31),
                "attribute": DisclosureAttribute.PROACTIVE,
                "summary": "失业保险费返还、高校毕业生就业补贴等稳岗就业措施。",
                "body": BODY_EMPLOYMENT,
            },
            key_areas=("employment",),
            publish=False,
        )
        if not new.outgoing_relations.exists():
            services.relation_add(
                source=new,
                target=old,
                kind=RelationKind.REPEALS,
                by=users["jjj-reviewer"],
                via="demo",
            )
        if new.state == "draft":
            services.document_submit(document=new, by=users["jjj-editor"], via="demo")
            services.document_confidentiality_review(
                document=new, by=users["jjj-reviewer"], passed=True, via="demo"
            )
            services.document_publish(document=new, by=users["jjj-reviewer"], via="demo")
        reading = _make(
            "demo-3",
            jjj,
            users["jjj-editor"],
            users["jjj-reviewer"],
            {
                "title": "《中新天津生态城支持企业稳岗就业若干措施》政策解读",
                "kind": DocumentKind.INTERPRETATION,
                "category": "11",
                "topic": "labour",
                "signed_date": datetime.date(2022, 12, 8),
                "attribute": DisclosureAttribute.PROACTIVE,
                "body": "一问：哪些企业可以申请失业保险费返还？"
                "答：上年度未裁员或裁员率低于规定标准的参保企业。",
            },
            key_areas=("employment",),
            publish=False,
        )
        if not reading.outgoing_relations.exists():
            services.relation_add(
                source=reading,
                target=new,
                kind=RelationKind.INTERPRETS,
                by=users["jjj-editor"],
                via="demo",
            )
        if reading.state == "draft":
            services.document_submit(document=reading, by=users["jjj-editor"], via="demo")
            services.document_confidentiality_review(
                document=reading, by=users["jjj-reviewer"], passed=True, via="demo"
            )
            services.document_publish(document=reading, by=users["jjj-reviewer"], via="demo")
        _make(
            "demo-4",
            czj,
            users["czj-editor"],
            users["czj-reviewer"],
            {
                "title": "中新天津生态城2025年一般公共预算执行情况",
                "kind": DocumentKind.BUDGET,
                "category": "07",
                "topic": "finance",
                "signed_date": datetime.date(2026, 1, 20),
                "attribute": DisclosureAttribute.PROACTIVE,
                "body": "2025年，生态城一般公共预算收入完成年度预算的102.3%。",
            },
        )
        _make(
            "demo-5",
            jjj,
            users["jjj-editor"],
            None,
            {
                "title": "关于2026年度企业研发投入补助的通知",
                "document_number": "津生经发〔2026〕21号",
                "kind": DocumentKind.POLICY,
                "category": "11",
                "topic": "science",
                "signed_date": datetime.date(2026, 11, 10),
                "attribute": DisclosureAttribute.PROACTIVE,
                "body": "各有关企业：为鼓励企业加大研发投入，"
                "现就2026年度补助申报有关事项通知如下。",
            },
            publish=False,
        )
        _make(
            "demo-6",
            czj,
            users["czj-editor"],
            None,
            {
                "title": "生态城国有资产清查工作底稿",
                "kind": DocumentKind.OTHER,
                "category": "15",
                "topic": "finance",
                "signed_date": datetime.date(2026, 9, 1),
                "attribute": DisclosureAttribute.ON_REQUEST,
                "withholding_grounds": ["process_information"],
                "attribute_explanation": "工作底稿属于过程性信息，可依申请提供。",
            },
            publish=False,
        )
    return Document.objects.filter(import_key__startswith="demo-").count()
