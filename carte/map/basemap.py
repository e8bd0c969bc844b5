"""The map's own base layer, built in PostGIS from the reference geodata: drawn under the remote tiles,
and alone when they cannot be reached (offline kiosks, intranets, a blocked host) or CARTE_TILE_URL=none.

One light GeoJSON FeatureCollection, each feature tagged by `kind`:
- `land`: Quebec's territory, the union of the 17 administrative regions, simplified;
- `region`: a point inside each region (ST_PointOnSurface), carrying its name for a label and the zoom
  from which the label shows (`min_zoom`: the smaller the region, the closer), so labels don't overlap;
- `mrc`: each MRC's polygon, simplified, with its code and name; the client draws its outline only.

The administrative polygons reach into the St. Lawrence and the large lakes, so the land is the
territory, not the shoreline. Coordinates keep DIGITS decimals (about 100 m), enough up to zoom 10.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

#: Degrees of tolerance of ST_SimplifyPreserveTopology (about 1 km): a light layer for zoom 4 to 10.
TOLERANCE = 0.01
#: Decimals of the coordinates (0.001 degree is about 100 m).
DIGITS = 3
#: A region's label shows from the zoom of the first row whose area (square degrees) it reaches.
LABEL_ZOOMS = ((2.7, 4), (0.5, 7), (0.0, 9))

_BASEMAP_SQL = text("""
WITH land AS (
    SELECT json_build_object('type', 'Feature', 'properties', json_build_object('kind', 'land'),
        'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(ST_Union(geom), :tolerance), :digits)::json
    ) AS feature
    FROM region
    HAVING count(*) > 0
),
regions AS (
    SELECT json_build_object('type', 'Feature',
        'properties', json_build_object('kind', 'region', 'code', code, 'name', name, 'min_zoom',
            CASE WHEN ST_Area(geom) >= :large THEN :large_zoom WHEN ST_Area(geom) >= :medium THEN :medium_zoom
                 ELSE :small_zoom END),
        'geometry', ST_AsGeoJSON(ST_PointOnSurface(geom), :digits)::json) AS feature, code
    FROM region
),
mrcs AS (
    SELECT json_build_object('type', 'Feature',
        'properties', json_build_object('kind', 'mrc', 'code', code, 'name', name),
        'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom_simple, :tolerance), :digits)::json
    ) AS feature, code
    FROM mrc
)
SELECT json_build_object('type', 'FeatureCollection', 'features',
    (SELECT json_agg(feature) FROM (
        SELECT feature, 0 AS layer, '' AS code FROM land
        UNION ALL SELECT feature, 1, code FROM mrcs
        UNION ALL SELECT feature, 2, code FROM regions
        ORDER BY layer, code) AS features))::text
""")


_SOURCE_SQL = text("""
SELECT md5((SELECT string_agg(code || name || md5(ST_AsBinary(geom)), ',' ORDER BY code) FROM region)
    || '|' || (SELECT string_agg(code || name || md5(ST_AsBinary(geom_simple)), ',' ORDER BY code) FROM mrc))
""")


def geodata_fingerprint(session: Session) -> str:
    """A digest of the regions and MRCs the base layer is drawn from: it changes only when they do."""
    return session.execute(_SOURCE_SQL).scalar_one() or ""


def basemap_document(session: Session, tolerance: float = TOLERANCE) -> str:
    """The base layer as GeoJSON text: land, then MRC polygons, then region label points."""
    (large, large_zoom), (medium, medium_zoom), (_small, small_zoom) = LABEL_ZOOMS
    return session.execute(
        _BASEMAP_SQL,
        {
            "tolerance": tolerance,
            "digits": DIGITS,
            "large": large,
            "large_zoom": large_zoom,
            "medium": medium,
            "medium_zoom": medium_zoom,
            "small_zoom": small_zoom,
        },
    ).scalar_one()
