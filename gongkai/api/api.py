"""The versioned public API, mounted at ``/api/v1/`` (OpenAPI at ``/api/v1/openapi.json``).

Routers read through selectors and write through services; this module only turns
the services' exceptions into HTTP answers:

* :class:`~gongkai.accounts.permissions.AccessDenied` (any ``PermissionDenied``) → 403
* :class:`django.core.exceptions.ValidationError` → 422
  ``{"detail": ..., "errors": {field: [messages]}}``
* request bodies that do not match the schema → 422 in the same shape
* not logged in → 401; unknown objects → 404

Every ``detail`` and error message is given in Chinese and English.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.openapi.docs import render_template

from gongkai.api.annual_reports import router as annual_reports_router
from gongkai.api.documents import router as documents_router
from gongkai.api.search import router as search_router
from gongkai.api.units import ValidationErrorOut
from gongkai.api.units import router as units_router

API_LANGUAGES = ("zh-hans", "en")


class StaffSwagger(Swagger):
    """Swagger UI that always sends the CSRF token, so staff can try the write endpoints.

    Ninja adds the token only when the whole API needs authentication; ours needs it
    per operation. With ``ninja`` in INSTALLED_APPS the page uses Ninja's bundled files
    (no CDN, no inline script, so it passes the Content-Security-Policy).
    """

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        page_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "swagger_settings": json.dumps(page_settings, indent=1),
            "api": api,
            "add_csrf": True,
        }
        return render_template(request, self.template, self.template_cdn, context)


DESCRIPTION = """\
Public API of the Sino-Singapore Tianjin Eco-City government information disclosure
platform (中新天津生态城政府信息公开). Reading is open to everyone and needs no key;
writing needs a staff session and the CSRF token.

**Documents.** `GET /api/v1/documents` lists published government information, newest
first, with filters (unit, kind, topic, category, key_area, validity, in_force, year,
published_after, published_before, document_number, order) and pages (`page`,
`page_size` up to 100; follow `next`). One document: `GET /api/v1/documents/{id}`, or by
its index number (索引号), slashes and all, with
`GET /api/v1/documents/by-index/JJJ/11-2020-00001`. Withdrawn documents are not listed
but stay readable, with their reason.

**Search.** `GET /api/v1/search?q=住房公积金` searches titles, document numbers, summaries,
bodies and attachments, with the same filters, facets, and a plain-text `snippet` whose
matched words are located by `highlights` (`[start, end)` offsets).

**Annual reports.** `GET /api/v1/annual-reports` lists the published annual reports on
government information disclosure (`year`, `unit`); `GET /api/v1/annual-reports/{year}` is
the government's report and `GET /api/v1/annual-reports/{year}/{unit_code}` a unit's, each
with its tables and sections, every row and column with its official Chinese label.

**Errors** are JSON with a `detail` in Chinese and English (中文 / English): 404 for
an unknown object or page, 422 with `errors` (`{parameter: [messages]}`) for a parameter
that is unknown, malformed or names nothing (an unknown unit code). Field names are
stable within v1; see docs/api.md.
"""


class GongkaiAPI(NinjaAPI):
    """Declares, on every operation that takes parameters, the 422 answer the exception
    handlers below give to malformed ones — so that the schema says what the API does."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "ValidationErrorOut", ValidationErrorOut.model_json_schema(by_alias=True)
        )
        invalid = {
            "description": "Unprocessable Content",
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ValidationErrorOut"}
                }
            },
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                takes_input = operation.get("parameters") or operation.get("requestBody")
                if takes_input:
                    operation.setdefault("responses", {}).setdefault("422", invalid)
        return schema


api = GongkaiAPI(
    title="Gongkai API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=StaffSwagger(),
)
api.add_router("/units", units_router, tags=["units"])
api.add_router("/documents", documents_router, tags=["documents"])
api.add_router("/search", search_router, tags=["search"])
api.add_router("/annual-reports", annual_reports_router, tags=["annual reports"])

# Last: any other address under /api/v1/ answers with the API's JSON 404, not a portal page.
unknown_addresses = Router()


@unknown_addresses.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{anypath:rest}", include_in_schema=False
)
def unknown_address(request: HttpRequest, rest: str) -> HttpResponse:
    raise Http404(_("There is nothing at this address in the API."))


api.add_router("", unknown_addresses)


def in_both_languages(message: Any, params: dict[str, Any] | None = None) -> str:
    """``message`` in Chinese and English, joined by " / " when they differ.

    Lazy translations are rendered in each language; plain strings are looked up in
    the catalogues, so a message already forced into one language (or already
    bilingual, like the services' messages) is shown as it is.
    """
    texts: list[str] = []
    for language in API_LANGUAGES:
        with translation.override(language):
            if isinstance(message, Promise):
                text = str(message)
            else:
                text = translation.gettext(str(message)) if message else ""
            if params:
                text = text % params
        if text not in texts:
            texts.append(text)
    return " / ".join(texts)


def validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Django's ValidationError as ``{field: [bilingual messages]}`` (``__all__`` if no field)."""
    items: list[tuple[str, list[DjangoValidationError]]]
    if hasattr(exc, "error_dict"):
        items = list(exc.error_dict.items())
    else:
        items = [(NON_FIELD_ERRORS, exc.error_list)]
    return {
        field: [in_both_languages(error.message, error.params) for error in errors]
        for field, errors in items
    }


def _invalid(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": in_both_languages(_("The data sent is not valid.")), "errors": errors},
        status=422,
    )


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _invalid(request, validation_errors(exc))


# Messages for the schema errors a client most often meets; others keep pydantic's text.
SCHEMA_MESSAGES = {
    "extra_forbidden": _("This field is unknown or cannot be changed here."),
    "missing": _("This field is required."),
    "string_type": _("Enter text."),
    "int_type": _("Enter a whole number."),
    "int_parsing": _("Enter a whole number."),
    "bool_type": _("Enter true or false."),
    "bool_parsing": _("Enter true or false."),
    "list_type": _("Enter a list."),
    "json_invalid": _("The request body is not valid JSON."),
    "enum": _("Choose one of %(expected)s."),
    "literal_error": _("Choose one of %(expected)s."),
    "greater_than_equal": _("Enter a number of at least %(ge)s."),
    "less_than_equal": _("Enter a number of at most %(le)s."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "date_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_type": _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": _("Enter a date as YYYY-MM-DD."),
    "int_from_float": _("Enter a whole number."),
    "int_parsing_size": _("Enter a whole number."),
}


@api.exception_handler(SchemaValidationError)
def _schema_validation_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        # ("body", "<param>", field, ...) for bodies; ("query", field) for query strings
        if loc[:1] == ["body"]:
            field = loc[2] if len(loc) > 2 else NON_FIELD_ERRORS
        else:
            field = loc[1] if len(loc) > 1 else NON_FIELD_ERRORS
        known = SCHEMA_MESSAGES.get(error.get("type", ""))
        if known is not None:
            # Our messages name their placeholders; pydantic's context fills them.
            params = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
            if "expected" in params:  # "'a', 'b' or 'c'": no English in the Chinese message
                params["expected"] = params["expected"].replace(" or ", ", ")
            try:
                text = in_both_languages(known, params)
            except (KeyError, TypeError, ValueError):  # a context without our placeholders
                text = in_both_languages(error.get("msg", ""))
        else:
            text = in_both_languages(error.get("msg", ""))
        errors.setdefault(field, []).append(text)
    return _invalid(request, errors)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    detail = str(exc) or in_both_languages(_("You are not allowed to do this."))
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": in_both_languages(_("Log in as staff first."))}, status=401
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """``Http404(lazy_message)`` or ``Http404(lazy_message, params)``; other 404s (Django's
    own, with text in one language) say "Not found." in both languages."""
    message = exc.args[0] if exc.args and isinstance(exc.args[0], Promise) else _("Not found.")
    params = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else None
    detail = in_both_languages(message, params)
    return api.create_response(request, {"detail": detail}, status=404)
