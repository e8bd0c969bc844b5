"""Database engine per application, a session per request, and friendly connection errors."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from carte.errors import DatabaseUnavailable

#: Blueprints whose GET routes only read public data, so a read replica may answer them; staff pages,
#: suggestions and owners' pages (and every POST) use the primary.
READ_ONLY_BLUEPRINTS = frozenset({"home", "enterprise", "api", "export", "embed"})
#: Of those, the ones whose statements each stand alone run in autocommit: no BEGIN and ROLLBACK round
#: trips, and nothing is lost, since under READ COMMITTED each statement takes its own snapshot anyway.
#: Exports stream through a server-side cursor, which needs a transaction.
AUTOCOMMIT_BLUEPRINTS = READ_ONLY_BLUEPRINTS - {"export"}


def make_engine(url: str) -> Engine:
    """Create the engine for a database URL, with pre-ping so a restarted server is survived."""
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, future=True,
                         connect_args=driver_options(url))


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


def get_engine() -> Engine:
    """The current application's engine."""
    return current_app.extensions["carte_engine"]


def reads_only() -> bool:
    """Whether the current request only reads public data: a GET or HEAD of a public blueprint."""
    return has_request_context() and request.method in ("GET", "HEAD") \
        and request.blueprint in READ_ONLY_BLUEPRINTS


def request_bind() -> Engine | Connection:
    """What the request's session works on: the read replica for public read-only requests when one is
    configured, else the primary (or the connection a test binds); in autocommit when the request's
    statements stand alone."""
    extensions = current_app.extensions
    public = reads_only()
    if public and "carte_read_engine" in extensions:
        engine = extensions["carte_read_engine"]
    elif "carte_bind" in extensions:
        return extensions["carte_bind"]
    else:
        engine = get_engine()
    if public and request.blueprint in AUTOCOMMIT_BLUEPRINTS:
        return extensions["carte_autocommit"][engine]
    return engine


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(bind=request_bind(), join_transaction_mode="create_savepoint")
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's session if one was opened; a connection the server dropped (restart) is
    discarded instead of rolled back, which would fail and turn the answer into a raw 500."""
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except DBAPIError:
            session.invalidate()


def init_app(app: Flask) -> None:
    """Attach the engines (primary, and read replica when configured) to the app and close sessions
    at the end of each request."""
    engines = [make_engine(app.config["DATABASE_URL"])]
    app.extensions["carte_engine"] = engines[0]
    if app.config.get("DATABASE_READ_URL"):
        engines.append(make_engine(app.config["DATABASE_READ_URL"]))
        app.extensions["carte_read_engine"] = engines[1]
    # The same pools, their connections switched to autocommit while checked out (reset on return).
    app.extensions["carte_autocommit"] = {engine: engine.execution_options(isolation_level="AUTOCOMMIT")
                                          for engine in engines}
    app.teardown_appcontext(close_session)
