"""Back office of review campaigns (issue #3 §7, §9).

* The Office: launch a campaign over a filter (with a preview of how many documents of each
  unit match), follow progress per unit, add newly matching documents, retry decisions that
  could not be applied, close the campaign, export the results (XLSX) and publish the
  results list on the portal.
* Unit staff: the campaign task lists of their units (scoped by the permission layer, as in
  ``units/admin.py``); reviewers decide each task, or many tasks at once.

Every change goes through :mod:`gongkai.campaigns.services`, which checks permission again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.admin_base import UnitScopedAdmin
from gongkai.accounts.models import User
from gongkai.accounts.permissions import AccessDenied, Perm, is_office, unit_ids_where
from gongkai.campaigns import exports, selectors, services
from gongkai.campaigns.forms import DecideForm, LaunchForm
from gongkai.campaigns.models import Campaign, CampaignTask
from gongkai.library.choices import DisclosureAttribute, DocumentKind, Validity
from gongkai.units.models import Unit


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def describe_filter(filter: dict[str, Any]) -> list[tuple[Any, str]]:
    """The stored filter as (label, readable value) pairs for the overview page."""
    rows: list[tuple[Any, str]] = []
    if filter.get("signed_from"):
        rows.append((_("signed on or after"), filter["signed_from"]))
    if filter.get("signed_to"):
        rows.append((_("signed on or before"), filter["signed_to"]))
    for key, label, choices in (
        ("validity", _("validity"), Validity),
        ("attributes", _("disclosure attribute"), DisclosureAttribute),
        ("kinds", _("document kind"), DocumentKind),
    ):
        if filter.get(key):
            rows.append((label, "、".join(str(choices(v).label) for v in filter[key])))
    if filter.get("units"):
        names = Unit.objects.filter(pk__in=filter["units"]).values_list("name_zh", flat=True)
        rows.append((_("units"), "、".join(names)))
    return rows


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "state",
        "launched_at",
        "deadline",
        "results_published",
    ]
    list_filter = ["kind", "state", "results_published"]
    search_fields = ["title"]
    actions = None

    # --- permissions: the Office manages; unit staff see campaigns with their tasks ---

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return selectors.campaigns_for(request.user)

    def _sees_any(self, request: HttpRequest) -> bool:
        ids = unit_ids_where(request.user, Perm.UNIT_VIEW_INTERNAL)
        return ids is None or ids.exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._sees_any(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._sees_any(request)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_office(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # campaigns change only through the actions of the overview page

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # campaigns are history

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("launch/", view(self.launch_view), name="campaigns_campaign_launch"),
            path("<int:pk>/act/", view(self.act_view), name="campaigns_campaign_act"),
            path("<int:pk>/export/", view(self.export_view), name="campaigns_campaign_export"),
            *super().get_urls(),
        ]

    def _campaign(self, request: HttpRequest, pk: Any) -> Campaign:
        try:
            return self.get_queryset(request).get(pk=pk)
        except (Campaign.DoesNotExist, ValueError):
            raise Http404 from None

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    # --- launch ---

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        return self.launch_view(request)

    def launch_view(self, request: HttpRequest) -> HttpResponse:
        """The Office's launch form; "Preview" shows how many documents of each unit match."""
        if not is_office(request.user):
            raise PermissionDenied
        form = LaunchForm(request.POST or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if "preview" in request.POST:
                    preview = selectors.matching_count_per_unit(form.filter_data(), data["kind"])
                else:
                    campaign = services.campaign_launch(
                        by=request.user,  # type: ignore[arg-type]
                        kind=data["kind"],
                        title=data["title"],
                        description=data["description"],
                        filter=form.filter_data(),
                        deadline=data["deadline"],
                    )
                    count = campaign.tasks.count()
                    self.message_user(
                        request,
                        _("The campaign was launched with %(count)d tasks.") % {"count": count},
                    )
                    return HttpResponseRedirect(
                        reverse("admin:campaigns_campaign_change", args=[campaign.pk])
                    )
            except ValidationError as exc:
                _add_errors(form, exc)
        context = self._context(
            request,
            title=_("Launch a review campaign"),
            form=form,
            preview=preview,
            preview_total=sum(row["count"] for row in preview or []),
        )
        return TemplateResponse(request, "admin/campaigns/campaign/launch.html", context)

    # --- overview, actions, export ---

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        """The campaign's overview: what it covers, progress per unit, the Office's actions."""
        campaign = self.get_object(request, unquote(object_id))
        if campaign is None:
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id
            )
        office = is_office(request.user)
        rows, totals = selectors.campaign_progress(campaign, None if office else request.user)
        context = self._context(
            request,
            title=campaign.title,
            campaign=campaign,
            filter_rows=describe_filter(campaign.filter),
            rows=rows,
            totals=totals,
            is_office=office,
            tasks_url=reverse("admin:campaigns_campaigntask_changelist")
            + f"?campaign__id__exact={campaign.pk}",
        )
        return TemplateResponse(request, "admin/campaigns/campaign/overview.html", context)

    def act_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The Office's buttons on the overview: refresh, apply, close, publish, unpublish."""
        if request.method != "POST" or not is_office(request.user):
            raise PermissionDenied
        campaign = self._campaign(request, pk)
        action = request.POST.get("action", "")
        by: User = request.user  # type: ignore[assignment]  # admin_view: a staff user
        try:
            if action == "refresh":
                added = services.campaign_refresh(campaign=campaign, by=by)
                self.message_user(
                    request, _("%(count)d newly matching documents added.") % {"count": added}
                )
            elif action == "apply":
                done, failed = services.campaign_apply(campaign=campaign, by=by)
                self.message_user(
                    request,
                    _("%(done)d decisions applied; %(failed)d still fail.")
                    % {"done": done, "failed": failed},
                    messages.WARNING if failed else messages.SUCCESS,
                )
            elif action == "close":
                services.campaign_close(campaign=campaign, by=by)
                self.message_user(request, _("The campaign is closed."))
            elif action == "publish":
                services.campaign_publish_results(campaign=campaign, by=by)
                self.message_user(request, _("The results list is published on the portal."))
            elif action == "unpublish":
                services.campaign_unpublish_results(
                    campaign=campaign,
                    by=by,
                    reason=request.POST.get("reason", ""),
                )
                self.message_user(request, _("The results list was taken off the portal."))
            else:
                raise PermissionDenied
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The results as XLSX, one row per task (the Office)."""
        if not is_office(request.user):
            raise PermissionDenied
        campaign = self._campaign(request, pk)
        content = exports.campaign_workbook(campaign, selectors.tasks_for(request.user, campaign))
        response = HttpResponse(content, content_type=exports.CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(campaign)}"'
        return response


class TaskStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("undecided", _("not decided")),
            ("applied", _("decided and applied")),
            ("error", _("decided, could not be applied")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "undecided":
            return queryset.filter(decision="")
        if self.value() == "applied":
            return queryset.filter(applied=True)
        if self.value() == "error":
            return queryset.exclude(decision="").filter(applied=False)
        return queryset


@admin.register(CampaignTask)
class CampaignTaskAdmin(UnitScopedAdmin):
    """A unit's campaign task list; the change page is the decide form."""

    view_perm = Perm.UNIT_VIEW_INTERNAL
    change_perm = Perm.CONTENT_PUBLISH
    list_display = [
        "index_number",
        "document_title",
        "unit",
        "campaign",
        "attribute_before",
        "decision",
        "applied",
        "error_short",
    ]
    list_filter = [
        ("campaign", admin.RelatedOnlyFieldListFilter),
        TaskStatusFilter,
        "decision",
        ("unit", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["document", "unit", "campaign"]
    search_fields = ["document__title", "document__index_number", "document__document_number"]
    actions = ["decide_selected", "retry_selected"]
    list_per_page = 100

    @admin.display(description=_("index number"), ordering="document__index_number")
    def index_number(self, task: CampaignTask) -> str:
        return task.document.index_number

    @admin.display(description=_("title"), ordering="document__title")
    def document_title(self, task: CampaignTask) -> str:
        return task.document.title

    @admin.display(description=_("error"))
    def error_short(self, task: CampaignTask) -> str:
        return Truncator(task.error).chars(60)

    def get_queryset(self, request: HttpRequest) -> Any:
        # The list never shows the document's body (kilobytes per row).
        return super().get_queryset(request).defer("document__body", "document__body_text")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tasks come from launching a campaign

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- one task ---

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        """The decide form of one task (a task of another unit "does not exist")."""
        task = self.get_object(request, unquote(object_id))
        if task is None:
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id
            )
        can_decide = self.has_change_permission(request, task)
        campaign = task.campaign
        initial = {
            "decision": task.decision,
            "keep_attribute": task.keep_attribute,
            "grounds": task.grounds or task.document.withholding_grounds,
            "explanation": task.explanation or task.document.attribute_explanation,
        }
        form = DecideForm(
            request.POST if request.method == "POST" else None, campaign=campaign, initial=initial
        )
        if request.method == "POST":
            if not can_decide:
                raise PermissionDenied
            try:
                if "retry" in request.POST:
                    task = services.task_apply(task=task, by=request.user)  # type: ignore[arg-type]
                    return self._after_decision(request, task)
                if form.is_valid():
                    data = form.cleaned_data
                    task = services.task_decide(
                        task=task,
                        by=request.user,  # type: ignore[arg-type]
                        decision=data["decision"],
                        grounds=data.get("grounds") or [],
                        explanation=data.get("explanation") or "",
                        keep_attribute=data.get("keep_attribute") or "",
                    )
                    return self._after_decision(request, task)
            except ValidationError as exc:
                _add_errors(form, exc)
        context = self._context(
            request,
            title=_("Decide: %(title)s") % {"title": task.document.title},
            task=task,
            document=task.document,
            campaign=campaign,
            form=form,
            can_decide=can_decide
            and campaign.is_open
            and not (task.applied and task.decision in services.IRREVERSIBLE),
            can_retry=can_decide and bool(task.decision) and not task.applied,
            changelist_url=reverse("admin:campaigns_campaigntask_changelist")
            + f"?campaign__id__exact={campaign.pk}",
        )
        return TemplateResponse(request, "admin/campaigns/campaigntask/decide.html", context)

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def _after_decision(self, request: HttpRequest, task: CampaignTask) -> HttpResponse:
        if task.applied:
            self.message_user(request, _("The decision is recorded and applied."))
        else:
            self.message_user(
                request,
                _("The decision is recorded but could not be applied: %(error)s")
                % {"error": task.error},
                messages.WARNING,
            )
        return HttpResponseRedirect(
            reverse("admin:campaigns_campaigntask_changelist")
            + f"?campaign__id__exact={task.campaign_id}"
        )

    # --- many tasks ---

    @admin.action(description=_("Decide the selected tasks"), permissions=["change"])
    def decide_selected(self, request: HttpRequest, queryset: Any) -> Any:
        """One decision for many tasks of one campaign: an intermediate page with the form."""
        campaign_ids = set(queryset.values_list("campaign_id", flat=True))
        if len(campaign_ids) != 1:
            self.message_user(request, _("Select tasks of one campaign at a time."), messages.ERROR)
            return None
        campaign = Campaign.objects.get(pk=campaign_ids.pop())
        tasks = list(queryset.select_related("document", "unit"))
        confirmed = "confirm" in request.POST
        form = DecideForm(request.POST if confirmed else None, campaign=campaign)
        if confirmed and form.is_valid():
            data = form.cleaned_data
            try:
                done = services.task_decide_bulk(
                    tasks=tasks,
                    by=request.user,  # type: ignore[arg-type]
                    decision=data["decision"],
                    grounds=data.get("grounds") or [],
                    explanation=data.get("explanation") or "",
                    keep_attribute=data.get("keep_attribute") or "",
                )
            except AccessDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                failed = [t for t in done if not t.applied]
                self.message_user(
                    request,
                    _("%(count)d decisions recorded; %(failed)d could not be applied.")
                    % {"count": len(done), "failed": len(failed)},
                    messages.WARNING if failed else messages.SUCCESS,
                )
                return None
        context = self._context(
            request,
            title=_("Decide %(count)d tasks") % {"count": len(tasks)},
            tasks=tasks,
            campaign=campaign,
            form=form,
            action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
        )
        return TemplateResponse(request, "admin/campaigns/campaigntask/bulk_decide.html", context)

    @admin.action(description=_("Apply the selected decisions again"), permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: Any) -> None:
        done = failed = 0
        for task in queryset.exclude(decision="").filter(applied=False):
            try:
                task = services.task_apply(task=task, by=request.user)  # type: ignore[arg-type]
            except AccessDenied:
                failed += 1
                continue
            done += int(task.applied)
            failed += int(not task.applied)
        self.message_user(
            request,
            _("%(done)d decisions applied; %(failed)d still fail.")
            % {"done": done, "failed": failed},
            messages.WARNING if failed else messages.SUCCESS,
        )
