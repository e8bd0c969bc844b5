"""What a data command runs with: the settings and one database engine, without the web application.

Commands such as `carte ingest` only need the environment's settings and a connection; building the
Flask application (its blueprints, templates, ORM models, GeoAlchemy2 with Shapely and NumPy) took
about a second of every command's start. Settings and engine are made once per invocation, kept on
the root click context (a test may invoke several commands in one process with other settings), and
the engine's connections are closed when the invocation ends."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import Engine

from carte.core.config import load_config
from carte.store.engine import make_engine

_SETTINGS = "carte.settings"
_ENGINE = "carte.engine"


def _root() -> click.Context:
    """The context of the whole `carte ...` invocation."""
    return click.get_current_context().find_root()


def settings() -> dict[str, Any]:
    """Every setting, read from the environment once per invocation."""
    meta = _root().meta
    if _SETTINGS not in meta:
        meta[_SETTINGS] = load_config()
    return meta[_SETTINGS]


def get_engine() -> Engine:
    """The engine of CARTE_DATABASE_URL, disposed of when the invocation ends; a URL that cannot work
    raises ConfigurationError naming the variable."""
    root = _root()
    if _ENGINE not in root.meta:
        engine = make_engine(settings()["DATABASE_URL"])
        root.meta[_ENGINE] = engine
        root.call_on_close(engine.dispose)
    return root.meta[_ENGINE]
