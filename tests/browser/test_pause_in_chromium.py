"""'Accepting now' in Chromium: an owner pauses furniture from the e-mailed link; a citizen's search for
a sofa no longer shows the place and says so; including it again shows the pause in the list and popup."""

from __future__ import annotations

from datetime import timedelta

from carte.core.pause import Pause, local_today
from carte.staff.freshness import link_signer
from carte.staff.pauses import set_pause
from tests.helpers import TILE_HOST, axe_violations, blank_tile, listed, sign_in_page


def test_an_owner_pauses_furniture_and_the_sofa_search_leaves_the_place_out(
    page, live_server, committed_enterprises, screenshot
):
    paused = committed_enterprises(name="Ressourcerie des Appalaches", items=["meubles", "livres"])
    committed_enterprises(name="Comptoir Meubles Ouvert", items=["meubles"], lon=-70.70, lat=46.15)
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))

    page.goto(f"{live_server}/proprietaire/{link_signer('browser-tests').dumps(paused)}")
    until = local_today() + timedelta(days=9)
    page.get_by_label("Meubles").check()
    page.get_by_label("Jusqu'au (inclusivement, facultatif)").fill(until.isoformat())
    page.get_by_label("Message public (facultatif, 140 caractères au plus)").fill(
        "Plus de meubles <img src=x onerror=alert(1)> jusqu'à la fin de la vente"
    )
    page.get_by_role("button", name="Mettre en pause").click()
    assert "Pause enregistrée" in page.locator(".flash").inner_text()
    assert "En pause : Meubles" in page.locator("#pause-status").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "pause-owner-form")

    page.goto(f"{live_server}/?item=divan")
    page.wait_for_selector("body[data-map-ready]")
    assert listed(page) == ["Comptoir Meubles Ouvert"]
    assert page.locator("#f-item").input_value() == "divan"
    note = page.locator("#paused-note")
    assert note.is_visible()
    assert note.inner_text().startswith("1 lieu a mis en pause ce que vous cherchez : il n'est pas affiché.")
    screenshot(page, "pause-search-left-out")

    page.get_by_role("button", name="Les afficher quand même").click()
    page.wait_for_function("() => document.querySelectorAll('#results-list li').length === 2")
    assert "accepting=all" in page.url and "item=divan" in page.url
    entry = page.locator("#results-list li", has_text="Ressourcerie des Appalaches")
    assert entry.locator(".paused").inner_text().startswith("En pause : Meubles · jusqu'au ")
    entry.get_by_role("button", name="Voir sur la carte").click()
    popup = page.locator(".leaflet-popup-content .paused")
    popup.wait_for()
    assert "Plus de meubles <img src=x onerror=alert(1)> jusqu'à la fin de la vente" in popup.inner_text()
    assert page.locator(".leaflet-popup-content img").count() == 0
    screenshot(page, "pause-popup")


def test_staff_pause_naming_nothing_is_refused_then_set_and_shown_in_the_history(
    page, live_server, committed_enterprises, staff_account, screenshot
):
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    enterprise = committed_enterprises(name="Ressourcerie du personnel", items=["meubles", "livres"])
    sign_in_page(page, live_server, staff_account("pause@exemple.org"), f"/admin/entreprises/{enterprise}")
    pause = page.locator("section.pause")
    # The browser itself refuses a past date (min is today); the server refuses it too (tests/test_pauses.py).
    pause.get_by_label("Jusqu'au (inclusivement, facultatif)").fill("2020-01-01")
    assert page.locator("#pause-until").evaluate("(input) => input.validity.rangeUnderflow")
    pause.get_by_label("Jusqu'au (inclusivement, facultatif)").fill("")
    pause.get_by_role("button", name="Mettre en pause").click()
    assert page.locator("#e-pause-items").inner_text() == (
        "Choisissez au moins une catégorie d'objets ou un secteur à mettre en pause."
    )
    assert axe_violations(page) == []
    screenshot(page, "pause-staff-error")
    pause = page.locator("section.pause")
    pause.get_by_label("Livres et médias").check()
    pause.get_by_label("Message public (facultatif, 140 caractères au plus)").fill("Bibliothèque pleine")
    pause.get_by_role("button", name="Mettre en pause").click()
    assert "Livres et médias" in page.locator("#pause-status").inner_text()
    page.get_by_role("button", name="Lever la pause : tout est accepté de nouveau").click()
    page.get_by_role("link", name="Historique").click()
    history = page.locator("main").inner_text()
    assert "mise en pause" in history and "pause levée" in history and "Bibliothèque pleine" in history
    screenshot(page, "pause-staff-history")


def test_the_embed_popup_shows_the_pause_as_text(
    page, live_server, committed_enterprises, engine, screenshot
):
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    paused = committed_enterprises(name="Ressourcerie intégrée", items=["meubles", "livres"])
    with engine.begin() as connection:
        set_pause(connection, paused, Pause(items=("meubles",), message="No sofas <i>please</i>"), "test")
    page.goto(f"{live_server}/embed?mrc=29&lang=en")
    page.locator("body[data-loaded='1']").wait_for(state="attached")
    page.locator(".leaflet-marker-icon").first.click()
    line = page.locator(".embed-popup .embed-paused")
    assert line.inner_text() == "Paused: Furniture · until further notice\nNo sofas <i>please</i>"
    assert page.locator(".embed-popup i").count() == 0
    screenshot(page, "pause-embed-popup")
