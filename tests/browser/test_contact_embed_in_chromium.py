"""Directions, phone and e-mail links in the embed on another site, asked for by nothing before a click."""

# ruff: noqa: F811 (pytest fixtures imported from other modules are the tests' parameters)

from __future__ import annotations

from tests.browser.test_contact_in_chromium import DIRECTIONS, links_of
from tests.browser.test_embed_in_chromium import app_server, builder_snippet, host_site, open_host_page  # noqa: F401


def add_reachable(committed_enterprises) -> int:
    """An enterprise of Beauce-Sartigan with a street, a phone, an e-mail address and hours."""
    return committed_enterprises(
        name="Ressourcerie des Appalaches",
        street="12 rue du Pont",
        phone="+14185550100",
        email="bonjour@exemple.org",
        opening_hours="Mo-Fr 09:00-17:00",
        lon=-70.6656,
        lat=46.1185,
    )


def contact_requests(page) -> list[str]:
    """Requests a contact link would make."""
    return [url for url in page.requests if "openstreetmap.org/directions" in url or "courriel" in url]


def test_an_embed_popup_offers_directions_phone_and_email(
    browser,
    host_site,
    app_server,
    committed_enterprises,
    screenshot,
):
    enterprise = add_reachable(committed_enterprises)
    page = open_host_page(browser, host_site, builder_snippet(app_server, "mrc=29&lang=en"))
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    frame = page.frame_locator("iframe")
    frame.locator("body[data-loaded='1']").wait_for(state="attached")
    frame.locator(".leaflet-marker-icon").first.click()
    popup = frame.locator(".embed-popup")
    assert links_of(popup) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": f"/entreprises/{enterprise}?lang=en#contact",
    }
    assert popup.get_by_role("link", name="Call Ressourcerie des Appalaches at 418 555-0100").count() == 1
    assert "Monday to Friday: 09:00 to 17:00" in popup.locator(".hours").inner_text()
    assert popup.locator(".contact-directions").get_attribute("rel") == "noopener"
    assert contact_requests(page) == [] and page.foreign_requests == []
    screenshot(page, "contact-embed-popup")


def test_the_embed_list_offers_directions_phone_and_email_asked_for_on_click(
    browser,
    host_site,
    app_server,
    committed_enterprises,
):
    enterprise = add_reachable(committed_enterprises)
    page = open_host_page(browser, host_site, builder_snippet(app_server, "mrc=29&view=list"))
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    row = page.frame_locator("iframe").locator(".embed-enterprise", has_text="Ressourcerie des Appalaches")
    assert links_of(row) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": f"{app_server}/entreprises/{enterprise}#contact",
    }
    assert (
        row.get_by_role(
            "link", name="Itinéraire vers Ressourcerie des Appalaches avec OpenStreetMap (nouvel onglet)"
        ).count()
        == 1
    )
    assert contact_requests(page) == [] and page.foreign_requests == []
    row.locator(".contact-email").click()
    row.locator(".contact-email[href^='mailto:']").wait_for()
    assert row.locator(".contact-email").get_attribute("href") == "mailto:bonjour@exemple.org"
    assert contact_requests(page) == [f"{app_server}/entreprises/{enterprise}/courriel.json"]
