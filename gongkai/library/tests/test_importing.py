"""Bulk import of historical documents (#3 §8, "Bad input"): manifests, report, idempotence."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from gongkai.accounts.models import Role
from gongkai.accounts.permissions import AccessDenied
from gongkai.cli import Abort
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.library import selectors
from gongkai.library.choices import (
    ChangeKind,
    DisclosureAttribute,
    PublicationState,
    RelationKind,
    Validity,
)
from gongkai.library.import_tasks import ImportJob
from gongkai.library.importing import (
    ImportInterrupted,
    ManifestError,
    import_documents,
    open_manifest,
)
from gongkai.library.models import (
    Attachment,
    Document,
    DocumentChange,
    DocumentRelation,
    IndexSerial,
)
from gongkai.library.tests.factories import draft

HEADER = [
    "单位代码",
    "联合发文单位",
    "标题",
    "文号",
    "索引号",
    "类型",
    "公开类别",
    "主题",
    "重点领域",
    "成文日期",
    "发布日期",
    "施行日期",
    "有效期至",
    "公开属性",
    "不公开理由",
    "理由说明",
    "有效性",
    "摘要",
    "正文",
    "附件",
    "状态",
    "废止",
    "修订",
]


def row(**values: str) -> dict[str, str]:
    """A valid manifest row (a published policy of 经济局); keyword names are field names."""
    names = {
        "unit": "单位代码",
        "co_issuers": "联合发文单位",
        "title": "标题",
        "document_number": "文号",
        "index_number": "索引号",
        "kind": "类型",
        "category": "公开类别",
        "topic": "主题",
        "key_areas": "重点领域",
        "signed_date": "成文日期",
        "published_date": "发布日期",
        "effective_date": "施行日期",
        "valid_until": "有效期至",
        "attribute": "公开属性",
        "withholding_grounds": "不公开理由",
        "attribute_explanation": "理由说明",
        "validity": "有效性",
        "summary": "摘要",
        "body": "正文",
        "files": "附件",
        "state": "状态",
        "repeals": "废止",
        "revises": "修订",
    }
    data = {
        "单位代码": "JJJ",
        "标题": "关于印发生态城促进就业若干措施的通知",
        "文号": "津生经发〔2020〕12号",
        "类型": "其他政策文件",
        "公开类别": "11",
        "主题": "劳动、人事、社会保障",
        "成文日期": "2020-03-02",
        "发布日期": "2020-03-05",
        "公开属性": "主动公开",
        "正文": "各单位：\n　　现将有关措施印发给你们，请认真贯彻执行。",
        "状态": "已发布",
    }
    for name, value in values.items():
        data[names[name]] = value
    return data


def write_csv(
    path: Path, rows: list[dict[str, str]], encoding: str = "utf-8", header: list[str] = HEADER
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], header: list[str] = HEADER) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for data in rows:
        sheet.append([data.get(h, "") for h in header])
    workbook.save(path)
    return path


def run(path: Path, by, **options: Any):
    return import_documents(manifest=open_manifest(path), by=by, **options)


def errors_of(report) -> set[tuple[int, str]]:
    return {(error.row, error.field) for error in report.errors}


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


# --- Valid manifests --------------------------------------------------------------------


def test_valid_rows_become_published_documents_with_history_and_audit(
    tmp_path, office_admin, unit_a, unit_b
):
    """Each row is a published document: index number generated, body sanitised, the import's
    own transition audited once per document and the history dated when it was published."""
    path = write_csv(
        tmp_path / "m.csv",
        [
            row(co_issuers="CZJ", key_areas="就业、医疗医保"),
            row(title="关于开展2021年就业专项行动的通知", document_number="津生经发[2021]3号",
                signed_date="2021/4/1", published_date="2021年4月8日", kind="notice",
                category="（十一）", body="<script>alert(1)</script>第一条"),
        ],
    )  # fmt: skip
    report = run(path, office_admin)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged, report.failed) == (2, 0, 0, 0)
    first, second = Document.objects.order_by("signed_date")
    assert first.index_number == "JJJ/11-2020-00001"
    assert first.state == PublicationState.PUBLISHED
    assert timezone.localtime(first.published_at).date() == datetime.date(2020, 3, 5)
    assert first.attribute == DisclosureAttribute.PROACTIVE
    assert first.validity == Validity.IN_FORCE
    assert first.document_number_key == "津生经发〔2020〕12号"
    assert first.body.startswith("<p>各单位：</p>")
    assert "现将有关措施" in first.body_text
    assert list(first.co_issuers.values_list("code", flat=True)) == ["CZJ"]
    assert sorted(first.key_area_links.values_list("area", flat=True)) == [
        "employment",
        "medical",
    ]
    assert second.kind == "notice"
    assert second.document_number_key == "津生经发〔2021〕3号"
    assert "&lt;script&gt;" in second.body  # plain text: escaped, never markup
    change = DocumentChange.objects.get(document=first)
    assert change.kind == ChangeKind.FIRST_PUBLISHED
    assert timezone.localtime(change.at).date() == datetime.date(2020, 3, 5)
    entries = AuditEntry.objects.filter(object_type="library.Document", via="import")
    assert entries.count() == 2
    entry = entries.get(object_id=str(first.pk))
    assert entry.action == AuditAction.IMPORT
    assert entry.actor == office_admin
    assert entry.after["state"] == "published"
    assert entry.after["co_issuers"] == ["CZJ"]
    assert selectors.public_document(first.index_number) == first


def test_drafts_keep_their_attribute_and_get_a_create_entry(tmp_path, office_admin, unit_a):
    """A 草稿 row is a draft (not public) with the attribute given; its entry is ``create``."""
    path = write_csv(
        tmp_path / "m.csv",
        [
            row(state="草稿", published_date="", attribute="依申请公开",
                withholding_grounds="属于四类过程性信息", attribute_explanation="内部讨论稿。")
        ],
    )  # fmt: skip
    report = run(path, office_admin)

    assert report.errors == []
    document = Document.objects.get()
    assert document.state == PublicationState.DRAFT
    assert document.attribute == DisclosureAttribute.ON_REQUEST
    assert document.withholding_grounds == ["process_information"]
    assert AuditEntry.objects.get(object_id=str(document.pk)).action == AuditAction.CREATE
    assert not DocumentChange.objects.exists()


def test_given_index_number_is_kept_and_generated_numbers_never_repeat_it(
    tmp_path, office_admin, unit_a
):
    """An index number from the manifest is the document's; one in the generated form raises
    the counter, so a later generated number does not collide with it."""
    path = write_csv(
        tmp_path / "m.csv",
        [
            row(document_number="", title="甲", index_number="JJJ/11-2020-00001"),
            row(document_number="", title="乙"),
        ],
    )
    report = run(path, office_admin)

    assert report.errors == []
    assert sorted(Document.objects.values_list("index_number", flat=True)) == [
        "JJJ/11-2020-00001",
        "JJJ/11-2020-00002",
    ]
    assert IndexSerial.objects.get(unit=unit_a, category="11", year=2020).last == 2


def test_expired_normative_document_is_imported_expired(tmp_path, office_admin, unit_a):
    """A normative document whose validity ended is imported as expired."""
    path = write_csv(
        tmp_path / "m.csv",
        [
            row(kind="行政规范性文件", category="01", signed_date="2015-01-05",
                published_date="2015-01-10", effective_date="2015-02-01",
                valid_until="2020-01-31", title="生态城绿色建筑管理办法")
        ],
    )  # fmt: skip
    report = run(path, office_admin)

    assert report.errors == []
    assert Document.objects.get().validity == Validity.EXPIRED


def test_xlsx_manifest_with_field_name_headings_and_date_cells(tmp_path, office_admin, unit_a):
    """An XLSX manifest may use field names as headings and real date cells."""
    header = ["unit", "title", "kind", "category", "signed_date", "body", "document_number"]
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [
            {"unit": "JJJ", "title": "关于某事的通知", "kind": "notice", "category": 5,
             "signed_date": datetime.date(2019, 6, 3), "body": "正文",
             "document_number": "津生经发（2019）第007号"}
        ],
        header=header,
    )  # fmt: skip
    report = run(path, office_admin)

    assert report.errors == []
    document = Document.objects.get()
    assert document.signed_date == datetime.date(2019, 6, 3)
    assert document.category == "05"
    assert document.document_number_key == "津生经发〔2019〕7号"


@pytest.mark.parametrize(("encoding", "name"), [("gbk", "GBK"), ("utf-8-sig", "BOM")])
def test_gbk_and_bom_manifests_are_read(tmp_path, office_admin, unit_a, encoding, name):
    """A CSV saved by Chinese Excel (GBK) or with a UTF-8 byte order mark reads the same."""
    path = write_csv(tmp_path / f"{name}.csv", [row()], encoding=encoding)
    report = run(path, office_admin)

    assert report.errors == []
    assert Document.objects.get().title == "关于印发生态城促进就业若干措施的通知"


# --- Bad input: each problem names its row and column; valid rows are kept ---------------


@pytest.mark.parametrize(
    ("values", "field", "english"),
    [
        ({"unit": "XYZ"}, "unit", "No unit has the code XYZ"),
        ({"co_issuers": "CZJ、NOPE"}, "co_issuers", "No unit has the code NOPE"),
        ({"document_number": "第十二号文件"}, "document_number", "cannot read the document number"),
        (
            {"signed_date": "2020-03-02", "effective_date": "2020-01-01"},
            "effective_date",
            "cannot be before the signed date",
        ),
        ({"published_date": "2020-01-01"}, "published_date", "cannot be before the signed date"),
        ({"signed_date": "2020-13-45"}, "signed_date", "Cannot read the date"),
        (
            {"kind": "行政规范性文件", "category": "01"},
            "valid_until",
            "A normative document needs a valid-until date",
        ),
        (
            {"kind": "行政规范性文件", "category": "01", "valid_until": "2029-03-02"},
            "valid_until",
            "at most 5 years",
        ),
        (
            {"state": "草稿", "published_date": "", "attribute": "不予公开"},
            "withholding_grounds",
            "must cite at least one ground",
        ),
        (
            {"state": "草稿", "published_date": "", "attribute": "依申请公开",
             "withholding_grounds": "属于国家秘密"},
            "attribute_explanation",
            "Explain why",
        ),
        ({"attribute": "依申请公开", "withholding_grounds": "属于国家秘密",
          "attribute_explanation": "涉密"}, "attribute", "Only proactive information"),
        ({"kind": "传单"}, "kind", "Unknown value"),
        ({"category": ""}, "category", "Choose the Art. 20 category"),
        ({"state": "审核中"}, "state", "Unknown state"),
        ({"index_number": "有 空 格"}, "index_number", "may only hold letters"),
        ({"files": "missing.pdf"}, "files", "no folder of files was given"),
        ({"repeals": "津生经发〔2001〕99号"}, "repeals", "No document has"),
        ({"revises": "不是文号"}, "revises", "neither an index number nor a document number"),
    ],
)  # fmt: skip
def test_bad_row_is_reported_with_row_and_column_and_the_others_are_imported(
    tmp_path, office_admin, unit_a, unit_b, values, field, english
):
    """Every bad input gets a bilingual message naming row and column; the valid rows of the
    same manifest are imported all the same."""
    bad = row(**{"title": "有问题的文件", "document_number": "津生经发〔2020〕13号", **values})
    rows = [row(), bad, row(title="另一件", document_number="津生经发〔2020〕14号")]
    report = run(write_csv(tmp_path / "m.csv", rows), office_admin)

    assert (3, field) in errors_of(report)
    assert {error.row for error in report.errors} == {3}
    error = next(e for e in report.errors if e.field == field)
    assert english in error.message_en
    assert error.message_zh  # in Chinese once the catalogue has the msgid
    assert str(error).startswith("第 3 行 [")
    assert "row 3 [" + field + "]" in str(error)
    assert report.created == 2
    assert report.failed == 1
    assert Document.objects.count() == 2
    assert not Document.objects.filter(title="有问题的文件").exists()


def test_duplicate_index_numbers_in_the_manifest_and_clash_with_another_document(
    tmp_path, office_admin, editor_a, unit_a, unit_b
):
    """A repeated index number is refused on the later row; an index number that belongs to
    another unit's document (or another document made outside the import) is a clash."""
    other = draft(unit_b, office_admin)
    mine = draft(unit_a, editor_a, document_number="津生经发〔2019〕1号")
    rows = [
        row(index_number="A/2020-1"),
        row(index_number="A/2020-1", document_number="津生经发〔2020〕2号"),
        row(index_number=other.index_number, document_number="津生经发〔2020〕3号"),
        row(index_number=mine.index_number, document_number="津生经发〔2020〕4号"),
    ]
    report = run(write_csv(tmp_path / "m.csv", rows), office_admin)

    assert errors_of(report) == {(3, "index_number"), (4, "index_number"), (5, "index_number")}
    messages = {e.row: e.message_en for e in report.errors}
    assert "already in row 2" in messages[3]
    assert "another unit" in messages[4]
    assert "another document" in messages[5]
    assert report.created == 1


def test_same_document_number_twice_without_index_numbers_is_refused(
    tmp_path, office_admin, unit_a
):
    """Without index numbers, document number + unit identify a document: a repeat is an
    error of the later row (which would otherwise overwrite the earlier one)."""
    rows = [row(), row(title="重复", document_number="津生经发[2020]第012号")]
    report = run(write_csv(tmp_path / "m.csv", rows), office_admin)

    assert errors_of(report) == {(3, "document_number")}
    assert "Row 2" in report.errors[0].message_en
    assert Document.objects.count() == 1


def _docx(path: Path, text: str) -> Path:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    document.save(str(path))
    return path


def _encrypted_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_files_missing_corrupt_or_password_protected_are_reported(tmp_path, office_admin, unit_a):
    """A file the manifest names must be in DIR, undamaged and not password-protected."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "broken.docx").write_bytes(b"PK\x03\x04 this is not really a docx")
    _encrypted_pdf(files / "locked.pdf")
    _docx(files / "good.docx", "第一条 本办法自印发之日起施行。")
    rows = [
        row(files="absent.pdf", document_number="津生经发〔2020〕1号"),
        row(files="broken.docx", document_number="津生经发〔2020〕2号"),
        row(files="locked.pdf", document_number="津生经发〔2020〕3号"),
        row(files="../m.csv", document_number="津生经发〔2020〕4号"),
        row(files="good.docx", document_number="津生经发〔2020〕5号"),
    ]
    report = run(write_csv(tmp_path / "m.csv", rows), office_admin, files_dir=files)

    assert errors_of(report) == {(r, "files") for r in (2, 3, 4, 5)}
    messages = {e.row: e.message_en for e in report.errors}
    assert "absent.pdf" in messages[2]
    assert "not in the folder" in messages[2]
    assert "damaged" in messages[3]
    assert "password-protected" in messages[4]
    assert "not allowed" in messages[5]
    document = Document.objects.get()
    assert document.attachments.get().original_name == "good.docx"


def test_body_comes_from_the_first_file_with_text_and_txt_is_not_attached(
    tmp_path, office_admin, unit_a
):
    """Without 正文, the body is the text of the first TXT/DOCX/PDF file; DOCX files become
    attachments with their text extracted, TXT files only give text."""
    files = tmp_path / "files"
    files.mkdir()
    text = "第一条 为了规范管理，制定本办法。\r\n第二条 其他。"
    (files / "正文.txt").write_bytes(text.encode("gbk"))
    _docx(files / "附件1.docx", "申请表")
    rows = [row(body="", files="正文.txt; 附件1.docx")]
    report = run(write_csv(tmp_path / "m.csv", rows), office_admin, files_dir=files)

    assert report.errors == []
    document = Document.objects.get()
    assert document.body == "<p>第一条 为了规范管理，制定本办法。</p>\n<p>第二条 其他。</p>"
    attachment = Attachment.objects.get()
    assert attachment.original_name == "附件1.docx"
    assert "申请表" in attachment.text


def test_header_problems_are_one_clear_error(tmp_path):
    """Unknown or repeated headings, or a missing required column, stop the import at once."""
    unknown = write_csv(tmp_path / "a.csv", [], header=["单位代码", "标题", "类型", "作者"])
    with pytest.raises(ManifestError) as caught:
        open_manifest(unknown)
    assert "作者" in caught.value.message_zh
    assert "Unknown column heading" in str(caught.value)
    twice = write_csv(tmp_path / "b.csv", [], header=["单位代码", "标题", "类型", "title"])
    with pytest.raises(ManifestError, match="appears twice"):
        open_manifest(twice)
    missing = write_csv(tmp_path / "c.csv", [], header=["单位代码", "标题"])
    with pytest.raises(ManifestError, match="required column"):
        open_manifest(missing)
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(ManifestError, match="not an .xlsx or .csv"):
        open_manifest(tmp_path / "d.txt")
    (tmp_path / "e.csv").write_bytes(b"%PDF-1.4 not a table")
    with pytest.raises(ManifestError, match="not a CSV text file"):
        open_manifest(tmp_path / "e.csv")


# --- Dry run, idempotence, interruption ----------------------------------------------------


def test_dry_run_reports_everything_and_changes_nothing(tmp_path, office_admin, unit_a):
    """A dry run checks every row, says what would happen and writes nothing at all."""
    rows = [row(), row(unit="NOPE", document_number="津生经发〔2020〕2号")]
    path = write_csv(tmp_path / "m.csv", rows)
    audit_before = AuditEntry.objects.count()
    report = run(path, office_admin, dry_run=True)

    assert report.dry_run
    assert (report.created, report.failed) == (1, 1)
    assert errors_of(report) == {(3, "unit")}
    assert not Document.objects.exists()
    assert not IndexSerial.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_re_running_the_same_manifest_changes_nothing(tmp_path, office_admin, unit_a):
    """The second run finds every document: no new document, no audit entry, no change note."""
    rows = [row(), row(title="第二件", document_number="", index_number="X-1"),
            row(title="第三件", document_number="", co_issuers="WB")]  # fmt: skip
    path = write_csv(tmp_path / "m.csv", rows)
    run(path, office_admin)
    counts = (Document.objects.count(), AuditEntry.objects.count(), DocumentChange.objects.count())

    report = run(path, office_admin)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    after = (Document.objects.count(), AuditEntry.objects.count(), DocumentChange.objects.count())
    assert after == counts


def test_changed_row_updates_its_document_with_a_change_note(tmp_path, office_admin, unit_a):
    """A changed row updates the document through document_update (a public change note)."""
    run(write_csv(tmp_path / "m.csv", [row()]), office_admin)
    document = Document.objects.get()
    title = "关于印发生态城促进就业若干措施（修订）的通知"
    changed = write_csv(tmp_path / "m2.csv", [row(title=title)])

    report = run(changed, office_admin)

    assert (report.created, report.updated) == (0, 1)
    document.refresh_from_db()
    assert document.title.endswith("（修订）的通知")
    note = DocumentChange.objects.get(document=document, kind=ChangeKind.CHANGED)
    assert "import" in note.note
    assert AuditEntry.objects.filter(
        object_id=str(document.pk), action=AuditAction.CHANGE, via="import"
    ).exists()


def test_re_run_after_an_interruption_finishes_without_duplicates(tmp_path, office_admin, unit_a):
    """Ctrl-C after the first batch keeps that batch; running again creates only the rest."""
    rows = [row(title=f"文件{n}", document_number=f"津生经发〔2020〕{n}号") for n in range(1, 6)]
    path = write_csv(tmp_path / "m.csv", rows)

    def interrupt(done: int, total: int, phase: str) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(ImportInterrupted) as caught:
        run(path, office_admin, batch_size=2, progress=interrupt)
    assert caught.value.report.done == 2
    assert Document.objects.count() == 2

    report = run(path, office_admin, batch_size=2)

    assert (report.created, report.unchanged) == (3, 2)
    assert Document.objects.count() == 5
    assert len(set(Document.objects.values_list("index_number", flat=True))) == 5


# --- Relations --------------------------------------------------------------------------


def test_relation_columns_repeal_and_revise_earlier_and_later_rows(tmp_path, office_admin, unit_a):
    """废止/修订 name documents by document number or index number — in the library or anywhere
    in the manifest (a later row too); the targets become repealed or revised, with a banner
    relation and a change note dated when the repealing document was published."""
    rows = [
        row(title="旧办法", document_number="津生经发〔2015〕1号", signed_date="2015-01-05",
            published_date="2015-01-06"),
        row(title="新办法", document_number="津生经发〔2021〕5号", signed_date="2021-05-06",
            published_date="2021-05-07", repeals="津生经发[2015]第1号", revises="IDX-7"),
        row(title="被修改的文件", document_number="", index_number="IDX-7",
            signed_date="2018-02-01", published_date="2018-02-02"),
    ]  # fmt: skip
    report = run(write_csv(tmp_path / "m.csv", rows), office_admin)

    assert report.errors == []
    assert report.relations == 2
    old = Document.objects.get(title="旧办法")
    revised = Document.objects.get(index_number="IDX-7")
    new = Document.objects.get(title="新办法")
    assert old.validity == Validity.REPEALED
    assert revised.validity == Validity.REVISED
    assert [r.source for r in selectors.superseded_by(old)] == [new]
    relation = DocumentRelation.objects.get(target=old)
    assert (relation.kind, relation.applied) == (RelationKind.REPEALS, True)
    change = DocumentChange.objects.get(document=old, kind=ChangeKind.VALIDITY)
    assert "新办法" in change.note
    assert timezone.localtime(change.at).date() == datetime.date(2021, 5, 7)

    again = run(write_csv(tmp_path / "m.csv", rows), office_admin)
    assert (again.relations, again.unchanged) == (0, 3)
    assert DocumentRelation.objects.count() == 2


def test_relation_to_a_row_that_failed_is_reported(tmp_path, office_admin, unit_a):
    """A relation naming a row that could not be imported is reported on the naming row."""
    rows = [
        row(repeals="津生经发〔2019〕9号", document_number="津生经发〔2020〕1号"),
        row(document_number="津生经发〔2019〕9号", title="", signed_date="2019-01-01",
            published_date="2019-01-02"),
    ]  # fmt: skip
    report = run(write_csv(tmp_path / "m.csv", rows), office_admin)

    assert errors_of(report) == {(2, "repeals"), (3, "title")}
    assert "row 3" in next(e for e in report.errors if e.row == 2).message_en
    assert DocumentRelation.objects.count() == 0


# --- Who may import ---------------------------------------------------------------------


def test_unit_staff_cannot_import(tmp_path, editor_a, unit_a):
    """Imports are the Office's: a unit's editor is refused before anything is read."""
    with pytest.raises(AccessDenied):
        run(write_csv(tmp_path / "m.csv", [row()]), editor_a)
    assert not Document.objects.exists()


# --- The command --------------------------------------------------------------------------


def test_command_imports_and_prints_progress_and_summary(tmp_path, office_admin, unit_a):
    """`gongkai import-documents MANIFEST --as USER` imports, draws progress, sums up."""
    path = write_csv(tmp_path / "m.csv", [row()])
    out, err = io.StringIO(), io.StringIO()
    call_command("import_documents", str(path), "--as", office_admin.username, stdout=out,
                 stderr=err)  # fmt: skip

    assert "1 created" in out.getvalue()
    assert "行 rows 1/1" in err.getvalue()
    assert Document.objects.count() == 1


def test_command_dry_run_prints_every_problem_and_exits_1(tmp_path, office_admin, unit_a):
    """A dry run with problems prints each one (row, column, reason) and exits with 1."""
    rows = [row(), row(unit="NOPE", document_number="津生经发〔2020〕2号")]
    path = write_csv(tmp_path / "m.csv", rows)
    out = io.StringIO()
    with pytest.raises(Abort) as caught:
        call_command("import_documents", str(path), "--as", office_admin.username,
                     "--dry-run", stdout=out, stderr=io.StringIO())  # fmt: skip

    assert caught.value.returncode == 1
    assert "第 3 行 [单位代码]" in out.getvalue()
    assert "row 3 [unit]" in out.getvalue()
    assert "1 would be created" in out.getvalue()
    assert not Document.objects.exists()


def test_command_refuses_unit_staff_and_unreadable_manifests(tmp_path, editor_a, office_admin):
    """Only an Office administrator may import; an unreadable manifest is one line."""
    path = write_csv(tmp_path / "m.csv", [row()])
    with pytest.raises(Abort, match="Office"):
        call_command("import_documents", str(path), "--as", editor_a.username)
    bad = write_csv(tmp_path / "bad.csv", [], header=["标题"])
    with pytest.raises(Abort, match="required column"):
        call_command("import_documents", str(bad), "--as", office_admin.username)


# --- The back office ----------------------------------------------------------------------


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    buffer.name = "files.zip"
    return buffer


def _upload(path: Path) -> io.BytesIO:
    buffer = io.BytesIO(path.read_bytes())
    buffer.name = path.name
    return buffer


def test_office_uploads_previews_and_confirms(client, tmp_path, data_dir, office_admin, unit_a):
    """The Office uploads a manifest and a ZIP, sees the dry run's problems per row and
    column, and confirms: the valid rows are imported, the upload kept under imports/."""
    rows = [row(files="附件.txt"), row(unit="NOPE", document_number="津生经发〔2020〕2号")]
    path = write_csv(tmp_path / "m.csv", rows)
    client.force_login(office_admin)

    response = client.post(
        reverse("library:document_import"),
        {"manifest": _upload(path), "archive": _zip({"附件.txt": "附件正文".encode()})},
    )

    assert response.status_code == 302
    status_url = response["Location"]
    page = client.get(status_url).content.decode()
    assert 'id="import-errors"' in page
    assert "单位代码" in page
    assert "NOPE" in page
    assert not Document.objects.exists()
    token = status_url.rstrip("/").rsplit("/", 1)[-1]
    assert (data_dir / "imports" / token / "files" / "附件.txt").is_file()

    response = client.post(reverse("library:document_import_confirm", args=[token]))

    assert response.status_code == 302
    assert Document.objects.count() == 1
    page = client.get(status_url).content.decode()
    assert 'id="import-confirm"' not in page
    errors = client.get(reverse("library:document_import_errors", args=[token]))
    assert "NOPE" in errors.content.decode("utf-8-sig")


def test_back_office_shows_header_problems_on_the_form(client, tmp_path, data_dir, office_admin):
    """A manifest whose header cannot be read is refused on the form, and nothing is kept."""
    path = write_csv(tmp_path / "m.csv", [], header=["单位代码", "作者"])
    client.force_login(office_admin)
    response = client.post(reverse("library:document_import"), {"manifest": _upload(path)})

    assert response.status_code == 200
    assert "作者" in response.content.decode()
    assert not any((data_dir / "imports").iterdir())


def test_large_manifest_is_checked_and_imported_by_the_job_worker(
    client, tmp_path, data_dir, settings, office_admin, unit_a, django_capture_on_commit_callbacks
):
    """Above the synchronous limit the dry run and the import run as background jobs."""
    settings.GONGKAI_LIBRARY = {**settings.GONGKAI_LIBRARY, "IMPORT_SYNC_ROWS": 1}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rows = [row(title=f"文件{n}", document_number=f"津生经发〔2020〕{n}号") for n in (1, 2)]
    path = write_csv(tmp_path / "m.csv", rows)
    client.force_login(office_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("library:document_import"), {"manifest": _upload(path)})
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    job = ImportJob.load(token)
    assert job is not None
    assert job.status()["state"] == "checked"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("library:document_import_confirm", args=[token]))

    assert job.status()["state"] == "done"
    assert Document.objects.count() == 2
    assert job.report("import").created == 2


def test_unit_staff_cannot_use_the_import_pages(client, tmp_path, data_dir, make_user, unit_a):
    """The import pages answer 403 to unit staff, reviewers included."""
    reviewer = make_user("reviewer-a", unit_a, Role.REVIEWER)
    client.force_login(reviewer)
    path = write_csv(tmp_path / "m.csv", [row()])

    assert client.get(reverse("library:document_import")).status_code == 403
    response = client.post(reverse("library:document_import"), {"manifest": _upload(path)})
    assert response.status_code == 403
    assert not Document.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_import_matches_the_plain_one_and_survives_an_interruption(
    tmp_path, office_admin, unit_a
):
    """With a writer thread and the body helper process (large imports), the result is the
    same; Ctrl-C lets the batch being written commit and a re-run finishes the job."""
    rows = [
        row(title=f"文件{n}", document_number=f"津生经发〔2020〕{n}号", body=f"第一条\n第{n}条")
        for n in range(1, 8)
    ]
    path = write_csv(tmp_path / "m.csv", rows)
    calls = []

    def interrupt(done: int, total: int, phase: str) -> None:
        calls.append(done)
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(ImportInterrupted):
        run(path, office_admin, batch_size=2, parallel=True, progress=interrupt)
    written = Document.objects.count()
    assert written >= 2
    assert written % 2 == 0  # whole batches only

    report = run(path, office_admin, batch_size=2, parallel=True)

    assert report.errors == []
    assert (report.created, report.unchanged) == (7 - written, written)
    assert Document.objects.count() == 7
    document = Document.objects.get(title="文件3")
    assert document.body == "<p>第一条</p>\n<p>第3条</p>"
    assert document.body_text == "第一条\n第3条"


def _planner_rows(table: str) -> float | None:
    """What the database's planner believes a table holds (None: SQLite keeps no statistics)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            return float(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 0, "SQLite must keep planning without statistics"
        return None


@pytest.mark.parametrize(("threshold", "refreshed"), [(3, True), (4, False)])
def test_a_big_import_refreshes_the_planner_statistics(
    tmp_path, office_admin, unit_a, monkeypatch, threshold, refreshed
):
    """After a bulk import the planner knows the new rows (PostgreSQL: ANALYZE, so a public list
    walks its index instead of reading every published row; issue #4 §8). SQLite keeps its
    fixed planning rules: no statistics are collected there."""
    from gongkai.library import importing

    monkeypatch.setattr(importing, "ANALYZE_AFTER_ROWS", threshold)
    rows = [row(title=f"第{i}件", document_number="", index_number=f"S-{i}") for i in range(3)]
    before = _planner_rows("library_document")

    report = run(write_csv(tmp_path / "m.csv", rows), office_admin)

    assert report.created == 3
    after = _planner_rows("library_document")
    if before is None:  # SQLite
        assert after is None
    elif refreshed:
        assert after == Document.objects.count() == 3
    else:
        assert after == before
