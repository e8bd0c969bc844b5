"""The citizen map's data: every published enterprise in one compact, column-oriented JSON built in SQL.

Columns are arrays in id order, so no key is repeated per enterprise; towns, MRC codes and opening
hours are dictionary-encoded; sectors, items and services are bit masks over the vocabulary's order;
coordinates are integers in 1e-4 degrees (about 10 m) and ids are stored as gaps from the previous id.
Staff-only columns (contact_person, internal_notes) and unpublished rows never enter the query.
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
WITH base AS (
    SELECT e.id,
           e.id - lag(e.id, 1, 0::bigint) OVER (ORDER BY e.id) AS id_gap,
           e.name,
           coalesce(m.name, e.municipality_name, '') AS town,
           coalesce(e.mrc_code, '') AS mrc,
           coalesce(e.opening_hours, '') AS hours,
           round(ST_Y(e.point) * :scale)::int AS lat,
           round(ST_X(e.point) * :scale)::int AS lon,
           CASE WHEN coalesce(e.geocode_precision, '') = ANY(CAST(:exact AS text[])) THEN 0 ELSE :approximate END AS flags,
           (SELECT coalesce(bit_or(1 << v.position), 0) FROM sector v WHERE v.code = ANY(e.sectors)) AS s,
           (SELECT coalesce(bit_or(1 << v.position), 0) FROM item_category v
             WHERE v.code = ANY(e.items)) AS i,
           (SELECT coalesce(bit_or(1 << v.position), 0) FROM service v WHERE v.code = ANY(e.services)) AS v
    FROM enterprise e
    LEFT JOIN municipality m ON m.code = e.municipality_code
    WHERE e.published AND e.point IS NOT NULL
),
towns AS (SELECT town, row_number() OVER (ORDER BY town) - 1 AS ix FROM (SELECT DISTINCT town FROM base) d),
mrcs AS (SELECT mrc, row_number() OVER (ORDER BY mrc) - 1 AS ix FROM (SELECT DISTINCT mrc FROM base) d),
hours AS (SELECT hours, row_number() OVER (ORDER BY hours) - 1 AS ix FROM (SELECT DISTINCT hours FROM base) d),
rows AS (
    SELECT b.*, t.ix AS town_ix, r.ix AS mrc_ix, h.ix AS hours_ix
    FROM base b JOIN towns t USING (town) JOIN mrcs r USING (mrc) JOIN hours h USING (hours)
)
SELECT json_build_object(
    'count', (SELECT count(*) FROM rows),
    'scale', CAST(:scale AS int),
    'vocabulary', json_build_object(
        'sectors', (SELECT coalesce(json_agg(code ORDER BY position), '[]') FROM sector),
        'items', (SELECT coalesce(json_agg(code ORDER BY position), '[]') FROM item_category),
        'services', (SELECT coalesce(json_agg(code ORDER BY position), '[]') FROM service)),
    'towns', (SELECT coalesce(json_agg(town ORDER BY ix), '[]') FROM towns),
    'mrcs', (SELECT coalesce(json_agg(mrc ORDER BY ix), '[]') FROM mrcs),
    'hours', (SELECT coalesce(json_agg(hours ORDER BY ix), '[]') FROM hours),
    'columns', json_build_object(
        'id_gap', coalesce(json_agg(id_gap ORDER BY id), '[]'),
        'name', coalesce(json_agg(name ORDER BY id), '[]'),
        'lat', coalesce(json_agg(lat ORDER BY id), '[]'),
        'lon', coalesce(json_agg(lon ORDER BY id), '[]'),
        'town', coalesce(json_agg(town_ix ORDER BY id), '[]'),
        'mrc', coalesce(json_agg(mrc_ix ORDER BY id), '[]'),
        'hours', coalesce(json_agg(hours_ix ORDER BY id), '[]'),
        'sectors', coalesce(json_agg(s ORDER BY id), '[]'),
        'items', coalesce(json_agg(i ORDER BY id), '[]'),
        'services', coalesce(json_agg(v ORDER BY id), '[]'),
        'flags', coalesce(json_agg(flags ORDER BY id), '[]'))
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
