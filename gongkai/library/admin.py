"""Back-office screens for documents (issue #3 §9; the UI of §2, §3, §4, §6).

Scoped like every back-office screen (:class:`UnitScopedAdmin`): staff see the documents
of their units, including those their unit issued jointly (``selectors.documents_for``);
another unit's document is absent, a guessed URL included. Every write — create, edit,
each workflow step, relations, attachments — is one call of a function in
:mod:`gongkai.library.services`, which checks permission again, validates and audits.
Documents are never deleted here (withdraw them instead).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.admin_base import UnitScopedAdmin
from gongkai.accounts.models import User
from gongkai.accounts.permissions import AccessDenied, Perm, has_perm, is_office, units_where
from gongkai.core.calendar import Deadline, working_calendar
from gongkai.core.models import AuditAction, AuditEntry
from gongkai.library import selectors, services
from gongkai.library.choices import KeyArea, PublicationState, Validity, WithholdingGround
from gongkai.library.forms import (
    AttachmentForm,
    ConfidentialityReviewForm,
    DocumentForm,
    PublishForm,
    ReasonForm,
    RelationForm,
    TimelinessForm,
    ValidityForm,
    form_error_text,
)
from gongkai.library.models import Document, DocumentKeyArea, DocumentRelation
from gongkai.library.numbers import DocumentNumberError, parse_document_number, search_key

PUBLIC_STATES = frozenset(
    {PublicationState.PUBLISHED, PublicationState.SCHEDULED, PublicationState.WITHDRAWN}
)


def _edit_perm(document: Document) -> Perm:
    """Drafts and documents in review: editors; public ones: reviewers (as the services)."""
    return Perm.CONTENT_PUBLISH if document.state in PUBLIC_STATES else Perm.CONTENT_DRAFT


def _attachment_perm(document: Document) -> Perm:
    """As ``services.attachment_add``: editors while a draft, reviewers afterwards."""
    return Perm.CONTENT_DRAFT if document.state == PublicationState.DRAFT else Perm.CONTENT_PUBLISH


# --- List filters ----------------------------------------------------------------------


class UnitFilter(admin.SimpleListFilter):
    """The owning unit, among the units the user may see (the Office: all)."""

    title = _("unit")
    parameter_name = "unit"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, Any]]:
        units = units_where(request.user, Perm.UNIT_VIEW_INTERNAL)
        return [(str(u.pk), str(u)) for u in units]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value():
            return queryset.filter(unit_id=self.value())
        return queryset


class KeyAreaFilter(admin.SimpleListFilter):
    title = _("key area")
    parameter_name = "key_area"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, Any]]:
        return list(KeyArea.choices)

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value():
            links = DocumentKeyArea.objects.filter(area=self.value()).values("document_id")
            return queryset.filter(pk__in=links)
        return queryset


class SignedYearFilter(admin.SimpleListFilter):
    title = _("signed year")
    parameter_name = "signed_year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, Any]]:
        days = (
            model_admin.get_queryset(request)
            .filter(signed_date__isnull=False)
            .dates("signed_date", "year", order="DESC")
        )
        return [(str(day.year), str(day.year)) for day in days]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(signed_date__year=int(value))
        return queryset


# --- The document admin ----------------------------------------------------------------

Handler = Callable[[HttpRequest, Document], str]


@admin.register(Document)
class DocumentAdmin(UnitScopedAdmin):
    form = DocumentForm
    view_perm = Perm.UNIT_VIEW_INTERNAL
    change_perm = Perm.CONTENT_DRAFT
    list_display = [
        "index_number",
        "title",
        "document_number",
        "unit",
        "kind",
        "attribute",
        "state",
        "validity",
        "signed_date",
    ]
    list_display_links = ["index_number", "title"]
    list_filter = [
        UnitFilter,
        "kind",
        "category",
        "topic",
        "attribute",
        "state",
        "validity",
        KeyAreaFilter,
        SignedYearFilter,
    ]
    list_select_related = ["unit"]
    search_fields = ["title", "document_number"]
    search_help_text = _(
        "Title, index number or document number; any bracket form of a document number finds it."
    )
    actions = None
    change_list_template = "admin/library/document/change_list.html"
    change_form_template = "admin/library/document/change_form.html"

    # Scope and permissions ------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> Any:
        """The user's units' documents, and those their units issued jointly."""
        return selectors.documents_for(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._holds_anywhere(request, self.view_perm)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._holds_anywhere(request, Perm.CONTENT_DRAFT)
        return has_perm(request.user, _edit_perm(obj), obj.unit_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._holds_anywhere(request, Perm.CONTENT_DRAFT)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # information is withdrawn with a reason, never deleted

    def view_on_site(self, obj: Document) -> str | None:
        if not obj.is_public:
            return None
        try:
            return obj.get_absolute_url()
        except NoReverseMatch:  # the portal's document page is not installed
            return None

    # Search ---------------------------------------------------------------------------

    def get_search_results(
        self, request: HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        """Title or document number as typed, the index number, and the normalised document
        number: 津生管发[2020]12号 finds 津生管发〔2020〕12号."""
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = (
            Q(title__icontains=term)
            | Q(document_number__icontains=term)
            | Q(index_number__iexact=term)
        )
        try:
            condition |= Q(document_number_key=parse_document_number(term).search_key)
        except DocumentNumberError:
            key = search_key(term)  # a part of a number, in any bracket form
            if key:
                condition |= Q(document_number_key__icontains=key)
        return queryset.filter(condition), False

    # The form ---------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        editable = obj is None or self.has_change_permission(request, obj)
        if obj is None:
            head: list[Any] = ["unit"]
        else:
            head = ["unit", ("index_number", "state"), ("validity", "published_at")]
            if obj.state == PublicationState.WITHDRAWN:
                head.append("withdrawn_reason")
        fieldsets: list[Any] = [
            (
                None,
                {
                    "fields": [
                        *head,
                        "title",
                        "title_en",
                        "document_number",
                        ("kind", "category", "topic"),
                        "key_areas",
                        "co_issuers",
                    ]
                },
            ),
            (_("Dates"), {"fields": [("signed_date", "effective_date", "valid_until")]}),
            (
                _("Disclosure attribute"),
                {"fields": ["attribute", "withholding_grounds", "attribute_explanation"]},
            ),
            (_("Content"), {"fields": ["summary", "summary_en", "body"]}),
        ]
        if obj is not None and editable:
            fieldsets.append((_("Change note"), {"fields": ["change_note"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        fields = ["unit", "index_number", "state", "validity", "published_at"]
        if obj.state == PublicationState.WITHDRAWN:
            fields.append("withdrawn_reason")
        return fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = cast(type[DocumentForm], super().get_form(request, obj, change, **kwargs))
        form.user = request.user  # a new class per request (modelform_factory)
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            units = units_where(request.user, Perm.CONTENT_DRAFT)
            kwargs["queryset"] = units
            if units.count() == 1:
                kwargs["initial"] = units.first()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "co_issuers":
            kwargs["widget"] = FilteredSelectMultiple(db_field.verbose_name, is_stacked=False)
            kwargs["required"] = False
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Read-only display of the form's own fields (for staff who may only look).

    @admin.display(description=_("key areas"))
    def key_areas(self, obj: Document) -> str:
        return "、".join(str(link) for link in obj.key_area_links.all()) or "-"

    @admin.display(description=_("grounds"))
    def withholding_grounds(self, obj: Document) -> str:
        labels = dict(WithholdingGround.choices)
        return "；".join(str(labels.get(g, g)) for g in obj.withholding_grounds or []) or "-"

    # Saving: the form already saved through the services while it validated.

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        return form.instance

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing to do: ``DocumentForm`` called document_create / document_update."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing to do: key areas and joint issuers went through the same service call."""

    # Pages ------------------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        title = _("All documents") if is_office(request.user) else _("My unit's documents")
        extra_context = {"title": title, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        document = self.get_object(request, unquote(object_id))
        if document is not None:
            extra_context = {**self._panels(request, document), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _panels(self, request: HttpRequest, document: Document) -> dict[str, Any]:
        """What the change page shows below the form: workflow buttons the user may use now,
        relations, attachments and the history."""
        user = request.user
        can_draft = has_perm(user, Perm.CONTENT_DRAFT, document.unit_id)
        can_publish = has_perm(user, Perm.CONTENT_PUBLISH, document.unit_id)
        state = document.state
        transitions = services.VALIDITY_TRANSITIONS.get(Validity(document.validity), frozenset())
        visible = self.get_queryset(request).values("pk")
        incoming = document.incoming_relations.select_related("source").filter(
            Q(source__in=visible) | Q(source__state__in=selectors.PUBLIC_STATES)
        )
        return {
            "workflow": {
                "submit": can_draft and state == PublicationState.DRAFT,
                "return": can_publish and state == PublicationState.IN_REVIEW,
                "review": can_publish and state == PublicationState.IN_REVIEW,
                "publish": can_publish and state == PublicationState.IN_REVIEW,
                "withdraw": can_publish
                and state in {PublicationState.PUBLISHED, PublicationState.SCHEDULED},
                "validity": can_publish and bool(transitions),
                "relations": can_draft,
                "attachments": has_perm(user, _attachment_perm(document), document.unit_id),
            },
            "return_form": ReasonForm(auto_id="id_return_%s"),
            "review_form": ConfidentialityReviewForm(auto_id="id_review_%s"),
            "publish_form": PublishForm(auto_id="id_publish_%s"),
            "withdraw_form": ReasonForm(auto_id="id_withdraw_%s"),
            "validity_form": ValidityForm(document=document, auto_id="id_validity_%s"),
            "relation_form": RelationForm(user=user, auto_id="id_relation_%s"),
            "reviews": list(document.confidentiality_reviews.select_related("reviewer")),
            "outgoing": list(document.outgoing_relations.select_related("target")),
            "incoming": list(incoming),
            "attachments": list(document.attachments.all()),
            "audit_entries": [
                {"entry": entry, "changes": history_changes(entry)}
                for entry in AuditEntry.objects.filter(
                    object_type=Document._meta.label, object_id=str(document.pk)
                ).order_by("-at", "-id")
            ],
            "change_notes": list(document.changes.all()),
        }

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        workflow = [
            path(
                f"<int:pk>/{action}/",
                view(self.workflow_view),
                {"action": action},
                name=f"library_document_{action.replace('-', '_')}",
            )
            for action in self._workflow_actions()
        ]
        return [
            path("timeliness/", view(self.timeliness_view), name="library_document_timeliness"),
            *workflow,
            path(
                "<int:pk>/relations/<int:relation_pk>/remove/",
                view(self.relation_remove_view),
                name="library_document_relation_remove",
            ),
            path(
                "<int:pk>/attachments/",
                view(self.attachments_view),
                name="library_document_attachments",
            ),
            path(
                "<int:pk>/attachments/<int:attachment_pk>/",
                view(self.attachment_download_view),
                name="library_document_attachment",
            ),
            path(
                "<int:pk>/attachments/<int:attachment_pk>/remove/",
                view(self.attachment_remove_view),
                name="library_document_attachment_remove",
            ),
            *super().get_urls(),
        ]

    def _document(self, request: HttpRequest, pk: int) -> Document:
        """A document the user may see, or 404 (another unit's document does not exist)."""
        document = self.get_queryset(request).filter(pk=pk).first()
        if document is None:
            raise Http404
        return document

    def _change_url(self, document: Document, anchor: str = "") -> str:
        url = reverse("admin:library_document_change", args=[document.pk])
        return f"{url}#{anchor}" if anchor else url

    # Workflow: each button posts here; each action is one service call.

    def _workflow_actions(self) -> dict[str, tuple[Perm, Handler]]:
        return {
            "submit": (Perm.CONTENT_DRAFT, self._submit),
            "return": (Perm.CONTENT_PUBLISH, self._return),
            "review": (Perm.CONTENT_PUBLISH, self._review),
            "publish": (Perm.CONTENT_PUBLISH, self._publish),
            "withdraw": (Perm.CONTENT_PUBLISH, self._withdraw),
            "validity": (Perm.CONTENT_PUBLISH, self._validity),
            "relation-add": (Perm.CONTENT_DRAFT, self._relation_add),
        }

    def workflow_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        document = self._document(request, pk)
        perm, handler = self._workflow_actions()[action]
        if not has_perm(request.user, perm, document.unit_id):
            raise AccessDenied()
        try:
            self.message_user(request, handler(request, document), messages.SUCCESS)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        anchor = "relations" if action == "relation-add" else "workflow"
        return HttpResponseRedirect(self._change_url(document, anchor))

    @staticmethod
    def _valid(form: Any) -> dict[str, Any]:
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        return cast(dict[str, Any], form.cleaned_data)

    @staticmethod
    def _by(request: HttpRequest) -> User:
        return cast(User, request.user)

    def _submit(self, request: HttpRequest, document: Document) -> str:
        services.document_submit(document=document, by=self._by(request))
        return gettext("The document was submitted for review.")

    def _return(self, request: HttpRequest, document: Document) -> str:
        data = self._valid(ReasonForm(request.POST))
        services.document_return(document=document, by=self._by(request), reason=data["reason"])
        return gettext("The document was returned to the drafter.")

    def _review(self, request: HttpRequest, document: Document) -> str:
        data = self._valid(ConfidentialityReviewForm(request.POST))
        services.document_confidentiality_review(
            document=document, by=self._by(request), passed=data["passed"], note=data["note"]
        )
        if data["passed"]:
            return gettext("The confidentiality review was recorded as passed.")
        return gettext("The confidentiality review was recorded as not passed.")

    def _publish(self, request: HttpRequest, document: Document) -> str:
        data = self._valid(PublishForm(request.POST))
        published = services.document_publish(
            document=document, by=self._by(request), publish_at=data["publish_at"]
        )
        if published.state == PublicationState.SCHEDULED and published.published_at:
            when = timezone.localtime(published.published_at)
            return gettext("The document is scheduled for publication at %(time)s.") % {
                "time": f"{when:%Y-%m-%d %H:%M}"
            }
        return gettext("The document was published.")

    def _withdraw(self, request: HttpRequest, document: Document) -> str:
        data = self._valid(ReasonForm(request.POST))
        services.document_withdraw(document=document, by=self._by(request), reason=data["reason"])
        return gettext("The document was withdrawn; its page stays with a notice.")

    def _validity(self, request: HttpRequest, document: Document) -> str:
        data = self._valid(ValidityForm(request.POST, document=document))
        services.document_set_validity(
            document=document,
            by=self._by(request),
            validity=data["validity"],
            note=data["note"],
            valid_until=data["valid_until"],
        )
        return gettext("The validity is now “%(validity)s”.") % {
            "validity": Validity(data["validity"]).label
        }

    def _relation_add(self, request: HttpRequest, document: Document) -> str:
        data = self._valid(RelationForm(request.POST, user=request.user))
        target: Document = data["target"]
        takes_effect_now = (
            document.state == PublicationState.PUBLISHED
            and data["kind"] in services.RELATION_EFFECT
        )
        if takes_effect_now and not has_perm(request.user, Perm.CONTENT_PUBLISH, document.unit_id):
            # It would change the target's validity at once: that is a reviewer's decision.
            raise ValidationError(
                "已发布文件的废止、修改或替代关系会立即改变被关联文件的有效性，"
                "只有审核人可以添加 / "
                "On published information this relation changes the related document's "
                "validity at once; only a reviewer can add it."
            )
        services.relation_add(
            source=document, target=target, kind=data["kind"], by=self._by(request)
        )
        target.refresh_from_db()
        return gettext("Linked to %(index_number)s (%(title)s); its validity: %(validity)s.") % {
            "index_number": target.index_number,
            "title": target.title,
            "validity": target.get_validity_display(),
        }

    def relation_remove_view(self, request: HttpRequest, pk: int, relation_pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        document = self._document(request, pk)
        relation = (
            DocumentRelation.objects.select_related("source", "target")
            .filter(pk=relation_pk, source=document)
            .first()
        )
        if relation is None:
            raise Http404
        if not has_perm(request.user, Perm.CONTENT_DRAFT, document.unit_id):
            raise AccessDenied()
        try:
            services.relation_remove(relation=relation, by=self._by(request))
            self.message_user(request, gettext("The relation was removed."), messages.SUCCESS)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        return HttpResponseRedirect(self._change_url(document, "relations"))

    # Attachments ------------------------------------------------------------------------

    def attachments_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """List a document's attachments; upload one (checked by the service)."""
        document = self._document(request, pk)
        can_edit = has_perm(request.user, _attachment_perm(document), document.unit_id)
        form = AttachmentForm()
        if request.method == "POST":
            if not can_edit:
                raise AccessDenied()
            form = AttachmentForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    attachment = services.attachment_add(
                        document=document, by=self._by(request), file=upload, filename=upload.name
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error("file", message)
                else:
                    self.message_user(
                        request,
                        gettext("“%(name)s” was attached.") % {"name": attachment.original_name},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:library_document_attachments", args=[document.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Attachments of “%(title)s”") % {"title": document.title},
            "document": document,
            "attachments": list(document.attachments.all()),
            "form": form,
            "can_edit": can_edit,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/library/document/attachments.html", context)

    def attachment_download_view(
        self, request: HttpRequest, pk: int, attachment_pk: int
    ) -> FileResponse:
        document = self._document(request, pk)
        attachment = document.attachments.filter(pk=attachment_pk).first()
        if attachment is None:
            raise Http404
        content_type = mimetypes.guess_type(attachment.original_name)[0]
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=content_type or "application/octet-stream",
        )

    def attachment_remove_view(
        self, request: HttpRequest, pk: int, attachment_pk: int
    ) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        document = self._document(request, pk)
        attachment = document.attachments.filter(pk=attachment_pk).first()
        if attachment is None:
            raise Http404
        if not has_perm(request.user, _attachment_perm(document), document.unit_id):
            raise AccessDenied()
        name = attachment.original_name
        services.attachment_remove(attachment=attachment, by=self._by(request))
        self.message_user(
            request, gettext("“%(name)s” was removed.") % {"name": name}, messages.SUCCESS
        )
        return HttpResponseRedirect(
            reverse("admin:library_document_attachments", args=[document.pk])
        )

    # Timeliness (Art. 26) ---------------------------------------------------------------

    def timeliness_view(self, request: HttpRequest) -> HttpResponse:
        """Proactive information of the user's units not yet published: late and due soon."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = TimelinessForm(request.GET or None, user=request.user)
        documents: QuerySet[Document] = selectors.documents_for(request.user)
        if form.is_bound and form.is_valid() and form.cleaned_data.get("unit"):
            documents = documents.filter(unit=form.cleaned_data["unit"])
        today = form.as_of_date(timezone.localdate()) if form.is_bound else timezone.localdate()
        late, soon = selectors.timeliness(documents, today)
        calendar = working_calendar()

        def rows(items: list[selectors.TimelinessItem]) -> list[dict[str, Any]]:
            result = []
            for item in items:
                warning = ""
                if not item.confirmed and item.document.signed_date:
                    years = calendar.unconfirmed_years(item.document.signed_date, item.due)
                    warning = Deadline(item.due, False, years).warning
                result.append(
                    {"item": item, "warning": warning, "left": abs(item.working_days_left)}
                )
            return result

        context = {
            **self.admin_site.each_context(request),
            "title": _("Timeliness of proactive disclosure (Art. 26)"),
            "form": form,
            "today": today,
            "late": rows(late),
            "soon": rows(soon),
            "within": services.rules()["PUBLISH_WITHIN_WORKING_DAYS"],
            "soon_days": services.rules()["DUE_SOON_WORKING_DAYS"],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/library/document/timeliness.html", context)


CREATE_SUMMARY = ("index_number", "title", "document_number", "attribute", "state", "validity")


def history_changes(entry: AuditEntry) -> str:
    """An audit entry's changed values as “field: before → after” lines (for the history)."""
    before, after = entry.before or {}, entry.after or {}
    keys = sorted(set(before) | set(after))
    if entry.action == AuditAction.CREATE:  # the full snapshot is in the audit log
        keys = [key for key in CREATE_SUMMARY if key in after]
    return format_html_join(
        mark_safe("<br>"),  # noqa: S308 - a constant
        "{}: {} → {}",
        ((key, before.get(key, "–"), after.get(key, "–")) for key in keys),
    )
