"""Document lists of the portal as plain rows (issue #4 §8, "Speed: Pages").

A list page shows twenty documents, each with its link, title, issuing unit, document
number, date and validity. Loading twenty whole ``Document`` objects with their units and
asking each for ``get_absolute_url()``, ``display_title`` and ``get_validity_display()`` in the
template cost more than everything else on the page. Here the page's rows come from one
narrow ``values()`` query and are turned into dicts the template only reads:

* the URL from one ``reverse()`` for the whole page (:func:`document_url_builder`), not one
  per row;
* the title and unit name already in the active language, with ``zh_only`` where an English
  reader sees a Chinese title (issue #4 §6: marked ``lang="zh-Hans"``);
* dates as ``YYYY-MM-DD`` in the site's time zone (what ``|date:"Y-m-d"`` printed) and the
  validity's label, looked up once per page.

The rows are narrow (no body), so even where no index serves the order the database sorts
small rows (:func:`page_of_rows`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language

from gongkai.library.choices import Validity
from gongkai.library.models import Document

# A syntactically valid index number that stands for every document's own in the URL.
_URL_MARKER = "000000000/0000-00000"

ROW_FIELDS = (
    "pk",
    "index_number",
    "title",
    "title_en",
    "document_number",
    "published_at",
    "signed_date",
    "validity",
    "unit__name_zh",
    "unit__name_en",
)


def document_url_builder() -> Callable[[str], str]:
    """``Document.get_absolute_url`` for many documents in the active language: one
    ``reverse()``, then string formatting (index numbers are digits, ``/`` and ``-``: nothing
    to quote)."""
    head, tail = reverse("portal:document_detail", kwargs={"index_number": _URL_MARKER}).split(
        _URL_MARKER
    )
    return lambda index_number: f"{head}{index_number}{tail}"


def validity_labels() -> dict[str, str]:
    """Each validity's label in the active language (looked up once a page, not once a row)."""
    return {value: str(label) for value, label in Validity.choices}


def local_day(value: datetime.datetime | datetime.date | None) -> str:
    """``YYYY-MM-DD`` in the site's time zone (what ``|date:"Y-m-d"`` prints), or ""."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().isoformat()
    return value.isoformat()


def _row(values: dict[str, Any], english: bool, url: Callable[[str], str], labels: dict) -> dict:
    title_en = values["title_en"]
    name_en = values["unit__name_en"]
    return {
        "url": url(values["index_number"]),
        "title": title_en if english and title_en else values["title"],
        "zh_only": english and not title_en,
        "unit": name_en if english and name_en else values["unit__name_zh"],
        "document_number": values["document_number"],
        "published": local_day(values["published_at"]),
        "signed": local_day(values["signed_date"]),
        "validity": values["validity"],
        "validity_label": labels.get(values["validity"], values["validity"]),
    }


class _RowPaginator(Paginator):
    """Pages of ``documents``' rows, counted on ``documents`` itself: counting the rows
    would join the units table for every document (20× slower on SQLite)."""

    def __init__(self, documents: QuerySet[Document], per_page: int) -> None:
        super().__init__(documents.values(*ROW_FIELDS), per_page)
        self._documents = documents

    @cached_property
    def count(self) -> int:
        return self._documents.count()


def page_of_rows(documents: QuerySet[Document], number: str | None, per_page: int) -> Page:
    """Page ``number`` of ``documents`` (in their order) as rows. An unknown or out-of-range
    number gives the nearest page, as ``Paginator.get_page`` does. Two queries: the count
    and the page's narrow rows (the list index serves the default order, so the database
    reads twenty index entries and rows, and sorts nothing)."""
    page = _RowPaginator(documents, per_page).get_page(number)
    english = (get_language() or "").startswith("en")
    url = document_url_builder()
    labels = validity_labels()
    rows = [_row(values, english, url, labels) for values in page.object_list]
    return Page(rows, page.number, page.paginator)
