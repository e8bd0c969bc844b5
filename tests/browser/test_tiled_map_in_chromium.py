"""The large-data map in Chromium: the threshold lowered so the sample runs the tiled mode."""

from __future__ import annotations

import pytest

from tests.helpers import (
    DIRECTIONS,
    TILE_HOST,
    add_reachable_enterprise,
    blank_tile,
    contact_hrefs,
    contact_requests,
    foreign,
    listed,
)


@pytest.fixture(scope="module")
def live_server(tiled_live_server: str) -> str:
    """The tiled-mode server stands in for the default one in this module."""
    return tiled_live_server


@pytest.fixture()
def tiled_page(page, live_server):
    """The page, base-map tiles answered locally, recording the app's data requests."""
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    page.data_requests = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith(live_server)
            and request.resource_type == "fetch"
            and page.data_requests.append(request.url[len(live_server) :])
        ),
    )

    def open_map(query: str = "") -> None:
        page.goto(f"{live_server}/{query}")
        page.wait_for_selector("body[data-map-ready]")
        page.wait_for_selector(".leaflet-marker-icon")
        page.wait_for_function("() => document.querySelectorAll('#results-list li').length > 0")

    page.open_map = open_map
    return page


def markers(page) -> int:
    """How many enterprise pins the map shows."""
    return page.locator(".leaflet-marker-icon.pin").count()


def test_large_mode_draws_the_viewport_from_tiles_and_lists_it_without_the_full_data(
    tiled_page, sample, screenshot
):
    tiled_page.open_map()
    assert sorted(listed(tiled_page)) == sorted(
        [
            "Ressourcerie des Appalaches",
            "Atelier Vélo Solidaire",
            "Friperie du Quartier",
            "Meubles Partage Montréal",
            "Bouquinerie <b>Coop</b>",
        ]
    )
    assert tiled_page.locator("#count").inner_text() == "5 entreprises dans la zone affichée"
    tiled_page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon.pin').length === 5")
    assert any(url.startswith("/tiles/") for url in tiled_page.data_requests)
    assert not any("donnees.json" in url for url in tiled_page.data_requests)
    screenshot(tiled_page, "map-tiled-desktop")
    assert foreign(tiled_page) == []


def test_a_filter_changes_the_tiles_the_markers_and_the_list(tiled_page, sample):
    tiled_page.open_map()
    tiled_page.locator("label.chip", has_text="Friperie").click()
    tiled_page.wait_for_function("() => document.querySelectorAll('#results-list li').length === 1")
    assert listed(tiled_page) == ["Friperie du Quartier"]
    tiled_page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon.pin').length === 1")
    assert any("sector=friperie" in url for url in tiled_page.data_requests if url.startswith("/tiles/"))
    assert tiled_page.locator("#count").inner_text() == "1 entreprise trouvée"


def test_the_list_follows_the_viewport_and_opens_an_enterprise_on_the_map(tiled_page, sample):
    tiled_page.open_map()
    tiled_page.locator("#results-list li", has_text="Friperie du Quartier").get_by_role(
        "button", name="Voir sur la carte"
    ).press("Enter")
    tiled_page.wait_for_selector(".leaflet-popup-content >> text=Friperie du Quartier")
    tiled_page.wait_for_function("() => document.querySelectorAll('#results-list li').length === 1")
    assert listed(tiled_page) == ["Friperie du Quartier"]
    assert markers(tiled_page) == 1


def test_many_enterprises_are_drawn_as_clusters_whose_counts_add_up(
    tiled_page, committed_enterprises, screenshot
):
    for n in range(60):
        committed_enterprises(name=f"Comptoir {n}", lon=-73.6 + n * 0.005, lat=45.5 + n * 0.002)
    tiled_page.open_map()
    tiled_page.wait_for_selector(".cluster")
    counts = tiled_page.locator(".cluster span").all_inner_texts()
    assert sum(int(text.replace("\u202f", "").replace("\xa0", "")) for text in counts) == 60
    assert tiled_page.locator("#count").inner_text() == "60 entreprises dans la zone affichée"
    assert tiled_page.locator("#more").is_visible()
    screenshot(tiled_page, "map-tiled-clusters")
    assert foreign(tiled_page) == []


def test_only_the_entries_placed_coarser_than_their_address_say_their_position_is_approximate(
    tiled_page, sample
):
    tiled_page.open_map()
    listed(tiled_page)
    approximate = tiled_page.locator("#results-list li", has=tiled_page.locator(".approximate"))
    assert approximate.locator("h3").all_inner_texts() == ["Friperie du Quartier"]
    assert approximate.locator(".approximate").inner_text() == "Position approximative"


@pytest.fixture()
def large(committed_enterprises) -> dict[str, int]:
    """An enterprise with a street, phone, e-mail and hours in Saint-Georges, and two others: above the test's
    limit of 2, the map tiles."""
    reachable = {"reachable": add_reachable_enterprise(committed_enterprises)}
    committed_enterprises(
        name="Comptoir discret",
        lon=-71.2080,
        lat=46.8139,
        municipality_name="Québec",
        mrc_code="23",
        municipality_code="23027",
    )
    committed_enterprises(
        name="Meubles Partage Montréal",
        lon=-73.5673,
        lat=45.5017,
        municipality_name="Montréal",
        mrc_code="66",
        municipality_code="66023",
    )
    return reachable


def recording(page, live_server) -> None:
    """Record every request the page makes from now on (the app's as path and query)."""
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url.removeprefix(live_server)))


def test_a_tiled_list_row_and_popup_offer_directions_phone_and_email_without_asking_anything(
    tiled_page, live_server, large, screenshot
):
    recording(tiled_page, live_server)
    tiled_page.open_map("?mrc=29")
    row = tiled_page.locator("#results-list li", has_text="Ressourcerie des Appalaches")
    page_link = f"/entreprises/{large['reachable']}?lang=fr#contact"
    assert contact_hrefs(row) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": page_link,
    }
    assert row.locator(".address").inner_text() == "12 rue du Pont"
    tiled_page.locator(".leaflet-marker-icon.pin").first.click()
    popup = tiled_page.locator(".leaflet-popup-content")
    popup.locator(".contact-links").wait_for()
    assert contact_hrefs(popup) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": page_link,
    }
    assert contact_requests(tiled_page.requests) == []
    screenshot(tiled_page, "contact-tiled-popup")


def test_with_near_me_a_tiled_popup_says_how_far(tiled_page, large):
    tiled_page.context.grant_permissions(["geolocation"])
    tiled_page.context.set_geolocation({"latitude": 46.1185, "longitude": -70.70})
    tiled_page.open_map("?mrc=29")
    tiled_page.click("#locate")
    tiled_page.wait_for_function("() => new URLSearchParams(location.search).has('near')")
    tiled_page.wait_for_function(
        "() => document.querySelector('#results-list li .meta')?.textContent.includes('km')"
    )
    # The API's distance, to 10 m (2,66 km); the popup's from the tile's point, as the full-data map's.
    assert tiled_page.locator("#results-list li .meta").first.inner_text().startswith("Saint-Georges · à 2,")
    tiled_page.get_by_role("button", name="Voir sur la carte").click()
    assert tiled_page.locator(".leaflet-popup-content .contact-distance").inner_text() == "à 2,7 km"
