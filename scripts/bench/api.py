"""Benchmark of GET /api/enterprises: 100,000 enterprises generated in SQL, gunicorn, wrk; pygeoapi beside.

Usage: .venv/bin/python scripts/bench/api.py [--count 100000] [--seconds 15]
The bench database (CARTE_BENCH_DATABASE_URL, default .../carte_bench_api) is created and filled on the
first run; later runs reuse it. pygeoapi runs from its own virtual environment (.venv-pygeoapi, made
here with pip) because its dependencies (SQLAlchemy 2.1...) differ from the app's. Every request goes to
127.0.0.1 only; each load loop is bounded in time and count. Prints a JSON summary and a Markdown table;
with --write, replaces the section "API" of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from carte.store.url import database_url as psycopg_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sections import cpu_model, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
BENCH_URL = os.environ.get(
    "CARTE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_api"
)
PYGEOAPI_VENV = ROOT / ".venv-pygeoapi"
#: Quebec City's centre, about 11 km × 11 km, and one sector: the query of the issue.
BBOX = "-71.32,46.76,-71.18,46.86"
SECTOR = "ressourcerie"
API_PATH = f"/api/enterprises?bbox={BBOX}&sector={SECTOR}"


def carte(*args: str, url: str = BENCH_URL) -> None:
    """Run the `carte` command on a bench database."""
    subprocess.run(
        [str(VENV_BIN / "carte"), *args], check=True, env={**os.environ, "CARTE_DATABASE_URL": url}
    )


def generate_enterprises(count: int, url: str = BENCH_URL) -> int:
    """Fill a bench database with `count` published enterprises placed at real postal codes."""
    engine = create_engine(psycopg_url(url, "CARTE_BENCH_DATABASE_URL"))
    with engine.begin() as connection:
        existing = connection.execute(text("SELECT count(*) FROM enterprise WHERE source = 'bench'")).scalar()
        if existing == count:
            return existing
        connection.execute(text("DELETE FROM enterprise WHERE source = 'bench'"))
        connection.execute(
            text("""
            WITH pcs AS (SELECT code, municipality_name, point, row_number() OVER (ORDER BY code) - 1 AS rn
                         FROM postal_code),
                 total AS (SELECT count(*) AS n FROM postal_code),
                 s AS (SELECT array_agg(code ORDER BY position) AS codes FROM sector),
                 i AS (SELECT array_agg(code ORDER BY position) AS codes FROM item_category)
            INSERT INTO enterprise (source, source_key, name, description, street, municipality_name,
                                    postal_code, phone, website, opening_hours, sectors, items, services,
                                    point, mrc_code, geocode_precision, geocode_source, published)
            SELECT 'bench', 'bench-' || g, 'Entreprise ' || g, 'Entreprise générée n° ' || g,
                   (g % 900 + 1) || ', rue Principale', pc.municipality_name, pc.code,
                   '+1418555' || lpad((g % 10000)::text, 4, '0'), 'https://exemple.org/' || g,
                   CASE g % 3 WHEN 0 THEN 'Mo-Fr 09:00-17:00' WHEN 1 THEN 'Tu-Sa 10:00-18:00; PH off' END,
                   ARRAY[s.codes[1 + g % array_length(s.codes, 1)]],
                   ARRAY[i.codes[1 + (g * 7) % array_length(i.codes, 1)]],
                   CASE WHEN g % 5 = 0 THEN ARRAY['collecte_domicile'] ELSE '{}' END,
                   pt.point, (SELECT min(p.mrc_code) FROM mrc_part p WHERE ST_Intersects(p.geom, pt.point)),
                   'postal_code', 'bench', true
            FROM (SELECT g, (g::bigint * 104729) % total.n AS rn
                  FROM generate_series(1, :count) AS g, total) AS gs(g, rn)
            CROSS JOIN s CROSS JOIN i
            JOIN pcs pc ON pc.rn = gs.rn
            -- the MRC is found while inserting: a later UPDATE would rewrite every row and all its indexes
            CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(
                ST_X(pc.point) + ((g * 37) % 200 - 100) / 100000.0,
                ST_Y(pc.point) + ((g * 53) % 200 - 100) / 100000.0), 4326) AS point) AS pt"""),
            {"count": count},
        )
        # pygeoapi filters properties by equality only: a view gives it the (single) sector as text.
        connection.execute(
            text("""
            CREATE OR REPLACE VIEW bench_enterprise_ogc AS
            SELECT id, name, description, street, municipality_name, postal_code, mrc_code, phone, website,
                   opening_hours, geocode_precision, updated_at, sectors[1] AS sector, point
            FROM enterprise WHERE published""")
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE enterprise"))
    return count


def prepare_database(count: int, url: str = BENCH_URL) -> int:
    """Create, migrate and fill a bench database (only what is missing)."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_postgis.py")],
        check=True,
        env={**os.environ, "CARTE_DATABASE_URL": url},
    )
    carte("db", "upgrade", url=url)
    engine = create_engine(psycopg_url(url, "CARTE_BENCH_DATABASE_URL"))
    with engine.connect() as connection:
        loaded = connection.execute(text("SELECT count(*) FROM municipality")).scalar()
    if loaded == 0:
        carte("geodata", "load", url=url)
    carte("vocabulary", "load", url=url)
    return generate_enterprises(count, url)


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], env: dict[str, str], port: int, probe: str) -> subprocess.Popen:
    """Start a server and wait until it answers on loopback."""
    server = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(240):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", probe)
            if connection.getresponse().status < 500:
                return server
        except OSError:
            time.sleep(0.25)
    stop(server)
    raise RuntimeError(f"server on port {port} did not start: {' '.join(command)}")


def stop(server: subprocess.Popen) -> None:
    """Stop a server started here (its own process group only), killing it if requests keep it busy."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def timed_requests(port: int, path: str, count: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One client, one keep-alive connection: `count` sequential GETs; latency percentiles in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    durations, statuses, size = [], {}, 0
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        durations.append((time.perf_counter() - started) * 1000)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        size = len(body)
        etag = response.getheader("ETag")
    durations.sort()
    return {
        "requests": count,
        "p50_ms": round(statistics.median(durations), 2),
        "p95_ms": round(durations[int(0.95 * (count - 1))], 2),
        "p99_ms": round(durations[int(0.99 * (count - 1))], 2),
        "statuses": statuses,
        "body_bytes": size,
        "etag": etag,
    }


def wrk(port: int, path: str, seconds: int, connections: int = 4) -> dict[str, Any]:
    """Requests per second with `connections` concurrent clients (wrk), and every non-2xx counted."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is missing: apt-get install -y wrk (make bench installs it)")
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests": total,
        "requests_per_s": rps,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
        "latency_p99": re.search(r"99%\s+(\S+)", output).group(1),
    }


def pygeoapi_config(port: int, directory: Path) -> Path:
    """A pygeoapi configuration serving the enterprises of the bench database as OGC API Features."""
    from sqlalchemy.engine import make_url

    url = make_url(BENCH_URL)
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 1000},
            "map": {"url": "http://127.0.0.1/{z}/{x}/{y}.png", "attribution": "none"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "none",
                "url": "http://127.0.0.1",
            },
            "license": {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench", "email": "bench@example.org"},
        },
        "resources": {
            "enterprises": {
                "type": "collection",
                "title": "Entreprises",
                "description": "Entreprises",
                "keywords": ["x"],
                "links": [],
                "extents": {
                    "spatial": {
                        "bbox": [-80, 44, -57, 63],
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    }
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "id_field": "id",
                        "table": "bench_enterprise_ogc",
                        "geom_field": "point",
                        "data": {
                            "host": url.host,
                            "port": url.port or 5432,
                            "dbname": url.database,
                            "user": url.username or "postgres",
                            "password": url.password or "",
                            "search_path": ["public"],
                        },
                    }
                ],
            }
        },
    }
    path = directory / "pygeoapi.config.yml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is valid YAML
    return path


def ensure_pygeoapi() -> Path:
    """pygeoapi's own virtual environment (pip install on first use)."""
    python = PYGEOAPI_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PYGEOAPI_VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "pygeoapi==0.21.0",
            "psycopg2-binary",
            "geoalchemy2",
            "gunicorn",
        ],
        check=True,
    )
    return PYGEOAPI_VENV / "bin"


def run_pygeoapi(seconds: int, count: int) -> dict[str, Any]:
    """The same query through pygeoapi (gunicorn, 4 workers): latency for 1 client and rate for 4."""
    bin_dir = ensure_pygeoapi()
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        config = pygeoapi_config(port, Path(directory))
        openapi = Path(directory) / "openapi.yml"
        subprocess.run(
            [str(bin_dir / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
            check=True,
            capture_output=True,
        )
        env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
        path = f"/collections/enterprises/items?f=json&bbox={BBOX}&sector={SECTOR}&limit=100"
        server = start(
            [str(bin_dir / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "pygeoapi.flask_app:APP"],
            env,
            port,
            "/conformance?f=json",
        )
        try:
            first = json.loads(urlopen_body(port, path))
            return {
                "numberMatched": first.get("numberMatched"),
                "numberReturned": first.get("numberReturned"),
                "one_client": timed_requests(port, path, count),
                "four_clients": wrk(port, path, seconds),
                "version": "0.21.0",
            }
        finally:
            stop(server)


def urlopen_body(port: int, path: str) -> bytes:
    """The body of one GET."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    return connection.getresponse().read()


def run_carte(seconds: int, count: int, cache_entries: int) -> dict[str, Any]:
    """The app under gunicorn (4 sync workers): 1-client latency, 4-client rate, 304 latency."""
    port = free_port()
    server = start(
        [str(VENV_BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "carte.wsgi:app"],
        {"CARTE_DATABASE_URL": BENCH_URL, "CARTE_RESPONSE_CACHE_ENTRIES": str(cache_entries)},
        port,
        "/api/sectors",
    )
    try:
        first = json.loads(urlopen_body(port, API_PATH))
        timed_requests(port, API_PATH, 20)  # warm every worker's pool and caches
        one = timed_requests(port, API_PATH, count)
        not_modified = timed_requests(
            port, API_PATH, count, {"If-None-Match": f'"{one["etag"].strip(chr(34))}"'}
        )
        return {
            "numberMatched": first["numberMatched"],
            "numberReturned": first["numberReturned"],
            "one_client": one,
            "four_clients": wrk(port, API_PATH, seconds),
            "not_modified": not_modified,
        }
    finally:
        stop(server)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    engine = create_engine(psycopg_url(BENCH_URL, "CARTE_BENCH_DATABASE_URL"))
    with engine.connect() as connection:
        postgres = connection.execute(text("SHOW server_version")).scalar()
        postgis = connection.execute(text("SELECT postgis_lib_version()")).scalar()
    from importlib.metadata import version

    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "postgresql": postgres,
        "postgis": postgis,
        "flask": version("flask"),
        "sqlalchemy": version("sqlalchemy"),
        "gunicorn": "4 sync workers",
        "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        .stdout.split("[")[0]
        .strip(),
    }


def markdown(result: dict[str, Any]) -> str:
    """The figures as the table of docs/benchmarks.md."""
    runs = [result["carte_no_memory_cache"], result["carte"], result.get("pygeoapi") or {}]

    def cells(pick: Callable[[dict[str, Any]], str]) -> str:
        return " | ".join(pick(run) if run else "n/a" for run in runs)

    rows = [
        (
            "p50 / p95, 1 client (ms)",
            cells(lambda r: f"{r['one_client']['p50_ms']} / {r['one_client']['p95_ms']}"),
        ),
        ("requests/s, 4 clients", cells(lambda r: f"{r['four_clients']['requests_per_s']:.0f}")),
        (
            "errors (non-2xx, socket)",
            cells(lambda r: f"{r['four_clients']['non_2xx']}, {r['four_clients']['socket_errors']}"),
        ),
        (
            "304 p50 / p95 (ms)",
            cells(
                lambda r: (
                    f"{r['not_modified']['p50_ms']} / {r['not_modified']['p95_ms']}"
                    if "not_modified" in r
                    else "—"
                )
            ),
        ),
        ("matched / returned", cells(lambda r: f"{r['numberMatched']} / {r['numberReturned']}")),
    ]
    lines = [
        "| measure | carte, SQL every time | carte, answers kept in memory | pygeoapi 0.21 |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {values} |" for name, values in rows]
    return "\n".join(lines)


METHOD = """**What runs** (`scripts/bench/api.py`): a bench database (`carte_bench_api_100k` under `make bench`,
shared with the API-at-scale run; `CARTE_BENCH_DATABASE_URL`) migrated and loaded with the reference
geodata, then 100,000 published enterprises generated by one SQL statement at real postal codes (so
density follows population: Montréal and Québec are dense), one sector and one item category each, MRC
assigned by a spatial join. The app runs under gunicorn (4 sync workers) on 127.0.0.1. Query:
`GET /api/enterprises?bbox=-71.32,46.76,-71.18,46.86&sector=ressourcerie` (central Québec City, about
11 km × 11 km; first page of 100 features with labels, MRC name, page URL). Latency: 300 sequential
requests from 1 client on a keep-alive connection (p50/p95). Throughput: `wrk -t2 -c4` for 15 s. The
304 case sends the ETag back in `If-None-Match`.

The app is measured twice: with `CARTE_RESPONSE_CACHE_ENTRIES=0` (every request runs the SQL: data
version, then one statement that counts and sorts the matches' ids and builds the GeoJSON of the page in
PostGIS) and with the default per-worker memory cache (answers kept under their ETag, which changes with
the data version, so a data change is seen at once).

**pygeoapi**: 0.21.0 from PyPI in its own virtual environment (`.venv-pygeoapi`: its SQLAlchemy 2.1 differs
from the app's 2.0), PostgreSQL provider, gunicorn with 4 workers, same database and same rows in the same
run: `/collections/enterprises/items?f=json&bbox=…&sector=ressourcerie&limit=100`. pygeoapi filters
properties by equality only, so it reads the view `bench_enterprise_ogc` over the same `enterprise` table
exposing `sectors[1] AS sector` (each bench enterprise has exactly one sector, so the result sets are
identical). Its features carry fewer properties (no labels)."""


def section(result: dict[str, Any]) -> str:
    """The section of docs/benchmarks.md: method, machine, figures, ratios and the issue's targets."""
    m = result["machine"]
    uncached, cached = result["carte_no_memory_cache"], result["carte"]
    lines = [
        "## API",
        "",
        METHOD,
        "",
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {m['cores']} cores ({m['cpu']}), "
        f"Python {m['python']}, PostgreSQL {m['postgresql']}, PostGIS {m['postgis']}, Flask {m['flask']}, "
        f"SQLAlchemy {m['sqlalchemy']}, gunicorn ({m['gunicorn']}), {m['wrk']}; load average "
        f"{result['load_before']:.1f} before and {os.getloadavg()[0]:.1f} after.",
        "",
        markdown(result),
        "",
    ]
    if result.get("pygeoapi"):
        lines += [
            f"**Ratio to pygeoapi** (same run): requests/s with 4 clients "
            f"{result['ratio_rps_carte_no_memory_cache']}× (SQL every time) and {result['ratio_rps_carte']}× "
            f"(answers in memory); p95 for 1 client {result['ratio_p95_carte_no_memory_cache']}× and "
            f"{result['ratio_p95_carte']}× lower.",
            "",
        ]
    else:
        lines += [f"pygeoapi could not be measured: {result.get('pygeoapi_error', 'skipped')}.", ""]

    def verdict(run: dict[str, Any]) -> str:
        checks = [
            run["one_client"]["p95_ms"] < 30,
            run["four_clients"]["requests_per_s"] >= 300,
            run["not_modified"]["p95_ms"] < 5,
        ]
        return ", ".join(
            f"{name} {'met' if ok else '**not met**'}"
            for name, ok in zip(("p95", "throughput", "304"), checks, strict=True)
        )

    lines += [
        "**Against the targets of issue 5** (p95 < 30 ms for 1 client, ≥ 300 requests/s with 4 clients, "
        f"304 < 5 ms): SQL every time: {verdict(uncached)}; answers in memory: {verdict(cached)}."
    ]
    return "\n".join(lines)


def main() -> None:
    """Prepare, measure, print, optionally write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="enterprises in the bench database")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each wrk run")
    parser.add_argument("--requests", type=int, default=300, help="sequential requests for the latencies")
    parser.add_argument("--skip-pygeoapi", action="store_true")
    parser.add_argument("--write", type=Path, help="Replace the 'API' section of this Markdown file.")
    options = parser.parse_args()
    result: dict[str, Any] = {
        "enterprises": prepare_database(options.count),
        "query": API_PATH,
        "load_before": os.getloadavg()[0],
    }
    result["carte_no_memory_cache"] = run_carte(options.seconds, options.requests, 0)
    result["carte"] = run_carte(options.seconds, options.requests, 256)
    if not options.skip_pygeoapi:
        try:
            result["pygeoapi"] = run_pygeoapi(options.seconds, options.requests)
        except (RuntimeError, subprocess.CalledProcessError, OSError, ValueError) as error:
            result["pygeoapi_error"] = str(error)
    if result.get("pygeoapi"):
        ogc = result["pygeoapi"]
        for name in ("carte_no_memory_cache", "carte"):
            result[f"ratio_rps_{name}"] = round(
                result[name]["four_clients"]["requests_per_s"] / ogc["four_clients"]["requests_per_s"], 1
            )
            result[f"ratio_p95_{name}"] = round(
                ogc["one_client"]["p95_ms"] / result[name]["one_client"]["p95_ms"], 1
            )
    result["machine"] = machine()
    output = ROOT / "test-artifacts" / "bench" / "api.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(markdown(result))
    print(f"(JSON in {output.relative_to(ROOT)})")
    if options.write:
        write_section(options.write, "API", section(result))


if __name__ == "__main__":
    main()
