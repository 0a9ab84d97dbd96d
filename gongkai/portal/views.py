"""Public portal pages. They read through the selectors of :mod:`gongkai.units` and
:mod:`gongkai.library`, and write nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Field, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongkai.core.validators import UNIT_CODE_RE
from gongkai.library import selectors as library_selectors
from gongkai.library.attachments import MIME_TYPES
from gongkai.library.choices import ChangeKind, PublicationState, RelationKind, Validity
from gongkai.library.exports import NOT_LOADED, PUBLIC_COLUMNS, export_documents
from gongkai.library.importing import INDEX_NUMBER_RE
from gongkai.library.models import Attachment, Document, DocumentKeyArea
from gongkai.library.sanitize import sanitize_body
from gongkai.portal.forms import DocumentFilterForm, UnitFilterForm
from gongkai.portal.rows import page_of_rows
from gongkai.units import selectors
from gongkai.units.models import Unit, UnitKind

# Headings for the groups of units, in the order the portal shows them.
KIND_HEADINGS: dict[str, Any] = {
    UnitKind.DEPARTMENT: _("Departments of the administrative committee"),
    UnitKind.COMMUNITY: _("Community committees"),
    UnitKind.PROVIDER: _("Public service providers"),
}


HOME_UNIT_FIELDS = ("code", "kind", "name_zh", "name_en")


def _grouped_by_kind(units: Iterable[Unit]) -> list[dict[str, Any]]:
    """Units in groups, departments first, then community committees, then providers."""
    groups: dict[str, list[Unit]] = {kind: [] for kind in KIND_HEADINGS}
    for unit in units:
        groups.setdefault(unit.kind, []).append(unit)
    return [
        {"kind": kind, "heading": KIND_HEADINGS.get(kind, kind), "units": members}
        for kind, members in groups.items()
        if members
    ]


def home(request: HttpRequest) -> HttpResponse:
    # The home page links the units by name: their other columns are not read (issue #4 §8).
    units = selectors.public_unit_list().select_related(None).only(*HOME_UNIT_FIELDS)
    groups = _grouped_by_kind(units)
    return render(request, "portal/home.html", {"groups": groups, "nav": "home"})


def unit_directory(request: HttpRequest) -> HttpResponse:
    groups = _grouped_by_kind(selectors.public_unit_list())
    return render(request, "portal/unit_directory.html", {"groups": groups, "nav": "units"})


def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    if not UNIT_CODE_RE.match(code):  # e.g. a NUL byte, which PostgreSQL refuses
        raise Http404(_("There is no unit with this code."))
    try:
        unit = selectors.public_unit(code)
    except Unit.DoesNotExist:
        raise Http404(_("There is no unit with this code.")) from None
    return render(request, "portal/unit_detail.html", {"unit": unit, "nav": "units"})


# --- Government information (issue #3 §3, §4, §10; Regulation Art. 12, 24) -----------------

DOCUMENTS_PER_PAGE = 20
CATALOGUE_PER_PAGE = 50
# The relation seen from its target: "A repeals B" shows on B's page as "repealed by A".
INCOMING_LABELS: dict[str, Any] = {
    RelationKind.REVISES: _("revised by"),
    RelationKind.REPEALS: _("repealed by"),
    RelationKind.BASED_ON: _("is the basis of"),
    RelationKind.INTERPRETS: _("interpreted by"),
    RelationKind.REPLACES: _("replaced by"),
}
SUPERSEDING = {RelationKind.REPEALS, RelationKind.REVISES, RelationKind.REPLACES}


def _published_documents() -> QuerySet[Document]:
    """Published documents (not withdrawn ones) for lists, newest first, without the body."""
    return (
        library_selectors.public_documents()
        .filter(state=PublicationState.PUBLISHED)
        .defer(*NOT_LOADED)
        .order_by("-published_at", "-id")
    )


def _page(documents: QuerySet[Document], number: str | None, per_page: int) -> Page:
    """One page of ``documents``: their ids are paginated first, then that page's documents
    are loaded. One query more than plain pagination, but sorting narrow (id, date) rows is
    several times faster than sorting whole documents when no index serves the order
    (≈0.15 s instead of ≈1.1 s for 100,000 documents on SQLite)."""
    page = Paginator(documents.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    by_id = documents.in_bulk(ids)
    return Page([by_id[pk] for pk in ids if pk in by_id], page.number, page.paginator)


def _issued_by(code: str) -> Q:
    """Documents a unit issued, alone or jointly (a subquery: no duplicate rows)."""
    joint = Document.co_issuers.through.objects.filter(unit__code=code).values("document_id")
    return Q(unit__code=code) | Q(pk__in=joint)


def _unit_choices() -> tuple[tuple[str, str], ...]:
    """(code, name in the active language) of the active units, in the directory's order:
    one narrow query, no unit objects (``Unit.display_name``'s rule)."""
    english = (get_language() or "").startswith("en")
    rows = selectors.public_unit_list().values_list("code", "name_zh", "name_en")
    return tuple(
        (code, name_en if english and name_en else name_zh) for code, name_zh, name_en in rows
    )


# The unfiltered filter form of the document list, rendered once per language and unit list
# (the key holds the unit names themselves, so a renamed or added unit is never missed).
_FILTERS_HTML: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
_FILTERS_HTML_MAX = 16


def _filters_html(choices: tuple[tuple[str, str], ...]) -> str:
    key = (get_language() or "", choices)
    html = _FILTERS_HTML.get(key)
    if html is None:
        form = DocumentFilterForm(unit_choices=choices)
        html = render_to_string("portal/_document_filters.html", {"form": form})
        if len(_FILTERS_HTML) >= _FILTERS_HTML_MAX:
            _FILTERS_HTML.clear()
        _FILTERS_HTML[key] = html
    return html


def document_list(request: HttpRequest) -> HttpResponse:
    """Published documents, newest first, filtered by unit, kind and validity; paginated.
    Without a filter the form is the same for everyone: it comes from :func:`_filters_html`."""
    choices = _unit_choices()
    form: DocumentFilterForm | None = None
    filters_html = ""
    if request.GET:
        form = DocumentFilterForm(request.GET, unit_choices=choices)
        filters = form.filters()
    else:
        filters = {}
        filters_html = mark_safe(_filters_html(choices))  # noqa: S308 - our own template's output
    documents = _published_documents()
    if filters.get("unit"):
        documents = documents.filter(_issued_by(filters["unit"]))
    if filters.get("kind"):
        documents = documents.filter(kind=filters["kind"])
    if filters.get("in_force"):
        documents = documents.filter(validity=Validity.IN_FORCE)
    page = page_of_rows(documents, request.GET.get("page"), DOCUMENTS_PER_PAGE)
    return render(
        request,
        "portal/document_list.html",
        {"form": form, "filters_html": filters_html, "page_obj": page, "nav": "documents"},
    )


def _history(document: Document) -> list[dict[str, Any]]:
    """The public history, oldest first: "first published …", then each change note."""
    items: list[dict[str, Any]] = []
    for change in document.changes.all():  # prefetched: public change notes only
        if change.kind == ChangeKind.FIRST_PUBLISHED:
            items.append({"at": change.at, "label": ChangeKind.FIRST_PUBLISHED.label, "note": ""})
        else:
            items.append({"at": change.at, "label": change.get_kind_display(), "note": change.note})
    has_first = any(c.kind == ChangeKind.FIRST_PUBLISHED for c in document.changes.all())
    if not has_first and document.published_at:  # e.g. imported before history was kept
        items.insert(
            0, {"at": document.published_at, "label": ChangeKind.FIRST_PUBLISHED.label, "note": ""}
        )
    return items


# The metadata table's labels are the model's field names (索引号, 成文日期, 文号 …).
METADATA_FIELDS = (
    "index_number",
    "title",
    "summary",
    "kind",
    "topic",
    "category",
    "document_number",
    "validity",
    "signed_date",
    "published_at",
    "effective_date",
    "valid_until",
)


def _metadata_labels() -> dict[str, str]:
    """Labels in the active language: 索引号 in Chinese, "Index number" in English."""
    fields = (cast("Field[Any, Any]", Document._meta.get_field(name)) for name in METADATA_FIELDS)
    labels = {field.name: str(capfirst(field.verbose_name)) for field in fields}
    labels["key_areas"] = str(capfirst(DocumentKeyArea._meta.verbose_name_plural))
    return labels


def _withdrawn_at(document: Document) -> Any:
    withdrawals = [c.at for c in document.changes.all() if c.kind == ChangeKind.WITHDRAWN]
    return withdrawals[-1] if withdrawals else document.updated_at


def _interpretations(document: Document) -> tuple[list[Document], list[Document]]:
    """(the published interpretations of ``document``, the published documents it
    interprets), from the prefetched relations: no query (R-5.3, issue #4 §2)."""
    explained_by = [
        r.source
        for r in document.incoming_relations.all()
        if r.kind == RelationKind.INTERPRETS and r.source.state == PublicationState.PUBLISHED
    ]
    explains = [
        r.target
        for r in document.outgoing_relations.all()
        if r.kind == RelationKind.INTERPRETS and r.target.state == PublicationState.PUBLISHED
    ]
    return explained_by, explains


def document_detail(request: HttpRequest, index_number: str) -> HttpResponse:
    """The public page of one document (Art. 24; issue #4 §2): the metadata table (索引号,
    发布机构 with the joint issuers, 成文日期, 发布日期, 文号, 主题分类, 有效性, 有效期至 …),
    the body, attachments with type and size, relations, its interpretations shown at the
    top (R-5.3), banners for repealed, revised, expired and withdrawn documents, and the
    history. ``?print=1`` is the print version (no navigation, print stylesheet).

    The URL is the index number, which no revision changes: the page is permanent. In
    English the English title and summary are shown where they exist, otherwise a notice
    says the document is in Chinese only.

    Drafts, documents in review and scheduled ones do not exist here (404), nor does an
    address that cannot be an index number (it is not sent to the database).
    """
    if not INDEX_NUMBER_RE.fullmatch(index_number):
        raise Http404(_("There is no published document with this index number."))
    try:
        document = library_selectors.public_document(index_number)
    except Document.DoesNotExist:
        raise Http404(_("There is no published document with this index number.")) from None
    relations = [
        {"label": r.get_kind_display(), "document": r.target}
        for r in document.outgoing_relations.all()
    ] + [
        {"label": INCOMING_LABELS.get(r.kind, r.kind), "document": r.source}
        for r in document.incoming_relations.all()
    ]
    superseded = [
        {"label": INCOMING_LABELS[r.kind], "document": r.source}
        for r in library_selectors.superseded_by(document)
        if r.kind in SUPERSEDING
    ]
    interpretations, interprets = _interpretations(document)
    # The body is sanitised by the library services on every write (document_create and
    # document_update call sanitize_body), which is why it may be rendered unescaped. It is
    # sanitised once more here, so that a row written by any other path cannot inject markup.
    body = mark_safe(sanitize_body(document.body))  # noqa: S308 - sanitised just now (nh3)
    context = {
        "document": document,
        "labels": _metadata_labels(),
        "body": body,
        "attachments": document.attachments.all(),
        "key_areas": [link.get_area_display() for link in document.key_area_links.all()],
        "relations": relations,
        "superseded": superseded,
        "interpretations": interpretations,
        "interprets": interprets,
        "withdrawn": document.state == PublicationState.WITHDRAWN,
        "withdrawn_at": _withdrawn_at(document),
        "history": _history(document),
        "permanent_url": request.build_absolute_uri(document.get_absolute_url()),
        "print_view": request.GET.get("print") == "1",
        "en": (get_language() or "").startswith("en"),
        "nav": "documents",
    }
    return render(request, "portal/document_detail.html", context)


def attachment_download(request: HttpRequest, index_number: str, pk: int) -> FileResponse:
    """An attachment of a public document, with its original file name.

    The document is looked up through the public selector first: an attachment of a draft,
    of a document in review or of a scheduled one is not found, whatever its id.
    """
    if not INDEX_NUMBER_RE.fullmatch(index_number):
        raise Http404(_("There is no such attachment."))
    try:
        document = library_selectors.public_documents().get(index_number=index_number)
        attachment = document.attachments.get(pk=pk)
    except (Document.DoesNotExist, Attachment.DoesNotExist):
        raise Http404(_("There is no such attachment.")) from None
    try:
        file = attachment.file.open("rb")
    except OSError:  # the row is there but the file is missing from storage
        raise Http404(_("There is no such attachment.")) from None
    content_type = MIME_TYPES.get(attachment.file_type, "application/octet-stream")  # type: ignore[call-overload]
    return FileResponse(
        file, as_attachment=True, filename=attachment.original_name, content_type=content_type
    )


def catalogue(request: HttpRequest) -> HttpResponse:
    """The disclosure catalogue (公开目录, Art. 12): index number, title, summary and date
    formed of every published document, per unit; downloadable as XLSX and CSV."""
    form = UnitFilterForm(request.GET or None, units=selectors.public_unit_list())
    documents = _catalogue_documents(form)
    page = _page(documents, request.GET.get("page"), CATALOGUE_PER_PAGE)
    return render(
        request,
        "portal/catalogue.html",
        {"form": form, "page_obj": page, "labels": _metadata_labels(), "nav": "catalogue"},
    )


def _catalogue_documents(form: UnitFilterForm) -> QuerySet[Document]:
    documents = (
        library_selectors.public_documents()
        .filter(state=PublicationState.PUBLISHED)
        .defer(*NOT_LOADED)
        .order_by("-signed_date", "-id")
    )
    code = form.filters().get("unit") if form.is_bound else None
    if code:
        documents = documents.filter(unit__code=code)
    return documents


def catalogue_download(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The disclosure catalogue as XLSX or CSV (UTF-8 with BOM), optionally of one unit."""
    form = UnitFilterForm(request.GET or None, units=selectors.public_unit_list())
    code = form.filters().get("unit") if form.is_bound else None
    if form.is_bound and request.GET.get("unit") and not code:
        raise Http404(_("There is no unit with this code."))
    documents = _catalogue_documents(form)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return export_documents(
        documents,
        fmt,
        filename=f"disclosure-catalogue-{code or 'all'}-{stamp}",
        columns=PUBLIC_COLUMNS,
        sheet_title="公开目录",
    )
