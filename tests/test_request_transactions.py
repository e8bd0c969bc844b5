"""Public reads run each statement on its own (autocommit); everything else runs in a transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from carte import create_app
from carte.web.session import close_session, get_session

#: After a pause, a statement inside a transaction still carries the transaction's start time.
SAME_START = "SELECT transaction_timestamp() = statement_timestamp()"


@pytest.fixture()
def app(database_url: str) -> Iterator[Flask]:
    """The application on its real engine (no test transaction bound)."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test"})
    yield app
    app.extensions["carte_engine"].dispose()


def second_statement_starts_its_own_transaction(app: Flask, method: str, path: str) -> bool:
    """Whether, during a request, a statement run after another one is a transaction of its own."""
    with app.test_request_context(path, method=method):
        try:
            session = get_session()
            session.execute(text("SELECT pg_sleep(0.02)"))
            return session.execute(text(SAME_START)).scalar_one()
        finally:
            close_session()


@pytest.mark.parametrize("path", ["/api/enterprises", "/carte/donnees.json", "/embed"])
def test_public_reads_run_in_autocommit(app: Flask, path: str) -> None:
    assert second_statement_starts_its_own_transaction(app, "GET", path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/export/enterprises.csv"),  # streamed through a server-side cursor, which needs one
        ("GET", "/admin/"),
        ("POST", "/api/enterprises"),
    ],
)
def test_exports_staff_pages_and_writes_run_in_a_transaction(app: Flask, method: str, path: str) -> None:
    assert not second_statement_starts_its_own_transaction(app, method, path)


def test_connections_leave_autocommit_when_they_return_to_the_pool(app: Flask) -> None:
    second_statement_starts_its_own_transaction(app, "GET", "/api/enterprises")
    with app.extensions["carte_engine"].connect() as connection:
        connection.execute(text("SELECT pg_sleep(0.02)"))
        assert not connection.execute(text(SAME_START)).scalar_one()
