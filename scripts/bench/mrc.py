"""MRC assignment of many points: one PostGIS statement against Shapely 2's STRtree, same answers.

Points are generated in SQL around real postal codes (jittered by up to about 1 km, so some fall on
water or outside Quebec and get no MRC), in the table `bench_mrc_point` of the bench database (made
once per count). Both sides use the same subdivided MRC polygons (`mrc_part`); a point on the border
of two MRCs takes the smaller code on both sides, a point in none gets none.

    python scripts/bench/mrc.py --database-url URL [--points 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Engine, create_engine, text

from carte.store.url import database_url as psycopg_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sections import write_section  # noqa: E402

POINTS = """
CREATE TABLE bench_mrc_point AS
WITH pc AS (SELECT point, row_number() OVER (ORDER BY code) - 1 AS rn FROM postal_code),
     total AS (SELECT count(*) AS n FROM postal_code)
SELECT g AS id, ST_SetSRID(ST_MakePoint(ST_X(pc.point) + ((g::bigint * 7919) % 2001 - 1000) / 100000.0,
                                        ST_Y(pc.point) + ((g::bigint * 6271) % 2001 - 1000) / 100000.0), 4326) AS point
FROM generate_series(1, :count) AS g CROSS JOIN total JOIN pc ON pc.rn = (g::bigint * 104729) % total.n"""
#: The PostGIS side: every point joined to the MRC parts it lies in or on, through their GiST index.
ASSIGN = """
CREATE TEMP TABLE postgis_assignment AS
SELECT p.id, min(m.mrc_code) AS mrc_code
FROM bench_mrc_point p JOIN mrc_part m ON ST_Intersects(m.geom, p.point) GROUP BY p.id"""


def prepare(engine: Engine, count: int) -> None:
    """The points table with `count` rows, indexed and analysed (kept between runs)."""
    with engine.begin() as connection:
        exists = connection.execute(text("SELECT to_regclass('bench_mrc_point') IS NOT NULL")).scalar_one()
        if exists and connection.execute(text("SELECT count(*) FROM bench_mrc_point")).scalar_one() == count:
            return
        connection.execute(text("DROP TABLE IF EXISTS bench_mrc_point"))
        connection.execute(text(POINTS), {"count": count})
        connection.execute(text("ALTER TABLE bench_mrc_point ADD PRIMARY KEY (id)"))
        connection.execute(text("CREATE INDEX ON bench_mrc_point USING gist (point)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE bench_mrc_point"))


def postgis(engine: Engine) -> tuple[float, np.ndarray]:
    """Seconds of the one-statement assignment in PostGIS, and its result in point order."""
    with engine.begin() as connection:
        started = time.perf_counter()
        connection.execute(text(ASSIGN))
        seconds = time.perf_counter() - started
        codes = (
            connection.execute(
                text("""
            SELECT a.mrc_code FROM bench_mrc_point p LEFT JOIN postgis_assignment a USING (id)
            ORDER BY p.id""")
            )
            .scalars()
            .all()
        )
    return seconds, np.array(codes, dtype=object)


def load(engine: Engine) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point coordinates in id order, MRC parts as Shapely polygons and the code of each part."""
    with engine.connect() as connection:
        xy = np.array(
            connection.execute(
                text("SELECT ST_X(point), ST_Y(point) FROM bench_mrc_point ORDER BY id")
            ).all(),
            dtype=float,
        )
        parts = connection.execute(text("SELECT mrc_code, ST_AsBinary(geom) FROM mrc_part ORDER BY id")).all()
    polygons = shapely.from_wkb([bytes(wkb) for _code, wkb in parts])
    return xy, polygons, np.array([code for code, _wkb in parts], dtype=object)


def strtree(xy: np.ndarray, polygons: np.ndarray, codes: np.ndarray) -> tuple[float, np.ndarray]:
    """Seconds of the vectorised STRtree assignment (tree built, points queried, borders settled) and
    its result in point order."""
    started = time.perf_counter()
    points = shapely.points(xy)
    tree = shapely.STRtree(polygons)
    point_index, part_index = tree.query(points, predicate="intersects")
    found = codes[part_index]
    order = np.lexsort((found.astype(str), point_index))  # by point, then smallest code first
    first_points, first = np.unique(point_index[order], return_index=True)
    assigned = np.full(len(xy), None, dtype=object)
    assigned[first_points] = found[order][first]
    return time.perf_counter() - started, assigned


def measure(database_url: str, count: int) -> dict[str, Any]:
    """Both assignments over the same points, their timings and how many points they disagree on."""
    engine = create_engine(psycopg_url(database_url, "--database-url"))
    prepare(engine, count)
    postgis_seconds, by_postgis = postgis(engine)
    started = time.perf_counter()
    xy, polygons, codes = load(engine)
    load_seconds = time.perf_counter() - started
    shapely_seconds, by_shapely = strtree(xy, polygons, codes)
    differences = int(np.count_nonzero(by_postgis != by_shapely))
    assert differences == 0, f"{differences} points assigned differently"
    return {
        "points": count,
        "parts": len(polygons),
        "postgis_s": round(postgis_seconds, 2),
        "shapely_load_s": round(load_seconds, 2),
        "shapely_s": round(shapely_seconds, 2),
        "assigned": int(np.count_nonzero(by_postgis != None)),  # noqa: E711 (element-wise)
        "differences": differences,
        "shapely": version("shapely"),
        "geos": shapely.geos_version_string,
        "load": os.getloadavg()[0],
    }


def markdown(result: dict[str, Any]) -> str:
    """The section of docs/benchmarks.md."""
    return "\n".join(
        [
            "## MRC assignment",
            "",
            "`make bench-mrc` (part of `make bench`): `scripts/bench/mrc.py`. "
            + __doc__.split("\n\n")[1].replace("\n", " ").strip(),
            "",
            "- PostGIS: `CREATE TEMP TABLE ... AS SELECT p.id, min(m.mrc_code) FROM bench_mrc_point p JOIN mrc_part m "
            "ON ST_Intersects(m.geom, p.point) GROUP BY p.id` (GiST indexes on both sides, the planner's choice).",
            "- Shapely: points read once (`ST_X`, `ST_Y`) and the parts as WKB; then `STRtree(parts)`, one "
            "vectorised `tree.query(points, predicate='intersects')` and a numpy sort to keep the smallest code "
            "on borders. The reading is timed apart.",
            "",
            "| points | MRC parts | PostGIS, one statement | Shapely STRtree (tree + query) | reading for Shapely "
            "| points in an MRC | differences | load |",
            "|---|---|---|---|---|---|---|---|",
            f"| {result['points']:,} | {result['parts']:,} | {result['postgis_s']:.1f} s "
            f"| {result['shapely_s']:.1f} s | {result['shapely_load_s']:.1f} s | {result['assigned']:,} "
            f"| {result['differences']} | {result['load']:.1f} |",
            "",
            f"Shapely {result['shapely']}, GEOS {result['geos']}. The script asserts that both assignments are "
            "equal point by point (differences = 0). "
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            "",
        ]
    )


def main() -> None:
    """Command line entry point: print the figures as JSON, optionally write the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument(
        "--write", type=Path, help="Replace the 'MRC assignment' section of this Markdown file."
    )
    arguments = parser.parse_args()
    result = measure(arguments.database_url, arguments.points)
    print(json.dumps(result))
    if arguments.write:
        write_section(arguments.write, "MRC assignment", markdown(result))


if __name__ == "__main__":
    main()
