"""The embed for other sites, its builder and the MRC pages: framing, cookies, snippets, counts."""

from __future__ import annotations

import re

from tests.helpers import insert_enterprise


def frame_ancestors(response) -> str:
    """The frame-ancestors directive of a response's CSP."""
    return re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"]).group(1)


def test_only_the_embed_may_be_framed_by_other_sites(client):
    embed = client.get("/embed?mrc=29")
    assert frame_ancestors(embed) == "*" and "X-Frame-Options" not in embed.headers
    for url in ("/mrc", "/mrc/29", "/integrer", "/api/", "/api/enterprises", "/export/enterprises.csv"):
        response = client.get(url)
        assert frame_ancestors(response) == "'none'", url
        assert response.headers["X-Frame-Options"] == "DENY", url


def test_the_allowed_framing_sites_come_from_the_setting(app):
    app.config["FRAME_ANCESTORS"] = "https://www.mrc-exemple.qc.ca"
    response = app.test_client().get("/embed")
    assert frame_ancestors(response) == "'self' https://www.mrc-exemple.qc.ca"


def test_the_embed_sets_no_cookie_and_needs_no_third_party_script(client):
    response = client.get("/embed?mrc=29&sector=ressourcerie&lang=en")
    page = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert '<html lang="en">' in page and "Show the list" in page and "Full map" in page
    assert re.findall(r'<script[^>]+src="(https?:)?//', page) == []


def test_the_embed_passes_its_filters_to_the_api_as_json(client):
    page = client.get("/embed?mrc=29&sector=ressourcerie&item=sofa").get_data(as_text=True)
    config = re.search(r'<script type="application/json" id="embed-config">(.*?)</script>', page).group(1)
    assert "mrc=29" in config and "sector=ressourcerie" in config and "item=sofa" in config
    assert "/api/mrc/29" in config


def test_the_list_view_shows_escaped_names(client, connection):
    insert_enterprise(connection, name="<img src=x onerror=alert(1)> Ressourcerie")
    page = client.get("/embed?mrc=29&view=list").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; Ressourcerie" in page
    assert "<img src=x" not in page


def test_a_bad_embed_parameter_is_a_400_page_naming_it(client):
    response = client.get("/embed?view=grille")
    assert response.status_code == 400 and "view" in response.get_data(as_text=True)
    assert client.get("/embed?mrc=999").status_code == 400


def test_the_builder_offers_a_snippet_with_a_title_and_the_host_script(client):
    page = client.get("/integrer?mrc=29&sector=ressourcerie&lang=en&view=list").get_data(as_text=True)
    snippet = re.search(r'<textarea id="builder-snippet"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "&lt;iframe src=&#34;http://localhost/embed?mrc=29&amp;amp;sector=ressourcerie" in snippet
    assert "title=&#34;" in snippet and "Beauce-Sartigan" in snippet
    assert "/static/embed/host.js" in snippet
    assert 'id="builder-preview"' in page and 'src="/embed?mrc=29&amp;sector=ressourcerie' in page


def test_mrc_index_lists_mrcs_by_region_with_counts(client, connection):
    insert_enterprise(connection, name="Ressourcerie A")
    insert_enterprise(connection, name="Cachée", published=False)
    page = client.get("/mrc").get_data(as_text=True)
    assert "Chaudière-Appalaches" in page and page.count("data-mrc=") == 104
    row = page[page.index('data-mrc="29"') :].split("</tr>")[0]
    assert "<td>1</td>" in row and 'href="/mrc/29' in row


def test_an_mrc_page_has_its_map_counts_list_and_snippet(client, connection):
    insert_enterprise(
        connection, name="Ressourcerie A", sectors=["ressourcerie"], items=["meubles", "livres"]
    )
    insert_enterprise(connection, name="Friperie B", sectors=["friperie"], items=["vetements"])
    page = client.get("/mrc/29").get_data(as_text=True)
    assert "<h1>Beauce-Sartigan</h1>" in page
    assert re.search(r'data-sector="friperie"><td>Friperie</td><td>1</td>', page)
    assert re.search(r'data-item="meubles"><td>Meubles</td><td>1</td>', page)
    assert "Ressourcerie A" in page and "Friperie B" in page
    assert 'class="mrc-map" src="/embed?mrc=29' in page and "&lt;iframe" in page


def test_an_unknown_mrc_page_is_a_404(client):
    assert client.get("/mrc/ZZZ").status_code == 404
    assert client.get("/mrc/" + "x" * 500).status_code == 404


def test_leaflet_and_markercluster_are_served_by_the_app(client, app):
    from carte.web.vendor import vendor_url

    with app.test_request_context():
        urls = [
            vendor_url("leaflet", "leaflet.js"),
            vendor_url("leaflet", "leaflet.css"),
            vendor_url("leaflet-markercluster", "leaflet.markercluster.js"),
            "/static/embed/host.js",
        ]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_embedded_map_credits_the_geodata_and_postal_codes(client):
    page = client.get("/embed?mrc=29").get_data(as_text=True)
    assert "Gouvernement du Qu" in page and "GeoNames" in page
