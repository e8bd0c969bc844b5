"""The application's engines and one database session per request (read replica, autocommit)."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from carte.store.engine import make_engine

#: Blueprints whose GET routes only read public data, so a read replica may answer them; staff pages,
#: suggestions and owners' pages (and every POST) use the primary.
READ_ONLY_BLUEPRINTS = frozenset({"home", "enterprise", "api", "export", "embed"})
#: Of those, the ones whose statements each stand alone run in autocommit: no BEGIN and ROLLBACK round
#: trips, and nothing is lost, since under READ COMMITTED each statement takes its own snapshot anyway.
#: Exports stream through a server-side cursor, which needs a transaction.
AUTOCOMMIT_BLUEPRINTS = READ_ONLY_BLUEPRINTS - {"export"}


def get_engine() -> Engine:
    """The current application's engine."""
    return current_app.extensions["carte_engine"]


def reads_only() -> bool:
    """Whether the current request only reads public data: a GET or HEAD of a public blueprint."""
    return (
        has_request_context()
        and request.method in ("GET", "HEAD")
        and request.blueprint in READ_ONLY_BLUEPRINTS
    )


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
        engines.append(make_engine(app.config["DATABASE_READ_URL"], "CARTE_DATABASE_READ_URL"))
        app.extensions["carte_read_engine"] = engines[1]
    # The same pools, their connections switched to autocommit while checked out (reset on return).
    app.extensions["carte_autocommit"] = {
        engine: engine.execution_options(isolation_level="AUTOCOMMIT") for engine in engines
    }
    app.teardown_appcontext(close_session)
