"""Catalogue exports: rows, XLSX and CSV writers, the staff download, the command (#3 §10)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gongkai.accounts.models import Role
from gongkai.cli import Abort
from gongkai.library import exports, services
from gongkai.library.choices import DisclosureAttribute, DocumentKind
from gongkai.library.models import Document
from gongkai.library.tests.factories import draft

HEADINGS = [
    "索引号",
    "标题",
    "文号",
    "发布机构",
    "类别",
    "主题",
    "公开属性",
    "不公开理由",
    "发布状态",
    "有效性",
    "成文日期",
    "发布日期",
    "施行日期",
    "有效期至",
]
URL = "/backoffice/exports/catalogue/"


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def editor_b(make_user, unit_b):
    return make_user("editor-b", unit_b, Role.EDITOR)


@pytest.fixture
def reviewer_b(make_user, unit_b):
    return make_user("reviewer-b", unit_b, Role.REVIEWER)


@pytest.fixture
def catalogue(unit_a, unit_b, editor_a, reviewer_a, editor_b, reviewer_b):
    """Unit A: a published document issued jointly with B, a withheld draft; unit B: a draft."""
    joint = services.document_create(
        unit=unit_a,
        by=editor_a,
        data={
            "title": "关于印发生态城促进就业若干措施的通知",
            "document_number": "津生管发〔2020〕12号",
            "kind": DocumentKind.NORMATIVE,
            "category": "11",
            "topic": "labour",
            "signed_date": datetime.date(2020, 3, 2),
            "effective_date": datetime.date(2020, 4, 1),
            "valid_until": datetime.date(2025, 3, 31),
            "attribute": DisclosureAttribute.PROACTIVE,
        },
        co_issuers=[unit_b],
    )
    services.document_submit(document=joint, by=editor_a)
    services.document_confidentiality_review(document=joint, by=reviewer_a, passed=True)
    services.document_publish(document=joint, by=reviewer_a)
    withheld = draft(
        unit_a,
        editor_a,
        title="甲局内部讨论稿",
        attribute=DisclosureAttribute.WITHHELD,
        withholding_grounds=["process_information", "internal_affairs"],
        attribute_explanation="过程性信息",
    )
    b_draft = draft(unit_b, editor_b, title="乙局草稿", document_number="津生财〔2021〕1号")
    joint.refresh_from_db()
    return {"joint": joint, "withheld": withheld, "b_draft": b_draft}


def _rows(queryset=None, columns=exports.CATALOGUE_COLUMNS) -> list[tuple]:
    return list(exports.catalogue_rows(queryset or Document.objects.all(), columns))


# --- Rows ------------------------------------------------------------------------------------


def test_rows_start_with_the_chinese_headings(db):
    """The first row holds the fourteen Chinese headings, even for an empty catalogue."""
    assert _rows() == [tuple(HEADINGS)]


def test_rows_give_every_column_of_a_document(catalogue):
    """A row has the index number, title, number, issuers, Chinese labels and real dates."""
    rows = {row[0]: dict(zip(HEADINGS, row, strict=True)) for row in _rows()[1:]}
    joint = rows[catalogue["joint"].index_number]

    assert joint["标题"] == "关于印发生态城促进就业若干措施的通知"
    assert joint["文号"] == "津生管发〔2020〕12号"
    assert joint["发布机构"] == "经济局、财政局"
    assert joint["类别"].startswith("（十一）扶贫、教育、医疗")
    assert joint["主题"] == "劳动、人事、社会保障"
    assert joint["公开属性"] == "主动公开"
    assert joint["不公开理由"] == ""
    assert joint["发布状态"] == "已发布"
    assert joint["有效性"] == "现行有效"
    assert joint["成文日期"] == datetime.date(2020, 3, 2)
    assert isinstance(joint["发布日期"], datetime.date)
    assert joint["施行日期"] == datetime.date(2020, 4, 1)
    assert joint["有效期至"] == datetime.date(2025, 3, 31)

    withheld = rows[catalogue["withheld"].index_number]
    assert withheld["公开属性"] == "不予公开"
    assert withheld["不公开理由"].count("；") == 1
    assert "属于四类过程性信息（第十六条）" in withheld["不公开理由"]
    assert withheld["发布状态"] == "草稿"
    assert withheld["发布日期"] is None


def test_labels_are_chinese_whatever_the_active_language(catalogue):
    """The catalogue is a Chinese document: an English page does not make English labels."""
    from django.utils import translation

    with translation.override("en"):
        rows = _rows()
    assert "已发布" in rows[1] + rows[2] + rows[3]


def test_rows_use_the_same_number_of_queries_for_3_or_30_documents(unit_a, unit_b, editor_a):
    """Rows are read in chunks with their units and joint issuers: queries do not grow."""

    def make(count: int) -> None:
        for i in range(count):
            services.document_create(
                unit=unit_a,
                by=editor_a,
                data={"title": f"文件{i}", "kind": DocumentKind.NOTICE},
                co_issuers=[unit_b],
            )

    make(3)
    with CaptureQueriesContext(connection) as few:
        _rows()
    make(27)
    with CaptureQueriesContext(connection) as many:
        rows = _rows()

    assert len(rows) == 31
    assert len(many) == len(few) <= 3
    assert all("body" not in q["sql"].split("FROM")[0] for q in many.captured_queries)


# --- Writers ---------------------------------------------------------------------------------


def test_xlsx_has_bold_frozen_headings_dates_and_text(tmp_path):
    """The XLSX keeps dates as dates and text that looks like a formula as text."""
    path = tmp_path / "catalogue.xlsx"
    rows: list[tuple[exports.Value, ...]] = [
        ("索引号", "标题", "成文日期"),
        ("JJJ/11-2020-00001", "=HYPERLINK(1)", datetime.date(2020, 3, 2)),
    ]

    with path.open("wb") as file:
        assert exports.write_xlsx(rows, file) == 1

    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == ["索引号", "标题", "成文日期"]
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].value == "=HYPERLINK(1)"
    assert sheet["B2"].data_type == "s"
    assert sheet["C2"].value.date() == datetime.date(2020, 3, 2)
    assert sheet["C2"].number_format == "yyyy-mm-dd"


def test_xlsx_drops_characters_a_spreadsheet_cannot_hold(tmp_path):
    """Control characters are removed rather than making the export fail."""
    buffer = io.BytesIO()
    exports.write_xlsx([("标题",), ("生态城\x07通知\x1f",)], buffer)

    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet["A2"].value == "生态城通知"


def test_csv_has_a_bom_iso_dates_and_defused_formulas():
    """CSV is UTF-8 with a BOM; dates are ISO; values starting with = + - @ are quoted as text."""
    buffer = io.BytesIO()
    count = exports.write_csv(
        [("标题", "成文日期", "有效期至"), ("=1+1", datetime.date(2020, 3, 2), None)], buffer
    )

    data = buffer.getvalue()
    assert count == 1
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["标题", "成文日期", "有效期至"], ["'=1+1", "2020-03-02", ""]]


def test_csv_writer_takes_a_text_file_too(tmp_path):
    """A text file (opened with newline="") gets the same CSV."""
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        exports.write_csv([("标题",), ("生态城",)], file)
    assert path.read_bytes() == "\ufeff标题\r\n生态城\r\n".encode()


def test_writers_stream_a_large_catalogue_without_holding_it(tmp_path):
    """100,000 rows go through the CSV writer one chunk at a time: the rows are generated
    lazily and the writer keeps none of them (peak Python memory stays small)."""
    import tracemalloc

    def rows():
        yield tuple(HEADINGS)
        for i in range(100_000):
            yield (
                f"JJJ/11-2020-{i:05d}",
                "关于印发生态城促进就业若干措施的通知",
                "津生管发〔2020〕12号",
                "经济局",
                "类别",
                "主题",
                "主动公开",
                "",
                "已发布",
                "现行有效",
                datetime.date(2020, 3, 2),
                None,
                None,
                datetime.date(2025, 3, 1),
            )

    tracemalloc.start()
    try:
        with (tmp_path / "big.csv").open("wb") as file:
            count = exports.write_csv(rows(), file)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 100_000
    assert (tmp_path / "big.csv").stat().st_size > 10_000_000
    assert peak < 5_000_000


# --- The staff download --------------------------------------------------------------------


def _csv_titles(response) -> list[str]:
    data = b"".join(response.streaming_content).decode("utf-8-sig")
    return sorted(row[1] for row in list(csv.reader(io.StringIO(data)))[1:])


def test_staff_export_is_scoped_to_the_users_units(client, catalogue, editor_b):
    """An editor of B gets B's documents and those B issued jointly, never A's drafts."""
    client.force_login(editor_b)

    response = client.get(URL, {"format": "csv"})

    assert response.status_code == 200
    assert 'filename="catalogue-all-' in response["Content-Disposition"]
    assert _csv_titles(response) == ["乙局草稿", "关于印发生态城促进就业若干措施的通知"]


def test_staff_export_of_own_unit_includes_drafts_and_withheld(client, catalogue, editor_a):
    """A unit's own catalogue has every state, with the grounds of withheld information."""
    client.force_login(editor_a)

    response = client.get(URL, {"format": "xlsx", "unit": "JJJ"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADINGS
    titles = sorted(row[1] for row in rows[1:])
    assert titles == ["关于印发生态城促进就业若干措施的通知", "甲局内部讨论稿"]
    withheld = next(row for row in rows if row[1] == "甲局内部讨论稿")
    assert withheld[6] == "不予公开"
    assert "过程" in withheld[7]


def test_staff_cannot_export_another_units_catalogue(client, catalogue, editor_b):
    """Asking for a unit where the user has no role answers 404, as if it did not exist."""
    client.force_login(editor_b)

    assert client.get(URL, {"format": "csv", "unit": "JJJ"}).status_code == 404
    assert client.get(URL, {"format": "csv", "unit": "NOPE"}).status_code == 404


def test_office_exports_the_whole_catalogue(client, catalogue, office_admin):
    """The Office gets every unit's documents."""
    client.force_login(office_admin)

    response = client.get(URL, {"format": "csv"})

    assert _csv_titles(response) == [
        "乙局草稿",
        "关于印发生态城促进就业若干措施的通知",
        "甲局内部讨论稿",
    ]


def test_staff_export_refuses_an_unknown_format(client, catalogue, editor_a):
    """A format other than xlsx or csv is refused in Chinese and English."""
    client.force_login(editor_a)

    response = client.get(URL, {"format": "pdf"})

    assert response.status_code == 400
    assert "导出格式只能是 xlsx 或 csv" in response.content.decode()
    assert "The export format must be xlsx or csv." in response.content.decode()


def test_staff_export_needs_a_login_and_a_unit(client, catalogue, make_user):
    """Anonymous visitors are sent to the login page; staff without a unit are refused."""
    response = client.get(URL)
    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]

    client.force_login(make_user("nobody"))
    assert client.get(URL).status_code == 403


# --- The command -----------------------------------------------------------------------------


def test_command_writes_the_whole_catalogue_as_xlsx(catalogue, tmp_path):
    """`gongkai export-catalogue --format xlsx OUTPUT` writes every document, every state."""
    path = tmp_path / "catalogue.xlsx"
    out = io.StringIO()

    call_command("export_catalogue", "--format", "xlsx", str(path), stdout=out)

    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADINGS
    assert len(rows) == 4
    assert "exported 3 document(s)" in out.getvalue()
    assert not list(tmp_path.glob(".*.part"))


def test_command_public_catalogue_of_one_unit_as_csv(catalogue, tmp_path):
    """--public keeps published documents (the 公开目录 columns); --unit keeps one unit's."""
    path = tmp_path / "catalogue.csv"

    call_command("export_catalogue", "--public", "--unit", "JJJ", str(path), stdout=io.StringIO())

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["索引号", "标题", "摘要", "成文日期"]
    assert [row[1] for row in rows[1:]] == ["关于印发生态城促进就业若干措施的通知"]


def test_command_explains_bad_input(catalogue, tmp_path):
    """An unknown unit, a format it cannot guess or a missing folder end with one clear line."""
    with pytest.raises(Abort, match="no unit has the code NOPE"):
        call_command("export_catalogue", "--unit", "NOPE", str(tmp_path / "c.csv"))
    with pytest.raises(Abort, match="--format xlsx or --format csv"):
        call_command("export_catalogue", str(tmp_path / "catalogue.txt"))
    with pytest.raises(Abort, match="no such folder"):
        call_command("export_catalogue", str(tmp_path / "missing" / "c.csv"))
    with pytest.raises(Abort, match="only CSV"):
        call_command("export_catalogue", "--format", "xlsx", "-")
