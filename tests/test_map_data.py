"""The map's data endpoint and the "near me" place resolver, on the real PostGIS."""
from __future__ import annotations

import gzip
import json

from sqlalchemy import text

from carte.map_data import (DIGITS, FLAG_APPROXIMATE, FLAG_TOWN_IN_NAME, NUMBER_COLUMNS, TOWN_MARK,
                            enterprises_document)
from carte.places import resolve_place
from tests.factories import insert_enterprise


def numbers(digits: str) -> list[int]:
    """The numbers of one column: base-32 digits, each number's last one from the alphabet's first half."""
    found, value = [], 0
    for digit in digits:
        part = DIGITS.index(digit)
        if part >= 32:
            value = value * 32 + part - 32
        else:
            found.append(value * 32 + part)
            value = 0
    return found


def ids(code: dict, count: int) -> list[int]:
    """The ids: `width` digits each in base `radix`, added to `low`."""
    assert len(code["digits"]) == count * code["width"]
    found = []
    for start in range(0, len(code["digits"]), code["width"]):
        value = 0
        for digit in code["digits"][start:start + code["width"]]:
            assert DIGITS.index(digit) < code["radix"]
            value = value * code["radix"] + DIGITS.index(digit)
        found.append(code["low"] + value)
    return found


def decoded(document: str) -> list[dict]:
    """The enterprises of a compact payload, one dict each, as the page's script reads them."""
    payload = json.loads(document)
    columns = {name: numbers(digits) for name, digits in payload["columns"].items()}
    assert all(len(column) == payload["count"] for column in columns.values())
    columns["id"] = ids(payload["ids"], payload["count"])
    rows, lat, lon = [], 0, 0
    for i in range(payload["count"]):
        lat += columns["dlat"][i] // 2 if columns["dlat"][i] % 2 == 0 else -(columns["dlat"][i] + 1) // 2
        lon += columns["dlon"][i] // 2 if columns["dlon"][i] % 2 == 0 else -(columns["dlon"][i] + 1) // 2
        town, flags = payload["places"]["town"][columns["place"][i]], columns["flags"][i]
        name = payload["names"][i]
        rows.append({"id": columns["id"][i], "lat": lat / payload["scale"], "lon": lon / payload["scale"],
                     "name": name.replace(TOWN_MARK, town, 1) if flags & FLAG_TOWN_IN_NAME else name,
                     "town": town, "approximate": bool(flags & FLAG_APPROXIMATE),
                     "mrc": payload["places"]["mrc"][columns["place"][i]],
                     "sectors": [code for bit, code in enumerate(payload["vocabulary"]["sectors"])
                                 if columns["sectors"][i] & (1 << bit)],
                     "items": [code for bit, code in enumerate(payload["vocabulary"]["items"])
                               if columns["items"][i] & (1 << bit)]})
    return rows


def test_map_data_holds_published_located_enterprises_only(db_session, connection):
    shown = insert_enterprise(connection, name="Ressourcerie visible")
    insert_enterprise(connection, name="Brouillon caché", published=False)
    rows = decoded(enterprises_document(db_session))
    assert [row["name"] for row in rows if row["id"] >= shown] == ["Ressourcerie visible"]
    assert {row["name"] for row in rows} & {"Brouillon caché"} == set()


def test_map_data_never_carries_staff_fields(client, connection):
    insert_enterprise(connection, contact_person="Josée Secrète", internal_notes="Ne pas publier XYZ")
    body = client.get("/carte/donnees.json").get_data(as_text=True)
    assert "Josée Secrète" not in body and "XYZ" not in body
    assert "contact_person" not in body and "internal_notes" not in body


def test_map_data_decodes_ids_positions_sectors_and_approximate_flag(db_session, connection):
    exact = insert_enterprise(connection, sectors=["friperie", "reparation"], lat=46.1185)
    rough = insert_enterprise(connection, geocode_precision="postal_code")
    far = insert_enterprise(connection, lat=45.5017, lon=-73.5673, mrc_code="66", municipality_code="66023")
    rows = {row["id"]: row for row in decoded(enterprises_document(db_session))}
    assert rows[exact]["sectors"] == ["friperie", "reparation"]
    assert rows[exact]["lat"] == 46.1185 and not rows[exact]["approximate"]
    assert (rows[far]["lat"], rows[far]["lon"], rows[far]["town"], rows[far]["mrc"]) == (
        45.5017, -73.5673, "Montréal", "66")
    assert rows[rough]["approximate"]


def test_map_data_restores_names_with_their_town_once_written_in_the_name(db_session, connection):
    names = ["Ressourcerie de Saint-Georges", "Saint-Georges aide Saint-Georges", "Atelier ~ de Saint-Georges",
             "Friperie sans ville", "Comptoir ~ Saint-Georges ~", "Saint-Georges"]
    ids = {insert_enterprise(connection, name=name): name for name in names}
    document = enterprises_document(db_session)
    rows = {row["id"]: row for row in decoded(document)}
    assert {id_: rows[id_]["name"] for id_ in ids} == ids
    assert "Ressourcerie de Saint-Georges" not in document and "Saint-Georges aide Saint-Georges" not in document


def test_map_data_restores_a_town_missing_from_the_municipalities(db_session, connection):
    weird = insert_enterprise(connection, name="Coop $& du Rang $&", municipality_name="Rang $&",
                              municipality_code=None)
    assert {row["id"]: row["name"] for row in decoded(enterprises_document(db_session))}[weird] == "Coop $& du Rang $&"


def test_map_data_restores_large_ids_far_positions_and_every_item(db_session, connection):
    north = insert_enterprise(connection, id=2 ** 40 + 7, lat=62.4179, lon=-77.9072, items=["meubles", "nourriture"])
    south = insert_enterprise(connection, lat=45.0061, lon=-57.1302, items=[])
    rows = {row["id"]: row for row in decoded(enterprises_document(db_session))}
    assert (rows[north]["lat"], rows[north]["lon"], rows[north]["items"]) == (62.4179, -77.9072,
                                                                               ["meubles", "nourriture"])
    assert (rows[south]["lat"], rows[south]["lon"], rows[south]["items"]) == (45.0061, -57.1302, [])


def test_map_data_with_no_enterprise_is_an_empty_but_complete_payload(db_session, connection):
    connection.execute(text("UPDATE enterprise SET published = false"))
    payload = json.loads(enterprises_document(db_session))
    assert payload["count"] == 0 and payload["names"] == [] and payload["ids"]["digits"] == ""
    assert set(payload["columns"]) == set(NUMBER_COLUMNS) and set(payload["columns"].values()) == {""}


def test_map_data_answers_304_to_its_own_etag_and_changes_with_the_data(client, connection):
    insert_enterprise(connection)
    first = client.get("/carte/donnees.json")
    assert first.status_code == 200 and "max-age" in first.headers["Cache-Control"]
    again = client.get("/carte/donnees.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    insert_enterprise(connection, name="Nouvelle friperie")
    changed = client.get("/carte/donnees.json", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_map_data_is_gzipped_when_the_browser_accepts_it(client, connection):
    insert_enterprise(connection, name="Comptoir compressé")
    response = client.get("/carte/donnees.json", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Comptoir compressé" in gzip.decompress(response.data).decode()


def test_mrc_boundaries_are_a_light_geojson_with_every_mrc(client):
    response = client.get("/carte/mrc.geojson")
    features = json.loads(response.data)["features"]
    assert len(features) == 104 and len(response.data) < 200_000


def test_a_full_postal_code_resolves_to_its_centre(db_session):
    place = resolve_place(db_session, "g5y1l3")
    assert place.precision == "postal_code" and place.label.startswith("G5Y 1L3")
    assert abs(place.lat - 46.12) < 0.05 and abs(place.lon + 70.67) < 0.05


def test_an_unknown_postal_code_falls_back_to_its_area(db_session):
    assert resolve_place(db_session, "G5Y 9Z9").precision == "fsa"


def test_a_municipality_resolves_with_or_without_accents_and_abbreviations(db_session):
    assert resolve_place(db_session, "trois rivieres").label == "Trois-Rivières"
    assert resolve_place(db_session, "St-Georges").label == "Saint-Georges"


def test_an_address_resolves_to_its_postal_code_else_its_municipality(db_session):
    assert resolve_place(db_session, "1234 rue X, Montréal H2X 1Y4").precision == "postal_code"
    place = resolve_place(db_session, "100 1re Avenue, Saint-Georges")
    assert (place.label, place.precision) == ("Saint-Georges", "municipality")


def test_place_endpoint_explains_what_it_could_not_find(client):
    missing = client.get("/carte/lieu?q=Atlantide")
    assert missing.status_code == 404 and "Lieu introuvable" in missing.json["error"]["message"]
    empty = client.get("/carte/lieu?q=")
    assert empty.status_code == 400 and "q" in empty.json["error"]["message"]
    assert client.get("/carte/lieu?q=" + "x" * 500).status_code == 400


def test_place_endpoint_answers_json_coordinates(client):
    assert client.get("/carte/lieu?q=G5Y 1L3").json["precision"] == "postal_code"
