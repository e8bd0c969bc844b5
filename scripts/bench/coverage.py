"""Benchmark of the MRC coverage gaps (carte/read/coverage.py): the time of one MRC's statement.

Usage: .venv/bin/python scripts/bench/coverage.py [--database-url URL] [--count 11200 100000] [--write FILE]
On the bench database (its name must contain "bench"; its enterprises are replaced): the real reference
geodata (1,285 municipalities, 104 MRCs) and N generated published enterprises at real postal codes
(scripts/bench/map_data.py). For every MRC it times the statement for one category (what the page asks
for), for all 16 categories at once (the CSV without ?categorie=), and for a rare category (kept on one
enterprise in 2,000, so the nearest one is often far and the index walk long). Prints JSON and Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from map import prepare as prepare_map_bench  # noqa: E402
from sections import cpu_model, write_section  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from carte.core.vocabulary import load_vocabulary  # noqa: E402
from carte.read.coverage import coverage_rows  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_coverage"
RARE = "instruments"
RARE_EVERY = 2000


def prepare(url: str, count: int) -> Engine:
    """The map's bench database (geodata, vocabulary, `count` enterprises), plus a rare category."""
    engine = prepare_map_bench(url, count)
    with engine.begin() as connection:
        connection.execute(
            text("""UPDATE enterprise SET items = CASE WHEN id % :every = 0
                                    THEN array_append(array_remove(items, :rare), :rare)
                                    ELSE array_remove(items, :rare) END"""),
            {"rare": RARE, "every": RARE_EVERY},
        )
        connection.execute(text("ANALYZE enterprise"))
    return engine


def timed(run: Callable[[], Any]) -> float:
    """Milliseconds of the fastest of three runs (the first one also warms the cache)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        run()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def summary(values: list[float]) -> dict[str, float]:
    """Median, 95th percentile and maximum, rounded."""
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 1),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max": round(ordered[-1], 1),
    }


def measure(url: str, count: int) -> dict[str, Any]:
    """Time every MRC's statement in the three cases at one size of data."""
    engine = prepare(url, count)
    first = load_vocabulary().items[0].code
    cases: dict[str, list[float]] = {"one": [], "all": [], "rare": []}
    slowest: dict[str, tuple[float, str]] = {}
    with Session(engine) as session:
        codes = session.execute(text("SELECT code FROM mrc ORDER BY code")).scalars().all()
        rare_places = session.execute(
            text("SELECT count(*) FROM enterprise WHERE items @> ARRAY[:rare]"), {"rare": RARE}
        ).scalar()
        for code in codes:
            for case, category in (("one", first), ("all", None), ("rare", RARE)):
                elapsed = timed(lambda code=code, category=category: coverage_rows(session, code, category))
                cases[case].append(elapsed)
                if elapsed > slowest.get(case, (0.0, ""))[0]:
                    slowest[case] = (round(elapsed, 1), code)
    engine.dispose()
    return {
        "enterprises": count,
        "rare_places": rare_places,
        "mrcs": len(cases["one"]),
        **{case: summary(values) for case, values in cases.items()},
        "total_all_s": round(sum(cases["all"]) / 1000, 1),
        "slowest": slowest,
    }


def markdown(results: list[dict[str, Any]]) -> str:
    """The benchmarks.md section."""
    lines = [
        "## Couverture des MRC (coverage gaps)",
        "",
        f"`make bench-coverage` ({cpu_model()}, shared machine). Time of `coverage_rows` for each of the "
        "104 MRCs, real municipalities, generated enterprises at real postal codes; fastest of 3 runs. "
        f"*One*: one category (the page). *All*: the 16 categories (CSV without `?categorie=`). *Rare*: "
        f"`{RARE}`, kept on one enterprise in {RARE_EVERY}. The web layer keeps each result per data version.",
        "",
        "| enterprises | case | median ms | p95 ms | max ms (MRC) |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        for case in ("one", "all", "rare"):
            stats, (_slow_ms, slow_code) = result[case], result["slowest"][case]
            label = f"{case} ({result['rare_places']} places)" if case == "rare" else case
            lines.append(
                f"| {result['enterprises']:,} | {label} | {stats['median']} | {stats['p95']} | "
                f"{stats['max']} ({slow_code}) |"
            )
    loads = ", ".join(
        f"{r['load_average'][0]}–{r['load_average'][1]}" for r in results if "load_average" in r
    )
    if loads:
        lines += ["", f"Load average of the machine (1 min) at the start and end of the run: {loads}."]
    return "\n".join(lines)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--count", type=int, nargs="+", default=[11_200, 100_000])
    parser.add_argument("--write", type=Path)
    arguments = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = [measure(arguments.database_url, count) for count in arguments.count]
    for result in results:
        result["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    print(json.dumps(results, indent=2))
    section = markdown(results)
    print(section)
    if arguments.write:
        write_section(arguments.write, "Couverture des MRC (coverage gaps)", section)


if __name__ == "__main__":
    main()
