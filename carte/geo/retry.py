"""Retrying the online geocoding of the enterprises an online geocoder failed on (flag geocoder_error)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.precision import PRECISIONS
from carte.core.text import municipality_key
from carte.geo.geocoding import (
    STAGE_COLUMNS,
    Address,
    Chain,
    GeocoderConfigError,
    OnlineGeocoder,
    place_staged,
)
from carte.store.actor import set_actor

STAGE = "geocode_retry_stage"
ACTOR = "carte geocode --retry-failed"
#: Flags describing how an enterprise was placed; recomputed when it is placed again.
PLACEMENT_FLAGS = (
    "mrc_nearest",
    "mrc_from_municipality",
    "mrc_from_fsa",
    "mrc_unknown",
    "postal_code_far",
    "postal_code_other_mrc",
    "unplaced",
    "municipality_unknown",
    "geocoder_error",
    "point_kept",
)
_RANK = "array_position(CAST(:precisions AS text[]), {})"


@dataclass
class RetryResult:
    """What a retry did: rows waiting before, taken, placed at the address, settled otherwise, still
    failing, waiting after, and requests sent."""

    retryable: int = 0
    retried: int = 0
    found: int = 0
    not_found: int = 0
    failed: int = 0
    remaining: int = 0
    geocoder_calls: int = 0

    def summary(self) -> dict[str, int]:
        """The figures printed by `carte geocode --retry-failed --json`."""
        return asdict(self)


def retryable_count(connection: Connection) -> int:
    """Enterprises whose online geocoding failed and waits to be retried."""
    return connection.execute(
        text("SELECT count(*) FROM enterprise WHERE 'geocoder_error' = ANY(flags) AND merged_into IS NULL")
    ).scalar_one()


def retry_failed(
    connection: Connection, chain: Chain, geocoders: list[OnlineGeocoder], limit: int | None = None
) -> RetryResult:
    """Ask the online geocoders again for the failed enterprises (oldest first, at most `limit`); store
    better or equal points with their MRC, publish what gets placed, keep the rest retryable."""
    if not geocoders:
        raise GeocoderConfigError(
            "--retry-failed demande un géocodeur en ligne dans la chaîne (ex. --geocoder nominatim,offline)."
        )
    result = RetryResult(retryable=retryable_count(connection))
    result.retried = stage_failed(connection, limit)
    calls_before = sum(g.calls for g in geocoders)
    place_staged(connection, STAGE, chain, geocoders)
    result.geocoder_calls = sum(g.calls for g in geocoders) - calls_before
    for status, count in connection.execute(
        text(f"""
            SELECT CASE WHEN geocode_failed THEN 'failed' WHEN precision = 'address' THEN 'found'
                        ELSE 'not_found' END, count(*) FROM {STAGE} GROUP BY 1""")
    ).all():
        setattr(result, status, count)
    set_actor(connection, ACTOR, kind="geocode")
    store_placed(connection)
    result.remaining = retryable_count(connection)
    connection.execute(text(f"DROP TABLE {STAGE}, {STAGE}_points"))
    return result


def stage_failed(connection: Connection, limit: int | None) -> int:
    """Copy the failed enterprises' addresses into a temporary stage; return how many."""
    rows = connection.execute(
        text("""
        SELECT id, street, municipality_name, municipality_code, postal_code FROM enterprise
        WHERE 'geocoder_error' = ANY(flags) AND merged_into IS NULL ORDER BY id LIMIT :limit"""),
        {"limit": limit},
    ).all()
    connection.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    connection.execute(
        text(f"CREATE TEMP TABLE {STAGE} ({STAGE_COLUMNS}, enterprise_id bigint) ON COMMIT DROP")
    )
    if rows:
        connection.execute(
            text(f"""
            INSERT INTO {STAGE} (line, enterprise_id, street, address_key, municipality_name,
                                 municipality_key, municipality_code, postal_code, fsa)
            VALUES (:line, :id, :street, :key, :municipality, :municipality_key, :code, :postal, :fsa)"""),
            [
                {
                    "line": line,
                    "id": row.id,
                    "street": row.street,
                    "municipality": row.municipality_name,
                    "key": Address(row.street, row.municipality_name, row.postal_code).key()
                    if row.street
                    else None,
                    "municipality_key": municipality_key(row.municipality_name or ""),
                    "code": row.municipality_code,
                    "postal": row.postal_code,
                    "fsa": row.postal_code[:3] if row.postal_code else None,
                }
                for line, row in enumerate(rows, 1)
            ],
        )
    return len(rows)


def store_placed(connection: Connection) -> None:
    """Write the answers: a point at least as precise as the stored one replaces it (with its MRC and
    flags, published if it was unplaced); a worse one only ends the wait; failures change nothing."""
    connection.execute(
        text(f"""
        UPDATE enterprise e SET point = s.point, geocode_precision = s.precision,
            geocode_source = s.geocode_source, mrc_code = s.mrc_code, municipality_code = s.municipality_code,
            flags = ARRAY(SELECT f FROM unnest(e.flags) f WHERE f <> ALL(CAST(:placement AS text[])))
                    || s.flags,
            published = CASE WHEN 'unplaced' = ANY(e.flags) AND s.point IS NOT NULL THEN true
                             ELSE e.published END,
            updated_at = now()
        FROM {STAGE} s
        WHERE e.id = s.enterprise_id AND NOT s.geocode_failed
          AND (e.point IS NULL OR {_RANK.format("s.precision")} <= {_RANK.format("e.geocode_precision")})"""),
        {"placement": list(PLACEMENT_FLAGS), "precisions": list(PRECISIONS)},
    )
    connection.execute(
        text(f"""
        UPDATE enterprise e SET flags = array_remove(e.flags, 'geocoder_error'), updated_at = now()
        FROM {STAGE} s WHERE e.id = s.enterprise_id AND NOT s.geocode_failed
          AND 'geocoder_error' = ANY(e.flags)""")
    )
