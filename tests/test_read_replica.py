"""CARTE_DATABASE_READ_URL: public GET routes read the replica, everything that writes uses the primary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

from carte import create_app
from carte.core.vocabulary import load_vocabulary, store_vocabulary
from carte.store import schema
from carte.store.engine import make_engine
from tests.helpers import form_data, insert_enterprise, suggestions_in

ON_REPLICA = "Ressourcerie du réplica (test)"
ON_PRIMARY = "Friperie du primaire (test)"


@pytest.fixture(scope="session")
def replica_url(database_url: str) -> Iterator[str]:
    """A second database standing for a streaming replica: same schema, one enterprise of its own."""
    url = make_url(database_url)
    replica = url.set(database=f"{url.database}_replica")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": replica.database}
        ).scalar():
            connection.execute(text(f'CREATE DATABASE "{replica.database}"'))
    server.dispose()
    engine = make_engine(replica.render_as_string(hide_password=False))
    schema.upgrade(engine)
    with engine.begin() as connection:
        store_vocabulary(connection, load_vocabulary())
        connection.execute(text("DELETE FROM enterprise"))
        insert_enterprise(connection, name=ON_REPLICA, mrc_code=None, municipality_code=None)
    yield replica.render_as_string(hide_password=False)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM enterprise"))
    engine.dispose()


@pytest.fixture()
def app(database_url: str, replica_url: str, connection: Connection) -> Flask:
    """The application with a read replica; the primary's requests bound to the test's transaction."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "DATABASE_READ_URL": replica_url,
            "TESTING": True,
            "SECRET_KEY": "test",
            "SESSION_COOKIE_SECURE": False,
            "SUGGESTION_MIN_SECONDS": 0,
        }
    )
    app.extensions["carte_bind"] = connection
    yield app
    app.extensions["carte_read_engine"].dispose()


@pytest.mark.parametrize("path", ["/api/enterprises", "/export/enterprises.csv", "/embed?view=list"])
def test_public_read_routes_answer_from_the_replica(client, connection, path):
    insert_enterprise(connection, name=ON_PRIMARY)
    body = client.get(path).get_data(as_text=True)
    assert ON_REPLICA in body and ON_PRIMARY not in body


def test_the_map_data_and_the_names_of_its_rows_are_read_from_the_replica(client, connection):
    insert_enterprise(connection, name=ON_PRIMARY)
    payload = client.get("/carte/donnees.json").json
    answer = client.get(f"/carte/lignes?v={payload['version']}&n=0").json
    assert payload["count"] == 1 and answer["name"] == [ON_REPLICA]


def test_an_enterprise_page_is_read_from_the_replica(client, replica_url):
    engine = create_engine(replica_url)
    with engine.connect() as replica:
        enterprise = replica.execute(
            text("SELECT id FROM enterprise WHERE name = :n"), {"n": ON_REPLICA}
        ).scalar()
    engine.dispose()
    response = client.get(f"/entreprises/{enterprise}")
    assert response.status_code == 200 and ON_REPLICA in response.get_data(as_text=True)


def test_a_suggestion_is_written_to_the_primary_and_never_to_the_replica(client, connection, replica_url):
    enterprise = insert_enterprise(connection, name=ON_PRIMARY)
    path = f"/suggestions/modifier/{enterprise}"
    response = client.post(
        path, data=form_data(client, path, name=ON_PRIMARY, opening_hours="Mo-Fr 09:00-17:00")
    )
    assert response.status_code == 302
    assert len(suggestions_in(connection)) == 1
    engine = create_engine(replica_url)
    with engine.connect() as replica:
        assert replica.execute(text("SELECT count(*) FROM suggestion")).scalar() == 0
    engine.dispose()


def test_without_a_replica_every_route_reads_the_primary(database_url, connection):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test"})
    app.extensions["carte_bind"] = connection
    insert_enterprise(connection, name=ON_PRIMARY)
    assert "carte_read_engine" not in app.extensions
    assert ON_PRIMARY in app.test_client().get("/api/enterprises").get_data(as_text=True)
