"""Imports stopped at random moments on a loaded database (SIGKILL, SIGTERM, connection ended by the
server): every table stays exactly as before, and a normal run afterwards succeeds."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text

from tests.faults import (
    backends,
    fingerprint,
    interrupt,
    purge_source,
    run_carte,
    scenario,
    start_carte,
    terminate,
    unique_name,
    wait_for,
)

pytestmark = pytest.mark.verify
#: Runs per kind of fault; the random moments are drawn from this seed (CARTE_FAULT_SEED overrides).
RUNS = {"SIGKILL": 24, "SIGTERM": 6, "terminate": 6}
#: Half the runs count their delay from the start, half from the first write of the transaction
#: (cleaning in Python takes most of the run; this spreads the faults over the database work too).
WRITING = "backend_xid IS NOT NULL"
SEED = int(os.environ.get("CARTE_FAULT_SEED", "20260"))


@pytest.fixture(scope="module")
def loaded(engine: Engine, database_url: str, tmp_path_factory) -> Iterator[dict]:
    """A source with its first 6,000 rows stored, its next list of 20,000 rows, and how long that
    import takes to its first write and from there to its end (a dry run does the same work)."""
    source = unique_name("verify-kills")
    before, full = scenario(tmp_path_factory.mktemp("kills"), 20_000, 6_000, database_url, seed=17)
    assert run_carte(database_url, "ingest", str(before), "--source", source).returncode == 0
    app_name = unique_name("timing")
    started = time.monotonic()
    process = start_carte(database_url, app_name, "ingest", str(full), "--source", source, "--dry-run")
    assert wait_for(engine, app_name, WRITING)
    writing = time.monotonic()
    assert process.wait(timeout=300) == 0
    ended = time.monotonic()
    yield {"source": source, "path": full, "start": writing - started, WRITING: ended - writing}
    purge_source(engine, source)


def phase(engine: Engine, app_name: str) -> str:
    """What the import's backend is doing, in a few words (for the log of the runs)."""
    pids = backends(engine, app_name, "xact_start IS NOT NULL")
    if not pids:
        return "before its transaction"
    with engine.connect() as connection:
        query = connection.execute(
            text(
                "SELECT state || ': ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 50)"
                " FROM pg_stat_activity WHERE pid = :p"
            ),
            {"p": pids[0]},
        ).scalar()
    return query or "in its transaction"


#: Share of each phase the delays are spread over: the time to the first write varies with the load
#: of the machine, so its end is left out, lest a faster run commit before the signal.
SPANS = {"start": (0.05, 0.7), WRITING: (0.05, 0.85)}


def moments(rng: random.Random, runs: int, loaded: dict) -> list[tuple[str, float]]:
    """Random moments spread over the import: (anchor, delay), one delay drawn in each equal slice of
    the span of the phase after its anchor (the start, or the first write), in random order."""
    anchors = ["start", WRITING] * (runs // 2) + ["start"] * (runs % 2)
    counts = {anchor: anchors.count(anchor) for anchor in set(anchors)}
    drawn = []
    for anchor, count in counts.items():
        low, high = SPANS[anchor]
        width = (high - low) / count
        drawn += [
            (anchor, (low + width * (number + rng.random())) * loaded[anchor]) for number in range(count)
        ]
    rng.shuffle(drawn)
    return drawn


def stop_at(
    engine: Engine, database_url: str, loaded: dict, moment: tuple[str, float], stop: Callable
) -> tuple[int, str]:
    """Start the import, wait until the moment (delay after its anchor), stop it; exit code, stderr."""
    anchor, delay = moment

    def at_the_moment(process, app_name: str) -> None:
        if anchor != "start":
            assert wait_for(engine, app_name, anchor), "the import never began writing"
        time.sleep(delay)
        assert process.poll() is None, f"the import ended before {delay:.1f} s: no fault injected"
        print(f"{'start' if anchor == 'start' else 'write'} +{delay:5.1f} s  {phase(engine, app_name)}")
        stop(process, app_name)

    return interrupt(
        engine,
        database_url,
        ("ingest", str(loaded["path"]), "--source", loaded["source"], "--json"),
        at_the_moment,
    )


def send(engine: Engine, signum: int) -> Callable:
    """Stop the process with a signal; SIGTERM once the command runs (before, Python's own start-up
    has no handler yet and the process just ends, which writes nothing either)."""

    def stop(process, app_name: str) -> None:
        if signum == signal.SIGTERM:
            wait_for(engine, app_name, "true", timeout=60)
        os.kill(process.pid, signum)

    return stop


def end_connection(engine: Engine) -> Callable:
    """Stop the import by ending its backend once it is inside its transaction."""

    def stop(_process, app_name: str) -> None:
        terminate(engine, wait_for(engine, app_name, "xact_start IS NOT NULL", timeout=60))

    return stop


@pytest.mark.parametrize("fault", list(RUNS))
def test_an_import_stopped_at_random_moments_leaves_every_table_as_before(
    engine, database_url, loaded, fault
):
    """Each run stopped at a random moment of the import: same fingerprint of every written table;
    SIGTERM and an ended connection also give one French sentence and exit code 1."""
    rng = random.Random(f"{SEED}-{fault}")
    stop = end_connection(engine) if fault == "terminate" else send(engine, getattr(signal, fault))
    before = fingerprint(engine)
    for moment in moments(rng, RUNS[fault], loaded):
        code, err = stop_at(engine, database_url, loaded, moment, stop)
        assert fingerprint(engine) == before
        if fault == "SIGKILL":
            assert code == -signal.SIGKILL
        else:
            assert code == 1 and err.startswith("Erreur :") and "rien n'a été enregistré" in err, err
            assert "Traceback" not in err


def test_after_the_faults_a_normal_import_succeeds(engine, database_url, loaded):
    """The same list, run to its end: inserts the new rows and updates the edited ones."""
    done = run_carte(database_url, "ingest", str(loaded["path"]), "--source", loaded["source"], "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["inserted"], summary["updated"], summary["unchanged"]) == (14_000, 2_000, 4_000)
