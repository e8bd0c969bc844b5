"""Coverage gaps of an MRC: how far each municipality is from the nearest published place accepting
each item category, as the crow flies, and the population concerned (method in docs/coverage.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from carte.core.vocabulary import Vocabulary
from carte.read.export import csv_table
from carte.read.filters import InvalidParameter

#: Upper bounds (km) of the distance classes; beyond the last, the class is "more than".
CLASS_BOUNDS_KM = (5.0, 15.0, 30.0)
#: The classes, nearest first, then the municipalities with no place at all for the category.
CLASS_CODES = ("moins_5", "5_15", "15_30", "plus_30", "aucun")
NONE_CLASS = "aucun"
#: Municipalities without a centre in the reference geodata (mostly unorganised territories): listed and
#: counted apart, never given a distance.
UNLOCATED_CLASS = "sans_centre"
#: The parameter naming the item category, on the page and in the downloads.
CATEGORY_PARAMETER = "categorie"
#: How the distances are measured, carried by the GeoJSON download (details in docs/coverage.md).
CENTRE_DEFINITION = (
    "Crow-flies distance on the WGS 84 spheroid from the municipality's centre (the point of "
    "its town hall's postal code, else the mean of the postal codes bearing its name) to the "
    "nearest published place accepting the category, in or outside the MRC."
)

#: Below this many places, a category's places are compared with every centre (at most this many
#: distances per municipality); from it on, the index walk stops after about N / places rows.
FEW_PLACES = 1000

# One statement per MRC: each of its municipalities, for each category asked, joined to the nearest
# published place accepting the category, anywhere (a place across the MRC border counts). A common
# category walks the partial geography index of migration 0011 by distance on the sphere until a place
# of the category comes up; a rare one (fewer than FEW_PLACES places, none included) is ranked among
# its own few places instead, since the index walk would pass over most of the province first. Each
# branch of the lateral join is gated by a one-time filter, so only one runs per category.
COVERAGE_SQL = text("""
WITH category AS MATERIALIZED (
    SELECT c.code, c.position,
           (SELECT count(*) FROM (SELECT 1 FROM enterprise e WHERE e.published AND e.point IS NOT NULL
                                  AND e.items @> ARRAY[c.code]::text[] LIMIT :few) f) AS places
    FROM item_category c
    WHERE CAST(:category AS text) IS NULL OR c.code = CAST(:category AS text)
), centre AS MATERIALIZED (
    SELECT m.code, m.name, m.population, m.point,
           CASE WHEN m.point IS NOT NULL THEN NOT EXISTS (SELECT 1 FROM mrc_part p
               WHERE p.mrc_code = m.mrc_code AND ST_Intersects(p.geom, m.point)) END AS outside
    FROM municipality m WHERE m.mrc_code = :mrc
), rare AS MATERIALIZED (
    SELECT category.code AS category, e.id, e.name, geography(e.point) AS place
    FROM category JOIN enterprise e ON e.items @> ARRAY[category.code]::text[]
    WHERE category.places < :few AND e.published AND e.point IS NOT NULL
)
SELECT m.code, m.name, m.population, category.code, ST_X(m.point), ST_Y(m.point),
       nearest.id, nearest.name, nearest.metres, m.outside
FROM centre m
CROSS JOIN category
LEFT JOIN LATERAL (
    (SELECT e.id, e.name, ST_Distance(geography(e.point), geography(m.point)) AS metres
     FROM enterprise e
     WHERE category.places >= :few AND m.point IS NOT NULL AND e.published AND e.point IS NOT NULL
       AND e.items @> ARRAY[category.code]::text[]
     ORDER BY geography(e.point) <-> geography(m.point)
     LIMIT 1)
    UNION ALL
    (SELECT rare.id, rare.name, ST_Distance(rare.place, geography(m.point))
     FROM rare
     WHERE category.places < :few AND m.point IS NOT NULL AND rare.category = category.code
     ORDER BY rare.place <-> geography(m.point)
     LIMIT 1)
) nearest ON true
ORDER BY category.position, m.name, m.code
""")


@dataclass(frozen=True)
class CoverageRow:
    """One municipality of the MRC and the nearest place accepting one item category."""

    municipality_code: str
    municipality: str
    population: int | None
    category: str
    longitude: float | None
    latitude: float | None
    place_id: int | None
    place_name: str | None
    distance_km: float | None
    #: The centre falls outside the MRC's polygon (an approximate rural postal code; docs/coverage.md).
    centre_outside_mrc: bool | None = None

    @property
    def distance_class(self) -> str:
        """The class code of the distance ('aucun' when no place accepts the category, 'sans_centre'
        when the municipality has no centre)."""
        return UNLOCATED_CLASS if self.longitude is None else distance_class(self.distance_km)


@dataclass(frozen=True)
class ClassTotal:
    """How many municipalities of one distance class, and how many people live there."""

    code: str
    municipalities: int
    population: int


def distance_class(distance_km: float | None) -> str:
    """The class code of a distance in km: moins_5, 5_15, 15_30, plus_30, or aucun when None."""
    if distance_km is None:
        return NONE_CLASS
    for bound, code in zip(CLASS_BOUNDS_KM, CLASS_CODES[: len(CLASS_BOUNDS_KM)], strict=True):
        if distance_km < bound:
            return code
    return CLASS_CODES[len(CLASS_BOUNDS_KM)]


def parse_category(raw: str | None, vocabulary: Vocabulary) -> str | None:
    """The item category code asked for (None when absent), or InvalidParameter naming `categorie`."""
    if raw is None or not raw.strip():
        return None
    code = raw.strip()
    known = [term.code for term in vocabulary.items]
    if code not in known:
        raise InvalidParameter(
            CATEGORY_PARAMETER,
            f"catégorie d'objets inconnue « {code[:40]} » (acceptées : {', '.join(known)}).",
            f"unknown item category '{code[:40]}' (accepted: {', '.join(known)}).",
        )
    return code


def mrc_name(session: Session, code: str) -> str | None:
    """The name of an MRC, or None for an unknown code."""
    return session.execute(text("SELECT name FROM mrc WHERE code = :code"), {"code": code}).scalar()


def coverage_rows(
    session: Session, mrc_code: str, category: str | None = None, few_places: int = FEW_PLACES
) -> list[CoverageRow]:
    """Each municipality of an MRC with its nearest published place per item category (one if given);
    few_places is the threshold between the two ways of finding it (0: always the index walk)."""
    # Compiling this statement just in time costs more than running it (docs/deployment.md turns JIT off).
    session.execute(text("SET LOCAL jit = off"))
    rows = session.execute(COVERAGE_SQL, {"mrc": mrc_code, "category": category, "few": few_places})
    return [
        CoverageRow(
            code,
            name,
            population,
            cat,
            lon,
            lat,
            place_id,
            place_name,
            None if metres is None else round(metres / 1000, 1),
            outside,
        )
        for code, name, population, cat, lon, lat, place_id, place_name, metres, outside in rows
    ]


def class_totals(rows: Iterable[CoverageRow]) -> list[ClassTotal]:
    """Municipalities and population per distance class, every class listed, nearest first, then those
    without a centre."""
    counts = {code: [0, 0] for code in (*CLASS_CODES, UNLOCATED_CLASS)}
    for row in rows:
        total = counts[row.distance_class]
        total[0] += 1
        total[1] += row.population or 0
    return [
        ClassTotal(code, municipalities, population) for code, (municipalities, population) in counts.items()
    ]


#: CSV columns: row attribute, French header, English header.
CSV_COLUMNS = (
    ("municipality_code", "code_municipalite", "municipality_code"),
    ("municipality", "municipalite", "municipality"),
    ("population", "population", "population"),
    ("category", "categorie", "category"),
    ("distance_km", "distance_km", "distance_km"),
    ("distance_class", "classe", "class"),
    ("place_id", "lieu_id", "place_id"),
    ("place_name", "lieu_le_plus_proche", "nearest_place"),
    ("longitude", "longitude_centre", "centre_longitude"),
    ("latitude", "latitude_centre", "centre_latitude"),
    ("centre_outside_mrc", "centre_hors_mrc", "centre_outside_mrc"),
)


def coverage_csv(rows: Iterable[CoverageRow], language: str = "fr") -> Iterator[str]:
    """The coverage rows as CSV text for spreadsheets (BOM, header, one row per municipality and category)."""
    header = [english if language == "en" else french for _key, french, english in CSV_COLUMNS]
    return csv_table(
        header, ([csv_cell(getattr(row, key)) for key, _french, _english in CSV_COLUMNS] for row in rows)
    )


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: true/false for booleans, the value itself otherwise."""
    return str(value).lower() if isinstance(value, bool) else value


def row_properties(row: CoverageRow, place_url: str | None) -> dict[str, Any]:
    """The GeoJSON properties of one row."""
    properties = {key: value for key, value in asdict(row).items() if key not in ("longitude", "latitude")}
    return {**properties, "distance_class": row.distance_class, "place_url": place_url}


def coverage_geojson(rows: Iterable[CoverageRow], head: dict[str, Any], place_url: str) -> str:
    """The rows as a GeoJSON FeatureCollection of municipality centres; place_url has an {id} slot."""
    rows = list(rows)
    features = [
        {
            "type": "Feature",
            "id": f"{row.municipality_code}-{row.category}",
            "geometry": None
            if row.longitude is None or row.latitude is None
            else {"type": "Point", "coordinates": [round(row.longitude, 6), round(row.latitude, 6)]},
            "properties": row_properties(row, place_url.format(id=row.place_id) if row.place_id else None),
        }
        for row in rows
    ]
    totals = (
        [asdict(total) for total in class_totals(rows)] if len({row.category for row in rows}) == 1 else None
    )
    return json.dumps(
        {"type": "FeatureCollection", **head, "classes": totals, "features": features}, ensure_ascii=False
    )
