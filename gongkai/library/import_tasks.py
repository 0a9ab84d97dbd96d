"""Back-office document imports: the files of one upload, its status, and the background job.

An upload (a manifest, optionally a ZIP of the files it names) is kept in the data directory
under ``imports/<token>/``: ``manifest.csv``/``.xlsx``, ``files/`` (the ZIP unpacked),
``meta.json`` (who uploaded what), ``status.json`` (state and progress, rewritten after each
batch), ``report-check.json`` (the dry run) and ``report-import.json`` (the import). Keeping
status in a file rather than a table needs no migration, and every web and worker process
sees it, since they share the data directory (uploaded media live there too).

States: ``checking`` → ``checked`` (the dry run's report is ready) → ``importing`` →
``done``; ``failed`` when a run stopped on an unexpected error (re-run it: imports are
idempotent). Small manifests (up to ``GONGKAI_LIBRARY["IMPORT_SYNC_ROWS"]``, default 2,000
rows) are checked and imported in the request; larger ones by :func:`run_document_import`
in the job worker, queued with :func:`~gongkai.core.jobs.enqueue_on_commit`.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import secrets
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from gongkai.accounts.models import User
from gongkai.library.importing import (
    ImportInterrupted,
    ImportReport,
    ManifestError,
    import_documents,
    open_manifest,
)

logger = logging.getLogger("gongkai.library.import")

TOKEN_RE = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{8}")
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_BYTES = 4 * 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200
# Errors kept in a report file (the CSV download has them all up to this many).
MAX_STORED_ERRORS = 50_000


def sync_rows() -> int:
    """Manifests up to this many rows are checked and imported in the request."""
    rules: dict[str, Any] = settings.GONGKAI_LIBRARY
    return int(rules.get("IMPORT_SYNC_ROWS", 2000))


def imports_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


class UploadError(Exception):
    """An uploaded file that cannot be used; ``message`` is a lazy, translatable text."""

    def __init__(self, message: Any, params: Any = None) -> None:
        self.message = message
        self.params = params
        super().__init__(str(message % params if params else message))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` atomically (readers never see half a file)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; ZIPs made on Chinese Windows store names in GBK without saying so."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def unpack_zip(source: IO[bytes] | Path, target: Path) -> int:
    """Unpack a ZIP of files into ``target``; returns the number of files.

    Refuses archives that are not ZIPs, that are encrypted or that unpack to too much (zip
    bombs); member paths are kept relative to ``target`` (no absolute paths, no ``..``).
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadError(_("The file of files is not a valid ZIP archive.")) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadError(
                _("The ZIP archive holds more than %(max)d files."), {"max": MAX_ZIP_MEMBERS}
            )
        total = sum(m.file_size for m in members)
        if total > MAX_ZIP_BYTES or any(
            m.file_size > 1024 * 1024 and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1)
            for m in members
        ):
            raise UploadError(_("The ZIP archive unpacks to too much data."))
        count = 0
        root = target.resolve()
        for member in members:
            name = posixpath.normpath(_member_name(member).replace("\\", "/")).lstrip("/")
            parts = name.split("/")
            if ".." in parts or parts[0] in {"", "."} or parts[0] == "__MACOSX":
                continue
            path = (root / name).resolve()
            if root not in path.parents:
                continue
            if member.flag_bits & 0x1:
                raise UploadError(
                    _("The ZIP archive is password-protected: %(name)s."), {"name": name}
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(member) as src, path.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError):
                raise UploadError(
                    _("The ZIP archive is damaged (%(name)s)."), {"name": name}
                ) from None
            count += 1
    return count


@dataclass
class ImportJob:
    """One uploaded manifest in ``<data dir>/imports/<token>/``."""

    token: str

    @property
    def root(self) -> Path:
        return imports_dir() / self.token

    @classmethod
    def create(
        cls, *, by: User, manifest: Any, manifest_name: str, files: Any | None = None
    ) -> ImportJob:
        """Store an upload (file objects with ``chunks()`` or ``read()``) and check its header.

        Raises :class:`UploadError` or :class:`~gongkai.library.importing.ManifestError`
        (and keeps nothing) when the files cannot be used.
        """
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        job = cls(f"{stamp}-{secrets.token_hex(4)}")
        job.root.mkdir(parents=True)
        try:
            suffix = Path(manifest_name).suffix.lower()
            path = job.root / f"manifest{suffix}"
            _save(manifest, path)
            parsed = open_manifest(path, manifest_name)
            files_dir = None
            if files is not None:
                files_dir = job.root / "files"
                files_dir.mkdir()
                zip_path = job.root / "files.zip"
                _save(files, zip_path)
                unpack_zip(zip_path, files_dir)
                zip_path.unlink()
            limit = sync_rows()
            rows = parsed.count(stop_after=limit)
        except BaseException:
            shutil.rmtree(job.root, ignore_errors=True)
            raise
        _write_json(
            job.root / "meta.json",
            {
                "token": job.token,
                "user_id": by.pk,
                "username": by.get_username(),
                "manifest_name": manifest_name,
                "manifest": path.name,
                "files": bool(files_dir),
                "large": rows > limit,
                "rows": rows if rows <= limit else None,
                "created_at": timezone.now().isoformat(),
            },
        )
        job.set_status("uploaded")
        return job

    @classmethod
    def load(cls, token: str) -> ImportJob | None:
        if not TOKEN_RE.fullmatch(token or ""):
            return None
        job = cls(token)
        return job if (job.root / "meta.json").is_file() else None

    @property
    def meta(self) -> dict[str, Any]:
        return _read_json(self.root / "meta.json")

    @property
    def large(self) -> bool:
        return bool(self.meta.get("large"))

    def status(self) -> dict[str, Any]:
        return _read_json(self.root / "status.json")

    def set_status(self, state: str, **extra: Any) -> None:
        data = {"state": state, "updated": time.time(), **extra}
        _write_json(self.root / "status.json", data)

    def report(self, kind: str) -> ImportReport | None:
        """The report of the dry run (``"check"``) or of the import (``"import"``)."""
        data = _read_json(self.root / f"report-{kind}.json")
        return ImportReport.from_dict(data) if data else None

    def claim(self, step: str) -> bool:
        """Whether this caller may start ``step`` ("check" or "import"): exactly one may."""
        try:
            descriptor = os.open(self.root / f"{step}.claimed", os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return False
        os.close(descriptor)
        return True

    def run(self, *, dry_run: bool) -> ImportReport | None:
        """Run the dry run or the import, keeping status and report in the job's folder."""
        kind = "check" if dry_run else "import"
        meta = self.meta
        state = "checking" if dry_run else "importing"
        user = User.objects.filter(pk=int(meta.get("user_id") or 0)).first()
        started = time.time()
        last = 0.0

        def progress(done: int, total: int, phase: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < 1.0 and done < total:
                return
            last = now
            self.set_status(state, phase=phase, done=done, total=total, started=started)

        self.set_status(state, phase="rows", done=0, total=0, started=started)
        try:
            if user is None:
                raise ManifestError(_("The account that uploaded the manifest no longer exists."))
            manifest = open_manifest(self.root / meta["manifest"], meta.get("manifest_name"))
            report = import_documents(
                manifest=manifest,
                by=user,
                files_dir=self.root / "files" if meta.get("files") else None,
                dry_run=dry_run,
                progress=progress,
                # In a web request (small manifests) no helper process or writer thread.
                parallel=None if meta.get("large") else False,
            )
        except ImportInterrupted as exc:  # the worker was stopped: the batches written stay
            _write_json(self.root / f"report-{kind}.json", exc.report.as_dict(MAX_STORED_ERRORS))
            self.set_status("failed", step=kind, message="interrupted", started=started)
            raise
        except Exception as exc:
            logger.exception("document import %s failed", self.token)
            self.set_status("failed", step=kind, message=str(exc)[:1000], started=started)
            return None
        _write_json(self.root / f"report-{kind}.json", report.as_dict(MAX_STORED_ERRORS))
        self.set_status(
            "checked" if dry_run else "done",
            phase="done",
            done=report.total,
            total=report.total,
            started=started,
        )
        return report


def _save(upload: Any, path: Path) -> None:
    with path.open("wb") as out:
        if hasattr(upload, "chunks"):
            for chunk in upload.chunks():
                out.write(chunk)
        else:
            shutil.copyfileobj(upload, out, 1024 * 1024)


@task()
def run_document_import(token: str, dry_run: bool) -> dict[str, Any] | None:
    """Check (``dry_run``) or import an uploaded manifest in the job worker."""
    job = ImportJob.load(token)
    if job is None:
        logger.warning("document import %s: no such upload", token)
        return None
    report = job.run(dry_run=dry_run)
    return None if report is None else report.as_dict(max_errors=0)
