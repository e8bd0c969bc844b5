"""The open API on a real PostGIS: filters, public fields only, errors, caching and CORS."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.helpers import insert_enterprise

MONTREAL = {
    "lon": -73.5673,
    "lat": 45.5017,
    "mrc_code": "66",
    "municipality_code": "66023",
    "municipality_name": "Montréal",
    "postal_code": "H2X 1Y4",
}


def names(response) -> list[str]:
    """The enterprise names of a FeatureCollection response, in order."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return [feature["properties"]["name"] for feature in response.get_json()["features"]]


def test_enterprises_are_a_geojson_feature_collection_with_public_properties(client, connection):
    insert_enterprise(
        connection,
        name="Ressourcerie du Granit",
        phone="+14185550101",
        website="https://exemple.org",
        opening_hours="Mo-Fr 09:00-17:00",
        contact_person="Jeanne Secrète",
        internal_notes="NOTE INTERNE",
        email="a@b.c",
    )
    response = client.get("/api/enterprises")
    assert response.content_type == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection" and collection["numberMatched"] == 1
    feature = collection["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-70.6656, 46.1185]}
    properties = feature["properties"]
    assert properties["mrc_name"] == "Beauce-Sartigan" and properties["mrc_code"] == "29"
    assert properties["sectors"] == [{"code": "ressourcerie", "label": "Ressourcerie"}]
    assert properties["url"] == f"http://localhost/entreprises/{feature['id']}"
    assert properties["phone"] == "+14185550101" and properties["geocode_precision"] == "address"
    body = response.get_data(as_text=True)
    assert "Jeanne" not in body and "NOTE INTERNE" not in body and "contact_person" not in body


def test_unpublished_enterprises_are_never_listed_nor_served(client, connection):
    hidden = insert_enterprise(connection, name="Cachée", published=False)
    insert_enterprise(connection, name="Visible")
    assert names(client.get("/api/enterprises")) == ["Visible"]
    assert client.get(f"/api/enterprises/{hidden}").status_code == 404


def test_text_search_ignores_accents_and_case_across_name_description_and_municipality(client, connection):
    insert_enterprise(connection, name="Éco-Quartier Centre")
    insert_enterprise(connection, name="Le Grenier", description="Économie circulaire")
    insert_enterprise(connection, name="Friperie X", **MONTREAL)
    insert_enterprise(connection, name="Autre")
    assert names(client.get("/api/enterprises?q=ECO")) == ["Éco-Quartier Centre", "Le Grenier"]
    assert names(client.get("/api/enterprises?q=montreal")) == ["Friperie X"]


def test_like_wildcards_in_the_search_text_match_themselves(client, connection):
    insert_enterprise(connection, name="Solde 100% réemploi")
    insert_enterprise(connection, name="Solde 1000 articles")
    assert names(client.get("/api/enterprises", query_string={"q": "100%"})) == ["Solde 100% réemploi"]
    assert names(client.get("/api/enterprises", query_string={"q": "_"})) == []
    assert names(client.get("/api/enterprises", query_string={"q": "'; DROP TABLE enterprise; --"})) == []


def test_items_match_codes_and_synonyms(client, connection):
    insert_enterprise(connection, name="Meubles", items=["meubles"])
    insert_enterprise(connection, name="Livres", items=["livres"])
    assert names(client.get("/api/enterprises?item=sofa")) == ["Meubles"]
    assert names(client.get("/api/enterprises?item=meubles&item=livres")) == ["Livres", "Meubles"]


def test_sectors_are_repeatable_and_services_filter(client, connection):
    insert_enterprise(connection, name="A", sectors=["ressourcerie"], services=["collecte_domicile"])
    insert_enterprise(connection, name="B", sectors=["friperie"])
    insert_enterprise(connection, name="C", sectors=["reparation"])
    assert names(client.get("/api/enterprises?sector=ressourcerie&sector=friperie")) == ["A", "B"]
    assert names(client.get("/api/enterprises?service=collecte_domicile")) == ["A"]


def test_mrc_region_and_bbox_narrow_by_place(client, connection):
    insert_enterprise(connection, name="Beauce")
    insert_enterprise(connection, name="Montréal", **MONTREAL)
    assert names(client.get("/api/enterprises?mrc=66")) == ["Montréal"]
    assert names(client.get("/api/enterprises?region=12")) == ["Beauce"]
    assert names(client.get("/api/enterprises?bbox=-73.7,45.4,-73.4,45.7")) == ["Montréal"]


def test_an_empty_bbox_as_the_map_form_sends_it_narrows_nothing(client, connection):
    insert_enterprise(connection, name="Beauce")
    insert_enterprise(connection, name="Montréal", **MONTREAL)
    assert sorted(names(client.get("/api/enterprises?bbox="))) == ["Beauce", "Montréal"]
    assert sorted(names(client.get("/api/enterprises?bbox=%20%20"))) == ["Beauce", "Montréal"]


@pytest.mark.parametrize("bbox", [",,,", "%20,%20,%20,%20", "-73.7,45.4,,45.7"])
def test_a_bbox_with_empty_numbers_gets_a_clear_french_400_naming_bbox(client, bbox):
    response = client.get(f"/api/enterprises?bbox={bbox}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == "bbox"
    assert (
        error["message"].startswith("Paramètre « bbox » invalide")
        and "n'est pas un nombre" in error["message"]
    )
    page = client.get(f"/embed?bbox={bbox}")
    assert page.status_code == 400 and "Paramètre « bbox » invalide" in page.get_data(as_text=True)


def test_near_sorts_by_distance_and_keeps_the_radius(client, connection):
    insert_enterprise(connection, name="Loin", lon=-70.60, lat=46.20)
    insert_enterprise(connection, name="Proche", lon=-70.665, lat=46.119)
    insert_enterprise(connection, name="Montréal", **MONTREAL)
    response = client.get("/api/enterprises?near=46.1185,-70.6656&radius_km=50")
    assert names(response) == ["Proche", "Loin"]
    distances = [f["properties"]["distance_km"] for f in response.get_json()["features"]]
    assert distances[0] < 0.2 and 9 < distances[1] < 12


def test_open_now_keeps_only_enterprises_open_at_this_moment(client, connection):
    insert_enterprise(connection, name="Toujours", opening_hours="24/7")
    insert_enterprise(connection, name="Jamais", opening_hours="Mo-Su off")
    insert_enterprise(connection, name="Inconnu")
    response = client.get("/api/enterprises?open_now=true")
    assert names(response) == ["Toujours"]
    assert response.get_json()["numberMatched"] == 1


def test_labels_follow_lang(client, connection):
    insert_enterprise(connection, name="A", sectors=["ressourcerie"], items=["vetements"])
    properties = client.get("/api/enterprises?lang=en").get_json()["features"][0]["properties"]
    assert properties["sectors"][0]["label"] == "Reuse centre"
    assert properties["items"][0]["label"] == "Clothing"


def test_pages_carry_the_total_and_a_link_to_the_next(client, connection):
    for number in range(5):
        insert_enterprise(connection, name=f"E{number}")
    first = client.get("/api/enterprises?limit=2").get_json()
    assert first["numberMatched"] == 5 and first["numberReturned"] == 2
    assert [f["properties"]["name"] for f in first["features"]] == ["E0", "E1"]
    following = client.get(first["next"].replace("http://localhost", "")).get_json()
    assert [f["properties"]["name"] for f in following["features"]] == ["E2", "E3"]
    last = client.get("/api/enterprises?limit=2&offset=4").get_json()
    assert last["next"] is None and last["numberReturned"] == 1


def test_one_enterprise_is_a_feature_and_unknown_ids_are_404(client, connection):
    identifier = insert_enterprise(connection, name="Seule")
    assert client.get(f"/api/enterprises/{identifier}").get_json()["properties"]["name"] == "Seule"
    for unknown in ("0", "987654321", "9" * 40, "abc", "-1"):
        response = client.get(f"/api/enterprises/{unknown}")
        assert response.status_code == 404 and "error" in response.get_json()


NASTY = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "%",
    "_",
    "%%_",
    "x" * 10_000,
    "' OR 1=1 --",
    '"; DROP TABLE enterprise; --',
    "\\",
    "\u202e",
    "😀",
    "-180,-90,180,90",
    "1,1,0,0",
    "0,0,0,0",
]
PARAMETERS = [
    "q",
    "item",
    "sector",
    "service",
    "mrc",
    "region",
    "bbox",
    "near",
    "radius_km",
    "open_now",
    "lang",
    "limit",
    "offset",
]


def test_hostile_values_get_a_400_naming_the_parameter_or_a_result_never_a_500(client):
    for parameter in PARAMETERS:
        for value in NASTY:
            extra = {"near": "46,-71"} if parameter == "radius_km" else {}
            response = client.get("/api/enterprises", query_string={parameter: value, **extra})
            assert response.status_code in (200, 400), (parameter, value, response.status_code)
            if response.status_code == 400:
                assert response.get_json()["error"]["parameter"] == parameter


def test_error_messages_are_french_and_english_on_request(client):
    french = client.get("/api/enterprises?bbox=1").get_json()["error"]["message"]
    english = client.get("/api/enterprises?bbox=1&lang=en").get_json()["error"]["message"]
    assert "invalide" in french and "Invalid parameter 'bbox'" in english


def test_vocabulary_lists_have_labels_and_items_have_synonyms(client):
    sectors = client.get("/api/sectors?lang=en").get_json()
    assert {"code": "ressourcerie", "label": "Reuse centre"}.items() <= sectors[0].items()
    furniture = next(item for item in client.get("/api/items").get_json() if item["code"] == "meubles")
    assert "sofa" in furniture["synonyms"]


def test_mrc_list_counts_enterprises_per_sector(client, connection):
    insert_enterprise(connection, sectors=["ressourcerie", "friperie"])
    insert_enterprise(connection, sectors=["friperie"])
    insert_enterprise(connection, sectors=["friperie"], published=False)
    mrcs = client.get("/api/mrc").get_json()
    beauce = next(mrc for mrc in mrcs if mrc["code"] == "29")
    assert len(mrcs) == 104
    assert beauce["region_code"] == "12" and beauce["enterprises"] == 2
    assert beauce["sectors"] == {"friperie": 2, "ressourcerie": 1}


def test_an_mrc_comes_with_its_boundary_and_unknown_codes_are_404(client):
    mrc = client.get("/api/mrc/29").get_json()
    assert mrc["geometry"]["type"] == "MultiPolygon" and mrc["properties"]["name"] == "Beauce-Sartigan"
    west, south, east, north = mrc["properties"]["bbox"]
    assert west < -70.6656 < east and south < 46.1185 < north
    assert client.get("/api/mrc/ZZ").status_code == 404
    assert client.get("/api/mrc/" + "x" * 300).status_code == 404


def test_every_answer_has_an_etag_and_a_matching_if_none_match_gets_304(client, connection):
    insert_enterprise(connection)
    for url in (
        "/api/enterprises?mrc=29",
        "/api/sectors",
        "/api/mrc",
        "/api/mrc/29",
        "/api/openapi.json",
        "/export/enterprises.csv",
    ):
        first = client.get(url)
        assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"], url
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b"", url


def test_errors_carry_cache_headers_too(client):
    for url in ("/api/enterprises?bbox=1", "/api/mrc/ZZ"):
        response = client.get(url)
        assert response.headers["ETag"] and "max-age" in response.headers["Cache-Control"], url


def test_the_etag_changes_when_the_data_changes(client, connection):
    before = client.get("/api/enterprises").headers["ETag"]
    insert_enterprise(connection)
    after = client.get("/api/enterprises", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_any_site_may_read_the_api_and_the_exports(client):
    for url in ("/api/enterprises", "/export/enterprises.geojson"):
        assert client.get(url).headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/enterprises",
        headers={
            "Origin": "https://mrc.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_the_api_page_documents_every_endpoint(client):
    page = client.get("/api/").get_data(as_text=True)
    for path in (
        "/api/enterprises",
        "/api/mrc/{code}",
        "/api/items",
        "bbox",
        "open_now",
        "/export/enterprises.csv",
    ):
        assert path in page


def test_the_built_geojson_is_valid_json_even_with_quotes_and_newlines(client, connection):
    insert_enterprise(connection, name='Le "Grenier"\n<script>alert(1)</script>', description="a\\b\tc")
    feature = json.loads(client.get("/api/enterprises").get_data(as_text=True))["features"][0]
    assert feature["properties"]["name"] == 'Le "Grenier"\n<script>alert(1)</script>'


def test_data_version_moves_with_every_change_to_enterprises(connection):
    from sqlalchemy.orm import Session

    from carte.read.queries import data_version

    session = Session(bind=connection)
    before = data_version(session)
    connection.execute(text("UPDATE enterprise SET name = name WHERE false"))
    assert data_version(session) > before


def test_a_page_past_the_end_still_tells_the_total(client, connection):
    for number in range(3):
        insert_enterprise(connection, name=f"E{number}")
    collection = client.get("/api/enterprises?offset=10").get_json()
    assert collection["numberMatched"] == 3 and collection["features"] == []


def test_answers_kept_in_memory_are_replaced_when_the_data_changes(client, connection):
    insert_enterprise(connection, name="Première")
    assert names(client.get("/api/enterprises")) == ["Première"]
    assert names(client.get("/api/enterprises")) == ["Première"]
    insert_enterprise(connection, name="Seconde")
    assert names(client.get("/api/enterprises")) == ["Première", "Seconde"]


def test_results_are_sorted_by_name_ignoring_accents_and_case(client, connection):
    for name in ["Écocentre", "Friperie", "ebénisterie solidaire"]:
        insert_enterprise(connection, name=name)
    assert names(client.get("/api/enterprises")) == ["ebénisterie solidaire", "Écocentre", "Friperie"]


def test_a_renamed_enterprise_is_sorted_by_its_new_name(client, connection):
    first = insert_enterprise(connection, name="Atelier")
    insert_enterprise(connection, name="Boutique")
    connection.execute(text("UPDATE enterprise SET name = 'Zèbre' WHERE id = :id"), {"id": first})
    assert names(client.get("/api/enterprises")) == ["Boutique", "Zèbre"]
