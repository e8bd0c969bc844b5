"""The order of names a citizen reads, on the real PostGIS: the API's and the map payload's agree with
French collation (accents and case only break ties, ligatures read as their letters)."""

from __future__ import annotations

from carte.map.payload import build_map_data
from tests.helpers import insert_enterprise
from tests.test_map_data import decoded

#: Names in the order a French reader expects them; Canadian French compares accents from the end of the
#: word (cote, côte, coté, côté).
FRENCH_ORDER = [
    "atelier Vélo",
    "Cote",
    "Côte",
    "Coté",
    "Côté",
    "Ecole Saint-Jean",
    "École Saint-Jean",
    "Épicerie solidaire",
    "Oasis du livre",
    "Œuvre de partage",
    "Oeuvre des vêtements",
    "Zèbre et cie",
]


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


def test_the_map_payload_ranks_its_rows_in_the_apis_order(client, db_session, connection):
    named = insert_names(connection, FRENCH_ORDER)
    data = build_map_data(db_session)
    rows = decoded(data.payload.body)
    ranked = sorted(range(len(rows)), key=lambda ordinal: rows[ordinal]["rank"])
    assert sorted(row["rank"] for row in rows) == list(range(len(rows)))
    in_rank_order = [named[data.ids[ordinal]] for ordinal in ranked if data.ids[ordinal] in named]
    assert in_rank_order == FRENCH_ORDER
