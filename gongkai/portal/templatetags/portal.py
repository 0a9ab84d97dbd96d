"""Template helpers for the portal: site name, language switch, ``lang`` attributes, the
large-text mode (issue #4 §6, §7)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from gongkai.portal import display

register = template.Library()


@register.filter
def html_lang(language_code: str) -> str:
    """The BCP 47 tag for an ``lang`` attribute: ``zh-hans`` → ``zh-Hans``."""
    language, _, script = (language_code or "").partition("-")
    if len(script) == 4:
        return f"{language}-{script.title()}"
    return language_code


@register.simple_tag
def site_name() -> str:
    return str(settings.GONGKAI_SITE_NAME)


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[dict[str, Any]]:
    """One link per language to the page being shown, in that language.

    Plain links (:func:`_translated_path`), so the switch works without JavaScript;
    ``current`` marks the language of the page.
    """
    request = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    current = get_language()
    return [
        {
            "code": code,
            "name": name,
            "lang": html_lang(code),
            "url": _translated_path(path, code),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]


def _translated_path(path: str, code: str) -> str:
    """``path`` (with its query string) in language ``code``.

    No URL pattern is translated (config/urls.py: one set of paths under
    ``i18n_patterns`` with ``prefix_default_language=False``), so the page in another
    language is the same path under that language's prefix, none for Chinese. That is
    what :func:`django.urls.translate_url` returns, without resolving and reversing the
    path on every page (issue #4 §8), and it also works for an address that does not
    resolve (a 404 page), which ``translate_url`` would leave unchanged (issue #4 §6)."""
    rest = path
    for language, _name in settings.LANGUAGES:
        prefix = f"/{language}/"
        if language != settings.LANGUAGE_CODE and rest.startswith(prefix):
            rest = "/" + rest[len(prefix) :]
            break
    if code == settings.LANGUAGE_CODE:  # prefix_default_language=False
        return rest
    return f"/{code}{rest}"


@register.simple_tag(takes_context=True)
def large_text(context: template.Context) -> bool:
    """Whether the reader turned large text on (适老化, issue #4 §7): the ``gk_text`` cookie."""
    return display.is_large_text(context.get("request"))


@register.simple_tag(takes_context=True)
def text_size_url(context: template.Context, size: str) -> str:
    """The address that switches the text size to ``size`` and comes back to this page."""
    request = context.get("request")
    back = request.get_full_path() if request is not None else "/"
    return f"{reverse('portal:text_size')}?{urlencode({'size': size, 'next': back})}"
