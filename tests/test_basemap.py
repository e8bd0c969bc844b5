"""The map's own base layer: built in PostGIS from the reference geodata, served at /carte/fond.geojson,
and the pages without any remote tile when CARTE_TILE_URL=none."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter

from sqlalchemy import text

from carte.map.basemap import basemap_document, geodata_fingerprint
from tests.helpers import insert_enterprise

#: The base layer must stay light: it loads with every map (measured: about 167 KB raw, 43 KB gzipped).
MAX_RAW_BYTES = 250_000
MAX_GZIP_BYTES = 60_000


def features_of(document: str, kind: str) -> list[dict]:
    """The features of one kind (land, mrc, region) of the base layer."""
    return [feature for feature in json.loads(document)["features"] if feature["properties"]["kind"] == kind]


def test_the_base_layer_holds_the_land_every_mrc_and_every_region_name(db_session):
    document = basemap_document(db_session)
    mrc_codes = set(db_session.execute(text("SELECT code FROM mrc")).scalars())
    region_names = set(db_session.execute(text("SELECT name FROM region")).scalars())
    assert Counter(f["properties"]["kind"] for f in json.loads(document)["features"]) == {
        "land": 1,
        "mrc": 104,
        "region": 17,
    }
    assert {f["properties"]["code"] for f in features_of(document, "mrc")} == mrc_codes
    assert {f["properties"]["name"] for f in features_of(document, "region")} == region_names


def test_every_geometry_of_the_base_layer_is_valid_and_of_its_kind(db_session):
    document = basemap_document(db_session)
    checked = db_session.execute(
        text("""
        SELECT f -> 'properties' ->> 'kind' AS kind, ST_GeometryType(g) AS type, ST_IsValid(g) AS valid
        FROM json_array_elements(CAST(:document AS json) -> 'features') AS f,
             LATERAL ST_SetSRID(ST_GeomFromGeoJSON(f ->> 'geometry'), 4326) AS g"""),
        {"document": document},
    ).all()
    assert len(checked) == 122 and all(row.valid for row in checked)
    assert {(row.kind, row.type) for row in checked} <= {
        ("land", "ST_Polygon"),
        ("land", "ST_MultiPolygon"),
        ("mrc", "ST_Polygon"),
        ("mrc", "ST_MultiPolygon"),
        ("region", "ST_Point"),
    }


def test_the_land_covers_every_mrc_and_region_names_lie_in_their_region(db_session):
    document = basemap_document(db_session)
    outside = db_session.execute(
        text("""
        WITH land AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(CAST(:land AS text)), 4326) AS g)
        SELECT count(*) FROM mrc, land WHERE NOT ST_Intersects(land.g, ST_PointOnSurface(mrc.geom))"""),
        {"land": json.dumps(features_of(document, "land")[0]["geometry"])},
    ).scalar()
    assert outside == 0
    for label in features_of(document, "region"):
        lon, lat = label["geometry"]["coordinates"]
        assert db_session.execute(
            text("""SELECT ST_DWithin(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 0.001)
            FROM region WHERE code = :code"""),
            {"lon": lon, "lat": lat, "code": label["properties"]["code"]},
        ).scalar()


def test_small_regions_are_named_only_closer_in_so_names_do_not_overlap(db_session):
    zooms = {
        f["properties"]["name"]: f["properties"]["min_zoom"]
        for f in features_of(basemap_document(db_session), "region")
    }
    assert zooms["Montréal"] > zooms["Montérégie"] > zooms["Nord-du-Québec"]


def test_the_geodata_fingerprint_changes_with_an_mrc_name_only(db_session, connection):
    before = geodata_fingerprint(db_session)
    insert_enterprise(connection, name="Sans effet sur le fond")
    assert geodata_fingerprint(db_session) == before
    connection.execute(text("UPDATE mrc SET name = name || ' (renommée)' WHERE code = '29'"))
    assert geodata_fingerprint(db_session) != before


def test_the_base_layer_is_small_enough_to_load_with_every_map(db_session):
    body = basemap_document(db_session).encode()
    assert len(body) < MAX_RAW_BYTES and len(gzip.compress(body, 6)) < MAX_GZIP_BYTES


def test_the_base_layer_is_served_as_geojson_with_an_etag_a_day_of_caching_and_gzip(client):
    response = client.get("/carte/fond.geojson", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "public, max-age=86400" and response.headers["ETag"]
    assert len(json.loads(gzip.decompress(response.data))["features"]) == 122


def test_the_base_layer_answers_304_to_its_etag_even_after_an_enterprise_changes(client, connection):
    etag = client.get("/carte/fond.geojson").headers["ETag"]
    insert_enterprise(connection, name="Nouvelle entreprise")
    again = client.get("/carte/fond.geojson", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.data


def test_the_base_layer_follows_a_change_of_the_geodata(client, connection):
    etag = client.get("/carte/fond.geojson").headers["ETag"]
    connection.execute(text("UPDATE region SET name = 'Région renommée' WHERE code = '04'"))
    response = client.get("/carte/fond.geojson", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert "Région renommée" in [
        f["properties"]["name"] for f in features_of(response.get_data(as_text=True), "region")
    ]


def test_the_map_page_gives_its_script_the_base_layer_and_the_mrc_overlay_to_fill(client):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(
        re.search(r'<script type="application/json" id="map-config">(.*?)</script>', html, re.S).group(1)
    )
    assert config["basemap"] == {"url": "/carte/fond.geojson"}
    overlay = re.search(r'data-boundaries="(\w+)"', html).group(1)
    assert f"var {overlay} = L.featureGroup();" in html and "L.tileLayer(" in html


def test_with_tile_url_none_the_pages_name_no_tile_server(app, client, connection):
    app.config["TILE_URL"] = "none"
    enterprise = insert_enterprise(connection, name="Sans tuiles", lon=-70.6656, lat=46.1185)
    home = client.get("/")
    html = home.get_data(as_text=True)
    assert "L.tileLayer(" not in html and "tile.openstreetmap.org" not in html.lower()
    assert "img-src 'self' data:;" in home.headers["Content-Security-Policy"]
    config = json.loads(re.search(r'id="map-config">(.*?)</script>', html, re.S).group(1))
    assert "Gouvernement du Québec" in config["basemap"]["attribution"]
    assert "OpenStreetMap" not in config["basemap"]["attribution"]
    embed = client.get("/embed").get_data(as_text=True)
    assert '"tiles": null' in embed and "/carte/fond.geojson" in embed
    assert "L.tileLayer(" not in client.get(f"/entreprises/{enterprise}").get_data(as_text=True)
    assert "tile.openstreetmap.org" not in client.get("/confidentialite").get_data(as_text=True)
