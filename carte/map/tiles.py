"""The large-data map: per-tile clusters aggregated in PostGIS, and individual points at close zoom.

Above MAP_FULL_DATA_LIMIT published enterprises the page no longer downloads every point. It asks,
for each Web-Mercator tile (z/x/y, as the base map) in its viewport, what that tile holds under the
visitor's filters: a grid of clusters (4 x 4 cells of 64 pixels, each with its count and the mean
position of its enterprises) or, at close zoom or when few, the enterprises themselves. The grid is
computed on the fly from the points found through the GiST index, so every filter of the API applies;
a tile counts a point only when the point is inside it (west and south edges included), so the tiles
of a zoom level partition the results and their counts add up to the filtered total. Up to zoom 13,
when the filters are only sectors, items, services, MRC or region, the pre-aggregated clusters of
carte/map/clusters.py answer instead, if they are fresh; under a free-text search with only those
filters, the narrow points of carte/map/points.py do.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Integer, and_, cast, func, select
from sqlalchemy.orm import Session

from carte.core.precision import EXACT_PRECISIONS
from carte.map import clusters as cluster_table
from carte.map import points as point_table
from carte.map.clusters import CELLS
from carte.read.filters import EnterpriseFilter, InvalidParameter
from carte.read.pauses import pauses_narrow
from carte.read.queries import E, base_conditions, by_ids, open_ids

MAX_ZOOM = 20
#: From this zoom on, a tile sends its enterprises one by one (unless it holds too many).
POINT_ZOOM = 14
#: At any zoom, a tile holding this many enterprises or fewer sends them one by one.
FEW_POINTS = 40
#: Beyond this many enterprises a tile sends clusters even at close zoom (bounds the response size).
MAX_POINTS = 500
DECIMALS = 5


@dataclass(frozen=True)
class Tile:
    """A Web-Mercator tile: zoom, column (west to east) and row (north to south)."""

    z: int
    x: int
    y: int

    @property
    def size(self) -> int:
        """How many tiles span the world at this zoom."""
        return 2**self.z

    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north in degrees."""
        return (
            column_longitude(self.x, self.size),
            row_latitude(self.y + 1, self.size),
            column_longitude(self.x + 1, self.size),
            row_latitude(self.y, self.size),
        )


def column_longitude(x: float, size: int) -> float:
    """Longitude of the west edge of a tile column."""
    return x / size * 360.0 - 180.0


def row_latitude(y: float, size: int) -> float:
    """Latitude of the north edge of a tile row."""
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / size))))


def tile_containing(lon: float, lat: float, z: int) -> Tile:
    """The tile of a zoom level holding a point."""
    size = 2**z
    row = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size
    return Tile(z, min(int((lon + 180.0) / 360.0 * size), size - 1), min(max(int(row), 0), size - 1))


def parse_tile(z: int, x: int, y: int) -> Tile:
    """A tile that exists, or InvalidParameter naming z, x or y."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidParameter(
            "z", f"le zoom doit être entre 0 et {MAX_ZOOM}.", f"the zoom must be between 0 and {MAX_ZOOM}."
        )
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value < 2**z:
            raise InvalidParameter(
                name,
                f"la tuile doit être entre 0 et {2**z - 1} au zoom {z}.",
                f"the tile must be between 0 and {2**z - 1} at zoom {z}.",
            )
    return Tile(z, x, y)


def inside(tile: Tile) -> ColumnElement[bool]:
    """The point is in the tile: the box through the spatial index, then half-open edges."""
    west, south, east, north = tile.bounds()
    lon, lat = func.ST_X(E.c.point), func.ST_Y(E.c.point)
    return and_(
        E.c.point.op("&&")(func.ST_MakeEnvelope(west, south, east, north, 4326)),
        lon >= west,
        lon < east,
        lat >= south,
        lat < north,
    )


def tile_conditions(
    session: Session, filters: EnterpriseFilter, tile: Tile, moment: datetime | None = None
) -> list[ColumnElement[bool]]:
    """Every condition of the filters, restricted to the tile (open_now evaluated inside it only)."""
    conditions = [*base_conditions(filters), E.c.point.is_not(None), inside(tile)]
    if filters.open_now:
        conditions.append(by_ids(open_ids(session, conditions, moment or datetime.now(UTC))))
    return conditions


def cell_index(tile: Tile) -> tuple[ColumnElement, ColumnElement]:
    """The column and row (0 to CELLS - 1) of a point's cell inside the tile."""
    scale = tile.size * CELLS
    lon, lat = func.ST_X(E.c.point), func.radians(func.ST_Y(E.c.point))
    column = func.floor((lon + 180.0) / 360.0 * scale) - tile.x * CELLS
    row = func.floor((1 - func.asinh(func.tan(lat)) / math.pi) / 2 * scale) - tile.y * CELLS
    return cast(func.least(func.greatest(column, 0), CELLS - 1), Integer), cast(
        func.least(func.greatest(row, 0), CELLS - 1), Integer
    )


def clusters(session: Session, conditions: list[ColumnElement[bool]], tile: Tile) -> list[list[float]]:
    """[lat, lon, count] of each non-empty cell: the mean position of its enterprises."""
    column, row = cell_index(tile)
    query = (
        select(func.avg(func.ST_Y(E.c.point)), func.avg(func.ST_X(E.c.point)), func.count())
        .where(*conditions)
        .group_by(column, row)
    )
    return rounded(session.execute(query))


def rounded(cells) -> list[list[float]]:
    """[lat, lon, count] rows with coordinates to about a metre."""
    return [[round(lat, DECIMALS), round(lon, DECIMALS), int(count)] for lat, lon, count in cells]


def tile_clusters(
    session: Session, filters: EnterpriseFilter, tile: Tile, conditions: list[ColumnElement[bool]]
) -> list[list[float]]:
    """The tile's cells: from the pre-aggregated table when it can answer, else from the points."""
    if (
        tile.z <= cluster_table.MAX_LEVEL
        and cluster_table.covers(filters)
        and cluster_table.is_fresh(session)
        and not pauses_narrow(session.connection(), filters)
    ):
        return rounded(cluster_table.cells(session, filters, tile.z, tile.x, tile.y))
    return clusters(session, conditions, tile)


def points(session: Session, conditions: list[ColumnElement[bool]]) -> dict[str, list]:
    """The enterprises of the tile as columns: id, name, position, first sector, approximate flag, street,
    phone and whether it has an e-mail address (the address itself only on request, one at a time)."""
    approximate = func.coalesce(E.c.geocode_precision, "").not_in(EXACT_PRECISIONS)
    rows = session.execute(
        select(
            E.c.id,
            E.c.name,
            func.ST_Y(E.c.point),
            func.ST_X(E.c.point),
            func.coalesce(E.c.sectors[1], ""),
            approximate,
            E.c.street,
            E.c.phone,
            E.c.email.is_not(None),
        )
        .where(*conditions)
        .order_by(E.c.id)
    ).all()
    names = ("id", "name", "lat", "lon", "sector", "approximate", "street", "phone", "email")
    columns: dict[str, list] = {name: [] for name in names}
    for row in rows:
        for name, value in zip(names, row, strict=True):
            columns[name].append(round(value, DECIMALS) if isinstance(value, float) else value)
    return columns


def wants_points(tile: Tile, count: int) -> bool:
    """Whether a tile holding `count` results sends them one by one."""
    return count <= FEW_POINTS or (tile.z >= POINT_ZOOM and count <= MAX_POINTS)


def tile_cells(
    session: Session, filters: EnterpriseFilter, tile: Tile, moment: datetime | None
) -> tuple[list[list[float]], Callable[[], list[ColumnElement[bool]]]]:
    """The tile's cells, and the conditions selecting its points (from map_point under a text search)."""
    if point_table.answers(session, filters):
        found = point_table.matches(session, filters, tile.z, tile.x, tile.y)
        return rounded(found.cells(session)), lambda: [by_ids(found.ids(session))]
    conditions = tile_conditions(session, filters, tile, moment)
    return tile_clusters(session, filters, tile, conditions), lambda: conditions


def tile_document(
    session: Session, filters: EnterpriseFilter, tile: Tile, moment: datetime | None = None
) -> str:
    """The JSON text of one tile: its count, then its clusters or its points."""
    cells, matches = tile_cells(session, filters, tile, moment)
    count = sum(cell[2] for cell in cells)
    document: dict = {"z": tile.z, "x": tile.x, "y": tile.y, "count": count}
    if count and wants_points(tile, count):
        document["points"] = points(session, matches())
    else:
        document["clusters"] = cells
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def exceeds(session: Session, limit: int) -> bool:
    """Whether more than `limit` published enterprises are on the map (stops counting past it)."""
    located = select(E.c.id).where(E.c.published.is_(True), E.c.point.is_not(None)).limit(limit + 1)
    return session.execute(select(func.count()).select_from(located.subquery())).scalar_one() > limit
