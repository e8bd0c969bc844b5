"""Foundation schema: reference geography, vocabulary, enterprises, imports and the geocode cache.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:48:37.632494
"""

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fsa",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "point",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "geocode_cache",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("geocoder", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("precision", sa.String(length=12), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("key", "geocoder"),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("dry_run", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("timings", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "item_category",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_fr", sa.Text(), nullable=False),
        sa.Column("label_en", sa.Text(), nullable=False),
        sa.Column("icon", sa.Text(), server_default="", nullable=False),
        sa.Column("synonyms", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "postal_code",
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column("fsa", sa.String(length=3), nullable=False),
        sa.Column("municipality_name", sa.Text(), nullable=False),
        sa.Column(
            "point",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(op.f("ix_postal_code_fsa"), "postal_code", ["fsa"], unique=False)
    op.create_table(
        "region",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "sector",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_fr", sa.Text(), nullable=False),
        sa.Column("label_en", sa.Text(), nullable=False),
        sa.Column("icon", sa.Text(), server_default="", nullable=False),
        sa.Column("colour", sa.String(length=7), server_default="#555555", nullable=False),
        sa.Column("synonyms", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "service",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_fr", sa.Text(), nullable=False),
        sa.Column("label_en", sa.Text(), nullable=False),
        sa.Column("synonyms", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "import_issue",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("column", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), server_default="error", nullable=False),
        sa.Column("enterprise_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_import_issue_batch_id"), "import_issue", ["batch_id"], unique=False)
    op.create_table(
        "mrc",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("code3", sa.String(length=3), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=2), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "geom_simple",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("code3"),
    )
    op.create_table(
        "mrc_part",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mrc_code", sa.String(length=3), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POLYGON",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["mrc_code"], ["mrc.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_mrc_part_mrc_code"), "mrc_part", ["mrc_code"], unique=False)
    op.create_table(
        "municipality",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("designation", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=2), nullable=True),
        sa.Column("mrc_code", sa.String(length=3), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("town_hall_postal_code", sa.String(length=7), nullable=True),
        sa.Column(
            "point",
            geoalchemy2.types.Geometry(
                geometry_type="POINT", srid=4326, dimension=2, from_text="ST_GeomFromEWKT", name="geometry"
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["mrc_code"],
            ["mrc.code"],
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(op.f("ix_municipality_mrc_code"), "municipality", ["mrc_code"], unique=False)
    op.create_index(op.f("ix_municipality_name_key"), "municipality", ["name_key"], unique=False)
    op.create_table(
        "enterprise",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_key", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("neq", sa.String(length=10), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("street", sa.Text(), nullable=True),
        sa.Column("address_line2", sa.Text(), nullable=True),
        sa.Column("municipality_name", sa.Text(), nullable=True),
        sa.Column("postal_code", sa.String(length=7), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.Column("sectors", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("items", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("services", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "point",
            geoalchemy2.types.Geometry(
                geometry_type="POINT", srid=4326, dimension=2, from_text="ST_GeomFromEWKT", name="geometry"
            ),
            nullable=True,
        ),
        sa.Column("geocode_precision", sa.String(length=12), nullable=True),
        sa.Column("geocode_source", sa.Text(), nullable=True),
        sa.Column("flags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("mrc_code", sa.String(length=3), nullable=True),
        sa.Column("municipality_code", sa.String(length=5), nullable=True),
        sa.Column("published", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("contact_person", sa.Text(), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("last_import_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "geocode_precision IS NULL OR geocode_precision IN ('manual','address','postal_code','municipality','fsa')",
            name="enterprise_geocode_precision",
        ),
        sa.ForeignKeyConstraint(
            ["last_import_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["mrc_code"],
            ["mrc.code"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "source_key", name="enterprise_source_key"),
    )
    op.create_index("enterprise_items_gin", "enterprise", ["items"], unique=False, postgresql_using="gin")
    op.create_index("enterprise_sectors_gin", "enterprise", ["sectors"], unique=False, postgresql_using="gin")
    op.create_index(
        "enterprise_services_gin", "enterprise", ["services"], unique=False, postgresql_using="gin"
    )
    op.create_index(op.f("ix_enterprise_mrc_code"), "enterprise", ["mrc_code"], unique=False)
    op.create_index(op.f("ix_enterprise_neq"), "enterprise", ["neq"], unique=False)
    # unaccent() is only STABLE; this wrapper pins the dictionary so it can back an index.
    op.execute(
        "CREATE OR REPLACE FUNCTION carte_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"
    )
    op.execute(
        "CREATE INDEX enterprise_name_trgm ON enterprise USING gin (lower(carte_unaccent(name)) gin_trgm_ops)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS enterprise_name_trgm")
    op.drop_index(op.f("ix_enterprise_neq"), table_name="enterprise")
    op.drop_index(op.f("ix_enterprise_mrc_code"), table_name="enterprise")
    op.drop_index("idx_enterprise_point", table_name="enterprise", postgresql_using="gist")
    op.drop_index("enterprise_services_gin", table_name="enterprise", postgresql_using="gin")
    op.drop_index("enterprise_sectors_gin", table_name="enterprise", postgresql_using="gin")
    op.drop_index("enterprise_items_gin", table_name="enterprise", postgresql_using="gin")
    op.drop_table("enterprise")
    op.drop_index(op.f("ix_municipality_name_key"), table_name="municipality")
    op.drop_index(op.f("ix_municipality_mrc_code"), table_name="municipality")
    op.drop_index("idx_municipality_point", table_name="municipality", postgresql_using="gist")
    op.drop_table("municipality")
    op.drop_index(op.f("ix_mrc_part_mrc_code"), table_name="mrc_part")
    op.drop_index("idx_mrc_part_geom", table_name="mrc_part", postgresql_using="gist")
    op.drop_table("mrc_part")
    op.drop_index("idx_mrc_geom", table_name="mrc", postgresql_using="gist")
    op.drop_table("mrc")
    op.drop_index(op.f("ix_import_issue_batch_id"), table_name="import_issue")
    op.drop_table("import_issue")
    op.drop_table("service")
    op.drop_table("sector")
    op.drop_index("idx_region_geom", table_name="region", postgresql_using="gist")
    op.drop_table("region")
    op.drop_index(op.f("ix_postal_code_fsa"), table_name="postal_code")
    op.drop_index("idx_postal_code_point", table_name="postal_code", postgresql_using="gist")
    op.drop_table("postal_code")
    op.drop_table("item_category")
    op.drop_table("import_batch")
    op.drop_table("geocode_cache")
    op.drop_table("fsa")
    op.execute("DROP FUNCTION IF EXISTS carte_unaccent(text)")
