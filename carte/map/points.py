"""Free-text searches of the large-data map, answered from map_point instead of the enterprise table.

A text search cannot be pre-aggregated, and the trigram indexes of `enterprise` know nothing of places:
a tile under `q` read every matching row of the province, wide rows, before keeping those inside it (at
1M enterprises, `q=ressourcerie` over Montréal at zoom 8 read 90,909 rows to keep 45,125: 241 ms).
map_point, written by cluster_table.refresh, holds one narrow row per located, published enterprise, in
the Morton order of its cell on a grid of 2^GRID_BITS cells per axis: the cells of a tile are one range
of codes, so of pages, and the planner picks that range or the trigram index on the folded text,
whichever is smaller. Counts, cells and points are those of carte/map/tiles.py's own aggregation (a
point exactly on a tile edge may fall on the other side, as floating point decides). Used only while
the clusters are fresh, for the filters below.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from carte.map import clusters as cluster_table
from carte.map.clusters import CELLS, COVERED, GRID_BITS
from carte.read.filters import EnterpriseFilter
from carte.read.pauses import pauses_narrow
from carte.read.queries import escape_like

#: Filters map_point answers: free text, with any of the pre-aggregated clusters' filters.
ANSWERED = ("q", *COVERED)
#: log2(CELLS): the bits of a cell's column inside its tile.
CELL_BITS = CELLS.bit_length() - 1


def spread_bits(value: int) -> int:
    """Bit k of value moved to bit 2k (as carte_spread_bits in SQL)."""
    return sum(((value >> bit) & 1) << (2 * bit) for bit in range(GRID_BITS))


def morton_range(z: int, x: int, y: int) -> tuple[int, int]:
    """The Morton codes of tile z/x/y's grid cells: from the first, inclusive, to the last, exclusive."""
    shift = GRID_BITS - z
    low = (spread_bits(x) | spread_bits(y) << 1) << (2 * shift)
    return low, low + (1 << (2 * shift))


def answers(session: Session, filters: EnterpriseFilter) -> bool:
    """Whether map_point answers a tile under these filters: a text search, fresh data, nothing else."""
    return (
        bool(filters.q)
        and cluster_table.covers(filters, ANSWERED)
        and cluster_table.is_fresh(session)
        and not pauses_narrow(session.connection(), filters)
    )


@dataclass(frozen=True)
class TileMatches:
    """The conditions selecting one tile's matches in map_point, with their values."""

    z: int
    where: str
    values: dict

    def cells(self, session: Session) -> list[list[float]]:
        """[lat, lon, count] of each non-empty cell of the tile: the mean position of its matches."""
        # A cell of the tile is CELL_BITS bits finer than the tile, so GRID_BITS - z - CELL_BITS coarser
        # than the grid: two bits of the code per level.
        coarser = 2 * (GRID_BITS - self.z - CELL_BITS)
        rows = session.execute(
            text(
                f"SELECT avg(lat), avg(lon), count(*) FROM map_point WHERE {self.where} "
                f"GROUP BY morton >> {coarser}"
            ),
            self.values,
        )
        return [[lat, lon, count] for lat, lon, count in rows]

    def ids(self, session: Session) -> list[int]:
        """The ids of the tile's matches, in order."""
        return list(
            session.execute(
                text(f"SELECT id FROM map_point WHERE {self.where} ORDER BY id"), self.values
            ).scalars()
        )


def matches(session: Session, filters: EnterpriseFilter, z: int, x: int, y: int) -> TileMatches:
    """The matches of tile z/x/y under the filters (a text search, with any covered filter)."""
    low, high = morton_range(z, x, y)
    covered, values = cluster_table.covered_conditions(session, filters)
    sql = [
        "morton >= :low",
        "morton < :high",
        "search LIKE concat('%', lower(carte_unaccent(:q)), '%') ESCAPE '\\'",
        *covered,
    ]
    return TileMatches(
        z, " AND ".join(sql), {**values, "low": low, "high": high, "q": escape_like(filters.q.strip())}
    )
