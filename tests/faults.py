"""Helpers of the fault tests: run `carte` as staff do, find its backend by name, fingerprint the data."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

CARTE = [sys.executable, "-c", "from carte.cli import main; main()"]
#: Every table a command of staff may write to (the reference geography is only read).
WRITTEN_TABLES = (
    "enterprise",
    "enterprise_revision",
    "import_batch",
    "import_issue",
    "geocode_cache",
    "duplicate_pair",
    "data_version",
    "import_job",
    "url_source",
    "suggestion",
)


def fingerprint(engine: Engine) -> dict[str, str]:
    """An md5 of the whole content of each written table: equal fingerprints, identical data."""
    with engine.connect() as connection:
        return {
            table: connection.execute(
                text(
                    f"SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                    f"FROM {table} t"
                )
            ).scalar_one()
            for table in WRITTEN_TABLES
        }


def named_url(database_url: str, app_name: str) -> str:
    """The database URL with an application_name, so the command's backend can be found."""
    return f"{database_url}{'&' if '?' in database_url else '?'}application_name={app_name}"


def unique_name(prefix: str) -> str:
    """A name no other run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def start_carte(database_url: str, app_name: str, *args: str, **env: str) -> subprocess.Popen:
    """Start `carte ARGS` on the database under an application name, its output captured."""
    return subprocess.Popen(
        [*CARTE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env, "CARTE_DATABASE_URL": named_url(database_url, app_name)},
    )


def interrupt(
    engine: Engine, database_url: str, args: tuple[str, ...], stop: Callable[[subprocess.Popen, str], None]
) -> tuple[int, str]:
    """Start `carte ARGS` under a fresh application name, let `stop(process, app_name)` pick its moment
    and stop it, wait until the process and its backends are gone; the exit code and stderr."""
    app_name = unique_name("fault")
    process = start_carte(database_url, app_name, *args)
    try:
        stop(process, app_name)
        _out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert not wait_for_gone(engine, app_name), "the stopped command's backend is still there"
    return process.returncode, err


def run_carte(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run `carte ARGS` on the database to its end and capture what it prints."""
    return subprocess.run(
        [*CARTE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env, "CARTE_DATABASE_URL": database_url},
    )


def backends(engine: Engine, app_name: str, condition: str = "true") -> list[int]:
    """The pids of the named client's backends that meet a condition on pg_stat_activity."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(f"SELECT pid FROM pg_stat_activity WHERE application_name = :a AND {condition}"),
                {"a": app_name},
            ).scalars()
        )


def wait_for(engine: Engine, app_name: str, condition: str, timeout: float = 120) -> list[int]:
    """Poll until the named client has a backend meeting the condition; its pids, or [] on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = backends(engine, app_name, condition)
        if pids:
            return pids
        time.sleep(0.02)
    return []


def wait_for_gone(engine: Engine, app_name: str, timeout: float = 60) -> bool:
    """Wait until the named client's backends have ended; return True if one is still there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not backends(engine, app_name):
            return False
        time.sleep(0.05)
    return True


def terminate(engine: Engine, pids: list[int]) -> None:
    """End backends from another connection, as an administrator would."""
    with engine.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


#: The rows referring to an enterprise, removed with it.
DEPENDENTS = (
    ("enterprise_revision", "enterprise_id"),
    ("suggestion", "enterprise_id"),
    ("reminder", "enterprise_id"),
    ("enterprise_pause", "enterprise_id"),
    ("duplicate_pair", "first_id"),
    ("duplicate_pair", "second_id"),
)


def purge_source(engine: Engine, source: str) -> None:
    """Remove what committed imports of a source left (enterprises, their history, batches).

    The rows referring to the enterprises go first; the enterprises are then deleted without the
    per-row foreign key checks, which scan the whole table for each row (no index on merged_into)."""
    ids = "SELECT id FROM enterprise WHERE source = :s"
    with engine.begin() as connection:
        for table, column in DEPENDENTS:
            connection.execute(text(f"DELETE FROM {table} WHERE {column} IN ({ids})"), {"s": source})
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("DELETE FROM enterprise WHERE source = :s"), {"s": source})
        connection.execute(text("SET LOCAL session_replication_role = origin"))
        connection.execute(text("DELETE FROM import_batch WHERE source = :s"), {"s": source})


def generated_list(path: Path, rows: int, database_url: str, seed: int) -> Path:
    """A realistic list generated by the ingest benchmark's generator."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts" / "bench"))
    from generate import generate

    generate(rows, path, database_url, seed=seed)
    return path


def scenario(folder: Path, rows: int, preloaded: int, database_url: str, seed: int) -> tuple[Path, Path]:
    """Two generated lists of one source: the first rows (loaded before), then the whole list with
    every third of those rows edited (updates) and the rest new (inserts)."""
    full = generated_list(folder / "full.csv", rows, database_url, seed)
    with full.open(encoding="utf-8", newline="") as handle:
        header, *body = list(csv.reader(handle, delimiter=";"))
    before = write_rows(folder / "before.csv", header, body[:preloaded])
    email = header.index("Courriel")
    for number, row in enumerate(body[:preloaded]):
        if number % 3 == 0:
            row[email] = f"modifie{number}@exemple.org"
    return before, write_rows(full, header, body)


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A semicolon CSV as French Excel writes it."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path
