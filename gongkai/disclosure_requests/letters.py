"""Reply letters (答复告知书) and notices to the applicant, as text, DOCX and PDF.

Issue #5 §5–§6; Regulation Art. 30, 33, 36–39, 42; REGULATION.md §3, §4.

**Text.** :func:`letter_text` drafts a reply letter's body from the outcome's standard
template, ``disclosure_requests/letters/reply/<outcome>.txt`` (each extends
``reply/base.txt``, which holds the opening and the applicant's rights to administrative
review within 60 days and litigation within 6 months; the withheld outcomes share
``reply/_withheld.txt``). Officials override any of them in the project's ``templates/``
folder. The draft is written before the letter is numbered and dated, and it holds no
personal data (the applicant's name is encrypted at rest, the letter text is not): the
number, the date, the applicant's name and the unit's signature and contact are added
when the letter is rendered. One paragraph per line; blank lines are dropped.

**Layout.** Every document is a :class:`Letter` (title, number, addressee, paragraphs,
attachments, signature, date, contact) rendered by one pair of functions: :func:`_docx`
(python-docx; A4, the margins of official documents, East Asian fonts set in ``rFonts``)
and :func:`_pdf` (WeasyPrint from ``letters/letter.html``; the Noto CJK fonts are
embedded). The notices — fee (收费通知书), clarification (补正告知书) and extension
(延期答复告知书) — use the same machinery with their own text templates.

    reply.letter_text = letter_text(reply)      # services.reply_draft
    render_docx(reply), render_pdf(reply)       # services.reply_issue, once numbered
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string

from gongkai.disclosure_requests.choices import OUTCOME_RULES, ApplicantKind, FeeMethod
from gongkai.disclosure_requests.models import Clarification, FeeNotice

if TYPE_CHECKING:
    from gongkai.disclosure_requests.models import DisclosureRequest, Extension, Reply

TEMPLATES = "disclosure_requests/letters"
REPLY_TITLE = "政府信息公开申请答复告知书"
FEE_TITLE = "政府信息公开信息处理费收费通知书"
CLARIFICATION_TITLE = "政府信息公开申请补正告知书"
EXTENSION_TITLE = "政府信息公开申请延期答复告知书"

DEFAULT_REVIEW_BODY = "天津市滨海新区人民政府"
DEFAULT_PAYMENT_INSTRUCTIONS = (
    "请持本通知书到本机关办公地点缴纳，或者按照本机关告知的非税收入缴款方式缴纳，"
    "缴款时注明申请编号。"
)

# DOCX fonts: 仿宋 for the body and 黑体 for the title, as official documents use on the
# machines that open them (Word, WPS); LibreOffice on Linux substitutes an installed CJK
# font (Noto CJK). Latin letters and digits: Times New Roman.
DOCX_BODY_FONT = "FangSong"
DOCX_TITLE_FONT = "SimHei"
DOCX_LATIN_FONT = "Times New Roman"

# Why a withheld part of a partial disclosure is not provided (Art. 14–16, 36, 38).
PARTIAL_GROUND_ZH: dict[str, str] = {
    "state_secret": "属于国家秘密（《中华人民共和国政府信息公开条例》第十四条）",
    "law_prohibits": (
        "属于法律、行政法规禁止公开的政府信息（《中华人民共和国政府信息公开条例》第十四条）"
    ),
    "security": (
        "公开后可能危及国家安全、公共安全、经济安全、社会稳定"
        "（《中华人民共和国政府信息公开条例》第十四条）"
    ),
    "third_party": (
        "涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害"
        "（《中华人民共和国政府信息公开条例》第十五条）"
    ),
    "internal": (
        "属于人事管理、后勤管理、内部工作流程等内部事务信息"
        "（《中华人民共和国政府信息公开条例》第十六条第一款）"
    ),
    "process": (
        "属于讨论记录、过程稿、磋商信函、请示报告等过程性信息"
        "（《中华人民共和国政府信息公开条例》第十六条第二款）"
    ),
    "enforcement": "属于行政执法案卷信息（《中华人民共和国政府信息公开条例》第十六条第二款）",
    "query": (
        "属于行政查询事项，应当依照有关法律、行政法规的规定办理"
        "（《中华人民共和国政府信息公开条例》第三十六条第（七）项）"
    ),
    "not_held": (
        "经检索，本机关未制作或者获取该部分政府信息"
        "（《中华人民共和国政府信息公开条例》第三十六条第（四）项）"
    ),
    "needs_creation": (
        "需要对现有政府信息进行加工、分析后另行制作（《中华人民共和国政府信息公开条例》第三十八条）"
    ),
}

_BLANK_LINES = re.compile(r"\s*\n\s*")


def _rules() -> dict[str, Any]:
    return getattr(settings, "GONGKAI_REQUESTS", {})


def zh_date(day: datetime.date | None) -> str:
    """``2026年3月2日`` (the form of dates in official documents), or ``""``."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _yuan(amount: Any) -> str:
    return f"{Decimal(str(amount)):.2f}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rstrip("，。；、,.; ") + "……"


def zh_number(n: int) -> str:
    """``一``, ``二``, … ``十``, ``十一``, … ``九十九`` (numbering in official documents)."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{digits[tens]}十")
    return head + (digits[ones] if ones else "")


def _lines(text: str) -> list[str]:
    """The paragraphs of a letter text: one per line, blank lines dropped."""
    return [line for line in _BLANK_LINES.split((text or "").strip()) if line]


def _tidy(text: str) -> str:
    return "\n".join(_lines(text))


# --- Text ------------------------------------------------------------------------------


def _request_context(request: DisclosureRequest) -> dict[str, Any]:
    """What every letter about ``request`` says of it (no personal data)."""
    you = "你单位" if request.applicant_kind == ApplicantKind.ORGANISATION else "你"
    title = _shorten(request.info_title, 100)
    if title:
        info = f"“{title}”"
        if request.info_document_number:
            info += f"（文号：{request.info_document_number}）"
    else:
        info = f"“{_shorten(request.info_description, 80)}”"
    return {
        "you": you,
        "received_on": zh_date(request.received_on),
        "tracking_number": request.tracking_number,
        "info": info,
        "review_body": _rules().get("REVIEW_BODY", DEFAULT_REVIEW_BODY),
    }


def letter_text(reply: Reply) -> str:
    """The reply letter's body for the outcome, from its standard template (Art. 36–39):
    the opening, the outcome's wording with its legal basis and content, and the
    applicant's rights of review (60 days) and litigation (6 months). Without the letter
    number, the date and the applicant's name, which rendering adds."""
    request = reply.request
    clarification = Clarification.objects.filter(request=request).first()
    fee_notice = FeeNotice.objects.filter(request=request).first()
    parts = [
        {
            "number": zh_number(index),
            "part": str(item.get("part") or "").strip(),
            "ground": PARTIAL_GROUND_ZH.get(item.get("ground") or "", ""),
            "reason": str(item.get("reason") or "").strip(),
        }
        for index, item in enumerate(reply.withheld_parts or [], start=1)
    ]
    context = {
        **_request_context(request),
        "outcome": reply.outcome,
        "basis": OUTCOME_RULES[reply.outcome].basis_zh,
        "information_text": (reply.information_text or "").strip(),
        "reasons": (reply.reasons or "").strip(),
        "withheld_parts": parts,
        "other_agency_name": reply.other_agency_name.strip(),
        "other_agency_contact": reply.other_agency_contact.strip(),
        "clarification_asked_on": zh_date(clarification.asked_on if clarification else None),
        "clarification_respond_by": zh_date(clarification.respond_by if clarification else None),
        "clarified_on": zh_date(clarification.clarified_on if clarification else None),
        "fee_issued_on": zh_date(fee_notice.issued_on if fee_notice else None),
        "fee_pay_by": zh_date(fee_notice.pay_by if fee_notice else None),
        "fee_amount": _yuan(fee_notice.amount) if fee_notice else "",
    }
    return _tidy(render_to_string(f"{TEMPLATES}/reply/{reply.outcome}.txt", context))


def fee_notice_text(notice: FeeNotice) -> str:
    """The fee notice's body (Art. 42, 国办函〔2020〕109号): basis, method, breakdown,
    amount, how to pay, the deadline and what happens without payment."""
    lines = []
    for line in notice.breakdown or []:
        if notice.method == FeeMethod.PER_REQUEST:
            lines.append(
                f"本月第{line['first']}件申请：{line['count']}件 × {_yuan(line['rate'])}元"
                f" = {_yuan(line['amount'])}元"
            )
        else:
            lines.append(
                f"第{line['first']}—{line['last']}页：{line['count']}页 × "
                f"{_yuan(line['rate'])}元/页 = {_yuan(line['amount'])}元"
            )
    context = {
        **_request_context(notice.request),
        "per_request": notice.method == FeeMethod.PER_REQUEST,
        "monthly_ordinal": notice.monthly_ordinal,
        "pages": notice.pages,
        "breakdown": lines,
        "amount": _yuan(notice.amount),
        "pay_by": zh_date(notice.pay_by),
        "pay_days": _rules().get("FEE_PAY_WORKING_DAYS", 20),
        "payment_instructions": _rules().get(
            "FEE_PAYMENT_INSTRUCTIONS", DEFAULT_PAYMENT_INSTRUCTIONS
        ),
    }
    return _tidy(render_to_string(f"{TEMPLATES}/fee_notice.txt", context))


def clarification_notice_text(clarification: Clarification) -> str:
    """The clarification notice's body (Art. 30): everything to clarify, the deadline, the
    clock restarting from the clarified request, abandonment if not clarified in time."""
    context = {
        **_request_context(clarification.request),
        "items": clarification.items.strip(),
        "respond_by": zh_date(clarification.respond_by),
    }
    return _tidy(render_to_string(f"{TEMPLATES}/clarification_notice.txt", context))


def extension_notice_text(extension: Extension) -> str:
    """The extension notice's body (Art. 33): the reason, the working days added and the
    new due date (the request's current one)."""
    context = {
        **_request_context(extension.request),
        "reason": extension.reason.strip().rstrip("。"),
        "working_days": extension.working_days,
        "due_on": zh_date(extension.request.due_on),
    }
    return _tidy(render_to_string(f"{TEMPLATES}/extension_notice.txt", context))


# --- Layout ----------------------------------------------------------------------------


@dataclass
class Letter:
    """A document to the applicant, ready to lay out."""

    title: str
    paragraphs: list[str]
    addressee: str
    signer: str
    dated: str
    number: str = ""
    attachments: list[str] = field(default_factory=list)
    contact: list[str] = field(default_factory=list)


def _letter(
    request: DisclosureRequest,
    *,
    title: str,
    text: str,
    dated: datetime.date | None,
    number: str = "",
    attachments: list[str] | None = None,
) -> Letter:
    unit = request.unit
    contact = [f"申请编号：{request.tracking_number}"]
    if request.received_on:
        contact[0] += f"　收到申请日期：{zh_date(request.received_on)}"
    if unit.address:
        contact.append(f"联系地址：{unit.address}")
    if unit.phone:
        contact.append(f"联系电话：{unit.phone}")
    return Letter(
        title=title,
        number=number,
        addressee=f"{request.applicant_name.strip() or '申请人'}：",
        paragraphs=_lines(text),
        attachments=attachments or [],
        signer=unit.name_zh,
        dated=zh_date(dated),
        contact=contact,
    )


def _reply_letter(reply: Reply) -> Letter:
    files = [item.name for item in reply.files.all()] if reply.pk else []
    return _letter(
        reply.request,
        title=REPLY_TITLE,
        text=reply.letter_text or letter_text(reply),
        dated=reply.issued_on,
        number=reply.letter_number,
        attachments=files,
    )


def _east_asian(element: Any, font: str, latin: str = DOCX_LATIN_FONT) -> None:
    """Set a run's or style's fonts: ``font`` for Chinese, ``latin`` for the rest."""
    from docx.oxml.ns import qn

    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(slot), latin)
    fonts.set(qn("w:eastAsia"), font)


def official_docx() -> Any:
    """An empty python-docx document in the layout of official documents: A4, margins top
    37 mm, bottom 35 mm, left 28 mm, right 26 mm; 16 pt 仿宋 body in Chinese at a fixed 28 pt
    line, no space between paragraphs. Letters and the annual report start from it."""
    import docx
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    normal = document.styles["Normal"]
    normal.font.size = Pt(16)
    _east_asian(normal.element, DOCX_BODY_FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "zh-CN")
    language.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(language)
    form = normal.paragraph_format
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = Pt(28)
    form.space_before = form.space_after = Pt(0)
    return document


def _docx(letter: Letter) -> bytes:
    """The letter as DOCX: A4, official margins (top 37 mm, bottom 35 mm, left 28 mm,
    right 26 mm), 16 pt body at a fixed 28 pt line, title centred and bold."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = official_docx()

    def paragraph(text: str, *, indent: bool = True, align: Any = None, size: int = 0) -> Any:
        item = document.add_paragraph()
        if indent:
            item.paragraph_format.first_line_indent = Pt(32)
        if align is not None:
            item.alignment = align
        run = item.add_run(text)
        if size:
            run.font.size = Pt(size)
        return item

    heading = paragraph(letter.title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    heading.paragraph_format.line_spacing = Pt(36)
    heading.paragraph_format.space_after = Pt(14)
    title_run = heading.runs[0]
    title_run.bold = True
    title_run.font.size = Pt(22)
    _east_asian(title_run._element, DOCX_TITLE_FONT)
    if letter.number:
        number = paragraph(letter.number, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        number.paragraph_format.space_after = Pt(14)
    paragraph(letter.addressee, indent=False)
    for text in letter.paragraphs:
        paragraph(text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    for index, name in enumerate(letter.attachments, start=1):
        prefix = "附件：" if index == 1 else "　　　"
        paragraph(f"{prefix}{index}. {name}", indent=True)
    # The signature, the date and the contact stay together on one page.
    signer = paragraph(letter.signer, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signer.paragraph_format.space_before = Pt(28)
    dated = paragraph(letter.dated, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    closing = [signer, dated]
    for index, text in enumerate(letter.contact):
        line = paragraph(text, indent=False, size=12)
        line.paragraph_format.line_spacing = Pt(20)
        if index == 0:
            line.paragraph_format.space_before = Pt(28)
        closing.append(line)
    for item in closing[:2]:
        item.paragraph_format.right_indent = Pt(32)
    for item in closing[:-1]:
        item.paragraph_format.keep_with_next = True

    properties = document.core_properties
    properties.title = f"{letter.title} {letter.number}".strip()
    properties.author = letter.signer
    properties.language = "zh-CN"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf(letter: Letter) -> bytes:
    """The letter as PDF (A4, WeasyPrint, Noto CJK fonts embedded) from ``letter.html``."""
    from weasyprint import HTML

    html = render_to_string(f"{TEMPLATES}/letter.html", {"letter": letter})
    return HTML(string=html).write_pdf()


# --- Public functions ------------------------------------------------------------------


def render_docx(reply: Reply) -> bytes:
    """The issued reply letter (the approved ``reply.letter_text``) as DOCX."""
    return _docx(_reply_letter(reply))


def render_pdf(reply: Reply) -> bytes:
    """The issued reply letter (the approved ``reply.letter_text``) as PDF."""
    return _pdf(_reply_letter(reply))


def _fee_letter(notice: FeeNotice) -> Letter:
    return _letter(
        notice.request, title=FEE_TITLE, text=fee_notice_text(notice), dated=notice.issued_on
    )


def _clarification_letter(clarification: Clarification) -> Letter:
    return _letter(
        clarification.request,
        title=CLARIFICATION_TITLE,
        text=clarification_notice_text(clarification),
        dated=clarification.asked_on,
    )


def _extension_letter(extension: Extension) -> Letter:
    return _letter(
        extension.request,
        title=EXTENSION_TITLE,
        text=extension_notice_text(extension),
        dated=extension.notified_on or extension.approved_on,
    )


def fee_notice_docx(notice: FeeNotice) -> bytes:
    return _docx(_fee_letter(notice))


def fee_notice_pdf(notice: FeeNotice) -> bytes:
    return _pdf(_fee_letter(notice))


def clarification_notice_docx(clarification: Clarification) -> bytes:
    return _docx(_clarification_letter(clarification))


def clarification_notice_pdf(clarification: Clarification) -> bytes:
    return _pdf(_clarification_letter(clarification))


def extension_notice_docx(extension: Extension) -> bytes:
    return _docx(_extension_letter(extension))


def extension_notice_pdf(extension: Extension) -> bytes:
    return _pdf(_extension_letter(extension))


NOTICE_KINDS = ("clarification", "extension", "fee")
NOTICE_NAMES = {"clarification": "补正告知书", "extension": "延期答复告知书", "fee": "收费通知书"}


def notice_document(request: Any, kind: str, fmt: str) -> tuple[bytes, str] | None:
    """The notice of ``kind`` (clarification, extension, fee) of ``request`` as DOCX or PDF
    bytes with a file name, made from its record; None if the request has no such notice."""
    from gongkai.disclosure_requests.choices import ExtensionKind
    from gongkai.disclosure_requests.models import Clarification, Extension, FeeNotice

    if kind not in NOTICE_KINDS or fmt not in ("docx", "pdf"):
        return None
    record: Any
    if kind == "clarification":
        record = Clarification.objects.filter(request=request).first()
        render = clarification_notice_docx if fmt == "docx" else clarification_notice_pdf
    elif kind == "extension":
        record = Extension.objects.filter(request=request, kind=ExtensionKind.STATUTORY).first()
        render = extension_notice_docx if fmt == "docx" else extension_notice_pdf
    else:
        record = FeeNotice.objects.filter(request=request).first()
        render = fee_notice_docx if fmt == "docx" else fee_notice_pdf
    if record is None:
        return None
    return render(record), f"{request.tracking_number}-{NOTICE_NAMES[kind]}.{fmt}"
