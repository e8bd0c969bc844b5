"""The database engine, its driver options, and friendly connection errors (no Flask)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError

from carte.core.errors import DatabaseUnavailable
from carte.store.url import database_url


def make_engine(url: str, variable: str = "CARTE_DATABASE_URL") -> Engine:
    """Create the engine for a database URL (any PostgreSQL form, see carte.store.url), with pre-ping
    so a restarted server is survived; a URL that cannot work raises ConfigurationError naming variable."""
    url = database_url(url, variable)
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, future=True, connect_args=driver_options(url)
    )


def driver_options(url: str) -> dict[str, object]:
    """Connection options: psycopg's automatic server-side prepared statements turned off.

    psycopg prepares a statement after five runs, and PostgreSQL may then keep one generic plan for
    any parameters: such a plan cannot pick the partial index of the sector asked for, and a box +
    sector search at 1M enterprises took 37 ms instead of 12 (EXPLAIN ANALYZE, docs/benchmarks.md).
    Planning every statement costs under a millisecond; it also lets PgBouncer pool transactions.
    """
    return {"prepare_threshold": None} if make_url(url).get_driver_name() == "psycopg" else {}


def describe_url(url: str) -> str:
    """Return host:port/database of a URL, without its password, for messages."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"


def unavailable(url: str, error: Exception) -> DatabaseUnavailable:
    """Translate a driver error into one clear sentence naming the database."""
    first_line = str(getattr(error, "orig", error)).strip().splitlines()[0] if str(error) else ""
    return DatabaseUnavailable(
        f"Impossible de joindre la base de données {describe_url(url)} ({first_line}) : "
        "vérifiez CARTE_DATABASE_URL et que PostgreSQL est démarré (make setup)."
    )


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """Open a transaction, turning an unreachable database into DatabaseUnavailable."""
    try:
        with engine.begin() as connection:
            yield connection
    except OperationalError as error:
        raise unavailable(str(engine.url.render_as_string(hide_password=False)), error) from None


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable unless the database answers a trivial query."""
    with connect(engine) as connection:
        connection.execute(text("SELECT 1"))
