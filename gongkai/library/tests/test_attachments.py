"""Attachments are judged by their content; their text is extracted without library errors.

Every file here is generated in the test: real DOCX (python-docx), XLSX (openpyxl) and PDF
(written by hand, encrypted with pypdf), a hand-made OFD package, tiny images.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from gongkai.library.attachments import (
    ATTACHMENT_KINDS,
    DEFAULT_MAX_BYTES,
    IMPORT_KINDS,
    AttachmentError,
    AttachmentKind,
    check_attachment,
    extract_text,
    sniff,
)

# Builders -------------------------------------------------------------------------------------


def make_pdf(lines: list[str], chinese: list[str] = ()) -> bytes:
    """A minimal valid one-page PDF: ASCII lines in Helvetica, Chinese lines in STSong-Light.

    The Chinese font is not embedded; its UniGB-UCS2-H encoding is enough for text extraction.
    """
    ops = ["BT /F1 12 Tf 72 720 Td 14 TL"]
    ops += [f"({line}) Tj T*" for line in lines]
    ops.append("ET")
    if chinese:
        ops.append("BT /F2 12 Tf 72 600 Td 14 TL")
        ops += [f"<{line.encode('utf-16-be').hex()}> Tj T*" for line in chinese]
        ops.append("ET")
    content = "\n".join(ops).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R /F2 6 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [7 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def encrypt_pdf(pdf: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password, owner_password)  # RC4: no extra crypto package needed
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("关于做好2020年政务公开工作的通知", level=1)
    document.add_paragraph("各单位：根据津生管发〔2020〕12号文件，现将有关事项通知如下。")
    table = document.add_table(rows=2, cols=3)
    for column, text in enumerate(["事项", "责任单位", "时限"]):
        table.cell(0, column).text = text
    table.cell(1, 0).text = "公开指南"
    table.cell(1, 1).text = "委办"
    table.cell(1, 2).text = "2020年6月"
    document.add_paragraph("特此通知。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "工作要点"
    sheet.append(["序号", "事项", "完成时限", "数量"])
    sheet.append([1, "权责清单公开", "2020-06-30", 3.0])
    sheet.append([2, "政策解读", None, 1.5])
    sheet["F1"] = "=1+1"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


OFD_NS = "http://www.ofdspec.org/2016"


def make_ofd(pages: list[list[tuple[float, str]]]) -> bytes:
    """An OFD package: OFD.xml → Doc_0/Document.xml → Pages/Page_N/Content.xml.

    Each page is a list of (y, text) TextObjects; equal y means the same line.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" '
            'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID>'
            "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody>"
            "</ofd:OFD>",
        )
        page_refs = "".join(
            f'<ofd:Page ID="{10 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>'
            for n in range(len(pages))
        )
        archive.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
            "<ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID></ofd:CommonData>"
            f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>",
        )
        for n, objects in enumerate(pages):
            texts = "".join(
                f'<ofd:TextObject ID="{20 + i}" Boundary="20 {y} 170 5" Font="1" Size="3.5">'
                f'<ofd:TextCode X="0" Y="4">{text}</ofd:TextCode></ofd:TextObject>'
                for i, (y, text) in enumerate(objects)
            )
            archive.writestr(
                f"Doc_0/Pages/Page_{n}/Content.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}">'
                f'<ofd:Content><ofd:Layer ID="2">{texts}</ofd:Layer></ofd:Content></ofd:Page>',
            )
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def make_png() -> bytes:
    """A valid 1×1 grey PNG."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + png_chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88"
# An OLE compound file as Word writes a password-protected DOCX (header and stream name only).
ENCRYPTED_OOXML = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"\x00" * 504
    + "EncryptionInfo".encode("utf-16-le")
    + b"\x00" * 50
    + "EncryptedPackage".encode("utf-16-le")
    + b"\x00" * 100
)


def make_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def error_of(call, *args, **kwargs) -> AttachmentError:
    with pytest.raises(AttachmentError) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.message_zh in str(error)
    assert error.message_en in str(error)
    return error


# Accepted files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "filename", "kind"),
    [
        (lambda: make_pdf(["Hello"]), "通知.pdf", "pdf"),
        (make_docx, "通知.docx", "docx"),
        (make_xlsx, "清单.XLSX", "xlsx"),
        (lambda: make_ofd([[(10, "政务公开")]]), "公告.ofd", "ofd"),
        (make_png, "图.png", "png"),
        (lambda: JPEG, "photo.jpg", "jpeg"),
        (lambda: JPEG, "photo.jpeg", "jpeg"),
        (lambda: GIF, "动图.gif", "gif"),
        (lambda: WEBP, "pic.webp", "webp"),
    ],
)
def test_allowed_files_are_accepted_with_their_real_kind(builder, filename, kind, tmp_path):
    """Each allowed kind passes check_attachment; sniff names it from the bytes alone."""
    data = builder()
    path = tmp_path / filename
    path.write_bytes(data)
    check = check_attachment(path, filename)
    assert check.kind == kind
    assert check.size == len(data)
    assert check.extension == filename.rsplit(".", 1)[1].lower()
    assert check.mime_type
    assert len(check.sha256) == 64
    assert sniff(data) == kind
    assert sniff(path, "anything.bin") == kind


def test_file_objects_are_read_and_rewound(tmp_path):
    """An uploaded file object is returned to its position, ready to be saved."""
    data = make_docx()
    upload = io.BytesIO(data)
    assert check_attachment(upload, "a.docx").kind == AttachmentKind.DOCX
    assert upload.tell() == 0
    assert upload.read() == data


def test_django_uploaded_file_is_accepted():
    """A Django UploadedFile (the view's input) works directly, its size checked first."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("通知.pdf", make_pdf(["Hello"]), content_type="text/html")
    assert check_attachment(upload, upload.name).mime_type == "application/pdf"
    upload.size = 10**9  # declared size is checked before anything is read
    assert error_of(check_attachment, upload, upload.name).code == "too_large"


def test_text_is_accepted_only_where_imports_allow_it():
    """Plain text is an import format, not an attachment."""
    text = "关于做好政务公开工作的通知\n津生管发〔2020〕12号".encode()
    assert sniff(text) == "txt"
    assert check_attachment(text, "通知.txt", allowed=IMPORT_KINDS).kind == "txt"
    error = error_of(check_attachment, text, "通知.txt")
    assert error.code == "unsupported"
    assert "TXT" not in error.message_en.split("allowed types are")[1]
    assert AttachmentKind.TXT not in ATTACHMENT_KINDS


# Refused files --------------------------------------------------------------------------------


def test_empty_file_is_refused():
    """An empty file is refused by every entry point as 空文件 / empty."""
    for call, args in [
        (check_attachment, (b"", "空.pdf")),
        (sniff, (b"", "空.pdf")),
        (extract_text, (b"", "pdf")),
    ]:
        error = error_of(call, *args)
        assert error.code == "empty"
        assert "空文件" in error.message_zh


def test_oversize_file_is_refused_with_the_limit_named():
    """The caller sets the limit; the message names the size and the limit."""
    data = make_pdf(["x" * 80] * 40)
    error = error_of(check_attachment, data, "大.pdf", max_bytes=1024)
    assert error.code == "too_large"
    assert "1 KB" in error.message_zh
    assert "the limit is 1 KB" in error.message_en
    assert check_attachment(data, "大.pdf", max_bytes=len(data)).size == len(data)
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_renamed_file_is_refused_and_the_real_type_named(tmp_path):
    """A DOCX named report.pdf is refused: the message says it is a DOCX."""
    error = error_of(check_attachment, make_docx(), "report.pdf")
    assert error.code == "extension_mismatch"
    assert ".pdf" in error.message_zh
    assert "DOCX" in error.message_zh
    assert "rename it to .docx" in error.message_en
    assert error_of(check_attachment, make_png(), "photo.jpg").code == "extension_mismatch"
    assert error_of(check_attachment, make_pdf(["x"]), "a.docx").code == "extension_mismatch"


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "setup.pdf", "executable"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "tool.docx", "executable"),
        (b"#!/bin/sh\nrm -rf /\n", "run.txt", "executable"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "page.pdf", "html"),
        (b"\xef\xbb\xbf  <html><script>alert(1)</script>", "page.txt", "html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.png", "html"),
        ("说明\n<script>alert(1)</script>".encode(), "说明.txt", "html"),
        (b"Rar!\x1a\x07\x00" + b"\x00" * 50, "a.pdf", "unsupported"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 50, "a.pdf", "unsupported"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.doc", "unsupported"),
        (b"\x00\x01\x02\x03binary\xff\xfe\x00", "a.pdf", "unsupported"),
        (b"hello", "noextension", "unsupported"),
        (b"hello", "a.exe", "unsupported"),
    ],
)
def test_unsafe_and_unknown_content_is_refused(data, filename, code):
    """Executables, web pages, archives, old Office files and unknown types are refused."""
    allowed = IMPORT_KINDS if filename.endswith(".txt") else ATTACHMENT_KINDS
    assert error_of(check_attachment, data, filename, allowed=allowed).code == code


def test_zip_that_is_not_an_office_file_is_refused():
    """A plain zip, or an Office file we do not take (PPTX), is unsupported."""
    error = error_of(check_attachment, make_zip({"a.txt": b"hello"}), "a.docx")
    assert error.code == "unsupported"
    assert "ZIP" in error.message_zh
    pptx = make_zip(
        {
            "[Content_Types].xml": b'<Types xmlns="x"><Override PartName="/ppt/presentation.xml"'
            b' ContentType="application/vnd.openxmlformats-officedocument.presentationml.'
            b'presentation.main+xml"/></Types>',
            "ppt/presentation.xml": b"<p/>",
        }
    )
    assert error_of(sniff, pptx, "slides.pptx").code == "unsupported"


def test_macro_enabled_office_files_are_refused():
    """A macro-enabled Word file is refused even when named .docx."""
    docm = make_zip(
        {
            "[Content_Types].xml": b'<Types xmlns="x"><Override PartName="/word/document.xml"'
            b' ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
            "word/document.xml": b"<w/>",
            "word/vbaProject.bin": b"\x00" * 10,
        }
    )
    error = error_of(check_attachment, docm, "macro.docx")
    assert error.code == "unsupported"
    assert "宏" in error.message_zh


def test_password_protected_office_file_is_refused():
    """Word's encrypted DOCX is an OLE file; it is reported as password-protected."""
    error = error_of(check_attachment, ENCRYPTED_OOXML, "机密.docx")
    assert error.code == "encrypted"
    assert "受密码保护" in error.message_zh
    assert "password-protected" in error.message_en
    assert error_of(sniff, ENCRYPTED_OOXML, "renamed.pdf").code == "encrypted"
    # Only the OLE signature: the name says it was a DOCX.
    header_only = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert error_of(check_attachment, header_only, "机密.xlsx").code == "encrypted"


def test_password_protected_pdf_is_refused():
    """A PDF that needs a password to open is refused as password-protected."""
    locked = encrypt_pdf(make_pdf(["secret text"]), "secret")
    for call, args in [(check_attachment, (locked, "a.pdf")), (extract_text, (locked, "pdf"))]:
        error = error_of(call, *args)
        assert error.code == "encrypted"
        assert "password-protected" in error.message_en


def test_pdf_with_only_an_owner_password_is_accepted():
    """Restrictions on printing or copying do not stop reading: such PDFs are accepted."""
    restricted = encrypt_pdf(make_pdf(["open text"]), "", "owner-secret")
    assert check_attachment(restricted, "a.pdf").kind == "pdf"
    assert extract_text(restricted, "pdf") == "open text"


def test_encrypted_zip_member_is_password_protected():
    """A zip with encrypted members is reported as password-protected."""
    data = bytearray(make_docx())
    # Set the "encrypted" flag on every member in the local headers and central directory.
    for signature, flag_offset in [(b"PK\x03\x04", 6), (b"PK\x01\x02", 8)]:
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flag_offset] |= 0x01
            start += 4
    assert error_of(check_attachment, bytes(data), "a.docx").code == "encrypted"


@pytest.mark.parametrize(
    ("builder", "filename"),
    [
        (make_docx, "a.docx"),
        (lambda: make_pdf(["Hello"]), "a.pdf"),
        (make_xlsx, "a.xlsx"),
        (lambda: make_ofd([[(10, "文字")]]), "a.ofd"),
    ],
)
@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_files_are_corrupt(builder, filename, cut):
    """A cut-off DOCX, PDF, XLSX or OFD is refused as damaged, never a library error."""
    data = builder()
    truncated = data[: int(len(data) * cut)]
    error = error_of(check_attachment, truncated, filename)
    assert error.code == "corrupt"
    assert "损坏" in error.message_zh
    kind = filename.rsplit(".", 1)[1]
    assert error_of(extract_text, truncated, kind).code in {"corrupt", "unsupported"}


def test_damaged_member_data_is_corrupt():
    """A DOCX whose XML is not XML, or whose packed data is damaged, does not open."""
    data = make_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/document.xml"] = b"<w:document><not-closed>"
    broken_xml = make_zip(members)
    assert error_of(check_attachment, broken_xml, "a.docx").code == "corrupt"
    assert error_of(extract_text, broken_xml, "docx").code == "corrupt"

    flipped = bytearray(data)
    body = flipped.find(b"word/document.xml") + 60
    flipped[body : body + 40] = bytes(b ^ 0xFF for b in flipped[body : body + 40])
    assert error_of(check_attachment, bytes(flipped), "a.docx").code == "corrupt"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.4\nnot really a pdf", "pdf"),
        (b"PK\x03\x04garbage", "docx"),
        (b"PK\x03\x04garbage", "xlsx"),
        (b"PK\x03\x04garbage", "ofd"),
        (make_zip({"a.txt": b"x"}), "docx"),
        (make_zip({"a.txt": b"x"}), "xlsx"),
        (make_zip({"a.txt": b"x"}), "ofd"),
        (make_zip({"OFD.xml": b"<!DOCTYPE x [<!ENTITY a 'b'>]><OFD>&a;</OFD>"}), "ofd"),
        (make_zip({"OFD.xml": b"<NotOFD/>"}), "ofd"),
    ],
)
def test_extract_text_never_leaks_library_errors(data, kind):
    """Whatever the bytes, extract_text returns text or raises AttachmentError."""
    assert error_of(extract_text, data, kind).code == "corrupt"


def test_png_without_header_chunk_is_corrupt():
    """A PNG signature without an IHDR chunk is a damaged image."""
    assert error_of(check_attachment, b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "a.png").code == (
        "corrupt"
    )


def test_zip_bomb_is_refused_before_unpacking():
    """A member that packs far too well, or members too large in total, are refused."""
    bomb = make_zip({"word/document.xml": b"\x00" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    for call, args in [
        (check_attachment, (bomb, "bomb.docx")),
        (sniff, (bomb,)),
        (extract_text, (bomb, "docx")),
        (extract_text, (bomb, "ofd")),
    ]:
        error = error_of(call, *args)
        assert error.code == "zip_bomb"
        assert "zip bomb" in error.message_en
    # A real DOCX unpacks to more than 1 KB: the caller's limit applies to the total.
    assert error_of(check_attachment, make_docx(), "a.docx", max_unpacked_bytes=1024).code == (
        "zip_bomb"
    )


def test_zip_with_too_many_members_is_refused():
    """More than 10,000 members is treated as a zip bomb."""
    many = make_zip({f"f{n}.txt": b"" for n in range(10_001)})
    assert error_of(sniff, many).code == "zip_bomb"


def test_messages_name_the_file_and_follow_the_language():
    """Messages name the file; localized() follows the active language."""
    from django.utils import translation

    error = error_of(check_attachment, b"", "空白.pdf")
    assert "空白.pdf" in error.message_zh
    assert "空白.pdf" in error.message_en
    with translation.override("en"):
        assert error.localized() == error.message_en
    assert error.localized("zh-hans") == error.message_zh


# Text extraction ------------------------------------------------------------------------------


def test_pdf_text_from_every_page_with_chinese():
    """PDF text keeps ASCII and Chinese lines in order."""
    data = make_pdf(
        ["Notice on openness", "Second line"], chinese=["政务公开〔2020〕12号", "第二行"]
    )
    text = extract_text(data, "pdf")
    assert text == "Notice on openness\nSecond line\n政务公开〔2020〕12号\n第二行"


def test_docx_text_has_paragraphs_and_table_cells_in_order(tmp_path):
    """DOCX text is paragraphs and table rows (cells joined by tabs) in order."""
    path = tmp_path / "通知.docx"
    path.write_bytes(make_docx())
    text = extract_text(path, AttachmentKind.DOCX)
    assert text.splitlines() == [
        "关于做好2020年政务公开工作的通知",
        "各单位：根据津生管发〔2020〕12号文件，现将有关事项通知如下。",
        "事项\t责任单位\t时限",
        "公开指南\t委办\t2020年6月",
        "特此通知。",
    ]


def test_docx_merged_and_nested_cells_appear_once():
    """A merged cell is read once; a table inside a cell is read too."""
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "合并单元格"
    inner = table.cell(1, 0).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "内表甲"
    inner.cell(0, 1).text = "内表乙"
    table.cell(1, 1).text = "右"
    out = io.BytesIO()
    document.save(out)
    text = extract_text(out.getvalue(), "docx")
    assert text.count("合并单元格") == 1
    assert "内表甲\t内表乙" in text
    assert text.endswith("右")


def test_xlsx_text_has_sheet_names_and_values_not_formulas():
    """XLSX text is the sheet name, then rows of values joined by tabs."""
    text = extract_text(make_xlsx(), "xlsx")
    assert text.splitlines() == [
        "工作要点",
        "序号\t事项\t完成时限\t数量",
        "1\t权责清单公开\t2020-06-30\t3",
        "2\t政策解读\t\t1.5",
    ]
    assert "=1+1" not in text  # formulas are not text; no cached value was saved


def test_xlsx_declared_huge_dimension_does_not_blow_up():
    """A sheet claiming A1:XFD1048576 is read by its real cells."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["只有一行"])
    out = io.BytesIO()
    workbook.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = re.sub(
        rb"<dimension ref=\"[^\"]*\"\s*/>", b'<dimension ref="A1:XFD1048576"/>', sheet
    )
    assert b"XFD1048576" in members["xl/worksheets/sheet1.xml"]
    assert extract_text(make_zip(members), "xlsx") == "Sheet\n只有一行"


def test_ofd_text_follows_pages_and_lines():
    """OFD text joins TextCode on one line and separates lines and pages."""
    data = make_ofd(
        [
            [(10, "关于"), (10, "土地征收"), (10, "的公告"), (20, "新征告〔2024〕5号")],
            [(10, "第二页")],
        ]
    )
    assert extract_text(data, "ofd") == "关于土地征收的公告\n新征告〔2024〕5号\n\n第二页"


def test_ofd_without_document_root_falls_back_to_page_files():
    """Without a usable DocRoot the Page_N files are read in numeric order."""
    data = make_ofd([[(10, "一")], [(10, "二")], [(10, "三")]] + [[(10, str(n))] for n in range(8)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["OFD.xml"] = f'<ofd:OFD xmlns:ofd="{OFD_NS}"><ofd:DocBody/></ofd:OFD>'.encode()
    text = extract_text(make_zip(members), "ofd")
    assert text.split("\n\n") == ["一", "二", "三", "0", "1", "2", "3", "4", "5", "6", "7"]


@pytest.mark.parametrize(
    "encoded",
    [
        "政务公开，\r\n\r\n\r\n\r\n第二段。".encode(),
        "\ufeff政务公开，\r\n\r\n\r\n\r\n第二段。".encode(),
        "政务公开，\r\n\r\n\r\n\r\n第二段。".encode("gb18030"),
        "政务公开，\r\n\r\n\r\n\r\n第二段。".encode("utf-16"),
    ],
)
def test_txt_text_in_utf8_gb18030_or_utf16(encoded):
    """Plain text is decoded from UTF-8, UTF-8 with BOM, GB18030 or UTF-16."""
    assert sniff(encoded) == "txt"
    assert extract_text(encoded, "txt") == "政务公开，\n\n第二段。"


def test_text_is_cleaned_but_full_width_punctuation_kept():
    """NULs, controls and zero-width characters go; full-width ，：（）and 　 stay (no NFKC)."""
    raw = (
        "　　第一条\u200b（目的）：\x00为了…   公开，  \x07\n\n\n\n\n（二）ＡＢＣ１２３\t表格 "
    ).encode()
    assert extract_text(raw, "txt") == "第一条（目的）：为了… 公开，\n\n（二）ＡＢＣ１２３\t表格"


def test_text_is_capped():
    """Extracted text stops at max_chars."""
    data = ("政务公开" * 1000).encode()
    assert len(extract_text(data, "txt", max_chars=100)) == 100
    long_docx = docx.Document()
    for _ in range(200):
        long_docx.add_paragraph("政务公开" * 50)
    out = io.BytesIO()
    long_docx.save(out)
    assert len(extract_text(out.getvalue(), "docx", max_chars=1000)) == 1000


@pytest.mark.parametrize(("data", "kind"), [(make_png(), "png"), (JPEG, "jpeg"), (GIF, "gif")])
def test_images_have_no_text(data, kind):
    """Images give empty text."""
    assert extract_text(data, kind) == ""


def test_extract_text_reads_paths(tmp_path: Path):
    """extract_text accepts a path as well as bytes and file objects."""
    path = tmp_path / "a.ofd"
    path.write_bytes(make_ofd([[(0, "路径")]]))
    assert extract_text(path, "ofd") == "路径"


@functools.cache
def samples() -> dict[str, bytes]:
    return {
        "docx": make_docx(),
        "xlsx": make_xlsx(),
        "pdf": make_pdf(["Hello"], chinese=["中文"]),
        "ofd": make_ofd([[(10, "文字")]]),
        "png": make_png(),
        "txt": "政务公开".encode(),
    }


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["docx", "xlsx", "pdf", "ofd", "png", "txt"]), data=st.data())
def test_property_damaged_files_raise_only_attachment_errors(kind, data):
    """Flipped, deleted or inserted bytes give a result or an AttachmentError, nothing else."""
    damaged = bytearray(samples()[kind])
    for _ in range(data.draw(st.integers(1, 6))):
        if not damaged:
            break
        position = data.draw(st.integers(0, len(damaged) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if action == "flip":
            damaged[position] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del damaged[position : position + data.draw(st.integers(1, 50))]
        else:
            damaged[position:position] = data.draw(st.binary(min_size=1, max_size=20))
    for call, args, kwargs in [
        (check_attachment, (bytes(damaged), f"x.{kind}"), {"allowed": IMPORT_KINDS}),
        (extract_text, (bytes(damaged), kind), {}),
    ]:
        try:
            call(*args, **kwargs)
        except AttachmentError:
            pass
