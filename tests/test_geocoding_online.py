"""The online geocoder against a local server speaking Nominatim's JSON, faults injected on purpose."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from carte.geo.geocoding import Address, Chain, GeocoderConfigError, OnlineGeocoder, parse_chain
from carte.ingest.pipeline import IngestOptions, ingest_file
from tests.flaky_geocoder import send
from tests.ingest_files import write_csv

USER_AGENT = "carte-tests/1.0 (tests locaux)"
GOOD = {
    "lat": "46.119",
    "lon": "-70.668",
    "display_name": "100 1re Avenue, Saint-Georges",
    "class": "building",
    "type": "house",
    "addresstype": "building",
}


class FakeNominatim(BaseHTTPRequestHandler):
    """Answers /search like Nominatim; the words of the query choose the behaviour."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        query = parse_qs(urlsplit(self.path).query).get("q", [""])[0].lower()
        server = self.server
        server.requests.append({"q": query, "agent": self.headers.get("User-Agent"), "at": time.monotonic()})
        if server.broken or "panne" in query:
            return self._send(500, b"erreur interne")
        if "limite" in query and server.seen.setdefault(query, 0) == 0:
            server.seen[query] += 1
            return self._send(429, b"trop de requetes", {"Retry-After": "1"})
        if "lent" in query:
            time.sleep(0.6)
        if "illisible" in query:
            return self._send(200, b'[{"lat": 46.1, ', {"Content-Type": "application/json"})
        body = [] if "inconnue" in query else [GOOD]
        return self._send(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
        """Write a response."""
        send(self, status, body, headers)

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


@pytest.fixture()
def nominatim() -> Iterator[ThreadingHTTPServer]:
    """A fake Nominatim on a loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    server.requests, server.seen, server.broken = [], {}, False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def make_geocoder(
    server: ThreadingHTTPServer, sleeps: list[float] | None = None, min_delay: float = 0.0
) -> OnlineGeocoder:
    """An adapter pointed at the fake server, with tiny delays."""

    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        time.sleep(min(seconds, 0.05))

    return OnlineGeocoder(
        "nominatim",
        user_agent=USER_AGENT,
        url=f"http://127.0.0.1:{server.server_port}",
        min_delay=min_delay,
        timeout=0.3,
        sleep=sleep,
    )


def test_an_address_is_found_with_the_identifying_user_agent(nominatim):
    """A normal answer is an 'address' result; the request carries our user agent."""
    result = make_geocoder(nominatim).geocode(Address("100 1re Avenue bonne", "Saint-Georges", "G5Y 1L3"))
    assert (result.status, result.precision, result.latitude) == ("found", "address", 46.119)
    assert nominatim.requests[0]["agent"] == USER_AGENT


def test_a_429_is_retried_after_the_delay_the_server_asks_for(nominatim):
    """`429 Retry-After: 1` makes the adapter wait one second, then ask again."""
    sleeps: list[float] = []
    result = make_geocoder(nominatim, sleeps).geocode(Address("1 rue limite", "Lévis"))
    assert result.status == "found" and 1.0 in sleeps and len(nominatim.requests) == 2


@pytest.mark.parametrize("street", ["1 rue panne", "1 rue lent", "1 rue illisible"])
def test_server_errors_timeouts_and_malformed_json_are_errors_not_not_found(nominatim, street):
    """500, a timeout and broken JSON are faults to retry later, never 'this address does not exist'."""
    geocoder = make_geocoder(nominatim)
    result = geocoder.geocode(Address(street, "Lévis"))
    assert result.status == "error" and geocoder.errors == 1


def test_requests_are_spaced_by_the_minimum_delay(nominatim):
    """With Nominatim's one second between requests, each request after the first waits for it."""
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds  # a clock that only moves when the adapter waits

    geocoder = OnlineGeocoder(
        "nominatim",
        user_agent=USER_AGENT,
        min_delay=1.0,
        timeout=2,
        url=f"http://127.0.0.1:{nominatim.server_port}",
        sleep=sleep,
        clock=lambda: now[0],
    )
    for number in range(3):
        geocoder.geocode(Address(f"{number} rue bonne", "Lévis"))
    assert sleeps == [1.0, 1.0] and len(nominatim.requests) == 3


def test_an_unknown_service_in_the_chain_is_refused():
    """`--geocoder gogle` names the services that exist."""
    with pytest.raises(GeocoderConfigError, match="nominatim"):
        parse_chain("gogle,offline")
    assert parse_chain("nominatim, offline") == Chain(online=("nominatim",), offline=True)


def rows_file(tmp_path: Path, name: str, phone: str = "") -> Path:
    """A two-row list whose first address the fake server knows."""
    return write_csv(
        tmp_path / name,
        [
            ["G1", "Ressourcerie (test)", "100 1re Avenue bonne", "Saint-Georges", "G5Y 1L3", phone]
            + [""] * 6,
            ["G2", "Friperie (test)", "2 rue inconnue", "Sainte-Marie", "G6E 3B6", ""] + [""] * 6,
        ],
    )


def test_reingesting_never_asks_the_geocoder_twice_for_an_address(connection, nominatim, tmp_path):
    """Found and not-found answers are cached: a second file with the same addresses makes no call."""
    first = make_geocoder(nominatim)
    options = IngestOptions(source="test-online", chain=parse_chain("nominatim,offline"), geocoders=[first])
    result = ingest_file(connection, rows_file(tmp_path, "a.csv"), options)
    assert first.calls == 2 and result.precision == {"address": 1, "postal_code": 1}
    second = make_geocoder(nominatim)
    options.geocoders = [second]
    again = ingest_file(connection, rows_file(tmp_path, "b.csv", phone="418 555-0100"), options)
    assert second.calls == 0 and again.geocoder_calls == 0 and again.counts["updated"] == 1


def test_geocoder_faults_never_erase_a_good_point_and_are_not_cached(connection, nominatim, tmp_path):
    """With the cache emptied and the service down, the stored address-level point stays."""
    options = IngestOptions(
        source="test-online", chain=parse_chain("nominatim,offline"), geocoders=[make_geocoder(nominatim)]
    )
    ingest_file(connection, rows_file(tmp_path, "a.csv"), options)
    before = connection.execute(
        text("SELECT ST_AsText(point), geocode_precision FROM enterprise WHERE external_id = 'G1'")
    ).one()
    connection.execute(text("DELETE FROM geocode_cache"))
    nominatim.broken = True
    options.geocoders = [make_geocoder(nominatim)]
    result = ingest_file(connection, rows_file(tmp_path, "b.csv", phone="418 555-0100"), options)
    after = connection.execute(
        text("SELECT ST_AsText(point), geocode_precision FROM enterprise WHERE external_id = 'G1'")
    ).one()
    assert before[1] == "address" and after == before
    assert connection.execute(text("SELECT count(*) FROM geocode_cache")).scalar_one() == 0
    reasons = " ".join(r for o in result.outcomes for r in o.reasons)
    assert "géocodeur en ligne en erreur" in reasons and "point déjà enregistré conservé" in reasons
