"""The order of names a citizen reads, on the real PostGIS: the API's and the map payload's agree with
French collation (accents and case only break ties, ligatures read as their letters)."""

from __future__ import annotations

import base64

import pytest

from carte.map.payload import build_map_data
from tests.helpers import FRENCH_ORDER, current_version, insert_enterprise


def insert_names(connection, names: list[str]) -> dict[int, str]:
    """Insert enterprises named so, in the reverse of the expected order (ids too), close to each other."""
    shuffled = names[::-1]
    return {
        insert_enterprise(connection, name=name, lat=46.1185 + i * 0.0001): name
        for i, name in enumerate(shuffled)
    }


def test_the_api_lists_names_in_french_order(client, connection):
    insert_names(connection, FRENCH_ORDER)
    features = client.get("/api/enterprises?bbox=-70.7,46.1,-70.6,46.2&limit=100").json["features"]
    names = [feature["properties"]["name"] for feature in features]
    assert [name for name in names if name in FRENCH_ORDER] == FRENCH_ORDER


def test_near_me_lists_by_distance_then_by_name(client, connection):
    for name in ("Zèbre et cie", "Atelier Vélo", "École Saint-Jean"):
        insert_enterprise(connection, name=name, lat=46.2, lon=-70.65)
    insert_enterprise(connection, name="Aaa tout près", lat=46.1, lon=-70.65)
    features = client.get("/api/enterprises?near=46.1,-70.65&radius_km=50&limit=100").json["features"]
    names = [feature["properties"]["name"] for feature in features]
    assert names[:4] == ["Aaa tout près", "Atelier Vélo", "École Saint-Jean", "Zèbre et cie"]


def list_page(client, query: str = "") -> dict:
    """The map's list page in name order for the current payload."""
    return client.get(f"/carte/liste?v={current_version(client)}{query}").json


def test_the_map_list_pages_rows_in_the_apis_order(client, connection):
    named = insert_names(connection, FRENCH_ORDER)
    answer = list_page(client, "&count=1000")
    assert [name for name in answer["name"] if name in FRENCH_ORDER] == FRENCH_ORDER
    assert answer["total"] == len(answer["n"]) and set(named) <= set(answer["id"])


def test_the_map_list_pages_only_the_rows_the_page_holds(client, db_session, connection):
    named = insert_names(connection, FRENCH_ORDER)
    ids = build_map_data(db_session).ids
    held = [
        ids.index(enterprise) for enterprise, name in named.items() if name.lower().startswith(("c", "o"))
    ]
    bits = bytearray((len(ids) + 7) // 8)
    for ordinal in held:
        bits[ordinal >> 3] |= 1 << (ordinal & 7)
    query = "&in=" + base64.urlsafe_b64encode(bytes(bits)).decode().rstrip("=")
    second = list_page(client, query + "&from=1&count=2")
    assert second["name"] == ["Côte", "Coté"] and second["total"] == 6  # Œuvre does not start with o
    last = ids.index(next(enterprise for enterprise, name in named.items() if name == "Oeuvre des vêtements"))
    assert list_page(client, f"{query}&at={last}")["index"] == 5
    assert list_page(client, f"{query}&at={ids.index(next(iter(named)))}")["index"] == -1  # Zèbre: not held


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("&in=***", "in"), ("&in=AAAA", "in"), ("&count=5000", "count"), ("&from=-1", "from")],
)
def test_a_bad_list_page_request_is_a_400_naming_its_parameter(client, connection, query, parameter):
    insert_names(connection, FRENCH_ORDER)
    response = client.get(f"/carte/liste?v={current_version(client)}{query}")
    assert response.status_code == 400 and response.json["error"]["parameter"] == parameter
