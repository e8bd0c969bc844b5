"""`carte ingest` as staff run it: a real process, its own transaction, its output and exit code."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine, text

from tests.ingest_files import messy_rows, write_csv

CARTE = [sys.executable, "-c", "from carte.cli import main; main()"]


@pytest.fixture()
def source(engine: Engine) -> Iterator[str]:
    """A source name of its own; what the command committed under it is removed afterwards."""
    name = f"test-cli-{uuid.uuid4().hex[:8]}"
    yield name
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM enterprise WHERE source = :s"), {"s": name})
        connection.execute(text("DELETE FROM import_batch WHERE source = :s"), {"s": name})


def run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """Run `carte` on the test database and capture what it prints."""
    return subprocess.run([*CARTE, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CARTE_DATABASE_URL": database_url})


def checksum(engine: Engine) -> tuple:
    """A fingerprint of every table an ingest writes to."""
    with engine.connect() as connection:
        return connection.execute(text("""
            SELECT (SELECT md5(coalesce(string_agg(e::text, '|' ORDER BY id), '')) FROM enterprise e),
                   (SELECT count(*) FROM import_batch), (SELECT count(*) FROM import_issue),
                   (SELECT count(*) FROM geocode_cache)""")).one()


def test_json_output_has_exactly_the_documented_keys_and_a_rerun_changes_nothing(
        database_url, source, tmp_path):
    """`--json` prints read/inserted/updated/unchanged/rejected/precision; the second run is a no-op."""
    path = write_csv(tmp_path / "liste.csv", messy_rows(), delimiter=";", encoding="cp1252")
    first = json.loads(run(database_url, "ingest", str(path), "--source", source, "--json").stdout)
    second = json.loads(run(database_url, "ingest", str(path), "--source", source, "--json").stdout)
    assert list(first) == ["read", "inserted", "updated", "unchanged", "rejected", "precision"]
    assert (first["inserted"], first["rejected"], first["precision"]) == (3, 3, {"postal_code": 3})
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 0, 3)


def test_the_summary_and_report_are_in_french(database_url, source, tmp_path):
    """Without --json: a French summary; --report writes one line per row."""
    path = write_csv(tmp_path / "liste.csv", messy_rows())
    done = run(database_url, "ingest", str(path), "--source", source, "--dry-run",
               "--report", str(tmp_path / "rapport.csv"))
    assert done.returncode == 0
    assert "Simulation" in done.stdout and "ajoutées : 3" in done.stdout and "rejetées : 3" in done.stdout
    assert len((tmp_path / "rapport.csv").read_text(encoding="utf-8-sig").splitlines()) == 7


@pytest.mark.parametrize("name, content, message", [
    ("liste.ods", b"PK", "OpenDocument"),
    ("sans_nom.csv", "Adresse;Ville\n1 rue A;Lévis\n".encode(), "Aucune colonne de nom"),
])
def test_an_unusable_file_gives_one_french_error_and_a_failure_exit(database_url, tmp_path, name,
                                                                     content, message):
    """No traceback: one line starting with 'Erreur :' and exit code 1."""
    path = tmp_path / name
    path.write_bytes(content)
    done = run(database_url, "ingest", str(path))
    assert done.returncode == 1
    assert done.stderr.startswith("Erreur :") and message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_geocoder_is_a_clear_error(database_url, tmp_path):
    """`--geocoder gogle` exits 1 naming the valid choices."""
    path = write_csv(tmp_path / "liste.csv", messy_rows())
    done = run(database_url, "ingest", str(path), "--geocoder", "gogle")
    assert done.returncode == 1 and "nominatim" in done.stderr


@pytest.fixture(scope="module")
def big_file(tmp_path_factory, database_url) -> Path:
    """A generated list large enough for the import to last a few seconds."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts" / "bench"))
    from generate import generate

    path = tmp_path_factory.mktemp("big") / "big.csv"
    generate(20_000, path, database_url, seed=3)
    return path


def wait_for(engine: Engine, app_name: str, condition: str, timeout: float = 120) -> bool:
    """Poll pg_stat_activity until the named client's backend meets a condition."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(text(
                    f"SELECT count(*) FROM pg_stat_activity WHERE application_name = :a AND {condition}"),
                    {"a": app_name}).scalar_one():
                return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("moment", [
    "backend_xid IS NOT NULL",  # staging and geocoding have begun
    "state = 'active' AND query LIKE '%INSERT INTO enterprise%'",  # writing the enterprises
])
def test_killing_the_import_at_any_moment_leaves_the_database_unchanged(
        engine, database_url, source, big_file, moment):
    """SIGKILL mid-import: the single transaction never commits, every table is as before."""
    before = checksum(engine)
    app_name = f"kill-{uuid.uuid4().hex[:8]}"
    url = f"{database_url}{'&' if '?' in database_url else '?'}application_name={app_name}"
    process = subprocess.Popen([*CARTE, "ingest", str(big_file), "--source", source, "--json"],
                               env={**os.environ, "CARTE_DATABASE_URL": url},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(engine, app_name, moment), "the import never reached the moment to kill it"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert not wait_for_gone(engine, app_name), "the killed import's backend is still running"
    assert checksum(engine) == before


def wait_for_gone(engine: Engine, app_name: str, timeout: float = 60) -> bool:
    """Wait until the killed client's backend has ended; return True if it is still there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if not connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :a"),
                    {"a": app_name}).scalar_one():
                return False
        time.sleep(0.05)
    return True
