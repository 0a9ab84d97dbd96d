"""Attachments: what a file really is, whether we accept it, and the text inside it.

Uploads are judged by their content, never by their name alone:

* :func:`sniff` reads the first bytes (and, for zip-based formats, the zip directory) and says
  which allowed kind the file is: PDF, DOCX, XLSX, OFD, PNG, JPEG, GIF, WEBP, or plain text.
  It refuses executables, HTML and other markup, zip bombs (checked from the zip directory
  before any member is unpacked), password-protected files and formats we do not take.
* :func:`check_attachment` adds the rules for an upload: not empty, not larger than the
  caller's limit (50 MB by default), a kind the caller allows, an extension that agrees with the
  content (a DOCX named ``report.pdf`` is refused and the message names the real type, rather
  than silently stored under a misleading name), and a file that really opens.
* :func:`extract_text` returns the text for search and import. Corrupt files raise
  :class:`AttachmentError`; no exception from pypdf, python-docx, openpyxl or the XML parser
  escapes.

Decisions worth knowing:

* A PDF that opens without a password but carries an owner password (printing or copying
  restrictions, common on government PDFs) is accepted. A PDF that needs a password to open
  is refused as password-protected. AES-encrypted PDFs need the ``cryptography`` package to
  decrypt even with an empty password; without it they are refused as encrypted too.
* Word and Excel save a password-protected DOCX/XLSX as an OLE compound file (D0 CF 11 E0):
  such a file named .docx/.xlsx, or one holding an ``EncryptedPackage`` stream, is reported
  as password-protected; other OLE files are old .doc/.xls files, which we do not take.
* Extracted text is not NFKC-normalised (that would turn Chinese full-width punctuation into
  ASCII): only line ends, runs of spaces, NULs, control characters and zero-width characters
  are cleaned.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # noqa: S405 - a type; parsing uses defusedxml

    from docx.document import Document as DocxDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from openpyxl.workbook.workbook import Workbook
    from pypdf import PdfReader

__all__ = [
    "ATTACHMENT_KINDS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_TEXT_CHARS",
    "DEFAULT_MAX_UNPACKED_BYTES",
    "IMPORT_KINDS",
    "AttachmentCheck",
    "AttachmentError",
    "AttachmentKind",
    "check_attachment",
    "extract_text",
    "sniff",
]

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MB
# Zip-based files (DOCX, XLSX, OFD): the sum of the members' unpacked sizes may not exceed this,
MAX_ZIP_MEMBERS = 10_000
DEFAULT_MAX_UNPACKED_BYTES = 200 * MB
# and no member larger than 1 MB may unpack to more than this many times its packed size.
# Office XML packs 5–30 times; a zip bomb packs hundreds or thousands of times.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM = MB
DEFAULT_MAX_TEXT_CHARS = 2_000_000
# XLSX: columns read per row and rows read per workbook (a sheet may declare a million).
MAX_XLSX_COLUMNS = 256
MAX_XLSX_ROWS = 200_000
# Bytes read to decide whether a file is text.
TEXT_SAMPLE = 64 * 1024


class AttachmentKind(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    OFD = "ofd"
    PNG = "png"
    JPEG = "jpeg"
    GIF = "gif"
    WEBP = "webp"
    TXT = "txt"


K = AttachmentKind
#: Kinds accepted as attachments of a document.
ATTACHMENT_KINDS = frozenset({K.PDF, K.DOCX, K.XLSX, K.OFD, K.PNG, K.JPEG, K.GIF, K.WEBP})
#: Kinds accepted by imports, which also take plain text.
IMPORT_KINDS = ATTACHMENT_KINDS | {K.TXT}

EXTENSIONS: dict[str, AttachmentKind] = {
    "pdf": K.PDF,
    "docx": K.DOCX,
    "xlsx": K.XLSX,
    "ofd": K.OFD,
    "png": K.PNG,
    "jpg": K.JPEG,
    "jpeg": K.JPEG,
    "gif": K.GIF,
    "webp": K.WEBP,
    "txt": K.TXT,
}
MIME_TYPES: dict[AttachmentKind, str] = {
    K.PDF: "application/pdf",
    K.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    K.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    K.OFD: "application/ofd",
    K.PNG: "image/png",
    K.JPEG: "image/jpeg",
    K.GIF: "image/gif",
    K.WEBP: "image/webp",
    K.TXT: "text/plain",
}
IMAGE_KINDS = frozenset({K.PNG, K.JPEG, K.GIF, K.WEBP})

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary / Java class
    b"#!",  # script with an interpreter line
    b"\x4c\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcut (.lnk)
)
_OTHER_FORMATS = (
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"{\\rtf", "RTF"),
)
_MARKUP_START = re.compile(
    rb"\s*<(?:!doctype|html|head|body|script|iframe|svg|\?xml|meta|style|link|object|embed"
    rb"|form|div|span|a\s|img|title|table|p[\s>]|!--)",
    re.IGNORECASE,
)
_MARKUP_ANYWHERE = re.compile(rb"<(?:script|html|svg|iframe|object|embed|!doctype)[\s>/]", re.I)
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


class AttachmentError(ValueError):
    """A file we do not accept or cannot read, with the reason in Chinese and English.

    ``str(error)`` is ``"中文 / English"``; ``message_zh`` / ``message_en`` (or
    :meth:`localized`) give one language. ``code`` is one of ``empty``, ``too_large``,
    ``unsupported``, ``extension_mismatch``, ``corrupt``, ``encrypted``, ``executable``,
    ``html`` or ``zip_bomb``.
    """

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")

    def localized(self, language: str | None = None) -> str:
        """The message in ``language`` (default: the active language): English or Chinese."""
        if language is None:
            from django.utils.translation import get_language

            language = get_language() or "zh-hans"
        return self.message_en if language.startswith("en") else self.message_zh


@dataclass(frozen=True)
class AttachmentCheck:
    """An accepted file: its kind from the content, size, extension, MIME type and SHA-256."""

    kind: AttachmentKind
    size: int
    extension: str
    mime_type: str
    sha256: str


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


Source = bytes | bytearray | memoryview | os.PathLike[str] | IO[bytes] | _Readable


# Messages -------------------------------------------------------------------------------------


def _name(filename: str) -> str:
    name = re.sub(r"\s+", " ", filename or "").strip()
    return name if len(name) <= 60 else name[:59] + "…"


def _zh(filename: str) -> str:
    """文件「name」, or 文件 when there is no name."""
    return f"文件「{_name(filename)}」" if _name(filename) else "文件"


def _en(filename: str, what: str = "file") -> str:
    """the file “name”, or the file when there is no name."""
    return f"the {what} “{_name(filename)}”" if _name(filename) else f"the {what}"


def _label(kind: str) -> str:
    return kind.upper()


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{max(n // 1024, 1)} KB"


def _corrupt(filename: str, kind: str = "") -> AttachmentError:
    what = f"{_label(kind)} " if kind else ""
    return AttachmentError(
        "corrupt",
        f"{_zh(filename)}已损坏或不完整，无法作为 {what}文件打开",
        f"{_en(filename, what + 'file')} is damaged or incomplete and cannot be opened",
    )


def _encrypted(filename: str) -> AttachmentError:
    return AttachmentError(
        "encrypted",
        f"{_zh(filename)}受密码保护（已加密），请取消密码后重新上传",
        f"{_en(filename)} is password-protected (encrypted); remove the "
        "password and upload it again",
    )


def _unsupported(
    filename: str, what_zh: str, what_en: str, allowed: Iterable[str]
) -> AttachmentError:
    allowed = set(allowed)
    labels = [_label(kind) for kind in AttachmentKind if kind in allowed]
    kinds, kinds_en = "、".join(labels), ", ".join(labels)
    return AttachmentError(
        "unsupported",
        f"不支持的文件类型：{_zh(filename)}是{what_zh}；可上传 {kinds}",
        f"unsupported file type: {_en(filename)} is {what_en}; allowed types are {kinds_en}",
    )


def _zip_bomb(filename: str) -> AttachmentError:
    return AttachmentError(
        "zip_bomb",
        f"{_zh(filename)}解压后过大或压缩比异常（疑似压缩炸弹），已拒绝",
        f"{_en(filename)} unpacks to too much data or is compressed suspiciously "
        "well (a possible zip bomb) and was refused",
    )


# Reading --------------------------------------------------------------------------------------


def _read(source: Source, limit: int | None = None) -> bytes:
    """The bytes of ``source`` (at most ``limit + 1``); a file's position is restored."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, os.PathLike):
        with open(source, "rb") as fh:
            return fh.read(-1 if limit is None else limit + 1)
    tell, seek = getattr(source, "tell", None), getattr(source, "seek", None)
    try:
        position = tell() if callable(tell) else None
    except (OSError, ValueError):  # an unseekable stream
        position = None
    data = source.read(-1 if limit is None else limit + 1)
    if position is not None and callable(seek):
        seek(position)
    return bytes(data or b"")


def _extension(filename: str) -> str:
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip().rstrip(".")
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


# Sniffing -------------------------------------------------------------------------------------


def sniff(
    source: Source, filename: str = "", *, max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES
) -> AttachmentKind:
    """The kind of a file from its content, or :class:`AttachmentError` if it is not one we take.

    ``filename`` is used in messages, and to tell a password-protected DOCX/XLSX (an OLE file
    named .docx/.xlsx) from an old .doc/.xls. Plain text is reported as ``txt``; whether text is
    accepted is the caller's decision (see :data:`IMPORT_KINDS`).
    """
    data = _read(source)
    if not data:
        raise _empty(filename)
    return _sniff(data, filename, max_unpacked_bytes)


def _empty(filename: str) -> AttachmentError:
    return AttachmentError("empty", f"{_zh(filename)}是空文件", f"{_en(filename)} is empty")


def _sniff(
    data: bytes,
    filename: str,
    max_unpacked_bytes: int,
    allowed: Iterable[str] = ATTACHMENT_KINDS,
) -> AttachmentKind:
    """The kind of ``data``; ``allowed`` only shapes the messages (“allowed types are …”)."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return K.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return K.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return K.JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return K.GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return K.WEBP
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data, filename, max_unpacked_bytes, allowed)
    if head.startswith(_OLE_SIGNATURE):
        if _extension(filename) in {"docx", "xlsx", "pptx"} or _ENCRYPTED_PACKAGE in data:
            raise _encrypted(filename)
        raise _unsupported(
            filename,
            "旧版 Office 文件（.doc/.xls/.wps），请另存为 DOCX 或 XLSX",
            "an old Office file (.doc/.xls/.wps); save it as DOCX or XLSX",
            allowed,
        )
    if head.startswith(_EXECUTABLE_SIGNATURES):
        raise AttachmentError(
            "executable",
            f"{_zh(filename)}是可执行程序或脚本，不允许上传",
            f"{_en(filename)} is an executable program or script and is not allowed",
        )
    for signature, label in _OTHER_FORMATS:
        if head.startswith(signature):
            raise _unsupported(filename, f" {label} 文件", f"a {label} file", allowed)
    sample = data[:TEXT_SAMPLE]
    if _MARKUP_START.match(sample.lstrip(b"\xef\xbb\xbf")) or _MARKUP_ANYWHERE.search(sample):
        raise AttachmentError(
            "html",
            f"{_zh(filename)}是网页（HTML/SVG/XML）或含有脚本，不允许上传",
            f"{_en(filename)} is a web page (HTML/SVG/XML) or contains script and is not allowed",
        )
    if _decode_text(sample, partial=len(data) > TEXT_SAMPLE) is not None:
        return K.TXT
    raise _unsupported(filename, "未知格式的文件", "in an unrecognised format", allowed)


# What zipfile raises on damaged archives (RuntimeError: an encrypted member).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    struct.error,
    zlib.error,
)


def _open_zip(data: bytes, filename: str, max_unpacked_bytes: int) -> zipfile.ZipFile:
    """Open a zip after checking its directory for bombs and encryption (nothing unpacked yet)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise _corrupt(filename) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        archive.close()
        raise _zip_bomb(filename)
    total = 0
    for member in members:
        total += member.file_size
        ratio_limit = MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        if total > max_unpacked_bytes or (
            member.file_size > RATIO_CHECKED_FROM and member.file_size > ratio_limit
        ):
            archive.close()
            raise _zip_bomb(filename)
        if member.flag_bits & 0x1:
            archive.close()
            raise _encrypted(filename)
    return archive


def _sniff_zip(
    data: bytes, filename: str, max_unpacked_bytes: int, allowed: Iterable[str]
) -> AttachmentKind:
    with _open_zip(data, filename, max_unpacked_bytes) as archive:
        names = set(archive.namelist())
        if "OFD.xml" in names or any(name.lower() == "ofd.xml" for name in names):
            return K.OFD
        if "[Content_Types].xml" in names:
            types = _content_types(archive, filename)
            if _WORD_MAIN in types:
                return _main_part(K.DOCX, types[_WORD_MAIN], names, filename)
            if _EXCEL_MAIN in types:
                return _main_part(K.XLSX, types[_EXCEL_MAIN], names, filename)
            if any("macroenabled" in content_type.lower() for content_type in types):
                raise _unsupported(
                    filename,
                    "含宏的 Office 文件（.docm/.xlsm）",
                    "an Office file with macros (.docm/.xlsm)",
                    allowed,
                )
            if "word/document.xml" in names:
                return K.DOCX
            if "xl/workbook.xml" in names:
                return K.XLSX
            raise _unsupported(
                filename,
                "其他 Office 文件（如 PPTX）",
                "another kind of Office file (such as PPTX)",
                allowed,
            )
    raise _unsupported(filename, "压缩包（ZIP）", "a zip archive", allowed)


def _content_types(archive: zipfile.ZipFile, filename: str) -> dict[str, str]:
    """Content type → part name from [Content_Types].xml (overrides only)."""
    root = _parse_xml(_read_member(archive, "[Content_Types].xml", filename), filename)
    types: dict[str, str] = {}
    for element in root.iter():
        if _local(element.tag) == "Override":
            types.setdefault(element.get("ContentType", ""), element.get("PartName", ""))
    return types


def _main_part(
    kind: AttachmentKind, part_name: str, names: set[str], filename: str
) -> AttachmentKind:
    if part_name.lstrip("/") not in names:
        raise _corrupt(filename, kind)
    return kind


def _read_member(archive: zipfile.ZipFile, name: str, filename: str) -> bytes:
    try:
        return archive.read(name)
    except _ZIP_ERRORS as exc:
        raise _corrupt(filename) from exc


def _parse_xml(data: bytes, filename: str) -> Element:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        return fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise _corrupt(filename) from exc


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _decode_text(data: bytes, *, partial: bool = False, sniffing: bool = True) -> str | None:
    """Text from UTF-8 (with or without BOM), UTF-16 with BOM or GB18030; None for binary data.

    ``partial``: ``data`` is the start of a longer file, so a character cut at the end is fine.
    ``sniffing``: control characters (other than tab, line ends and form feed) mean binary data.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            text = decoder.decode(data, final=not partial)
        except UnicodeDecodeError:
            continue
        if sniffing and _BINARY_CONTROL.search(text):
            return None
        return text
    return None


_BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


# Checking an upload ----------------------------------------------------------------------------


def check_attachment(
    source: Source,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed: Iterable[str] = ATTACHMENT_KINDS,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> AttachmentCheck:
    """Accept a file as an attachment or raise :class:`AttachmentError` saying why not.

    Checks, in order: size (``max_bytes``, read from ``source.size`` when it has one, as a
    Django ``UploadedFile`` does, before reading), emptiness, the extension, the content
    (:func:`sniff`), the kind against ``allowed``, the extension against the content, and that
    the file opens (PDF, DOCX, XLSX, OFD: a damaged or password-protected file is refused). A
    file object is read and then returned to where it was, ready to be saved.
    """
    allowed_kinds = frozenset(AttachmentKind(kind) for kind in allowed)
    declared = getattr(source, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(filename, declared, max_bytes)
    data = _read(source, max_bytes)
    if len(data) > max_bytes:
        raise _too_large(filename, len(data), max_bytes)
    if not data:
        raise _empty(filename)
    extension = _extension(filename)
    expected = EXTENSIONS.get(extension)
    if expected is None or expected not in allowed_kinds:
        shown = f".{extension}" if extension else "无扩展名的"
        shown_en = f".{extension}" if extension else "without an extension"
        raise _unsupported(filename, f" {shown} 文件", f"a {shown_en} file", allowed_kinds)
    kind = _sniff(data, filename, max_unpacked_bytes, allowed_kinds)
    if kind not in allowed_kinds:
        raise _unsupported(
            filename, f" {_label(kind)} 文件", f"a {_label(kind)} file", allowed_kinds
        )
    if kind != expected:
        raise AttachmentError(
            "extension_mismatch",
            f"{_zh(filename)}的扩展名是 .{extension}，但内容是 {_label(kind)} "
            f"文件；请将扩展名改为 .{_preferred_extension(kind)} 后重新上传",
            f"{_en(filename)} is named .{extension} but its content is a "
            f"{_label(kind)} file; rename it to .{_preferred_extension(kind)} and upload it again",
        )
    _open(data, kind, filename, max_unpacked_bytes)
    return AttachmentCheck(
        kind=kind,
        size=len(data),
        extension=extension,
        mime_type=MIME_TYPES[kind],
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _too_large(filename: str, size: int, max_bytes: int) -> AttachmentError:
    return AttachmentError(
        "too_large",
        f"{_zh(filename)}过大（{_size(size)}），上限为 {_size(max_bytes)}",
        f"{_en(filename)} is too large ({_size(size)}); the limit is {_size(max_bytes)}",
    )


def _preferred_extension(kind: AttachmentKind) -> str:
    return "jpg" if kind == K.JPEG else kind.value


def _open(data: bytes, kind: AttachmentKind, filename: str, max_unpacked_bytes: int) -> None:
    """Open the file with its library, refusing damaged and password-protected files."""
    if kind == K.PDF:
        _pdf_reader(data, filename)
    elif kind in {K.DOCX, K.XLSX, K.OFD}:
        with _open_zip(data, filename, max_unpacked_bytes) as archive:
            try:
                damaged = archive.testzip()
            except _ZIP_ERRORS as exc:
                raise _corrupt(filename, kind) from exc
            if damaged is not None:
                raise _corrupt(filename, kind)
        if kind == K.DOCX:
            _docx_document(data, filename)
        elif kind == K.XLSX:
            _xlsx_workbook(data, filename).close()
        else:
            _ofd_pages(data, filename, max_unpacked_bytes)
    elif kind == K.PNG and data[12:16] != b"IHDR":
        raise _corrupt(filename, kind)
    elif kind == K.WEBP and data[12:15] != b"VP8":
        raise _corrupt(filename, kind)


# Text extraction ------------------------------------------------------------------------------


def extract_text(
    source: Source,
    kind: str,
    *,
    filename: str = "",
    max_chars: int = DEFAULT_MAX_TEXT_CHARS,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> str:
    """The text of a file of a known ``kind`` (from :func:`sniff` or :func:`check_attachment`).

    PDF: every page (pypdf). DOCX: paragraphs and table cells in document order (python-docx).
    XLSX: each sheet's name, then its rows with cells joined by tabs (openpyxl, values not
    formulas). OFD: the ``TextCode`` elements of each page in order. TXT: UTF-8 (with or without
    BOM), UTF-16 with BOM or GB18030. Images: ``""``. At most ``max_chars`` characters;
    whitespace normalised. A damaged or password-protected file raises :class:`AttachmentError`.
    """
    kind = AttachmentKind(kind)
    if kind in IMAGE_KINDS:
        return ""
    data = _read(source)
    if not data:
        raise _empty(filename)
    if kind == K.PDF:
        text = _pdf_text(data, filename, max_chars)
    elif kind == K.DOCX:
        _open_zip(data, filename, max_unpacked_bytes).close()
        text = _docx_text(data, filename, max_chars)
    elif kind == K.XLSX:
        _open_zip(data, filename, max_unpacked_bytes).close()
        text = _xlsx_text(data, filename, max_chars)
    elif kind == K.OFD:
        text = _ofd_text(data, filename, max_unpacked_bytes, max_chars)
    else:
        decoded = _decode_text(data, sniffing=False)
        if decoded is None:
            decoded = data.decode("gb18030", errors="replace")
        text = decoded
    return _normalize_text(text, max_chars)


_SURROGATES_AND_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f\u200b\ufeff\ud800-\udfff]")
_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_SPACES = re.compile("[ \u00a0]{2,}")
_TRAILING = re.compile(r"[ \t\u00a0\u3000]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def _normalize_text(text: str, max_chars: int) -> str:
    text = _BREAKS.sub("\n", text[: max_chars * 2])
    text = _SURROGATES_AND_CONTROLS.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _TRAILING.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()[:max_chars]


class _Budget:
    """Collects text until ``max_chars`` characters (with some slack for normalising)."""

    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.left = max_chars * 2

    def add(self, text: str) -> bool:
        """Add text; False once the budget is spent."""
        if self.left <= 0:
            return False
        self.parts.append(text[: self.left])
        self.left -= len(text)
        return self.left > 0

    def text(self, separator: str = "\n") -> str:
        return separator.join(self.parts)


def _pdf_reader(data: bytes, filename: str) -> PdfReader:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise _encrypted(filename)
        if len(reader.pages) == 0:
            raise _corrupt(filename, K.PDF)
    except AttachmentError:
        raise
    except (DependencyError, FileNotDecryptedError) as exc:
        raise _encrypted(filename) from exc
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise _corrupt(filename, K.PDF) from exc
    return reader


def _pdf_text(data: bytes, filename: str, max_chars: int) -> str:
    reader = _pdf_reader(data, filename)
    budget = _Budget(max_chars)
    try:
        for page in reader.pages:
            if not budget.add(page.extract_text() or ""):
                break
    except Exception as exc:  # a damaged page or content stream
        raise _corrupt(filename, K.PDF) from exc
    return budget.text("\n\n")


def _docx_document(data: bytes, filename: str) -> DocxDocument:
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx, lxml and zipfile errors on damaged files
        raise _corrupt(filename, K.DOCX) from exc


def _docx_text(data: bytes, filename: str, max_chars: int) -> str:
    document = _docx_document(data, filename)
    budget = _Budget(max_chars)
    try:
        for line in _docx_lines(document):
            if not budget.add(line):
                break
    except Exception as exc:  # malformed XML inside the document
        raise _corrupt(filename, K.DOCX) from exc
    return budget.text()


class _Blocks(Protocol):
    def iter_inner_content(self) -> Iterator[Paragraph | Table]: ...


def _docx_lines(container: _Blocks) -> Iterator[str]:
    """Paragraph texts and table rows (cells joined by tabs), nested tables included."""
    from docx.table import Table as DocxTable

    for block in container.iter_inner_content():
        if isinstance(block, DocxTable):
            for row in block.rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats in every column it spans
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(line for line in _docx_lines(cell) if line.strip()))
                yield "\t".join(cells)
        else:
            yield block.text


def _xlsx_workbook(data: bytes, filename: str) -> Workbook:
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl, zipfile and XML errors on damaged files
        raise _corrupt(filename, K.XLSX) from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date().isoformat()
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


def _xlsx_text(data: bytes, filename: str, max_chars: int) -> str:
    workbook = _xlsx_workbook(data, filename)
    budget = _Budget(max_chars)
    rows_left = MAX_XLSX_ROWS
    try:
        for sheet in workbook.worksheets:
            if not budget.add(sheet.title):
                break
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # trust the cells, not a declared A1:XFD1048576
            for row in sheet.iter_rows(values_only=True, max_col=MAX_XLSX_COLUMNS):
                rows_left -= 1
                if rows_left < 0:
                    break
                values = [_cell_text(value) for value in row]
                while values and not values[-1].strip():
                    values.pop()
                if values and not budget.add("\t".join(values)):
                    break
            if rows_left < 0 or budget.left <= 0:
                break
    except Exception as exc:  # malformed sheet XML
        raise _corrupt(filename, K.XLSX) from exc
    finally:
        workbook.close()
    return budget.text()


def _ofd_pages(data: bytes, filename: str, max_unpacked_bytes: int) -> list[Element]:
    """The content XML of each page of every document in an OFD package, in order."""
    with _open_zip(data, filename, max_unpacked_bytes) as archive:
        names = set(archive.namelist())
        entry = next((n for n in names if n.lower() == "ofd.xml"), None)
        if entry is None:
            raise _corrupt(filename, K.OFD)
        root = _parse_xml(_read_member(archive, entry, filename), filename)
        if _local(root.tag) != "OFD":
            raise _corrupt(filename, K.OFD)
        page_names: list[str] = []
        for doc_root in (e for e in root.iter() if _local(e.tag) == "DocRoot"):
            document_name = _ofd_path("", doc_root.text or "")
            if document_name not in names:
                continue
            document = _parse_xml(_read_member(archive, document_name, filename), filename)
            base = posixpath.dirname(document_name)
            for page in (e for e in document.iter() if _local(e.tag) == "Page"):
                page_name = _ofd_path(base, page.get("BaseLoc", ""))
                if page_name in names:
                    page_names.append(page_name)
        if not page_names:  # no usable DocRoot / Pages: take Page_N/Content.xml in order
            page_names = sorted((n for n in names if _OFD_PAGE.search(n)), key=_ofd_page_order)
        return [_parse_xml(_read_member(archive, n, filename), filename) for n in page_names]


_OFD_PAGE = re.compile(r"(?:^|/)Pages/Page_(\d+)/Content\.xml$")


def _ofd_page_order(name: str) -> tuple[str, int]:
    match = _OFD_PAGE.search(name)
    return (name[: match.start()], int(match[1])) if match else (name, 0)


def _ofd_path(base: str, location: str) -> str:
    """A member name from an OFD location: absolute (/Doc_0/…) or relative to ``base``."""
    location = location.strip().replace("\\", "/")
    path = location.lstrip("/") if location.startswith("/") else posixpath.join(base, location)
    return posixpath.normpath(path) if path else ""


# TextCode elements whose baselines differ by less than this (in mm) are on one line.
_OFD_LINE_TOLERANCE = 1.0


def _ofd_text(data: bytes, filename: str, max_unpacked_bytes: int, max_chars: int) -> str:
    budget = _Budget(max_chars)
    for page in _ofd_pages(data, filename, max_unpacked_bytes):
        lines: list[str] = []
        line_y: float | None = None
        object_y = 0.0
        for element in page.iter():
            name = _local(element.tag)
            if name == "TextObject":
                object_y = _float((element.get("Boundary") or "").split()[1:2], 0.0)
            elif name == "TextCode":
                y = object_y + _float([element.get("Y") or ""], 0.0)
                if line_y is None or abs(y - line_y) > _OFD_LINE_TOLERANCE or not lines:
                    lines.append("")
                line_y = y
                lines[-1] += element.text or ""
        if not budget.add("\n".join(lines)):
            break
    return budget.text("\n\n")


def _float(values: list[str], default: float) -> float:
    try:
        return float(values[0])
    except (IndexError, ValueError):
        return default
