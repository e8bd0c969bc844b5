"""Duplicate enterprises: candidate pairs found in PostGIS, merged or marked distinct by staff."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.errors import CarteError
from carte.staff.editing import LIST_FIELDS, TEXT_FIELDS
from carte.store.actor import set_actor

NAME_SIMILARITY = 0.6
NEARBY_METRES = 1000
#: Above this many new enterprises, an import checks only NEQ, phone and website (cheap equality
#: joins); the name comparison is left to `carte duplicates`.
NAME_CHECK_LIMIT = 5000

# One statement: similar names within a short distance, or the same NEQ, phone or website host.
# Pairs already decided (distinct or merged) keep their decision.
FIND_PAIRS = """
WITH scope AS (
    SELECT id, name, point, neq, phone, website FROM enterprise
    WHERE merged_into IS NULL AND (CAST(:ids AS bigint[]) IS NULL OR id = ANY(:ids))
), others AS (
    SELECT id, name, point, neq, phone, website,
           lower(regexp_replace(website, '^https?://(www\\.)?|/+$', '', 'gi')) AS host
    FROM enterprise WHERE merged_into IS NULL
), pairs AS (
    SELECT s.id AS a, o.id AS b, 'nom' AS reason,
           similarity(lower(carte_unaccent(s.name)), lower(carte_unaccent(o.name))) AS score
    FROM scope s JOIN others o ON :by_name AND o.id <> s.id
     AND lower(carte_unaccent(o.name)) % lower(carte_unaccent(s.name))
     AND ST_DWithin(o.point, s.point, 0.03)
     AND ST_DWithin(o.point::geography, s.point::geography, :metres)
    UNION ALL
    SELECT s.id, o.id, 'neq', 1.0 FROM scope s JOIN others o ON o.neq = s.neq AND o.id <> s.id
    UNION ALL
    SELECT s.id, o.id, 'téléphone', 0.9 FROM scope s JOIN others o ON o.phone = s.phone AND o.id <> s.id
    UNION ALL
    SELECT s.id, o.id, 'site web', 0.8 FROM scope s JOIN others o
      ON o.host = lower(regexp_replace(s.website, '^https?://(www\\.)?|/+$', '', 'gi')) AND o.id <> s.id
)
INSERT INTO duplicate_pair (first_id, second_id, reasons, score)
SELECT least(a, b), greatest(a, b), array_agg(DISTINCT reason ORDER BY reason), max(score)
FROM pairs WHERE score >= :similarity OR reason <> 'nom'
GROUP BY 1, 2
ON CONFLICT (first_id, second_id) DO UPDATE SET reasons = excluded.reasons, score = excluded.score
WHERE duplicate_pair.status = 'candidate'
  AND (duplicate_pair.reasons, duplicate_pair.score) IS DISTINCT FROM (excluded.reasons, excluded.score)
"""


def find_candidates(connection: Connection, ids: list[int] | None = None, by_name: bool = True) -> int:
    """Record candidate pairs involving the given enterprises (all when None); return how many
    candidates await review."""
    connection.execute(
        text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"), {"t": str(NAME_SIMILARITY)}
    )
    connection.execute(
        text(FIND_PAIRS),
        {"ids": ids, "metres": NEARBY_METRES, "similarity": NAME_SIMILARITY, "by_name": by_name},
    )
    return connection.execute(
        text("SELECT count(*) FROM duplicate_pair WHERE status = 'candidate'")
    ).scalar_one()


def after_import(connection: Connection, new_ids: list[int]) -> int:
    """Look for duplicates of the enterprises an import created; return the candidates awaiting review."""
    if not new_ids:
        return connection.execute(
            text("SELECT count(*) FROM duplicate_pair WHERE status = 'candidate'")
        ).scalar_one()
    return find_candidates(connection, new_ids, by_name=len(new_ids) <= NAME_CHECK_LIMIT)


def similar_places(
    connection: Connection, name: str, postal_code: str | None, municipality_name: str | None, limit: int = 5
) -> list[dict[str, Any]]:
    """Enterprises whose name resembles a proposed place's, near its postal code or municipality."""
    from carte.core.text import municipality_key

    rows = connection.execute(
        text("""
        WITH place AS (
            SELECT point FROM postal_code WHERE code = :postal_code
            UNION ALL SELECT point FROM municipality WHERE name_key = :municipality_key AND point IS NOT NULL
            LIMIT 1)
        SELECT e.id, e.name, e.municipality_name,
               similarity(lower(carte_unaccent(e.name)), lower(carte_unaccent(:name))) AS score
        FROM enterprise e, place
        WHERE e.merged_into IS NULL
          AND similarity(lower(carte_unaccent(e.name)), lower(carte_unaccent(:name))) >= :similarity
          AND ST_DWithin(e.point, place.point, 0.1)
        ORDER BY score DESC, e.id LIMIT :limit"""),
        {
            "name": name,
            "postal_code": postal_code,
            "municipality_key": municipality_key(municipality_name or ""),
            "similarity": NAME_SIMILARITY - 0.2,
            "limit": limit,
        },
    ).mappings()
    return [dict(row) for row in rows]


def candidates(connection: Connection, mrc_codes: list[str] | None, limit: int = 200) -> list[dict[str, Any]]:
    """Pairs awaiting a decision, best first, both sides within the given MRCs unless None."""
    rows = connection.execute(
        text("""
        SELECT p.first_id, p.second_id, p.reasons, p.score,
               to_jsonb(a) - 'point' AS first, to_jsonb(b) - 'point' AS second,
               round(ST_Distance(a.point::geography, b.point::geography)) AS metres
        FROM duplicate_pair p JOIN enterprise a ON a.id = p.first_id JOIN enterprise b ON b.id = p.second_id
        WHERE p.status = 'candidate' AND a.merged_into IS NULL AND b.merged_into IS NULL
          AND (CAST(:mrcs AS text[]) IS NULL OR (a.mrc_code = ANY(:mrcs) AND b.mrc_code = ANY(:mrcs)))
        ORDER BY p.score DESC, p.first_id LIMIT :limit"""),
        {"mrcs": mrc_codes, "limit": limit},
    ).mappings()
    return [dict(row) for row in rows]


def pair_mrcs(connection: Connection, first_id: int, second_id: int) -> tuple[str | None, str | None]:
    """The MRCs of both sides of a pair, for permission checks."""
    rows = dict(
        connection.execute(
            text("SELECT id, mrc_code FROM enterprise WHERE id IN (:a, :b)"), {"a": first_id, "b": second_id}
        ).all()
    )
    return rows.get(first_id), rows.get(second_id)


def decide(connection: Connection, first_id: int, second_id: int, status: str, actor: str) -> None:
    """Close a pair with its decision."""
    low, high = sorted((first_id, second_id))
    done = connection.execute(
        text("""UPDATE duplicate_pair SET status = :status, decided_by = :actor,
        decided_at = now() WHERE first_id = :a AND second_id = :b AND status = 'candidate'"""),
        {"status": status, "actor": actor, "a": low, "b": high},
    )
    if done.rowcount == 0:
        raise CarteError("Cette paire n'est pas (ou plus) à examiner.", status=409)


def merge(connection: Connection, keep_id: int, drop_id: int, actor: str) -> None:
    """Merge drop into keep: keep's empty fields filled, lists united, drop hidden but kept.

    The dropped record stays, pointing at the kept one, so its history and its external ids
    (source key, NEQ) remain and a later import of its source still finds it.
    """
    decide(connection, keep_id, drop_id, "merged", actor)
    set_actor(connection, actor, "merge")
    fills = ", ".join(f"{f} = coalesce(k.{f}, d.{f})" for f in TEXT_FIELDS)
    unions = ", ".join(f"{f} = ARRAY(SELECT DISTINCT unnest(k.{f} || d.{f}) ORDER BY 1)" for f in LIST_FIELDS)
    connection.execute(
        text(f"""UPDATE enterprise k SET {fills}, {unions}, updated_at = now()
        FROM enterprise d WHERE k.id = :keep AND d.id = :drop"""),
        {"keep": keep_id, "drop": drop_id},
    )
    connection.execute(
        text("""UPDATE enterprise SET merged_into = :keep, published = false, updated_at = now()
        WHERE id = :drop"""),
        {"keep": keep_id, "drop": drop_id},
    )
