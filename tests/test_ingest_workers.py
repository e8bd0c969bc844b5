"""Rows cleaned by worker processes: the same rows, in the same order, and failures that surface."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from carte.core.errors import IngestError
from carte.core.vocabulary import load_vocabulary
from carte.ingest import pipeline, workers
from carte.ingest.pipeline import IngestOptions, ingest_file
from carte.ingest.rows import Layout, Places
from carte.ingest.workers import Cleaner, clean_in_order
from tests.ingest_files import messy_rows, write_csv

LAYOUT = Layout(
    {"external_id": 0, "name": 1, "street": 2, "municipality": 3, "postal_code": 4},
    {},
    ["Identifiant", "Nom", "Adresse", "Ville", "Code postal"],
)
PLACES = Places(by_key={"levis": ("25213",)}, names={"25213": "Lévis"})


@dataclass(frozen=True)
class FailingCleaner(Cleaner):
    """A cleaner that fails on one line: by raising, or by killing its process."""

    failing_line: int = 0
    how: str = "raise"

    def __call__(self, line: int, cells: tuple[str, ...]) -> workers.Cleaned:
        """Fail on the chosen line, clean the others."""
        if line == self.failing_line:
            if self.how == "exit":
                os._exit(3)
            raise ValueError(f"ligne {line} illisible")
        return super().__call__(line, cells)


def items(count: int) -> list[tuple[int, tuple[str, ...] | None, int]]:
    """Rows to clean, every third one passed through uncleaned (as unchanged rows are)."""
    return [
        (
            line,
            None
            if line % 3 == 0
            else (f"X{line}", f"Friperie {line}", f"{line} rue Principale", "Lévis", "G6V 4J8"),
            line * 10,
        )
        for line in range(2, count + 2)
    ]


def finishing(function, seconds: float = 60):
    """Run a function in a thread; fail the test instead of hanging if it does not end in time."""
    outcome: dict = {}

    def run() -> None:
        """Keep the function's value or error for the test's thread."""
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the worker hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_rows_cleaned_by_the_worker_come_back_in_order_and_equal_to_rows_cleaned_here(monkeypatch):
    """Many small batches in flight: each row keeps its line, payload and clean values."""
    monkeypatch.setattr(workers, "BATCH_ROWS", 7)
    cleaner = Cleaner(LAYOUT, PLACES, load_vocabulary(), with_address_keys=True)
    here = list(clean_in_order(items(100), cleaner, workers=0))
    there = finishing(lambda: list(clean_in_order(items(100), cleaner, workers=2)))
    assert there == here and [line for line, _, _ in there] == list(range(2, 102))


def test_an_error_in_the_worker_is_raised_in_the_main_process():
    """The worker's exception reaches the caller with its message; nothing hangs."""
    cleaner = FailingCleaner(LAYOUT, PLACES, load_vocabulary(), False, failing_line=50)
    with pytest.raises(ValueError, match="ligne 50 illisible"):
        finishing(lambda: list(clean_in_order(items(100), cleaner, workers=2)))


def test_a_worker_that_dies_gives_a_clear_french_error():
    """A killed worker (out of memory, kill -9) is an IngestError saying so, not a hang."""
    cleaner = FailingCleaner(LAYOUT, PLACES, load_vocabulary(), False, failing_line=50, how="exit")
    with pytest.raises(IngestError, match="nettoie les lignes s'est arrêté"):
        finishing(lambda: list(clean_in_order(items(100), cleaner, workers=2)))


def test_a_web_import_thread_cleans_in_its_own_process(connection, tmp_path: Path, monkeypatch):
    """No fork from a server's thread, whatever the size: the rows are cleaned in-process."""
    used: list[int] = []
    monkeypatch.setattr(pipeline, "PARALLEL_ROWS", -1)
    monkeypatch.setattr(workers, "usable_cpus", lambda: 2)
    monkeypatch.setattr(
        pipeline,
        "clean_in_order",
        lambda items, cleaner, count, size: used.append(count) or clean_in_order(items, cleaner, count, size),
    )
    path = write_csv(tmp_path / "liste.csv", messy_rows())
    finishing(lambda: ingest_file(connection, path, IngestOptions(source="test-workers", dry_run=True)))
    assert used == [0]


def test_an_import_cleaned_by_a_worker_gives_the_same_outcomes_and_issues(
    connection, tmp_path: Path, monkeypatch
):
    """Unchanged, duplicate, rejected and new rows: same report whether a worker cleans or not."""
    first = write_csv(tmp_path / "avant.csv", messy_rows()[:2])
    ingest_file(connection, first, IngestOptions(source="test-workers"))
    rows = messy_rows() + [
        [
            f"N{n}",
            f"Friperie {n} (test)",
            f"{n} rue Principale",
            "Lévis",
            "G6V 4J8",
            "",
            "",
            "",
            "friperie",
            "livres et jouets",
            "",
            "",
        ]
        for n in range(40)
    ]
    rows += [messy_rows()[0], rows[10]]  # duplicates of an unchanged row and of a new one
    path = write_csv(tmp_path / "liste.csv", rows)

    def run() -> tuple:
        """A dry run's outcomes, issues and counts."""
        result = ingest_file(connection, path, IngestOptions(source="test-workers", dry_run=True))
        return (
            [
                (o.line, o.external_id, o.status, o.enterprise_id, o.mrc_code, o.reasons)
                for o in result.outcomes
            ],
            result.issues,
            result.summary(),
        )

    here = run()
    used: list[int] = []

    def spy(items, cleaner, count, size):
        """clean_in_order, noting how many workers were asked for."""
        used.append(count)
        return clean_in_order(items, cleaner, count, size)

    monkeypatch.setattr(pipeline, "PARALLEL_ROWS", -1)
    monkeypatch.setattr(workers, "usable_cpus", lambda: 2)
    monkeypatch.setattr(pipeline, "clean_in_order", spy)
    monkeypatch.setattr(workers, "BATCH_ROWS", 5)
    there = run()
    assert used == [2] and there == here
    assert {status for _, _, status, *_ in here[0]} == {"unchanged", "inserted", "rejected"}


def mid_size_rows(count: int) -> list[list[str]]:
    """A list of a few thousand rows: the messy rows again and again under new identifiers, so that
    every batch holds warnings, rejections and duplicates."""
    rows = []
    for n in range(count):
        row = list(messy_rows()[n % len(messy_rows())])
        row[0] = f"{row[0]}-{n // 7}" if n % 50 else row[0]
        rows.append(row)
    return rows


def test_a_mid_size_file_is_cut_into_batches_for_every_worker():
    """Thousands of rows: several batches per worker; large files: full batches; never tiny ones."""
    assert workers.batch_rows(20_000, 2) * 2 * 4 <= 20_000
    assert workers.batch_rows(1_000_000, 2) == workers.BATCH_ROWS
    assert workers.batch_rows(100, 2) == workers.MIN_BATCH_ROWS


def test_one_usable_core_cleans_in_process(monkeypatch):
    """A single core gets no worker: it would only take turns with the main process."""
    monkeypatch.setattr(workers, "usable_cpus", lambda: 1)
    assert workers.worker_count() == 0
    monkeypatch.setattr(workers, "usable_cpus", lambda: 8)
    assert workers.worker_count() == workers.MAX_WORKERS


def test_a_mid_size_file_cleaned_by_workers_gives_what_cleaning_here_gives(
    connection, tmp_path: Path, monkeypatch
):
    """A file of a few thousand lines is cleaned by two workers, with the same outcomes, issues and
    counts, in line order, as when this process cleans it (one usable core)."""
    path = write_csv(tmp_path / "liste.csv", mid_size_rows(pipeline.PARALLEL_ROWS + 500))
    used: list[int] = []

    def spy(items, cleaner, count, size):
        """clean_in_order, noting how many workers were asked for."""
        used.append(count)
        return clean_in_order(items, cleaner, count, size)

    def run(cpus: int) -> tuple:
        """A dry run's outcomes, issues and counts with that many usable cores."""
        monkeypatch.setattr(workers, "usable_cpus", lambda: cpus)
        result = ingest_file(connection, path, IngestOptions(source="test-workers", dry_run=True))
        return (
            [(o.line, o.external_id, o.status, o.mrc_code, o.reasons) for o in result.outcomes],
            result.issues,
            result.summary(),
        )

    monkeypatch.setattr(pipeline, "clean_in_order", spy)
    there, here = run(2), run(1)
    assert used == [2, 0] and there == here
    assert [line for line, *_ in there[0]] == sorted(line for line, *_ in there[0])
    assert {status for _, _, status, *_ in here[0]} >= {"inserted", "rejected"}
