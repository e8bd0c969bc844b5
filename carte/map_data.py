"""The citizen map's data: every published enterprise in one compact, column-oriented JSON built in SQL.

Columns are arrays, so no key is repeated per enterprise. Rows are ordered by MRC, town and geohash,
so neighbours follow each other: coordinates (integers in 1e-4 degrees, about 10 m) are sent as the
difference from the previous row, and each row names its place (town and MRC) by an index into a small
table. Sectors, items and services are bit masks over the vocabulary's order; opening hours are
dictionary-encoded. Staff-only columns (contact_person, internal_notes) and unpublished rows never
enter the query.
"""
from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

COORDINATE_SCALE = 10_000
#: Geocode precisions at the exact address; anything coarser is shown as approximate.
EXACT_PRECISIONS = ("manual", "address")
FLAG_APPROXIMATE = 1

_PAYLOAD_SQL = text("""
WITH vocab AS (
    SELECT (SELECT array_agg(code::text ORDER BY position) FROM sector) AS sectors,
           (SELECT array_agg(code::text ORDER BY position) FROM item_category) AS items,
           (SELECT array_agg(code::text ORDER BY position) FROM service) AS services
),
base AS (
    SELECT e.id, e.name,
           coalesce(m.name, e.municipality_name, '') AS town,
           coalesce(e.mrc_code, '') AS mrc,
           coalesce(e.opening_hours, '') AS hours,
           round(ST_Y(e.point) * :scale)::int AS lat,
           round(ST_X(e.point) * :scale)::int AS lon,
           ST_GeoHash(e.point, 9) AS geohash,
           CASE WHEN coalesce(e.geocode_precision, '') = ANY(CAST(:exact AS text[])) THEN 0
                ELSE :approximate END AS flags,
           (SELECT coalesce(bit_or(1 << (array_position(vocab.sectors, c) - 1)), 0)
              FROM unnest(e.sectors) c) AS s,
           (SELECT coalesce(bit_or(1 << (array_position(vocab.items, c) - 1)), 0)
              FROM unnest(e.items) c) AS i,
           (SELECT coalesce(bit_or(1 << (array_position(vocab.services, c) - 1)), 0)
              FROM unnest(e.services) c) AS v
    FROM enterprise e
    CROSS JOIN vocab
    LEFT JOIN municipality m ON m.code = e.municipality_code
    WHERE e.published AND e.point IS NOT NULL
),
places AS (SELECT town, mrc, row_number() OVER (ORDER BY mrc, town) - 1 AS ix
           FROM (SELECT DISTINCT town, mrc FROM base) d),
hours AS (SELECT hours, row_number() OVER (ORDER BY hours) - 1 AS ix FROM (SELECT DISTINCT hours FROM base) d),
ordered AS (
    SELECT b.*, p.ix AS place_ix, h.ix AS hours_ix,
           row_number() OVER (ORDER BY b.mrc, b.town, b.geohash, b.id) AS n
    FROM base b JOIN places p USING (town, mrc) JOIN hours h USING (hours)
),
rows AS (
    SELECT o.*, lat - lag(lat, 1, 0) OVER (ORDER BY n) AS dlat, lon - lag(lon, 1, 0) OVER (ORDER BY n) AS dlon
    FROM ordered o
)
SELECT json_build_object(
    'count', (SELECT count(*) FROM rows),
    'scale', CAST(:scale AS int),
    'vocabulary', (SELECT json_build_object('sectors', coalesce(sectors, '{}'), 'items', coalesce(items, '{}'),
                                            'services', coalesce(services, '{}')) FROM vocab),
    'places', json_build_object(
        'town', (SELECT coalesce(json_agg(town ORDER BY ix), '[]') FROM places),
        'mrc', (SELECT coalesce(json_agg(mrc ORDER BY ix), '[]') FROM places)),
    'hours', (SELECT coalesce(json_agg(hours ORDER BY ix), '[]') FROM hours),
    'columns', json_build_object(
        'id', coalesce(json_agg(id ORDER BY n), '[]'),
        'name', coalesce(json_agg(name ORDER BY n), '[]'),
        'dlat', coalesce(json_agg(dlat ORDER BY n), '[]'),
        'dlon', coalesce(json_agg(dlon ORDER BY n), '[]'),
        'place', coalesce(json_agg(place_ix ORDER BY n), '[]'),
        'hours', coalesce(json_agg(hours_ix ORDER BY n), '[]'),
        'sectors', coalesce(json_agg(s ORDER BY n), '[]'),
        'items', coalesce(json_agg(i ORDER BY n), '[]'),
        'services', coalesce(json_agg(v ORDER BY n), '[]'),
        'flags', coalesce(json_agg(flags ORDER BY n), '[]'))
)::text
FROM rows
""")

_MRC_BOUNDARIES_SQL = text("""
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'properties', json_build_object('code', code, 'name', name),
    'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom_simple, :tolerance), 3)::json
) ORDER BY code), '[]'))::text
FROM mrc
""")


@dataclass(frozen=True)
class Payload:
    """A JSON document ready to serve: its text, gzip-compressed bytes and a strong ETag."""

    body: bytes
    gzipped: bytes
    etag: str


def make_payload(document: str) -> Payload:
    """Wrap a JSON text with its compressed form and a content-derived ETag."""
    body = document.encode("utf-8")
    return Payload(body=body, gzipped=gzip.compress(body, compresslevel=6, mtime=0),
                   etag=hashlib.sha256(body).hexdigest()[:32])


def enterprises_document(session: Session) -> str:
    """The compact JSON text of every published, located enterprise."""
    return session.execute(_PAYLOAD_SQL, {
        "scale": COORDINATE_SCALE, "exact": list(EXACT_PRECISIONS), "approximate": FLAG_APPROXIMATE,
    }).scalar_one()


def mrc_boundaries_document(session: Session, tolerance: float = 0.01) -> str:
    """The MRC boundaries as a light GeoJSON FeatureCollection (simplified, 3 decimals)."""
    return session.execute(_MRC_BOUNDARIES_SQL, {"tolerance": tolerance}).scalar_one()
