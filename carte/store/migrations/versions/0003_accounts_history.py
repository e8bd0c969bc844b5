"""Staff accounts, sessions, the change history, suggestions, duplicates and freshness reminders.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Statement-level triggers with transition tables: one set-based INSERT per statement, so an
# import of 100,000 rows writes its history in one pass, whichever code path changed the rows.
HISTORY_FUNCTION = """
CREATE OR REPLACE FUNCTION carte_record_enterprise_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  batch bigint := nullif(current_setting('carte.import_batch', true), '')::bigint;
  actor text := nullif(current_setting('carte.actor', true), '');
  change_kind text := coalesce(nullif(current_setting('carte.change_kind', true), ''), 'edit');
  ignored text[] := ARRAY['id', 'created_at', 'updated_at', 'content_hash', 'last_import_id',
                          'verified_at'];
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO enterprise_revision (enterprise_id, actor, import_batch_id, kind, changes)
    SELECT n.id, actor, coalesce(batch, n.last_import_id),
           CASE WHEN coalesce(batch, n.last_import_id) IS NULL THEN 'create' ELSE 'import' END,
           (SELECT jsonb_object_agg(key, jsonb_build_array(NULL, value))
              FROM jsonb_each(to_jsonb(n) - ignored)
             WHERE value <> 'null'::jsonb AND value <> '[]'::jsonb)
    FROM new_rows n;
  ELSE
    INSERT INTO enterprise_revision (enterprise_id, actor, import_batch_id, kind, changes)
    SELECT diff.id, actor, diff.batch_id,
           CASE WHEN diff.batch_id IS NOT NULL THEN 'import' ELSE change_kind END, diff.changes
    FROM (
      SELECT n.id,
             coalesce(batch, CASE WHEN n.last_import_id IS DISTINCT FROM o.last_import_id
                                  THEN n.last_import_id END) AS batch_id,
             (SELECT jsonb_object_agg(key, jsonb_build_array(to_jsonb(o) -> key, value))
                FROM jsonb_each(to_jsonb(n) - ignored)
               WHERE (to_jsonb(o) -> key) IS DISTINCT FROM value) AS changes
      FROM new_rows n JOIN old_rows o ON o.id = n.id) diff
    WHERE diff.changes IS NOT NULL;
  END IF;
  RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("mrc_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'editor')", name="app_user_role"),
    )
    op.create_index("app_user_email", "app_user", [sa.text("lower(email)")], unique=True)
    op.create_table(
        "user_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("app_user.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
    )
    op.create_table(
        "enterprise_revision",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "enterprise_id",
            sa.BigInteger(),
            sa.ForeignKey("enterprise.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text()),
        sa.Column("import_batch_id", sa.BigInteger(), index=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("changes", postgresql.JSONB(), nullable=False),
    )
    op.create_table(
        "suggestion",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "enterprise_id", sa.BigInteger(), sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
        ),
        sa.Column("proposed", postgresql.JSONB(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("contact_email", sa.Text()),
        sa.Column("mrc_code", sa.String(3), sa.ForeignKey("mrc.code"), index=True),
        sa.Column("status", sa.String(10), server_default="pending", nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("ip_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_by", sa.Text()),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("result_enterprise_id", sa.BigInteger()),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected', 'merged')", name="suggestion_status"
        ),
    )
    op.create_index("suggestion_ip_recent", "suggestion", ["ip_hash", "created_at"])
    op.add_column(
        "enterprise", sa.Column("merged_into", sa.BigInteger(), sa.ForeignKey("enterprise.id"), nullable=True)
    )
    op.create_table(
        "duplicate_pair",
        sa.Column(
            "first_id", sa.BigInteger(), sa.ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "second_id", sa.BigInteger(), sa.ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(10), server_default="candidate", nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_by", sa.Text()),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("first_id < second_id", name="duplicate_pair_ordered"),
        sa.CheckConstraint("status IN ('candidate', 'distinct', 'merged')", name="duplicate_pair_status"),
    )
    op.create_table(
        "reminder",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "enterprise_id",
            sa.BigInteger(),
            sa.ForeignKey("enterprise.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.execute(HISTORY_FUNCTION)
    op.execute("""CREATE TRIGGER enterprise_history_insert AFTER INSERT ON enterprise
                  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
                  EXECUTE FUNCTION carte_record_enterprise_history()""")
    op.execute("""CREATE TRIGGER enterprise_history_update AFTER UPDATE ON enterprise
                  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
                  EXECUTE FUNCTION carte_record_enterprise_history()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS enterprise_history_update ON enterprise")
    op.execute("DROP TRIGGER IF EXISTS enterprise_history_insert ON enterprise")
    op.execute("DROP FUNCTION IF EXISTS carte_record_enterprise_history()")
    op.drop_table("reminder")
    op.drop_table("duplicate_pair")
    op.drop_column("enterprise", "merged_into")
    op.drop_table("suggestion")
    op.drop_table("enterprise_revision")
    op.drop_table("user_session")
    op.drop_table("app_user")
