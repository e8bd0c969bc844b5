"""Searchable points of the large-data map (carte/map/points.py), in tile order.

A free-text search cannot be pre-aggregated, and on `enterprise` a tile under `q` reads every matching
row of the province before it can keep those inside the tile. map_point is a narrow copy of the located,
published enterprises: id, the Morton code of its cell on the finest grid, its position, its MRC, the
vocabulary masks of map_cluster and the text `q` searches, folded once. Rows are written in
Morton order, so the rows of any tile are one range of codes and of pages. Like map_cluster, a derived
cache rebuilt by `carte tiles refresh` and used only while its data version is current: unlogged.

carte_spread_bits(v) moves bit k of v to bit 2k; the Morton code of the cell in column cx and row cy is
carte_spread_bits(cx) | carte_spread_bits(cy) << 1 (cx and cy below 2^31), and the code shifted right by
2k bits is that of the cell holding it on a grid 2^k times coarser.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SPREAD_BITS = """
CREATE OR REPLACE FUNCTION carte_spread_bits(v bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
BEGIN
    v := v & 2147483647;                          -- the low 31 bits
    v := (v | (v << 16)) & 281470681808895;       -- 0x0000FFFF0000FFFF
    v := (v | (v << 8)) & 71777214294589695;      -- 0x00FF00FF00FF00FF
    v := (v | (v << 4)) & 1085102592571150095;    -- 0x0F0F0F0F0F0F0F0F
    v := (v | (v << 2)) & 3689348814741910323;    -- 0x3333333333333333
    RETURN (v | (v << 1)) & 6148914691236517205;  -- 0x5555555555555555
END
$$"""


def upgrade() -> None:
    op.execute(SPREAD_BITS)
    op.execute("""CREATE UNLOGGED TABLE map_point (
        id bigint NOT NULL, morton bigint NOT NULL,
        lat double precision NOT NULL, lon double precision NOT NULL, mrc_code text NOT NULL,
        sectors integer NOT NULL, items integer NOT NULL, services integer NOT NULL, search text NOT NULL)""")
    op.execute("CREATE INDEX map_point_morton ON map_point (morton)")
    op.execute("CREATE INDEX map_point_search ON map_point USING gin (search gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS map_point")
    op.execute("DROP FUNCTION IF EXISTS carte_spread_bits(bigint)")
