"""The home page as a visitor sees it in Chromium."""
from __future__ import annotations


def test_home_page_renders_in_chromium_without_foreign_requests(page, live_server, screenshot,
                                                                 committed_enterprises):
    committed_enterprises(name="Ressourcerie de Beauce")
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Les MRC du Québec"
    assert page.locator('tr[data-mrc="29"] td').nth(1).inner_text() == "1"
    screenshot(page, "home-desktop")
    assert page.foreign_requests == []
