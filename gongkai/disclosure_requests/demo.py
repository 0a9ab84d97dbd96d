"""Demo disclosure requests for `gongkai demo`: one request in each interesting state.

Made through the real services, as the demo staff of 建设局 (JSJ): its disclosure officer
(``jsj-officer``) handles them and the head of its disclosure office (``jsj-head``)
approves extensions and reply letters; one request of 经济局 (JJJ) shows the Office that
more than one unit is busy. Receipt dates are counted back from today in working days on
the official calendar, so the due-soon and overdue lists have something to show whenever
the demo is loaded.

Idempotent: each demo request carries a fixed ``submission_key`` (derived from its demo
key) and is made only when none has it. Applicants, identity numbers and addresses are
invented; e-mail addresses use the reserved ``.example`` domain.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.core import calendar
from gongkai.core.validators import resident_id_check_char
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import (
    ApplicantKind,
    Channel,
    Delivery,
    FeeMethod,
    IdentityDocumentType,
    OrganisationType,
    Outcome,
    PartialGround,
    PauseKind,
    ReviewKind,
    ReviewResult,
    WantedForm,
)
from gongkai.disclosure_requests.models import DisclosureRequest
from gongkai.units.models import Unit

VIA = "demo"
NAMESPACE = uuid.UUID("5f0c2b53-8a3e-4d43-9d0b-6a1f3c1e2d70")
OFFICER = "jsj-officer"
HEAD = "jsj-head"
OTHER_OFFICER = "jjj-officer"
ONE = datetime.timedelta(days=1)


def demo_key(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"demo-request-{name}")


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def _person(name: str, id_first17: str, **info: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_kind": ApplicantKind.NATURAL_PERSON,
        "applicant_name": name,
        "id_type": IdentityDocumentType.RESIDENT_ID,
        "id_number": _resident_id(id_first17),
        "phone": "13900001234",
        "address": "天津市滨海新区中新天津生态城示范路 1 号",
        "postcode": "300467",
        "wanted_form": WantedForm.ELECTRONIC,
        "delivery": Delivery.ONLINE,
    }
    data.update(info)
    return data


def _organisation(name: str, credit_first17: str, **info: Any) -> dict[str, Any]:
    from gongkai.core.validators import credit_code_check_char

    data = _person(name, "12010119800101001", **info)
    data.update(
        applicant_kind=ApplicantKind.ORGANISATION,
        organisation_type=OrganisationType.LEGAL_SERVICE,
        id_type=IdentityDocumentType.CREDIT_CODE,
        id_number=credit_first17 + credit_code_check_char(credit_first17),
        contact_person="周律师",
    )
    return data


def _allocation_sheet() -> bytes:
    """The released file of the partial reply: a small workbook, no personal data."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "分配结果"
    sheet.append(["类别", "户数", "评分标准"])
    sheet.append(["一居室", 58, "家庭人均收入、住房困难程度、在生态城工作年限"])
    sheet.append(["两居室", 68, "家庭人均收入、住房困难程度、在生态城工作年限"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def working_day_before(
    today: datetime.date, n: int, cal: calendar.WorkingCalendar
) -> datetime.date:
    """The working day ``n`` working days before ``today`` (``today`` for 0)."""
    day = today
    while n > 0:
        day -= ONE
        if cal.is_working_day(day):
            n -= 1
    return day


class _Demo:
    def __init__(self, unit: Unit, other_unit: Unit, users: dict[str, User]) -> None:
        self.unit = unit
        self.other_unit = other_unit
        self.officer = users[OFFICER]
        self.head = users[HEAD]
        self.other_officer = users[OTHER_OFFICER]
        self.cal = calendar.working_calendar()
        self.today = timezone.localdate()
        self.created = 0

    def back(self, n: int) -> datetime.date:
        return working_day_before(self.today, n, self.cal)

    def make(self, name: str, build: Callable[[uuid.UUID], DisclosureRequest]) -> None:
        key = demo_key(name)
        if DisclosureRequest.objects.filter(submission_key=key).exists():
            return
        build(key)
        self.created += 1

    def register(
        self,
        key: uuid.UUID,
        data: dict[str, Any],
        received_on: datetime.date,
        *,
        unit: Unit | None = None,
        by: User | None = None,
        channel: str = Channel.IN_PERSON,
    ) -> DisclosureRequest:
        request, _code = services.request_register(
            unit=unit or self.unit,
            by=by or self.officer,
            data=data,
            channel=channel,
            received_on=received_on,
            via=VIA,
        )
        # The demo's own mark, so that the next run finds the request (the same key an
        # online submission carries against double clicks).
        DisclosureRequest.objects.filter(pk=request.pk).update(submission_key=key)
        request.refresh_from_db()
        return request

    # --- the requests ----------------------------------------------------------------

    def submitted_online(self, key: uuid.UUID) -> DisclosureRequest:
        """Made online today; the officer has not yet confirmed its receipt (Art. 31)."""
        request, _code = services.request_submit(
            unit=self.unit,
            submission_key=key,
            data=_person(
                "陈晓明",
                "12011619850312003",
                email="chen.xiaoming@applicant.example",
                delivery=Delivery.EMAIL,
                info_title="中新天津生态城 2026 年老旧小区改造项目清单",
                info_description="请提供 2026 年生态城老旧小区改造项目的清单、改造内容和资金安排。",
            ),
        )
        return request

    def due_soon(self, key: uuid.UUID) -> DisclosureRequest:
        """Received 18 working days ago: the reply is due in 2 working days."""
        return self.register(
            key,
            _person(
                "刘建华",
                "12011619700508001",
                info_title="和畅路道路拓宽工程规划许可",
                info_document_number="建字第120116202600012号",
                info_description="请提供和畅路道路拓宽工程的建设工程规划许可证及附图。",
                wanted_form=WantedForm.PAPER,
                delivery=Delivery.PICKUP,
            ),
            self.back(18),
        )

    def overdue(self, key: uuid.UUID) -> DisclosureRequest:
        """Received 23 working days ago and not answered: overdue."""
        return self.register(
            key,
            _person(
                "孙丽",
                "12011619881120002",
                info_title="生态城 2025 年政府采购合同",
                info_description="请提供经济局 2025 年签订的政府采购合同清单及合同金额。",
                delivery=Delivery.POST,
            ),
            self.back(23),
            unit=self.other_unit,
            by=self.other_officer,
            channel=Channel.REGISTERED_POST,
        )

    def clarification(self, key: uuid.UUID) -> DisclosureRequest:
        """Unclear: a clarification was asked yesterday; the clock waits (Art. 30)."""
        request = self.register(
            key,
            _person(
                "王强",
                "12011619920101003",
                info_title="",
                info_description="请提供关于我家附近那个工地的所有文件。",
                delivery=Delivery.POST,
            ),
            self.back(3),
        )
        services.clarification_request(
            request=request,
            by=self.officer,
            items=(
                "1. 请写明工地的具体位置（道路或项目名称）；\n"
                "2. 请写明所需文件的种类（如规划许可、施工许可或环评批复）。"
            ),
            asked_on=self.back(1),
            via=VIA,
        )
        return request

    def third_party(self, key: uuid.UUID) -> DisclosureRequest:
        """A third party's trade secret may be involved: consulted, clock paused (Art. 32)."""
        request = self.register(
            key,
            _organisation(
                "天津海河律师事务所",
                "31120000MA0123456",
                email="office@haihe-law.example",
                delivery=Delivery.EMAIL,
                info_title="生态城某商业综合体项目土地出让合同",
                info_description="请提供生态城中新大道商业综合体项目的国有建设用地使用权出让合同。",
            ),
            self.back(12),
        )
        services.pause_start(
            request=request,
            by=self.officer,
            kind=PauseKind.THIRD_PARTY,
            party="天津生态城某置业有限公司",
            reason="合同含有受让人的商业信息，依《条例》第三十二条书面征求第三方意见。",
            started_on=self.back(5),
            via=VIA,
        )
        return request

    def extended(self, key: uuid.UUID) -> DisclosureRequest:
        """Much to search: the head extended the time limit by 20 working days (Art. 33)."""
        request = self.register(
            key,
            _person(
                "赵敏",
                "12011619780615004",
                email="zhao.min@applicant.example",
                delivery=Delivery.EMAIL,
                info_title="2016—2025 年生态城建设工程施工许可",
                info_description="请提供 2016 年至 2025 年生态城核发的全部建设工程施工许可证清单。",
            ),
            self.back(19),
        )
        services.extension_grant(
            request=request,
            by=self.head,
            working_days=20,
            reason="所需信息跨越十年、数量较大，需要调取档案逐件检索",
            approved_on=self.today,
            via=VIA,
        )
        return request

    def fee_notice(self, key: uuid.UUID) -> DisclosureRequest:
        """150 pages: a processing-fee notice by volume; waiting for payment."""
        request = self.register(
            key,
            _person(
                "李娜",
                "12011619900909005",
                info_title="生态城 2024 年建设工程质量监督检查记录",
                info_description="请提供 2024 年生态城建设工程质量监督检查的全部记录。",
                wanted_form=WantedForm.PAPER,
                delivery=Delivery.POST,
            ),
            self.back(6),
        )
        services.fee_notice_issue(
            request=request,
            by=self.officer,
            method=FeeMethod.PER_VOLUME,
            pages=150,
            issued_on=self.back(2),
            via=VIA,
        )
        return request

    def partial(self, key: uuid.UUID) -> DisclosureRequest:
        """Replied: partially disclosed, the personal data of others withheld (Art. 37)."""
        request = self.register(
            key,
            _person(
                "张伟",
                "12011619830228006",
                email="zhang.wei@applicant.example",
                delivery=Delivery.EMAIL,
                info_title="生态城 2025 年公共租赁住房分配结果",
                info_description="请提供生态城 2025 年公共租赁住房分配的名单和评分标准。",
            ),
            self.back(16),
        )
        reply = services.reply_draft(
            request=request,
            by=self.officer,
            outcome=Outcome.PARTIAL,
            data={
                "information_text": (
                    "《生态城 2025 年公共租赁住房分配评分标准》全文及分配结果（共 126 户，"
                    "已隐去申请家庭成员姓名以外的个人信息），见所附文件。"
                ),
                "withheld_parts": [
                    {
                        "part": "申请家庭的身份证号码、收入和住址",
                        "ground": PartialGround.THIRD_PARTY,
                        "reason": "属于第三方个人隐私，公开会对其合法权益造成损害，且未获同意。",
                    }
                ],
                "page_count": 12,
            },
            via=VIA,
        )
        services.reply_approve(reply=reply, by=self.head, via=VIA)
        services.released_file_add(
            reply=reply,
            by=self.officer,
            name="2025年公共租赁住房分配结果.xlsx",
            content=_allocation_sheet(),
            via=VIA,
        )
        reply = services.reply_issue(reply=reply, by=self.officer, issued_on=self.back(1), via=VIA)
        services.reply_record_delivery(
            reply=reply, by=self.officer, method=Delivery.EMAIL, delivered_on=self.back(1), via=VIA
        )
        return request

    def reviewed(self, key: uuid.UUID) -> DisclosureRequest:
        """Replied and closed; the applicant applied for administrative review, which upheld
        the reply (report §四)."""
        request = self.register(
            key,
            _person(
                "周杰",
                "12011619750101007",
                info_title="和畅路片区房屋征收补偿方案",
                info_description="请提供和畅路片区国有土地上房屋征收补偿方案及征收决定。",
                key_area="housing_expropriation",
                wanted_form=WantedForm.PAPER,
                delivery=Delivery.POST,
            ),
            self.back(45),
        )
        reply = services.reply_draft(
            request=request,
            by=self.officer,
            outcome=Outcome.DISCLOSED,
            data={
                "information_text": (
                    "《和畅路片区国有土地上房屋征收补偿方案》及征收决定已随本告知书邮寄，共 8 页。"
                ),
                "page_count": 8,
            },
            via=VIA,
        )
        services.reply_approve(reply=reply, by=self.head, via=VIA)
        reply = services.reply_issue(reply=reply, by=self.officer, issued_on=self.back(30), via=VIA)
        services.reply_record_delivery(
            reply=reply, by=self.officer, method=Delivery.POST, delivered_on=self.back(28), via=VIA
        )
        services.review_record(
            request=request,
            by=self.officer,
            kind=ReviewKind.REVIEW,
            received_on=self.back(20),
            result=ReviewResult.UPHELD,
            decided_on=self.back(3),
            case_number="津生复〔2026〕7号",
            note="复议机关维持原答复。",
            via=VIA,
        )
        return request


def load_demo_requests() -> int:
    """Create the demo requests that are missing; return how many were created.

    Needs the demo units and staff of :func:`gongkai.units.demo.load_demo`; without them
    nothing is created.
    """
    users = {
        u.username: u for u in User.objects.filter(username__in=[OFFICER, HEAD, OTHER_OFFICER])
    }
    units = {u.code: u for u in Unit.objects.filter(code__in=["JSJ", "JJJ"])}
    if len(users) < 3 or len(units) < 2:
        return 0
    demo = _Demo(units["JSJ"], units["JJJ"], users)
    with transaction.atomic():
        demo.make("submitted", demo.submitted_online)
        demo.make("due-soon", demo.due_soon)
        demo.make("overdue", demo.overdue)
        demo.make("clarification", demo.clarification)
        demo.make("third-party", demo.third_party)
        demo.make("extended", demo.extended)
        demo.make("fee", demo.fee_notice)
        demo.make("partial", demo.partial)
        demo.make("reviewed", demo.reviewed)
    return demo.created
