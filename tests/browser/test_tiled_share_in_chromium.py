"""The tiled map (above MAP_FULL_DATA_LIMIT) in Chromium: the list in French name order from the API,
by distance near me, and a shared link that opens the same view, list and popup."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import FRENCH_ORDER, HERE, browser_order, listed, new_page, ready, shared_link, view_of


@pytest.fixture(scope="module")
def live_server(tiled_live_server: str) -> str:
    """The tiled-mode server stands in for the default one in this module."""
    return tiled_live_server


def test_the_tiled_list_is_in_french_name_order(browser, live_server, committed_enterprises):
    for i, name in enumerate(reversed(FRENCH_ORDER)):
        committed_enterprises(name=name, lat=HERE["latitude"] + i * 0.001, lon=HERE["longitude"] + i * 0.001)
    page = new_page(browser)
    ready(page, f"{live_server}/?center={HERE['latitude']},{HERE['longitude']}&zoom=13")
    page.wait_for_function("() => document.querySelectorAll('#results-list li').length === 12")
    assert listed(page) == FRENCH_ORDER
    assert browser_order(page, FRENCH_ORDER) == FRENCH_ORDER
    page.context.close()


def test_the_tiled_list_near_me_is_by_distance_then_by_name(browser, live_server, committed_enterprises):
    for name, km_north in [
        ("Zèbre et cie", 1),
        ("École Saint-Jean", 5),
        ("Atelier Vélo", 5),
        ("Oasis du livre", 9),
    ]:
        committed_enterprises(name=name, lat=HERE["latitude"] + km_north / 111.2, lon=HERE["longitude"])
    page = new_page(browser, geolocation=HERE, permissions=["geolocation"])
    ready(page, f"{live_server}/")
    page.click("#locate")
    page.wait_for_function(
        "() => document.querySelector('#results-list li .meta')?.textContent.includes('km')"
    )
    assert listed(page) == ["Zèbre et cie", "Atelier Vélo", "École Saint-Jean", "Oasis du livre"]
    page.context.close()


def test_a_tiled_link_opens_the_same_list_popup_and_view(browser, live_server, sample, screenshot):
    sharer = new_page(browser)
    ready(sharer, f"{live_server}/?sector=ressourcerie&sector=reparation")
    sharer.wait_for_function("() => document.querySelectorAll('#results-list li').length === 2")
    sharer.locator("#results-list li", has_text="Atelier Vélo Solidaire").get_by_role(
        "button", name="Voir sur la carte"
    ).click()
    sharer.wait_for_selector(".leaflet-popup-content h3 >> text=Atelier Vélo Solidaire")
    sharer.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    link = shared_link(sharer)
    assert parse_qs(urlsplit(link).query)["enterprise"] == [str(sample["velo"])]
    before = view_of(sharer)

    receiver = new_page(browser)
    ready(receiver, link)
    receiver.wait_for_selector(".leaflet-popup-content h3 >> text=Atelier Vélo Solidaire")
    receiver.wait_for_function(
        "(n) => document.querySelectorAll('#results-list li').length === n", arg=len(before["list"])
    )
    assert view_of(receiver) == before
    screenshot(receiver, "share-tiled-link-opened")
    sharer.context.close()
    receiver.context.close()
