"""The staff path in Chromium: sign in, edit an enterprise, read its history, sign out."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_staff_sign_in_edit_history_and_sign_out(page, live_server, screenshot, staff_account,
                                                 committed_enterprises, browser):
    enterprise = committed_enterprises(name="Ressourcerie de test")
    sign_in(page, live_server, staff_account("navigateur@exemple.org"))
    page.get_by_role("link", name="Ressourcerie de test").click()
    page.get_by_label("Nom", exact=True).fill("Ressourcerie de la Chaudière")
    page.get_by_label("Vêtements").check()
    screenshot(page, "admin-edit")
    page.get_by_role("button", name="Enregistrer").click()
    assert "Modifications enregistrées" in page.locator(".flash").inner_text()
    page.get_by_role("link", name="Historique").click()
    assert "Ressourcerie de test" in page.locator("main").inner_text()
    screenshot(page, "admin-history")
    cookies = page.context.cookies()
    page.get_by_role("button", name="Se déconnecter").click()
    replay = browser.new_context()
    replay.add_cookies(cookies)
    replayed = replay.new_page()
    replayed.goto(live_server + f"/admin/entreprises/{enterprise}")
    assert replayed.url.startswith(live_server + "/admin/connexion")
    replay.close()
