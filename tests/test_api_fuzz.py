"""Schemathesis against a real HTTP server (werkzeug on loopback) on the test database: no 500 and every
answer as documented. A small run in `make test`; more than 10,000 generated requests under `make verify`."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from werkzeug.serving import make_server

from carte import create_app
from carte.web.openapi import openapi_document
from tests.helpers import TEST_DATABASE_URL, insert_enterprise, openapi_checks

#: One app for the module: schemathesis parametrizes at collection time.
APP = create_app({"DATABASE_URL": TEST_DATABASE_URL, "TESTING": True, "SECRET_KEY": "test"})
#: Requests the server answered, by status; printed at the end of the module.
SERVED: Counter = Counter()
schema = schemathesis.openapi.from_dict(openapi_document("http://127.0.0.1"))
LIST = schema.include(path="/enterprises")
OTHERS = schema.exclude(path="/enterprises")
SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def counting(wsgi_app):
    """The application, counting each answer's status."""

    def app(environ, start_response):
        def start(status, headers, *args):
            SERVED[int(status.split()[0])] += 1
            return start_response(status, headers, *args)

        return wsgi_app(environ, start)

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The app served over HTTP on a free loopback port, one request at a time."""
    http = make_server("127.0.0.1", 0, counting(APP), threaded=False)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}/api"
    http.shutdown()
    print(f"\n[fuzz] {sum(SERVED.values())} requêtes servies : {dict(sorted(SERVED.items()))}")


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """One keep-alive HTTP session for every generated request."""
    with requests.Session() as http:
        yield http


@pytest.fixture()
def served_data(connection):
    """Bind the served app to the test's transaction (the server answers one request at a time),
    holding enterprises with awkward values."""
    APP.extensions["carte_bind"] = connection
    APP.extensions.pop("carte_response_cache", None)
    insert_enterprise(
        connection,
        name="Ressourcerie « 100 % _test_ »",
        opening_hours="Mo-Fr 09:00-17:00",
        services=["vente"],
        phone="+14185550101",
        website="https://exemple.org",
        description="<script>alert(1)</script> \u202e",
    )
    insert_enterprise(
        connection,
        name="Sans position",
        lon=None,
        lat=None,
        geocode_precision=None,
        mrc_code=None,
        municipality_code=None,
    )
    yield
    APP.extensions.pop("carte_bind", None)


def call(case, server: str, session: requests.Session) -> None:
    """Send the generated request to the real server and check the answer against the document."""
    case.call_and_validate(base_url=server, session=session, checks=openapi_checks(), timeout=30)


@LIST.parametrize()
@settings(max_examples=20, **SETTINGS)
def test_generated_list_requests_over_http_find_no_failure(case, server, session, served_data):
    call(case, server, session)


@OTHERS.parametrize()
@settings(max_examples=8, **SETTINGS)
def test_generated_requests_to_other_operations_find_no_failure(case, server, session, served_data):
    call(case, server, session)


@pytest.mark.verify
@LIST.parametrize()
@settings(max_examples=8_000, **SETTINGS)
def test_eight_thousand_generated_list_requests_find_no_failure(case, server, session, served_data):
    call(case, server, session)


@pytest.mark.verify
@OTHERS.parametrize()
@settings(max_examples=1_500, **SETTINGS)
def test_thousands_of_generated_requests_to_other_operations_find_no_failure(
    case, server, session, served_data
):
    call(case, server, session)
