"""One-transaction commands (ingest, geocode retry): stopped by a signal or a dropped connection,
they roll back and say so in one sentence."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from carte.core.errors import CarteError
from carte.store.engine import unavailable

NOTHING_WRITTEN = "la transaction est annulée, rien n'a été enregistré : la base de données est inchangée"


class Aborted(CarteError):
    """A one-transaction command stopped before its commit: nothing was written."""

    status = 503


def _interrupt(signum: int, _frame: Any) -> None:
    """Turn SIGTERM into KeyboardInterrupt, which psycopg answers by cancelling the running query."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def all_or_nothing(engine: Engine, what: str) -> Iterator[Connection]:
    """A transaction that SIGTERM or Ctrl-C stops cleanly and whose dropped connection is reported;
    an unreachable database is reported as such."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    began = False
    try:
        with engine.begin() as connection:
            began = True
            yield connection
    except KeyboardInterrupt as stop:
        raise Aborted(
            f"{what} interrompu ({stop.args[0] if stop.args else 'SIGINT'}) : {NOTHING_WRITTEN}."
        ) from None
    except OperationalError as error:
        if not began:
            message = unavailable(engine.url.render_as_string(hide_password=False), error).message
            raise Aborted(f"{message} {what} non commencé : rien n'a été enregistré.") from None
        first_line = (str(error.orig or error).strip().splitlines() or [""])[0]
        cause = (
            "la connexion à la base de données a été coupée"
            if error.connection_invalidated
            else "la base de données a interrompu l'opération"
        )
        raise Aborted(
            f"{what} arrêté : {cause} ({first_line}) ; {NOTHING_WRITTEN}. Relancez la commande."
        ) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
