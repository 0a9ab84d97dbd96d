"""The annual report's files in the official layout (issue #6 §5): DOCX (also opened in
LibreOffice), PDF (fonts, text and the look of its pages), HTML, XLSX and the report command."""

from __future__ import annotations

import datetime
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pypdf
import pypdfium2
import pytest
from django.core.management import call_command

from gongkai.accounts.models import Role
from gongkai.annual_reports import render, selectors, services
from gongkai.annual_reports.tables import (
    COLUMNS,
    PROACTIVE_COLUMNS,
    PROACTIVE_ROWS,
    REVIEW_COLUMNS,
    ROWS,
)
from gongkai.annual_reports.tests.test_services import _answer, _received
from gongkai.cli import Abort
from gongkai.disclosure_requests import services as request_services
from gongkai.disclosure_requests.choices import ReviewKind, ReviewResult
from gongkai.disclosure_requests.tests import factories

D = datetime.date
SECTION_HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
FORM_LABELS = [
    "第二十条第（一）项",
    "第二十条第（五）项",
    "第二十条第（六）项",
    "第二十条第（八）项",
    "信息内容",
    "本年处理决定数量",
    "本年收费金额（单位：万元）",
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
    "申请人情况",
    "法人或其他组织",
    "行政复议",
    "行政诉讼",
    "未经复议直接起诉",
    "复议后起诉",
]


def _row_labels() -> list[str]:
    """Every official row label of table 三, in the parts the form prints them."""
    parts = []
    for _key, label in ROWS:
        parts += label.removeprefix("三、本年度办理结果").split()
    return parts


ALL_LABELS = [
    *SECTION_HEADINGS,
    *FORM_LABELS,
    *_row_labels(),
    *(label for _k, label in COLUMNS),
    *(label for _k, label in REVIEW_COLUMNS),
    *(label for _k, label in PROACTIVE_ROWS),
    *(label for _k, label in PROACTIVE_COLUMNS),
]


@pytest.fixture
def people(unit_a, make_user):
    return (
        make_user("officer-rr", unit_a, Role.DISCLOSURE_OFFICER),
        make_user("head-rr", unit_a, Role.DISCLOSURE_HEAD),
    )


@pytest.fixture
def report_2025(unit_a, people):
    """经济局's 2025 report: two natural persons and a law firm applied; the firm and one
    person were answered (disclosed), one request carries forward; one review upheld;
    sections written and table 二's figures entered."""
    officer, head = people
    first = _received(unit_a, officer, D(2025, 3, 3))
    _answer(first, officer, head, D(2025, 3, 20))
    firm = _received(unit_a, officer, D(2025, 5, 6), **factories.organisation())
    _answer(firm, officer, head, D(2025, 5, 26))
    _received(unit_a, officer, D(2025, 12, 22))
    request_services.review_record(
        request=first,
        by=officer,
        kind=ReviewKind.REVIEW,
        received_on=D(2025, 4, 10),
        result=ReviewResult.UPHELD,
        decided_on=D(2025, 6, 1),
    )
    report = services.report_open(unit=unit_a, year=2025, by=officer)
    services.report_update(
        report=report,
        by=officer,
        problems="信息更新不够及时。\n下一步将加强培训。",
        other_matters="本年度无其他需要报告的事项。",
        licensing_decisions=17,
        penalty_decisions=4,
        enforcement_decisions=2,
        charges_amount="3.25",
    )
    return selectors.report_data(year=2025, unit=unit_a)


# The report's figures, as the form prints them.
NEW_ROW = ["2", "0", "0", "0", "1", "0", "3"]
DISCLOSED_ROW = ["1", "0", "0", "0", "1", "0", "2"]
FORWARD_ROW = ["1", "0", "0", "0", "0", "0", "1"]
REVIEW_ROW = ["1", "0", "0", "0", "1"] + ["0"] * 10


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _assert_has(text: str, expected: list[str]) -> None:
    squashed = _squash(text)
    missing = [item for item in expected if _squash(item) not in squashed]
    assert not missing, f"missing {missing}"


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _pdf_fonts(data: bytes) -> list[tuple[str, bool]]:
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            faces = [face.get_object() for face in font.get("/DescendantFonts", [])] or [font]
            for face in faces:
                descriptor = face.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found.append((str(face["/BaseFont"]), embedded))
    return found


def _docx_table(document, marker: str):
    return next(t for t in document.tables if any(marker in c.text for c in t.rows[0].cells))


def _row_values(table, label: str, count: int) -> list[str]:
    for row in table.rows:
        texts = [cell.text.strip() for cell in row.cells]
        if label in texts:
            return texts[-count:]
    raise AssertionError(f"no row {label}")


def test_docx_has_the_title_sections_labels_and_figures(report_2025):
    """The DOCX opens with python-docx: the title, the six sections in order, every official
    label of tables 二–四 and the report's figures in their cells."""
    document = docx.Document(io.BytesIO(render.report_docx(report_2025)))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "经济局2025年政府信息公开工作年度报告"
    positions = [paragraphs.index(heading) for heading in SECTION_HEADINGS]
    assert positions == sorted(positions)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    _assert_has(cells + "\n".join(paragraphs), ALL_LABELS)
    requests = _docx_table(document, "申请人情况")
    assert _row_values(requests, "一、本年新收政府信息公开申请数量", 7) == NEW_ROW
    assert _row_values(requests, "（一）予以公开", 7) == DISCLOSED_ROW
    assert _row_values(requests, "（七）总计", 7) == DISCLOSED_ROW
    assert _row_values(requests, "四、结转下年度继续办理", 7) == FORWARD_ROW
    # （三）不予公开 is one merged cell over its eight sub-rows.
    column = [row.cells[1]._tc for row in requests.rows if row.cells[1].text == "（三）不予公开"]
    assert len(column) == 8
    assert len(set(column)) == 1
    review = _docx_table(document, "行政复议")
    assert [c.text for c in review.rows[3].cells] == REVIEW_ROW
    proactive = _docx_table(document, "第二十条第（一）项")
    assert _row_values(proactive, "行政许可", 1) == ["17"]
    assert _row_values(proactive, "行政处罚", 1) == ["4"]
    assert _row_values(proactive, "行政事业性收费", 1) == ["3.25"]
    assert "信息更新不够及时。" in paragraphs
    assert "本年度收取政府信息公开信息处理费0.00元。" in paragraphs
    assert paragraphs.index("本年度无其他需要报告的事项。") > paragraphs.index(SECTION_HEADINGS[5])
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_docx_opens_in_libreoffice(report_2025, tmp_path: Path):
    """LibreOffice converts the DOCX headless to PDF: the labels and the figures are there,
    in an embedded CJK font."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is needed: apt-get install libreoffice-writer-nogui"
    source = tmp_path / "report.docx"
    source.write_bytes(render.report_docx(report_2025))
    subprocess.run(  # noqa: S603 — fixed arguments, a file written by this test
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = (tmp_path / "report.pdf").read_bytes()
    text = _pdf_text(pdf)
    _assert_has(text, [*SECTION_HEADINGS, "申请人情况", "（三）不予公开", "1.属于国家秘密"])
    _assert_has(text, ["一、本年新收政府信息公开申请数量" + "".join(NEW_ROW)])
    assert any("CJK" in name and embedded for name, embedded in _pdf_fonts(pdf))


def test_pdf_embeds_noto_cjk_and_has_the_labels_and_figures(report_2025):
    pdf = render.report_pdf(report_2025)
    fonts = _pdf_fonts(pdf)
    assert all(embedded for _name, embedded in fonts), fonts
    assert any("Noto-Serif-CJK" in name for name, _e in fonts), fonts
    text = _pdf_text(pdf)
    _assert_has(text, ["经济局2025年政府信息公开工作年度报告", *ALL_LABELS])
    _assert_has(text, ["一、本年新收政府信息公开申请数量" + "".join(NEW_ROW)])
    _assert_has(text, ["四、结转下年度继续办理" + "".join(FORWARD_ROW)])
    _assert_has(text, ["".join(REVIEW_ROW), "行政许可17", "行政事业性收费3.25"])


def _dark_rows(image) -> list[int]:
    """For each pixel row of a grey image, how many pixels are dark."""
    width, height = image.size
    pixels = image.tobytes()
    return [
        sum(1 for value in pixels[y * width : (y + 1) * width] if value < 128)
        for y in range(height)
    ]


def _rules(counts: list[int], minimum: int) -> int:
    """Horizontal rules: runs of rows each with at least ``minimum`` dark pixels."""
    rules, inside = 0, False
    for count in counts:
        if count >= minimum and not inside:
            rules += 1
        inside = count >= minimum
    return rules


def test_the_pdf_pages_look_like_the_official_format(report_2025):
    """Rendered to images: A4 pages; the title is centred in the top band below the margin;
    the page of table 三 has its grid of long horizontal rules; the text is not blank."""
    document = pypdfium2.PdfDocument(render.report_pdf(report_2025))
    try:
        assert len(document) >= 2
        for page in document:
            width, height = page.get_size()
            assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)

        first = document[0].render(scale=1).to_pil().convert("L")
        width, height = first.size
        counts = _dark_rows(first)
        assert sum(counts) > 0.005 * width * height  # there is text
        assert sum(counts[: int(height * 0.11)]) == 0  # the top margin (37 mm) is empty
        band = first.crop((0, int(height * 0.11), width, int(height * 0.22)))
        box = band.point(lambda v: 255 if v < 128 else 0).getbbox()
        assert box is not None, "no title in the top band"
        left, _top, right, _bottom = box
        assert abs((left + right) / 2 - width / 2) < width * 0.03, box
        assert right - left > width * 0.4  # a 22 pt title across most of the line

        pages = [page.get_textpage().get_text_range() for page in document]
        index = next(i for i, text in enumerate(pages) if "申请人情况" in text)
        image = document[index].render(scale=1).to_pil().convert("L")
        width, _height = image.size
        rules = _rules(_dark_rows(image), int(width * 0.5))
        # 3 header rows and 25 rows: most of their rules run across half the page or more.
        assert rules >= 25, rules
    finally:
        document.close()


def test_html_is_a_standalone_document_with_the_merged_cells(report_2025):
    html = render.report_html(report_2025)
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html
    assert "<link" not in html
    assert "<script" not in html
    assert "<h1>经济局2025年政府信息公开工作年度报告</h1>" in html
    assert re.search(r'<td rowspan="8" class="label">（三）不予公开</td>', html)
    assert re.search(r'<td rowspan="22" class="label vertical">三、本年度办理结果</td>', html)
    assert '<th colspan="7" class="label" scope="col">申请人情况</th>' in html
    assert '<th colspan="10" class="label" scope="col">行政诉讼</th>' in html
    positions = [html.index(f"<h2>{heading}</h2>") for heading in SECTION_HEADINGS]
    assert positions == sorted(positions)


def test_the_xlsx_holds_numbers_at_the_documented_places(report_2025):
    workbook = openpyxl.load_workbook(io.BytesIO(render.report_xlsx(report_2025)))
    assert workbook.sheetnames == ["说明", "表二", "表三", "表四"]
    info = workbook["说明"]
    assert info["B1"].value == "经济局2025年政府信息公开工作年度报告"
    assert (info["B2"].value, info["B3"].value) == (2025, "JJJ")
    table = workbook["表三"]
    assert table["A2"].value.startswith("（本列数据的勾稽关系为")
    assert table["D2"].value == "申请人情况"
    assert table["A5"].value == "一、本年新收政府信息公开申请数量"
    assert [table.cell(5, col).value for col in range(4, 11)] == [int(v) for v in NEW_ROW]
    assert all(isinstance(table.cell(5, col).value, int) for col in range(4, 11))
    assert table["B9"].value == "（三）不予公开"
    assert table["C9"].value == "1.属于国家秘密"
    assert "B9:B16" in {str(r) for r in table.merged_cells.ranges}
    assert table["A29"].value == "四、结转下年度继续办理"
    assert [table.cell(29, col).value for col in range(4, 11)] == [int(v) for v in FORWARD_ROW]
    review = workbook["表四"]
    assert [review.cell(5, col).value for col in range(1, 16)] == [int(v) for v in REVIEW_ROW]
    proactive = workbook["表二"]
    assert proactive["A8"].value == "行政许可"
    assert proactive["B8"].value == 17
    assert proactive["A15"].value == "行政事业性收费"
    assert float(proactive["B15"].value) == 3.25
    assert render.sheet_ref(3, 3) == "D5"


def test_the_government_report_prints_its_scope_and_a_correction_its_note(
    unit_a, people, report_2025
):
    """The government-wide report states it is the sum of the units; a report reopened for
    a correction prints why."""
    officer, head = people
    government = selectors.report_data(year=2025, unit=None)
    for text in (render.report_html(government), _pdf_text(render.report_pdf(government))):
        _assert_has(text, [selectors.GOVERNMENT_NOTE, "中新天津生态城管委会2025年"])
    report = selectors.report_for(unit_a, 2025)
    report = services.report_review(report=report, by=head)
    report = services.report_publish(report=report, by=officer, today=D(2026, 1, 20))
    report = services.report_reopen(report=report, by=head, reason="更正表三一处数字。")
    data = selectors.report_data(year=2025, unit=unit_a, live=True)
    assert data["correction_note"]
    docx_text = "\n".join(
        p.text for p in docx.Document(io.BytesIO(render.report_docx(data))).paragraphs
    )
    _assert_has(docx_text, ["更正说明：", "更正表三一处数字。"])
    _assert_has(render.report_html(data), ["更正说明：更正表三一处数字。"])
    assert selectors.GOVERNMENT_NOTE not in render.report_html(data)


# --- The command --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf", "xlsx"])
def test_the_report_command_writes_every_format(report_2025, tmp_path: Path, fmt):
    output = tmp_path / f"report.{fmt}"
    call_command(
        "report",
        "annual",
        "--year",
        "2025",
        "--unit",
        "JJJ",
        "--format",
        fmt,
        "--output",
        str(output),
    )
    data = output.read_bytes()
    if fmt == "html":
        assert "经济局2025年政府信息公开工作年度报告" in data.decode()
    elif fmt == "pdf":
        assert data.startswith(b"%PDF")
        assert "申请人情况" in _squash(_pdf_text(data))
    elif fmt == "docx":
        assert docx.Document(io.BytesIO(data)).paragraphs[0].text.startswith("经济局2025年")
    else:
        assert openpyxl.load_workbook(io.BytesIO(data))["表三"]["J5"].value == 3


def test_the_report_command_json_is_the_report_data(report_2025, capsys):
    call_command("report", "annual", "--year", "2025", "--unit", "JJJ")
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == "经济局2025年政府信息公开工作年度报告"
    rows = {row["key"]: row for row in data["requests_table"]["rows"]}
    assert rows["new"]["cells"]["total"] == 3
    assert len(rows["new"]["requests"]["total"]) == 3
    assert data["checks"]["passed"] is True


def test_the_report_command_writes_a_pdf_to_the_byte_stream_without_output(
    report_2025, capfdbinary
):
    call_command("report", "annual", "--year", "2025", "--unit", "JJJ", "--format", "pdf")
    assert capfdbinary.readouterr().out.startswith(b"%PDF")


def test_the_report_command_refuses_a_future_year(db):
    with pytest.raises(Abort, match="2099"):
        call_command("report", "annual", "--year", "2099", "--format", "pdf")


def test_the_report_command_exits_1_when_a_check_fails(unit_a, people, tmp_path: Path):
    """2026 carries over a request the imported 2025 did not carry forward: the file is
    written and the command fails with the chain's message."""
    officer, _head = people
    services.report_import_past_year(unit=unit_a, year=2025, tables_data=_zero_tables(), by=officer)
    _received(unit_a, officer, D(2025, 12, 30))
    output = tmp_path / "report.xlsx"
    with pytest.raises(Abort) as failure:
        call_command(
            "report",
            "annual",
            "--year",
            "2026",
            "--unit",
            "JJJ",
            "--format",
            "xlsx",
            "--output",
            str(output),
        )
    assert failure.value.returncode == 1
    assert output.is_file()


def _zero_tables() -> dict:
    blank = render.blank_data("JJJ", 2025, "经济局")
    return {
        "proactive": {r["key"]: r["cells"] for r in blank["proactive_table"]["rows"]},
        "requests": {r["key"]: r["cells"] for r in blank["requests_table"]["rows"]},
        "review": {g["key"]: g["cells"] for g in blank["review_table"]["groups"]},
        "fees_collected": "0",
    }
