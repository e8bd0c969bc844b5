"""The embed pasted into a page of another site (another loopback origin), as Chromium shows it."""

from __future__ import annotations

import html
import re
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import DIRECTIONS, add_reachable_enterprise, contact_hrefs, contact_requests

pytestmark = pytest.mark.browser


def builder_snippet(app_url: str, query: str) -> str:
    """The snippet the embed builder offers for some choices, as a person would copy it."""
    page = urllib.request.urlopen(f"{app_url}/integrer?{query}", timeout=10).read().decode()
    return html.unescape(
        re.search(r'<textarea id="builder-snippet"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    )


def open_host_page(browser: Any, host_site, snippet: str) -> Any:
    """A page of the host site holding the snippet; requests leaving loopback are recorded."""
    host_url, handler = host_site
    handler.page = (
        f"<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>MRC</title></head>"
        f"<body><h1>Site de la MRC</h1>{snippet}<p>Pied de page</p></body></html>"
    ).encode()
    context = browser.new_context(locale="fr-CA", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.foreign_requests = []
    page.on(
        "request",
        lambda request: (
            urlsplit(request.url).hostname not in ("127.0.0.1", None)
            and page.foreign_requests.append(request.url)
        ),
    )
    page.set_default_timeout(15_000)
    page.goto(host_url + "/")
    return page


def test_an_embed_on_another_site_shows_the_mrc_enterprises_on_its_map(
    browser, host_site, app_server, committed_enterprises, screenshot
):
    for name, lon, lat in (
        ("Ressourcerie de Saint-Georges", -70.6656, 46.1185),
        ("Friperie du Granit", -70.6700, 46.1300),
        ("Comptoir de Saint-Gédéon", -70.6300, 45.8600),
    ):
        committed_enterprises(name=name, lon=lon, lat=lat)
    committed_enterprises(
        name="Ailleurs à Montréal", lon=-73.56, lat=45.50, mrc_code="66", municipality_code="66023"
    )
    page = open_host_page(browser, host_site, builder_snippet(app_server, "mrc=29"))
    frame = page.frame_locator("iframe")
    frame.locator("body[data-loaded]").wait_for(state="attached")
    assert frame.locator("body").get_attribute("data-loaded") == "3"
    assert frame.locator("#embed-status").inner_text() == "3 entreprises sur la carte"
    assert frame.locator("path.leaflet-interactive").count() >= 1  # the MRC boundary
    clusters = [int(text) for text in frame.locator(".marker-cluster span").all_inner_texts()]
    singles = frame.locator(".leaflet-marker-icon:not(.marker-cluster)").count()
    assert sum(clusters) + singles == 3
    page.wait_for_function("document.querySelector('iframe').style.height !== ''")
    assert page.locator("iframe").get_attribute("title").endswith("Beauce-Sartigan")
    screenshot(page, "embed-on-another-site")
    assert page.foreign_requests == []


def test_a_marker_popup_is_built_from_text(browser, host_site, app_server, committed_enterprises, screenshot):
    committed_enterprises(name="<b>Ressourcerie</b> & Cie", lon=-70.6656, lat=46.1185)
    page = open_host_page(browser, host_site, builder_snippet(app_server, "mrc=29&lang=en"))
    frame = page.frame_locator("iframe")
    frame.locator("body[data-loaded='1']").wait_for(state="attached")
    frame.locator(".leaflet-marker-icon").first.click()
    popup = frame.locator(".embed-popup strong")
    assert popup.inner_text() == "<b>Ressourcerie</b> & Cie"
    assert frame.locator(".embed-popup b").count() == 0
    assert frame.locator(".embed-popup a").last.inner_text() == "Full page"
    screenshot(page, "embed-popup")


def test_the_list_view_fits_its_iframe_to_its_height(
    browser, host_site, app_server, committed_enterprises, screenshot
):
    for number in range(25):
        committed_enterprises(name=f"Entreprise {number:02d}", lon=-70.6656, lat=46.1185)
    page = open_host_page(browser, host_site, builder_snippet(app_server, "mrc=29&view=list"))
    frame = page.frame_locator("iframe")
    assert frame.locator(".embed-enterprise").count() == 25
    page.wait_for_function("parseInt(document.querySelector('iframe').style.height) > 800")
    screenshot(page, "embed-list-on-another-site")


def test_the_builder_updates_its_preview_and_snippet_as_choices_change(browser, app_server, screenshot):
    context = browser.new_context(locale="fr-CA", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(app_server + "/integrer")
    page.select_option("#builder-mrc", "29")
    page.check("input[name=sector][value=friperie]")
    page.check("input[name=lang][value=en]")
    snippet = page.locator("#builder-snippet").input_value()
    assert 'title="Social economy map — Beauce-Sartigan"' in snippet
    assert "/embed?mrc=29&amp;sector=friperie&amp;lang=en" in snippet and "host.js" in snippet
    assert (
        page.locator("#builder-preview")
        .get_attribute("src")
        .endswith("/embed?mrc=29&sector=friperie&lang=en")
    )
    page.wait_for_function("""() => {
        const frame = document.getElementById("builder-preview");
        return frame.contentWindow.location.search === "?mrc=29&sector=friperie&lang=en"
            && frame.contentDocument.body && frame.contentDocument.body.dataset.loaded === "0";
    }""")
    assert (
        page.frame_locator("#builder-preview").locator("#embed-status").inner_text()
        == "0 enterprises on the map"
    )
    screenshot(page, "embed-builder")
    context.close()


def test_an_embed_popup_offers_directions_phone_and_email(
    browser,
    host_site,
    app_server,
    committed_enterprises,
    screenshot,
):
    enterprise = add_reachable_enterprise(committed_enterprises)
    page = open_host_page(browser, host_site, builder_snippet(app_server, "mrc=29&lang=en"))
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    frame = page.frame_locator("iframe")
    frame.locator("body[data-loaded='1']").wait_for(state="attached")
    frame.locator(".leaflet-marker-icon").first.click()
    popup = frame.locator(".embed-popup")
    assert contact_hrefs(popup) == {
        "directions": DIRECTIONS,
        "geo": "geo:46.1185,-70.6656",
        "phone": "tel:+14185550100",
        "email": f"/entreprises/{enterprise}?lang=en#contact",
    }
    assert popup.get_by_role("link", name="Call Ressourcerie des Appalaches at 418 555-0100").count() == 1
    assert "Monday to Friday: 09:00 to 17:00" in popup.locator(".hours").inner_text()
    assert popup.locator(".contact-directions").get_attribute("rel") == "noopener"
    assert contact_requests(page.requests) == [] and page.foreign_requests == []
    screenshot(page, "contact-embed-popup")


def test_the_embed_list_offers_directions_phone_and_email_asked_for_on_click(
    browser,
    host_site,
    app_server,
    committed_enterprises,
):
    enterprise = add_reachable_enterprise(committed_enterprises)
    page = open_host_page(browser, host_site, builder_snippet(app_server, "mrc=29&view=list"))
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    row = page.frame_locator("iframe").locator(".embed-enterprise", has_text="Ressourcerie des Appalaches")
    assert contact_hrefs(row) == {
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
    assert contact_requests(page.requests) == [] and page.foreign_requests == []
    row.locator(".contact-email").click()
    row.locator(".contact-email[href^='mailto:']").wait_for()
    assert row.locator(".contact-email").get_attribute("href") == "mailto:bonjour@exemple.org"
    assert contact_requests(page.requests) == [f"{app_server}/entreprises/{enterprise}/courriel.json"]
