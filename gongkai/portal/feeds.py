"""Atom and RSS feeds of newly published government information, one per channel
(issue #4 §5; R-0.c: content is written once and reaches every channel, new media included).

Channels: all documents, each unit (documents it issued alone or jointly), each topic and each
key area. Every feed exists in Chinese (``/feeds/…``) and in English (``/en/feeds/…``, with the
English title and summary where a document has them), as Atom and as RSS 2.0.

A feed lists the :data:`FEED_ITEMS` most recently published documents, newest first. Only
*published* documents appear: not drafts, documents in review, scheduled or withdrawn ones.
Each feed costs a fixed number of queries whatever the number of documents: the channel's
unit (unit feeds only), the documents, and their key areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from gongkai.library import selectors as library_selectors
from gongkai.library.choices import KeyArea, PublicationState, Topic
from gongkai.library.models import Document
from gongkai.portal.views import _grouped_by_kind, _issued_by
from gongkai.units import selectors as unit_selectors

FEED_ITEMS = 50
SUMMARY_CHARS = 300
# What a feed reads of each document: never the body, only the start of its plain text
# (for documents without a summary).
ITEM_FIELDS = (
    "index_number",
    "title",
    "title_en",
    "summary",
    "summary_en",
    "kind",
    "topic",
    "published_at",
    "updated_at",
    "unit__code",
    "unit__name_zh",
    "unit__name_en",
)
FORMATS = ("atom", "rss")


@dataclass(frozen=True)
class Channel:
    """What one feed shows: a filter over published documents and how to describe it."""

    title: str
    description: str
    link: str  # the HTML page with the same documents
    documents: Q


def published_documents(documents: Q) -> QuerySet[Document]:
    """The newest published documents matching ``documents``, with what an item shows."""
    return (
        library_selectors.public_documents()
        .filter(state=PublicationState.PUBLISHED)
        .filter(documents)
        .only(*ITEM_FIELDS)
        .annotate(excerpt=Substr("body_text", 1, SUMMARY_CHARS + 1))
        .prefetch_related("key_area_links")
        .order_by("-published_at", "-id")[:FEED_ITEMS]
    )


def _site_name() -> str:
    return str(settings.GONGKAI_SITE_NAME)


def channel_for(*, code: str = "", topic: str = "", area: str = "") -> Channel:
    """The channel of a unit, a topic, a key area, or (no argument) of all documents.

    Raises :class:`~django.http.Http404` for an unknown or inactive unit, topic or area.
    """
    site = _site_name()
    description = _("The most recently published government information, newest first.")
    if code:
        unit = unit_selectors.public_unit_list().filter(code=code).first()
        if unit is None:
            raise Http404(_("There is no unit with this code."))
        title = _("Government information of %(unit)s") % {"unit": unit.display_name}
        return Channel(
            title=f"{title} · {site}",
            description=description,
            link=unit.get_absolute_url(),
            documents=_issued_by(code),
        )
    if topic:
        if topic not in Topic.values:
            raise Http404(_("There is no such topic."))
        label = capfirst(Topic(topic).label)
        title = _("Government information: %(topic)s") % {"topic": label}
        return Channel(
            title=f"{title} · {site}",
            description=description,
            link=f"{reverse('search:results')}?topic={topic}&sort=date",
            documents=Q(topic=topic),
        )
    if area:
        if area not in KeyArea.values:
            raise Http404(_("There is no such key area."))
        label = capfirst(KeyArea(area).label)
        title = _("Key area: %(area)s") % {"area": label}
        return Channel(
            title=f"{title} · {site}",
            description=description,
            link=f"{reverse('search:results')}?area={area}&sort=date",
            documents=Q(key_area_links__area=area),
        )
    return Channel(
        title=f"{_('Newly published government information')} · {site}",
        description=description,
        link=reverse("portal:document_list"),
        documents=Q(),
    )


def plain_summary(document: Document) -> str:
    """The item's summary as plain text: the summary (English in the English feed), or the
    start of the body's text; any markup in it is removed."""
    text = document.display_summary or getattr(document, "excerpt", "") or ""
    text = " ".join(strip_tags(text).split())
    return Truncator(text).chars(SUMMARY_CHARS)


class DocumentRssFeed(Feed):
    """RSS 2.0 feed of a channel. The Atom feed below differs only in its format."""

    feed_type: type[Rss201rev2Feed] | type[Atom1Feed] = Rss201rev2Feed

    def get_object(self, request: HttpRequest, **kwargs: str) -> Channel:  # type: ignore[override]
        return channel_for(**kwargs)

    def title(self, channel: Channel) -> str:
        return channel.title

    def link(self, channel: Channel) -> str:
        return channel.link

    def description(self, channel: Channel) -> str:
        return channel.description

    def subtitle(self, channel: Channel) -> str:
        return channel.description

    def items(self, channel: Channel) -> QuerySet[Document]:
        return published_documents(channel.documents)

    def item_title(self, document: Document) -> str:
        # Plain text (an Atom <title> is a text construct); the framework's default would
        # HTML-escape it a second time.
        return document.display_title

    def item_description(self, document: Document) -> str:
        # RSS <description> and Atom <summary type="html"> hold HTML: the plain text, escaped.
        return escape(plain_summary(document))

    def item_link(self, document: Document) -> str:
        return document.get_absolute_url()  # made absolute by the framework; also the guid

    def item_guid_is_permalink(self, document: Document) -> bool:
        return True

    def item_pubdate(self, document: Document) -> Any:
        return document.published_at

    def item_updateddate(self, document: Document) -> Any:
        return document.updated_at

    def item_author_name(self, document: Document) -> str:
        return document.unit.display_name

    def item_categories(self, document: Document) -> list[str]:
        categories = [str(document.get_kind_display())]
        if document.topic:
            categories.append(str(document.get_topic_display()))
        categories += [str(link.get_area_display()) for link in document.key_area_links.all()]
        return categories


class DocumentAtomFeed(DocumentRssFeed):
    feed_type = Atom1Feed


FEEDS: dict[str, Feed] = {"atom": DocumentAtomFeed(), "rss": DocumentRssFeed()}


def document_feed(request: HttpRequest, fmt: str, **kwargs: str) -> HttpResponse:
    """One channel's feed in ``fmt`` (``atom`` or ``rss``); 404 for an unknown channel."""
    return FEEDS[fmt](request, **kwargs)  # type: ignore[no-any-return]


def feed_urls(*, code: str = "", topic: str = "", area: str = "") -> dict[str, str]:
    """The Atom and RSS URLs of a channel, in the active language (paths)."""
    if code:
        name, kwargs = "portal:feed_unit", {"code": code}
    elif topic:
        name, kwargs = "portal:feed_topic", {"topic": topic}
    elif area:
        name, kwargs = "portal:feed_key_area", {"area": area}
    else:
        name, kwargs = "portal:feed_documents", {}
    return {fmt: reverse(name, kwargs={**kwargs, "fmt": fmt}) for fmt in FORMATS}


def feed_index(request: HttpRequest) -> HttpResponse:
    """The list of every feed, with its address, for new-media editors (issue #4 §5)."""
    unit_groups = _grouped_by_kind(unit_selectors.public_unit_list())
    for group in unit_groups:
        group["units"] = [
            {"name": unit.display_name, "urls": feed_urls(code=unit.code)}
            for unit in group["units"]
        ]
    topics = [
        {"name": capfirst(label), "urls": feed_urls(topic=value)} for value, label in Topic.choices
    ]
    areas = [
        {"name": capfirst(label), "urls": feed_urls(area=value)}
        for value, label in KeyArea.choices
    ]
    site = feed_urls()
    context = {
        "site_feeds": {fmt: request.build_absolute_uri(url) for fmt, url in site.items()},
        "unit_groups": unit_groups,
        "topics": topics,
        "areas": areas,
        "feed_items": FEED_ITEMS,
    }
    return render(request, "portal/feeds/index.html", context)
