"""Reply letters (答复告知书) and notices: the wording of every outcome, DOCX and PDF with
embedded Chinese fonts, and every letter opening in LibreOffice (issue #5 §5–§6, R-5.2;
Regulation Art. 30, 33, 36–39, 42; REGULATION.md §3, §4)."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import pypdf
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from gongkai.accounts.models import Role
from gongkai.disclosure_requests import letters, services
from gongkai.disclosure_requests.choices import OUTCOME_RULES, FeeMethod, Outcome
from gongkai.disclosure_requests.models import DisclosureRequest, Reply
from gongkai.disclosure_requests.tests import factories
from gongkai.units.models import Unit

D = datetime.date
RECEIVED = D(2026, 9, 1)
ISSUED = D(2026, 11, 2)
RIGHTS = ("六十日内向", "申请行政复议", "六个月内向人民法院提起行政诉讼")
AGENCY = "天津市滨海新区规划和自然资源局"
AGENCY_CONTACT = "022-66661234，天津市滨海新区第三大街 1 号"
PARTS = [
    {"part": "申请人身份证号码", "ground": "third_party", "reason": "涉及他人个人隐私甲"},
    {"part": "评审专家讨论记录", "ground": "process", "reason": "属于内部讨论过程乙"},
]

# What the officer fills in for each outcome, and what its letter must then say.
CASES: dict[str, tuple[dict, list[str]]] = {
    Outcome.DISCLOSED: (
        {"information_text": "分配名单见附件，评分标准见生态城官网公告栏。", "page_count": 3},
        ["属于可以公开的政府信息", "分配名单见附件", "附件：1.分配名单.docx"],
    ),
    Outcome.ALREADY_PUBLIC: (
        {"information_text": "该信息已于 2026 年 3 月在生态城门户网站主动公开。"},
        ["已经主动公开", "在生态城门户网站主动公开"],
    ),
    Outcome.PARTIAL: (
        {"information_text": "提供分配结果名单（已隐去身份证号码）。", "withheld_parts": PARTS},
        [
            "予以公开的部分",
            "提供分配结果名单",
            "（一）申请人身份证号码",
            "涉及他人个人隐私甲",
            "涉及商业秘密、个人隐私等",
            "（二）评审专家讨论记录",
            "属于内部讨论过程乙",
            "讨论记录、过程稿、磋商信函、请示报告",
        ],
    ),
    Outcome.WITHHELD_STATE_SECRET: ({"reasons": "该文件已定为机密级。"}, ["属于国家秘密"]),
    Outcome.WITHHELD_LAW_PROHIBITS: (
        {"reasons": "《统计法》禁止公开单个调查对象的资料。"},
        ["属于法律、行政法规禁止公开的政府信息", "禁止公开单个调查对象"],
    ),
    Outcome.WITHHELD_SECURITY: (
        {"reasons": "涉及供水设施布防位置。"},
        ["危及国家安全、公共安全、经济安全、社会稳定", "供水设施布防位置"],
    ),
    Outcome.WITHHELD_THIRD_PARTY: (
        {"reasons": "经征求意见，第三方不同意公开其商业秘密。"},
        ["对第三方合法权益造成损害", "第三方不同意公开"],
    ),
    Outcome.WITHHELD_INTERNAL: (
        {"reasons": "该信息为本机关内部人事管理信息。"},
        ["内部事务信息", "内部人事管理信息"],
    ),
    Outcome.WITHHELD_PROCESS: (
        {"reasons": "该信息为会议讨论记录。"},
        ["过程性信息", "会议讨论记录"],
    ),
    Outcome.WITHHELD_ENFORCEMENT: (
        {"reasons": "该信息为行政处罚案件的案卷材料。"},
        ["属于行政执法案卷信息", "行政处罚案件的案卷材料"],
    ),
    Outcome.WITHHELD_QUERY: (
        {"reasons": "不动产登记资料请向不动产登记机构查询。"},
        ["属于行政查询事项", "依照有关法律、行政法规的规定办理", "不动产登记机构"],
    ),
    Outcome.UNABLE_NOT_HELD: (
        {"reasons": "经检索本机关档案室及业务系统，未发现该信息。"},
        ["未制作或者获取", "该政府信息不存在", "未发现该信息"],
    ),
    Outcome.UNABLE_OTHER_AGENCY: (
        {"other_agency_name": AGENCY, "other_agency_contact": AGENCY_CONTACT},
        ["不属于本机关负责公开", AGENCY, AGENCY_CONTACT],
    ),
    Outcome.UNABLE_NEEDS_CREATION: (
        {"reasons": "需要汇总统计近十年的数据。"},
        ["加工、分析后另行制作", "汇总统计近十年"],
    ),
    Outcome.UNABLE_STILL_UNCLEAR: (
        {"reasons": "补正后仍未写明所需信息的名称或特征。"},
        ["2026年9月3日告知", "2026年9月10日作出补正", "仍不明确", "仍未写明"],
    ),
    Outcome.NOT_PROCESSED_PETITION: (
        {"reasons": "请向区信访办提出。"},
        ["不属于政府信息公开申请", "信访、投诉、举报", "区信访办"],
    ),
    Outcome.NOT_PROCESSED_DUPLICATE: (
        {"reasons": "本机关已于 2026 年 8 月 3 日作出答复。"},
        ["属于重复申请", "不予重复处理", "8 月 3 日作出答复"],
    ),
    Outcome.NOT_PROCESSED_PUBLICATION: (
        {"information_text": "《天津统计年鉴 2025》可在新华书店购买。"},
        ["公开出版物", "新华书店购买"],
    ),
    Outcome.NOT_PROCESSED_EXCESSIVE: (
        {"reasons": "一个月内提出 60 件内容相近的申请，未说明理由。"},
        ["明显超过合理范围", "不予处理", "60 件内容相近"],
    ),
    Outcome.NOT_PROCESSED_CONFIRM: (
        {"reasons": "申请确认已获取文件的真实性。"},
        ["确认或者重新出具", "不予处理", "已获取文件的真实性"],
    ),
    Outcome.OTHER_NO_CLARIFICATION: (
        {},
        ["2026年9月3日", "2026年9月17日前", "逾期未补正", "不再处理"],
    ),
    Outcome.OTHER_FEE_UNPAID: (
        {},
        ["2026年9月10日", "200.00元", "逾期未缴纳", "不再处理"],
    ),
    Outcome.OTHER: ({"reasons": "申请人已撤回申请，本机关终止处理。"}, ["已撤回申请"]),
}


def test_every_outcome_has_a_case_and_a_template():
    """The tests below cover every outcome the annual report counts (REGULATION.md §8)."""
    assert set(CASES) == set(Outcome.values)


@pytest.fixture
def unit(unit_a) -> Unit:
    Unit.objects.filter(pk=unit_a.pk).update(address="天津市滨海新区中新生态城中成大道 1 号")
    unit_a.refresh_from_db()
    return unit_a


@pytest.fixture
def officer(make_user, unit):
    return make_user("officer-a", unit, Role.DISCLOSURE_OFFICER)


@pytest.fixture
def head(make_user, unit):
    return make_user("head-a", unit, Role.DISCLOSURE_HEAD)


def _sample_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("2025 年保障性住房分配名单")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _prepare(outcome: str, request: DisclosureRequest, officer) -> None:
    """The lapsed clarification or fee that some outcomes require, through the services."""
    if outcome in (Outcome.OTHER_NO_CLARIFICATION, Outcome.UNABLE_STILL_UNCLEAR):
        services.clarification_request(
            request=request,
            by=officer,
            items="请写明所需文件的名称或者文号。",
            asked_on=D(2026, 9, 3),
            respond_by=D(2026, 9, 17),
        )
    if outcome == Outcome.UNABLE_STILL_UNCLEAR:
        services.clarification_receive(
            request=request, by=officer, clarified_on=D(2026, 9, 10), response="要住房的文件。"
        )
    if outcome == Outcome.OTHER_FEE_UNPAID:
        services.fee_notice_issue(
            request=request,
            by=officer,
            method=FeeMethod.PER_VOLUME,
            pages=50,
            issued_on=D(2026, 9, 10),
        )


def _issue(outcome: str, unit: Unit, officer, head, **overrides) -> Reply:
    """A request received on 2026-09-01, answered with ``outcome``: drafted, approved by
    the head of the disclosure office, issued on 2026-11-02."""
    request = factories.received(unit, officer, RECEIVED, **overrides)
    _prepare(outcome, request, officer)
    data = CASES[outcome][0]
    reply = services.reply_draft(request=request, by=officer, outcome=outcome, data=data)
    if outcome == Outcome.DISCLOSED:
        services.released_file_add(
            reply=reply, by=officer, name="分配名单.docx", content=_sample_docx()
        )
    reply = services.reply_approve(reply=reply, by=head)
    return services.reply_issue(reply=reply, by=officer, issued_on=ISSUED)


def _squash(text: str) -> str:
    """Text without white space (PDF extraction breaks lines and spaces CJK freely)."""
    return re.sub(r"\s+", "", text)


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _pdf_fonts(data: bytes) -> list[tuple[str, bool]]:
    """Each font a PDF uses: its name and whether the font program is embedded."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            faces = [face.get_object() for face in font.get("/DescendantFonts", [])] or [font]
            for face in faces:
                descriptor = face.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                embedded = any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                found.append((str(face["/BaseFont"]), embedded))
    return found


def _assert_cjk_fonts_embedded(pdf_bytes: bytes) -> None:
    """Every font of the PDF is embedded, and the Chinese text is set in a CJK font."""
    fonts = _pdf_fonts(pdf_bytes)
    assert fonts
    assert all(embedded for _name, embedded in fonts), fonts
    assert any("CJK" in name for name, _embedded in fonts), fonts


def _assert_says(text: str, expected: list[str]) -> None:
    squashed = _squash(text)
    missing = [item for item in expected if _squash(item) not in squashed]
    assert not missing, f"missing {missing} in:\n{text}"


def _common(reply: Reply) -> list[str]:
    """What every issued reply letter says (Art. 36–39; rights of review and litigation)."""
    return [
        letters.REPLY_TITLE,
        reply.letter_number,
        OUTCOME_RULES[reply.outcome].basis_zh,
        *RIGHTS,
        letters.DEFAULT_REVIEW_BODY,
        "张三：",
        "于2026年9月1日向本机关提出的政府信息公开申请",
        reply.request.tracking_number,
        "生态城 2025 年保障性住房分配结果",
        "经济局",
        "2026年11月2日",
        "022-66668888",
        "中新生态城中成大道",
    ]


@pytest.mark.parametrize("outcome", Outcome.values)
def test_issued_letter_of_every_outcome_has_the_legal_wording_in_docx_and_pdf(
    outcome, unit, officer, head
):
    """Every outcome's letter, issued as DOCX and PDF, cites its legal basis, tells the
    applicant of review within 60 days and litigation within 6 months, carries the number,
    the date, the applicant's name, the unit's signature and contact, and the outcome's own
    content: the other agency for 'not this agency's', each withheld part's ground and reason
    for a partial disclosure (Art. 36–39, R-5.2)."""
    reply = _issue(outcome, unit, officer, head)
    expected = _common(reply) + CASES[outcome][1]
    assert reply.letter_number == "津生依申复〔2026〕1号"

    reply.letter_docx.open("rb")
    docx_bytes = reply.letter_docx.read()
    reply.letter_docx.close()
    _assert_says(_docx_text(docx_bytes), expected)

    reply.letter_pdf.open("rb")
    pdf_bytes = reply.letter_pdf.read()
    reply.letter_pdf.close()
    _assert_says(_pdf_text(pdf_bytes), expected)
    _assert_cjk_fonts_embedded(pdf_bytes)


def test_draft_text_has_no_number_date_or_personal_data(unit, officer):
    """The drafted text is written before the letter is numbered and dated, and holds no
    personal data (the applicant's name is encrypted at rest; the letter text is not, R-4.3):
    number, date and name are added when the letter is rendered."""
    request = factories.received(unit, officer, RECEIVED)
    reply = services.reply_draft(
        request=request,
        by=officer,
        outcome=Outcome.WITHHELD_STATE_SECRET,
        data=CASES[Outcome.WITHHELD_STATE_SECRET][0],
    )
    text = reply.letter_text
    assert reply.letter_number == ""
    assert reply.issued_on is None
    assert "津生依申复" not in text
    assert "号" not in text.replace("申请编号", "")
    assert "张三" not in text
    assert "13812345678" not in text
    assert "2026年11月" not in text
    _assert_says(text, [OUTCOME_RULES[Outcome.WITHHELD_STATE_SECRET].basis_zh, *RIGHTS])
    assert all(line.strip() == line and line for line in text.split("\n"))


def test_the_officers_edited_text_is_what_is_issued(unit, officer, head):
    """The officer may edit the drafted letter; the approved text is rendered as it is."""
    request = factories.received(unit, officer, RECEIVED)
    edited = (
        "你于2026年9月1日提出的申请收悉。经审查，该信息属于国家秘密，编辑后的说明。\n"
        "根据《中华人民共和国政府信息公开条例》第三十六条第（三）项及第十四条的规定，不予公开。\n"
        "如不服，可以自收到本告知书之日起六十日内申请行政复议，或者六个月内向人民法院提起行政诉讼。"
    )
    reply = services.reply_draft(
        request=request,
        by=officer,
        outcome=Outcome.WITHHELD_STATE_SECRET,
        data={"reasons": "该文件已定为机密级。"},
        letter_text=edited,
    )
    reply = services.reply_approve(reply=reply, by=head)
    reply = services.reply_issue(reply=reply, by=officer, issued_on=ISSUED)
    pdf_text = _pdf_text(letters.render_pdf(reply))
    docx_text = _docx_text(letters.render_docx(reply))
    for text in (pdf_text, docx_text):
        _assert_says(text, ["编辑后的说明", reply.letter_number])
        assert "具体理由如下" not in text


def test_organisations_are_addressed_as_your_unit_and_text_is_not_html_escaped(unit, officer):
    """A legal person is addressed 你单位; quotes and ampersands in the information's title
    stay as written (the letter templates are plain text, not HTML)."""
    request = factories.received(
        unit, officer, RECEIVED, **factories.organisation(info_title="关于“A&B”项目<二期>的批复")
    )
    reply = services.reply_draft(
        request=request, by=officer, outcome=Outcome.UNABLE_NOT_HELD, data={"reasons": "无。"}
    )
    assert reply.letter_text.startswith("你单位于2026年9月1日向本机关提出")
    assert "“关于“A&B”项目<二期>的批复”" in reply.letter_text
    assert "&amp;" not in reply.letter_text
    assert "&lt;" not in reply.letter_text
    assert "你单位如对本答复不服" in reply.letter_text


def test_review_body_is_configurable(settings, unit, officer):
    """The body that hears administrative review is configuration (REVIEW_BODY)."""
    settings.GONGKAI_REQUESTS = {**settings.GONGKAI_REQUESTS, "REVIEW_BODY": "天津市人民政府"}
    request = factories.received(unit, officer, RECEIVED)
    reply = services.reply_draft(
        request=request, by=officer, outcome=Outcome.UNABLE_NOT_HELD, data={"reasons": "无。"}
    )
    assert "六十日内向天津市人民政府申请行政复议" in reply.letter_text


def test_docx_layout_title_centred_bold_east_asian_fonts_a4(unit, officer, head):
    """The DOCX is A4 with official margins; the title is centred and bold; East Asian fonts
    are set in rFonts (w:eastAsia) so Chinese is not drawn in a Latin font."""
    reply = _issue(Outcome.UNABLE_NOT_HELD, unit, officer, head)
    document = docx.Document(io.BytesIO(letters.render_docx(reply)))
    section = document.sections[0]
    assert round(section.page_width.mm) == 210
    assert round(section.page_height.mm) == 297
    assert round(section.top_margin.mm) == 37
    assert round(section.left_margin.mm) == 28
    title = document.paragraphs[0]
    assert title.text == "政府信息公开申请答复告知书"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].bold
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == letters.DOCX_BODY_FONT
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == letters.DOCX_TITLE_FONT
    assert document.paragraphs[1].text == reply.letter_number


def test_pdf_is_a4(unit, officer, head):
    reply = _issue(Outcome.UNABLE_NOT_HELD, unit, officer, head)
    page = pypdf.PdfReader(io.BytesIO(letters.render_pdf(reply))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_chinese_dates_and_numbers():
    """Dates and numbering are written as official documents write them."""
    assert letters.zh_date(D(2026, 3, 2)) == "2026年3月2日"
    assert letters.zh_date(None) == ""
    assert [letters.zh_number(n) for n in (1, 10, 11, 20, 23)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十三",
    ]


def _both(docx_bytes: bytes, pdf_bytes: bytes) -> list[str]:
    _assert_cjk_fonts_embedded(pdf_bytes)
    return [_docx_text(docx_bytes), _pdf_text(pdf_bytes)]


def test_fee_notice_by_volume_states_basis_breakdown_amount_payment_and_deadline(
    settings, unit, officer
):
    """The fee notice (收费通知书) cites 国办函〔2020〕109号, the method and each band of the
    progressive breakdown, the amount, how and by when to pay, and that without payment the
    request is no longer processed (Art. 42; REGULATION.md §4)."""
    settings.GONGKAI_REQUESTS = {
        **settings.GONGKAI_REQUESTS,
        "FEE_PAYMENT_INSTRUCTIONS": "请通过天津市非税收入缴款系统缴纳。",
    }
    request = factories.received(unit, officer, RECEIVED)
    notice = services.fee_notice_issue(
        request=request,
        by=officer,
        method=FeeMethod.PER_VOLUME,
        pages=150,
        issued_on=D(2026, 9, 10),
    )
    assert notice.amount == Decimal("1700")
    for text in _both(letters.fee_notice_docx(notice), letters.fee_notice_pdf(notice)):
        _assert_says(
            text,
            [
                letters.FEE_TITLE,
                "张三：",
                "国办函〔2020〕109号",
                "按量计收（本次提供的政府信息共150页）",
                "第31—100页：70页 × 10.00元/页 = 700.00元",
                "第101—150页：50页 × 20.00元/页 = 1000.00元",
                "人民币1700.00元",
                "请通过天津市非税收入缴款系统缴纳。",
                f"（{letters.zh_date(notice.pay_by)}前）",
                "视为放弃申请",
                "2026年9月10日",
                request.tracking_number,
            ],
        )


def test_fee_notice_per_request_names_the_applicants_request_of_the_month(unit, officer):
    """Per request (按件): the applicant's 11th request in a calendar month costs 100 yuan."""
    for day in range(1, 11):
        factories.received(unit, officer, D(2026, 9, day))
    request = factories.received(unit, officer, D(2026, 9, 11))
    notice = services.fee_notice_issue(
        request=request, by=officer, method=FeeMethod.PER_REQUEST, issued_on=D(2026, 9, 14)
    )
    for text in _both(letters.fee_notice_docx(notice), letters.fee_notice_pdf(notice)):
        _assert_says(
            text,
            [
                "按件计收（本申请为你本自然月内提出的第11件政府信息公开申请）",
                "本月第11件申请：1件 × 100.00元 = 100.00元",
                "人民币100.00元",
                letters.DEFAULT_PAYMENT_INSTRUCTIONS,
            ],
        )


def test_clarification_notice_lists_items_deadline_restart_and_abandonment(unit, officer):
    """The clarification notice (补正告知书) lists everything to clarify, the deadline, that
    the clock restarts from the clarified request, and that not clarifying in time without
    good reason abandons the request (Art. 30)."""
    request = factories.received(unit, officer, RECEIVED)
    clarification = services.clarification_request(
        request=request,
        by=officer,
        items="1. 所需文件的名称或文号；\n2. 文件形成的大致时间。",
        asked_on=D(2026, 9, 3),
        respond_by=D(2026, 9, 17),
    )
    docx_bytes = letters.clarification_notice_docx(clarification)
    pdf_bytes = letters.clarification_notice_pdf(clarification)
    for text in _both(docx_bytes, pdf_bytes):
        _assert_says(
            text,
            [
                letters.CLARIFICATION_TITLE,
                "第三十条",
                "1. 所需文件的名称或文号；",
                "2. 文件形成的大致时间。",
                "请你于2026年9月17日前",
                "之日起重新计算",
                "无正当理由逾期不补正的，视为放弃申请",
                "2026年9月3日",
            ],
        )


def test_extension_notice_gives_reason_days_and_new_due_date(unit, officer, head):
    """The extension notice (延期答复告知书) gives the reason, the working days added with the
    head's approval and the new due date (Art. 33)."""
    request = factories.received(unit, officer, RECEIVED)
    extension = services.extension_grant(
        request=request,
        by=head,
        working_days=15,
        reason="需要调取多个部门的档案",
        approved_on=D(2026, 9, 10),
    )
    due_on = DisclosureRequest.objects.get(pk=request.pk).due_on
    assert due_on is not None
    for text in _both(
        letters.extension_notice_docx(extension), letters.extension_notice_pdf(extension)
    ):
        _assert_says(
            text,
            [
                letters.EXTENSION_TITLE,
                "因需要调取多个部门的档案，本机关不能在法定期限内作出答复",
                "第三十三条第二款",
                "政府信息公开工作机构负责人同意",
                "延长15个工作日",
                f"延长后的答复期限至{letters.zh_date(due_on)}",
            ],
        )


def test_every_outcomes_docx_letter_opens_in_libreoffice(unit, officer, head, tmp_path: Path):
    """Each outcome's issued DOCX opens in LibreOffice: converted headless to PDF, every
    result shows its letter number and the legal wording in an embedded CJK font (issue #5,
    done when: every outcome's letter opens in LibreOffice/Word)."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is needed: apt-get install libreoffice-writer-nogui"
    sources = {}
    for outcome in Outcome.values:
        reply = _issue(outcome, unit, officer, head)
        path = tmp_path / f"{outcome}.docx"
        path.write_bytes(letters.render_docx(reply))
        sources[outcome] = (path, reply)
    out = tmp_path / "pdf"
    subprocess.run(  # noqa: S603 — fixed arguments, files written by this test
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *(str(path) for path, _reply in sources.values()),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    numbers = set()
    for outcome, (path, reply) in sources.items():
        pdf_bytes = (out / f"{path.stem}.pdf").read_bytes()
        _assert_says(
            _pdf_text(pdf_bytes),
            [reply.letter_number, OUTCOME_RULES[outcome].basis_zh, *RIGHTS],
        )
        fonts = _pdf_fonts(pdf_bytes)
        assert any("CJK" in name and embedded for name, embedded in fonts), fonts
        numbers.add(reply.letter_number)
    assert len(numbers) == len(Outcome.values)
