"""'Accepting now' in SQL: which pause of an enterprise holds today, and whether it still takes what is asked."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, bindparam, func, or_, select, text
from sqlalchemy.engine import Connection

from carte.core.pause import local_today
from carte.read.filters import EnterpriseFilter
from carte.store.models import Enterprise, EnterprisePause

P = EnterprisePause.__table__
E = Enterprise.__table__
#: The name of the bound parameter holding today's date in the statements that compare with it.
TODAY = "pause_today"


def today_parameter(today=None) -> ColumnElement:
    """Today's date as a bound parameter (its value given at execution when None)."""
    return bindparam(TODAY, today, type_=Date)


def active(pause=P, today: ColumnElement | None = None) -> ColumnElement[bool]:
    """The pause is not lifted and its last day is not past."""
    day = today if today is not None else today_parameter()
    return and_(pause.c.removed_at.is_(None), or_(pause.c.until.is_(None), pause.c.until >= day))


def paused_out(
    column: ColumnElement, kind: str, asked: ColumnElement, today: ColumnElement | None = None
) -> ColumnElement[bool]:
    """A pause holding today covers every asked code the enterprise offers: it takes none of them now.

    Written as EXISTS over the few pauses, so that PostgreSQL anti-joins them once instead of looking up
    a pause for every matching enterprise."""
    return (
        select(P.c.id)
        .where(
            P.c.enterprise_id == E.c.id,
            active(P, today),
            ~func.carte_still_accepting(column, asked, P.c[kind]),
        )
        .exists()
    )


def current_pause(
    connection: Connection, enterprise_id: int, today: date | None = None
) -> dict[str, Any] | None:
    """The pause holding today for an enterprise, or None."""
    row = (
        connection.execute(
            text("""
        SELECT id, items, sectors, until, message, created_by, created_at FROM enterprise_pause
        WHERE enterprise_id = :id AND removed_at IS NULL AND (until IS NULL OR until >= :today)
        ORDER BY id DESC LIMIT 1"""),
            {"id": enterprise_id, "today": today or local_today()},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def pauses_narrow(connection: Connection, filters: EnterpriseFilter) -> bool:
    """Whether a pause holding today touches an item or sector the search leaves paused places out for:
    then tables aggregated without pauses (map_cluster, map_point) cannot answer it."""
    if not filters.leaves_out_paused:
        return False
    return connection.execute(
        text("""
        SELECT EXISTS (SELECT 1 FROM enterprise_pause
                       WHERE removed_at IS NULL AND (until IS NULL OR until >= :today)
                         AND (items && CAST(:items AS text[]) OR sectors && CAST(:sectors AS text[])))"""),
        {
            "today": filters.today or local_today(),
            "items": list(filters.items),
            "sectors": list(filters.sectors),
        },
    ).scalar_one()
