"""Sharing in Chromium: the map's link restores the same view in a new page, the position stays private
unless the sharer includes it, a malformed link is explained, and an enterprise's page shares its own link."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.helpers import (
    TILE_HOST,
    axe_violations,
    listed,
    new_page,
    ready,
    shared_link,
    view_of,
)

#: Where the browser says it is when a test grants geolocation (Saint-Georges, Beauce).
POSITION = {"latitude": 46.1190, "longitude": -70.6660}


def test_a_copied_link_opens_the_same_filters_list_popup_and_view_in_a_new_page(
    browser, live_server, sample, committed_enterprises, screenshot
):
    committed_enterprises(
        name="École de la récupération", sectors=["ressourcerie"], items=["meubles"], lon=-70.68, lat=46.13
    )
    sharer = new_page(browser, permissions=["clipboard-read", "clipboard-write"])
    ready(sharer, f"{live_server}/")
    sharer.locator("label.chip", has_text="Ressourcerie").click()
    sharer.fill("#f-q", "saint-georges")
    sharer.press("#f-q", "Enter")  # the text's change event now, not when a later click takes the focus
    sharer.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'saint-georges'")
    sharer.wait_for_function("() => document.querySelectorAll('#results-list li').length === 2")
    # A zoom still running re-renders the markers when it ends, which closes an open popup.
    sharer.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    sharer.locator("#results-list li", has_text="Ressourcerie des Appalaches").get_by_role(
        "button", name="Voir sur la carte"
    ).click()
    sharer.wait_for_selector(".leaflet-popup-content h3 >> text=Ressourcerie des Appalaches")
    sharer.wait_for_selector(".popup[data-enterprise]", state="attached")
    link = shared_link(sharer)
    sharer.get_by_role("button", name="Copier le lien").click()
    sharer.wait_for_selector("[data-share-status] >> text=Lien copié.")
    assert sharer.evaluate("navigator.clipboard.readText()") == link
    query = parse_qs(urlsplit(link).query)
    assert query["sector"] == ["ressourcerie"] and query["q"] == ["saint-georges"]
    assert query["enterprise"] == [str(sample["meubles"])] and "zoom" in query and "center" in query
    before = view_of(sharer)
    screenshot(sharer, "share-panel-sharer")

    receiver = new_page(browser)
    ready(receiver, link)
    receiver.wait_for_selector(".leaflet-popup-content h3 >> text=Ressourcerie des Appalaches")
    after = view_of(receiver)
    assert after == before
    assert before["list"] == ["École de la récupération", "Ressourcerie des Appalaches"]
    assert before["selected"] == "Ressourcerie des Appalaches"
    assert receiver.locator("#link-notices").is_hidden()
    assert receiver.evaluate("window.__geolocationCalls") == 0
    screenshot(receiver, "share-link-opened")
    sharer.context.close()
    receiver.context.close()


def test_the_mail_and_text_message_links_carry_the_view_and_nothing_leaves_the_app(
    browser, live_server, sample
):
    page = new_page(browser)
    page.foreign = []
    page.on(
        "request",
        lambda request: (
            not request.url.startswith((live_server, TILE_HOST)) and page.foreign.append(request.url)
        ),
    )
    ready(page, f"{live_server}/?sector=friperie")
    link = shared_link(page)
    email = page.locator("[data-share-email]").get_attribute("href")
    sms = page.locator("[data-share-sms]").get_attribute("href")
    assert email.startswith("mailto:?subject=") and unquote(email.split("&body=")[1]) == link
    assert sms.startswith("sms:?body=") and unquote(sms.removeprefix("sms:?body=")) == link
    assert "sector=friperie" in link
    assert page.foreign == []
    page.context.close()


def test_without_a_clipboard_the_link_is_selected_for_the_keyboard(browser, live_server, sample):
    page = new_page(browser)
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });")
    ready(page, f"{live_server}/")
    link = shared_link(page)
    page.get_by_role("button", name="Copier le lien").click()
    assert "Ctrl+C" in page.locator("[data-share-status]").inner_text()
    selected = page.evaluate("""() => { const input = document.activeElement;
        return input.id === 'share-url' ? input.value.slice(input.selectionStart, input.selectionEnd) : null; }""")
    assert selected == link
    page.context.close()


def test_a_near_me_link_leaves_the_position_out_unless_the_sharer_includes_it(
    browser, live_server, sample, screenshot
):
    sharer = new_page(browser, geolocation=POSITION, permissions=["geolocation"])
    ready(sharer, f"{live_server}/")
    sharer.click("#locate")
    sharer.wait_for_function("() => new URLSearchParams(location.search).has('near')")
    private = shared_link(sharer)
    query = parse_qs(urlsplit(private).query)
    assert query["near"] == ["me"] and "center" not in query and "zoom" not in query
    assert "46.11" not in private and "70.66" not in private
    sharer.get_by_label("Inclure dans le lien le point de la recherche « près de »").check()
    included = sharer.locator("#share-url").input_value()
    assert parse_qs(urlsplit(included).query)["near"] == ["46.1190,-70.6660"]
    screenshot(sharer, "share-near-me-choice")

    receiver = new_page(
        browser, geolocation={"latitude": 45.5, "longitude": -73.57}, permissions=["geolocation"]
    )
    ready(receiver, private)
    listed(receiver)
    assert receiver.evaluate("window.__geolocationCalls") == 0
    assert "Utiliser ma position" in receiver.locator("#near-status").inner_text()
    assert "near" not in parse_qs(urlsplit(receiver.url).query)
    assert receiver.locator("#results-list li").count() == 5
    receiver.click("#locate")  # only now, on the receiver's own click
    receiver.wait_for_function("() => new URLSearchParams(location.search).has('near')")
    assert receiver.evaluate("window.__geolocationCalls") == 1
    assert receiver.locator("#results-list li h3").first.inner_text() == "Meubles Partage Montréal"

    with_point = new_page(browser)
    ready(with_point, included)
    assert with_point.evaluate("window.__geolocationCalls") == 0
    assert listed(with_point)[0] == "Ressourcerie des Appalaches"
    assert "Près du point indiqué dans le lien" in with_point.locator("#near-status").inner_text()
    for page in (sharer, receiver, with_point):
        page.context.close()


def test_a_malformed_link_shows_the_map_and_names_each_parameter_it_left_out(
    browser, live_server, sample, screenshot
):
    page = new_page(browser)
    ready(
        page,
        f"{live_server}/?sector=inconnu&sector=friperie&zoom=99&center=46.8,-71.2&enterprise=abc"
        f"&near=ici&mrc=999&bbox=1,2&region=%3Cimg%20src%3Dx%20onerror%3Dwindow.hacked%3D1%3E",
    )
    notices = page.locator("#link-notices li").all_inner_texts()
    assert any(notice.startswith("Paramètre « sector » ignoré : « inconnu »") for notice in notices)
    assert any("« zoom »" in notice and "« 99 »" in notice for notice in notices)
    assert any("« enterprise »" in notice and "numéro de fiche" in notice for notice in notices)
    assert any("« near »" in notice for notice in notices) and any("« mrc »" in notice for notice in notices)
    assert any("« bbox »" in notice for notice in notices)
    assert any("« <img src=x onerror=window.hacked=1> »" in notice for notice in notices)
    assert page.evaluate("window.hacked") is None and page.locator("#link-notices img").count() == 0
    assert listed(page) == ["Friperie du Quartier"]
    assert parse_qs(urlsplit(page.url).query) == {"sector": ["friperie"]}
    screenshot(page, "share-malformed-link")
    page.context.close()


def test_a_link_to_an_enterprise_its_filters_leave_out_says_so(browser, live_server, sample):
    page = new_page(browser)
    ready(page, f"{live_server}/?sector=friperie&enterprise={sample['velo']}")
    assert page.locator("#link-notices li").inner_text() == (
        f"La fiche n° {sample['velo']} du lien n'est pas sur la carte : elle n'existe plus ou les filtres "
        "du lien l'excluent."
    )
    assert listed(page) == ["Friperie du Quartier"]
    page.context.close()


def test_an_enterprise_page_shares_its_own_link(browser, live_server, sample, screenshot):
    page = new_page(browser, permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server}/entreprises/{sample['velo']}")
    page.locator("#share summary").click()
    link = page.locator("#share-url").input_value()
    assert link == f"{live_server}/entreprises/{sample['velo']}?lang=fr"
    page.get_by_role("button", name="Copier le lien").click()
    page.wait_for_selector("[data-share-status] >> text=Lien copié.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert unquote(page.locator("[data-share-email]").get_attribute("href")).endswith(f"&body={link}")
    assert "Atelier Vélo Solidaire" in unquote(page.locator("[data-share-email]").get_attribute("href"))
    screenshot(page, "share-enterprise-page")
    page.context.close()


@pytest.mark.parametrize("path", ["/", "/entreprises/1"])
def test_share_panels_pass_axe(browser, live_server, sample, path):
    page = new_page(browser)
    ready(page, f"{live_server}/") if path == "/" else page.goto(
        f"{live_server}/entreprises/{sample['velo']}"
    )
    page.locator("#share summary").click()
    assert axe_violations(page) == []
    page.context.close()


def test_the_share_panel_fits_a_phone(browser, live_server, sample, screenshot):
    context = browser.new_context(locale="fr-CA", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    ready(page, f"{live_server}/")
    page.locator("#share summary").click()
    for selector in ("#share-url", "[data-share-copy]", "[data-share-sms]"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    page.locator("#share").scroll_into_view_if_needed()
    screenshot(page, "share-panel-phone")
    context.close()
