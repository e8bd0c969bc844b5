"""The list's order in Chromium, full-data mode: by name as a French reader expects (the server's
collation, which the browser's Intl.Collator agrees with), by distance when near me is on."""

from __future__ import annotations

from tests.helpers import FRENCH_ORDER, HERE, TILE_HOST, blank_tile, browser_order, listed


def open_map(page, live_server: str, query: str = "") -> None:
    """Open the map with base-map tiles answered locally, once drawn."""
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    page.goto(f"{live_server}/{query}")
    page.wait_for_selector("body[data-map-ready]")


def test_the_list_is_in_french_name_order_whatever_the_towns(
    page, live_server, committed_enterprises, screenshot
):
    towns = [
        ("Montréal", "66", "66023", 45.5017, -73.5673),
        ("Québec", "23", "23027", 46.8139, -71.2080),
        ("Saint-Georges", "29", "29073", 46.1185, -70.6656),
    ]
    for i, name in enumerate(reversed(FRENCH_ORDER)):
        town, mrc, code, lat, lon = towns[i % 3]
        committed_enterprises(
            name=name,
            municipality_name=town,
            mrc_code=mrc,
            municipality_code=code,
            lat=lat + i * 0.001,
            lon=lon,
        )
    open_map(page, live_server)
    assert listed(page) == FRENCH_ORDER
    assert browser_order(page, listed(page)) == FRENCH_ORDER
    screenshot(page, "list-order-by-name")


def test_near_me_lists_by_distance_then_by_name(browser, live_server, committed_enterprises, screenshot):
    for name, km_north in [
        ("Zèbre et cie", 1),
        ("École Saint-Jean", 5),
        ("Atelier Vélo", 5),
        ("Oasis du livre", 9),
    ]:
        committed_enterprises(name=name, lat=HERE["latitude"] + km_north / 111.2, lon=HERE["longitude"])
    context = browser.new_context(
        locale="fr-CA", viewport={"width": 1280, "height": 800}, geolocation=HERE, permissions=["geolocation"]
    )
    page = context.new_page()
    open_map(page, live_server)
    assert listed(page) == ["Atelier Vélo", "École Saint-Jean", "Oasis du livre", "Zèbre et cie"]
    page.click("#locate")
    page.wait_for_function("() => new URLSearchParams(location.search).has('near')")
    page.wait_for_function(
        "() => document.querySelector('#results-list li .meta')?.textContent.includes('km')"
    )
    assert listed(page) == ["Zèbre et cie", "Atelier Vélo", "École Saint-Jean", "Oasis du livre"]
    screenshot(page, "list-order-near-me")
    context.close()
