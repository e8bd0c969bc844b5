"""Suggestions from the public: corrections and new places, held for moderation, never published directly."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.errors import CarteError, NotFound
from carte.core.text import municipality_key
from carte.staff.editing import update_enterprise
from carte.store.actor import set_actor

#: What a visitor may propose; staff-only fields are never part of it.
PUBLIC_FIELDS = (
    "name",
    "street",
    "municipality_name",
    "postal_code",
    "phone",
    "website",
    "opening_hours",
    "items",
    "services",
)
MAX_PER_HOUR = 5


@dataclass(frozen=True)
class Suggestion:
    """A suggestion with, for a correction, the enterprise's current public values."""

    id: int
    enterprise_id: int | None
    proposed: dict[str, Any]
    current: dict[str, Any]
    comment: str | None
    contact_email: str | None
    mrc_code: str | None
    status: str
    created_at: Any

    @property
    def is_new_place(self) -> bool:
        """True when the visitor proposes a place that is not on the map."""
        return self.enterprise_id is None


def ip_digest(address: str, secret: str) -> str:
    """A keyed hash of the visitor's address: enough to rate-limit, useless to identify."""
    return hashlib.sha256(f"{secret}:{address}".encode()).hexdigest()


def check_rate(connection: Connection, ip_hash: str) -> None:
    """Refuse a visitor who already sent too many suggestions in the last hour."""
    recent = connection.execute(
        text(
            "SELECT count(*) FROM suggestion WHERE ip_hash = :ip AND created_at > now() - interval '1 hour'"
        ),
        {"ip": ip_hash},
    ).scalar_one()
    if recent >= MAX_PER_HOUR:
        raise CarteError(
            "Trop de suggestions envoyées depuis cette connexion : réessayez dans une heure.", status=429
        )


def current_values(connection: Connection, enterprise_id: int) -> dict[str, Any] | None:
    """The public values of a published enterprise, or None."""
    row = (
        connection.execute(
            text(f"""SELECT mrc_code, {", ".join(PUBLIC_FIELDS)} FROM enterprise
        WHERE id = :id AND published"""),
            {"id": enterprise_id},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def mrc_of_municipality(connection: Connection, name: str | None) -> str | None:
    """The MRC of a municipality named the way people write it."""
    if not name:
        return None
    return connection.execute(
        text("SELECT mrc_code FROM municipality WHERE name_key = :key LIMIT 1"),
        {"key": municipality_key(name)},
    ).scalar()


def submit(
    connection: Connection,
    enterprise_id: int | None,
    values: dict[str, Any],
    comment: str | None,
    contact_email: str | None,
    ip_hash: str,
) -> int:
    """Queue a correction (only the fields that differ) or a new place; return its id."""
    check_rate(connection, ip_hash)
    proposed = {k: v for k, v in values.items() if k in PUBLIC_FIELDS}
    if enterprise_id is not None:
        current = current_values(connection, enterprise_id)
        if current is None:
            raise NotFound("Cette entreprise n'existe pas ou n'est pas publiée.")
        proposed = {k: v for k, v in proposed.items() if (v or None) != (current.get(k) or None)}
        mrc_code = current["mrc_code"]
    else:
        proposed = {k: v for k, v in proposed.items() if v not in (None, "", [])}
        mrc_code = mrc_of_municipality(connection, proposed.get("municipality_name"))
    if not proposed and not comment:
        raise CarteError(
            "Aucune modification proposée : changez au moins un champ ou laissez un commentaire."
        )
    return connection.execute(
        text("""
        INSERT INTO suggestion (enterprise_id, proposed, comment, contact_email, mrc_code, ip_hash)
        VALUES (:enterprise, CAST(:proposed AS jsonb), :comment, :email, :mrc, :ip) RETURNING id"""),
        {
            "enterprise": enterprise_id,
            "proposed": json.dumps(proposed),
            "comment": comment or None,
            "email": contact_email or None,
            "mrc": mrc_code,
            "ip": ip_hash,
        },
    ).scalar_one()


def pending(connection: Connection, mrc_codes: list[str] | None) -> list[dict[str, Any]]:
    """Suggestions waiting for a decision, oldest first, limited to some MRCs unless None."""
    rows = connection.execute(
        text("""
        SELECT s.id, s.enterprise_id, s.created_at, s.proposed, s.comment, e.name AS enterprise_name,
               m.name AS mrc_name
        FROM suggestion s LEFT JOIN enterprise e ON e.id = s.enterprise_id
        LEFT JOIN mrc m ON m.code = s.mrc_code
        WHERE s.status = 'pending' AND (CAST(:mrcs AS text[]) IS NULL OR s.mrc_code = ANY(:mrcs))
        ORDER BY s.created_at, s.id"""),
        {"mrcs": mrc_codes},
    ).mappings()
    return [dict(row) for row in rows]


def get(connection: Connection, suggestion_id: int) -> Suggestion:
    """One suggestion with the current values it would change."""
    row = (
        connection.execute(
            text("""SELECT id, enterprise_id, proposed, comment, contact_email,
        mrc_code, status, created_at FROM suggestion WHERE id = :id"""),
            {"id": suggestion_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("Suggestion introuvable.")
    current = current_values(connection, row["enterprise_id"]) if row["enterprise_id"] else None
    return Suggestion(current=current or {}, **row)


def decide(
    connection: Connection,
    suggestion_id: int,
    status: str,
    actor: str,
    reason: str | None = None,
    result_id: int | None = None,
) -> None:
    """Close a pending suggestion with its decision."""
    done = connection.execute(
        text("""UPDATE suggestion SET status = :status, reason = :reason,
        decided_by = :actor, decided_at = now(), result_enterprise_id = :result
        WHERE id = :id AND status = 'pending'"""),
        {"status": status, "reason": reason, "actor": actor, "result": result_id, "id": suggestion_id},
    )
    if done.rowcount == 0:
        raise CarteError("Cette suggestion a déjà été traitée.", status=409)


def accept(
    connection: Connection,
    suggestion: Suggestion,
    fields: list[str],
    actor: str,
    merge_into: int | None = None,
) -> int:
    """Apply the chosen fields to the enterprise (or a new or merged one) and return its id."""
    chosen = {f: suggestion.proposed[f] for f in fields if f in suggestion.proposed}
    target = suggestion.enterprise_id or merge_into
    if target is None:
        target = create_place(connection, suggestion.id, chosen, actor)
    else:
        update_enterprise(connection, target, chosen, actor, kind="suggestion")
    decide(connection, suggestion.id, "merged" if merge_into else "accepted", actor, result_id=target)
    return target


def create_place(connection: Connection, suggestion_id: int, values: dict[str, Any], actor: str) -> int:
    """Create the proposed place, placed at its postal code or municipality and attached to its MRC."""
    if not values.get("name"):
        raise CarteError("Le nom est nécessaire pour créer une fiche.")
    set_actor(connection, actor, "suggestion")
    columns = [c for c in PUBLIC_FIELDS if c in values]
    return connection.execute(
        text(f"""
        WITH place AS (
            SELECT point, precision FROM (
                SELECT point, 'postal_code' AS precision, 1 AS rank FROM postal_code WHERE code = :postal_code
                UNION ALL
                SELECT point, 'municipality', 2 FROM municipality
                WHERE name_key = :municipality_key AND point IS NOT NULL) candidates
            ORDER BY rank LIMIT 1)
        INSERT INTO enterprise (source, source_key, {", ".join(columns)}, point, geocode_precision,
                                geocode_source, mrc_code)
        SELECT 'suggestion', :key, {", ".join(":" + c for c in columns)}, place.point, place.precision,
               'suggestion', (SELECT mrc_code FROM mrc_part WHERE ST_Intersects(mrc_part.geom, place.point) LIMIT 1)
        FROM (SELECT 1) one LEFT JOIN place ON true
        RETURNING id"""),
        {
            **{c: values[c] for c in columns},
            "key": f"suggestion-{suggestion_id}",
            "postal_code": values.get("postal_code"),
            "municipality_key": municipality_key(values.get("municipality_name") or ""),
        },
    ).scalar_one()
