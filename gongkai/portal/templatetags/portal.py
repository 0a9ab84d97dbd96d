"""Template helpers for the portal: site name, language switch, ``lang`` attributes."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

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

    Plain links built with :func:`django.urls.translate_url`, so the switch works
    without JavaScript; ``current`` marks the language of the page.
    """
    request = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    current = get_language()
    return [
        {
            "code": code,
            "name": name,
            "lang": html_lang(code),
            "url": translate_url(path, code),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]
