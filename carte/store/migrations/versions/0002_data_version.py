"""Data version for cheap HTTP ETags; trigram indexes so that text search covers every searched column.

The data version is one number changed by every change to public data. It comes from a sequence,
which a rollback does not rewind: a version is never reused for other data, so responses cached
under it stay right.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:20:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("enterprise", "mrc", "region", "sector", "item_category", "service")
SEARCHED = ("description", "municipality_name")


def upgrade() -> None:
    op.execute(
        "CREATE TABLE data_version (id boolean PRIMARY KEY DEFAULT true CHECK (id), "
        "version bigint NOT NULL DEFAULT 1, changed_at timestamptz NOT NULL DEFAULT now())"
    )
    op.execute("INSERT INTO data_version DEFAULT VALUES")
    op.execute("CREATE SEQUENCE carte_data_version_seq START 2")
    op.execute(
        "CREATE FUNCTION carte_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE data_version SET version = nextval('carte_data_version_seq'), changed_at = now(); "
        "RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION carte_bump_data_version()"
        )
    for column in SEARCHED:
        op.execute(
            f"CREATE INDEX enterprise_{column}_trgm ON enterprise "
            f"USING gin (lower(carte_unaccent({column})) gin_trgm_ops)"
        )


def downgrade() -> None:
    for column in SEARCHED:
        op.execute(f"DROP INDEX IF EXISTS enterprise_{column}_trgm")
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS carte_bump_data_version()")
    op.execute("DROP TABLE IF EXISTS data_version")
    op.execute("DROP SEQUENCE IF EXISTS carte_data_version_seq")
