"""The review queue: enterprises placed only approximately or flagged, and staff moving their pin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.errors import CarteError
from carte.core.precision import EXACT_PRECISIONS
from carte.store.actor import set_actor

#: Points farther than this from every MRC polygon are refused (about 20 km).
MAX_DEGREES_OUTSIDE = 0.2


def review_queue(
    connection: Connection, mrc_codes: list[str] | None, limit: int = 500
) -> list[dict[str, Any]]:
    """Enterprises placed below 'address' precision, unplaced, or flagged by the ingest."""
    rows = connection.execute(
        text("""
        SELECT e.id, e.name, e.municipality_name, e.postal_code, e.geocode_precision, e.flags,
               m.name AS mrc_name, ST_Y(e.point) AS latitude, ST_X(e.point) AS longitude
        FROM enterprise e LEFT JOIN mrc m ON m.code = e.mrc_code
        WHERE e.merged_into IS NULL
          AND (e.point IS NULL OR e.geocode_precision <> ALL(:exact) OR e.flags <> '{}')
          AND (CAST(:mrcs AS text[]) IS NULL OR e.mrc_code = ANY(:mrcs))
        ORDER BY e.flags = '{}', e.name, e.id LIMIT :limit"""),
        {"mrcs": mrc_codes, "limit": limit, "exact": list(EXACT_PRECISIONS)},
    ).mappings()
    return [dict(row) for row in rows]


def mrc_at(connection: Connection, latitude: float, longitude: float) -> str | None:
    """The MRC containing a point, else the nearest one within the tolerance, else None."""
    return connection.execute(
        text("""
        SELECT mrc_code FROM mrc_part
        WHERE ST_DWithin(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :tolerance)
        ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"""),
        {"lat": latitude, "lon": longitude, "tolerance": MAX_DEGREES_OUTSIDE},
    ).scalar()


def move_pin(
    connection: Connection, enterprise_id: int, latitude: float, longitude: float, actor: str
) -> str:
    """Put an enterprise where staff say it is: precision 'manual', MRC recomputed; return the MRC."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise CarteError("Coordonnées invalides.")
    mrc_code = mrc_at(connection, latitude, longitude)
    if mrc_code is None:
        raise CarteError("Ce point est hors du Québec : déplacez l'épingle sur le bon emplacement.")
    set_actor(connection, actor, "move")
    connection.execute(
        text("""UPDATE enterprise SET point = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
        geocode_precision = 'manual', geocode_source = 'staff', mrc_code = :mrc, flags = '{}',
        updated_at = now() WHERE id = :id"""),
        {"lat": latitude, "lon": longitude, "mrc": mrc_code, "id": enterprise_id},
    )
    return mrc_code


def confirm_position(connection: Connection, enterprise_id: int, actor: str) -> None:
    """Staff confirm the current pin is right: it becomes 'manual' and its flags are cleared."""
    set_actor(connection, actor, "move")
    done = connection.execute(
        text("""UPDATE enterprise SET geocode_precision = 'manual',
        geocode_source = 'staff', flags = '{}', updated_at = now()
        WHERE id = :id AND point IS NOT NULL"""),
        {"id": enterprise_id},
    )
    if done.rowcount == 0:
        raise CarteError("Cette fiche n'a pas encore de position : placez l'épingle.")
