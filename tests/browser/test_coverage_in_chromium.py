"""The coverage section of an MRC page as Chromium shows it: shaded municipalities, legend, tables."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, text

from tests.helpers import TILE_HOST, axe_violations, blank_tile

pytestmark = pytest.mark.browser

SAINT_GEORGES = "29073"


def centre(engine: Engine, code: str) -> tuple[float, float]:
    """The (lon, lat) centre of a municipality."""
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT ST_X(point), ST_Y(point) FROM municipality WHERE code = :code"), {"code": code}
        ).one()


@pytest.fixture()
def coverage_page(page, live_server, engine, committed_enterprises):
    """Beauce-Sartigan's page with furniture taken in Saint-Georges and books only far away, tiles local."""
    lon, lat = centre(engine, SAINT_GEORGES)
    committed_enterprises(name="Ressourcerie <b>Beauce</b>", items=["meubles"], lon=lon, lat=lat)
    committed_enterprises(
        name="Bouquinerie de Québec",
        items=["livres"],
        lon=-71.2080,
        lat=46.8139,
        mrc_code="23",
        municipality_code="23027",
        municipality_name="Québec",
    )
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.goto(f"{live_server}/mrc/29?categorie=meubles#couverture")
    page.wait_for_selector('#couverture[data-state="ready"]')
    return page


def disc_colours(page) -> list[str]:
    """The fill colour of each municipality disc on the coverage map."""
    return page.eval_on_selector_all(
        "#coverage-map path.leaflet-interactive[fill-opacity='0.85']",
        "paths => paths.map(p => p.getAttribute('fill'))",
    )


def class_rows(page) -> dict[str, list[str]]:
    """The population table by class code: [municipalities, population]."""
    return page.eval_on_selector_all(
        "#coverage-classes tbody tr",
        """rows => Object.fromEntries(rows.map(
        r => [r.dataset.class, [...r.querySelectorAll('td')].map(td => td.textContent)]))""",
    )


def test_the_coverage_section_shades_municipalities_by_distance_with_a_legend(
    coverage_page, screenshot, engine
):
    with engine.connect() as connection:
        municipalities = connection.execute(
            text("SELECT count(*) FROM municipality WHERE mrc_code = '29' AND point IS NOT NULL")
        ).scalar()
    colours = disc_colours(coverage_page)
    assert len(colours) == municipalities
    # Saint-Georges holds the place (< 5 km, blue); the farthest municipalities are over 15 km (orange, red).
    assert "#2c7bb6" in colours and len(set(colours)) >= 3
    legend = coverage_page.locator("#coverage-legend li").all_inner_texts()
    assert legend == ["moins de 5 km", "5 à 15 km", "15 à 30 km", "plus de 30 km", "aucun lieu"]
    rows = class_rows(coverage_page)
    assert rows["aucun"][0] == "0"
    coverage_page.locator("#couverture").scroll_into_view_if_needed()
    screenshot(coverage_page, "coverage-meubles")
    assert [url for url in coverage_page.foreign_requests if not url.startswith(TILE_HOST)] == []
    # No Content-Security-Policy refusal nor script error.
    assert coverage_page.console_errors == []


def test_choosing_another_category_updates_map_tables_links_and_address(coverage_page, screenshot):
    coverage_page.select_option("#coverage-category", "livres")
    coverage_page.wait_for_selector('#couverture[data-category="livres"][data-state="ready"]')
    # The only bookshop is in Québec City, more than 30 km from every municipality of Beauce-Sartigan.
    assert set(disc_colours(coverage_page)) == {"#d7191c"}
    rows = class_rows(coverage_page)
    assert rows["moins_5"][0] == "0" and rows["plus_30"][0] != "0"
    first = coverage_page.locator("#coverage-municipalities tbody tr").first
    assert "Bouquinerie de Québec" in first.text_content()
    query = parse_qs(urlsplit(coverage_page.url).query)
    assert query["categorie"] == ["livres"]
    csv_link = coverage_page.get_attribute("#coverage-csv", "href")
    assert "categorie=livres" in csv_link
    coverage_page.locator(".coverage-details summary").click()
    assert coverage_page.locator("#coverage-outside-note").is_visible()
    coverage_page.locator("#couverture").scroll_into_view_if_needed()
    screenshot(coverage_page, "coverage-livres")
    coverage_page.select_option("#coverage-category", "jouets")
    coverage_page.wait_for_selector('#couverture[data-category="jouets"][data-state="ready"]')
    assert set(disc_colours(coverage_page)) == {"#404040"}
    assert class_rows(coverage_page)["aucun"][0] != "0"


def test_the_tooltip_shows_the_place_name_as_text(coverage_page):
    coverage_page.locator("#coverage-map path.leaflet-interactive[fill='#2c7bb6']").first.hover()
    tooltip = coverage_page.locator(".leaflet-tooltip.coverage-tip")
    tooltip.wait_for()
    assert "Ressourcerie <b>Beauce</b>" in tooltip.inner_text()
    assert tooltip.locator("b").count() == 0


def test_the_coverage_section_has_no_accessibility_violation(coverage_page):
    violations = [
        line for line in axe_violations(coverage_page) if "coverage" in line or "couverture" in line
    ]
    assert violations == []


def test_the_coverage_section_speaks_english_with_lang_en(coverage_page, live_server, screenshot):
    coverage_page.goto(f"{live_server}/mrc/29?lang=en&categorie=meubles#couverture")
    coverage_page.wait_for_selector('#couverture[data-state="ready"]')
    legend = coverage_page.locator("#coverage-legend li").all_inner_texts()
    assert legend == ["less than 5 km", "5 to 15 km", "15 to 30 km", "more than 30 km", "no place"]
    coverage_page.select_option("#coverage-category", "jouets")
    coverage_page.wait_for_selector('#couverture[data-category="jouets"][data-state="ready"]')
    assert coverage_page.locator('#coverage-classes tr[data-class="aucun"] th').inner_text() == "no place"
    coverage_page.locator(".coverage-details summary").click()
    assert "no place" in coverage_page.locator("#coverage-municipalities tbody tr").first.inner_text()
    coverage_page.locator("#couverture").scroll_into_view_if_needed()
    screenshot(coverage_page, "coverage-en-jouets")
