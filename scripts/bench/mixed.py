"""Mixed load: 200 simulated users for 60 s (locust, headless) against gunicorn, 11,200 enterprises.

The users (scripts/bench/locustfile.py) open the map page, revalidate its data, search the API by box
and sector or by text and MRC, open enterprise and MRC pages and export an MRC's CSV, each waiting 1
to 5 s between two actions. The app runs as docs/deployment.md says (gunicorn, 4 gthread workers of 4
threads) with its default per-worker answer cache. The default size is Quebec's (11,200): the map page
downloads every enterprise once, which is the design up to that scale (larger maps ask the server for
what the viewport needs, see the tiles section).

    python scripts/bench/mixed.py [--users 200] [--seconds 60] [--count 11200 1000000] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from carte.store.url import database_url as psycopg_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import VENV_BIN, free_port, prepare_database, start, stop  # noqa: E402
from api_scale import GUNICORN, label, request_paths  # noqa: E402
from sections import write_section  # noqa: E402

from carte.core.config import load_config  # noqa: E402
from carte.map.tiles import tile_containing  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def targets(url: str) -> dict[str, list]:
    """What the simulated users ask for: enterprise ids, API boxes and MRC codes of the database."""
    engine = create_engine(psycopg_url(url, "--database-prefix"))
    with engine.connect() as connection:
        ids = (
            connection.execute(text("SELECT id FROM enterprise WHERE published ORDER BY id LIMIT 2000"))
            .scalars()
            .all()
        )
        mrcs = connection.execute(text("SELECT code FROM mrc ORDER BY code")).scalars().all()
        centres = connection.execute(
            text("SELECT ST_X(point), ST_Y(point) FROM enterprise WHERE published AND id % 997 = 0 LIMIT 60")
        ).all()
        published = connection.execute(text("SELECT count(*) FROM enterprise WHERE published")).scalar_one()
    engine.dispose()
    return {
        "ids": ids,
        "mrcs": mrcs,
        "boxes": request_paths(url),
        "tiled": published > load_config()["MAP_FULL_DATA_LIMIT"],
        "views": [view_tiles(lon, lat, 12) for lon, lat in centres],
    }


def view_tiles(lon: float, lat: float, zoom: int) -> list[str]:
    """The tile paths a browser of about 1280 x 800 pixels asks for around a point (4 x 3 tiles)."""
    centre = tile_containing(lon, lat, zoom)
    return [
        f"/tiles/{zoom}/{centre.x + dx}/{centre.y + dy}.json" for dx in (-2, -1, 0, 1) for dy in (-1, 0, 1)
    ]


def run_locust(port: int, users: int, seconds: int, folder: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Run locust headless; the rows of its statistics CSV (one per request name, then Aggregated) and
    its failures, one line per kind."""
    subprocess.run(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(users // 10, 1)),
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(folder / "mixed"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env={**os.environ, "BENCH_TARGETS": str(folder / "targets.json")},
        timeout=seconds + 120,
        check=False,
        capture_output=True,
    )
    with open(folder / "mixed_stats.csv", encoding="utf-8") as handle:
        stats = list(csv.DictReader(handle))
    with open(folder / "mixed_failures.csv", encoding="utf-8") as handle:
        failures = [
            f"{row['Occurrences']} × {row['Method']} {row['Name']}: {row['Error']}"
            for row in csv.DictReader(handle)
        ]
    return stats, failures


def measure(count: int, prefix: str, users: int, seconds: int) -> dict[str, Any]:
    """Prepare the database, serve it, load it; the statistics per request name."""
    url = f"{prefix}_{label(count)}"
    prepare_database(count, url)
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        (folder / "targets.json").write_text(json.dumps(targets(url)), encoding="utf-8")
        server = start(
            [str(VENV_BIN / "gunicorn"), *GUNICORN, "-b", f"127.0.0.1:{port}", "carte.wsgi:app"],
            {"CARTE_DATABASE_URL": url},
            port,
            "/api/sectors",
        )
        try:
            load_before = os.getloadavg()[0]
            rows, failures = run_locust(port, users, seconds, folder)
        finally:
            stop(server)
    return {
        "enterprises": count,
        "users": users,
        "seconds": seconds,
        "load_before": round(load_before, 2),
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_after": round(os.getloadavg()[0], 2),
        "failures": failures,
        "stats": [
            {
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "requests_per_s": float(row["Requests/s"]),
                "bytes": float(row["Average Content Size"]),
            }
            for row in rows
        ],
    }


def table(result: dict[str, Any]) -> list[str]:
    """One size's statistics as a Markdown table with its error count and load."""
    lines = [
        f"| {s['name']} | {s['requests']:,} | {s['failures']} | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} | "
        f"{s['p99_ms']:.0f} | {s['requests_per_s']:.1f} | {s['bytes'] / 1000:,.1f} kB |"
        for s in result["stats"]
    ]
    total = next(s for s in result["stats"] if s["name"] == "Aggregated")
    return [
        f"**{result['enterprises']:,} enterprises**, {result['users']} users for {result['seconds']} s",
        "",
        "| request | count | failures | p50 ms | p95 ms | p99 ms | requests/s | average body |",
        "|---|---|---|---|---|---|---|---|",
        *lines,
        "",
        f"Errors: {total['failures']} of {total['requests']:,} requests "
        f"(target 0: {'met' if total['failures'] == 0 else '**not met**'}). Load average "
        f"{result['load_before']:.1f} before and {result['load_after']:.1f} at the end of the run (2 cores, "
        f"shared). Measured {result['measured']}.",
        "",
        *(
            ["Failures:", "", *[f"- {failure}" for failure in result["failures"]], ""]
            if result["failures"]
            else []
        ),
    ]


def markdown(results: list[dict[str, Any]]) -> str:
    """The section of docs/benchmarks.md: every size measured."""
    return "\n".join(
        [
            "## Mixed load",
            "",
            "`make bench-mixed` (part of `make bench`): `scripts/bench/mixed.py`. "
            + __doc__.split("\n\n")[1].replace("\n", " ").strip()
            + f" Locust {locust_version()}, headless, on the same 2 cores as the server and PostgreSQL. Above "
            "`MAP_FULL_DATA_LIMIT` (50,000 enterprises) the map asks for tiles, so each map visit requests the 12 "
            "tiles of a view at zoom 12 around an enterprise instead of the data file; latencies are those of two "
            "cores saturated by the users, gunicorn, PostgreSQL and locust itself.",
            "",
            *[line for result in results for line in table(result)],
        ]
    )


def locust_version() -> str:
    """The installed locust's version."""
    from importlib.metadata import version

    return version("locust")


def main() -> None:
    """Measure, print JSON, optionally write the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--count", type=int, nargs="+", default=[11_200], help="sizes, each on its database")
    parser.add_argument(
        "--database-prefix",
        default=os.environ.get(
            "CARTE_BENCH_DATABASE_PREFIX", "postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_api"
        ),
    )
    parser.add_argument("--write", type=Path, help="Replace the 'Mixed load' section of this Markdown file.")
    arguments = parser.parse_args()
    result = [
        measure(count, arguments.database_prefix, arguments.users, arguments.seconds)
        for count in arguments.count
    ]
    output = ROOT / "test-artifacts" / "bench" / "mixed.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    if arguments.write:
        write_section(arguments.write, "Mixed load", markdown(result))


if __name__ == "__main__":
    main()
