"""The rich-text body of a document: sanitised HTML, plain text for search, text to HTML.

A body is written in the staff editor, pasted from Word, or imported. Only a conservative set of
tags survives :func:`sanitize_body` (nh3, i.e. the ammonia HTML5 sanitiser):

* structure: ``p br h2 h3 h4 blockquote ol ul li``; emphasis: ``strong em u``;
* tables: ``table caption thead tbody tfoot tr th td`` with numeric ``colspan`` / ``rowspan``;
* links: ``a href`` to ``http:``, ``https:``, ``mailto:`` or a path on this site (``/…``, not
  ``//host``), always with ``rel="noopener noreferrer"``;
* images: ``img`` with ``alt`` and a ``src`` that is ``https:`` or a path under ``/media/``.

Everything else goes: ``script``/``style`` and similar elements with their content, every other
tag (its text kept), ``style``/``class``/``on*`` attributes, ``javascript:`` and ``data:`` URLs,
comments. ``h1`` is left out on purpose: the document title is the page's heading.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

__all__ = ["body_to_text", "sanitize_body", "text_to_body"]

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "h2", "h3", "h4", "strong", "em", "u", "ol", "ul", "li", "blockquote",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "a", "img",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": set(),  # not even ammonia's default lang and title
    "a": {"href"},
    "img": {"src", "alt"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# Elements removed together with their content (the rest keep their text).
REMOVED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object",
        "embed", "applet", "svg", "math", "textarea", "select", "title", "head", "xmp",
        "noembed", "noframes",
    }
)  # fmt: skip

_LINK = re.compile(r"(?:https?://|mailto:)\S|/(?![/\\])", re.IGNORECASE)
# Browsers drop tabs and line breaks inside URLs (“/\t/evil.example” becomes “//evil.example”).
_URL_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_IMAGE = re.compile(r"https://\S|/media/(?!.*(?:\.\.|\\))", re.IGNORECASE)
_SPAN = re.compile(r"[1-9][0-9]{0,2}")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    value = value.strip()
    if attribute in {"href", "src"} and _URL_CONTROLS.search(value):
        return None
    if attribute == "href":
        return value if _LINK.match(value) else None
    if attribute == "src":
        return value if _IMAGE.match(value) else None
    if attribute in {"colspan", "rowspan"}:
        return value if _SPAN.fullmatch(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(REMOVED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize_body(body: str) -> str:
    """The body with only the allowed tags, attributes and URLs; safe to render unescaped.

    An image whose ``src`` is refused stays as ``<img alt="…">`` (the output of nh3 is not
    edited afterwards: rewriting sanitised HTML with patterns is how sanitisers get bypassed).
    """
    return _CLEANER.clean(body or "").strip()


# Block-level elements whose edges separate words in the plain text.
_BLOCKS = frozenset(
    {
        "p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ol", "ul", "blockquote",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "section", "article", "header",
        "footer", "pre", "hr", "dd", "dt", "dl", "figure", "figcaption",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_SKIPPED = REMOVED_WITH_CONTENT


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.skipping:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def body_to_text(body: str) -> str:
    """The plain text of a body, for search and snippets.

    Tags are dropped (the content of scripts and styles too), entities unescaped, block
    elements become line breaks, table cells are separated by a space, and whitespace —
    including the full-width indentation space 　 — collapses to one space within a line and
    one line break between blocks.
    """
    collector = _TextCollector()
    collector.feed(body or "")
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    text = _HORIZONTAL_SPACE.sub(" ", text)
    return _LINE_BREAKS.sub("\n", text).strip()


def text_to_body(text: str) -> str:
    """A body from plain text (imports): each non-empty line a paragraph, everything escaped.

    Leading and trailing whitespace of each line (the full-width indentation of Chinese
    paragraphs included) is dropped; the result needs no further sanitising.
    """
    lines = (line.strip() for line in (text or "").replace("\r\n", "\n").split("\n"))
    return "\n".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)
