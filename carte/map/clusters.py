"""Pre-aggregated clusters: the large-data map's low zoom levels answered without scanning every point.

`refresh` groups the published enterprises into 64-pixel cells at zoom MAX_LEVEL, then each coarser
level from the finer one, keeping the MRC and the sector, item and service combinations (bit masks in
vocabulary order) so that those filters still apply: a tile then sums a few thousand rows instead of
up to a million points, and rows are written in cell order so that a tile's rows share few pages.
The same cells summed over everything (map_cluster_total) answer the unfiltered map with at most 16
rows per tile. The table remembers the data version it was built from; while that is not the current
version, `is_fresh` is false and the map aggregates the points themselves (always right, slower),
until `carte tiles refresh` runs again (after an import, or every few minutes from cron: it does
nothing when the table is fresh). The same refresh writes map_point, the narrow copy of the points that
answers free-text searches (carte/map/points.py), under the same data version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from carte.read.filters import EnterpriseFilter
from carte.read.queries import data_version

#: The finest pre-aggregated zoom; closer tiles are small enough to aggregate on the fly.
MAX_LEVEL = 13
#: Cells per tile side: 4 cells of 64 pixels on a 256-pixel tile, so that 40-pixel cluster icons
#: seldom overlap.
CELLS = 4
#: Filters the table can answer; any other one (q, near, bbox, open_now) needs the points.
COVERED = ("sectors", "items", "services", "mrc", "region")
#: Bits per axis of map_point's grid: CELLS (4, 2 bits) cells across every tile up to zoom 20.
GRID_BITS = 22
#: The grid the rows were built on: a table built on another grid is stale whatever its data version.
LAYOUT = f"{CELLS} cells, levels 0-{MAX_LEVEL}, points on {GRID_BITS} bits"
#: The Web-Mercator square's edge of latitude: a point beyond it is on no tile (as in carte/map/tiles.py).
MERCATOR_LATITUDE = math.degrees(math.atan(math.sinh(math.pi)))

_MASKS = """
WITH vocab AS (
    SELECT (SELECT array_agg(code::text ORDER BY position) FROM sector) AS sectors,
           (SELECT array_agg(code::text ORDER BY position) FROM item_category) AS items,
           (SELECT array_agg(code::text ORDER BY position) FROM service) AS services
)"""

_FINEST = text(
    _MASKS
    + """
INSERT INTO map_cluster (zoom, cx, cy, mrc_code, sectors, items, services, n, sum_lat, sum_lon)
SELECT :zoom, floor((ST_X(e.point) + 180.0) / 360.0 * :scale)::int,
       floor((1 - asinh(tan(radians(ST_Y(e.point)))) / pi()) / 2 * :scale)::int,
       coalesce(e.mrc_code, ''),
       (SELECT coalesce(bit_or(1 << (array_position(vocab.sectors, c) - 1)), 0) FROM unnest(e.sectors) c),
       (SELECT coalesce(bit_or(1 << (array_position(vocab.items, c) - 1)), 0) FROM unnest(e.items) c),
       (SELECT coalesce(bit_or(1 << (array_position(vocab.services, c) - 1)), 0) FROM unnest(e.services) c),
       count(*), sum(ST_Y(e.point)), sum(ST_X(e.point))
FROM enterprise e CROSS JOIN vocab
WHERE e.published AND e.point IS NOT NULL
GROUP BY 2, 3, 4, 5, 6, 7
ORDER BY 2, 3
"""
)

# The folded fields of carte.read.queries.by_text, joined by a control character, which no search holds
# (carte.read.filters.parse_text refuses them), so that a match never spans two fields.
_POINTS = text(
    _MASKS
    + """,
located AS (
    SELECT e.*, ST_X(e.point) AS lon, ST_Y(e.point) AS lat FROM enterprise e
    WHERE e.published AND e.point IS NOT NULL
),
cells AS (
    SELECT l.*, least(greatest(floor((l.lon + 180.0) / 360.0 * :scale), 0), :scale - 1)::int AS cx,
           least(greatest(floor((1 - asinh(tan(radians(l.lat))) / pi()) / 2 * :scale), 0), :scale - 1)::int AS cy
    FROM located l
    WHERE l.lon >= -180 AND l.lon < 180 AND l.lat >= -:mercator AND l.lat < :mercator
)
INSERT INTO map_point (id, morton, lat, lon, mrc_code, sectors, items, services, search)
SELECT c.id, carte_spread_bits(c.cx) | (carte_spread_bits(c.cy) << 1), c.lat, c.lon,
       coalesce(c.mrc_code, ''),
       (SELECT coalesce(bit_or(1 << (array_position(vocab.sectors, v) - 1)), 0) FROM unnest(c.sectors) v),
       (SELECT coalesce(bit_or(1 << (array_position(vocab.items, v) - 1)), 0) FROM unnest(c.items) v),
       (SELECT coalesce(bit_or(1 << (array_position(vocab.services, v) - 1)), 0) FROM unnest(c.services) v),
       concat_ws(chr(31), lower(carte_unaccent(c.name)), lower(carte_unaccent(c.description)),
                 lower(carte_unaccent(c.municipality_name)))
FROM cells c CROSS JOIN vocab
ORDER BY 2
"""
)

_COARSER = text("""
INSERT INTO map_cluster (zoom, cx, cy, mrc_code, sectors, items, services, n, sum_lat, sum_lon)
SELECT :zoom, cx / 2, cy / 2, mrc_code, sectors, items, services, sum(n), sum(sum_lat), sum(sum_lon)
FROM map_cluster WHERE zoom = :zoom + 1
GROUP BY cx / 2, cy / 2, mrc_code, sectors, items, services
ORDER BY cx / 2, cy / 2
""")

_TOTALS = text("""
INSERT INTO map_cluster_total (zoom, cx, cy, n, sum_lat, sum_lon)
SELECT zoom, cx, cy, sum(n), sum(sum_lat), sum(sum_lon) FROM map_cluster GROUP BY zoom, cx, cy
""")

_TILE = """
SELECT sum(sum_lat) / sum(n), sum(sum_lon) / sum(n), sum(n)
FROM {table}
WHERE zoom = :zoom AND cx BETWEEN :x0 AND :x0 + :last AND cy BETWEEN :y0 AND :y0 + :last {conditions}
GROUP BY cx, cy
"""

_MASK_OF = text(
    _MASKS
    + """
SELECT (SELECT coalesce(bit_or(1 << (array_position(vocab.sectors, c) - 1)), 0)
          FROM unnest(CAST(:sectors AS text[])) c),
       (SELECT coalesce(bit_or(1 << (array_position(vocab.items, c) - 1)), 0)
          FROM unnest(CAST(:items AS text[])) c),
       (SELECT coalesce(bit_or(1 << (array_position(vocab.services, c) - 1)), 0)
          FROM unnest(CAST(:services AS text[])) c)
FROM vocab
"""
)


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the data version it now holds, and how many rows per level."""

    data_version: int
    rows: int
    skipped: bool


def refresh(session: Session, force: bool = False) -> Refreshed:
    """Rebuild the table from the published enterprises, unless it already holds the current version."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('carte.map_cluster'))"))
    version = data_version(session)
    if not force and is_fresh(session):
        return Refreshed(version, 0, True)
    session.execute(text("TRUNCATE map_cluster, map_cluster_total, map_point"))
    session.execute(_FINEST, {"zoom": MAX_LEVEL, "scale": 2**MAX_LEVEL * CELLS})
    for zoom in range(MAX_LEVEL - 1, -1, -1):
        session.execute(_COARSER, {"zoom": zoom})
    session.execute(_TOTALS)
    session.execute(_POINTS, {"scale": 2**GRID_BITS, "mercator": MERCATOR_LATITUDE})
    session.execute(
        text("""INSERT INTO map_cluster_state (data_version, layout) VALUES (:version, :layout)
        ON CONFLICT (id) DO UPDATE SET data_version = :version, layout = :layout, refreshed_at = now()"""),
        {"version": version, "layout": LAYOUT},
    )
    session.execute(text("ANALYZE map_cluster"))
    session.execute(text("ANALYZE map_cluster_total"))
    session.execute(text("ANALYZE map_point"))
    rows = session.execute(text("SELECT count(*) FROM map_cluster")).scalar_one()
    return Refreshed(version, rows, False)


def stored_version(session: Session) -> int | None:
    """The data version the table was built from (None before the first refresh or on another grid)."""
    return session.execute(
        text("SELECT data_version FROM map_cluster_state WHERE layout = :layout"), {"layout": LAYOUT}
    ).scalar()


def covers(filters: EnterpriseFilter, answered: tuple[str, ...] = COVERED) -> bool:
    """Whether only filters a table answers are set (by default this one's: MRC, region, vocabulary)."""
    return filters == EnterpriseFilter(**{name: getattr(filters, name) for name in answered})


def is_fresh(session: Session) -> bool:
    """Whether the table holds the current data version."""
    return stored_version(session) == data_version(session)


def masks(session: Session, filters: EnterpriseFilter) -> tuple[int, int, int]:
    """The bit masks of the sectors, items and services asked for."""
    row = session.execute(
        _MASK_OF,
        {"sectors": list(filters.sectors), "items": list(filters.items), "services": list(filters.services)},
    ).one()
    return row[0], row[1], row[2]


def covered_conditions(session: Session, filters: EnterpriseFilter) -> tuple[list[str], dict]:
    """SQL conditions of the covered filters on a table of masks and MRC codes, and their values."""
    vocabulary = filters.sectors or filters.items or filters.services
    sectors, items, services = masks(session, filters) if vocabulary else (0, 0, 0)
    sql = [f"{name} & :{name} <> 0" for name in ("sectors", "items", "services") if getattr(filters, name)]
    if filters.mrc:
        sql.append("mrc_code = :mrc")
    if filters.region:
        sql.append("mrc_code IN (SELECT code FROM mrc WHERE region_code = :region)")
    return sql, {
        "sectors": sectors,
        "items": items,
        "services": services,
        "mrc": filters.mrc,
        "region": filters.region,
    }


def cells(session: Session, filters: EnterpriseFilter, z: int, x: int, y: int) -> list[list[float]]:
    """[lat, lon, count] of each non-empty cell of tile z/x/y under covered filters."""
    sql, values = covered_conditions(session, filters)
    # Without any filter the totals answer: one row per cell instead of one per combination.
    query = _TILE.format(
        table="map_cluster" if sql else "map_cluster_total",
        conditions="".join(f" AND {condition}" for condition in sql),
    )
    rows = session.execute(
        text(query), {"zoom": z, "x0": x * CELLS, "y0": y * CELLS, "last": CELLS - 1, **values}
    )
    return [[lat, lon, count] for lat, lon, count in rows]
