"""Display preferences of the public portal (issue #4 §7; R-0.c: "including elderly and
disabled readers").

Large-text mode (适老化): a plain link in the header leads here; the view sets (or clears) the
``gk_text`` cookie and sends the reader back to the page they came from. No JavaScript is
involved, so it works on any phone browser. ``base.html`` reads the cookie through the
``{% large_text %}`` tag (:mod:`gongkai.portal.templatetags.portal`) and renders
``<html class="large-text">``; ``portal.css`` does the rest.

The page to go back to (``next``) comes from the query string, so it is checked with
:func:`~django.utils.http.url_has_allowed_host_and_scheme`: an address on another site
is replaced by the home page (never an open redirect).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

TEXT_SIZE_COOKIE = "gk_text"
LARGE = "large"
NORMAL = "normal"
# A preference, not a session: kept for a year.
TEXT_SIZE_MAX_AGE = 365 * 24 * 3600


def is_large_text(request: HttpRequest | None) -> bool:
    """Whether the reader chose large text (the ``gk_text`` cookie is ``large``)."""
    return request is not None and request.COOKIES.get(TEXT_SIZE_COOKIE) == LARGE


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is an address on this site, else the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:home")


@require_safe
@never_cache
def text_size(request: HttpRequest) -> HttpResponseBase:
    """``?size=large`` turns large text on, ``?size=normal`` turns it off; then back to
    ``next``. Any other size is a 400, without touching the cookie."""
    size = request.GET.get("size", "")
    if size not in (LARGE, NORMAL):
        return HttpResponseBadRequest(
            _("Unknown text size. Use “large” or “normal”."), content_type="text/plain"
        )
    response = HttpResponseRedirect(safe_next(request, request.GET.get("next")))
    if size == LARGE:
        response.set_cookie(
            TEXT_SIZE_COOKIE,
            LARGE,
            max_age=TEXT_SIZE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE, samesite="Lax")
    return response
