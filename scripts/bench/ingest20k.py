"""Ingest at ordinary sizes: a messy 20,000-row list into a database that already holds 40,000 enterprises.

The base (40,000 enterprises of the source `base`, loaded once by `carte ingest` from generate.py's
rows) is kept between runs; before each measured run the list's own enterprises, batches and duplicate
pairs are removed, so every run starts from exactly the same 40,000. Each run is `carte ingest FILE
--source reseau --json` in a child process (offline geocoder), timed from process start to exit, the
duplicates check included; the median of the runs is reported.

    python scripts/bench/ingest20k.py --database-url URL [--rows 20000] [--base 40000] [--repeat 3]
                                      [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from carte.store.url import database_url as psycopg_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import places, write_csv  # noqa: E402
from ingest import run_ingest, versions  # noqa: E402
from messy import HEAD_OFFICE_ROWS, SHARES, base_rows  # noqa: E402
from messy import generate as generate_messy  # noqa: E402
from sections import write_section  # noqa: E402

BASE_SOURCE = "base"
SOURCE = "reseau"
TARGET_ROWS_PER_SECOND = 5000
#: Written by hand from the profiles of 2026-12-04 (cProfile; each statement's duration from the server's
#: log, log_min_duration_statement = 0 on the bench database; backend CPU read from /proc).
WHERE_THE_TIME_GOES = (
    "Where the time goes (profiled by hand on 2026-12-04, afternoon, on the machine of the table above). "
    "The command starts in 0.45 s (`carte ingest --help`: Python, click, SQLAlchemy, psycopg; data "
    "commands no longer build the Flask application, which took about a second with its blueprints, "
    "ORM models, GeoAlchemy2, Shapely and NumPy). Two forked workers clean the rows (about 1.8 s of CPU "
    "for 20,000 rows) while the main process reads, hashes and hands chunks of 3,334 rows to a thread "
    "that has the server stage, geocode, compare and write them (carte/ingest/chunks.py): cleaning is "
    "hidden behind the server's work, which is now what the run waits for. The server's statements "
    "of one run add up to about 5.0 s: 2.9 s for the six INSERTs into `enterprise` (per 19,400 rows, "
    "measured apart in rolled-back transactions: the history trigger about 0.8 s after migration 0013, "
    "the row-by-row foreign-key checks of `last_import_id`, `mrc_code` and `municipality_code` about "
    "0.6 s, the 15 GiST indexes on the point, 13 of them per sector, about 1 s, the rest the heap, "
    "the trigram GIN pending lists and the btrees), 0.37 s for the duplicates check, 0.30 s for the MRC "
    "assignment, 0.25 s for the postal-code geocoding, 0.20 s for the COPY of the chunks and 0.18 s for "
    "the COPY of the issues; then the commit. At the start of that day the same run took 10.2 s on this "
    "machine (1,958 rows/s): start-up with the Flask application 1.3 s, cleaning 2.9 s before any "
    "database work, then the server's 4.4 s. Before 2026-12-04 the same list took 569.6 s (35 rows/s), "
    "554.7 s of it counting the enterprises missing from the file: the statistics of "
    "`enterprise` predate the import, so the planner expected one enterprise of the new source and "
    "chose a nested loop that scanned the 20,000-row staging table for each of the 19,400 (EXPLAIN: "
    "Nested Loop Anti Join over a Seq Scan of `ingest_stage`); the file's enterprise ids are now copied "
    "to a table with a primary key that the anti-join probes."
)


def count(engine: Engine, where: str = "true", **values: object) -> int:
    """Enterprises matching a condition."""
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM enterprise WHERE {where}"), values).scalar_one()


def ensure_base(engine: Engine, database_url: str, size: int) -> float | None:
    """Load the base enterprises unless the database already holds exactly them; seconds it took."""
    if count(engine, "source = :s", s=BASE_SOURCE) == size:
        return None
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE enterprise, import_batch, duplicate_pair CASCADE"))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "base.csv"
        write_csv(path, base_rows(size, places(database_url)))
        run_ingest(path, database_url, BASE_SOURCE)
    vacuum(engine)
    return time.perf_counter() - started


def restore(engine: Engine, base: int) -> None:
    """Back to the base alone: what the list's imports added is removed (pairs and issues cascade)."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM enterprise WHERE source <> :s"), {"s": BASE_SOURCE})
        connection.execute(text("DELETE FROM import_batch WHERE source <> :s"), {"s": BASE_SOURCE})
        connection.execute(text("DELETE FROM duplicate_pair"))
    vacuum(engine)
    if count(engine) != base:
        raise SystemExit(f"the base should hold {base} enterprises, not {count(engine)}")


def vacuum(engine: Engine) -> None:
    """Fresh statistics and visibility map, as after a night of autovacuum."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("enterprise", "duplicate_pair", "import_issue", "enterprise_revision"):
            connection.execute(text(f"VACUUM ANALYZE {table}"))


def last_batch(engine: Engine) -> dict:
    """Counts and timings recorded by the latest import of the list, and the pairs it found."""
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT counts, timings FROM import_batch WHERE source = :s ORDER BY id DESC LIMIT 1"),
            {"s": SOURCE},
        ).one()
        pairs = connection.execute(
            text("SELECT reason, count(*) FROM duplicate_pair, unnest(reasons) reason GROUP BY 1 ORDER BY 1")
        ).all()
        issues = connection.execute(
            text(
                "SELECT count(*) FROM import_issue i JOIN import_batch b "
                "ON b.id = i.batch_id WHERE b.source = :s"
            ),
            {"s": SOURCE},
        ).scalar_one()
    return {"counts": row.counts, "timings": row.timings, "pairs": dict(pairs), "issues": issues}


def process_cpu(pid: int) -> float | None:
    """User and system CPU seconds of a local process so far, None when it is not readable here."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """The CPU the database server spends for the command's connections, sampled every 0.1 s from
    /proc (a local server only; the last tenth of a second of a connection may be missed)."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.seconds, self.readable = engine, {}, True
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def __enter__(self) -> ServerCpu:
        with self.engine.connect() as connection:
            self.before = {pid: process_cpu(pid) or 0.0 for pid in self.backends(connection)}
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()

    @staticmethod
    def backends(connection) -> list[int]:
        """The other server processes of this database."""
        return (
            connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            )
            .scalars()
            .all()
        )

    def sample(self) -> None:
        """Keep the latest CPU time of every backend seen while the command runs."""
        with self.engine.connect() as connection:
            while not self.stop.wait(0.1):
                for pid in self.backends(connection):
                    used = process_cpu(pid)
                    if used is None:
                        self.readable = False
                    else:
                        self.seconds[pid] = used - self.before.get(pid, 0.0)
                connection.rollback()

    def total(self) -> float | None:
        """CPU seconds of the server for the command, None when /proc did not show them."""
        return sum(self.seconds.values()) if self.readable and self.seconds else None


def measure(engine: Engine, database_url: str, rows: int, base: int, repeat: int, seed: int) -> dict:
    """Generate the list, then `repeat` times: restore the base, run the import, keep its figures."""
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "liste-reseau.csv"
        generate_messy(rows, base, path, database_url, seed)
        size = path.stat().st_size
        for _ in range(repeat):
            restore(engine, base)
            with ServerCpu(engine) as server:
                summary = run_ingest(path, database_url, SOURCE)
            runs.append(
                {**summary, **last_batch(engine), "server_cpu_s": server.total(), "load": os.getloadavg()[0]}
            )
    return {"rows": rows, "base": base, "file_mb": size / 1e6, "runs": runs}


def render(figures: dict, machine: dict, built: float | None) -> str:
    """The Markdown section."""
    rows, runs = figures["rows"], figures["runs"]
    server = lambda run: "n/a" if run["server_cpu_s"] is None else f"{run['server_cpu_s']:.2f} s"  # noqa: E731
    cpu = statistics.median(run["cpu_s"] + (run["server_cpu_s"] or 0) for run in runs)
    median = statistics.median(run["seconds"] for run in runs)
    middle = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    speed = rows / median
    table = [
        f"| {number} | {run['seconds']:.2f} s | {rows / run['seconds']:,.0f} | {run['inserted']:,} | "
        f"{run['rejected']:,} | {run['issues']:,} | {sum(run['pairs'].values()):,} | "
        f"{run['cpu_s']:.2f} s | {server(run)} | {run['peak_mib']:.0f} MiB | {run['load']:.1f} |"
        for number, run in enumerate(runs, 1)
    ]
    phases = ", ".join(f"{k} {v} s" for k, v in middle["timings"].items() if k != "total")
    pairs = ", ".join(f"{reason} {n:,}" for reason, n in middle["pairs"].items()) or "none"
    shares = ", ".join(f"{name} {share:.1%}" for name, share in SHARES.items())
    return "\n".join(
        [
            "## Ingest at ordinary sizes",
            "",
            f"`make bench-ingest-20k` (part of `make bench`): a messy list of {rows:,} rows "
            f"({figures['file_mb']:.1f} MB of CSV, `scripts/bench/messy.py`, seed 17) loaded by `carte ingest FILE "
            f"--source {SOURCE} --json` in a child process, offline geocoder, into its own database "
            f"(`carte_bench_ingest20k`) that already holds {figures['base']:,} enterprises of another source "
            "(generate.py's rows, seed 40, loaded once and kept). Before each run the list's enterprises, batches "
            f"and duplicate pairs are removed, so every run starts from the same {figures['base']:,}. The list "
            "has generate.py's mess (capitals, missing accents, `St-`, postal code and phone variants), a blank "
            f"line every 100 rows, and these shares of rows: {shares} (repeated: a copy of an earlier row; "
            "no_address: no street, town, postal code nor coordinates; bad_postal: a postal code that is not "
            "one; placeholder: the phone `000-000-0000`; known: an enterprise of the base, same name, phone and "
            f"website); {HEAD_OFFICE_ROWS} rows carry one head office's phone number. Time is wall-clock from "
            "process start to exit (reading, cleaning, geocoding, MRC assignment, upsert, duplicates check, "
            f"report of issues, commit); rows/s is {rows:,} divided by it. The command's CPU is the child "
            "process's own user and system time (`wait4`); the server's CPU is that of the database processes "
            "serving it, read from /proc every 0.1 s. The command and its server work in turn, so on a shared "
            "machine their sum says what the run needs of one core, whatever the load.",
            "",
            "| run | time | rows/s | inserted | rejected | issues | candidate pairs | command's CPU | server's CPU "
            "| peak RSS | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *table,
            "",
            f"Median: {median:.2f} s, {speed:,.0f} rows/s; target {TARGET_ROWS_PER_SECOND:,} rows/s: "
            f"{'met' if speed >= TARGET_ROWS_PER_SECOND else 'not met'}. CPU of command and server together "
            f"(median): {cpu:.2f} s, {rows / cpu:,.0f} rows per CPU second. Phases of the median run (as the "
            f"import records them; process start-up and commit are outside them): {phases}. Candidate pairs "
            f"by reason: {pairs}. Placed: {json.dumps(middle['precision'])}."
            + (f" The base was loaded in this run ({built:.0f} s)." if built else ""),
            "",
            WHERE_THE_TIME_GOES,
            "",
            f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB RAM; "
            f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, PostGIS {machine['postgis']}. "
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            "",
        ]
    )


def main() -> None:
    """Prepare the base, measure the runs, print (and optionally write) the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "CARTE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_ingest20k"
        ),
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--base", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--write", type=Path, help="Replace this section of the Markdown file.")
    arguments = parser.parse_args()
    engine = create_engine(psycopg_url(arguments.database_url, "CARTE_BENCH_DATABASE_URL"))
    built = ensure_base(engine, arguments.database_url, arguments.base)
    figures = measure(
        engine, arguments.database_url, arguments.rows, arguments.base, arguments.repeat, arguments.seed
    )
    report = render(figures, versions(engine), built)
    output = ROOT / "test-artifacts" / "bench" / "ingest20k.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    print(report)
    if arguments.write:
        write_section(arguments.write, "Ingest at ordinary sizes", report)


if __name__ == "__main__":
    main()
