"""A stopped import writes nothing: SIGTERM and a connection ended by the server, on a loaded database."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.faults import (
    fingerprint,
    interrupt,
    purge_source,
    run_carte,
    scenario,
    terminate,
    unique_name,
    wait_for,
)

#: The command is inside its transaction and has written to it (staging, geocoding or applying).
WRITING = "backend_xid IS NOT NULL"


@pytest.fixture(scope="module")
def loaded(engine: Engine, database_url: str, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A source whose first 5,200 rows are stored (more than the import checks names of, which is slow),
    and its next list of 12,000 rows (updates, inserts)."""
    source = unique_name("test-faults")
    before, full = scenario(tmp_path_factory.mktemp("faults"), 12_000, 5_200, database_url, seed=11)
    assert run_carte(database_url, "ingest", str(before), "--source", source).returncode == 0
    yield source, full
    purge_source(engine, source)


def stop_midway(
    engine: Engine,
    database_url: str,
    loaded: tuple[str, Path],
    stop: Callable[[subprocess.Popen, list[int]], None],
) -> tuple[int, str]:
    """Start the import, let it write, stop it with `stop(process, pids)`; its exit code and stderr."""
    source, path = loaded

    def when_writing(process: subprocess.Popen, app_name: str) -> None:
        pids = wait_for(engine, app_name, WRITING)
        assert pids, "the import never began writing"
        stop(process, pids)

    return interrupt(engine, database_url, ("ingest", str(path), "--source", source, "--json"), when_writing)


def test_sigterm_stops_the_import_with_a_clear_message_and_writes_nothing(engine, database_url, loaded):
    """SIGTERM mid-import: the query is cancelled, the transaction rolled back, one French sentence."""
    before = fingerprint(engine)
    code, err = stop_midway(
        engine, database_url, loaded, lambda process, _pids: os.kill(process.pid, signal.SIGTERM)
    )
    assert code == 1 and err.startswith("Erreur : Import interrompu (SIGTERM)")
    assert "rien n'a été enregistré" in err and "Traceback" not in err
    assert fingerprint(engine) == before


def test_a_connection_ended_mid_transaction_is_reported_and_writes_nothing(engine, database_url, loaded):
    """pg_terminate_backend on the import's backend: a French error, exit 1, every table as before."""
    before = fingerprint(engine)
    code, err = stop_midway(engine, database_url, loaded, lambda _process, pids: terminate(engine, pids))
    assert code == 1 and "connexion à la base de données a été coupée" in err
    assert "rien n'a été enregistré" in err and "Traceback" not in err
    assert fingerprint(engine) == before
