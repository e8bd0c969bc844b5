"""Indexes for a million enterprises: point indexes per sector, and the foreign keys deletes check.

Searches by box and sector (the map's API) otherwise AND a scan of every point in the box with a scan
of every enterprise of the sector; at a million enterprises both are large where the map is dense.
One partial GiST index per sector of the vocabulary holds just the points of that sector (together
about the size of one index over all points, as most enterprises have one sector). A sector added to
the vocabulary later is still searched correctly, through the general indexes, until a migration
gives it its own.

Deleting an enterprise (reverting an import, a bench reset) checks that no enterprise was merged into
it and removes its duplicate pairs: without an index on `merged_into` and on `duplicate_pair.second_id`
each deleted row scanned those tables, so deleting an import of 100,000 rows took many minutes.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The sector codes of data/vocabulary.json when this migration was written.
SECTORS = (
    "ressourcerie",
    "friperie",
    "comptoir_familial",
    "reparation",
    "alimentation",
    "insertion",
    "environnement",
    "habitation",
    "petite_enfance",
    "culture",
    "loisirs_tourisme",
    "services_personnes",
    "commerce",
)


def upgrade() -> None:
    for code in SECTORS:
        op.execute(
            f"CREATE INDEX enterprise_point_{code} ON enterprise USING gist (point) "
            f"WHERE sectors && '{{{code}}}'::text[]"
        )
    op.execute(
        "CREATE INDEX enterprise_merged_into ON enterprise (merged_into) WHERE merged_into IS NOT NULL"
    )
    op.execute("CREATE INDEX duplicate_pair_second_id ON duplicate_pair (second_id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS duplicate_pair_second_id")
    op.execute("DROP INDEX IF EXISTS enterprise_merged_into")
    for code in SECTORS:
        op.execute(f"DROP INDEX IF EXISTS enterprise_point_{code}")
