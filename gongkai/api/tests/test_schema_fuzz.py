"""Schemathesis fuzzes every read operation of the API against its own OpenAPI schema
(issue #4 §4).

The schema is loaded from ``/api/v1/openapi.json`` of the real WSGI application, and each
GET operation is called with generated valid and invalid parameters. Every answer must:

* not be a server error (5xx);
* have a status code the schema declares, with the declared content type;
* match the declared response schema (the 404 and 422 bodies included);
* reject invalid data (negative cases) with a 4xx.

Writes (``PATCH /api/v1/units/{code}``) are left out: they need a staff session and the
CSRF token, and are tested in ``test_units.py``. Examples are derandomised so that CI sees
the same cases on every run.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gongkai.search.indexer import index_pending

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Every read operation there is; a new one must be added here (and so gets fuzzed).
READ_OPERATIONS = {
    "GET /api/v1/documents",
    "GET /api/v1/documents/{id}",
    "GET /api/v1/documents/by-index/{index_number}",
    "GET /api/v1/units",
    "GET /api/v1/units/{code}",
    "GET /api/v1/search",
    "GET /api/v1/annual-reports",
    "GET /api/v1/annual-reports/{year}",
    "GET /api/v1/annual-reports/{year}/{unit_code}",
}


# Loaded when the module is collected: schemathesis' lazy loader (``from_fixture``) does not
# run on pytest 9.2, whose test items no longer have ``_nodeid``. Reading the schema touches
# no database table.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    method="GET"
)


@pytest.fixture
def _test_data_visible_to_the_app(db):
    """The WSGI application answers from the test database.

    Django closes the connection when a request finishes; inside the test's transaction
    that would throw the test data away, so (like Django's test client) the connection is
    kept open while the test runs.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def indexed_library(library):
    """The test library, in the search index too (so the search runs the engine)."""
    index_pending()
    return library


@pytest.mark.usefixtures("_test_data_visible_to_the_app", "indexed_library")
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_read_operations_conform_to_the_schema(case):
    """No generated request makes a read operation fail or answer outside its schema."""
    case.call_and_validate(checks=CHECKS)


def test_every_read_operation_is_fuzzed():
    """The fuzzed operations are exactly the API's read operations, and no write is fuzzed;
    every operation of the schema loads."""
    operations = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.add(f"{result.ok().method.upper()} {result.ok().path}")
    assert operations == READ_OPERATIONS


@pytest.mark.usefixtures("_test_data_visible_to_the_app")
def test_every_public_document_conforms_to_the_detail_schema(indexed_library):
    """Each real public document — with joint issuers, key areas, an attachment, relations
    both ways, a repealed one and a withdrawn one — answers 200 within the detail schemas,
    by id and by index number; the list and a search that finds them conform too."""
    library = indexed_library
    by_id = schema["/api/v1/documents/{id}"]["GET"]
    by_index = schema["/api/v1/documents/by-index/{index_number}"]["GET"]
    documents = [
        library.measures,
        library.old_measures,
        library.plan,
        library.reading,
        library.withdrawn,
    ]
    cases = [by_id.Case(path_parameters={"id": d.pk}) for d in documents]
    cases += [by_index.Case(path_parameters={"index_number": d.index_number}) for d in documents]
    cases.append(schema["/api/v1/documents"]["GET"].Case(query={"page_size": 2}))
    cases.append(schema["/api/v1/search"]["GET"].Case(query={"q": "就业"}))
    for case in cases:
        response = case.call()
        assert response.status_code == 200, (case.path_parameters, case.query)
        case.validate_response(response, checks=CHECKS)
