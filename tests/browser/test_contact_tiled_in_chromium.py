"""Directions, phone and e-mail links in the large-data (tiled) map, as Chromium shows them."""

# ruff: noqa: F811 (pytest fixtures imported from other modules are the tests' parameters)

from __future__ import annotations

import pytest

from tests.browser.test_contact_in_chromium import DIRECTIONS, asked_for_contact, links_of, reachable  # noqa: F401
from tests.browser.test_tiled_map_in_chromium import live_server, tiled_page  # noqa: F401


@pytest.fixture()
def large(reachable, committed_enterprises) -> dict[str, int]:
    """The two enterprises of `reachable` and a third in Montréal: above the test's limit of 2, the map tiles."""
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
    assert links_of(row) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": page_link,
    }
    assert row.locator(".address").inner_text() == "12 rue du Pont"
    tiled_page.locator(".leaflet-marker-icon.pin").first.click()
    popup = tiled_page.locator(".leaflet-popup-content")
    popup.locator(".contact-links").wait_for()
    assert links_of(popup) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": page_link,
    }
    assert asked_for_contact(tiled_page) == []
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
