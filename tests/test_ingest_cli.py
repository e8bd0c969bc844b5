"""`carte ingest` as staff run it: a real process, its own transaction, its output and exit code."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.faults import (
    fingerprint,
    generated_list,
    interrupt,
    purge_source,
    run_carte,
    unique_name,
    wait_for,
)
from tests.ingest_files import messy_rows, write_csv


@pytest.fixture()
def source(engine: Engine) -> Iterator[str]:
    """A source name of its own; what the command committed under it is removed afterwards."""
    name = unique_name("test-cli")
    yield name
    purge_source(engine, name)


def test_json_output_has_exactly_the_documented_keys_and_a_rerun_changes_nothing(
    database_url, source, tmp_path
):
    """`--json` prints read/inserted/updated/unchanged/rejected/precision/duplicates; a rerun is a no-op."""
    path = write_csv(tmp_path / "liste.csv", messy_rows(), delimiter=";", encoding="cp1252")
    first = json.loads(run_carte(database_url, "ingest", str(path), "--source", source, "--json").stdout)
    second = json.loads(run_carte(database_url, "ingest", str(path), "--source", source, "--json").stdout)
    assert list(first) == ["read", "inserted", "updated", "unchanged", "rejected", "precision", "duplicates"]
    assert (first["inserted"], first["rejected"], first["precision"]) == (3, 3, {"postal_code": 3})
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 0, 3)


def test_the_summary_and_report_are_in_french(database_url, source, tmp_path):
    """Without --json: a French summary; --report writes one line per row."""
    path = write_csv(tmp_path / "liste.csv", messy_rows())
    done = run_carte(
        database_url,
        "ingest",
        str(path),
        "--source",
        source,
        "--dry-run",
        "--report",
        str(tmp_path / "rapport.csv"),
    )
    assert done.returncode == 0
    assert "Simulation" in done.stdout and "ajoutées : 3" in done.stdout and "rejetées : 3" in done.stdout
    assert len((tmp_path / "rapport.csv").read_text(encoding="utf-8-sig").splitlines()) == 7


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("liste.ods", b"PK", "OpenDocument"),
        ("sans_nom.csv", "Adresse;Ville\n1 rue A;Lévis\n".encode(), "Aucune colonne de nom"),
    ],
)
def test_an_unusable_file_gives_one_french_error_and_a_failure_exit(
    database_url, tmp_path, name, content, message
):
    """No traceback: one line starting with 'Erreur :' and exit code 1."""
    path = tmp_path / name
    path.write_bytes(content)
    done = run_carte(database_url, "ingest", str(path))
    assert done.returncode == 1
    assert done.stderr.startswith("Erreur :") and message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_geocoder_is_a_clear_error(database_url, tmp_path):
    """`--geocoder gogle` exits 1 naming the valid choices."""
    path = write_csv(tmp_path / "liste.csv", messy_rows())
    done = run_carte(database_url, "ingest", str(path), "--geocoder", "gogle")
    assert done.returncode == 1 and "nominatim" in done.stderr


@pytest.fixture(scope="module")
def big_file(tmp_path_factory, database_url) -> Path:
    """A generated list large enough for the import to last a few seconds."""
    return generated_list(tmp_path_factory.mktemp("big") / "big.csv", 20_000, database_url, seed=3)


@pytest.mark.parametrize(
    "moment",
    [
        "backend_xid IS NOT NULL",  # staging and geocoding have begun
        "state = 'active' AND query LIKE '%INSERT INTO enterprise%'",  # writing the enterprises
    ],
)
def test_killing_the_import_at_any_moment_leaves_the_database_unchanged(
    engine, database_url, source, big_file, moment
):
    """SIGKILL mid-import: the single transaction never commits, every table is as before."""
    before = fingerprint(engine)

    def at_the_moment(process, app_name: str) -> None:
        assert wait_for(engine, app_name, moment), "the import never reached the moment to kill it"
        os.kill(process.pid, signal.SIGKILL)

    interrupt(engine, database_url, ("ingest", str(big_file), "--source", source, "--json"), at_the_moment)
    assert fingerprint(engine) == before
