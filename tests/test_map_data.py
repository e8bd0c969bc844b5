"""The map's data endpoints (payload, rows by ordinal, free-text search) and the "near me" place resolver,
on the real PostGIS."""

from __future__ import annotations

import base64
import gzip
import json

from sqlalchemy import text

from carte.geo.places import resolve_place
from carte.map.payload import DIGITS, FLAG_APPROXIMATE, NUMBER_COLUMNS, build_map_data
from carte.map.rows import MAX_ROWS
from tests.helpers import current_version, insert_enterprise


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


def decoded(document: str | bytes) -> list[dict]:
    """The rows of a compact payload, one dict each in the payload's order, as the page's script reads them."""
    payload = json.loads(document)
    columns = {name: numbers(digits) for name, digits in payload["columns"].items()}
    assert all(len(column) == payload["count"] for column in columns.values())
    rows, lat, lon = [], 0, 0
    for i in range(payload["count"]):
        lat += columns["dlat"][i] // 2 if columns["dlat"][i] % 2 == 0 else -(columns["dlat"][i] + 1) // 2
        lon += columns["dlon"][i] // 2 if columns["dlon"][i] % 2 == 0 else -(columns["dlon"][i] + 1) // 2
        rows.append(
            {
                "lat": lat / payload["scale"],
                "lon": lon / payload["scale"],
                "town": payload["places"]["town"][columns["place"][i]],
                "approximate": bool(columns["flags"][i] & FLAG_APPROXIMATE),
                "mrc": payload["places"]["mrc"][columns["place"][i]],
                "sectors": [
                    code
                    for bit, code in enumerate(payload["vocabulary"]["sectors"])
                    if columns["sectors"][i] & (1 << bit)
                ],
                "items": [
                    code
                    for bit, code in enumerate(payload["vocabulary"]["items"])
                    if columns["items"][i] & (1 << bit)
                ],
            }
        )
    return rows


def rows_by_id(db_session) -> dict[int, dict]:
    """The decoded rows of the current payload, by the enterprise id its ordinal stands for."""
    data = build_map_data(db_session)
    return dict(zip(data.ids, decoded(data.payload.body), strict=True))


def names_of(client, ordinals) -> dict:
    """The rows endpoint's answer for some ordinals of the current payload."""
    return client.get(f"/carte/lignes?v={current_version(client)}&n={','.join(map(str, ordinals))}").json


def found_ordinals(answer: dict) -> set[int]:
    """The ordinals set in a search answer's bitset."""
    bits = base64.b64decode(answer["bits"])
    return {i for i in range(len(bits) * 8) if bits[i >> 3] & (1 << (i & 7))}


def test_map_data_holds_published_located_enterprises_only(db_session, connection):
    shown = insert_enterprise(connection, name="Ressourcerie visible")
    hidden = insert_enterprise(connection, name="Brouillon caché", published=False)
    nowhere = insert_enterprise(connection, name="Sans position")
    connection.execute(text("UPDATE enterprise SET point = NULL WHERE id = :id"), {"id": nowhere})
    ids = build_map_data(db_session).ids
    assert shown in ids and hidden not in ids and nowhere not in ids


def test_map_data_carries_neither_names_nor_ids_nor_staff_fields(client, connection):
    insert_enterprise(
        connection,
        id=987654321,
        name="Ressourcerie Zéphyrine",
        contact_person="Josée Secrète",
        internal_notes="Ne pas publier XYZ",
    )
    body = client.get("/carte/donnees.json").get_data(as_text=True)
    assert "Zéphyrine" not in body and '"names"' not in body and '"ids"' not in body
    assert "987654321" not in body
    assert "Josée Secrète" not in body and "XYZ" not in body
    assert "contact_person" not in body and "internal_notes" not in body


def test_map_data_decodes_positions_places_sectors_and_approximate_flag(db_session, connection):
    exact = insert_enterprise(connection, sectors=["friperie", "reparation"], lat=46.1185)
    rough = insert_enterprise(connection, geocode_precision="postal_code")
    far = insert_enterprise(connection, lat=45.5017, lon=-73.5673, mrc_code="66", municipality_code="66023")
    rows = rows_by_id(db_session)
    assert rows[exact]["sectors"] == ["friperie", "reparation"]
    assert rows[exact]["lat"] == 46.1185 and not rows[exact]["approximate"]
    assert (rows[far]["lat"], rows[far]["lon"], rows[far]["town"], rows[far]["mrc"]) == (
        45.5017,
        -73.5673,
        "Montréal",
        "66",
    )
    assert rows[rough]["approximate"]


def test_map_data_restores_a_town_missing_from_the_municipalities(db_session, connection):
    weird = insert_enterprise(
        connection, name="Coop $& du Rang $&", municipality_name="Rang $&", municipality_code=None
    )
    assert rows_by_id(db_session)[weird]["town"] == "Rang $&"


def test_map_data_restores_far_positions_and_every_item(db_session, connection):
    north = insert_enterprise(
        connection, id=2**40 + 7, lat=62.4179, lon=-77.9072, items=["meubles", "nourriture"]
    )
    south = insert_enterprise(connection, lat=45.0061, lon=-57.1302, items=[])
    rows = rows_by_id(db_session)
    assert (rows[north]["lat"], rows[north]["lon"], rows[north]["items"]) == (
        62.4179,
        -77.9072,
        ["meubles", "nourriture"],
    )
    assert (rows[south]["lat"], rows[south]["lon"], rows[south]["items"]) == (45.0061, -57.1302, [])


def test_map_data_with_no_enterprise_is_an_empty_but_complete_payload(db_session, connection):
    connection.execute(text("UPDATE enterprise SET published = false"))
    data = build_map_data(db_session)
    payload = json.loads(data.payload.body)
    assert payload["count"] == 0 and data.ids == () and payload["version"] == data.version
    assert set(payload["columns"]) == set(NUMBER_COLUMNS) and set(payload["columns"].values()) == {""}


def test_map_data_rows_follow_mrc_town_and_position_with_their_ids(db_session, connection):
    late = insert_enterprise(connection, lat=45.5017, lon=-73.5673, mrc_code="66", municipality_code="66023")
    early = insert_enterprise(connection, mrc_code="29")
    ids = build_map_data(db_session).ids
    assert ids.index(early) < ids.index(late)
    places = [(row["mrc"], row["town"]) for row in decoded(build_map_data(db_session).payload.body)]
    assert places == sorted(places)


def test_the_version_changes_when_the_same_rows_stand_for_other_enterprises(db_session, connection):
    first = insert_enterprise(connection)
    before = build_map_data(db_session)
    connection.execute(text("UPDATE enterprise SET published = false WHERE id = :id"), {"id": first})
    insert_enterprise(connection)  # same place, sectors and items: only the id differs
    after = build_map_data(db_session)
    assert decoded(before.payload.body) == decoded(after.payload.body)
    assert before.version != after.version


def test_rows_endpoint_names_ordinals_in_the_payloads_order(client, db_session, connection):
    named = {
        insert_enterprise(connection, name=name, lat=lat): name
        for name, lat in [("Friperie Nord", 46.2), ("Atelier Sud", 46.0), ("Comptoir ~ $& <b>", 46.1)]
    }
    ids = build_map_data(db_session).ids
    ordinals = [ids.index(enterprise) for enterprise in named]
    answer = names_of(client, ordinals)
    assert {key: answer[key] for key in ("n", "id", "name")} == {
        "n": ordinals,
        "id": list(named),
        "name": list(named.values()),
    }


def test_rows_carry_street_phone_and_only_whether_there_is_an_email(client, db_session, connection):
    reachable = insert_enterprise(
        connection, street="12 rue du Pont", phone="+14185550100", email="bonjour@exemple.org"
    )
    silent = insert_enterprise(connection, street=None, phone=None, email=None)
    ids = build_map_data(db_session).ids
    response = client.get(
        f"/carte/lignes?v={current_version(client)}&n={ids.index(reachable)},{ids.index(silent)}"
    )
    assert {key: response.json[key] for key in ("street", "phone", "email")} == {
        "street": ["12 rue du Pont", None],
        "phone": ["+14185550100", None],
        "email": [True, False],
    }
    # Lists of addresses are never handed out in bulk: the page asks for one when a visitor clicks.
    assert "bonjour@exemple.org" not in response.get_data(as_text=True)


def test_rows_endpoint_answers_304_to_its_own_etag(client, connection):
    insert_enterprise(connection, name="Ressourcerie Élodie")
    url = f"/carte/lignes?v={current_version(client)}&n=0"
    first = client.get(url)
    assert "Élodie" in first.get_data(as_text=True) and "max-age" in first.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_rows_endpoint_never_shows_staff_fields(client, db_session, connection):
    enterprise = insert_enterprise(
        connection, contact_person="Josée Secrète", internal_notes="Ne pas publier XYZ"
    )
    response = client.get(
        f"/carte/lignes?v={current_version(client)}&n={build_map_data(db_session).ids.index(enterprise)}"
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and set(response.json) == {
        "n",
        "id",
        "name",
        "street",
        "phone",
        "email",
    }
    assert "Josée" not in body and "XYZ" not in body


def test_rows_endpoint_refuses_another_version_with_a_409_naming_v(client, connection):
    insert_enterprise(connection)
    old = current_version(client)
    insert_enterprise(connection, name="Nouvelle friperie", lat=45.6)
    stale = client.get(f"/carte/lignes?v={old}&n=0")
    assert stale.status_code == 409 and stale.json["error"]["parameter"] == "v"
    assert "rechargez" in stale.json["error"]["message"]
    english = client.get(f"/carte/lignes?v={old}&n=0&lang=en")
    assert english.status_code == 409 and "load /carte/donnees.json again" in english.json["error"]["message"]
    assert client.get(f"/carte/lignes?v={current_version(client)}&n=0").status_code == 200


def test_rows_endpoint_keeps_its_version_while_unrelated_data_changes(client, connection):
    insert_enterprise(connection)
    version = current_version(client)
    insert_enterprise(connection, name="Brouillon", published=False)
    assert client.get(f"/carte/lignes?v={version}&n=0").status_code == 200


def test_rows_endpoint_refuses_bad_ordinals_with_a_400_naming_n(client, connection):
    insert_enterprise(connection)
    version = current_version(client)
    count = json.loads(client.get("/carte/donnees.json").data)["count"]
    too_many = ",".join(str(i % count) for i in range(MAX_ROWS + 1))
    for bad in ["", "x", "1.5", "-1", "1,,2", str(count), "9" * 40, "٣", too_many]:
        response = client.get(f"/carte/lignes?v={version}&n={bad}")
        assert response.status_code == 400, bad
        assert response.json["error"]["parameter"] == "n", bad
    assert client.get(f"/carte/lignes?v={version}&n=0&n=1").json["error"]["parameter"] == "n"
    assert client.get("/carte/lignes?n=0").json["error"]["parameter"] == "v"
    malformed = client.get("/carte/lignes?v=abc&n=0")
    assert malformed.status_code == 400 and malformed.json["error"]["parameter"] == "v"
    assert client.get(f"/carte/lignes?v={version}&n=0&sort=name").json["error"]["parameter"] == "sort"


def test_rows_endpoint_answers_at_most_a_thousand_distinct_rows(client, connection):
    insert_enterprise(connection)
    answer = client.get(f"/carte/lignes?v={current_version(client)}&n=" + ",".join(["0"] * MAX_ROWS)).json
    assert answer["n"] == [0] and len(answer["name"]) == 1


def test_rows_endpoint_never_shows_an_enterprise_unpublished_since_its_version(
    client, db_session, connection
):
    enterprise = insert_enterprise(connection, name="Bientôt retirée")
    version, ordinal = current_version(client), build_map_data(db_session).ids.index(enterprise)
    connection.execute(text("UPDATE enterprise SET published = false WHERE id = :id"), {"id": enterprise})
    response = client.get(f"/carte/lignes?v={version}&n={ordinal}")
    assert response.status_code == 409 and "Bientôt" not in response.get_data(as_text=True)


def test_search_endpoint_finds_names_descriptions_and_towns_without_accents(client, db_session, connection):
    velo = insert_enterprise(connection, name="Atelier Vélo Solidaire")
    described = insert_enterprise(connection, name="Coop du coin", description="Réparation de VÉLOS")
    insert_enterprise(connection, name="Friperie sans rapport")
    town = insert_enterprise(
        connection,
        name="Comptoir",
        municipality_name="Trois-Rivières",
        mrc_code="371",
        municipality_code="37067",
    )
    hidden = insert_enterprise(connection, name="Vélo caché", published=False)
    ids, version = build_map_data(db_session).ids, current_version(client)
    answer = client.get(f"/carte/recherche?v={version}&q=velo").json
    assert found_ordinals(answer) == {ids.index(velo), ids.index(described)} and answer["count"] == 2
    assert hidden not in ids
    assert found_ordinals(client.get(f"/carte/recherche?v={version}&q=TROIS-RIVIERES").json) == {
        ids.index(town)
    }
    assert found_ordinals(client.get(f"/carte/recherche?v={version}&q=50%25").json) == set()


def test_search_endpoint_refuses_a_stale_version_and_bad_text(client, connection):
    insert_enterprise(connection)
    old = current_version(client)
    insert_enterprise(connection, name="Nouvelle friperie", lat=45.6)
    assert client.get(f"/carte/recherche?v={old}&q=velo").status_code == 409
    version = current_version(client)
    for bad in ["", "%20", "x" * 201, "a%01b"]:
        response = client.get(f"/carte/recherche?v={version}&q={bad}")
        assert response.status_code == 400 and response.json["error"]["parameter"] == "q", bad
    assert client.get("/carte/recherche?q=velo").json["error"]["parameter"] == "v"


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
    insert_enterprise(connection, municipality_name="Ville compressée", municipality_code=None)
    response = client.get("/carte/donnees.json", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Ville compressée" in gzip.decompress(response.data).decode()


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
