"""The chunks' thread: work in hand-over order, its errors raised in the caller, a clean stop."""

from __future__ import annotations

import threading

import pytest

from carte.ingest.chunks import LARGEST_CHUNK, SMALLEST_CHUNK, ChunkWorker, chunk_rows


def test_chunks_are_worked_one_at_a_time_in_hand_over_order():
    done: list[list[int]] = []
    running = threading.Lock()

    def work(rows: list) -> None:
        assert running.acquire(blocking=False), "two chunks at once"
        done.append(rows)
        running.release()

    worker = ChunkWorker(work)
    for start in range(0, 10, 2):
        worker.submit([start, start + 1])
    worker.wait()
    assert done == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]


def test_an_error_of_a_chunk_is_raised_in_the_caller_at_the_next_hand_over():
    def work(rows: list) -> None:
        if rows == ["bad"]:
            raise ValueError("chunk failed")

    worker = ChunkWorker(work)
    worker.submit(["bad"])
    with pytest.raises(ValueError, match="chunk failed"):
        worker.submit(["next"])


def test_stopping_cancels_the_running_chunk_and_waits_for_it_even_if_cancelling_fails():
    started, cancelled = threading.Event(), threading.Event()

    def work(rows: list) -> None:
        started.set()
        assert cancelled.wait(10)
        raise RuntimeError("statement cancelled")

    def cancel() -> None:
        cancelled.set()
        raise OSError("connection already lost")

    worker = ChunkWorker(work)
    worker.submit(["slow"])
    assert started.wait(10)
    worker.stop(cancel)
    assert worker.thread is None
    worker.wait()  # the stopped chunk's own error is dropped


def test_a_file_is_cut_into_a_few_chunks_within_bounds():
    assert chunk_rows(100) == SMALLEST_CHUNK
    assert chunk_rows(20_000) == 3_334
    assert chunk_rows(1_000_000) == LARGEST_CHUNK
