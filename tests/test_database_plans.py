"""Statements are planned for their own parameters, so a sector's partial index serves its searches."""

from __future__ import annotations

from sqlalchemy import text

from carte.store.engine import make_engine


def test_repeated_statements_are_never_prepared_on_the_server(database_url: str) -> None:
    """psycopg would prepare a statement after five runs; PostgreSQL could then reuse a generic plan."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            for sector in ["ressourcerie", "friperie"] * 6:
                connection.execute(
                    text("SELECT count(*) FROM enterprise WHERE sectors && ARRAY[:s]"), {"s": sector}
                )
            prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    finally:
        engine.dispose()
    assert prepared == 0
