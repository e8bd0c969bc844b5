"""The map still looks like a map without its remote tiles: the tile host unreachable, or CARTE_TILE_URL=none."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from werkzeug.serving import make_server

from carte import create_app
from tests.helpers import TILE_HOST, blank_tile

#: Land polygons in the base layer's pane (under the tiles), MRC outlines in the overlay pane.
LAND = ".leaflet-basemap-pane path"
MRC_OUTLINES = ".leaflet-overlay-pane path"
REGION_NAMES = ".leaflet-basemap-labels-pane .basemap-label"


@pytest.fixture(scope="module")
def offline_server(database_url: str, engine: Engine) -> Iterator[str]:
    """The app with CARTE_TILE_URL=none, and MAP_FULL_DATA_LIMIT at 2 so the sample runs the tiled mode."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "browser-tests",
            "TILE_URL": "none",
            "MAP_FULL_DATA_LIMIT": 2,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def unreachable_tiles(page: Any) -> list[str]:
    """Make every tile request fail as on a blocked network; returns the list of tiles asked for."""
    asked: list[str] = []
    page.route(
        TILE_HOST + "**", lambda route: (asked.append(route.request.url), route.abort("addressunreachable"))
    )
    return asked


def wait_for_basemap(page: Any) -> None:
    """Wait until the land and the 104 MRC outlines are drawn."""
    page.wait_for_function(f"""() => document.querySelectorAll({LAND!r}).length >= 1
        && document.querySelectorAll({MRC_OUTLINES!r}).length >= 104""")


def region_names(page: Any) -> list[str]:
    """The region names shown on the map (as written: the style puts them in capitals)."""
    return page.evaluate(f"""() => Array.from(document.querySelectorAll({REGION_NAMES!r}))
        .filter((label) => label.offsetParent !== null).map((label) => label.textContent)""")


def test_with_the_tile_host_unreachable_the_map_draws_its_own_land_mrcs_and_regions(
    page, live_server, sample, screenshot
):
    asked = unreachable_tiles(page)
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-map-ready]")
    wait_for_basemap(page)
    page.wait_for_selector(".map-area .leaflet-container.basemap-alone")
    assert asked, "the page should have tried its remote tiles"
    assert page.locator(".leaflet-marker-icon").count() >= 1
    assert "Mauricie" in region_names(page) and "Montréal" not in region_names(page)
    land_box = page.locator(LAND).first.bounding_box()
    assert land_box["width"] > 300 and land_box["height"] > 300
    colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('.map-area .leaflet-container')).backgroundColor"
    )
    assert colour == "rgb(198, 219, 233)"  # the water around the land
    screenshot(page, "basemap-tiles-unreachable")
    page.evaluate("() => window.carteMap.map.setView([45.55, -73.65], 9, { animate: false })")
    page.wait_for_function(
        f"() => Array.from(document.querySelectorAll({REGION_NAMES!r}))"
        ".some((label) => label.textContent === 'Montréal' && label.offsetParent !== null)"
    )
    screenshot(page, "basemap-tiles-unreachable-montreal")


def test_with_tiles_that_load_the_base_layer_stays_under_them_without_region_names(page, live_server, sample):
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-map-ready]")
    wait_for_basemap(page)
    page.wait_for_selector(".leaflet-tile-loaded")
    assert page.locator(".map-area .leaflet-container.basemap-alone").count() == 0
    assert region_names(page) == []
    panes = page.evaluate("""() => ['basemap', 'tile', 'overlay'].map((name) =>
        Number(getComputedStyle(document.querySelector(`.leaflet-${name}-pane`)).zIndex))""")
    assert panes[0] < panes[1] < panes[2]


def test_the_mrc_outlines_can_be_hidden_from_the_layer_control(page, live_server, sample):
    unreachable_tiles(page)
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-map-ready]")
    wait_for_basemap(page)
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Limites des MRC").uncheck()
    assert page.locator(MRC_OUTLINES).count() == 0 and page.locator(LAND).count() >= 1


def test_with_tile_url_none_the_tiled_map_makes_no_tile_request_and_still_looks_like_a_map(
    page, offline_server, sample, screenshot
):
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: not request.url.startswith(offline_server + "/") and elsewhere.append(request.url),
    )
    page.goto(offline_server + "/")
    page.wait_for_selector("body[data-map-ready]")
    wait_for_basemap(page)
    page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon.pin').length === 5")
    assert page.locator(".leaflet-tile").count() == 0
    assert elsewhere == []
    assert "Mauricie" in region_names(page)
    assert "Gouvernement du Québec" in page.locator(".leaflet-control-attribution").inner_text()
    screenshot(page, "basemap-tile-url-none-tiled")


def test_the_embed_draws_the_base_layer_when_the_tile_host_is_unreachable(
    page, live_server, sample, screenshot
):
    unreachable_tiles(page)
    page.goto(live_server + "/embed?mrc=29")
    page.wait_for_selector("body[data-loaded]", state="attached")
    wait_for_basemap(page)
    page.wait_for_selector(".embed-map.basemap-alone")
    assert page.locator("body").get_attribute("data-loaded") == "2"
    # The 103 other MRCs' outlines, and the embed's own exact boundary of its MRC instead of a simplified one.
    assert page.locator(MRC_OUTLINES).count() == 104 and page.locator("path.leaflet-interactive").count() == 1
    screenshot(page, "basemap-embed-tiles-unreachable")


def test_an_enterprise_small_map_draws_the_base_layer_only_when_its_tiles_fail(
    page, live_server, sample, screenshot
):
    basemaps: list[str] = []
    page.on("request", lambda request: "/carte/fond.geojson" in request.url and basemaps.append(request.url))
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    page.goto(f"{live_server}/entreprises/{sample['velo']}")
    page.wait_for_selector(".small-map .leaflet-tile-loaded")
    page.wait_for_timeout(300)
    assert basemaps == [] and page.locator(LAND).count() == 0
    page.unroute(TILE_HOST + "**")
    unreachable_tiles(page)
    page.goto(f"{live_server}/entreprises/{sample['velo']}")
    page.wait_for_selector(f".small-map {LAND}")
    assert len(basemaps) == 1
    screenshot(page, "basemap-enterprise-tiles-unreachable")
