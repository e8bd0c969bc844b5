"""Coverage gaps over HTTP: the #couverture section of an MRC page and its CSV and GeoJSON downloads."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from tests.helpers import insert_enterprise

SAINT_GEORGES = "29073"


def saint_georges(connection) -> tuple[float, float]:
    """The centre of Saint-Georges (Beauce-Sartigan)."""
    return connection.execute(
        text("SELECT ST_X(point), ST_Y(point) FROM municipality WHERE code = :code"), {"code": SAINT_GEORGES}
    ).one()


def municipalities_of_beauce_sartigan(connection) -> int:
    """How many municipalities of Beauce-Sartigan have a centre."""
    return connection.execute(
        text("SELECT count(*) FROM municipality WHERE mrc_code = '29' AND point IS NOT NULL")
    ).scalar()


def test_the_csv_lists_each_municipality_with_its_nearest_place(client, connection):
    lon, lat = saint_georges(connection)
    place = insert_enterprise(connection, lon=lon, lat=lat, items=["meubles"], name="Ressourcerie Beauce")
    response = client.get("/mrc/29/couverture.csv?categorie=meubles")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="couverture-29-meubles.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == municipalities_of_beauce_sartigan(connection)
    row = next(row for row in rows if row["code_municipalite"] == SAINT_GEORGES)
    assert row["municipalite"] == "Saint-Georges"
    assert row["distance_km"] == "0.0"
    assert row["classe"] == "moins_5"
    assert row["lieu_id"] == str(place)
    assert row["lieu_le_plus_proche"] == "Ressourcerie Beauce"
    assert int(row["population"]) > 30_000


def test_the_csv_has_english_headers_and_every_category_when_none_is_asked(client, connection):
    response = client.get("/mrc/29/couverture.csv?lang=en")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0])[:5] == ["municipality_code", "municipality", "population", "category", "distance_km"]
    assert len({row["category"] for row in rows}) == 16
    assert {row["class"] for row in rows if not row["distance_km"]} <= {"aucun"}


def test_the_geojson_gives_points_classes_and_the_population_per_class(client, connection):
    lon, lat = saint_georges(connection)
    place = insert_enterprise(connection, lon=lon, lat=lat, items=["velos"], name="Vélo <b>Coop</b>")
    response = client.get("/mrc/29/couverture.geojson?categorie=velos")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json(force=True)
    assert body["type"] == "FeatureCollection"
    assert body["mrc"] == {"code": "29", "name": "Beauce-Sartigan"}
    assert body["category"] == "velos"
    assert body["licence"] and body["attribution"] and "MAMH" in body["geodata_attribution"]
    assert len(body["features"]) == municipalities_of_beauce_sartigan(connection)
    feature = next(f for f in body["features"] if f["properties"]["municipality_code"] == SAINT_GEORGES)
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["place_id"] == place
    assert feature["properties"]["place_name"] == "Vélo <b>Coop</b>"
    assert feature["properties"]["place_url"].endswith(f"/entreprises/{place}")
    classes = {total["code"]: total for total in body["classes"]}
    assert list(classes) == ["moins_5", "5_15", "15_30", "plus_30", "aucun", "sans_centre"]
    assert sum(total["population"] for total in classes.values()) == sum(
        f["properties"]["population"] or 0 for f in body["features"]
    )
    assert classes["aucun"]["municipalities"] == 0


def test_an_unknown_category_is_a_400_in_french_naming_the_parameter(client):
    for path in ("/mrc/29/couverture.csv?categorie=divans", "/mrc/29/couverture.geojson?categorie=divans"):
        response = client.get(path)
        assert response.status_code == 400
        message = response.get_json()["error"]["message"]
        assert "« categorie »" in message and "divans" in message and "meubles" in message


def test_an_unknown_parameter_or_a_repeated_category_is_a_400(client):
    response = client.get("/mrc/29/couverture.csv?category=meubles")
    assert response.status_code == 400
    assert "« category »" in response.get_json()["error"]["message"]
    response = client.get("/mrc/29/couverture.geojson?categorie=meubles&categorie=livres")
    assert response.status_code == 400
    assert "plusieurs fois" in response.get_json()["error"]["message"]


def test_the_english_error_is_given_with_lang_en(client):
    response = client.get("/mrc/29/couverture.csv?categorie=divans&lang=en")
    assert response.status_code == 400
    assert "Invalid parameter 'categorie'" in response.get_json()["error"]["message"]


def test_an_unknown_mrc_is_a_404(client):
    for path in ("/mrc/999/couverture.csv", "/mrc/abcdef/couverture.geojson"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"]["message"] == "Cette MRC n'existe pas."


def test_the_downloads_answer_304_when_the_data_has_not_changed(client):
    first = client.get("/mrc/29/couverture.geojson?categorie=meubles")
    again = client.get(
        "/mrc/29/couverture.geojson?categorie=meubles", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_the_mrc_page_has_a_coverage_section_with_selector_legend_and_tables(client, connection):
    lon, lat = saint_georges(connection)
    insert_enterprise(connection, lon=lon, lat=lat, items=["livres"], name="Bouquinerie <script>x</script>")
    page = client.get("/mrc/29?categorie=livres").get_data(as_text=True)
    assert 'id="couverture"' in page
    assert '<option value="livres" selected>' in page
    assert 'id="coverage-legend"' in page and "moins de 5 km" in page and "aucun lieu" in page
    assert 'id="coverage-classes"' in page and 'id="coverage-municipalities"' in page
    assert "Bouquinerie &lt;script&gt;x&lt;/script&gt;" in page
    assert "<script>x</script>" not in page
    assert "/mrc/29/couverture.csv?categorie=livres" in page
    assert 'type="application/json" id="coverage-config"' in page


def test_the_mrc_page_shows_the_first_category_by_default(client):
    page = client.get("/mrc/29").get_data(as_text=True)
    assert 'data-category="vetements"' in page


def test_the_mrc_page_refuses_an_unknown_category_in_french(client):
    response = client.get("/mrc/29?categorie=divans")
    assert response.status_code == 400
    assert "Paramètre « categorie » invalide" in response.get_data(as_text=True)


def test_the_mrc_page_in_english_labels_the_classes_in_english(client):
    page = client.get("/mrc/29?lang=en").get_data(as_text=True)
    assert "less than 5 km" in page and "Coverage" in page


def test_the_page_and_the_csv_mark_a_centre_outside_the_mrc(client):
    page = client.get("/mrc/29").get_data(as_text=True)
    assert 'class="coverage-outside"' in page
    assert 'id="coverage-outside-note">' in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/mrc/29/couverture.csv?categorie=meubles").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    flags = {row["code_municipalite"]: row["centre_hors_mrc"] for row in rows}
    assert flags["29057"] == "true" and flags[SAINT_GEORGES] == "false"


def test_the_coverage_doc_lists_every_csv_column_in_both_languages():
    from pathlib import Path

    from carte.read.coverage import CSV_COLUMNS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "coverage.md").read_text(encoding="utf-8")
    table = doc.split("## CSV columns", 1)[1].split("\n## ", 1)[0]
    documented = [line.split("|")[1:3] for line in table.splitlines() if line.startswith("| `")]
    assert [(french.strip(" `"), english.strip(" `")) for french, english in documented] == [
        (french, english) for _key, french, english in CSV_COLUMNS
    ]


def test_the_coverage_form_keeps_the_browser_language(client):
    page = client.get("/mrc/29", headers={"Accept-Language": "en-CA,en;q=0.9"}).get_data(as_text=True)
    assert '<input type="hidden" name="lang" value="en">' in page
    assert "less than 5 km" in page and ">Furniture</option>" in page
    assert "/mrc/29/couverture.csv?categorie=vetements&amp;lang=en" in page
