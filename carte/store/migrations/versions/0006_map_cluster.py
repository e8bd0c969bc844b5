"""Pre-aggregated clusters of the large-data map (carte/map/clusters.py).

One row per zoom level, 64-pixel cell, MRC and combination of sectors, items and services (bit masks
in vocabulary order), with the count and the sums of the coordinates; map_cluster_total holds the
same cells summed over MRCs and vocabulary, for the unfiltered map. A derived cache, rebuilt by
`carte tiles refresh` and only used while its data version is the current one: unlogged, because it
can always be rebuilt and need not be written twice.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""CREATE UNLOGGED TABLE map_cluster (
        zoom smallint NOT NULL, cx integer NOT NULL, cy integer NOT NULL, mrc_code text NOT NULL,
        sectors integer NOT NULL, items integer NOT NULL, services integer NOT NULL,
        n integer NOT NULL, sum_lat double precision NOT NULL, sum_lon double precision NOT NULL)""")
    op.execute("CREATE INDEX map_cluster_cell ON map_cluster (zoom, cx, cy)")
    op.execute("""CREATE UNLOGGED TABLE map_cluster_total (
        zoom smallint NOT NULL, cx integer NOT NULL, cy integer NOT NULL,
        n integer NOT NULL, sum_lat double precision NOT NULL, sum_lon double precision NOT NULL,
        PRIMARY KEY (zoom, cx, cy))""")
    op.execute(
        "CREATE TABLE map_cluster_state (id boolean PRIMARY KEY DEFAULT true CHECK (id), "
        "data_version bigint NOT NULL, layout text NOT NULL, refreshed_at timestamptz NOT NULL DEFAULT now())"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS map_cluster_state")
    op.execute("DROP TABLE IF EXISTS map_cluster_total")
    op.execute("DROP TABLE IF EXISTS map_cluster")
