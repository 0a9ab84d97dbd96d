"""Bulk import of units from a spreadsheet goes through the unit services (#2 §4).

Every file here is a real XLSX or CSV written into the test's folder.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from gongkai.cli import Abort
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.units.importing import ImportFileError, import_units, read_rows
from gongkai.units.models import Unit, UnitKind

HEADER_ZH = ["单位代码", "类型", "名称", "英文名称", "主管部门代码", "联系电话", "邮政编码"]
ROWS = [
    ["GTJ", "管委会部门", "规划和国土资源局", "Planning Bureau", "", "022-66661234", 300467],
    ["JYJ", "管委会部门", "教育局", "Education Bureau", "", "(022) 6666 2345", ""],
    ["SQ01", "社区居委会", "和畅社区居委会", "Hechang Community", "", "13812345678", ""],
    ["XX01", "公共企事业单位", "生态城第一学校", "Eco-City No. 1 School", "JYJ", "", ""],
]


def _xlsx(tmp_path, rows, header=HEADER_ZH, name="units.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def _csv(tmp_path, rows, header=HEADER_ZH, encoding="utf-8-sig", name="units.csv"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _import(path, by, **options):
    return import_units(rows=read_rows(path), by=by, **options)


def _errors(report):
    return [(e.row, e.field) for e in report.errors]


def test_office_imports_units_from_an_xlsx_with_chinese_headers(tmp_path, office_admin):
    """Departments, a community and a provider supervised by an earlier row are created."""
    report = _import(_xlsx(tmp_path, ROWS), office_admin)

    assert report.saved
    assert report.created == ["GTJ", "JYJ", "SQ01", "XX01"]
    school = Unit.objects.get(code="XX01")
    assert school.kind == UnitKind.PROVIDER
    assert school.supervising_unit.code == "JYJ"
    assert Unit.objects.get(code="SQ01").kind == UnitKind.COMMUNITY
    gtj = Unit.objects.get(code="GTJ")
    assert (gtj.postcode, gtj.phone) == ("300467", "022-66661234")
    assert Unit.objects.get(code="JYJ").phone == "022-66662345"
    entries = AuditEntry.objects.filter(object_type="units.Unit", action=AuditAction.CREATE)
    assert sorted(entries.values_list("via", flat=True)) == ["import"] * 4


def test_reimporting_the_same_file_changes_nothing(tmp_path, office_admin):
    """A second import of the same file reports every row unchanged and audits nothing."""
    path = _xlsx(tmp_path, ROWS)
    _import(path, office_admin)
    entries = AuditEntry.objects.count()

    report = _import(path, office_admin)

    assert report.saved
    assert (report.created, report.updated) == ([], [])
    assert report.unchanged == ["GTJ", "JYJ", "SQ01", "XX01"]
    assert AuditEntry.objects.count() == entries


def test_a_changed_cell_updates_that_unit_with_an_import_audit_entry(tmp_path, office_admin):
    """Changing one phone number in the sheet updates that unit once, audited as an import."""
    _import(_xlsx(tmp_path, ROWS), office_admin)
    changed = [list(row) for row in ROWS]
    changed[2][5] = "13987654321"

    report = _import(_xlsx(tmp_path, changed, name="again.xlsx"), office_admin)

    assert report.updated == ["SQ01"]
    assert len(report.unchanged) == 3
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE)
    assert entry.via == "import"
    assert entry.actor == office_admin
    assert entry.before == {"phone": "13812345678"}
    assert entry.after == {"phone": "13987654321"}


def test_only_the_columns_present_are_changed(tmp_path, office_admin, unit_a):
    """A sheet with only code and address leaves the unit's other information alone."""
    path = _xlsx(tmp_path, [["JJJ", "和畅路1号"]], header=["code", "address"])

    report = _import(path, office_admin)

    assert report.updated == ["JJJ"]
    unit_a.refresh_from_db()
    assert (unit_a.address, unit_a.phone, unit_a.name_zh) == ("和畅路1号", "022-66668888", "经济局")


def test_bad_rows_are_all_reported_and_nothing_is_saved(tmp_path, office_admin, unit_a):
    """A bad phone in row 3 and an unknown supervising unit in row 4 are both reported by
    row and column; the valid rows are not saved either."""
    rows = [
        ["GTJ", "管委会部门", "规划和国土资源局", "Planning Bureau", "", "022-66661234", ""],
        ["JYJ", "管委会部门", "教育局", "Education Bureau", "", "12", ""],
        ["XX01", "公共企事业单位", "第一学校", "No. 1 School", "NOPE", "", ""],
        ["JJJ", "管委会部门", "经济局", "JJJ Bureau", "", "022-66660000", ""],
    ]

    report = _import(_xlsx(tmp_path, rows), office_admin)

    assert not report.saved
    assert _errors(report) == [(3, "phone"), (4, "supervising_unit")]
    phone, supervisor = report.errors
    assert "请输入有效的电话号码" in phone.message_zh
    assert "Enter a valid phone number" in phone.message_en
    assert str(phone).startswith("第 3 行 [联系电话] 请输入有效的电话号码")
    assert "/ row 3 [phone] Enter a valid phone number" in str(phone)
    assert "NOPE" in supervisor.message_zh
    assert not Unit.objects.filter(code__in=["GTJ", "JYJ", "XX01"]).exists()
    unit_a.refresh_from_db()
    assert unit_a.phone == "022-66668888"
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("rows", "expected", "fragment"),
    [
        (
            [["GTJ", "管委会部门", "规划局", "Planning", "", "", ""]] * 2,
            [(3, "code")],
            "与第 2 行重复",
        ),
        ([["GTJ", "区政府", "规划局", "Planning", "", "", ""]], [(2, "kind")], "区政府"),
        ([["GTJ", "区政府", "规划局", "", "", "", ""]], [(2, "kind"), (2, "name_en")], "区政府"),
        (
            [
                ["XX01", "公共企事业单位", "第一学校", "School", "JYJ", "", ""],
                ["JYJ", "管委会部门", "教育局", "Education", "", "", ""],
            ],
            [(2, "supervising_unit")],
            "须排在本行之前",
        ),
        (
            [
                ["JYJ", "管委会部门", "教育局", "", "", "", ""],
                ["XX01", "公共企事业单位", "第一学校", "School", "JYJ", "", ""],
            ],
            [(2, "name_en"), (3, "supervising_unit")],
            "不能为空",
        ),
        ([["", "管委会部门", "规划局", "Planning", "", "", ""]], [(2, "code")], "必须填写"),
    ],
    ids=[
        "duplicate-code",
        "unknown-kind",
        "every-problem-of-a-row",
        "supervisor-later",
        "supervisor-failed",
        "no-code",
    ],
)
def test_row_problems_are_explained(tmp_path, office_admin, rows, expected, fragment):
    """Duplicate codes, unknown kinds and supervising units not yet imported are row errors."""
    report = _import(_xlsx(tmp_path, rows), office_admin)

    assert _errors(report) == expected
    assert fragment in report.errors[0].message_zh
    assert not Unit.objects.exclude(code="WB").exists()


def test_unit_admin_cannot_change_another_unit_by_import(tmp_path, unit_a, unit_b, unit_admin_a):
    """A unit admin of A importing changes to A and B: B's row is refused, nothing is saved."""
    path = _xlsx(
        tmp_path, [["JJJ", "新地址甲"], ["CZJ", "新地址乙"]], header=["单位代码", "办公地址"]
    )

    report = _import(path, unit_admin_a)

    assert _errors(report) == [(3, "")]
    assert "没有权限" in report.errors[0].message_zh
    assert "not allowed" in report.errors[0].message_en
    unit_a.refresh_from_db()
    unit_b.refresh_from_db()
    assert (unit_a.address, unit_b.address) == ("", "")
    assert not AuditEntry.objects.exists()


def test_unit_admin_updates_own_unit_by_import(tmp_path, unit_a, unit_admin_a):
    """A unit admin may import their own unit's agency information (unchanged kind is fine)."""
    path = _xlsx(tmp_path, [["JJJ", "department", "和畅路1号"]], header=["code", "kind", "address"])

    report = _import(path, unit_admin_a)

    assert report.updated == ["JJJ"]
    assert AuditEntry.objects.get().actor == unit_admin_a


def test_unit_admin_cannot_change_office_only_columns(tmp_path, unit_a, unit_admin_a):
    """Changing the kind of one's own unit is the Office's: the row is refused."""
    path = _xlsx(tmp_path, [["JJJ", "社区居委会"]], header=["code", "kind"])

    report = _import(path, unit_admin_a)

    assert _errors(report) == [(2, "")]
    assert "只有管委会办公室" in report.errors[0].message_zh
    unit_a.refresh_from_db()
    assert unit_a.kind == UnitKind.DEPARTMENT


def test_unit_admin_cannot_create_units_by_import(tmp_path, unit_a, unit_admin_a):
    """Creating a unit needs the Office, through the import too."""
    report = _import(_xlsx(tmp_path, ROWS[:1]), unit_admin_a)

    assert _errors(report) == [(2, "")]
    assert "只有管委会办公室" in report.errors[0].message_zh
    assert not Unit.objects.filter(code="GTJ").exists()


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_is_read_in_chinese_excel_encodings(tmp_path, office_admin, encoding):
    """CSV saved by Chinese Excel (GB18030) or as UTF-8 with or without BOM reads the same."""
    path = _csv(tmp_path, ROWS, encoding=encoding)

    rows = read_rows(path)

    assert rows[0]["name_zh"] == "规划和国土资源局"
    assert rows[0]["kind"] == "管委会部门"
    assert _import(path, office_admin).created == ["GTJ", "JYJ", "SQ01", "XX01"]


def test_empty_rows_are_skipped_and_numbers_become_text(tmp_path):
    """Blank rows are skipped, row numbers stay those of the sheet, numbers become text."""
    path = _xlsx(tmp_path, [[], [" GTJ ", "管委会部门", "规划局", "P", "", 2266661234, 300467.0]])

    rows = read_rows(path)

    assert len(rows) == 1
    assert rows[0]["_row"] == 3
    assert (rows[0]["code"], rows[0]["postcode"], rows[0]["phone"]) == (
        "GTJ",
        "300467",
        "2266661234",
    )


def test_unknown_header_is_reported(tmp_path):
    """A column heading the import does not know is named in the error."""
    path = _xlsx(tmp_path, [["GTJ", "x"]], header=["单位代码", "负责人"])

    with pytest.raises(ImportFileError) as caught:
        read_rows(path)

    assert "负责人" in caught.value.message_zh
    assert "Unknown column heading: 负责人" in caught.value.message_en
    assert "code, credit_code, kind" in caught.value.message_en


def test_a_renamed_pdf_is_refused_clearly(tmp_path):
    """A PDF renamed to .xlsx or .csv is not a spreadsheet, and the error says so."""
    for name in ("units.xlsx", "units.csv"):
        path = tmp_path / name
        path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
        with pytest.raises(ImportFileError, match="不是"):
            read_rows(path)


def test_a_damaged_or_foreign_zip_is_refused_clearly(tmp_path):
    """A Word document or a damaged workbook renamed to .xlsx is not a valid XLSX file."""
    path = tmp_path / "units.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("word/document.xml", "<w:document")

    with pytest.raises(ImportFileError, match="不是有效的 XLSX 表格"):
        read_rows(path)


def test_dry_run_saves_nothing_but_reports_what_would_change(tmp_path, office_admin):
    """A dry run checks every row and counts what would be created, then rolls back."""
    report = _import(_xlsx(tmp_path, ROWS), office_admin, dry_run=True)

    assert report.ok
    assert not report.saved
    assert len(report.created) == 4
    assert not Unit.objects.exclude(code="WB").exists()
    assert not AuditEntry.objects.exists()


def test_progress_is_reported_per_row(tmp_path, office_admin):
    """The progress callback receives (done, total) after each row."""
    calls = []

    _import(_xlsx(tmp_path, ROWS), office_admin, progress=lambda *args: calls.append(args))

    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


# --- The command ---------------------------------------------------------------------


def _command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_units", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_and_shows_progress_and_summary(tmp_path, office_admin):
    """`gongkai import_units FILE --as USER` imports, counts on stderr, sums up on stdout."""
    out, err = _command(_xlsx(tmp_path, ROWS), "--as", "office-admin")

    assert "新建 4 个" in out
    assert "4 created, 0 updated, 0 unchanged" in out
    assert "\r导入 / importing 4/4" in err
    assert Unit.objects.filter(code="XX01").exists()


def test_command_dry_run_saves_nothing(tmp_path, office_admin):
    """--dry-run reports what would happen and leaves the database alone."""
    out, _err = _command(_xlsx(tmp_path, ROWS), "--as", "office-admin", "--dry-run")

    assert "nothing saved: 4 would be created" in out
    assert not Unit.objects.filter(code="GTJ").exists()


def test_command_lists_row_errors_and_exits_1(tmp_path, office_admin):
    """Row problems are printed one per line and the command fails with status 1."""
    rows = [ROWS[0], ["JYJ", "管委会部门", "教育局", "Education", "", "12", ""]]
    err = io.StringIO()

    with pytest.raises(Abort) as caught:
        call_command("import_units", str(_xlsx(tmp_path, rows)), "--as", "office-admin", stderr=err)

    assert caught.value.returncode == 1
    assert "nothing was saved" in str(caught.value)
    assert "第 3 行 [联系电话] 请输入有效的电话号码" in err.getvalue()
    assert not Unit.objects.filter(code="GTJ").exists()


@pytest.mark.parametrize(
    ("name", "content", "username", "fragment"),
    [
        ("units.xlsx", None, "nobody", "nobody"),
        ("units.xls", b"\xd0\xcf\x11\xe0", "office-admin", ".xlsx"),
        ("units.xlsx", b"%PDF-1.4", "office-admin", "XLSX"),
    ],
    ids=["unknown-account", "wrong-extension", "not-a-spreadsheet"],
)
def test_command_fails_with_one_line(tmp_path, office_admin, name, content, username, fragment):
    """An unknown account or an unreadable file ends the command with one line, status 2."""
    path = _xlsx(tmp_path, ROWS) if content is None else tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(Abort) as caught:
        _command(path, "--as", username)

    assert caught.value.returncode == 2
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_command_refuses_an_inactive_account(tmp_path, office_admin):
    """A deactivated account cannot import."""
    office_admin.is_active = False
    office_admin.save(update_fields=["is_active"])

    with pytest.raises(Abort, match="office-admin"):
        _command(_xlsx(tmp_path, ROWS), "--as", "office-admin")


# --- The back office -----------------------------------------------------------------

IMPORT_URL = "admin:units_unit_import"


def _upload(client, path, dry_run=False):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse(IMPORT_URL), data)


def test_office_imports_through_the_back_office(client, tmp_path, office_admin):
    """The Office uploads a sheet; the page shows the counts and the units exist."""
    client.force_login(office_admin)
    assert client.get(reverse(IMPORT_URL)).status_code == 200

    response = _upload(client, _xlsx(tmp_path, ROWS))

    assert response.status_code == 200
    assert "导入完成" in response.text
    assert "新建 4 个" in response.text
    assert Unit.objects.filter(code="XX01").exists()


def test_back_office_shows_row_errors_in_chinese_and_saves_nothing(client, tmp_path, office_admin):
    """Row errors are listed in a table with row, column and the Chinese message."""
    rows = [ROWS[0], ["JYJ", "管委会部门", "教育局", "Education", "", "12", ""]]
    client.force_login(office_admin)

    response = _upload(client, _xlsx(tmp_path, rows))

    table = response.text.split('id="import-errors"')[1].split("</table>")[0]
    assert "<td>3</td><td>联系电话</td>" in table
    assert "请输入有效的电话号码" in table
    assert "未保存任何内容" in response.text
    assert not Unit.objects.filter(code="GTJ").exists()


def test_back_office_shows_row_errors_in_english_under_en(client, tmp_path, office_admin):
    """Under /en/ the same errors are in English."""
    rows = [["JYJ", "管委会部门", "教育局", "Education", "", "12", ""]]
    client.force_login(office_admin)
    path = _xlsx(tmp_path, rows)

    response = client.post(
        "/en" + reverse(IMPORT_URL),
        {"file": SimpleUploadedFile(path.name, path.read_bytes())},
    )

    table = response.text.split('id="import-errors"')[1].split("</table>")[0]
    assert "<td>2</td><td>phone</td>" in table
    assert "Enter a valid phone number" in table


def test_back_office_dry_run_saves_nothing(client, tmp_path, office_admin):
    """The "check only" box reports the counts without saving."""
    client.force_login(office_admin)

    response = _upload(client, _xlsx(tmp_path, ROWS), dry_run=True)

    assert "检查通过" in response.text
    assert not Unit.objects.filter(code="GTJ").exists()


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("units.xlsx", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "不是有效的 XLSX 表格"),
        ("units.csv", b"%PDF-1.7\n\x00\x01binary", "不是文本格式的 CSV 文件"),
        ("units.pdf", b"%PDF-1.7\n", "不是 .xlsx 或 .csv 文件"),
        ("units.csv", b"x" * (5 * 1024 * 1024 + 1), "超过 5 MB"),
    ],
    ids=["pdf-as-xlsx", "pdf-as-csv", "pdf", "too-large"],
)
def test_back_office_refuses_files_that_are_not_spreadsheets(
    client, office_admin, name, content, fragment
):
    """A file that is not a spreadsheet of at most 5 MB is refused with a clear message."""
    client.force_login(office_admin)

    response = client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, content)})

    assert response.status_code == 200
    assert fragment in response.text
    assert 'id="import-report"' not in response.text


def test_editor_has_no_import(client, tmp_path, unit_a, editor_a):
    """Editors see no import link and the page refuses them; nothing is imported."""
    client.force_login(editor_a)

    assert "导入单位" not in client.get(reverse("admin:units_unit_changelist")).text
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert (
        _upload(client, _xlsx(tmp_path, [["JJJ", "篡改"]], header=["code", "address"])).status_code
        == 403
    )
    unit_a.refresh_from_db()
    assert unit_a.address == ""


def test_unit_admin_and_office_see_the_import_link(client, unit_admin_a, office_admin):
    """Unit admins and the Office find the import on the unit list."""
    for user in (unit_admin_a, office_admin):
        client.force_login(user)
        page = client.get(reverse("admin:units_unit_changelist")).text
        assert reverse(IMPORT_URL) in page
        assert "导入单位" in page


def test_unit_admin_import_refuses_other_units_in_the_page(
    client, tmp_path, unit_a, unit_b, unit_admin_a
):
    """Through the page too, a unit admin's row for another unit is refused and nothing saved."""
    client.force_login(unit_admin_a)
    path = _xlsx(tmp_path, [["JJJ", "新地址"], ["CZJ", "新地址"]], header=["code", "address"])

    response = _upload(client, path)

    assert "您没有权限执行此操作" in response.text
    unit_a.refresh_from_db()
    assert unit_a.address == ""
