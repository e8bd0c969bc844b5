"""Directions, phone and e-mail links and the print style, as a visitor finds them in Chromium."""

from __future__ import annotations

import re

import pytest

from tests.helpers import (
    DIRECTIONS,
    TILE_HOST,
    add_reachable_enterprise,
    axe_violations,
    blank_tile,
    contact_hrefs,
    contact_requests,
    listed,
)


@pytest.fixture()
def reachable(committed_enterprises) -> dict[str, int]:
    """An enterprise with a street, phone, e-mail and hours in Saint-Georges, and one with none of them."""
    return {
        "reachable": add_reachable_enterprise(committed_enterprises),
        "silent": committed_enterprises(
            name="Comptoir discret",
            street=None,
            phone=None,
            email=None,
            lon=-71.2080,
            lat=46.8139,
            municipality_name="Québec",
            mrc_code="23",
            municipality_code="23027",
        ),
    }


@pytest.fixture()
def visitor(page, live_server, reachable):
    """The page, base-map tiles answered locally, every request recorded (path and query for the app's)."""
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url.removeprefix(live_server)))

    def open_map(query: str = "") -> None:
        page.goto(f"{live_server}/{query}")
        page.wait_for_selector("body[data-map-ready]")

    page.open_map = open_map
    return page


def expect_count(page, n: int) -> None:
    """Wait until the list holds n enterprises."""
    page.wait_for_function(f"() => document.querySelectorAll('#results-list li').length === {n}")


def asked_for_contact(page) -> list[str]:
    """Requests a contact link would make, among the page's."""
    return contact_requests(page.requests)


def test_a_list_row_offers_directions_phone_and_email_and_asks_nothing_before_a_click(visitor, reachable):
    visitor.open_map()
    expect_count(visitor, 2)
    row = visitor.locator("#results-list li", has_text="Ressourcerie des Appalaches")
    assert contact_hrefs(row) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": f"/entreprises/{reachable['reachable']}?lang=fr#contact",
    }
    assert row.locator(".contact-directions").get_attribute("rel") == "noopener"
    assert row.get_by_role("link", name="Appeler Ressourcerie des Appalaches au 418 555-0100").count() == 1
    assert (
        row.get_by_role(
            "link", name="Itinéraire vers Ressourcerie des Appalaches avec OpenStreetMap (nouvel onglet)"
        ).count()
        == 1
    )
    assert row.locator(".address").inner_text() == "12 rue du Pont"
    assert row.locator(".hours").inner_text() == (
        "Heures : Lundi au vendredi : 09:00 à 17:00 · Samedi : 10:00 à 16:00"
    )
    assert axe_violations(visitor) == []
    silent = visitor.locator("#results-list li", has_text="Comptoir discret")
    assert set(contact_hrefs(silent)) == {"directions", "geo"}
    assert asked_for_contact(visitor) == []
    row.locator(".contact-email").click()
    visitor.wait_for_function("() => document.querySelector('.contact-email').protocol === 'mailto:'")
    assert row.locator(".contact-email").get_attribute("href") == "mailto:bonjour@exemple.org"
    assert asked_for_contact(visitor) == [f"/entreprises/{reachable['reachable']}/courriel.json"]


def test_a_popup_offers_the_same_links(visitor, screenshot):
    visitor.open_map("?mrc=29")
    visitor.locator(".leaflet-marker-icon.pin").first.click()
    popup = visitor.locator(".leaflet-popup-content")
    popup.locator(".contact-links").wait_for()
    assert contact_hrefs(popup)["directions"] == DIRECTIONS
    assert contact_hrefs(popup)["phone"] == "tel:+14185550100"
    assert popup.locator(".contact-email").inner_text() == "Courriel"
    assert asked_for_contact(visitor) == []
    screenshot(visitor, "contact-popup")


def test_with_near_me_the_rows_and_popups_say_how_far(visitor, screenshot):
    visitor.context.grant_permissions(["geolocation"])
    visitor.context.set_geolocation({"latitude": 46.1185, "longitude": -70.70})
    visitor.open_map()
    visitor.click("#locate")
    visitor.wait_for_function("() => new URLSearchParams(location.search).has('near')")
    expect_count(visitor, 1)
    # 0.0344 degrees of longitude at 46.1° north: about 2.7 km.
    assert visitor.locator("#results-list li .meta").first.inner_text() == "Saint-Georges · à 2,7 km"
    visitor.get_by_role("button", name="Voir sur la carte").click()
    assert "à 2,7 km" in visitor.locator(".leaflet-popup-content").inner_text()
    screenshot(visitor, "contact-near-me")


def test_the_list_prints_names_addresses_hours_phones_and_items_without_the_map_controls(visitor, screenshot):
    visitor.open_map()
    expect_count(visitor, 2)
    assert visitor.get_by_role("button", name="Imprimer la liste").is_visible()
    visitor.emulate_media(media="print")
    screenshot(visitor, "contact-list-print")
    for hidden in (
        ".filters",
        ".map-area",
        ".leaflet-control-zoom",
        "#filters",
        ".site-header",
        "[data-print]",
        ".result button",
        ".contact-directions",
    ):
        assert not visitor.locator(hidden).first.is_visible(), hidden
    row = visitor.locator("#results-list li", has_text="Ressourcerie des Appalaches")
    for shown in ("h3", ".address", ".hours", ".contact-phone", ".items"):
        assert row.locator(shown).is_visible(), shown
    assert "Meubles" in row.locator(".items").inner_text()


def test_the_enterprise_page_links_and_prints_its_details_without_the_map(
    visitor, live_server, reachable, screenshot
):
    visitor.goto(f"{live_server}/entreprises/{reachable['reachable']}")
    page = visitor.locator("article.enterprise")
    assert contact_hrefs(page) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": "mailto:bonjour@exemple.org",
    }
    assert visitor.get_by_role("link", name="Écrire un courriel à Ressourcerie des Appalaches").count() == 1
    assert asked_for_contact(visitor) == []
    assert axe_violations(visitor) == []
    assert visitor.get_by_role("button", name="Imprimer cette fiche").is_visible()
    screenshot(visitor, "contact-enterprise-page")
    visitor.emulate_media(media="print")
    screenshot(visitor, "contact-enterprise-print")
    for hidden in (".small-map", ".site-header", ".back", "[data-print]", ".leaflet-control-zoom"):
        assert not visitor.locator(hidden).first.is_visible(), hidden
    for shown in ("h1", "address", ".hours", ".contact-phone", ".contact-email", ".print-only"):
        assert visitor.locator(shown).first.is_visible(), shown
    assert DIRECTIONS in visitor.locator(".print-only").inner_text()


def test_the_english_page_names_its_links_in_english(visitor, live_server, reachable):
    visitor.open_map("?lang=en")
    row = visitor.locator("#results-list li", has_text="Ressourcerie des Appalaches")
    row.locator(".contact-links").wait_for()
    assert row.get_by_role("link", name="Call Ressourcerie des Appalaches at 418 555-0100").count() == 1
    assert re.fullmatch(
        r"Hours: Monday to Friday: 09:00 to 17:00 · Saturday: 10:00 to 16:00",
        row.locator(".hours").inner_text(),
    )
    assert listed(visitor)
