"""Duplicate enterprises: candidate pairs found in PostGIS, merged or marked distinct by staff."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
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
#: How a website becomes the host (and path) compared: lower case, no scheme (nor "www." after it),
#: no trailing slash. String functions rather than a regular expression: the check computes it for
#: every live enterprise, and `regexp_replace` took four times as long.
WEBSITE_KEY = """rtrim(substr(lower({column}), CASE
    WHEN lower({column}) LIKE 'http://www.%' THEN 12 WHEN lower({column}) LIKE 'https://www.%' THEN 13
    WHEN lower({column}) LIKE 'http://%' THEN 8 WHEN lower({column}) LIKE 'https://%' THEN 9
    ELSE 1 END), '/')"""
#: Shared values listed in a report; the rest are counted.
SHOWN_SHARED_VALUES = 10


@dataclass(frozen=True)
class DuplicateLimits:
    """How far one search for duplicates goes (CARTE_DUPLICATE_MAX_SHARED, CARTE_DUPLICATE_MAX_NEW_PAIRS)."""

    #: A NEQ, phone or website held by more enterprises than this is not evidence of a duplicate.
    max_shared: int = 5
    #: New candidate pairs one import (or one `carte duplicates`) may add to the review queue.
    max_new_pairs: int = 1000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DuplicateLimits:
        """The limits set in the application's configuration."""
        return cls(
            max(int(config["DUPLICATE_MAX_SHARED"]), 0), max(int(config["DUPLICATE_MAX_NEW_PAIRS"]), 0)
        )


@dataclass(frozen=True)
class SharedValue:
    """A NEQ, phone or website held by too many enterprises to suggest duplicates."""

    reason: str
    value: str
    enterprises: int


@dataclass
class DuplicateCheck:
    """What one search for duplicates did, for the ingest report and `carte duplicates`."""

    pending: int = 0
    added: int = 0
    capped: int = 0
    skipped: list[SharedValue] = field(default_factory=list)
    max_shared: int = DuplicateLimits.max_shared
    max_new_pairs: int = DuplicateLimits.max_new_pairs

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data (the shown shared values only)."""
        return {
            "pending": self.pending,
            "added": self.added,
            "capped": self.capped,
            "max_shared": self.max_shared,
            "max_new_pairs": self.max_new_pairs,
            "skipped_count": len(self.skipped),
            "skipped": [asdict(value) for value in self.skipped[:SHOWN_SHARED_VALUES]],
        }


# The enterprises searched for duplicates: those given, else every live one (a table, so the large
# lists of an import join by hash instead of being scanned row after row).
SCOPE = """
CREATE TEMPORARY TABLE duplicate_scope ON COMMIT DROP AS
SELECT id FROM enterprise WHERE merged_into IS NULL AND CAST(:ids AS bigint[]) IS NULL
UNION SELECT unnest(CAST(:ids AS bigint[]))
"""

# Every NEQ, phone and website host of the live enterprises, one row per (enterprise, reason, value),
# whether the enterprise is in scope: one scan of the table, the host computed once per row.
KEYED = f"""
    WITH live AS MATERIALIZED (
        SELECT e.id, e.neq::text AS neq, e.phone, {WEBSITE_KEY.format(column="e.website")} AS host,
               s.id IS NOT NULL AS in_scope
        FROM enterprise e LEFT JOIN duplicate_scope s USING (id) WHERE e.merged_into IS NULL)
    SELECT id, in_scope, 'neq' AS reason, neq AS value FROM live WHERE neq <> ''
    UNION ALL
    SELECT id, in_scope, 'téléphone', phone FROM live WHERE phone <> ''
    UNION ALL
    SELECT id, in_scope, 'site web', host FROM live WHERE host <> ''
"""

# The values the enterprises in scope hold that at least one other enterprise holds too, with all
# their holders: counted set-based, so a phone on 150 rows is one group, never 11,175 pairs. Values are
# counted by hash; the holders' ids are gathered (sorted) for the shared values alone.
SHARED_VALUES = f"""
CREATE TEMPORARY TABLE duplicate_shared ON COMMIT DROP AS
WITH keyed AS MATERIALIZED ({KEYED}),
shared AS (SELECT reason, value FROM keyed GROUP BY reason, value HAVING count(*) > 1 AND bool_or(in_scope))
SELECT reason, value, array_agg(id ORDER BY id) AS ids, count(*) AS holders
FROM keyed JOIN shared USING (reason, value)
GROUP BY reason, value
"""

# Pairs by similar names within a short distance, then by a value shared by few enough enterprises.
FOUND_PAIRS = """
CREATE TEMPORARY TABLE duplicate_found ON COMMIT DROP AS
WITH scope AS (
    SELECT id, name, point FROM enterprise JOIN duplicate_scope USING (id) WHERE merged_into IS NULL
), pairs AS (
    SELECT s.id AS a, o.id AS b, 'nom' AS reason,
           similarity(lower(carte_unaccent(s.name)), lower(carte_unaccent(o.name))) AS score
    FROM scope s JOIN enterprise o ON :by_name AND o.merged_into IS NULL AND o.id <> s.id
     AND lower(carte_unaccent(o.name)) % lower(carte_unaccent(s.name))
     AND ST_DWithin(o.point, s.point, 0.03)
     AND ST_DWithin(o.point::geography, s.point::geography, :metres)
    UNION ALL
    SELECT a.id, b.id, v.reason, CASE v.reason WHEN 'neq' THEN 1.0 WHEN 'téléphone' THEN 0.9 ELSE 0.8 END
    FROM duplicate_shared v, unnest(v.ids) a(id), unnest(v.ids) b(id)
    WHERE v.holders <= :max_shared AND a.id < b.id
      AND (a.id IN (SELECT id FROM duplicate_scope) OR b.id IN (SELECT id FROM duplicate_scope))
), grouped AS (
    SELECT least(a, b) AS first_id, greatest(a, b) AS second_id,
           array_agg(DISTINCT reason ORDER BY reason) AS reasons, max(score) AS score
    FROM pairs WHERE score >= :similarity OR reason <> 'nom'
    GROUP BY 1, 2
)
SELECT g.*, NOT EXISTS (SELECT 1 FROM duplicate_pair p
                        WHERE p.first_id = g.first_id AND p.second_id = g.second_id) AS is_new
FROM grouped g
"""

# Pairs already decided (distinct or merged) keep their decision; new pairs beyond the cap wait,
# the most certain kept first.
RECORD_PAIRS = """
INSERT INTO duplicate_pair (first_id, second_id, reasons, score)
SELECT first_id, second_id, reasons, score FROM (
    SELECT *, row_number() OVER (PARTITION BY is_new ORDER BY score DESC, first_id, second_id) AS rank
    FROM duplicate_found) ranked
WHERE NOT is_new OR rank <= :max_new
ON CONFLICT (first_id, second_id) DO UPDATE SET reasons = excluded.reasons, score = excluded.score
WHERE duplicate_pair.status = 'candidate'
  AND (duplicate_pair.reasons, duplicate_pair.score) IS DISTINCT FROM (excluded.reasons, excluded.score)
"""


def find_candidates(
    connection: Connection,
    ids: list[int] | None = None,
    by_name: bool = True,
    limits: DuplicateLimits = DuplicateLimits(),
) -> DuplicateCheck:
    """Record candidate pairs involving the given enterprises (all when None), within the limits."""
    connection.execute(
        text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"), {"t": str(NAME_SIMILARITY)}
    )
    connection.execute(text("DROP TABLE IF EXISTS duplicate_scope, duplicate_shared, duplicate_found"))
    connection.execute(text(SCOPE), {"ids": ids})
    connection.execute(text("ANALYZE duplicate_scope"))
    connection.execute(text(SHARED_VALUES))
    connection.execute(
        text(FOUND_PAIRS),
        {
            "metres": NEARBY_METRES,
            "similarity": NAME_SIMILARITY,
            "by_name": by_name,
            "max_shared": limits.max_shared,
        },
    )
    new = connection.execute(text("SELECT count(*) FROM duplicate_found WHERE is_new")).scalar_one()
    connection.execute(text(RECORD_PAIRS), {"max_new": limits.max_new_pairs})
    check = DuplicateCheck(
        pending=pending_count(connection),
        added=min(new, limits.max_new_pairs),
        capped=max(new - limits.max_new_pairs, 0),
        skipped=too_common(connection, limits),
        max_shared=limits.max_shared,
        max_new_pairs=limits.max_new_pairs,
    )
    connection.execute(text("DROP TABLE duplicate_scope, duplicate_shared, duplicate_found"))
    return check


def too_common(connection: Connection, limits: DuplicateLimits) -> list[SharedValue]:
    """The values of the last search held by more enterprises than the limit, most held first."""
    rows = connection.execute(
        text("""SELECT reason, value, holders FROM duplicate_shared
        WHERE holders > :max_shared ORDER BY holders DESC, reason, value"""),
        {"max_shared": limits.max_shared},
    )
    return [SharedValue(*row) for row in rows]


def pending_count(connection: Connection) -> int:
    """How many candidate pairs await a decision."""
    return connection.execute(
        text("SELECT count(*) FROM duplicate_pair WHERE status = 'candidate'")
    ).scalar_one()


def after_import(
    connection: Connection, new_ids: list[int], limits: DuplicateLimits = DuplicateLimits()
) -> DuplicateCheck:
    """Look for duplicates of the enterprises an import created, within the limits."""
    if not new_ids:
        return DuplicateCheck(
            pending=pending_count(connection),
            max_shared=limits.max_shared,
            max_new_pairs=limits.max_new_pairs,
        )
    return find_candidates(connection, new_ids, by_name=len(new_ids) <= NAME_CHECK_LIMIT, limits=limits)


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
