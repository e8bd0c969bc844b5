"""Clean many rows on every core: forked workers read the rows they inherit, return CleanRows."""
from __future__ import annotations

import multiprocessing
import os
from typing import Callable

from carte.ingest.clean import CleanRow
from carte.ingest.rows import Layout, Places, clean_row
from carte.vocabulary import Vocabulary

#: Below this many rows a single process is quicker than starting workers.
PARALLEL_MIN_ROWS = 20_000
CHUNK_ROWS = 5_000
_inherited: tuple | None = None


def clean_rows(rows: list[tuple[int, tuple[str, ...]]], layout: Layout, places: Places,
               vocabulary: Vocabulary, progress: Callable[[int, int], None] | None = None) -> list[CleanRow]:
    """Clean rows in order, in forked worker processes when there are many and several cores."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(rows) < PARALLEL_MIN_ROWS or "fork" not in multiprocessing.get_all_start_methods():
        return _clean_range(rows, layout, places, vocabulary, 0, len(rows), progress)
    global _inherited
    _inherited = (rows, layout, places, vocabulary)
    try:
        cleaned: list[CleanRow] = []
        spans = [(start, min(start + CHUNK_ROWS, len(rows))) for start in range(0, len(rows), CHUNK_ROWS)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for chunk in pool.imap(_clean_span, spans):
                cleaned.extend(chunk)
                if progress:
                    progress(len(cleaned), len(rows))
        return cleaned
    finally:
        _inherited = None


def _clean_span(span: tuple[int, int]) -> list[CleanRow]:
    """In a worker: clean the rows of a span of the inherited list."""
    rows, layout, places, vocabulary = _inherited
    return _clean_range(rows, layout, places, vocabulary, *span)


def _clean_range(rows: list, layout: Layout, places: Places, vocabulary: Vocabulary, start: int,
                 end: int, progress: Callable[[int, int], None] | None = None) -> list[CleanRow]:
    """Clean rows[start:end] in this process."""
    cleaned = []
    for index in range(start, end):
        line, cells = rows[index]
        cleaned.append(clean_row(line, cells, layout, places, vocabulary))
        if progress and index % 2000 == 0:
            progress(index, end)
    return cleaned
