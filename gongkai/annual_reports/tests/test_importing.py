"""Reading a past year from the XLSX layout (issue #6 §7): export → import round-trips, a
hand-filled blank template, bad files with the sheet and cell named, and the command."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from gongkai.accounts.models import Role
from gongkai.annual_reports import render, selectors, services
from gongkai.annual_reports.importing import blank_template_xlsx, read_past_year_xlsx
from gongkai.annual_reports.models import AnnualReport, ReportSource
from gongkai.annual_reports.tables import COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, ROWS
from gongkai.cli import Abort


@pytest.fixture
def officer(unit_a, make_user):
    return make_user("officer-imp", unit_a, Role.DISCLOSURE_OFFICER)


def _tables() -> dict:
    """A consistent year: 5 natural persons and 2 firms; 3 + 1 disclosed, 1 + 1 not held,
    1 person carried forward; a review corrected, a lawsuit pending; fees 25.50 yuan."""
    requests = {row: {column: 0 for column, _l in COLUMNS} for row, _l in ROWS}
    requests["new"].update(natural_person=5, business=2, total=7)
    requests["disclosed"].update(natural_person=3, business=1, total=4)
    requests["unable_1"].update(natural_person=1, business=1, total=2)
    requests["results_total"].update(natural_person=4, business=2, total=6)
    requests["carried_forward"].update(natural_person=1, total=1)
    review = {group: {column: 0 for column, _l in REVIEW_COLUMNS} for group, _l in REVIEW_GROUPS}
    review["review"].update(corrected=1, total=1)
    review["litigation"].update(pending=1, total=1)
    return {
        "proactive": {
            "rule": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative": {"issued": 3, "repealed": 1, "in_force": 9},
        },
        "requests": requests,
        "review": review,
        "fees_collected": "25.50",
    }


def _imported(unit_a, officer) -> AnnualReport:
    report, _changed = services.report_import_past_year(
        unit=unit_a,
        year=2023,
        tables_data=_tables(),
        by=officer,
        figures={"licensing_decisions": 12, "penalty_decisions": 3, "charges_amount": "1.2345"},
    )
    return report


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _save(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_export_then_import_gives_the_same_tables_and_figures(unit_a, officer):
    """An imported year exported to XLSX reads back to the same tables and figures."""
    _imported(unit_a, officer)
    exported = render.report_xlsx(selectors.report_data(year=2023, unit=unit_a))
    parsed = read_past_year_xlsx(exported)
    assert parsed["unit_code"] == "JJJ"
    assert parsed["year"] == 2023
    assert parsed["tables"] == _tables()
    assert parsed["figures"] == {
        "licensing_decisions": 12,
        "penalty_decisions": 3,
        "enforcement_decisions": 0,
        "charges_amount": "1.2345",
    }
    # Importing the export again changes nothing.
    report, changed = services.report_import_past_year(
        unit=unit_a, year=2023, tables_data=parsed["tables"], figures=parsed["figures"], by=officer
    )
    assert changed is False


def test_a_platform_years_export_round_trips(unit_a, officer):
    """A computed (empty) year of the platform: the tables read back as they were."""
    data = selectors.report_data(year=2024, unit=unit_a)
    parsed = read_past_year_xlsx(render.report_xlsx(data))
    assert parsed["tables"]["requests"] == {
        r["key"]: r["cells"] for r in data["requests_table"]["rows"]
    }
    assert parsed["tables"]["review"] == {
        g["key"]: g["cells"] for g in data["review_table"]["groups"]
    }


def test_a_hand_filled_blank_template_imports(unit_a, officer):
    """The blank template, filled in by hand (numbers typed, a number typed as text, blank
    cells), imports; the report shows the figures."""
    workbook = _workbook(blank_template_xlsx("JJJ", 2022))
    assert workbook["说明"]["B4"].value == "经济局"
    sheet = workbook["表三"]
    sheet["D5"] = 2  # 一、新收 / 自然人
    sheet["J5"] = "2"  # 总计, typed as text
    sheet["D7"] = 2  # （一）予以公开
    sheet["J7"] = 2
    sheet["D28"] = 2  # （七）总计
    sheet["J28"] = 2
    sheet["E6"] = None  # blank: 0
    workbook["表二"]["B8"] = 5  # 行政许可
    workbook["说明"]["B5"] = 10.5
    parsed = read_past_year_xlsx(io.BytesIO(_save(workbook)))
    assert parsed["tables"]["requests"]["new"]["total"] == 2
    assert parsed["tables"]["fees_collected"] == "10.50"
    report, changed = services.report_import_past_year(
        unit=unit_a,
        year=parsed["year"],
        tables_data=parsed["tables"],
        figures=parsed["figures"],
        by=officer,
    )
    assert changed
    assert report.source == ReportSource.IMPORTED
    assert report.licensing_decisions == 5
    assert report.published_data["fees_collected"]["amount"] == "10.50"


def test_a_hand_filled_template_that_does_not_add_up_is_refused(unit_a, officer):
    """New requests without results or carried-forward: services name the failing relation."""
    workbook = _workbook(blank_template_xlsx("JJJ", 2022))
    workbook["表三"]["D5"] = 3
    workbook["表三"]["J5"] = 3
    parsed = read_past_year_xlsx(_save(workbook))
    with pytest.raises(ValidationError) as error:
        services.report_import_past_year(
            unit=unit_a, year=2022, tables_data=parsed["tables"], by=officer
        )
    assert "“自然人”列：一（3）+ 二（0）= 3" in " ".join(error.value.messages)
    assert not AnnualReport.objects.filter(year=2022).exists()


def test_a_file_that_is_not_xlsx_is_refused(tmp_path: Path):
    with pytest.raises(ValidationError, match="not a valid XLSX"):
        read_past_year_xlsx(b"%PDF-1.7 not a workbook")
    path = tmp_path / "report.xlsx"
    path.write_text("单位,年度\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="不是有效的 XLSX"):
        read_past_year_xlsx(path)


def test_a_missing_sheet_is_named(db):
    workbook = _workbook(blank_template_xlsx("JJJ", 2022))
    del workbook["表四"]
    with pytest.raises(ValidationError, match="缺少工作表“表四”"):
        read_past_year_xlsx(_save(workbook))


def test_a_cell_that_is_not_a_whole_number_is_named(db):
    workbook = _workbook(blank_template_xlsx("JJJ", 2022))
    workbook["表三"]["C9"] = "x"  # a label changed is named too
    workbook["表三"]["F9"] = 1.5
    workbook["表四"]["A5"] = "三"
    workbook["表二"]["B4"] = -1
    with pytest.raises(ValidationError) as error:
        read_past_year_xlsx(_save(workbook))
    messages = " ".join(error.value.messages)
    assert "「表三 F9」应为不小于 0 的整数" in messages
    assert "「表四 A5」" in messages
    assert "「表二 B4」" in messages
    assert "「表三 C9」应为“1.属于国家秘密”，现为“x”" in messages
    assert "table" not in messages.split("/")[0]  # Chinese first, then English
    assert "表三 F9: a whole number ≥ 0 is needed" in messages


def test_moved_labels_are_named(db):
    """Rows inserted above the table move every label: each misplaced label is named."""
    workbook = _workbook(blank_template_xlsx("JJJ", 2022))
    workbook["表三"].insert_rows(5)
    with pytest.raises(ValidationError) as error:
        read_past_year_xlsx(_save(workbook))
    messages = " ".join(error.value.messages)
    assert "「表三 A5」应为“一、本年新收政府信息公开申请数量”" in messages
    assert "labels must not move" in messages


# --- The command --------------------------------------------------------------------------


def test_the_import_command_creates_then_finds_it_unchanged(unit_a, officer, tmp_path, capsys):
    _imported(unit_a, officer)
    path = tmp_path / "2023.xlsx"
    path.write_bytes(render.report_xlsx(selectors.report_data(year=2023, unit=unit_a)))
    AnnualReport.objects.all().delete()
    call_command("report", "import-past-year", str(path), "--as", officer.username, "--dry-run")
    assert "check passed" in capsys.readouterr().out
    assert not AnnualReport.objects.exists()
    call_command("report", "import-past-year", str(path), "--as", officer.username)
    assert "created" in capsys.readouterr().out
    report = AnnualReport.objects.get(unit=unit_a, year=2023)
    assert report.imported_tables["requests"]["new"]["total"] == 7
    assert report.charges_amount == Decimal("1.2345")
    call_command("report", "import-past-year", str(path), "--as", officer.username)
    assert "unchanged" in capsys.readouterr().out


def test_the_import_command_lists_the_problems_and_exits_1(unit_a, officer, tmp_path, capsys):
    workbook = _workbook(blank_template_xlsx("JJJ", 2022))
    workbook["表三"]["D5"] = 3
    workbook["表三"]["J5"] = 3
    path = tmp_path / "bad.xlsx"
    path.write_bytes(_save(workbook))
    with pytest.raises(Abort) as failure:
        call_command("report", "import-past-year", str(path), "--as", officer.username)
    assert failure.value.returncode == 1
    assert "“自然人”列" in capsys.readouterr().err
    assert not AnnualReport.objects.exists()
    path.write_bytes(b"not a workbook")
    with pytest.raises(Abort) as failure:
        call_command("report", "import-past-year", str(path), "--as", officer.username)
    assert failure.value.returncode == 1
    assert "XLSX" in capsys.readouterr().err


def test_the_import_command_refuses_the_current_year(unit_a, officer, tmp_path, capsys):
    path = tmp_path / "2026.xlsx"
    path.write_bytes(blank_template_xlsx("JJJ", 2026))
    with pytest.raises(Abort):
        call_command("report", "import-past-year", str(path), "--as", officer.username)
    assert "2026" in capsys.readouterr().err
