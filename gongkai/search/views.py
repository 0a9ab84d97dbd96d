"""The public search page (issue #4 §3): works without JavaScript; facets are links."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongkai.portal.rows import document_url_builder, local_day, validity_labels
from gongkai.search import selectors, services
from gongkai.search.engine import FACET_FIELDS
from gongkai.search.forms import SearchForm

PAGE_SIZE = 10
FACET_HEADINGS: dict[str, Any] = {
    "unit": _("Issued by"),
    "year": _("Year"),
    "kind": _("Kind"),
    "topic": _("Topic"),
    "validity": _("Validity"),
    "area": _("Key area"),
    "category": _("Category"),
}
FACET_SHOWN = 12


class _Toggles:
    """Query strings with one filter value added or removed (the facet links). Built from one
    flat list of the current parameters: copying a QueryDict per link costs ~1 ms a page."""

    def __init__(self, params: QueryDict) -> None:
        self.pairs = [(k, v) for k in params for v in params.getlist(k) if k != "page"]
        self.present = set(self.pairs)
        self.base = urlencode(self.pairs)

    def __call__(self, name: str, value: str) -> str:
        pair = (name, value)
        if pair in self.present:
            return urlencode([p for p in self.pairs if p != pair])
        added = urlencode([pair])
        return f"{self.base}&{added}" if self.base else added


def _facets(
    page: selectors.SearchPage, params: QueryDict, labels: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    groups = []
    toggle = _Toggles(params)
    for name in FACET_FIELDS:
        counts = page.facets.get(name) or {}
        if not counts:
            continue
        chosen = {str(v) for v in getattr(page.request.filters, name)}
        if name == "year":
            ordered = sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
        else:
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        items = [
            {
                "value": value,
                "label": labels.get(name, {}).get(value, value),
                "count": count,
                "selected": value in chosen and bool(params.getlist(name)),
                "query": toggle(name, value),
            }
            for value, count in ordered[:FACET_SHOWN]
        ]
        groups.append({"name": name, "heading": FACET_HEADINGS[name], "items": items})
    return groups


def _facets_html(groups: list[dict[str, Any]]) -> SafeString:
    """The facet lists as HTML. Written here rather than in the template: some eighty links a
    page, and the template engine took a third of the page's time on them (issue #4 §8).
    Every value is escaped with ``html.escape`` (what Django's ``escape`` calls, without its
    lazy-string checks around each of the eighty links)."""
    escape = html.escape
    remove = (
        f'<span class="visually-hidden">{escape(gettext("Remove filter:"))} </span>'
    )
    chosen = ' aria-current="true" class="facet--selected"'
    sections = []
    for group in groups:
        links = "\n".join(
            f'<li><a href="?{escape(item["query"])}"{chosen if item["selected"] else ""}>'
            f'{remove if item["selected"] else ""}{escape(str(item["label"]))} '
            f'<span class="facet__count">({int(item["count"])})</span></a></li>'
            for item in group["items"]
        )
        sections.append(
            f'<section class="facet">\n<h3>{escape(str(group["heading"]))}</h3>\n'
            f"<ul>\n{links}\n</ul>\n</section>"
        )
    return mark_safe("\n".join(sections))  # noqa: S308 - every value escaped above


def _fill_hits(page: selectors.SearchPage) -> None:
    """Each hit's link, local publishing date and validity label, for the template."""
    url = document_url_builder()
    labels = validity_labels()
    for hit in page.hits:
        document = hit.document
        hit.url = url(document.index_number)
        hit.published = local_day(document.published_at)
        hit.validity_label = labels.get(document.validity, document.validity)


def _hidden_filters(params: QueryDict) -> list[tuple[str, str]]:
    """The filters in force, kept as hidden fields when the reader searches again."""
    return [(name, value) for name in FACET_FIELDS for value in params.getlist(name)]


def results(request: HttpRequest) -> HttpResponse:
    labels = selectors.facet_labels()
    form = SearchForm(request.GET or None, unit_codes=list(labels["unit"].items()))
    policy = request.GET.get("scope") == "policy"
    context: dict[str, Any] = {
        "form": form,
        "nav": "search",
        "searched": bool(request.GET),
        # what the radios show when the reader has not chosen: in force only for policies
        "default_validity_scope": "in_force" if policy else "any",
        "hidden_filters": _hidden_filters(request.GET),
    }
    if request.GET:
        search_request = form.to_request(page_size=PAGE_SIZE)
        page = selectors.search_documents(search_request)
        _fill_hits(page)
        if page.missed:
            services.search_miss_record(
                query=page.parsed.raw, filtered=search_request.filters.active()
            )
        params = request.GET.copy()
        without_filters = QueryDict(mutable=True)
        for keep in ("q", "scope", "sort"):
            if keep in params:
                without_filters[keep] = params[keep]
        without_filters["validity_scope"] = "any"
        facet_groups = _facets(page, params, labels)
        context.update(
            {
                "page": page,
                "first_number": (page.page - 1) * PAGE_SIZE + 1,
                "facet_groups": facet_groups,
                "facets_html": _facets_html(facet_groups),
                "labels": labels,
                "without_filters": without_filters.urlencode(),
                "previous_query": _page_query(params, page.page - 1),
                "next_query": _page_query(params, page.page + 1),
                "invalid_fields": [
                    form.fields[name].label
                    for name in (form.errors if form.is_bound else {})
                    if name in form.fields
                ],
            }
        )
    response = render(request, "search/results.html", context)
    if context.get("page") is not None and context["page"].missed:
        # Not cached (here or by a proxy): every search that finds nothing is counted.
        add_never_cache_headers(response)
    return response


def _page_query(params: QueryDict, number: int) -> str:
    query = params.copy()
    query["page"] = str(number)
    return query.urlencode()
