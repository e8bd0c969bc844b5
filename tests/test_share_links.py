"""Shared links on the server: the map page opens whatever a link holds, and the map finds a shared
enterprise's row by its id with clear 400s for a bad one."""

from __future__ import annotations

import pytest

from carte.map.payload import build_map_data
from tests.helpers import current_version, insert_enterprise


@pytest.mark.parametrize(
    "query",
    [
        "?sector=inconnu&zoom=99&enterprise=abc&center=1000,2",
        "?near=me&radius_km=-4&bbox=1,2&mrc=%3Cscript%3Ealert(1)%3C/script%3E",
        "?enterprise=99999999999999999999999&zoom=NaN&center=%E2%80%AE",
    ],
)
def test_the_map_page_opens_whatever_a_shared_link_holds(client, query):
    response = client.get(f"/{query}")
    assert response.status_code == 200
    assert "Une partie du lien ouvert n'a pas pu être utilisée" in response.get_data(as_text=True)


def test_the_map_finds_a_shared_enterprise_row_by_its_id(client, db_session, connection):
    shared = insert_enterprise(connection, name="Friperie « partagée »")
    ordinal = build_map_data(db_session).ids.index(shared)
    answer = client.get(f"/carte/lignes?v={current_version(client)}&id={shared}").json
    assert (answer["n"], answer["id"], answer["name"]) == ([ordinal], [shared], ["Friperie « partagée »"])
    assert answer["street"] == ["100 1re Avenue"]


def test_an_enterprise_missing_from_the_map_has_no_row(client, connection):
    hidden = insert_enterprise(connection, published=False)
    answer = client.get(f"/carte/lignes?v={current_version(client)}&id={hidden}").json
    assert answer == {"n": [], "id": [], "name": [], "street": [], "phone": [], "email": []}


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "1e3", "١٢", "9" * 40])
def test_a_bad_enterprise_id_is_a_400_naming_id(client, connection, raw):
    insert_enterprise(connection)
    response = client.get(f"/carte/lignes?v={current_version(client)}&id={raw}")
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == "id"
    assert "n'est pas un numéro d'entreprise" in response.json["error"]["message"]


def test_the_enterprise_page_offers_its_link_by_mail_and_text_message(client, connection):
    enterprise = insert_enterprise(connection, name="Atelier & fils")
    html = client.get(f"/entreprises/{enterprise}").get_data(as_text=True)
    link = f"http%3A//localhost/entreprises/{enterprise}%3Flang%3Dfr"
    assert f'value="http://localhost/entreprises/{enterprise}?lang=fr"' in html
    assert f"mailto:?subject=Atelier%20%26%20fils&amp;body={link}" in html
    assert f'href="sms:?body={link}"' in html
