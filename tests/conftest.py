"""Fixtures over a real PostGIS test database: each test runs in a transaction rolled back after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from carte import create_app
from carte.core.config import load_config
from carte.core.vocabulary import load_vocabulary, store_vocabulary
from carte.geo.geodata import load_geodata
from carte.staff import accounts
from carte.store import schema
from carte.store.engine import make_engine
from tests.helpers import PASSWORD, TEST_DATABASE_URL, sign_in


@pytest.fixture(scope="session")
def database_url() -> str:
    """URL of the test database (CARTE_TEST_DATABASE_URL), prepared by `make test`."""
    return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Engine on the test database, migrated and holding the reference geodata."""
    engine = make_engine(database_url)
    schema.upgrade(engine)
    with engine.connect() as connection:
        loaded = connection.execute(text("SELECT count(*) FROM municipality")).scalar()
    if loaded != 1285:
        load_geodata(engine, load_config()["GEODATA_DIR"])
    with engine.begin() as connection:
        store_vocabulary(connection, load_vocabulary())
    yield engine
    engine.dispose()


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture()
def db_session(connection: Connection) -> Iterator[Session]:
    """An ORM session inside the test's transaction (its commits become savepoints)."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session


@pytest.fixture()
def app(database_url: str, connection: Connection) -> Flask:
    """The application, its requests bound to the test's transaction."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test"})
    app.extensions["carte_bind"] = connection
    return app


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """A test client of the application."""
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the application's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture()
def admin(client: FlaskClient, connection: Connection) -> None:
    """An admin account signed in on the test client (the module's app must send cookies over HTTP)."""
    accounts.create_user(connection, "admin@exemple.org", PASSWORD, "admin")
    sign_in(client, "admin@exemple.org")
