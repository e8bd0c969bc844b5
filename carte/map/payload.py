"""The citizen map's data: every published enterprise in one compact, column-oriented JSON built in SQL.

Columns are arrays, so no key is repeated per enterprise. Rows are ordered by MRC, town and geohash,
so neighbours follow each other: coordinates (integers in 1e-4 degrees, about 10 m) are sent as the
difference from the previous row, and each row names its place (town and MRC) by an index into a small
table. The list is in the order of the names (NAME_COLLATION), which the payload does not carry: the
same statement returns the ordinals in name order, kept with the payload (MapData.by_name), and the list
asks the server for its pages in that order (carte/map/rows.py). Sectors, items and services are bit masks over
the vocabulary's order; opening hours are dictionary-encoded. Every number column is one string of
base-32 digits (DIGITS: no separator, no quote, an eighth less once gzipped than JSON numbers); signed
deltas are zigzag-mapped first.
carte/static/js/data.js decodes it.

The few places with a pause today ("accepting now", carte/core/pause.py) are listed apart in `pauses`:
[ordinal, paused items mask, paused sectors mask, last day or null, public message]; the payload is built
for one day (`today`), as a pause ends by itself after its last day.

Names and ids are not in it (they were nearly half of it once gzipped): a row is addressed by its
ordinal, its place in this order, within one version of the payload. The same statement returns the
enterprise id of each ordinal, kept with the payload (MapData), so that carte/map/rows.py answers the
list's and popups' names and the free-text search by ordinal. Staff-only columns (contact_person,
internal_notes) and unpublished rows never enter the query.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import text
from sqlalchemy.orm import Session

from carte.core.collation import NAME_COLLATION
from carte.core.pause import local_today
from carte.core.precision import EXACT_PRECISIONS

COORDINATE_SCALE = 10_000
FLAG_APPROXIMATE = 1
#: The 64 characters of the numbers: the first 32 end a number (its last base-32 digit), the others precede.
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
#: The number columns (name in the payload: column of the query), each a string of DIGITS; dlat and dlon
#: are zigzag-mapped (0, -1, 1... as 0, 1, 2...).
NUMBER_COLUMNS = {
    "dlat": "zlat",
    "dlon": "zlon",
    "place": "place_ix",
    "hours": "hours_ix",
    "sectors": "s",
    "items": "i",
    "services": "v",
    "flags": "flags",
}

#: Digits per number at most: 12 base-32 digits hold any bigint below 2**60 (masks and deltas are far below).
MAX_DIGITS = 12


def _digits_sql(value: str, most: int) -> str:
    """SQL text writing the non-negative bigint expression `value` in DIGITS, most significant digit first."""

    def digit(k: int) -> str:
        return f"substr(:digits, {33 if k else 1} + (({value} >> {5 * k}) & 31)::int, 1)"

    # One branch per length, so that a small number costs one substr: a subquery per number is 3x slower.
    branches = [
        f"WHEN {value} < {32**length} THEN " + " || ".join(digit(k) for k in range(length - 1, -1, -1))
        for length in range(1, most)
    ]
    return f"CASE {' '.join(branches)} ELSE {' || '.join(digit(k) for k in range(most - 1, -1, -1))} END"


_PAYLOAD_SQL = text(
    """
WITH vocab AS (
    SELECT (SELECT array_agg(code::text ORDER BY position) FROM sector) AS sectors,
           (SELECT array_agg(code::text ORDER BY position) FROM item_category) AS items,
           (SELECT array_agg(code::text ORDER BY position) FROM service) AS services
),
pauses AS (  -- the pause holding today of each paused enterprise: few rows, hash-joined once
    SELECT DISTINCT ON (enterprise_id) enterprise_id, id, items, sectors, until, message FROM enterprise_pause
    WHERE removed_at IS NULL AND (until IS NULL OR until >= CAST(:today AS date))
    ORDER BY enterprise_id, id DESC
),
located AS (
    SELECT e.id, e.name, e.mrc_code, e.opening_hours, e.point, e.geocode_precision, e.sectors, e.items,
           e.services, coalesce(m.name, e.municipality_name, '') AS town,
           p.id IS NOT NULL AS paused, p.items AS paused_items, p.sectors AS paused_sectors,
           p.until AS paused_until, p.message AS paused_message
    FROM enterprise e
    LEFT JOIN municipality m ON m.code = e.municipality_code
    LEFT JOIN pauses p ON p.enterprise_id = e.id
    WHERE e.published AND e.point IS NOT NULL
),
base AS (
    SELECT e.id, e.town,
           row_number() OVER (ORDER BY e.name COLLATE "@COLLATION@", e.id) - 1 AS name_rank,
           coalesce(e.mrc_code, '') AS mrc,
           coalesce(e.opening_hours, '') AS hours,
           round(ST_Y(e.point) * :scale)::bigint AS lat,
           round(ST_X(e.point) * :scale)::bigint AS lon,
           ST_GeoHash(e.point, 9) AS geohash,
           CASE WHEN coalesce(e.geocode_precision, '') = ANY(CAST(:exact AS text[])) THEN 0 ELSE :approximate END
             AS flags,
           (SELECT coalesce(bit_or(1::bigint << (array_position(vocab.sectors, c) - 1)), 0)
              FROM unnest(e.sectors) c) AS s,
           (SELECT coalesce(bit_or(1::bigint << (array_position(vocab.items, c) - 1)), 0)
              FROM unnest(e.items) c) AS i,
           (SELECT coalesce(bit_or(1::bigint << (array_position(vocab.services, c) - 1)), 0)
              FROM unnest(e.services) c) AS v,
           e.paused, e.paused_until, e.paused_message,
           (SELECT coalesce(bit_or(1::bigint << (array_position(vocab.items, c) - 1)), 0)
              FROM unnest(e.paused_items) c) AS pi,
           (SELECT coalesce(bit_or(1::bigint << (array_position(vocab.sectors, c) - 1)), 0)
              FROM unnest(e.paused_sectors) c) AS ps
    FROM located e
    CROSS JOIN vocab
),
places AS (SELECT town, mrc, row_number() OVER (ORDER BY mrc, town) - 1 AS ix
           FROM (SELECT DISTINCT town, mrc FROM base) d),
hours AS (SELECT hours, row_number() OVER (ORDER BY hours) - 1 AS ix FROM (SELECT DISTINCT hours FROM base) d),
ordered AS (
    SELECT b.*, p.ix AS place_ix, h.ix AS hours_ix,
           row_number() OVER (ORDER BY b.mrc, b.town, b.geohash, b.id) AS n
    FROM base b JOIN places p USING (town, mrc) JOIN hours h USING (hours)
),
deltas AS (
    SELECT o.*, lat - lag(lat, 1, 0::bigint) OVER (ORDER BY n) AS dlat,
           lon - lag(lon, 1, 0::bigint) OVER (ORDER BY n) AS dlon
    FROM ordered o
),
rows AS (  -- signed deltas zigzag-mapped to naturals: 0, -1, 1, -2... become 0, 1, 2, 3...
    SELECT d.*, CASE WHEN dlat >= 0 THEN 2 * dlat ELSE -2 * dlat - 1 END AS zlat,
           CASE WHEN dlon >= 0 THEN 2 * dlon ELSE -2 * dlon - 1 END AS zlon
    FROM deltas d
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
    'columns', (SELECT json_build_object(@COLUMNS@) FROM rows),
    'pauses', (SELECT coalesce(json_agg(json_build_array(n - 1, pi, ps, to_char(paused_until, 'YYYY-MM-DD'),
                                                         paused_message) ORDER BY n), '[]')
               FROM rows WHERE paused)
)::text AS document,
-- the enterprise of each ordinal (n - 1), and the data version, seen by the same statement as the document
(SELECT coalesce(array_agg(id ORDER BY n), '{}') FROM rows) AS ids,
-- the ordinals in the order of the names, for the list's pages
(SELECT coalesce(array_agg(n - 1 ORDER BY name_rank), '{}') FROM rows) AS by_name,
(SELECT version FROM data_version) AS data_version
""".replace("@COLLATION@", NAME_COLLATION).replace(
        "@COLUMNS@",
        ", ".join(
            f"'{name}', coalesce(string_agg({_digits_sql(value, MAX_DIGITS)}, '' ORDER BY n), '')"
            for name, value in NUMBER_COLUMNS.items()
        ),
    )
)


@dataclass(frozen=True)
class Payload:
    """A JSON document ready to serve: its text, gzip-compressed bytes and a strong ETag."""

    body: bytes
    gzipped: bytes
    etag: str


def digest(text: str) -> str:
    """A short strong hash of a text, for ETags."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def make_payload(document: str, etag: str | None = None) -> Payload:
    """Wrap a JSON text with its compressed form and an ETag (by default, derived from the text)."""
    body = document.encode("utf-8")
    return Payload(
        body=body, gzipped=gzip.compress(body, compresslevel=6, mtime=0), etag=etag or digest(document)
    )


@dataclass(frozen=True)
class MapData:
    """The map's payload at one data version, with the enterprise id of each of its rows by ordinal."""

    payload: Payload
    ids: tuple[int, ...]
    data_version: int
    #: The ordinals in the order of the names (NAME_COLLATION).
    by_name: tuple[int, ...] = ()

    @property
    def version(self) -> str:
        """The payload's version: its ETag, which the rows and search requests name."""
        return self.payload.etag

    @cached_property
    def ordinals(self) -> dict[int, int]:
        """The ordinal of each enterprise id."""
        return {enterprise_id: ordinal for ordinal, enterprise_id in enumerate(self.ids)}


def build_map_data(session: Session, today: date | None = None) -> MapData:
    """The compact JSON of every published, located enterprise on a day (default today), the id of each
    row and the data version."""
    document, ids, by_name, version = session.execute(
        _PAYLOAD_SQL,
        {
            "scale": COORDINATE_SCALE,
            "exact": list(EXACT_PRECISIONS),
            "approximate": FLAG_APPROXIMATE,
            "digits": DIGITS,
            "today": today or local_today(),
        },
    ).one()
    # The version covers the ids too: the same columns over other enterprises must not share ordinals.
    etag = digest(f"{document}|{','.join(map(str, ids))}")
    payload = make_payload(f'{{"version": "{etag}", {document[1:]}', etag)
    return MapData(payload=payload, ids=tuple(ids), data_version=version, by_name=tuple(by_name))
