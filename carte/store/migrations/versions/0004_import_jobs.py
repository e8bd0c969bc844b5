"""Web imports (file, preview, progress, report held in the database) and URL sources.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_data", sa.LargeBinary()),
        sa.Column("unpublish_missing", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("phase", sa.Text()),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("preview", postgresql.JSONB()),
        sa.Column("summary", postgresql.JSONB()),
        sa.Column("outside_mrcs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("mrc_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("batch_id", sa.BigInteger(), sa.ForeignKey("import_batch.id")),
        sa.Column("report", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.Column(
            "heartbeat_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('previewing', 'ready', 'running', 'done', 'failed', 'cancelled')",
            name="import_job_status",
        ),
    )
    op.create_table(
        "url_source",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("max_unpublish_share", sa.Float(), server_default="0.2", nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("checksum", sa.String(64)),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.Text()),
        sa.Column("message", sa.Text()),
        sa.Column("pending_checksum", sa.String(64)),
        sa.Column("batch_id", sa.BigInteger(), sa.ForeignKey("import_batch.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("url_source")
    op.drop_table("import_job")
