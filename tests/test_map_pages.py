"""The map page and the enterprise page as served HTML: content, assets, safety."""

from __future__ import annotations

import json
import re

from sqlalchemy import text

from tests.helpers import insert_enterprise

CDN_HOSTS = (
    "cdn.jsdelivr.net",
    "code.jquery.com",
    "cdnjs.cloudflare.com",
    "netdna.bootstrapcdn.com",
    "unpkg.com",
)


def page_config(html: str) -> dict:
    """The JSON the map page hands its script."""
    return json.loads(
        re.search(r'<script type="application/json" id="map-config">(.*?)</script>', html, re.S).group(1)
    )


def test_map_page_composes_a_folium_map_without_cdn_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<div class="folium-map" id="map_[0-9a-f]+"', html)
    assert not any(host in html for host in CDN_HOSTS)
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    assert "/vendor/leaflet/1.9.3/leaflet.js" in html and "leaflet.markercluster.js" in html


def test_every_inline_script_of_the_map_page_carries_the_csp_nonce(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", html):
        assert f'nonce="{nonce}"' in tag


def test_map_page_shows_the_attributions_of_tiles_geodata_and_postal_codes(client):
    html = client.get("/").get_data(as_text=True)
    attribution = json.loads(re.search(r'"attribution": ("(?:[^"\\]|\\.)*")', html).group(1))
    assert "OpenStreetMap" in attribution and "Gouvernement du Québec (CC-BY 4.0)" in attribution
    assert "GeoNames (CC BY 4.0)" in attribution


def test_map_controls_are_titled_in_the_page_language(client):
    assert '"zoomInTitle": "Zoom avant"' in client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '"zoomInTitle": "Zoom in"' in english and '_layersLink.title = "Map layers"' in english


def test_map_page_sends_item_synonyms_to_the_script(client):
    config = page_config(client.get("/").get_data(as_text=True))
    assert config["item_index"]["sofa"] == "meubles" and config["item_index"]["divan"] == "meubles"
    assert "un" in config["stop_words"]


def test_map_page_lists_every_mrc_in_its_filter(client):
    html = client.get("/").get_data(as_text=True)
    options = re.findall(r'<option value="(\w+)" data-region="(\d+)">([^<]+)</option>', html)
    assert len(options) == 104 and ("29", "12", "Beauce-Sartigan") in options


def test_vendored_assets_are_served_with_long_caching_and_unknown_ones_are_404(client):
    response = client.get("/vendor/leaflet-markercluster/1.4.1/leaflet.markercluster.js")
    assert response.status_code == 200 and "31536000" in response.headers["Cache-Control"]
    assert client.get("/vendor/jquery/3.7.1/jquery.js").status_code == 404
    assert client.get("/vendor/leaflet/0.0.1/leaflet.js").status_code == 404


def test_enterprise_page_shows_public_details_and_never_staff_fields(client, connection):
    enterprise = insert_enterprise(
        connection,
        name="Ressourcerie des Appalaches",
        phone="+14185550100",
        website="https://ra.example",
        opening_hours="Mo-Fr 09:00-17:00; Sa 10:00-16:00",
        items=["meubles", "velos"],
        services=["collecte_domicile"],
        contact_person="Josée Secrète",
        internal_notes="Dette XYZ",
    )
    html = client.get(f"/entreprises/{enterprise}").get_data(as_text=True)
    assert "<h1>Ressourcerie des Appalaches</h1>" in html
    assert 'href="tel:+14185550100"' in html and ">418 555-0100</a>" in html
    assert "Vélos" in html and "Collecte à domicile" in html
    assert "Lundi au vendredi : 09:00 à 17:00" in html and "Beauce-Sartigan" in html
    assert 'href="https://www.openstreetmap.org/directions?to=46.1185%2C-70.6656"' in html
    assert 'href="geo:46.1185,-70.6656"' in html
    assert "Josée Secrète" not in html and "XYZ" not in html


def test_enterprise_page_carries_schema_org_json_ld(client, connection):
    enterprise = insert_enterprise(connection, name="Friperie <Solidaire>", postal_code="G5Y 1L3")
    html = client.get(f"/entreprises/{enterprise}").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "LocalBusiness" and data["name"] == "Friperie <Solidaire>"
    assert data["address"]["postalCode"] == "G5Y 1L3" and data["geo"]["latitude"] == 46.1185
    assert "<Solidaire>" not in html


def test_enterprise_page_labels_an_approximate_position(client, connection):
    rough = insert_enterprise(connection, geocode_precision="postal_code")
    exact = insert_enterprise(connection, geocode_precision="address")
    assert "Position approximative" in client.get(f"/entreprises/{rough}").get_data(as_text=True)
    assert "Position approximative" not in client.get(f"/entreprises/{exact}").get_data(as_text=True)


def test_an_unpublished_or_unknown_enterprise_is_a_404(client, connection):
    hidden = insert_enterprise(connection, published=False)
    assert client.get(f"/entreprises/{hidden}").status_code == 404
    assert client.get("/entreprises/987654321").status_code == 404


def test_enterprise_page_in_english(client, connection):
    enterprise = insert_enterprise(connection, items=["meubles"], opening_hours="Sa 10:00-16:00")
    html = client.get(f"/entreprises/{enterprise}?lang=en").get_data(as_text=True)
    assert "Furniture" in html and "Saturday: 10:00 to 16:00" in html


def test_the_map_page_asks_for_tiles_once_a_data_change_passes_the_full_data_limit(app, client, connection):
    """The size check is kept per data version: an import that crosses the limit switches the page at once."""
    published = connection.execute(
        text("SELECT count(*) FROM enterprise WHERE published AND point IS NOT NULL")
    ).scalar_one()
    app.config["MAP_FULL_DATA_LIMIT"] = published
    assert "data_url" in page_config(client.get("/").get_data(as_text=True))
    insert_enterprise(connection)
    assert "tiles_url" in page_config(client.get("/").get_data(as_text=True))


def test_an_enterprise_email_is_given_one_at_a_time_and_never_for_an_unknown_one(client, connection):
    enterprise = insert_enterprise(connection, email="bonjour@exemple.org")
    silent = insert_enterprise(connection, email=None)
    hidden = insert_enterprise(connection, email="cache@exemple.org", published=False)
    answer = client.get(f"/entreprises/{enterprise}/courriel.json")
    assert answer.json == {"email": "bonjour@exemple.org"} and "private" in answer.headers["Cache-Control"]
    for other in (silent, hidden, 999_999_999):
        refused = client.get(f"/entreprises/{other}/courriel.json")
        assert refused.status_code == 404 and "courriel" in refused.json["error"]["message"]
