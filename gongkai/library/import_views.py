"""The Office's document import in the back office: upload, preview the report, confirm.

The preview is a dry run of :func:`gongkai.library.importing.import_documents`; confirming
runs the same function for real. Small manifests (see
:func:`gongkai.library.import_tasks.sync_rows`) run in the request; larger ones in the job
worker, the status page showing their progress. Office administrators only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gongkai.accounts.permissions import is_office
from gongkai.core.jobs import enqueue_on_commit
from gongkai.library.import_tasks import ImportJob, UploadError, run_document_import
from gongkai.library.importing import (
    COLUMNS,
    EXTENSIONS,
    REQUIRED_COLUMNS,
    ManifestError,
    errors_csv,
)

# Errors shown on the page; the CSV download has all of them.
SHOWN_ERRORS = 1000


def office_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A back-office page (signed-in staff, the admin's login) for Office administrators."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_office(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(wrapped)


class UploadForm(forms.Form):
    manifest = forms.FileField(
        label=_("Manifest"),
        help_text=_(
            "CSV (UTF-8 or GBK) or XLSX, one row per document; the first row holds the "
            "column headings."
        ),
    )
    archive = forms.FileField(
        label=_("Files (ZIP)"),
        required=False,
        help_text=_("Optional: a ZIP archive of the DOCX, PDF and TXT files the manifest names."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manifest"].widget.attrs["accept"] = ",".join(EXTENSIONS)
        self.fields["archive"].widget.attrs["accept"] = ".zip"

    def clean_manifest(self) -> Any:
        upload = self.cleaned_data["manifest"]
        if Path(upload.name).suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(
                _("%(name)s is not an .xlsx or .csv file (save .xls workbooks as .xlsx first)."),
                params={"name": upload.name},
            )
        return upload

    def clean_archive(self) -> Any:
        upload = self.cleaned_data.get("archive")
        if upload and Path(upload.name).suffix.lower() != ".zip":
            raise forms.ValidationError(_("The file of files must be a .zip archive."))
        return upload


def _context(request: HttpRequest, title: Any, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


@office_view
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a manifest (and a ZIP of files); the dry run's report follows."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        manifest = form.cleaned_data["manifest"]
        try:
            job = ImportJob.create(
                by=request.user,  # type: ignore[arg-type]  # admin_view: a signed-in user
                manifest=manifest,
                manifest_name=manifest.name,
                files=form.cleaned_data.get("archive"),
            )
        except ManifestError as exc:
            form.add_error("manifest", exc.message)
        except UploadError as exc:
            form.add_error("archive", exc.message % exc.params if exc.params else exc.message)
        else:
            _start(job, dry_run=True)
            return redirect("library:document_import_status", token=job.token)
    columns = [(COLUMNS[name], name, name in REQUIRED_COLUMNS) for name in COLUMNS]
    return TemplateResponse(
        request,
        "library/import_upload.html",
        _context(request, _("Import documents"), form=form, columns=columns),
    )


def _start(job: ImportJob, *, dry_run: bool) -> None:
    """Run the step now (small manifests) or queue it for the job worker."""
    if not job.claim("check" if dry_run else "import"):
        return
    if job.large:
        job.set_status("queued", step="check" if dry_run else "import")
        enqueue_on_commit(run_document_import, token=job.token, dry_run=dry_run)
    else:
        job.run(dry_run=dry_run)


def _job(token: str) -> ImportJob:
    job = ImportJob.load(token)
    if job is None:
        raise Http404
    return job


@office_view
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The upload's state: progress while it runs, then the report (and the confirm button)."""
    job = _job(token)
    state = job.status()
    check = job.report("check")
    result = job.report("import")
    report = result or check
    progress = None
    if state.get("state") in {"checking", "importing"} and state.get("total"):
        done, total = int(state.get("done", 0)), int(state["total"])
        elapsed = max(time.time() - float(state.get("started") or time.time()), 1e-6)
        rate = done / elapsed
        progress = {
            "done": done,
            "total": total,
            "percent": int(100 * done / total) if total else 0,
            "rate": round(rate),
            "eta": int((total - done) / rate) if rate else None,
            "phase": state.get("phase", "rows"),
        }
    running = state.get("state") in {"queued", "checking", "importing", "uploaded"}
    context = _context(
        request,
        _("Import documents"),
        job=job,
        meta=job.meta,
        state=state.get("state", ""),
        message=state.get("message", ""),
        progress=progress,
        running=running,
        report=report,
        is_result=result is not None,
        errors=report.errors[:SHOWN_ERRORS] if report else [],
        problems=report.problem_count if report else 0,
        can_confirm=state.get("state") == "checked" and result is None,
    )
    return TemplateResponse(request, "library/import_status.html", context)


@office_view
@require_POST
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Import the checked manifest: valid rows are written, bad rows skipped."""
    job = _job(token)
    if job.status().get("state") != "checked":
        messages.error(request, _("This manifest cannot be imported now (see its state)."))
    else:
        _start(job, dry_run=False)
    return HttpResponseRedirect(reverse("library:document_import_status", args=[job.token]))


@office_view
def errors(request: HttpRequest, token: str) -> HttpResponse:
    """Every problem of the latest report as CSV (row, column, reason in both languages)."""
    job = _job(token)
    report = job.report("import") or job.report("check")
    if report is None:
        raise Http404
    response = HttpResponse("\ufeff" + errors_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.token}-errors.csv"'
    return response
