"""The change history of enterprises (written by a database trigger) and reverting an import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.staff.pauses import pause_history
from carte.store.actor import set_actor


@dataclass(frozen=True)
class RevertResult:
    """What reverting an import did."""

    restored: int
    unpublished: int
    conflicts: int


def enterprise_history(
    connection: Connection, enterprise_id: int, today: date | None = None
) -> list[dict[str, Any]]:
    """The changes of an enterprise and of its pauses (set, lifted, ended on a day before today), newest first."""
    rows = connection.execute(
        text("""
        SELECT id, changed_at, actor, kind, import_batch_id, changes
        FROM enterprise_revision WHERE enterprise_id = :id ORDER BY changed_at DESC, id DESC"""),
        {"id": enterprise_id},
    ).mappings()
    entries = [dict(row) for row in rows] + pause_history(connection, enterprise_id, today)
    return sorted(entries, key=lambda entry: (entry["changed_at"], entry["id"] or 0), reverse=True)


def import_batches(connection: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The most recent imports with their counts and how many enterprises each changed."""
    rows = connection.execute(
        text("""
        SELECT b.id, b.source, b.file_name, b.started_at, b.finished_at, b.dry_run, b.counts,
               (SELECT count(*) FROM enterprise_revision r WHERE r.import_batch_id = b.id) AS changes,
               b.counts ? 'reverted_by' AS reverted
        FROM import_batch b WHERE NOT b.dry_run ORDER BY b.id DESC LIMIT :limit"""),
        {"limit": limit},
    ).mappings()
    return [dict(row) for row in rows]


def revert_import(connection: Connection, batch_id: int, actor: str) -> RevertResult:
    """Undo what one import changed: restore old values, unpublish what it created.

    A field edited again after the import is left alone and counted as a conflict, so reverting
    never overwrites later work. Nothing is deleted.
    """
    set_actor(connection, actor, kind="revert")
    revisions = connection.execute(
        text("""
        SELECT enterprise_id, changes FROM enterprise_revision
        WHERE import_batch_id = :batch AND kind = 'import' ORDER BY id DESC"""),
        {"batch": batch_id},
    ).all()
    restored = unpublished = conflicts = 0
    for enterprise_id, changes in revisions:
        if "source" in changes and changes["source"][0] is None:
            unpublished += unpublish(connection, enterprise_id)
            continue
        patch, clashes = still_as_imported(connection, enterprise_id, changes)
        conflicts += clashes
        if patch:
            restore(connection, enterprise_id, patch)
            restored += 1
    mark_reverted(connection, batch_id, actor)
    return RevertResult(restored, unpublished, conflicts)


def unpublish(connection: Connection, enterprise_id: int) -> int:
    """Hide an enterprise; 1 if it was visible."""
    return connection.execute(
        text("UPDATE enterprise SET published = false, updated_at = now() WHERE id = :id AND published"),
        {"id": enterprise_id},
    ).rowcount


def still_as_imported(
    connection: Connection, enterprise_id: int, changes: dict[str, list[Any]]
) -> tuple[dict[str, Any], int]:
    """The old values of the fields that still hold what the import wrote, and the clash count."""
    current = connection.execute(
        text("SELECT to_jsonb(e) FROM enterprise e WHERE e.id = :id"), {"id": enterprise_id}
    ).scalar()
    patch: dict[str, Any] = {}
    clashes = 0
    for field, (old, new) in changes.items():
        if current is None or current.get(field) != new:
            clashes += 1
        else:
            patch[field] = old
    return patch, clashes


def restore(connection: Connection, enterprise_id: int, patch: dict[str, Any]) -> None:
    """Write old values back: plain columns through jsonb_populate_record, the point from GeoJSON."""
    point = patch.pop("point", ...)
    columns = list(patch)
    if columns:
        connection.execute(
            text(f"""
            UPDATE enterprise e SET ({", ".join(columns)}, updated_at) =
                (SELECT {", ".join("p." + c for c in columns)}, now()
                 FROM jsonb_populate_record(e, CAST(:patch AS jsonb)) p)
            WHERE e.id = :id"""),
            {"patch": json.dumps(patch), "id": enterprise_id},
        )
    if point is not ...:
        connection.execute(
            text("""UPDATE enterprise SET updated_at = now(), point =
            CASE WHEN CAST(:point AS text) IS NULL THEN NULL
                 ELSE ST_SetSRID(ST_GeomFromGeoJSON(CAST(:point AS text)), 4326) END
            WHERE id = :id"""),
            {"point": None if point is None else json.dumps(point), "id": enterprise_id},
        )


def mark_reverted(connection: Connection, batch_id: int, actor: str) -> None:
    """Remember in the batch's counts that it was reverted, and by whom."""
    connection.execute(
        text("""UPDATE import_batch SET counts = counts ||
        jsonb_build_object('reverted_by', CAST(:actor AS text), 'reverted_at', now())
        WHERE id = :id"""),
        {"actor": actor, "id": batch_id},
    )
