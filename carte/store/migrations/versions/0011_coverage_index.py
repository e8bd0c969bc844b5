"""A geography index on the published, located enterprises, for the MRC coverage gaps.

carte/read/coverage.py finds, for each municipality and item category, the nearest published place
accepting the category with `ORDER BY geography(point) <-> geography(centre) LIMIT 1`. The existing index
on `point` orders by degrees, which at Quebec's latitudes ranks east-west neighbours wrongly (a degree of
longitude is about 0.7 of a degree of latitude); this index orders by distance on the sphere.

The coverage also depends on the municipalities (their centres and populations), so a change to them now
moves the data version too, like a change to enterprises or MRCs: cached coverage is never stale.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""CREATE INDEX IF NOT EXISTS enterprise_published_geography ON enterprise
                  USING gist (geography(point)) WHERE published AND point IS NOT NULL""")
    op.execute(
        "CREATE TRIGGER municipality_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        "ON municipality FOR EACH STATEMENT EXECUTE FUNCTION carte_bump_data_version()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS municipality_data_version ON municipality")
    op.execute("DROP INDEX IF EXISTS enterprise_published_geography")
