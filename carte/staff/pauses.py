"""'Accepting now' kept in the database: set or lift an enterprise's pause, and its entries in the history.

An enterprise has at most one pause holding at a time: setting one lifts the one before. Pauses are never
deleted, so the history shows when each was set, lifted (by whom) or ended by itself on its last day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.pause import LOCAL_ZONE, Pause, local_today
from carte.read.pauses import current_pause

__all__ = ["current_pause", "lift_pause", "set_pause", "pause_history", "offered_codes"]

_ACTIVE = "removed_at IS NULL AND (until IS NULL OR until >= :today)"


def lift_pause(connection: Connection, enterprise_id: int, actor: str, today: date | None = None) -> bool:
    """Lift the pause holding today, if any; return whether there was one."""
    lifted = connection.execute(
        text(f"""
        UPDATE enterprise_pause SET removed_at = now(), removed_by = :actor
        WHERE enterprise_id = :id AND {_ACTIVE}"""),
        {"id": enterprise_id, "actor": actor, "today": today or local_today()},
    )
    return lifted.rowcount > 0


def set_pause(
    connection: Connection, enterprise_id: int, pause: Pause, actor: str, today: date | None = None
) -> int:
    """Pause items and sectors of an enterprise (lifting its current pause); return the new pause's id."""
    lift_pause(connection, enterprise_id, actor, today)
    return connection.execute(
        text("""
        INSERT INTO enterprise_pause (enterprise_id, items, sectors, until, message, created_by)
        VALUES (:id, :items, :sectors, :until, :message, :actor) RETURNING id"""),
        {
            "id": enterprise_id,
            "items": list(pause.items),
            "sectors": list(pause.sectors),
            "until": pause.until,
            "message": pause.message,
            "actor": actor,
        },
    ).scalar_one()


def end_of_day(day: date) -> datetime:
    """The first moment after a day, in Quebec: when a pause whose last day it is ends."""
    return datetime.combine(day + timedelta(days=1), time(0), LOCAL_ZONE)


def described(row: dict[str, Any]) -> dict[str, list[Any]]:
    """A pause as history 'changes': what was paused, until when, the message (empty parts left out)."""
    values = {
        "pause_items": row["items"],
        "pause_sectors": row["sectors"],
        "pause_until": row["until"].isoformat() if row["until"] else None,
        "pause_message": row["message"] or None,
    }
    return {key: [None, value] for key, value in values.items() if value}


def pause_history(
    connection: Connection, enterprise_id: int, today: date | None = None
) -> list[dict[str, Any]]:
    """The history entries of an enterprise's pauses: set, lifted, ended by itself (its last day passed)."""
    today = today or local_today()
    rows = connection.execute(
        text("""
        SELECT id, items, sectors, until, message, created_by, created_at, removed_by, removed_at
        FROM enterprise_pause WHERE enterprise_id = :id ORDER BY id"""),
        {"id": enterprise_id},
    ).mappings()
    entries: list[dict[str, Any]] = []
    for row in rows:
        changes = described(row)
        entries.append(
            {
                "id": None,
                "changed_at": row["created_at"],
                "actor": row["created_by"],
                "kind": "pause",
                "import_batch_id": None,
                "changes": changes,
            }
        )
        ended = (
            row["until"] is not None
            and row["until"] < today
            and (row["removed_at"] is None or row["removed_at"] >= end_of_day(row["until"]))
        )
        if ended:
            entries.append(
                {
                    "id": None,
                    "changed_at": end_of_day(row["until"]),
                    "actor": None,
                    "kind": "pause_end",
                    "import_batch_id": None,
                    "changes": {key: [new, None] for key, (_old, new) in changes.items()},
                }
            )
        elif row["removed_at"] is not None:
            entries.append(
                {
                    "id": None,
                    "changed_at": row["removed_at"],
                    "actor": row["removed_by"],
                    "kind": "pause_lift",
                    "import_batch_id": None,
                    "changes": {key: [new, None] for key, (_old, new) in changes.items()},
                }
            )
    return entries


def offered_codes(connection: Connection, enterprise_id: int) -> dict[str, list[str]]:
    """The item and sector codes an enterprise's entry offers: the only ones it may pause."""
    row = (
        connection.execute(
            text("SELECT items, sectors FROM enterprise WHERE id = :id"), {"id": enterprise_id}
        )
        .mappings()
        .first()
    )
    return {"items": list(row["items"]) if row else [], "sectors": list(row["sectors"]) if row else []}
