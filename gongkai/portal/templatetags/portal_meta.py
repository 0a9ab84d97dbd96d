"""Metadata for new media and search engines on every public page (issue #4 §5, R-0.c):
Open Graph, the canonical URL and feed autodiscovery links.

``portal/_head_meta.html`` (in the ``<head>`` of ``portal/base.html``) calls
``{% page_meta as meta %}``. A page may set any of these optional context variables, from its
view or in its template::

    {% block head_meta %}{% with og_title=unit.display_name og_type="profile" %}
    {{ block.super }}{% endwith %}{% endblock %}

* ``og_title``, ``og_description``, ``og_type`` — what a shared link shows;
* ``canonical_url`` — the page's one URL (a path or an absolute URL);
* ``feed_links`` — more feeds to announce: a list of ``{"title": …, "url": …}``;
* ``canonical_params`` — query parameters besides :data:`CANONICAL_PARAMS` that select
  different content on that page and so belong in its canonical URL.

Without them: the document page describes its document (``og:type`` article, canonical = the
permanent document URL, whatever query string it was opened with), the unit page its unit
(and announces the unit's feed); other pages get a title from :data:`PAGE_TITLES`, and keep
only meaningful query parameters (filters, page number) in their canonical URL. Every page
announces the site-wide Atom feed. No database query: everything comes from the context.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from gongkai.library.models import Document
from gongkai.units.models import Unit

register = template.Library()

ATOM = "application/atom+xml"
DESCRIPTION_CHARS = 200
# Query parameters that select what a list shows: filters and the page number. Anything
# else (utm_*, from, share, print …) is dropped from canonical URLs.
CANONICAL_PARAMS = frozenset(
    {
        "q",
        "page",
        "unit",
        "kind",
        "topic",
        "area",
        "category",
        "validity",
        "validity_scope",
        "in_force",
        "year",
        "scope",
        "sort",
    }
)
# og:title of pages that set none (the <title> block cannot be read from an include).
PAGE_TITLES: dict[str, Any] = {
    "portal:unit_directory": gettext_lazy("Unit directory"),
    "portal:document_list": gettext_lazy("Government information"),
    "portal:catalogue": gettext_lazy("Disclosure catalogue"),
    "portal:feeds": gettext_lazy("Feeds"),
    "search:results": gettext_lazy("Search"),
    "campaigns:results_list": gettext_lazy("Results of review campaigns"),
}
OG_LOCALES = {"zh-hans": "zh_CN", "en": "en_GB"}


def og_locale(language: str) -> str:
    """The Open Graph locale (``language_TERRITORY``) of a Django language code."""
    if language in OG_LOCALES:
        return OG_LOCALES[language]
    base, _sep, region = language.partition("-")
    return f"{base}_{region.upper()}" if len(region) == 2 else base


def plain(text: str, chars: int = DESCRIPTION_CHARS) -> str:
    """``text`` without markup, on one line, at most ``chars`` characters."""
    return Truncator(" ".join(strip_tags(text or "").split())).chars(chars)


def canonical_path(request: HttpRequest, extra_params: Iterable[str] = ()) -> str:
    """The request's path with only the meaningful query parameters, sorted; no empty
    values and no ``page=1``."""
    allowed = CANONICAL_PARAMS | set(extra_params)
    pairs = []
    for key in sorted(request.GET):
        if key not in allowed:
            continue
        for value in request.GET.getlist(key):
            value = value.strip()
            if not value or (key == "page" and value == "1"):
                continue
            pairs.append((key, value))
    return request.path + (f"?{urlencode(pairs)}" if pairs else "")


def _absolute(request: HttpRequest | None, url: str) -> str:
    if request is None or url.startswith(("http://", "https://")):
        return url
    return request.build_absolute_uri(url)


def _view_name(request: HttpRequest | None) -> str:
    match = getattr(request, "resolver_match", None)
    return getattr(match, "view_name", "") or ""


def _site_feed(request: HttpRequest | None) -> dict[str, str]:
    url = reverse("portal:feed_documents", kwargs={"fmt": "atom"})
    return {"title": _("Newly published government information"), "url": _absolute(request, url)}


def _unit_feed(request: HttpRequest | None, unit: Unit) -> dict[str, str]:
    url = reverse("portal:feed_unit", kwargs={"code": unit.code, "fmt": "atom"})
    title = _("Government information of %(unit)s") % {"unit": unit.display_name}
    return {"title": title, "url": _absolute(request, url)}


@register.simple_tag(takes_context=True)
def page_meta(context: Mapping[str, Any]) -> dict[str, Any]:
    """Everything ``_head_meta.html`` writes, from the context (see the module docstring)."""
    request: HttpRequest | None = context.get("request")
    view_name = _view_name(request)
    site_name = str(settings.GONGKAI_SITE_NAME)
    language = get_language() or settings.LANGUAGE_CODE
    meta: dict[str, Any] = {
        "site_name": site_name,
        "title": "",
        "description": "",
        "type": "website",
        "url": "",
        "locale": og_locale(language),
        "locale_alternates": [
            og_locale(code) for code, _name in settings.LANGUAGES if code != language
        ],
        "article": None,
        "feeds": [_site_feed(request)],
    }

    document = context.get("document")
    unit = context.get("unit")
    if view_name == "portal:document_detail" and isinstance(document, Document):
        meta["title"] = document.display_title
        # The summary, else the start of the text (loaded on the document page), else the title.
        text = "" if "body_text" in document.get_deferred_fields() else document.body_text
        meta["description"] = (
            plain(document.display_summary) or plain(text) or plain(document.display_title)
        )
        meta["type"] = "article"
        meta["url"] = document.get_absolute_url()
        meta["article"] = {
            "published_time": document.published_at.isoformat() if document.published_at else "",
            "modified_time": document.updated_at.isoformat() if document.updated_at else "",
            "section": document.get_topic_display() if document.topic else "",
            "author": _absolute(request, document.unit.get_absolute_url()),
        }
    elif view_name == "portal:unit_detail" and isinstance(unit, Unit):
        meta["title"] = unit.display_name
        meta["description"] = _(
            "Agency information of %(name)s: functions, internal structure, leaders, "
            "subordinate units and contact details."
        ) % {"name": unit.display_name}
        meta["url"] = unit.get_absolute_url()
        meta["feeds"].append(_unit_feed(request, unit))
    elif view_name in PAGE_TITLES:
        meta["title"] = f"{PAGE_TITLES[view_name]} · {site_name}"

    # What the page set itself comes first.
    if context.get("og_title"):
        meta["title"] = str(context["og_title"])
    if context.get("og_description"):
        meta["description"] = plain(str(context["og_description"]))
    if context.get("og_type"):
        meta["type"] = str(context["og_type"])
    if context.get("canonical_url"):
        meta["url"] = str(context["canonical_url"])
    for link in context.get("feed_links") or ():
        meta["feeds"].append(
            {
                "title": str(link.get("title", "")),
                "url": _absolute(request, str(link["url"])),
                "type": link.get("type", ATOM),
            }
        )

    if not meta["title"]:
        meta["title"] = site_name
    if not meta["description"]:
        meta["description"] = _(
            "Government information published by the units of the Sino-Singapore Tianjin "
            "Eco-City."
        )
    if not meta["url"] and request is not None:
        meta["url"] = canonical_path(request, context.get("canonical_params") or ())
    meta["url"] = _absolute(request, meta["url"])
    for feed in meta["feeds"]:
        feed.setdefault("type", ATOM)
    return meta
