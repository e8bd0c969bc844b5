"""Benchmark of the citizen map with 11,200 enterprises, against the same page built the naive Folium way.

Usage: .venv/bin/python scripts/bench/map.py [--database-url URL] [--count 11200] [--runs 3]
(`make bench-map` prepares the bench database first). Prints a JSON report and a Markdown table.
Measures: the page's own HTML+JS+CSS compressed (Leaflet and clustering included), the data it asks for
until it is ready (the payload and the names of the list's first page) compressed, the time until markers
are visible after navigation in headless Chromium, the redraw time of a filter change, and the same
figures for one folium.Marker per enterprise in a MarkerCluster.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from map_data import generate_enterprises  # noqa: E402
from sections import cpu_model, write_section  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from carte import create_app  # noqa: E402
from carte.core.config import load_config  # noqa: E402
from carte.core.vocabulary import load_vocabulary, store_vocabulary  # noqa: E402
from carte.geo.geodata import load_geodata  # noqa: E402
from carte.store import schema  # noqa: E402
from carte.store.engine import make_engine  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_map"
TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # answered by the browser route: nothing leaves the machine
#: Folium's popups need jQuery; Debian's copy (libjs-jquery) stands in for its CDN copy.
JQUERY = Path("/usr/share/javascript/jquery/jquery.min.js")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def gz(data: bytes) -> int:
    """Size of data compressed as a web server would (gzip level 6)."""
    return len(gzip.compress(data, compresslevel=6))


def prepare(url: str, count: int):
    """The bench database migrated, with geodata, vocabulary and `count` generated enterprises."""
    if "bench" not in (make_url(url).database or ""):
        raise SystemExit(
            f"Refus : {url} ne semble pas une base de mesure (son nom doit contenir « bench ») ; "
            "le banc d'essai en remplace toutes les entreprises."
        )
    engine = make_engine(url)
    schema.upgrade(engine)
    with engine.connect() as connection:
        if connection.execute(text("SELECT count(*) FROM municipality")).scalar() != 1285:
            load_geodata(engine, load_config()["GEODATA_DIR"])
    with engine.begin() as connection:
        store_vocabulary(connection, load_vocabulary())
    generate_enterprises(engine, count)
    return engine


def serve(url: str) -> tuple[str, object]:
    """The app on a free loopback port, in a thread, without request logs."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app({"DATABASE_URL": url, "TILE_URL": TILES, "SECRET_KEY": "bench"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def naive_folium_html(engine, vendor_base: str) -> str:
    """The same map the naive way: one folium.Marker per enterprise in a MarkerCluster, its popup
    showing what ours shows (name, town, sectors, link to the enterprise page) and its name on hover."""
    import folium
    from folium.plugins import MarkerCluster
    from markupsafe import escape

    labels = {term.code: term.label_fr for term in load_vocabulary().sectors}
    with Session(engine) as session:
        rows = session.execute(
            text("""SELECT id, name, municipality_name, sectors, ST_Y(point), ST_X(point)
            FROM enterprise WHERE published AND point IS NOT NULL ORDER BY id""")
        ).all()
    base = folium.Map(location=(47.5, -71.5), zoom_start=6, tiles=TILES, attr="OpenStreetMap")
    cluster = MarkerCluster().add_to(base)
    for id_, name, town, sectors, lat, lon in rows:
        popup = (
            f'<h3><a href="/entreprises/{id_}">{escape(name)}</a></h3><p>{escape(town)}</p>'
            f"<p>{escape(', '.join(labels.get(code, code) for code in sectors))}</p>"
            f'<a href="/entreprises/{id_}">Voir la fiche</a>'
        )
        folium.Marker((lat, lon), popup=folium.Popup(popup), tooltip=name).add_to(cluster)
    html = base.get_root().render()
    # Folium's CDN copies cannot be reached offline: point Leaflet and the clustering at the app's.
    html = re.sub(
        r"https://cdn\.jsdelivr\.net/npm/leaflet@[\d.]+/dist/", vendor_base + "/vendor/leaflet/1.9.3/", html
    )
    html = re.sub(
        r"https://cdnjs\.cloudflare\.com/ajax/libs/leaflet\.markercluster/[\d.]+/",
        vendor_base + "/vendor/leaflet-markercluster/1.4.1/",
        html,
    )
    return html


def resources(page, base: str, types: set[str]) -> dict[str, bytes]:
    """Bodies of the app's responses of some resource types, recorded while the page loads."""
    found: dict[str, bytes] = {}

    def keep(response):
        if response.url.startswith(base) and response.request.resource_type in types and response.ok:
            try:
                found[response.url] = response.body()
            except Exception:  # noqa: BLE001 (a redirect or an aborted response has no body)
                pass

    page.on("response", keep)
    return found


#: The app's data requests the page made before saying it was ready (a preloaded fetch counts as a link).
LOAD_REQUESTS = """() => performance.getEntriesByType('resource')
    .filter((entry) => ['fetch', 'xmlhttprequest', 'link'].includes(entry.initiatorType)
                       && new URL(entry.name).pathname.startsWith('/carte/'))
    .map((entry) => entry.name)"""


def data_of_the_load(page, data: dict[str, bytes]) -> dict[str, bytes]:
    """The bodies of every data request the page made until it was ready (the payload, the names of the
    list's first page, a search if the URL asks for one, the MRC boundaries), once all are recorded."""
    urls = set(page.evaluate(LOAD_REQUESTS))
    deadline = time.monotonic() + 10
    while not urls <= set(data) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    missing = urls - set(data)
    if missing:
        raise SystemExit(f"Réponses non enregistrées : {sorted(missing)}")
    return {url: data[url] for url in urls}


def load_ours(browser, base: str) -> dict:
    """One cold load of the map: bytes by kind and milliseconds until markers are visible."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-CA")
    page = context.new_page()
    page.route("http://127.0.0.1:9/**", lambda route: route.fulfill(status=204))
    assets = resources(page, base, {"document", "script", "stylesheet"})
    data = resources(page, base, {"fetch", "xhr", "other"})
    page.goto(base + "/")
    page.wait_for_selector(".leaflet-marker-icon")
    visible = page.evaluate("() => performance.now()")
    page.wait_for_selector("body[data-map-ready]")
    loaded = data_of_the_load(page, data)
    redraws = filter_redraws(page)
    context.close()
    enterprises = next(body for url, body in loaded.items() if "donnees" in url)
    boundaries = next((body for url, body in loaded.items() if "fond.geojson" in url), b"")
    # Everything else the page asked for before it was ready: the names of the list's first page.
    rows = [body for url, body in loaded.items() if "donnees" not in url and "fond.geojson" not in url]
    return {
        "page_gz": sum(gz(body) for body in assets.values()),
        "page_files": len(assets),
        "data_raw": len(enterprises),
        "data_gz": gz(enterprises),
        "boundaries_gz": gz(boundaries),
        "rows_gz": sum(gz(body) for body in rows),
        "rows_requests": len(rows),
        "markers_visible_ms": visible,
        "redraw_ms": redraws,
    }


def filter_redraws(page) -> list[float]:
    """Durations of sector and service filter changes, as measured by the page itself."""
    friperie, ressourcerie = "input[name=sector][value=friperie]", "input[name=sector][value=ressourcerie]"
    service = "input[name=service][value=collecte_domicile]"
    # A quarter, half (two sectors), a quarter, everything; then a small subset and everything again.
    steps = [friperie, ressourcerie, friperie, ressourcerie, service, service]
    page.evaluate("() => document.getElementById('more-filters').open = true")
    durations = []
    for selector in steps:
        page.evaluate("() => performance.clearMeasures('carte-redraw')")
        page.click(selector)
        page.wait_for_function("() => performance.getEntriesByName('carte-redraw').length > 0")
        durations.append(page.evaluate("() => performance.getEntriesByName('carte-redraw')[0].duration"))
    return durations


def load_naive(browser, base: str, html: str) -> dict:
    """One cold load of the naive Folium page: milliseconds until markers are visible."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route(base + "/naive.html", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.route(
        "https://code.jquery.com/**",
        lambda route: route.fulfill(body=JQUERY.read_bytes(), content_type="text/javascript"),
    )
    page.route(
        re.compile(rf"^https?://(?!127\.0\.0\.1:{urlsplit(base).port}|code\.jquery\.com).*"),
        lambda route: route.fulfill(status=204),
    )
    page.goto(base + "/naive.html", timeout=120_000)
    page.wait_for_selector(".leaflet-marker-icon", timeout=120_000)
    visible = page.evaluate("() => performance.now()")
    context.close()
    return {"markers_visible_ms": visible}


def versions(browser, engine) -> dict:
    """Versions of what was measured, and the machine."""
    with engine.connect() as connection:
        postgis = connection.execute(text("SELECT postgis_lib_version()")).scalar()
    from importlib.metadata import version

    cpu = cpu_model()
    return {
        "python": platform.python_version(),
        "flask": version("flask"),
        "folium": version("folium"),
        "leaflet": version("XStatic-Leaflet"),
        "markercluster": version("XStatic-Leaflet-MarkerCluster"),
        "postgis": postgis,
        "chromium": browser.version,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--count", type=int, default=11_200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", type=Path, help="Replace the 'Citizen map' section of this Markdown file.")
    args = parser.parse_args()
    engine = prepare(args.database_url, args.count)
    base, server = serve(args.database_url)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        started = time.perf_counter()
        html = naive_folium_html(engine, base)
        naive_build_s = time.perf_counter() - started
        ours = [load_ours(browser, base) for _ in range(args.runs)]
        naive = [load_naive(browser, base, html) for _ in range(args.runs)]
        leaflet = sum(gz(Path(path).read_bytes()) for path in vendored_files())
        report = summarise(args.count, ours, naive, html.encode(), leaflet, naive_build_s)
        report["versions"] = versions(browser, engine)
        browser.close()
    server.shutdown()
    print(json.dumps(report, indent=2))
    print(markdown(report))
    if args.write:
        write_section(args.write, "Citizen map", section(report))


def vendored_files() -> list[str]:
    """Leaflet, the clustering and jQuery, which the naive page needs too (its Bootstrap, Font Awesome
    and awesome-markers are left out of its weight, so the ratio is conservative)."""
    import xstatic.pkg.leaflet as leaflet
    import xstatic.pkg.leaflet_markercluster as cluster

    return [
        f"{leaflet.BASE_DIR}/leaflet.js",
        f"{leaflet.BASE_DIR}/leaflet.css",
        f"{cluster.BASE_DIR}/leaflet.markercluster.js",
        f"{cluster.BASE_DIR}/MarkerCluster.css",
        f"{cluster.BASE_DIR}/MarkerCluster.Default.css",
        str(JQUERY),
    ]


def summarise(
    count: int, ours: list[dict], naive: list[dict], naive_html: bytes, leaflet_gz: int, naive_build_s: float
) -> dict:
    """Medians of the runs and the weight ratio."""
    median = statistics.median
    redraws = [ms for run in ours for ms in run["redraw_ms"]]
    naive_html_gz, naive_html_raw = gz(naive_html), len(naive_html)
    ours_total = ours[0]["page_gz"] + ours[0]["data_gz"] + ours[0]["rows_gz"]
    naive_total = naive_html_gz + leaflet_gz
    return {
        "enterprises": count,
        "ours": {
            "page_html_js_css_gz": ours[0]["page_gz"],
            "page_files": ours[0]["page_files"],
            "data_raw": ours[0]["data_raw"],
            "data_gz": ours[0]["data_gz"],
            "rows_gz": ours[0]["rows_gz"],
            "rows_requests": ours[0]["rows_requests"],
            "mrc_boundaries_gz": ours[0]["boundaries_gz"],
            "total_gz": ours_total,
            "markers_visible_ms_median": round(median(r["markers_visible_ms"] for r in ours)),
            "redraw_ms_median": round(median(redraws), 1),
            "redraw_ms_max": round(max(redraws), 1),
            "redraw_ms_by_run": [[round(ms) for ms in run["redraw_ms"]] for run in ours],
        },
        "naive_folium": {
            "html_gz": naive_html_gz,
            "html_raw": naive_html_raw,
            "with_leaflet_and_clustering_gz": naive_total,
            "build_s": round(naive_build_s, 1),
            "markers_visible_ms_median": round(median(r["markers_visible_ms"] for r in naive)),
        },
        "weight_ratio": round(naive_total / ours_total, 1),
        "page_weight_ratio": round(naive_total / ours[0]["page_gz"], 1),
    }


def markdown(report: dict) -> str:
    """The report as the table of docs/benchmarks.md."""
    ours, naive = report["ours"], report["naive_folium"]
    kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
    return "\n".join(
        [
            f"| measure ({report['enterprises']} enterprises) | ours | naive Folium |",
            "|---|---|---|",
            f"| page HTML+JS+CSS, gzip (Leaflet + clustering included) | {kb(ours['page_html_js_css_gz'])} | "
            f"{kb(naive['with_leaflet_and_clustering_gz'])} (data inside the HTML) |",
            f"| enterprise data, gzip | {kb(ours['data_gz'])} ({kb(ours['data_raw'])} raw) | (in the HTML) |",
            f"| names of the list's first page, gzip ({ours['rows_requests']} request"
            f"{'s' if ours['rows_requests'] != 1 else ''}) | {kb(ours['rows_gz'])} | (in the HTML) |",
            f"| total transferred until the map is ready, gzip | {kb(ours['total_gz'])} | "
            f"{kb(naive['with_leaflet_and_clustering_gz'])} |",
            f"| markers visible after navigation (median) | {ours['markers_visible_ms_median']} ms | "
            f"{naive['markers_visible_ms_median']} ms |",
            f"| filter change redraw (median / max) | {ours['redraw_ms_median']} / {ours['redraw_ms_max']} ms | "
            "no filters (a new page per change) |",
            f"| weight ratio naive / ours, whole transfer | {report['weight_ratio']}x | |",
            f"| weight ratio naive / ours, page alone | {report['page_weight_ratio']}x | |",
        ]
    )


METHOD = """`make bench-map` (part of `make bench`) prepares a separate database (`carte_bench_map`, override with
`BENCH_MAP_DATABASE_URL`), generates 11,200 published enterprises directly in SQL at real Quebec postal
codes (`scripts/bench/map_data.py`), serves the app on loopback and drives headless Chromium
(`scripts/bench/map.py`, three cold loads each). In the same run it builds the same map the naive
Folium way: one `folium.Marker` per enterprise in a `MarkerCluster`, each with a popup showing what
ours shows (name, town, sectors, link to the enterprise page) and its name as tooltip.

What is counted:
- *page*: the HTML, scripts and style sheets the browser loads from the app, each gzip-compressed
  (level 6): Leaflet, Leaflet.markercluster, our ES modules, CSS and the HTML with its JSON config.
- *data*: every request the page makes to `/carte/` until it says it is ready (its list's first page
  shown with its names), each gzip-compressed: `/carte/donnees.json`, every enterprise in the compact
  column format (positions, places, sectors, items, services, hours, no names nor ids), and
  `/carte/lignes`, the ids and names of the list's first page (50 rows, asked for by their ordinal in
  the payload). The map's own base layer (`/carte/fond.geojson`: land, MRC outlines and region
  names, cached a day) is reference data loaded beside the data and counted in neither (its size is
  in the JSON report as `boundaries_gz`).
- *naive*: its HTML (data inside) plus Leaflet, the clustering and jQuery (its popups need it);
  its Bootstrap, Font Awesome and awesome-markers from CDNs are left out, so its figure is a floor.
- *markers visible*: `performance.now()` (milliseconds since navigation started) when the first
  `.leaflet-marker-icon` is in the DOM, tiles answered locally.
- *redraw*: measured by the page itself, from the filter change to the end of both the clustering of
  the new markers and the list's first page shown with its names (a request for the names it does not
  hold yet included): six changes per load (one sector, a second one (half of the markers), back to
  one, none (everything), a service, none)."""


def section(report: dict) -> str:
    """The section of docs/benchmarks.md: method, machine, figures and the issue's targets."""
    ours, v = report["ours"], report["versions"]
    kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
    met = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    redraws = "; ".join(", ".join(str(ms) for ms in run) for run in ours["redraw_ms_by_run"])
    return "\n".join(
        [
            "## Citizen map",
            "",
            METHOD,
            "",
            f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {v['cores']} cores ({v['cpu']}), "
            f"Python {v['python']}, Flask {v['flask']}, Folium {v['folium']}, Leaflet {v['leaflet']}, "
            f"Leaflet.markercluster {v['markercluster']}, PostGIS {v['postgis']}, Chromium {v['chromium']} headless, "
            f"Werkzeug's threaded development server; load average {v['load_average']:.1f} at the end.",
            "",
            markdown(report),
            "",
            f"Redraws by step (ms), one load per group: {redraws}.",
            "",
            "**Against the targets of issue 4**:",
            f"- page {kb(ours['page_html_js_css_gz'])} ≤ 100 KB: {met(ours['page_html_js_css_gz'] <= 100 * 1024)};",
            f"- data {kb(ours['data_gz'] + ours['rows_gz'])} ≤ 250 KB (payload and first page's names): "
            f"{met(ours['data_gz'] + ours['rows_gz'] <= 250 * 1024)} (built in SQL, served with an ETag; a browser "
            "holding it gets a 304);",
            f"- markers visible in {ours['markers_visible_ms_median']} ms ≤ 1,500 ms: "
            f"{met(ours['markers_visible_ms_median'] <= 1500)};",
            f"- a filter change redraws in {ours['redraw_ms_median']} ms at the median and {ours['redraw_ms_max']} ms "
            f"at worst, ≤ 100 ms: {met(ours['redraw_ms_max'] <= 100)} at worst, "
            f"{met(ours['redraw_ms_median'] <= 100)} at the median;",
            f"- at least 10x lighter than the naive page: page alone {report['page_weight_ratio']}x "
            f"({met(report['page_weight_ratio'] >= 10)}), whole transfer {report['weight_ratio']}x "
            f"({met(report['weight_ratio'] >= 10)}).",
        ]
    )


if __name__ == "__main__":
    main()
