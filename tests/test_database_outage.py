"""The database away (down, or every connection dropped as a restart does): 503 with a clear message,
never a traceback, and the running application recovers on its own."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from carte import create_app
from tests.faults import backends, named_url, terminate, unique_name
from tests.outage import PATHS, start_clients, stop_clients

MESSAGE = "La base de données est momentanément indisponible"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def served(database_url: str) -> Iterator[tuple[str, str]]:
    """The application on a threaded loopback server, its connections named; base URL and name."""
    app_name = unique_name("outage")
    app = create_app({"DATABASE_URL": named_url(database_url, app_name), "SECRET_KEY": "test"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app_name
    server.shutdown()
    app.extensions["carte_engine"].dispose()


@pytest.mark.parametrize("path", ["/", "/entreprises/1", *PATHS])
def test_a_database_that_is_down_gives_503_and_a_french_message(path):
    """No server at the database's address: 503, Retry-After, the message in JSON or in the page."""
    app = create_app(
        {
            "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/carte",
            "SECRET_KEY": "test",
        }
    )
    response = app.test_client().get(path)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    shown = response.get_json()["error"]["message"] if path in PATHS else response.get_data(as_text=True)
    assert MESSAGE in shown and "Traceback" not in shown


def test_the_503_message_is_translated():
    """`?lang=en`: the same outage explained in English."""
    app = create_app(
        {
            "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/carte",
            "SECRET_KEY": "test",
        }
    )
    assert (
        "temporarily unavailable" in app.test_client().get("/api/mrc?lang=en").get_json()["error"]["message"]
    )


def test_when_every_connection_is_dropped_the_running_app_recovers(engine, served):
    """Clients keep reading while the server ends all the app's connections three times (what a
    restart does to them): only 200 or 503, never 500; after the drops, every answer is 200."""
    base_url, app_name = served
    answers, threads = start_clients(base_url)
    try:
        time.sleep(1.0)
        first = time.monotonic()
        for _ in range(3):
            terminate(engine, backends(engine, app_name))
            time.sleep(0.3)
        last = time.monotonic()
        time.sleep(2.0)
    finally:
        stop_clients(answers, threads)
    assert answers.statuses() <= {200, 503}, answers.failures()[:3]
    assert answers.statuses(last + 1.0) == {200}
    assert all(first <= at <= last + 1.0 and MESSAGE in body for at, _p, status, body in answers.failures())
