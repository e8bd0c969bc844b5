"""API bbox + filter at 100k and 1M enterprises under wrk, 4 and 32 connections, against gunicorn.

Each size has its own database (`carte_bench_api_100k`, `carte_bench_api_1m` by default; the prefix
is --database-prefix), filled once in SQL at real postal codes by `api.py`'s generator. The app runs
as docs/deployment.md says (gunicorn, 4 workers of the gthread class with 4 threads) on loopback,
with its per-worker answer cache off so every request runs the SQL. wrk cycles through 200 boxes of
about 11 km × 11 km centred on enterprises (dense cities more often, as people look there) with one
of the sectors each (scripts/bench/bboxes.lua), and reports p50/p95/p99, requests/s and bytes.

    python scripts/bench/api_scale.py [--sizes 100000 1000000] [--connections 4 32] [--seconds 20]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import VENV_BIN, free_port, prepare_database, start, stop  # noqa: E402
from sections import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).resolve().parent / "bboxes.lua"
BOXES = 200
#: Half the width and height of a box in degrees: about 11 km × 11 km at Quebec's latitudes.
HALF_LON, HALF_LAT = 0.07, 0.05
GUNICORN = ["-w", "4", "-k", "gthread", "--threads", "4"]


def label(count: int) -> str:
    """100000 -> '100k', 1000000 -> '1m'."""
    return f"{count // 1_000_000}m" if count % 1_000_000 == 0 else f"{count // 1000}k"


def request_paths(url: str) -> list[str]:
    """API paths: a box around every n-th enterprise and one sector each, in a fixed order."""
    engine = create_engine(url)
    with engine.connect() as connection:
        sectors = connection.execute(text("SELECT code FROM sector ORDER BY position")).scalars().all()
        centres = connection.execute(text("""
            SELECT ST_X(point), ST_Y(point) FROM enterprise
            WHERE published AND id % greatest((SELECT count(*) FROM enterprise) / :boxes, 1) = 0
            ORDER BY id LIMIT :boxes"""), {"boxes": BOXES}).all()
    engine.dispose()
    return [f"/api/enterprises?bbox={x - HALF_LON:.4f},{y - HALF_LAT:.4f},{x + HALF_LON:.4f},{y + HALF_LAT:.4f}"
            f"&sector={sectors[number % len(sectors)]}" for number, (x, y) in enumerate(centres)]


def wrk(port: int, paths: Path, connections: int, seconds: int) -> dict[str, Any]:
    """One wrk run; its JSON line (latency distribution, rate, bytes, errors) and the load average."""
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
         f"http://127.0.0.1:{port}"], capture_output=True, text=True, timeout=seconds + 60,
        env={**os.environ, "WRK_PATHS": str(paths)}).stdout
    figures = json.loads(re.search(r"^WRKJSON (.*)$", output, re.MULTILINE).group(1))
    return {**figures, "connections": connections, "load": round(os.getloadavg()[0], 2)}


def measure(count: int, prefix: str, connections: list[int], seconds: int) -> dict[str, Any]:
    """Prepare the database of one size and run wrk at each number of connections."""
    url = f"{prefix}_{label(count)}"
    prepare_database(count, url)
    port = free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as paths:
        paths.write("\n".join(request_paths(url)) + "\n")
        paths.flush()
        server = start([str(VENV_BIN / "gunicorn"), *GUNICORN, "-b", f"127.0.0.1:{port}", "carte:create_app()"],
                       {"CARTE_DATABASE_URL": url, "CARTE_RESPONSE_CACHE_ENTRIES": "0"}, port, "/api/sectors")
        try:
            wrk(port, Path(paths.name), 4, 3)  # warm every worker's connections and the database cache
            runs = [wrk(port, Path(paths.name), n, seconds) for n in connections]
        finally:
            stop(server)
    return {"enterprises": count, "database": url.rsplit("/", 1)[1], "runs": runs}


def markdown(results: list[dict[str, Any]], seconds: int) -> str:
    """The section of docs/benchmarks.md."""
    rows = [f"| {r['enterprises']:,} | {run['connections']} | {run['p50_ms']:.1f} | {run['p95_ms']:.1f} | "
            f"{run['p99_ms']:.1f} | {run['requests_per_s']:.0f} | {run['bytes_per_response'] / 1000:.1f} kB | "
            f"{run['non_2xx'] + run['errors'] + run['timeouts']} | {run['load']:.1f} |"
            for r in results for run in r["runs"]]
    target = next((run for r in results if r["enterprises"] == 1_000_000 for run in r["runs"]
                   if run["connections"] == 4), None)
    verdict = (f"p95 at 1M with 4 connections: {target['p95_ms']:.1f} ms, target < 50 ms: "
               f"{'met' if target['p95_ms'] < 50 else 'not met'}." if target else "")
    return "\n".join([
        "## API at scale", "",
        "`make bench-api-scale` (part of `make bench`): `scripts/bench/api_scale.py`. " + __doc__.split("\n\n")[1]
        .replace("\n", " ").strip(), "",
        f"Each wrk run lasts {seconds} s (2 threads) after a 3 s warm-up; latencies are wrk's own distribution "
        "(from sending the request to the last byte of the answer); bytes are the body and headers of an "
        "average answer (uncompressed GeoJSON, first page of up to 100 features); errors are non-2xx, socket "
        "errors and timeouts; load is the 1-minute load average at the end of the run (2 cores, shared).", "",
        "| enterprises | connections | p50 ms | p95 ms | p99 ms | requests/s | bytes/answer | errors | load |",
        "|---|---|---|---|---|---|---|---|---|", *rows, "", verdict,
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""])


def main() -> None:
    """Measure every size, print JSON, optionally write the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--connections", type=int, nargs="+", default=[4, 32])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--database-prefix", default=os.environ.get(
        "CARTE_BENCH_DATABASE_PREFIX", "postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_api"))
    parser.add_argument("--write", type=Path, help="Replace the 'API at scale' section of this Markdown file.")
    arguments = parser.parse_args()
    results = [measure(count, arguments.database_prefix, arguments.connections, arguments.seconds)
               for count in arguments.sizes]
    output = ROOT / "test-artifacts" / "bench" / "api_scale.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))
    if arguments.write:
        write_section(arguments.write, "API at scale", markdown(results, arguments.seconds))


if __name__ == "__main__":
    main()
