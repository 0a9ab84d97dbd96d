"""The sitemap and robots.txt (issue #4 §5): every public page, unit and published document,
in Chinese and in English, with hreflang alternates.

``/sitemap.xml`` is an index of sections (``/sitemap-pages.xml``, ``/sitemap-units.xml``,
``/sitemap-documents.xml``, ``/sitemap-reports.xml`` for the annual reports); the framework
pages a section with ``?p=N``. Django's i18n sitemaps build the list of (item, language)
pairs in memory before paging it, which for 100,000 documents means loading them all on
every request; :class:`LazyLanguagePairs` pages the database query itself instead, so a
sitemap page costs two queries (count and page) and the index two per section (count and
latest change), whatever the number of documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import quote

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Max, Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils import translation

from gongkai.library import selectors as library_selectors
from gongkai.library.choices import PublicationState
from gongkai.library.models import Document
from gongkai.units import selectors as unit_selectors
from gongkai.units.models import Unit

# Documents per sitemap page: each is listed once per language, so a page has twice as many
# <url> entries, each with its alternates (well below the protocol's 50,000 URLs and 50 MB).
DOCUMENTS_PER_PAGE = 1000
# Public pages that are not a unit or a document (URL names; each in every language).
STATIC_PAGES = (
    "portal:home",
    "portal:unit_directory",
    "portal:document_list",
    "portal:catalogue",
    "portal:feeds",
    "campaigns:results_list",
)


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


class LazyLanguagePairs:
    """The (item, language) pairs of a queryset, for :class:`~django.core.paginator.Paginator`:
    ``count()`` and slicing run one query each instead of loading every item."""

    def __init__(self, queryset: QuerySet[Any], languages: Sequence[str]) -> None:
        self.queryset = queryset
        self.languages = list(languages)

    def count(self) -> int:
        return self.queryset.count() * len(self.languages)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[tuple[Any, str]]:
        if not isinstance(key, slice) or key.stop is None or key.step not in (None, 1):
            raise TypeError("LazyLanguagePairs supports bounded slices only (as Paginator uses).")
        per_item = len(self.languages)
        start, stop = key.start or 0, key.stop
        first = start // per_item
        items = list(self.queryset[first : -(-stop // per_item)])  # ceil(stop / per_item)
        pairs = [(item, language) for item in items for language in self.languages]
        skip = start - first * per_item
        return pairs[skip : skip + (stop - start)]


class QuerySetSitemap(Sitemap):  # type: ignore[type-arg]
    """A sitemap of database rows in every language, with hreflang alternates (and
    ``x-default``: the Chinese page), paged in the database."""

    i18n = True
    alternates = True
    x_default = True
    lastmod_field = "updated_at"

    def queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def items(self) -> QuerySet[Any]:
        return self.queryset()

    @property
    def paginator(self) -> Paginator:  # type: ignore[override]
        pairs = LazyLanguagePairs(self.items(), _languages())
        return Paginator(cast("Any", pairs), self.limit)

    def get_latest_lastmod(self) -> Any:
        latest = self.queryset().aggregate(latest=Max(self.lastmod_field))["latest"]
        return latest

    def lastmod(self, item: Model) -> Any:
        return getattr(item, self.lastmod_field)


class PageSitemap(Sitemap):  # type: ignore[type-arg]
    """The portal's fixed pages (home, directories, lists, the feeds page)."""

    i18n = True
    alternates = True
    x_default = True

    def items(self) -> list[str]:
        return list(STATIC_PAGES)

    def location(self, item: str) -> str:
        return reverse(item)


class UnitSitemap(QuerySetSitemap):
    """The page of every active unit."""

    def queryset(self) -> QuerySet[Unit]:
        return (
            unit_selectors.public_unit_list()
            .select_related(None)
            .only("code", "updated_at")
            .order_by("code")
        )


class DocumentSitemap(QuerySetSitemap):
    """The permanent page of every published document (not withdrawn ones, nor drafts,
    documents in review or scheduled ones), with the date it last changed."""

    def __init__(self) -> None:
        self._paths: dict[tuple[str, str], tuple[str, str]] = {}

    @property
    def limit(self) -> int:  # type: ignore[override]
        return DOCUMENTS_PER_PAGE * len(_languages())

    def queryset(self) -> QuerySet[Document]:
        return (
            library_selectors.public_documents()
            .filter(state=PublicationState.PUBLISHED)
            .select_related(None)
            .only("index_number", "updated_at")
            .order_by("pk")
        )

    def location(self, item: Document) -> str:
        """``item.get_absolute_url()``, without resolving the URL again for each document:
        the path is reversed once per language and the quoted index number put in it."""
        key = (translation.get_language() or "", get_script_prefix())
        if key not in self._paths:
            marker = "INDEXNUMBER"
            path = reverse("portal:document_detail", kwargs={"index_number": marker})
            before, _marker, after = path.partition(marker)
            self._paths[key] = (before, after)
        before, after = self._paths[key]
        # The quoting of django.urls.resolvers (RFC 3986 sub-delimiters, "/~:@" kept).
        return before + quote(item.index_number, safe="!$&'()*+,;=/~:@") + after


class AnnualReportSitemap(QuerySetSitemap):
    """The page of every published annual report (issue #6 §5), the government's and each
    unit's, with the moment it was last published."""

    lastmod_field = "published_at"

    def queryset(self) -> QuerySet[Any]:
        from gongkai.annual_reports.selectors import published_reports

        return (
            published_reports()
            .select_related("unit")
            .only("year", "published_at", "unit__code")
            .order_by("-year", "pk")
        )

    def location(self, item: Any) -> str:
        from gongkai.annual_reports.views_public import report_url

        return report_url(item.year, item.unit.code if item.unit_id else None)


# Classes, not instances: the framework makes one sitemap object per request.
SITEMAPS: dict[str, type[Sitemap[Any]] | Sitemap[Any]] = {
    "pages": PageSitemap,
    "units": UnitSitemap,
    "documents": DocumentSitemap,
    "reports": AnnualReportSitemap,
}


def sitemap_index(request: HttpRequest) -> HttpResponse:
    """``/sitemap.xml``: the sections and their pages, each with its latest change."""
    return sitemap_views.index(  # type: ignore[no-any-return]
        request, SITEMAPS, sitemap_url_name="portal:sitemap_section"
    )


def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """One page (``?p=N``) of a section; 404 for an unknown section or page."""
    return sitemap_views.sitemap(  # type: ignore[no-any-return]
        request, SITEMAPS, section=section
    )


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the portal but not the back office; the sitemap is named."""
    lines = ["User-agent: *"]
    for language in _languages():
        with translation.override(language):
            lines.append(f"Disallow: {reverse('admin:index')}")
    with translation.override(settings.LANGUAGE_CODE):
        sitemap = request.build_absolute_uri(reverse("portal:sitemap"))
    lines.append(f"Sitemap: {sitemap}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
