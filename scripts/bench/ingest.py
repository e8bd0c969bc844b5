"""Ingest benchmark: a generated list loaded offline by `carte ingest`, first run then re-run.

Measures wall time (rows/s) end to end, as staff would run the command, peak memory of the command
(resident set size) and the online geocoder calls recorded by each import. Uses its own database
(`make bench` prepares carte_bench); the enterprises of the source `bench` are removed before.

    python scripts/bench/ingest.py --database-url URL --rows 100000 [--write docs/benchmarks.md]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402
from sections import write_section  # noqa: E402

SOURCE = "bench"


def run_ingest(path: Path, database_url: str) -> dict:
    """Run `carte ingest` in a child process; its summary, wall seconds and peak RSS (MiB)."""
    command = [sys.executable, "-c", "from carte.cli import main; main()", "ingest", str(path),
               "--source", SOURCE, "--json"]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "CARTE_DATABASE_URL": database_url})
    stdout, stderr = child.stdout.read(), child.stderr.read()  # small: --json, no progress bar
    _pid, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"carte ingest failed: {stderr.decode()}")
    return {**json.loads(stdout), "seconds": seconds, "peak_mib": usage.ru_maxrss / 1024}


def last_batch(engine) -> dict:
    """Counts and timings recorded by the latest import of the bench source."""
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT counts, timings FROM import_batch WHERE source = :s ORDER BY id DESC LIMIT 1"),
            {"s": SOURCE}).one()
    return {"counts": row.counts, "timings": row.timings}


def versions(engine) -> dict:
    """Machine and software versions the figures depend on."""
    with engine.connect() as connection:
        postgres = connection.execute(text("SHOW server_version")).scalar_one()
        postgis = connection.execute(text("SELECT postgis_lib_version()")).scalar_one()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory, "python": platform.python_version(),
            "postgresql": postgres, "postgis": postgis, "load": os.getloadavg()[0]}


def main() -> None:
    """Generate, load twice, print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "CARTE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench"))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1,
                        help="Repeat first run + re-run; the fastest of each is reported, all are listed.")
    parser.add_argument("--write", type=Path, help="Replace the 'Ingest' section of this Markdown file.")
    arguments = parser.parse_args()
    engine = create_engine(arguments.database_url)
    firsts, seconds = [], []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.csv"
        generate(arguments.rows, path, arguments.database_url, arguments.seed)
        for _ in range(arguments.repeat):
            reset(engine)
            firsts.append((run_ingest(path, arguments.database_url), last_batch(engine)))
            seconds.append((run_ingest(path, arguments.database_url), last_batch(engine)))
    first, first_batch = min(firsts, key=lambda run: run[0]["seconds"])
    second, second_batch = min(seconds, key=lambda run: run[0]["seconds"])
    report = render(arguments.rows, first, first_batch, second, second_batch, versions(engine),
                    arguments.repeat)
    if arguments.repeat > 1:
        report += (f"All {arguments.repeat} runs (first / re-run, seconds): "
                   + ", ".join(f"{a[0]['seconds']:.1f} / {b[0]['seconds']:.1f}" for a, b in zip(firsts, seconds))
                   + ".\n")
    print(report)
    if arguments.write:
        write_section(arguments.write, "Ingest", report)


def reset(engine) -> None:
    """Remove what earlier runs loaded, so the next run is a first run."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM enterprise WHERE source = :s"), {"s": SOURCE})
        connection.execute(text("DELETE FROM import_batch WHERE source = :s"), {"s": SOURCE})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE enterprise"))


def render(rows: int, first: dict, first_batch: dict, second: dict, second_batch: dict,
           machine: dict, repeat: int = 1) -> str:
    """The Markdown section."""
    def line(label: str, run: dict, batch: dict) -> str:
        return (f"| {label} | {run['seconds']:.1f} s | {rows / run['seconds']:,.0f} | {run['inserted']:,} | "
                f"{run['updated']:,} | {run['unchanged']:,} | {run['rejected']:,} | "
                f"{batch['counts'].get('geocoder_calls', 0)} | {run['peak_mib']:.0f} MiB |")

    phases = ", ".join(f"{k} {v} s" for k, v in first_batch["timings"].items() if k != "total")
    return "\n".join([
        "## Ingest", "",
        f"`make bench`: `scripts/bench/generate.py` writes {rows:,} rows (seed 42: real municipalities and "
        "postal codes, written the messy way: `St-`, capitals, no accents, `(Québec)`, `g6v4j8`, "
        "`G6V-4J8`, phone formats, 10 % with coordinates, 3 % without postal code), then "
        "`scripts/bench/ingest.py` runs `carte ingest FILE --source bench --json` twice in a child "
        "process, offline geocoder, against the `carte_bench` database. Times are wall-clock, end to end "
        "(process start, reading, cleaning, geocoding, MRC assignment, upsert, commit)"
        + (f"; the fastest of {repeat} repetitions is shown." if repeat > 1 else "."), "",
        "| run | time | rows/s | inserted | updated | unchanged | rejected | geocoder calls | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
        line("first run", first, first_batch),
        line("re-run (same file)", second, second_batch), "",
        f"Re-run speed-up: **{first['seconds'] / second['seconds']:.1f}x**. "
        f"Phases of the first run (inside the command): {phases}. "
        f"Placed: {json.dumps(first['precision'])}.", "",
        "Phases: `lecture` reads and decodes the file; `nettoyage` cleans each row in Python "
        "(phonenumbers, vocabulary, municipality names); `géocodage` is the COPY into the staging table, "
        "the offline chain and the MRC assignment (set-based SQL, the MRC polygons driving a "
        "point-in-polygon join over an index of the staged points); `application` compares with the "
        "stored enterprises and writes them with one INSERT ... ON CONFLICT (9 indexes and 3 foreign "
        "keys on `enterprise`). The re-run is fast because a row whose raw content has the digest "
        "stored with its enterprise (`content_hash`) is neither cleaned nor geocoded again; rows that "
        "are cleaned again are still compared value by value (IS DISTINCT FROM), so nothing is "
        "rewritten. Offline, no geocoder is ever called; with an online chain the `geocode_cache` "
        "makes the re-run call it 0 times (tested in tests/test_geocoding_online.py). The machine is "
        "shared: while other processes loaded both cores the same first run took 25 to 60 s.", "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB RAM; "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, PostGIS {machine['postgis']}; "
        f"load average {machine['load']:.2f} when the run ended (the machine is shared). "
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""])


if __name__ == "__main__":
    main()
