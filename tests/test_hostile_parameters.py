"""Hostile request parameters: a 400 naming the parameter (a French page on HTML routes), never a 500,
and a correct answer where the value is legitimately valid."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.helpers import insert_enterprise

JSON_LISTS = ["/api/enterprises", "/export/enterprises.csv", "/export/enterprises.geojson"]
#: The embed and its builder read the filters through the same function; the embed stands for both
#: where the cases are many.
HTML_FILTERED = ["/embed", "/integrer"]
HUGE = "a" * 10_000

#: (parameter, value) pairs that no endpoint taking the filters may accept.
REFUSED = [
    ("bbox", "NaN,NaN,NaN,NaN"),
    ("bbox", "Infinity,0,1,1"),
    ("bbox", "-Infinity,0,1,1"),
    ("bbox", "1e309,0,1,1"),
    ("bbox", "10,10,0,0"),
    ("bbox", "0,0,0,0"),
    ("bbox", "-200,0,0,1"),
    ("bbox", "0,-91,1,1"),
    ("bbox", "1,2,3"),
    ("bbox", "1,2,3,4,5"),
    ("bbox", "a,b,c,d"),
    ("bbox", HUGE),
    ("bbox", "0x1,0,1,1"),
    ("bbox", "1_0,0,20,1"),
    ("bbox", "\uff11,0,2,1"),
    ("near", "NaN,NaN"),
    ("near", "inf,0"),
    ("near", "1e309,0"),
    ("near", "91,0"),
    ("near", "0,181"),
    ("near", "-90.0001,0"),
    ("near", "46"),
    ("near", HUGE),
    ("radius_km", "NaN"),
    ("radius_km", "-1"),
    ("radius_km", "0"),
    ("radius_km", "1e309"),
    ("radius_km", "5000"),
    ("q", HUGE),
    ("q", "a\tb"),
    ("q", "\x1b[31m"),
    ("item", "%"),
    ("item", "_"),
    ("item", HUGE),
    ("item", "' OR '1'='1"),
    ("sector", "contact_person"),
    ("sector", "internal_notes"),
    ("sector", "'; DROP TABLE enterprise; --"),
    ("sector", "%"),
    ("sector", HUGE),
    ("service", "x' OR '1'='1"),
    ("mrc", "%"),
    ("mrc", "_"),
    ("mrc", "29' OR '1'='1"),
    ("mrc", HUGE),
    ("region", "%"),
    ("region", "99"),
    ("lang", "xx"),
    ("lang", "EN"),
    ("lang", HUGE),
    ("open_now", "maybe"),
]
#: Values that look odd but are valid: each gets a normal answer.
ACCEPTED = [
    ("bbox", "-180,-90,180,90"),
    ("bbox", "-80,44,-57,63"),
    ("bbox", "-70.7,46.1,-70.6,46.2"),
    ("bbox", "+1e1,-1e1,2E1,.5e1"),
    ("near", "46.1185,-70.6656"),
    ("near", "90,180"),
    ("near", "-90,-180"),
    ("q", "%"),
    ("q", "_"),
    ("q", "%%_\\"),
    ("q", "' OR 1=1 --"),
    ("q", "Robert'); DROP TABLE enterprise;--"),
    ("q", "\u202eégassem"),
    ("q", "a" * 200),
    ("item", "sofa"),
    ("item", "'; DROP TABLE x; --"),
    ("sector", "ressourcerie,friperie"),
    ("mrc", "29"),
    ("region", "12"),
    ("lang", "en"),
    ("open_now", "oui"),
]
#: Paging values of the API's enterprise list (the exports do not page).
PAGING_REFUSED = [
    ("limit", "0"),
    ("limit", "-1"),
    ("limit", "1e3"),
    ("limit", "NaN"),
    ("limit", HUGE),
    ("limit", "\u0661\u0662"),
    ("offset", "-1"),
    ("offset", "1e3"),
    ("offset", "NaN"),
    ("offset", "1000001"),
    ("offset", "99999999999999999999"),
]
PAGING_ACCEPTED = [
    ("limit", "1"),
    ("limit", "1000"),
    ("limit", "99999999999999999999"),
    ("offset", "0"),
    ("offset", "1000000"),
]
#: Parameters no endpoint knows: a sort or a filter on private columns, cursors, typos.
UNKNOWN = ["sort", "order", "contact_person", "internal_notes", "cursor", "secteur", "callback", "x" * 300]


def ids(cases: list[tuple[str, str]]) -> list[str]:
    """Short readable test ids."""
    return [f"{name}={value[:24]!a}" for name, value in cases]


def assert_names_parameter(response, parameter: str) -> None:
    """A 400 JSON error whose error.parameter is the one sent."""
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["parameter"] == parameter[:40]
    assert error["message"].startswith(f"Paramètre « {parameter[:40]} » invalide")


@pytest.mark.parametrize(("parameter", "value"), REFUSED, ids=ids(REFUSED))
def test_a_hostile_filter_gets_a_400_naming_the_parameter(client, parameter, value):
    for path in JSON_LISTS:
        assert_names_parameter(client.get(path, query_string={parameter: value}), parameter)


@pytest.mark.parametrize(("parameter", "value"), REFUSED, ids=ids(REFUSED))
def test_a_hostile_filter_on_a_page_gets_a_french_400_page(client, parameter, value):
    response = client.get("/embed", query_string={parameter: value})
    assert response.status_code == 400
    assert f"Paramètre « {parameter} » invalide" in response.get_data(as_text=True)


@pytest.mark.parametrize(("parameter", "value"), ACCEPTED, ids=ids(ACCEPTED))
def test_an_odd_but_valid_filter_gets_a_normal_answer(client, connection, parameter, value):
    insert_enterprise(connection, name="Ressourcerie témoin")
    for path in ["/api/enterprises", "/export/enterprises.csv", "/embed"]:
        response = client.get(path, query_string={parameter: value})
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize(("parameter", "value"), PAGING_REFUSED, ids=ids(PAGING_REFUSED))
def test_hostile_paging_gets_a_400_naming_the_parameter(client, parameter, value):
    assert_names_parameter(client.get("/api/enterprises", query_string={parameter: value}), parameter)


@pytest.mark.parametrize(("parameter", "value"), PAGING_ACCEPTED, ids=ids(PAGING_ACCEPTED))
def test_large_paging_values_are_capped_not_refused(client, parameter, value):
    collection = client.get("/api/enterprises", query_string={parameter: value}).get_json()
    assert collection["limit"] <= 1000 and collection["offset"] <= 1_000_000


@pytest.mark.parametrize("parameter", UNKNOWN)
def test_an_unknown_parameter_of_a_json_endpoint_is_refused(client, parameter):
    for path in JSON_LISTS + ["/api/sectors", "/api/mrc", "/api/openapi.json"]:
        assert_names_parameter(client.get(path, query_string={parameter: "contact_person"}), parameter)


def test_pages_ignore_unknown_parameters_such_as_tracking_ones(client):
    for path in ["/", "/embed", "/integrer", "/mrc", "/api/", "/carte/donnees.json"]:
        response = client.get(path, query_string={"utm_source": "x", "fbclid": "y", "sort": "internal_notes"})
        assert response.status_code == 200, path


@pytest.mark.parametrize(
    ("parameter", "repeated"),
    [
        ("q", ["a", "b"]),
        ("mrc", ["29", "66"]),
        ("bbox", ["-80,44,-57,63", "-1,-1,1,1"]),
        ("near", ["46,-71", "45,-73"]),
        ("lang", ["fr", "en"]),
        ("open_now", ["true", "false"]),
    ],
)
def test_a_single_valued_parameter_given_twice_is_refused(client, parameter, repeated):
    for path in JSON_LISTS + HTML_FILTERED:
        response = client.get(path, query_string={parameter: repeated})
        assert response.status_code == 400 and "plusieurs fois" in response.get_data(as_text=True), path


def test_repeated_list_parameters_add_up(client, connection):
    insert_enterprise(connection, name="Une ressourcerie", sectors=["ressourcerie"])
    insert_enterprise(connection, name="Une friperie", sectors=["friperie"])
    response = client.get("/api/enterprises?sector=ressourcerie&sector=friperie&sector=ressourcerie")
    assert response.get_json()["numberMatched"] == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("%", ["100% récup"]),
        ("_", ["Atelier_bois"]),
        ("0%", ["100% récup"]),
        ("r_c", []),
        ("\\", ["Dos\\slash"]),
        ("%_", []),
    ],
)
def test_like_wildcards_in_the_text_search_match_themselves(client, connection, query, expected):
    for name in ("100% récup", "Atelier_bois", "Atelier bois", "Recyclerie", "Dos\\slash"):
        insert_enterprise(connection, name=name)
    collection = client.get("/api/enterprises", query_string={"q": query}).get_json()
    assert sorted(f["properties"]["name"] for f in collection["features"]) == expected


def test_sql_in_the_text_search_is_only_text(client, connection):
    insert_enterprise(connection, name="Ressourcerie témoin")
    response = client.get("/api/enterprises", query_string={"q": "x' OR '1'='1"})
    assert response.get_json()["numberMatched"] == 0
    assert (
        connection.execute(
            text("SELECT count(*) FROM enterprise WHERE name = 'Ressourcerie témoin'")
        ).scalar()
        == 1
    )


def test_the_text_search_never_reads_private_columns(client, connection):
    insert_enterprise(
        connection, name="Ressourcerie", contact_person="Canari Privé", internal_notes="canari-note-interne"
    )
    for query in ("Canari", "canari-note-interne"):
        assert client.get("/api/enterprises", query_string={"q": query}).get_json()["numberMatched"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/mrc/%00",
        "/mrc/%00",
        "/api/enterprises?q=%00",
        "/embed?q=a%00b",
        "/carte/lieu?q=%00",
        "/?q=%00",
        "/api/enterprises?%00=1",
        "/carte/lignes?n=%00",
        "/carte/recherche?q=a%00",
    ],
)
def test_a_nul_character_anywhere_in_the_address_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "nul" in response.get_data(as_text=True)


def test_a_nul_character_in_a_form_field_is_a_400(client):
    response = client.post("/admin/connexion", data={"email": "a\x00@b.c", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["/api/enterprises?q=%FF%FE", "/api/enterprises?q=%ED%A0%80", "/?q=%FF", "/embed?q=%C3"]
)
def test_invalid_utf8_in_the_query_is_read_as_text_not_an_error(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/mrc/'%20OR%201=1",
        "/api/mrc/%25",
        "/mrc/%25",
        "/api/mrc/" + HUGE,
        "/api/enterprises/99999999999999999999999",
        "/entreprises/99999999999999999999",
    ],
)
def test_hostile_path_segments_are_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("query", ["", "%00", HUGE])
def test_the_place_lookup_names_its_parameter(client, query):
    response = client.get(f"/carte/lieu?q={query}")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "q"


@pytest.mark.parametrize("query", ["%25", "_", "%5C", "'%20OR%201=1%20--", "x" * 200, "%F0%9F%98%80"])
def test_the_maps_text_search_reads_hostile_text_as_text(client, connection, query):
    insert_enterprise(connection, name="Ressourcerie sans rapport")
    version = client.get("/carte/donnees.json").get_json()["version"]
    answer = client.get(f"/carte/recherche?v={version}&q={query}").get_json()
    assert answer["count"] == 0
