"""Rows cleaned in a worker process while the main one reads, stages and writes: same rows, same order.

Cleaning is pure Python and takes most of a large import's own CPU; with a second core it runs beside
the reading, the digests and the COPY, instead of before them."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from carte.core.errors import IngestError
from carte.core.vocabulary import Vocabulary
from carte.ingest.clean import Issue
from carte.ingest.rows import Layout, Places, clean_row

#: Rows sent to the worker at a time, and how many such batches may wait: the worker never idles,
#: memory holds a few thousand rows.
BATCH_ROWS = 5_000
AHEAD = 4
Payload = TypeVar("Payload")
#: A cleaned row as the pipeline uses it: rejected, source key, identifier for the report, issues,
#: and its values of STAGED_FIELDS.
Cleaned = tuple[bool, "str | None", "str | None", list[Issue], tuple]
STAGED_FIELDS = (
    "external_id",
    "neq",
    "name",
    "description",
    "street",
    "address_line2",
    "municipality_name",
    "municipality_key",
    "municipality_code",
    "postal_code",
    "fsa",
    "address_key",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "opening_hours",
    "sectors",
    "items",
    "services",
    "contact_person",
    "internal_notes",
)
_ARRAYS = {"sectors", "items", "services"}


@dataclass(frozen=True)
class Cleaner:
    """Everything cleaning a row needs, sent once to the worker."""

    layout: Layout
    places: Places
    vocabulary: Vocabulary
    with_address_keys: bool

    def __call__(self, line: int, cells: tuple[str, ...]) -> Cleaned:
        """Clean one row into what the pipeline keeps of it."""
        row = clean_row(line, cells, self.layout, self.places, self.vocabulary)
        values = tuple(
            _array(getattr(row, name))
            if name in _ARRAYS
            else None
            if name == "address_key" and not self.with_address_keys
            else getattr(row, name)
            for name in STAGED_FIELDS
        )
        return row.rejected, row.source_key, row.external_id or row.neq, row.issues, values


def _array(codes: list[str]) -> str:
    """A text[] literal of vocabulary codes (plain identifiers: nothing to quote)."""
    return "{" + ",".join(codes) + "}"


def clean_in_order(
    items: Iterable[tuple[int, tuple[str, ...] | None, Payload]], cleaner: Cleaner, in_worker: bool
) -> Iterator[tuple[int, Payload, Cleaned | None]]:
    """Each item (line, cells, payload) with its row cleaned, or None when cells is None; in the
    items' order, cleaned here or, with in_worker, by one worker process a few batches ahead."""
    if not in_worker:
        for line, cells, payload in items:
            yield line, payload, None if cells is None else cleaner(line, cells)
        return
    # Forked, not spawned: a spawned worker would import the caller's main module again, which a
    # script without a __main__ guard runs again. The forked worker never touches the inherited
    # connection and leaves with os._exit, which closes nothing of it.
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        1, mp_context=context, initializer=_start_worker, initargs=(cleaner, os.getpid())
    )
    waiting: deque[tuple[list, Future]] = deque()
    try:
        iterator = iter(items)
        while batch := list(islice(iterator, BATCH_ROWS)):
            rows = [(line, cells) for line, cells, _payload in batch if cells is not None]
            waiting.append((batch, pool.submit(_clean_batch, rows)))
            if len(waiting) > AHEAD:
                yield from _merge(*waiting.popleft())
        while waiting:
            yield from _merge(*waiting.popleft())
    finally:
        # On an error or an interruption the worker stops after its current batch, never waited for.
        pool.shutdown(wait=not waiting, cancel_futures=True)


def _merge(batch: list, future: Future) -> Iterator[tuple[int, Payload, Cleaned | None]]:
    """A batch's items with the rows the worker cleaned, in order."""
    try:
        cleaned = iter(future.result())
    except BrokenProcessPool:
        raise IngestError(
            "Le processus qui nettoie les lignes s'est arrêté brusquement (mémoire "
            "insuffisante ou processus tué ?) ; rien n'a été enregistré."
        ) from None
    for line, cells, payload in batch:
        yield line, payload, None if cells is None else next(cleaned)


_CLEANER: Cleaner | None = None


def _start_worker(cleaner: Cleaner, parent: int) -> None:
    """Keep the cleaner; leave Ctrl-C to the main process (and SIGTERM its default, not the main
    process's handler); exit if the main process dies."""
    global _CLEANER
    _CLEANER = cleaner
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker once its parent is gone (killed: nobody is left to stop it)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _clean_batch(rows: list[tuple[int, tuple[str, ...]]]) -> list[Cleaned]:
    """Clean a batch of rows in the worker."""
    assert _CLEANER is not None
    return [_CLEANER(line, cells) for line, cells in rows]
