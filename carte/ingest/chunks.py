"""The database work of each chunk of staged rows, done in a background thread while the caller reads
and cleans the next chunk.

The caller cleans rows in Python while the database server waits; then the server geocodes, assigns
MRCs and writes while Python waits. With the work of chunk n on the server and the cleaning of chunk
n + 1 in Python at the same time, both cores work. One chunk at a time is handed over, always in file
order, on the caller's connection (never used by two threads at once: the caller waits for the
previous chunk before handing over the next, and before touching the connection again)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress

#: Bounds of a chunk's size: small enough that the server starts early and that the last chunk, which
#: nothing overlaps, is short; large enough that each chunk's fixed cost (a dozen statements, the MRC
#: polygons prepared again) stays small.
SMALLEST_CHUNK = 2_500
LARGEST_CHUNK = 20_000
#: A file is cut into at least this many chunks when its size allows.
CHUNKS_PER_FILE = 6


def chunk_rows(lines: int) -> int:
    """How many staged rows make a chunk for a file of this many lines."""
    return max(SMALLEST_CHUNK, min(LARGEST_CHUNK, -(-lines // CHUNKS_PER_FILE)))


class ChunkWorker:
    """Runs `work` on each chunk handed over, one at a time, in a background thread; its errors are
    raised in the caller's thread at the next hand-over or wait."""

    def __init__(self, work: Callable[[list[tuple]], None]) -> None:
        self.work = work
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def submit(self, rows: list[tuple]) -> None:
        """Wait for the previous chunk, then start this one (the list must not change afterwards)."""
        self.wait()
        self.thread = threading.Thread(target=self._run, args=(rows,), name="carte-ingest-chunk", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        """Wait for the chunk in progress; raise its error, if any."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def stop(self, cancel: Callable[[], None]) -> None:
        """After an error of the caller: cancel the statement in progress and wait for the thread, so
        that the transaction can be rolled back; the chunk's own error, if any, is dropped."""
        if self.thread is not None and self.thread.is_alive():
            with suppress(Exception):  # a connection already lost has nothing to cancel
                cancel()
            self.thread.join()
        self.thread, self.error = None, None

    def _run(self, rows: list[tuple]) -> None:
        """The thread's body: the work, its error kept for the caller."""
        try:
            self.work(rows)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            self.error = error
