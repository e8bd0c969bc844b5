"""A flaky online geocoder (429, 500, timeouts, garbage in 30 % of calls): every row is stored, good
points are never erased or downgraded, failures stay retryable and `retry_failed` settles them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from carte.geo.geocoding import Address, OnlineGeocoder, parse_chain
from carte.geo.retry import retry_failed
from carte.ingest.pipeline import IngestOptions, ingest_file
from tests.faults import purge_source, run_carte, unique_name
from tests.flaky_geocoder import GARBAGE, FlakyServer, listing, postal_locator, serve
from tests.ingest_files import write_csv

CHAIN = parse_chain("nominatim,offline")
SOURCE = "test-flaky"
#: A postal code the online service knows and the database's table does not (nor its FSA).
NEW_CODE = "G9Z 9Z9"


@pytest.fixture()
def flaky(engine) -> Iterator[FlakyServer]:
    """The fake Nominatim failing 30 % of calls (seeded), its timeouts twice the client's."""
    yield from serve(FlakyServer(postal_locator(engine, {NEW_CODE: (46.80, -71.18)}), seed=8))


def geocoder(server: FlakyServer, sleeps: list[float] | None = None, **options) -> OnlineGeocoder:
    """The adapter pointed at the fake server, its waits recorded and shortened."""

    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        time.sleep(min(seconds, 0.01))

    return OnlineGeocoder(
        "nominatim",
        user_agent="carte-tests",
        url=server.url,
        min_delay=0,
        timeout=0.3,
        sleep=sleep,
        **options,
    )


def ingest(connection, path: Path, server: FlakyServer, sleeps: list[float] | None = None):
    """One import of the file through the fake server."""
    return ingest_file(
        connection, path, IngestOptions(source=SOURCE, chain=CHAIN, geocoders=[geocoder(server, sleeps)])
    )


def stored(connection) -> dict[int, tuple]:
    """Each enterprise of the test source: point, precision, MRC, flags, published."""
    return {
        row[0]: tuple(row[1:])
        for row in connection.execute(
            text("""
        SELECT id, ST_AsText(point), geocode_precision, mrc_code, flags, published FROM enterprise
        WHERE source = :s"""),
            {"s": SOURCE},
        )
    }


def test_a_flaky_geocoder_never_stops_the_import_and_failures_are_retried(
    connection, engine, flaky, tmp_path
):
    """Every kind of fault happens; each row is stored (fallback point, flagged retryable); the 429s
    were waited for; a retry with the service back places them at the address, in their MRC."""
    path = write_csv(tmp_path / "liste.csv", listing(engine, 60, seed=5))
    sleeps: list[float] = []
    result = ingest(connection, path, flaky, sleeps)
    assert set(flaky.faults()) == {"ok", "429", "500", "timeout", "garbage"} and 1.0 in sleeps
    rows = stored(connection)
    failed = {i: row for i, row in rows.items() if "geocoder_error" in row[3]}
    assert (
        len(rows) == result.counts["read"] - result.counts["rejected"] and result.retryable == len(failed) > 0
    )
    assert all(row[1] in ("postal_code", "municipality", "fsa") and row[4] for row in failed.values())
    flaky.fault_rate = 0
    retried = retry_failed(connection, CHAIN, [geocoder(flaky)])
    assert (retried.retried, retried.failed, retried.remaining) == (len(failed), 0, 0)
    after = stored(connection)
    assert all(after[i][1] == "address" and "geocoder_error" not in after[i][3] for i in failed)
    assert not connection.execute(
        text("""
        SELECT e.id FROM enterprise e JOIN mrc m ON m.code = e.mrc_code
        WHERE e.id = ANY(:ids) AND NOT ST_DWithin(m.geom, e.point, 0.05)"""),
        {"ids": list(failed)},
    ).all()
    assert (
        connection.execute(
            text("""SELECT count(*) FROM enterprise_revision
        WHERE enterprise_id = ANY(:ids) AND kind = 'geocode' AND changes ? 'point'"""),
            {"ids": list(failed)},
        ).scalar_one()
        == retried.found
    )


def test_a_failing_run_never_erases_or_downgrades_a_stored_point(connection, engine, flaky, tmp_path):
    """Stored address points survive an import and a retry through a service that always fails."""
    path = write_csv(tmp_path / "liste.csv", listing(engine, 20, seed=6))
    flaky.fault_rate = 0
    ingest(connection, path, flaky)
    before = stored(connection)
    assert all(row[1] == "address" for row in before.values())
    connection.execute(text("DELETE FROM geocode_cache"))
    flaky.fault_rate = 1
    ingest(connection, write_csv(tmp_path / "b.csv", listing(engine, 20, seed=6, email="nouveau")), flaky)
    after = stored(connection)
    assert {i: row[:3] for i, row in after.items()} == {i: row[:3] for i, row in before.items()}
    assert all(
        {"geocoder_error", "point_kept"} <= set(after[i][3])
        for i, row in before.items()
        if row[1] == "address"
    )
    retried = retry_failed(connection, CHAIN, [geocoder(flaky)])
    assert retried.failed == retried.retried > 0 and stored(connection) == after


def test_an_unplaced_row_waits_unpublished_then_is_published_once_placed(connection, flaky, tmp_path):
    """No offline fallback and the service down: stored unpublished; the retry places and publishes it."""
    path = write_csv(
        tmp_path / "un.csv",
        [["U1", "Atelier (test)", "12 rue des Érables", "Nulle-Part", NEW_CODE, ""] + [""] * 6],
    )
    flaky.fault_rate = 1
    ingest(connection, path, flaky)
    ((point, precision, _mrc, flags, published),) = stored(connection).values()
    assert point is None and not published and {"unplaced", "geocoder_error"} <= set(flags)
    flaky.fault_rate = 0
    assert retry_failed(connection, CHAIN, [geocoder(flaky)]).found == 1
    ((point, precision, mrc, flags, published),) = stored(connection).values()
    assert precision == "address" and published and mrc and "unplaced" not in flags


@pytest.mark.parametrize("body", GARBAGE)
def test_garbage_of_any_shape_is_an_error_never_a_not_found(flaky, body):
    """Broken JSON, `{}`, `null`, lists of junk, HTML: a fault to retry, never cached as 'not found'."""
    flaky.fault_rate, flaky.kinds, flaky.garbage = 1, ("garbage",), [body]
    assert geocoder(flaky).geocode(Address("1 rue Test", "Lévis", "G6V 4J8")).status == "error"


def test_retry_after_is_honoured_within_a_cap_and_a_budget_per_run(flaky):
    """Retry-After 1000 waits 60 s at most; once the run's budget is spent, a 429 is an error at once."""
    flaky.fault_rate, flaky.kinds, flaky.retry_after = 1, ("429",), "1000"
    sleeps: list[float] = []
    adapter = geocoder(flaky, sleeps, retry_budget=150)
    results = [adapter.geocode(Address(f"{n} rue Test", "Lévis", "G6V 4J8")).status for n in range(3)]
    assert results == ["error"] * 3 and sleeps == [60.0, 60.0] and adapter.waited <= 150


def test_a_service_failing_again_and_again_is_left_alone_for_the_rest_of_the_run(flaky):
    """After max_errors faults in a row, the adapter stops sending requests; the rows stay retryable."""
    flaky.fault_rate, flaky.kinds = 1, ("500",)
    adapter = geocoder(flaky, max_errors=3)
    results = [adapter.geocode(Address(f"{n} rue Test", "Lévis")).status for n in range(6)]
    assert results == ["error"] * 6 and len(flaky.log) == 3


def test_carte_geocode_retry_failed_retries_exactly_the_failed_rows(engine, database_url, flaky, tmp_path):
    """The command staff run: `--limit` takes the oldest, `--json` gives the counts, the rest follows;
    without an online geocoder in the chain it explains what is missing."""
    source = unique_name("test-retry")
    env = {"CARTE_GEOCODER_URL": flaky.url, "CARTE_GEOCODER_MIN_DELAY": "0", "CARTE_GEOCODER_TIMEOUT": "0.3"}
    online = ("--geocoder", "nominatim,offline")
    flaky.fault_rate, flaky.kinds = 1, ("500",)
    try:
        rows = listing(engine, 6, seed=9, street=f"rue {source}")
        done = run_carte(
            database_url,
            "ingest",
            str(write_csv(tmp_path / "l.csv", rows)),
            "--source",
            source,
            *online,
            **env,
        )
        assert "6 ligne(s) dont le géocodage en ligne a échoué" in done.stdout, done.stderr
        flaky.fault_rate = 0
        first = run_carte(database_url, "geocode", "--retry-failed", *online, "--limit", "4", "--json", **env)
        assert json.loads(first.stdout) == {
            "retryable": 6,
            "retried": 4,
            "found": 4,
            "not_found": 0,
            "failed": 0,
            "remaining": 2,
            "geocoder_calls": 4,
        }
        rest = run_carte(database_url, "geocode", "--retry-failed", *online, **env)
        assert "placées à l'adresse : 2" in rest.stdout and "Restent à réessayer : 0" in rest.stdout
        offline = run_carte(database_url, "geocode", "--retry-failed", "--geocoder", "offline")
        assert offline.returncode == 1 and "géocodeur en ligne" in offline.stderr
    finally:
        purge_source(engine, source)
