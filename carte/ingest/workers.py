"""Rows cleaned in worker processes while the main one reads, stages and writes: same rows, same order.

Cleaning is pure Python and takes most of an import's own CPU. With more than one usable core, up to
MAX_WORKERS forked workers clean batches of rows side by side, beside the reading, the digests and the
COPY of the main process, instead of before them; the batches come back in line order. A mid-size file
is cut into smaller batches (about BATCHES_PER_WORKER per worker) so that every worker starts within a
few hundredths of a second. Which imports are worth the forks is decided by the pipeline
(`PARALLEL_ROWS`)."""

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
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import TypeVar

from carte.core.errors import IngestError
from carte.core.vocabulary import Vocabulary
from carte.ingest.clean import Issue
from carte.ingest.rows import Layout, Places, clean_row

#: Most worker processes an import forks: two cores already clean faster than the main process
#: reads, digests and stages, and each worker costs a fork and its own warm-up of the caches.
MAX_WORKERS = 2
#: Rows sent to a worker at a time: at most BATCH_ROWS, about BATCHES_PER_WORKER batches per worker
#: for a mid-size file, at least MIN_BATCH_ROWS (below, sending a batch costs more than it saves).
BATCH_ROWS = 5_000
MIN_BATCH_ROWS = 250
BATCHES_PER_WORKER = 8
#: Batches each worker may have waiting: it never idles, memory holds a few thousand rows.
AHEAD_PER_WORKER = 2
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
_ARRAYS = [STAGED_FIELDS.index(name) for name in ("sectors", "items", "services")]
_ADDRESS_KEY = STAGED_FIELDS.index("address_key")
_STAGED = attrgetter(*STAGED_FIELDS)
_STAGED_WITHOUT_ADDRESS_KEY = attrgetter(*(n if n != "address_key" else "line" for n in STAGED_FIELDS))


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
        # One C call reads every field; the address key (a property) only when it is staged.
        values = list((_STAGED if self.with_address_keys else _STAGED_WITHOUT_ADDRESS_KEY)(row))
        if not self.with_address_keys:
            values[_ADDRESS_KEY] = None
        for position in _ARRAYS:
            values[position] = _array(values[position])
        return row.rejected, row.source_key, row.external_id or row.neq, row.issues, tuple(values)


def _array(codes: list[str]) -> str:
    """A text[] literal of vocabulary codes (plain identifiers: nothing to quote)."""
    return "{" + ",".join(codes) + "}"


def usable_cpus() -> int:
    """The cores this process may run on (its affinity, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count() -> int:
    """How many workers clean a file worth cleaning elsewhere: one per usable core up to MAX_WORKERS,
    none on a single core (a worker would only take turns with the main process)."""
    cpus = usable_cpus()
    return min(MAX_WORKERS, cpus) if cpus > 1 else 0


def batch_rows(lines: int, workers: int) -> int:
    """Rows per batch for a file of about `lines` rows: every worker busy early, batches not tiny."""
    return min(BATCH_ROWS, max(MIN_BATCH_ROWS, lines // (BATCHES_PER_WORKER * max(workers, 1))))


def clean_in_order(
    items: Iterable[tuple[int, tuple[str, ...] | None, Payload]],
    cleaner: Cleaner,
    workers: int,
    rows_per_batch: int | None = None,
) -> Iterator[tuple[int, Payload, Cleaned | None]]:
    """Each item (line, cells, payload) with its row cleaned, or None when cells is None; in the
    items' order, cleaned here (workers 0) or by that many worker processes a few batches ahead."""
    if not workers:
        for line, cells, payload in items:
            yield line, payload, None if cells is None else cleaner(line, cells)
        return
    size = rows_per_batch or BATCH_ROWS
    # Forked, not spawned: a spawned worker would import the caller's main module again, which a
    # script without a __main__ guard runs again. The forked workers never touch the inherited
    # connection and leave with os._exit, which closes nothing of it.
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(cleaner, os.getpid())
    )
    waiting: deque[tuple[list, Future]] = deque()
    try:
        iterator = iter(items)
        while batch := list(islice(iterator, size)):
            rows = [(line, cells) for line, cells, _payload in batch if cells is not None]
            with _stops_held():
                waiting.append((batch, pool.submit(_clean_batch, rows)))
            if len(waiting) > AHEAD_PER_WORKER * workers:
                yield from _merge(*waiting.popleft())
        while waiting:
            yield from _merge(*waiting.popleft())
    finally:
        # On an error or an interruption the workers stop after their current batch, never waited for.
        pool.shutdown(wait=not waiting, cancel_futures=True)


@contextmanager
def _stops_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while the pool forks its workers and takes a batch: a stop landing
    between a fork and the pool's record of it would leave a worker nobody stops, that the program
    then waits for at exit, forever. The stop is raised as soon as this block ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
_STOPS = {signal.SIGINT, signal.SIGTERM}


def _start_worker(cleaner: Cleaner, parent: int) -> None:
    """Keep the cleaner; leave Ctrl-C to the main process (and SIGTERM its default, not the main
    process's handler); exit if the main process dies."""
    global _CLEANER
    _CLEANER = cleaner
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)  # held back by the fork (_stops_held)
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
