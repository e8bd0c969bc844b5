"""The citizen map in Chromium: it talks only to the app and its tile server, asks the position only on a click."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.helpers import GEOLOCATION_COUNTER


def open_watched_map(browser, app_server, query: str = ""):
    """A page granted geolocation, counting its calls and recording the host of every request."""
    context = browser.new_context(
        locale="fr-CA", geolocation={"latitude": 46.1185, "longitude": -70.6656}, permissions=["geolocation"]
    )
    context.add_init_script(GEOLOCATION_COUNTER)
    page = context.new_page()
    page.hosts = []
    page.on("request", lambda request: page.hosts.append(urlsplit(request.url).netloc))
    page.goto(f"{app_server}/{query}")
    page.wait_for_selector("body[data-map-ready]")
    return page


def test_the_map_talks_only_to_the_app_and_its_tiles_and_asks_the_position_only_on_a_click(
    browser, app_server, host_site, committed_enterprises
):
    committed_enterprises(name="Ressourcerie du quartier")
    page = open_watched_map(browser, app_server, "?mrc=29")
    page.fill("#f-item", "un divan")
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__geolocationCalls") == 0
    page.click("#locate")
    page.wait_for_function("() => new URLSearchParams(location.search).has('near')")
    assert page.evaluate("window.__geolocationCalls") == 1
    assert "Près de votre position" in page.locator("#near-status").inner_text()
    app_host, tile_host = urlsplit(app_server).netloc, urlsplit(host_site[0]).netloc
    assert set(page.hosts) == {app_host, tile_host}
    page.context.close()
