"""The staff path in Chromium: sign in, edit an enterprise, read its history, sign out."""

from __future__ import annotations

from tests.helpers import replayed_cookies_are_refused, sign_in_page


def test_staff_sign_in_edit_history_and_sign_out(
    page, live_server, screenshot, staff_account, committed_enterprises, browser
):
    enterprise = committed_enterprises(name="Ressourcerie de test")
    sign_in_page(page, live_server, staff_account("navigateur@exemple.org"))
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
    assert replayed_cookies_are_refused(browser, cookies, live_server, f"/admin/entreprises/{enterprise}")
