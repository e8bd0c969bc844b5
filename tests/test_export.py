"""CSV and GeoJSON exports: formula cells neutralised, BOM for Excel, licence travelling with the data."""

from __future__ import annotations

import csv
import io
import json

from carte.read.export import Licence, csv_lines, neutralise
from tests.helpers import carte_command, insert_enterprise

LICENCE = Licence("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/", "Pôle de test")


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    for dangerous in ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("Ressourcerie") == "Ressourcerie"
    assert neutralise(-70.66) == -70.66


def test_csv_starts_with_a_bom_and_carries_the_licence_on_every_row():
    record = {
        key: None
        for key in (
            "id",
            "name",
            "description",
            "sectors",
            "items",
            "services",
            "street",
            "address_line2",
            "municipality",
            "postal_code",
            "mrc_code",
            "mrc_name",
            "phone",
            "website",
            "opening_hours",
            "latitude",
            "longitude",
            "geocode_precision",
            "updated",
            "source",
            "last_verified",
            "url",
        )
    }
    text = "".join(csv_lines([{**record, "name": "=1+1"}], LICENCE))
    assert text.startswith("\ufeffid,nom,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][1] == "'=1+1"
    assert rows[1][-2:] == ["CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/)", "Pôle de test"]


def test_the_csv_download_filters_escapes_and_decodes_in_utf8_sig(client, connection):
    insert_enterprise(
        connection,
        name="=cmd|' /C calc'!A0",
        description="@risque",
        phone="+14185550101",
        municipality_name="Saint-Éphrem",
    )
    insert_enterprise(connection, name="Autre secteur", sectors=["friperie"])
    response = client.get("/export/enterprises.csv?sector=ressourcerie")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert 'rel="license"' in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["nom"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["description"] == "'@risque" and rows[0]["telephone"] == "'+14185550101"
    assert rows[0]["municipalite"] == "Saint-Éphrem" and rows[0]["secteurs"] == "Ressourcerie"


def test_the_csv_never_holds_staff_only_fields(client, connection):
    insert_enterprise(connection, contact_person="Jeanne Secrète", internal_notes="NOTE INTERNE")
    body = client.get("/export/enterprises.csv").get_data().decode("utf-8-sig")
    assert "Jeanne" not in body and "NOTE INTERNE" not in body


def test_the_geojson_download_states_licence_and_attribution(client, connection, app):
    insert_enterprise(connection, name="Ressourcerie")
    document = json.loads(client.get("/export/enterprises.geojson?lang=en").get_data())
    assert document["licence"] == app.config["DATA_LICENCE"]
    assert document["attribution"] == app.config["DATA_ATTRIBUTION"]
    assert document["features"][0]["properties"]["sectors"][0]["label"] == "Reuse centre"


def test_an_export_with_a_bad_filter_is_a_json_400(client):
    response = client.get("/export/enterprises.csv?bbox=NaN,0,1,1")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "bbox"


def test_the_export_command_writes_csv_and_geojson_with_filters(database_url, engine, tmp_path):
    from sqlalchemy import text

    with engine.begin() as connection:
        insert_enterprise(connection, source="export-test", name="+Exportée", mrc_code="29")
    try:
        target = tmp_path / "e.csv"
        result = carte_command(
            database_url,
            "export",
            "--format",
            "csv",
            "--mrc",
            "29",
            "--sector",
            "ressourcerie",
            "-o",
            str(target),
        )
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
        assert "'+Exportée" in [row["nom"] for row in rows]
        result = carte_command(database_url, "export", "--format", "geojson", "--mrc", "29")
        assert "+Exportée" in [f["properties"]["name"] for f in json.loads(result.stdout)["features"]]
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM enterprise WHERE source = 'export-test'"))


def test_the_export_command_names_a_bad_parameter(database_url, engine):
    result = carte_command(database_url, "export", "--bbox", "1,2")
    assert result.exit_code == 1 and "bbox" in result.output
