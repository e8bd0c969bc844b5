"""The whole staff path in Chromium: upload a messy list, preview, confirm, see it on the public map,
drag a pin, read the history, sign out, and find the old cookie refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.helpers import replayed_cookies_are_refused, sign_in_page
from tests.ingest_files import french_excel_csv


@pytest.fixture()
def forget_import(engine):
    """Remove what this test imports."""
    yield
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM import_job WHERE source = 'navigateur'"))
        connection.execute(text("UPDATE enterprise SET merged_into = NULL WHERE source = 'navigateur'"))
        connection.execute(text("DELETE FROM enterprise WHERE source = 'navigateur'"))


def test_staff_import_a_messy_list_and_see_it_on_the_map(
    page, live_server, screenshot, staff_account, browser, forget_import, tmp_path: Path
):
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    listing = tmp_path / "liste-pole.csv"
    listing.write_bytes(french_excel_csv())
    sign_in_page(page, live_server, staff_account("imports@exemple.org"), "/admin/imports")
    page.get_by_label("Fichier", exact=True).set_input_files(str(listing))
    page.get_by_label("Nom de la liste (source)").fill("navigateur")
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.get_by_text("Aperçu : rien n'a encore été modifié").wait_for(timeout=30_000)
    assert "Lignes rejetées (1)" in page.locator("main").inner_text()
    screenshot(page, "import-preview")
    page.get_by_role("button", name="Confirmer l'import").click()
    page.get_by_text("Import terminé").wait_for(timeout=30_000)
    screenshot(page, "import-done")
    public = page.context.new_page()
    public.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    public.goto(live_server + "/?q=test web")
    public.get_by_role("link", name="Ressourcerie Beauce (test web)", exact=True).wait_for()
    public.close()
    page.goto(live_server + "/admin/a-verifier")
    page.get_by_role("link", name="Ressourcerie Beauce (test web)", exact=True).click()
    box = page.locator(".leaflet-marker-icon").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 90, box["y"] + 40, steps=6)
    page.mouse.up()
    page.get_by_role("button", name="Enregistrer cette position").click()
    page.goto(live_server + "/admin/?q=test web")
    page.get_by_role("link", name="Ressourcerie Beauce (test web)", exact=True).click()
    page.get_by_role("link", name="Historique").click()
    history = page.locator("main").inner_text()
    assert "déplacement" in history and "import" in history
    screenshot(page, "import-history")
    cookies = page.context.cookies()
    page.get_by_role("button", name="Se déconnecter").click()
    assert replayed_cookies_are_refused(browser, cookies, live_server, "/admin/imports")
