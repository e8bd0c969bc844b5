"""The OpenAPI document is valid and the API keeps to it (schemathesis, in-process over WSGI)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate

from carte import create_app
from carte.web.openapi import openapi_document
from tests.helpers import TEST_DATABASE_URL, insert_enterprise, openapi_checks


def test_the_openapi_document_validates(client):
    document = client.get("/api/openapi.json").get_json()
    validate(document)
    assert set(document["paths"]) >= {
        "/enterprises",
        "/enterprises/{id}",
        "/sectors",
        "/items",
        "/mrc",
        "/mrc/{code}",
    }


def test_the_documented_answers_match_real_ones(client, connection):
    identifier = insert_enterprise(connection, opening_hours="24/7", services=["vente"])
    document = client.get("/api/openapi.json").get_json()
    feature_properties = document["components"]["schemas"]["Enterprise"]["properties"]["properties"]
    served = client.get(f"/api/enterprises/{identifier}").get_json()["properties"]
    assert set(served) <= set(feature_properties["properties"])


#: One app for the whole module: schemathesis parametrizes at collection time.
APP = create_app({"DATABASE_URL": TEST_DATABASE_URL, "TESTING": True, "SECRET_KEY": "test"})
schema = schemathesis.openapi.from_dict(openapi_document("http://localhost"))
schema.app = APP


@pytest.fixture()
def served_data(connection):
    """Bind the module's app to the test's transaction, holding a few enterprises."""
    APP.extensions["carte_bind"] = connection
    APP.extensions.pop("carte_response_cache", None)
    insert_enterprise(
        connection,
        name="Ressourcerie « test »",
        opening_hours="Mo-Fr 09:00-17:00",
        services=["vente"],
        phone="+14185550101",
        website="https://exemple.org",
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


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_schemathesis_finds_no_server_error_and_no_schema_breaking_answer(case, served_data):
    case.call_and_validate(checks=openapi_checks())
