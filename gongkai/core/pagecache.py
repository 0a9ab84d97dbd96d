"""HTTP done right for the public (issue #4 §8): validators, ``Cache-Control`` and a page cache.

Three things, all in :class:`PageCacheMiddleware` (see docs/adr/0008):

* **Validators.** Every anonymous public ``GET`` answered 200 carries a strong ``ETag`` (a hash
  of the body) and a ``Last-Modified``; ``If-None-Match`` / ``If-Modified-Since`` that still
  match are answered ``304 Not Modified`` with no body.
* **Cache-Control.** Those responses are ``public, max-age=GONGKAI_HTTP_MAX_AGE,
  stale-while-revalidate=GONGKAI_HTTP_STALE_WHILE_REVALIDATE`` with ``Vary: Cookie`` (the
  language is in the URL, so ``Accept-Language`` is dropped from ``Vary``). Everything else —
  the back office, other methods than GET/HEAD, requests with a session cookie (a staff
  member, maybe logged in), responses that set a cookie or carry a CSP nonce, errors other
  than 404 — is ``private, no-store``.
* **The page cache.** Each server process keeps the rendered anonymous pages in a
  size-bounded LRU (:data:`PAGES`), keyed by scheme, host, path, query string and the
  cookies that change a public page (``GONGKAI_PAGE_CACHE_COOKIES``: the large-text cookie).
  It is valid for one *content generation*: a small file in the data directory that
  :func:`content_changed` appends a byte to after every commit that changes something the
  public sees. Each request ``stat()``\\s it (about a microsecond); when it differs from the
  generation the cache was filled under, the cache is emptied. So a change made in any
  process (a web worker, the job worker, a CLI import) reaches every worker without another
  server. ``GONGKAI_PAGE_CACHE=0`` turns the page cache off; the headers stay.

A hit is answered before the session, locale, CSRF, authentication and CSP middlewares run:
the cached response holds the headers they added (``Content-Security-Policy``,
``X-Frame-Options``, ``Content-Language`` …), and :class:`SecurityMiddleware`, which comes
first, adds its own to every response, cached or not. Pages whose CSP carries a nonce are
never cached: a nonce must not be replayed to other readers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe

logger = logging.getLogger("gongkai.pagecache")

# --- The content generation -----------------------------------------------------------------

# The generation file grows by one byte per change; past this size it starts again (as a new
# file, so its inode changes and no earlier state can come back).
ROLLOVER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Generation:
    """What the generation file looks like now.

    ``stamp`` changes with every change (inode, size and modification time of the file; the
    size alone grows with every bump, so a coarse file-system clock does not matter).
    ``modified`` is a whole second no public change is later than: the second after the
    last bump. ``stamp`` is None if the file cannot be read: then nothing is cached.
    """

    stamp: tuple[int, int, int] | None
    modified: int


def generation_file() -> Path:
    """``GONGKAI_CONTENT_GENERATION_FILE`` (default ``<data dir>/content-generation``)."""
    return Path(settings.GONGKAI_CONTENT_GENERATION_FILE)


def current_generation() -> Generation:
    """The generation now (one ``os.stat``); creates the file on first use."""
    path = settings.GONGKAI_CONTENT_GENERATION_FILE  # a Path: not wrapped again (per request)
    try:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            bump()
            st = os.stat(path)
    except OSError:
        logger.exception("cannot read the content generation file %s; not caching", path)
        return Generation(None, int(time.time()))
    return Generation((st.st_ino, st.st_size, st.st_mtime_ns), int(st.st_mtime) + 1)


def bump() -> None:
    """Start a new generation now, for every process (use :func:`content_changed`)."""
    path = generation_file()
    # O_APPEND: bumps from several processes at once each add their byte.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, b".")
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size >= ROLLOVER_BYTES:
        fresh = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fresh.write_bytes(b".")
        os.replace(fresh, path)


_PENDING = "_gongkai_content_changed"  # on a DB connection: its hook list holding our bump


def content_changed(using: str | None = None) -> None:
    """Something the public can see has changed: every cached page is out of date once the
    current transaction commits (at once outside a transaction; never on rollback).

    Cheap, and safe to call many times in one transaction — the bump is registered once per
    transaction with ``transaction.on_commit``. Services call it for every change that shows
    on a public page (issue #4 §8).
    """
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        hooks = connection.run_on_commit
        # Django replaces the hook list on commit and on every rollback, so an identical
        # list means our bump is still due with this transaction.
        if getattr(connection, _PENDING, None) is hooks:
            return
        setattr(connection, _PENDING, hooks)

    def bump_after_commit() -> None:
        setattr(connection, _PENDING, None)
        bump()

    # robust: a failed bump (disk full) is logged; it must not turn a committed change into
    # an error page. Cached pages then live until GONGKAI_PAGE_CACHE_SECONDS at most.
    transaction.on_commit(bump_after_commit, using=using, robust=True)


# --- The page cache -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A rendered response, ready to be sent again."""

    status: int
    content: bytes
    # The response's headers as Django's ResponseHeaders holds them ({lower name: (name,
    # value)}), already checked and encoded when the page was rendered: a hit copies them
    # instead of setting a dozen headers one by one (a third of the cost of a hit).
    header_store: dict[str, tuple[str, str]]
    etag: str
    last_modified: int
    stored_at: float
    size: int

    @classmethod
    def of(cls, response: HttpResponse, etag: str, last_modified: int) -> CachedPage:
        store = dict(response.headers._store)  # type: ignore[attr-defined]
        content = response.content
        size = len(content) + sum(len(k) + len(v) for k, v in store.values()) + 200
        return cls(
            status=response.status_code,
            content=content,
            header_store=store,
            etag=etag,
            last_modified=last_modified,
            stored_at=time.monotonic(),
            size=size,
        )

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.header_store.values())

    def respond(self, request: HttpRequest) -> HttpResponseBase:
        response = HttpResponse(self.content, status=self.status)
        response.headers._store = self.header_store.copy()  # type: ignore[attr-defined]
        if self.status == 200 and _is_conditional(request):
            conditional = get_conditional_response(
                request, etag=self.etag, last_modified=self.last_modified, response=response
            )
            return conditional or response
        return response


class PageStore:
    """Rendered pages of one generation, least recently used first, at most ``limit`` bytes.

    One per process (:data:`PAGES`), shared by the threads of a gunicorn worker.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._stamp: tuple[int, int, int] | None = None
        self.bytes = 0

    def get(self, key: Hashable, stamp: tuple[int, int, int], ttl: float) -> CachedPage | None:
        with self._lock:
            if stamp != self._stamp:  # content changed since these pages were rendered
                self._clear()
                self._stamp = stamp
                return None
            page = self._pages.get(key)
            if page is None:
                return None
            if time.monotonic() - page.stored_at >= ttl:
                del self._pages[key]
                self.bytes -= page.size
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, stamp: tuple[int, int, int], page: CachedPage, limit: int) -> bool:
        """Keep ``page`` if it was rendered under the current generation and is not larger
        than a quarter of the cache; evict the least recently used pages beyond ``limit``."""
        if page.size > limit // 4:
            return False
        with self._lock:
            if stamp != self._stamp:  # rendered under a generation that is already over
                return False
            old = self._pages.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._pages[key] = page
            self.bytes += page.size
            while self.bytes > limit:
                _key, evicted = self._pages.popitem(last=False)
                self.bytes -= evicted.size
        return True

    def clear(self) -> None:
        with self._lock:
            self._clear()
            self._stamp = None

    def _clear(self) -> None:
        self._pages.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._pages)

    def __contains__(self, key: object) -> bool:
        return key in self._pages

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._pages)


PAGES = PageStore()


# --- Which requests and responses are public ------------------------------------------------

# Never public, with or without a language prefix: the back office (and the admin in it) and
# the language switch.
PRIVATE_PREFIXES = ("backoffice/", "i18n/")
# A response may vary on these request headers and still be cached here (Cookie: only the
# cookies in GONGKAI_PAGE_CACHE_COOKIES change a public page; requests with a session are
# never served from the cache).
CACHEABLE_VARY = frozenset({"cookie", "accept-language"})
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# django.contrib.messages' cookie: a page may show (and so consume) the messages in it.
MESSAGES_COOKIE = "messages"


def _is_conditional(request: HttpRequest) -> bool:
    meta = request.META
    return any(name in meta for name in CONDITIONAL_HEADERS)


def cache_key(request: HttpRequest) -> tuple[str, ...]:
    """What a public page depends on besides the database: scheme and host (absolute links),
    path and query string (the language is the path's prefix), and the cookies that change
    a public page."""
    cookies = request.COOKIES
    return (
        request.scheme or "http",
        request.META.get("HTTP_HOST", ""),
        request.path,
        request.META.get("QUERY_STRING", ""),
        *(cookies.get(name, "") for name in settings.GONGKAI_PAGE_CACHE_COOKIES),
    )


def public_cache_control() -> str:
    """``public, max-age=…, stale-while-revalidate=…`` from the settings."""
    max_age = settings.GONGKAI_HTTP_MAX_AGE
    stale = settings.GONGKAI_HTTP_STALE_WHILE_REVALIDATE
    if max_age <= 0:
        return "public, no-cache"
    if stale > 0:
        return f"public, max-age={max_age}, stale-while-revalidate={stale}"
    return f"public, max-age={max_age}"


def make_private(response: HttpResponseBase) -> HttpResponseBase:
    """``Cache-Control: private, no-store`` (merged with what the view set, e.g. the admin's
    ``never_cache``; a ``public`` the view set is removed)."""
    patch_cache_control(response, private=True, no_store=True)
    return response


def _vary(response: HttpResponseBase) -> list[str]:
    return [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]


def _cacheable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """A response to an anonymous GET that every anonymous reader may be given."""
    if response.status_code not in (200, 404) or response.cookies:
        return False
    if not isinstance(response, HttpResponse):  # streaming (a file): not kept in memory
        return False
    control = response.get("Cache-Control", "").lower()
    if "private" in control or "no-store" in control or "no-cache" in control:
        return False  # the view said so (e.g. never_cache)
    # A CSP nonce is for one response only: not if the page used one (django-csp's lazy
    # request.csp_nonce is true once evaluated) or the policy names one.
    if bool(getattr(request, "csp_nonce", None)) or "'nonce-" in response.get(
        "Content-Security-Policy", ""
    ):
        return False
    if any(v.lower() not in CACHEABLE_VARY for v in _vary(response)):
        return False  # negotiated on something the cache key does not hold (or "*")
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _make_public(response: HttpResponse, generation: Generation) -> tuple[str, int]:
    """Add Cache-Control, Vary and (for 200) the validators; return (ETag, Last-Modified)."""
    if "Cache-Control" not in response:
        response["Cache-Control"] = public_cache_control()
    # The language comes from the URL prefix, not from Accept-Language (LocaleMiddleware adds
    # it to Vary for unprefixed URLs all the same); cookies do change a page (large text, a
    # staff session), so Cookie is kept.
    vary = [v for v in _vary(response) if v.lower() != "accept-language"]
    if not any(v.lower() == "cookie" for v in vary):
        vary.append("Cookie")
    response["Vary"] = ", ".join(vary)
    if response.status_code != 200:
        return "", 0
    etag = response.get("ETag", "")
    if not etag:
        etag = f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
        response["ETag"] = etag
    now = int(time.time())
    last_modified = min(generation.modified, now)
    given = parse_http_date_safe(response.get("Last-Modified", ""))
    if given:  # e.g. a feed's newest entry: keep the later of the two
        last_modified = max(last_modified, min(given, now))
    response["Last-Modified"] = http_date(last_modified)
    return etag, last_modified


class PageCacheMiddleware:
    """Cache-Control, validators and the page cache (module docstring; issue #4 §8).

    Place it right after SecurityMiddleware and WhiteNoiseMiddleware (which answers static
    files itself), before the session middleware: a cached page is then served without
    touching the session, the database or a template.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        languages = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
        prefixes = "|".join(re.escape(prefix) for prefix in PRIVATE_PREFIXES)
        self.private_path = re.compile(rf"/(?:(?:{languages})/)?(?:{prefixes})")

    def _public_request(self, request: HttpRequest) -> bool:
        if request.method not in ("GET", "HEAD"):
            return False
        if self.private_path.match(request.path_info):
            return False
        if "HTTP_AUTHORIZATION" in request.META:
            return False
        cookies = request.COOKIES
        return settings.SESSION_COOKIE_NAME not in cookies and MESSAGES_COOKIE not in cookies

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self._public_request(request):
            return make_private(self.get_response(request))
        generation = current_generation()
        # The generation the cached pages must belong to; None: the page cache is not used.
        stamp = generation.stamp if settings.GONGKAI_PAGE_CACHE else None
        key = cache_key(request)
        if stamp is not None:
            page = PAGES.get(key, stamp, settings.GONGKAI_PAGE_CACHE_SECONDS)
            if page is not None:
                return page.respond(request)
        response = self.get_response(request)
        if not _cacheable(request, response) or not isinstance(response, HttpResponse):
            if response.cookies or response.status_code >= 300 or "Cache-Control" not in response:
                make_private(response)
            return response
        etag, last_modified = _make_public(response, generation)
        if stamp is not None:
            page = CachedPage.of(response, etag, last_modified)
            PAGES.put(key, stamp, page, settings.GONGKAI_PAGE_CACHE_BYTES)
        if response.status_code == 200:
            conditional = get_conditional_response(
                request, etag=etag, last_modified=last_modified, response=response
            )
            return conditional or response
        return response
