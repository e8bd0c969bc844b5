"""Benchmark of the large-data map: tile answers at zoom 5, 8, 12, 15 and the page in headless Chromium.

Usage: .venv/bin/python scripts/bench/tiles.py [--database URL COUNT ...] [--requests 60]
(`make bench-tiles` prepares the bench databases first). For each database it generates COUNT
published enterprises (skipped when the database already holds exactly those), refreshes the
pre-aggregated clusters, serves the app on loopback with the response cache off, then measures:
- tiles: the tiles of a 1280 x 800 view around sampled enterprises, per zoom, without filter, with a
  sector (pre-aggregated path) and with free text (points aggregated on the fly): p50/p95/p99 time and
  gzip bytes;
- the page: milliseconds from navigation to the first marker or cluster, and the redraw after a sector
  filter change, as measured by the page (performance measure "carte-redraw").
Prints a JSON report and Markdown tables; writes the JSON to test-artifacts/bench/tiles.json and, with
--write, the section "Large-data map (tiles)" of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from map import CHROMIUM_ARGS, TILES, prepare, versions  # noqa: E402
from sections import write_section  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from carte.map import clusters as cluster_table  # noqa: E402
from carte.map.tiles import Tile, tile_containing  # noqa: E402

ZOOMS = (5, 8, 12, 15)
VIEW = (1280, 800)
#: Variants of the same tiles: no filter, a covered filter, a filter that needs the points.
FILTERS = {"none": "", "sector": "?sector=friperie", "text": "?q=ressourcerie"}


#: The densest views first: downtown Montréal and Québec.
CITY_CENTRES = [(-73.5673, 45.5017), (-71.2080, 46.8139)]


def populated(engine, count: int, seed: int = 7) -> list[tuple[float, float]]:
    """The city centres, then positions of enterprises drawn at random (views follow the population)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT ST_X(point), ST_Y(point) FROM enterprise WHERE id % 997 = 1 ORDER BY id")
        ).all()
    return CITY_CENTRES + random.Random(seed).sample([tuple(row) for row in rows], min(count, len(rows)))


def view_tiles(lon: float, lat: float, z: int) -> list[Tile]:
    """The tiles of a VIEW-sized map centred on a point."""
    centre = tile_containing(lon, lat, z)
    half_x, half_y = VIEW[0] // 512 + 1, VIEW[1] // 512 + 1
    size = 2**z
    return [
        Tile(z, x, y)
        for x in range(centre.x - half_x, centre.x + half_x + 1)
        for y in range(centre.y - half_y, centre.y + half_y + 1)
        if 0 <= x < size and 0 <= y < size
    ]


def measure_tiles(base: str, points: list[tuple[float, float]], requests: int) -> dict:
    """Per zoom and filter: time percentiles, gzip bytes and counts of distinct tile requests."""
    report: dict = {}
    for z in ZOOMS:
        tiles = list(dict.fromkeys(tile for lon, lat in points for tile in view_tiles(lon, lat, z)))[
            :requests
        ]
        for name, query in FILTERS.items():
            times, sizes, kinds = [], [], {"clusters": 0, "points": 0}
            for tile in tiles:
                started = time.perf_counter()
                with urllib.request.urlopen(
                    f"{base}/tiles/{tile.z}/{tile.x}/{tile.y}.json{query}"
                ) as response:
                    body = response.read()
                times.append((time.perf_counter() - started) * 1000)
                sizes.append(len(gzip.compress(body, compresslevel=6)))
                kinds["points" if b'"points"' in body else "clusters"] += 1
            report[f"z{z}/{name}"] = summary(times, sizes, kinds)
    return report


def percentile(values: list[float], fraction: float) -> float:
    """The value below which a fraction of the sorted values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def summary(times: list[float], sizes: list[int], kinds: dict) -> dict:
    """Percentiles of a series of tile requests."""
    return {
        "requests": len(times),
        "p50_ms": round(percentile(times, 0.5), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(max(times), 1),
        "max_gz_bytes": max(sizes),
        "median_gz_bytes": int(statistics.median(sizes)),
        **kinds,
    }


def load_page(browser, base: str) -> dict:
    """One cold load: ms to the first marker or cluster, to the list, and a sector filter's redraw."""
    context = browser.new_context(viewport={"width": VIEW[0], "height": VIEW[1]}, locale="fr-CA")
    page = context.new_page()
    page.route("http://127.0.0.1:9/**", lambda route: route.fulfill(status=204))
    page.goto(base + "/")
    page.wait_for_selector(".leaflet-marker-icon", timeout=60_000)
    first = page.evaluate("() => performance.now()")
    # The list is filled, or says that the view holds too many enterprises to list.
    page.wait_for_function(
        "() => document.querySelectorAll('#results-list li').length > 0 "
        "|| /Environ/.test(document.getElementById('count').textContent)",
        timeout=60_000,
    )
    listed = page.evaluate("() => performance.now()")
    tiled = page.evaluate("() => JSON.parse(document.getElementById('map-config').textContent).tiles_url")
    page.evaluate(
        "() => { document.getElementById('more-filters').open = true; "
        "performance.clearMeasures('carte-redraw'); }"
    )
    page.click("input[name=sector][value=friperie]")
    page.wait_for_function("() => performance.getEntriesByName('carte-redraw').length > 0", timeout=60_000)
    redraw = page.evaluate("() => performance.getEntriesByName('carte-redraw')[0].duration")
    context.close()
    return {
        "mode": "tiles" if tiled else "full data",
        "first_marker_ms": first,
        "list_ms": listed,
        "filter_redraw_ms": redraw,
    }


def measure_pages(url: str, limit: int | None, runs: int) -> list[dict]:
    """Cold loads of the map page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    base, server = serve_bench(url, limit)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        loads = [load_page(browser, base) for _ in range(runs)]
        browser.close()
    server.shutdown()
    return loads


def serve_bench(url: str, limit: int | None) -> tuple[str, object]:
    """The app on a free loopback port, response cache off, threshold as given (default when None)."""
    import logging
    import threading

    from werkzeug.serving import make_server

    from carte import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    config = {"DATABASE_URL": url, "TILE_URL": TILES, "SECRET_KEY": "bench", "RESPONSE_CACHE_ENTRIES": 0}
    if limit is not None:
        config["MAP_FULL_DATA_LIMIT"] = limit
    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def ready(url: str, count: int) -> tuple[object, float, float | None, int]:
    """The bench database with `count` enterprises (generated only when needed) and fresh clusters;
    seconds spent generating (0 when kept) and refreshing (None when they were already fresh), rows."""
    from carte.store.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        held = (
            connection.execute(text("SELECT count(*) FROM enterprise WHERE source = 'bench'")).scalar()
            if connection.execute(text("SELECT to_regclass('enterprise')")).scalar()
            else -1
        )
    started = time.perf_counter()
    if held != count:
        engine = prepare(url, count)
    generated = time.perf_counter() - started if held != count else 0.0
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        session.execute(text("ANALYZE enterprise"))
        done = cluster_table.refresh(session)
        rows = (
            done.rows
            if not done.skipped
            else session.execute(text("SELECT count(*) FROM map_cluster")).scalar()
        )
    return engine, generated, None if done.skipped else round(time.perf_counter() - started, 1), rows


def run(url: str, count: int, requests: int, runs: int) -> dict:
    """Every measure on one database."""
    engine, generated, refreshed, rows = ready(url, count)
    base, server = serve_bench(url, None)
    tiles = measure_tiles(base, populated(engine, 12), requests)
    server.shutdown()
    pages = {"default threshold": measure_pages(url, None, runs)}
    if count <= 50_000:
        pages["threshold lowered (tiles)"] = measure_pages(url, 1, runs)
    return {
        "enterprises": count,
        "generate_s": round(generated, 1),
        "refresh_s": refreshed,
        "cluster_rows": rows,
        "tiles": tiles,
        "pages": pages,
    }


def markdown(result: dict) -> str:
    """One dataset's figures as Markdown tables."""
    lines = [
        f"**{result['enterprises']:,} enterprises** (pre-aggregated clusters: {result['cluster_rows']:,} "
        f"rows, refreshed in {result['refresh_s']} s)"
        if result["refresh_s"] is not None
        else f"**{result['enterprises']:,} enterprises** (pre-aggregated clusters: {result['cluster_rows']:,} "
        "rows, already fresh)",
        "",
        "| zoom / filter | tiles | p50 | p95 | p99 | max | gzip max (median) | clusters / points tiles |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, row in result["tiles"].items():
        lines.append(
            f"| {key} | {row['requests']} | {row['p50_ms']} ms | {row['p95_ms']} ms | {row['p99_ms']} ms | "
            f"{row['max_ms']} ms | {row['max_gz_bytes'] / 1024:.1f} KB ({row['median_gz_bytes'] / 1024:.1f} KB) | "
            f"{row['clusters']} / {row['points']} |"
        )
    lines += [
        "",
        "| page (median of runs) | mode | first marker | list or count | sector filter redraw |",
        "|---|---|---|---|---|",
    ]
    for name, loads in result["pages"].items():
        median = lambda key, loads=loads: round(statistics.median(load[key] for load in loads))  # noqa: E731
        lines.append(
            f"| {name} | {loads[0]['mode']} | {median('first_marker_ms')} ms | {median('list_ms')} ms | "
            f"{median('filter_redraw_ms')} ms |"
        )
    return "\n".join(lines)


METHOD = """`make bench-tiles` (part of `make bench`) prepares two databases, `carte_bench_tiles_11k` and
`carte_bench_tiles_1m` (`BENCH_TILES_11K_URL`, `BENCH_TILES_1M_URL`), generates 11,200 and 1,000,000
published enterprises in SQL at real postal codes (`scripts/bench/map_data.py`; past 225,404 codes the
same codes are reused, about 4.4 enterprises per code, each moved by up to 12 m; kept between runs),
refreshes the pre-aggregated clusters (`carte tiles refresh`), serves the app on loopback (Werkzeug,
threaded, **response cache off** so every answer runs its SQL) and runs `scripts/bench/tiles.py`:

- *tiles*: the tiles of a 1280 × 800 view around downtown Montréal, downtown Québec and 12 enterprises
  drawn at random (so views follow the population), at zoom 5, 8, 12 and 15 (up to 60 distinct tiles per
  zoom, empty ones included, each requested once, sequentially): `none` without filter and `sector`
  (`sector=friperie`) are answered from the pre-aggregated table up to zoom 13; `text` (`q=ressourcerie`,
  in 9 % of the names) from the narrow points of `map_point` in tile order (`carte/map/points.py`),
  aggregated on the fly. Time is the client's, request to last byte (*max* is the slowest tile of the
  series); bytes are the body gzip-compressed (level 6).
- *page*: three cold loads in headless Chromium (base-map tiles answered locally), milliseconds from
  navigation to the first marker or cluster in the DOM, to the list (or its "too many to list" count),
  and the redraw after ticking a sector, measured by the page (from the change to the last tile drawn)."""


def verdict(results: list[dict]) -> list[str]:
    """The issue's targets against the largest dataset measured."""
    largest = max(results, key=lambda result: result["enterprises"])
    tiles = largest["tiles"].values()
    worst_p95 = max(tiles, key=lambda row: row["p95_ms"])
    worst_size = max(row["max_gz_bytes"] for row in tiles)
    first = statistics.median(load["first_marker_ms"] for load in largest["pages"]["default threshold"])
    met = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    slowest = next(key for key, row in largest["tiles"].items() if row is worst_p95)
    return [
        f"**Against the targets at {largest['enterprises']:,}** (any tile or cluster response under 100 ms "
        "p95 and 200 KB compressed at zoom 5, 8, 12, 15; first render under 2.5 s):",
        f"- time: the slowest zoom and filter is {slowest}, p95 {worst_p95['p95_ms']} ms: "
        f"{met(worst_p95['p95_ms'] < 100)}, its slowest tile {worst_p95['max_ms']} ms (free text is "
        "aggregated from the narrow points of map_point; `near`, `bbox` and `open_now` are aggregated "
        "from the enterprise table and not measured);",
        f"- size: the largest tile is {worst_size / 1024:.1f} KB gzip: {met(worst_size < 200 * 1024)} "
        "(beyond 500 points a tile sends clusters, whatever the zoom);",
        f"- first render: {first:.0f} ms (median): {met(first < 2500)}.",
    ]


def section(results: list[dict], machine: dict) -> str:
    """The section of docs/benchmarks.md."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            "## Large-data map (tiles)",
            "",
            METHOD,
            "",
            f"Run of {when}: {machine['cores']} cores ({machine['cpu']}), Python {machine['python']}, "
            f"PostGIS {machine['postgis']}, Chromium {machine['chromium']}; load average "
            f"{machine['load_average']:.1f} at the end (the machine is shared: see the load next to "
            "every figure).",
            "",
            *[markdown(result) + "\n" for result in results],
            *verdict(results),
            "",
            "Until a refresh follows a data change, tiles are aggregated from the points (always "
            "right, slower); answers carry an ETag and are kept by HTTP caches and the per-worker "
            "memory cache (off here), so only the first visitor of a tile and filter pays.",
        ]
    )


def main() -> None:
    """Run the benchmark on each database and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", nargs=2, action="append", metavar=("URL", "COUNT"), required=True)
    parser.add_argument("--requests", type=int, default=60, help="distinct tiles per zoom and filter")
    parser.add_argument("--runs", type=int, default=3, help="cold page loads per case")
    parser.add_argument(
        "--write", type=Path, help="Replace the 'Large-data map (tiles)' section of this file."
    )
    args = parser.parse_args()
    results = []
    for url, count in args.database:
        results.append(run(url, int(count), args.requests, args.runs))
        print(markdown(results[-1]) + "\n", flush=True)
    from playwright.sync_api import sync_playwright

    from carte.store.engine import make_engine

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        report = {"results": results, "versions": versions(browser, make_engine(args.database[0][0]))}
        browser.close()
    out = ROOT / "test-artifacts" / "bench" / "tiles.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    if args.write:
        write_section(args.write, "Large-data map (tiles)", section(results, report["versions"]))


if __name__ == "__main__":
    main()
