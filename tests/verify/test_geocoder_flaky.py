"""`carte ingest` and `carte geocode --retry-failed` as staff run them, against a geocoder failing 30 %
of its calls (real Retry-After waits): the import finishes with every row stored, and retry passes
settle every failure without ever erasing or downgrading a point."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from carte.core.precision import PRECISIONS
from tests.faults import purge_source, run_carte, unique_name
from tests.flaky_geocoder import FlakyServer, listing, postal_locator, serve
from tests.ingest_files import write_csv

pytestmark = pytest.mark.verify
ROWS = 400
ONLINE = ("--geocoder", "nominatim,offline")


@pytest.fixture()
def flaky(engine) -> Iterator[FlakyServer]:
    """The fake Nominatim failing 30 % of calls, its slow answers twice the client's timeout."""
    yield from serve(FlakyServer(postal_locator(engine), seed=30, slow_seconds=1.0))


def placements(engine, source: str) -> dict[int, tuple[int, bool, bool]]:
    """Each enterprise's precision rank (0 = unplaced), whether published, whether retryable."""
    with engine.connect() as connection:
        return {
            row.id: (
                len(PRECISIONS) - PRECISIONS.index(row.geocode_precision) if row.geocode_precision else 0,
                row.published,
                "geocoder_error" in row.flags,
            )
            for row in connection.execute(
                text("SELECT id, geocode_precision, published, flags FROM enterprise WHERE source = :s"),
                {"s": source},
            )
        }


def test_a_flaky_geocoder_is_settled_by_retry_passes(engine, database_url, flaky, tmp_path):
    """400 rows: all stored; each retry pass only improves points; a few passes leave none failing."""
    source = unique_name("verify-flaky")
    env = {"CARTE_GEOCODER_URL": flaky.url, "CARTE_GEOCODER_MIN_DELAY": "0", "CARTE_GEOCODER_TIMEOUT": "0.5"}
    try:
        rows = listing(engine, ROWS, 31, street=f"rue {source}")
        done = run_carte(
            database_url,
            "ingest",
            str(write_csv(tmp_path / "l.csv", rows)),
            "--source",
            source,
            *ONLINE,
            "--json",
            **env,
        )
        assert done.returncode == 0 and json.loads(done.stdout)["inserted"] == ROWS, done.stderr
        assert set(flaky.faults()) == {"ok", "429", "500", "timeout", "garbage"}
        before = placements(engine, source)
        passes = []
        while any(retryable for _rank, _published, retryable in before.values()) and len(passes) < 8:
            retry = run_carte(database_url, "geocode", "--retry-failed", *ONLINE, "--json", **env)
            passes.append(json.loads(retry.stdout))
            after = placements(engine, source)
            assert after.keys() == before.keys()
            assert all(after[i][0] >= before[i][0] for i in before), "a point was downgraded"
            assert all(published for rank, published, _r in after.values() if rank)
            before = after
        print(f"{sum(1 for _ in before)} stored; retry passes: {passes}")
        assert not any(retryable for _rank, _published, retryable in before.values())
    finally:
        purge_source(engine, source)
