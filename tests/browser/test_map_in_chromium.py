"""The citizen map as a visitor uses it in Chromium: filters, near me, keyboard, languages, accessibility."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import TILE_HOST, axe_violations, blank_tile, foreign, listed


@pytest.fixture()
def map_page(page, live_server, sample):
    """The page object, tiles answered locally, and a function opening the map with a query string."""
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))

    def open_map(query: str = "") -> None:
        page.goto(f"{live_server}/{query}")
        page.wait_for_selector("body[data-map-ready]")

    page.open_map = open_map
    return page


def test_map_shows_every_enterprise_in_list_and_markers_without_foreign_requests(map_page, screenshot):
    map_page.open_map()
    # By name: the server gives the list's pages in name order.
    assert listed(map_page) == [
        "Atelier Vélo Solidaire",
        "Bouquinerie <b>Coop</b>",
        "Friperie du Quartier",
        "Meubles Partage Montréal",
        "Ressourcerie des Appalaches",
    ]
    assert map_page.locator("#count").inner_text() == "5 entreprises trouvées"
    assert map_page.locator(".leaflet-marker-icon").count() >= 1
    assert "Gouvernement du Québec" in map_page.locator(".leaflet-control-attribution").inner_text()
    screenshot(map_page, "map-desktop")
    assert foreign(map_page) == []


def test_filtering_by_sector_updates_list_counts_and_url_and_back_restores(map_page):
    map_page.open_map()
    map_page.locator("label.chip", has_text="Friperie").click()
    assert listed(map_page) == ["Friperie du Quartier"]
    assert parse_qs(urlsplit(map_page.url).query)["sector"] == ["friperie"]
    assert map_page.locator('[data-sector-count="ressourcerie"]').inner_text() == "(1)"
    map_page.go_back()
    expect_count(map_page, 5)
    assert not map_page.locator('input[value="friperie"]').is_checked()


def test_sector_counts_count_an_enterprise_in_each_of_its_sectors(map_page, committed_enterprises):
    committed_enterprises(
        name="Ressourcerie-friperie du Lac",
        sectors=["ressourcerie", "friperie"],
        items=["vetements"],
        lon=-71.3,
        lat=46.9,
        municipality_name="Québec",
        mrc_code="23",
        municipality_code="23027",
    )
    map_page.open_map("?sector=friperie&q=qu%C3%A9bec")
    counts = map_page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-sector-count]')]
        .map((span) => [span.dataset.sectorCount, span.textContent]))""")
    # The chips count what each sector would show with the other filters (here the text), sectors aside.
    assert {code: text for code, text in counts.items() if text != "(0)"} == {
        "ressourcerie": "(1)",
        "friperie": "(2)",
    }


def test_markers_follow_the_list_through_successive_filter_changes(map_page):
    map_page.open_map()
    map_page.evaluate("() => document.getElementById('more-filters').open = true")
    steps = [
        ("check", "ressourcerie", 1),
        ("check", "reparation", 2),
        ("check", "friperie", 3),
        ("uncheck", "ressourcerie", 2),
        ("uncheck", "friperie", 1),
        ("uncheck", "reparation", 5),
    ]
    for action, sector, expected in steps:
        getattr(map_page.locator(f'input[name=sector][value="{sector}"]'), action)()
        assert len(listed(map_page)) == expected
        assert map_page.evaluate("window.carteMap.markerCount()") == expected, (action, sector)


def test_a_filter_change_during_a_zoom_animation_still_brings_its_results_into_view(map_page):
    map_page.open_map("?sector=friperie")
    # Leaflet ignores a view asked for during a zoom animation: the change must not leave the map in Québec.
    map_page.evaluate("""() => new Promise((done) => {
        const map = window.carteMap.map;
        map.once('zoomanim', () => {
            document.querySelector('input[name=sector][value=ressourcerie]').click();
            done();
        });
        map.setZoom(map.getZoom() - 1);
    })""")
    map_page.wait_for_function("""() => [...document.querySelectorAll('.leaflet-marker-icon.pin')]
        .some((pin) => pin.title === 'Ressourcerie des Appalaches')""")
    assert len(listed(map_page)) == 2


#: Each sample enterprise's pin: its first sector's class, its precision and the sprite icon it shows.
PINS = {
    "Ressourcerie des Appalaches": (["pin", "sector-ressourcerie"], "#icon-recycle"),
    "Atelier Vélo Solidaire": (["pin", "sector-reparation"], "#icon-wrench"),
    "Friperie du Quartier": (["pin", "pin-approximate", "sector-friperie"], "#icon-shirt"),
    "Friperie Saint-Roch": (["pin", "pin-approximate", "sector-friperie"], "#icon-shirt"),
    "Meubles Partage Montréal": (["pin", "sector-comptoir_familial"], "#icon-home"),
    "Bouquinerie <b>Coop</b>": (["pin", "sector-culture"], "#icon-palette"),
}


def shown_pins(page, titles: set[str]) -> dict[str, tuple[list[str], str | None]]:
    """Once the list has its names and the pins shown include these titles: each shown pin's classes and the
    icon its own SVG uses (a pin's title is its name, known once its row is)."""
    listed(page)
    page.wait_for_function(
        """(titles) => {
        const shown = new Set([...document.querySelectorAll('.leaflet-marker-icon.pin')].map((pin) => pin.title));
        return titles.every((title) => shown.has(title));
    }""",
        arg=sorted(titles),
    )
    pins = page.evaluate("""() => [...document.querySelectorAll('.leaflet-marker-icon.pin')].map((pin) => [
        pin.title, [...pin.classList].filter((name) => /^(pin|sector-)/.test(name)).sort(),
        [...pin.querySelectorAll(':scope > svg.icon > use')].map((use) => use.getAttribute('href'))])""")
    return {title: (classes, icons[0] if len(icons) == 1 else icons) for title, classes, icons in pins}


def test_pins_keep_their_sector_icon_and_precision_through_filter_changes(
    map_page, committed_enterprises, screenshot
):
    committed_enterprises(
        name="Friperie Saint-Roch",
        sectors=["friperie"],
        items=["vetements"],
        lon=-71.25,
        lat=46.78,
        municipality_name="Québec",
        mrc_code="23",
        municipality_code="23027",
        geocode_precision="postal_code",
    )
    map_page.open_map("?sector=friperie")
    map_page.evaluate("() => document.getElementById('more-filters').open = true")
    friperies = {"Friperie du Quartier", "Friperie Saint-Roch"}
    # Two pins of one sector and precision share an icon: each must show its own copy of the sector's SVG.
    assert shown_pins(map_page, friperies) == {title: PINS[title] for title in friperies}
    steps = [
        ("check", "ressourcerie", {"Ressourcerie des Appalaches"}),
        ("uncheck", "friperie", {"Ressourcerie des Appalaches"}),
        ("uncheck", "ressourcerie", set()),
        ("check", "friperie", friperies),
    ]
    for action, sector, expected in steps:
        getattr(map_page.locator(f'input[name=sector][value="{sector}"]'), action)()
        pins = shown_pins(map_page, expected)
        assert pins == {title: PINS[title] for title in pins}, (action, sector)
    screenshot(map_page, "map-pins-after-filter-changes")


def test_no_enterprise_text_is_parsed_as_html_on_the_map(map_page, sample):
    map_page.add_init_script("""(() => {
        window.htmlWrites = [];
        const record = (value) => window.htmlWrites.push(String(value));
        for (const name of ['innerHTML', 'outerHTML']) {
            const property = Object.getOwnPropertyDescriptor(Element.prototype, name);
            Object.defineProperty(Element.prototype, name, { ...property,
                set(value) { record(value); property.set.call(this, value); } });
        }
        const insert = Element.prototype.insertAdjacentHTML;
        Element.prototype.insertAdjacentHTML = function (position, html) {
            record(html); insert.call(this, position, html);
        };
    })()""")
    map_page.open_map("?mrc=371")
    map_page.locator(".leaflet-marker-icon.pin").first.dispatch_event("click")
    map_page.locator(".leaflet-popup-content").wait_for()
    map_page.open_map()
    map_page.evaluate("() => document.getElementById('more-filters').open = true")
    for sector in ["friperie", "ressourcerie", "friperie", "ressourcerie"]:
        map_page.locator(f'input[name=sector][value="{sector}"]').click()
    # The list's rows are fetched again after each change: click a row of the settled list, not one
    # about to be replaced.
    map_page.wait_for_load_state("networkidle")
    map_page.get_by_role("button", name="Voir sur la carte").first.click()
    map_page.locator(".leaflet-popup-content").wait_for()
    writes = map_page.evaluate("window.htmlWrites")
    assert any("Gouvernement du Québec" in html for html in writes)  # Leaflet's attribution: the hook works
    names = ["Appalaches", "Vélo Solidaire", "Friperie du Quartier", "Meubles Partage", "Bouquinerie"]
    assert [html for html in writes if any(name in html for name in names)] == []


def expect_count(page, n: int) -> None:
    """Wait until the list holds n enterprises."""
    page.wait_for_function(f"() => document.querySelectorAll('#results-list li').length === {n}")


def test_list_and_map_find_each_other_after_markers_were_added_and_removed(map_page):
    map_page.open_map()
    map_page.evaluate("() => document.getElementById('more-filters').open = true")
    for action, sector in [
        ("check", "ressourcerie"),
        ("check", "reparation"),
        ("check", "friperie"),
        ("uncheck", "friperie"),
    ]:
        getattr(map_page.locator(f'input[name=sector][value="{sector}"]'), action)()
    assert sorted(listed(map_page)) == ["Atelier Vélo Solidaire", "Ressourcerie des Appalaches"]
    popup = map_page.locator(".leaflet-popup-content h3")
    for index in range(2):
        # A zoom still running re-renders the markers when it ends, which closes an open popup.
        map_page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
        entry = map_page.locator("#results-list li").nth(index)
        entry.get_by_role("button", name="Voir sur la carte").click()
        map_page.wait_for_function(
            "(name) => document.querySelector('.leaflet-popup-content h3')?.textContent === name",
            arg=entry.locator("h3").inner_text(),
        )
        assert popup.inner_text() == entry.locator("h3").inner_text()


def test_what_do_i_want_to_give_understands_synonyms(map_page):
    map_page.open_map("?item=sofa")
    assert sorted(listed(map_page)) == ["Meubles Partage Montréal", "Ressourcerie des Appalaches"]
    assert "Meubles" in map_page.locator("#item-feedback").inner_text()
    map_page.fill("#f-item", "un vieux divan")
    expect_count(map_page, 2)
    map_page.fill("#f-item", "un hippopotame")
    expect_count(map_page, 0)
    assert map_page.locator("#no-results").is_visible()
    assert "élargir" in map_page.locator("#no-results").inner_text()


def test_free_text_search_ignores_accents_and_case(map_page):
    searches = []
    map_page.on("request", lambda request: "/carte/recherche" in request.url and searches.append(request.url))
    map_page.open_map("?q=velo")
    assert listed(map_page) == ["Atelier Vélo Solidaire"]
    assert len(searches) == 1 and "q=velo" in searches[0]
    map_page.fill("#f-q", "VÉLO")
    map_page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'VÉLO'")
    assert listed(map_page) == ["Atelier Vélo Solidaire"]
    map_page.fill("#f-q", "trois-rivieres")
    map_page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'trois-rivieres'")
    assert listed(map_page) == ["Bouquinerie <b>Coop</b>"]
    map_page.locator("label.chip", has_text="Friperie").click()
    expect_count(map_page, 0)
    map_page.go_back()  # the text stays in the URL: back to it without the sector
    map_page.wait_for_function("() => !new URLSearchParams(location.search).has('sector')")
    assert map_page.input_value("#f-q") == "trois-rivieres"
    assert listed(map_page) == ["Bouquinerie <b>Coop</b>"]


def test_free_text_search_finds_a_description_and_combines_with_the_other_filters(
    map_page, committed_enterprises
):
    committed_enterprises(
        name="Coop du Coin",
        description="Réparation de vélos usagés",
        sectors=["reparation"],
        items=["velos"],
        lon=-71.25,
        lat=46.78,
        municipality_name="Québec",
        mrc_code="23",
        municipality_code="23027",
    )
    map_page.open_map("?q=V%C3%A9los&sector=reparation")
    assert listed(map_page) == ["Coop du Coin"]
    map_page.open_map("?q=velo&mrc=23")
    assert listed(map_page) == ["Coop du Coin"]
    assert map_page.locator("#count").inner_text() == "1 entreprise trouvée"


def test_the_page_decodes_rows_and_gets_their_names_by_ordinal_as_stored(
    map_page, committed_enterprises, sample
):
    add = committed_enterprises
    named = {
        add(name=name, lat=46.1201, lon=-70.6702): name
        for name in ["Ressourcerie de Saint-Georges", "Atelier ~ de Saint-Georges", "Saint-Georges"]
    }
    rang = add(
        name="Coop $& du Rang $&",
        municipality_name="Rang $&",
        municipality_code=None,
        lat=48.4501,
        lon=-68.5234,
        geocode_precision="municipality",
    )
    map_page.open_map("?q=rang")
    assert listed(map_page) == ["Coop $& du Rang $&"]
    rows = map_page.evaluate("""async () => {
        const { decode } = await import('/static/js/data.js');
        const { createRowSource } = await import('/static/js/rows.js');
        const payload = await (await fetch('/carte/donnees.json')).json();
        const source = createRowSource({ rowsUrl: '/carte/lignes', searchUrl: '/carte/recherche',
                                         version: payload.version, language: 'fr' });
        const decoded = decode(payload);
        await source.load(decoded.map((e) => e.n));
        return decoded.map((e) => [source.row(e.n).id, source.row(e.n).name, e.town, e.lat, e.lon, e.approximate]);
    }""")
    by_id = {row[0]: row[1:] for row in rows}
    assert {id_: by_id[id_][0] for id_ in named} == named
    assert by_id[rang] == ["Coop $& du Rang $&", "Rang $&", 48.4501, -68.5234, True]
    assert by_id[sample["friperie"]] == ["Friperie du Quartier", "Québec", 46.8139, -71.208, True]
    assert by_id[sample["montreal"]] == ["Meubles Partage Montréal", "Montréal", 45.5017, -73.5673, False]


def test_near_me_from_a_postal_code_sorts_by_distance_and_shows_it(map_page):
    map_page.open_map()
    map_page.fill("#f-place", "G5Y 1L3")
    map_page.click("#place-go")
    map_page.wait_for_function("() => new URLSearchParams(location.search).has('near')")
    map_page.select_option("#f-radius", "100")
    expect_count(map_page, 3)
    assert listed(map_page) == [
        "Ressourcerie des Appalaches",
        "Atelier Vélo Solidaire",
        "Friperie du Quartier",
    ]
    assert re.search(r"à \d+(,\d)? km", map_page.locator("#results-list li .meta").first.inner_text())
    assert "G5Y 1L3" in map_page.locator("#near-status").inner_text()


def test_near_me_uses_the_browser_position_once_asked(map_page):
    map_page.context.grant_permissions(["geolocation"])
    map_page.context.set_geolocation({"latitude": 45.50, "longitude": -73.57})
    map_page.open_map()
    assert "near=" not in map_page.url
    map_page.click("#locate")
    map_page.wait_for_function("() => new URLSearchParams(location.search).has('near')")
    expect_count(map_page, 1)
    assert listed(map_page) == ["Meubles Partage Montréal"]
    assert map_page.locator("#near-status").inner_text() == "Près de votre position"


def test_a_bbox_in_the_url_keeps_the_enterprises_inside_it(map_page):
    map_page.open_map("?bbox=-74.0,45.3,-73.3,45.8")
    assert listed(map_page) == ["Meubles Partage Montréal"]
    map_page.click("#bbox-clear")
    expect_count(map_page, 5)


def test_searching_the_area_shown_puts_it_in_the_url(map_page):
    map_page.open_map("?mrc=66")
    map_page.click("#bbox-set")
    map_page.wait_for_function("() => new URLSearchParams(location.search).has('bbox')")
    assert listed(map_page) == ["Meubles Partage Montréal"]


def test_an_enterprise_opens_from_the_list_with_the_keyboard_only(map_page, sample):
    map_page.open_map("?sector=culture")
    for _ in range(80):
        map_page.keyboard.press("Tab")
        if map_page.evaluate("document.activeElement.closest('#results-list') !== null"):
            break
    assert map_page.evaluate("document.activeElement.textContent") == "Bouquinerie <b>Coop</b>"
    map_page.keyboard.press("Enter")
    map_page.wait_for_url(re.compile(rf"/entreprises/{sample['livres']}"))
    assert map_page.locator("h1").inner_text() == "Bouquinerie <b>Coop</b>"


def test_list_and_map_highlight_each_other(map_page, screenshot):
    map_page.open_map("?sector=ressourcerie")
    map_page.get_by_role("button", name="Voir sur la carte").click()
    popup = map_page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Ressourcerie des Appalaches" in popup.inner_text()
    assert map_page.locator("#results-list li.selected").get_attribute("aria-current") == "true"
    screenshot(map_page, "map-list-selected-popup")


def test_clicking_a_marker_highlights_its_list_entry(map_page):
    map_page.open_map("?mrc=371")
    map_page.locator(".leaflet-marker-icon.pin").first.click()
    selected = map_page.locator("#results-list li.selected")
    assert selected.locator("h3").inner_text() == "Bouquinerie <b>Coop</b>"
    assert "Bouquinerie <b>Coop</b>" in map_page.locator(".leaflet-popup-content h3").inner_text()


def test_clicking_a_marker_again_closes_then_reopens_its_popup(map_page):
    map_page.open_map("?mrc=371")
    pin, popup = map_page.locator(".leaflet-marker-icon.pin").first, map_page.locator(".leaflet-popup")
    # Dispatched on the pin itself: the map may still move just after it is ready (a click by position
    # then lands beside the pin).
    pin.dispatch_event("click")
    popup.wait_for()
    pin.dispatch_event("click")
    popup.wait_for(state="detached")
    pin.dispatch_event("click")
    assert "Bouquinerie <b>Coop</b>" in map_page.locator(".leaflet-popup-content h3").inner_text()


def test_switching_language_keeps_the_filters(map_page, screenshot):
    map_page.open_map("?sector=friperie")
    map_page.click("text=English")
    map_page.wait_for_selector("body[data-map-ready]")
    assert map_page.locator("html").get_attribute("lang") == "en"
    assert map_page.locator("h1").inner_text() == "Where can I donate my things?"
    assert map_page.locator("#count").inner_text() == "1 enterprise found"
    assert parse_qs(urlsplit(map_page.url).query)["sector"] == ["friperie"]
    screenshot(map_page, "map-english-desktop")


def test_phone_width_stacks_filters_map_and_list(map_page, screenshot):
    map_page.set_viewport_size({"width": 360, "height": 740})
    map_page.open_map()
    assert map_page.evaluate("document.documentElement.scrollWidth") <= 360
    box = map_page.locator(".map-area").bounding_box()
    assert box["width"] <= 360 and box["height"] > 300
    screenshot(map_page, "map-360")


def test_enterprise_page_renders_its_small_map(map_page, live_server, sample, screenshot):
    map_page.goto(f"{live_server}/entreprises/{sample['friperie']}")
    map_page.wait_for_selector(".small-map .leaflet-container")
    assert "Position approximative" in map_page.locator("main").inner_text()
    screenshot(map_page, "enterprise-desktop")
    map_page.set_viewport_size({"width": 360, "height": 740})
    screenshot(map_page, "enterprise-360")
    assert foreign(map_page) == []


@pytest.mark.parametrize("query", ["", "?item=zzz"])
def test_axe_finds_no_accessibility_violation_on_the_map(map_page, query):
    map_page.open_map(query)
    assert axe_violations(map_page) == []


def test_axe_finds_no_accessibility_violation_on_the_enterprise_page(map_page, live_server, sample):
    map_page.goto(f"{live_server}/entreprises/{sample['meubles']}")
    assert axe_violations(map_page) == []


def test_opening_hours_evaluator_handles_the_common_forms(map_page):
    map_page.open_map()
    results = map_page.evaluate("""async () => {
        const { isOpenAt } = await import('/static/js/hours.js');
        const weekly = 'Mo-Fr 09:00-17:00; Sa 10:00-16:00';
        return [
            isOpenAt(weekly, 0, 9 * 60), isOpenAt(weekly, 0, 17 * 60), isOpenAt(weekly, 5, 11 * 60),
            isOpenAt(weekly, 6, 11 * 60), isOpenAt('Mo,We 10:00-12:00,13:00-17:00', 2, 12 * 60 + 30),
            isOpenAt('Mo,We 10:00-12:00,13:00-17:00', 2, 13 * 60), isOpenAt('24/7', 6, 3 * 60),
            isOpenAt('Fr 20:00-02:00', 5, 60), isOpenAt('Mo-Su 10:00-18:00; Su off', 6, 11 * 60),
            isOpenAt('10:00-18:00', 3, 11 * 60), isOpenAt('sunrise-sunset', 3, 11 * 60), isOpenAt('', 0, 0),
        ];
    }""")
    assert results == [True, False, True, False, False, True, True, True, False, True, None, None]


def test_open_now_keeps_only_enterprises_open_at_this_moment(map_page):
    map_page.open_map("?open_now=1")
    assert listed(map_page) == ["Ressourcerie des Appalaches"]
    entry = map_page.locator("#results-list li").first
    assert "Ouvert maintenant" in entry.inner_text() and "Accepte : Meubles" in entry.inner_text()


def test_the_measured_redraw_ends_with_the_lists_first_page_named(map_page):
    map_page.add_init_script("""(() => {
        window.namesAtRedraw = [];
        const measure = performance.measure.bind(performance);
        performance.measure = (name, options) => {
            if (name === 'carte-redraw') window.namesAtRedraw.push(
                [...document.querySelectorAll('#results-list li h3')].map((h3) => h3.textContent));
            return measure(name, options);
        };
    })()""")
    map_page.open_map()
    map_page.wait_for_function("() => window.namesAtRedraw.length === 1")
    map_page.evaluate("() => document.getElementById('more-filters').open = true")
    map_page.locator('input[name=sector][value="friperie"]').check()
    map_page.wait_for_function("() => window.namesAtRedraw.length === 2")
    first, second = map_page.evaluate("window.namesAtRedraw")
    assert len(first) == 5 and second == ["Friperie du Quartier"]


def test_a_failed_request_for_names_says_so_instead_of_breaking(map_page):
    for names in ("**/carte/lignes?**", "**/carte/liste?**"):
        map_page.route(
            names, lambda route: route.fulfill(status=500, body="{}", content_type="application/json")
        )
    map_page.open_map()
    error = map_page.locator("#list-error")
    assert error.is_visible() and "n'ont pas pu être chargés" in error.inner_text()
    assert map_page.locator("#count").inner_text() == "5 entreprises trouvées"
    assert map_page.get_attribute("#results-list", "aria-busy") == "false"


def test_the_map_loads_its_data_again_when_the_server_has_a_newer_version(map_page, committed_enterprises):
    refused = []
    map_page.on("response", lambda response: response.status == 409 and refused.append(response.url))
    map_page.open_map()
    committed_enterprises(
        name="Friperie toute neuve",
        sectors=["friperie"],
        items=["vetements"],
        lon=-71.3,
        lat=46.9,
        municipality_name="Québec",
        mrc_code="23",
        municipality_code="23027",
    )
    map_page.fill("#f-q", "toute neuve")
    map_page.wait_for_function(
        "() => document.querySelector('#results-list li h3')?.textContent === 'Friperie toute neuve'"
    )
    assert listed(map_page) == ["Friperie toute neuve"]
    assert len(refused) == 1 and "/carte/recherche" in refused[0]
    map_page.fill("#f-q", "")
    expect_count(map_page, 6)
    assert map_page.locator("#list-error").is_hidden()


BULK_SQL = """INSERT INTO enterprise (source, source_key, name, street, municipality_name, postal_code, sectors,
    items, services, geocode_precision, geocode_source, mrc_code, municipality_code, published, point)
SELECT 'browser-test', 'bulk-' || g, 'Ressourcerie en vrac ' || g, '100 1re Avenue', 'Saint-Georges', 'G5Y 1L3',
       '{ressourcerie}', '{meubles}', '{}', 'address', 'test', '29', '29073', true,
       ST_SetSRID(ST_MakePoint(-70.6656, 46.1185), 4326)
FROM generate_series(1, :count) g"""


def test_a_marker_far_down_the_list_opens_named_and_the_list_reaches_it_in_chunks(
    map_page, engine, committed_enterprises, screenshot
):
    from sqlalchemy import text

    far = committed_enterprises(
        name="Ressourcerie Zone du Grand Nord",
        sectors=["ressourcerie"],
        lat=55.28,
        lon=-77.76,
        municipality_name="Zzyzx",
        municipality_code=None,
        mrc_code=None,
        geocode_precision="municipality",
    )
    with engine.begin() as connection:
        connection.execute(text(BULK_SQL), {"count": 1100})
    asked = []
    map_page.on(
        "request",
        lambda request: (
            "/carte/liste" in request.url
            and "count" in parse_qs(urlsplit(request.url).query)
            and asked.append(int(parse_qs(urlsplit(request.url).query)["count"][0]))
        ),
    )
    map_page.open_map("?sector=ressourcerie")
    assert asked == [50]
    # The only approximate pin in view: the far one, by itself (the others are one cluster in Beauce).
    map_page.locator(".leaflet-marker-icon.pin-approximate").dispatch_event("click")
    map_page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content h3')?.textContent === "
        "'Ressourcerie Zone du Grand Nord'"
    )
    selected = map_page.locator("#results-list li.selected")
    selected.wait_for()
    assert selected.locator("h3").inner_text() == "Ressourcerie Zone du Grand Nord"
    assert selected.locator("h3 a").get_attribute("href").startswith(f"/entreprises/{far}?")
    assert map_page.locator("#results-list li").count() == 1102  # the list reached it: 1,100 + 2 before it
    assert max(asked) <= 1000 and sum(asked) == 1102  # pages in name order, at most 1,000 rows a request
    screenshot(map_page, "map-far-marker-selected")
