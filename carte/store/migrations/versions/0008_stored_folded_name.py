"""The folded name stored: the API's sort key computed once per write, not once per match per search.

A box + sector search sorts its matches by their lower-case, accent-free name. Computed in the query,
that is one carte_unaccent per match: at 1M enterprises, a Québec box with 3,406 matches took 8.1 ms to
count and sort, 5.3 ms with the stored column (EXPLAIN ANALYZE, warm cache). The column is generated
by PostgreSQL from `name`, so no writer can forget it; the history trigger ignores it (the name's own
change is recorded).

Revision ID: 0008
Revises: 0007
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def history_function() -> str:
    """The history trigger's function as migration 0003 created it."""
    spec = importlib.util.spec_from_file_location(
        "carte_migration_0003", Path(__file__).with_name("0003_accounts_history.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HISTORY_FUNCTION


def history_function_ignoring_folded_name() -> str:
    """The history trigger's function as this migration leaves it: 0003's, also ignoring name_folded."""
    original = history_function()
    ignoring = original.replace("'verified_at']", "'verified_at', 'name_folded']")
    assert ignoring != original, "the history function of 0003 no longer lists its ignored columns"
    return ignoring


def upgrade() -> None:
    op.execute(
        "ALTER TABLE enterprise ADD COLUMN name_folded text "
        "GENERATED ALWAYS AS (lower(carte_unaccent(name))) STORED"
    )
    op.execute(history_function_ignoring_folded_name())


def downgrade() -> None:
    op.execute(history_function())
    op.execute("ALTER TABLE enterprise DROP COLUMN name_folded")
