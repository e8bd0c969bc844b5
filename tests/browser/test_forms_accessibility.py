"""The staff and public forms pass axe-core's WCAG 2.1 AA checks, on a desktop and at 360 px."""

from __future__ import annotations

import pytest

from tests.helpers import axe_violations, sign_in_page


@pytest.mark.parametrize("width", [1280, 360])
def test_public_forms_have_no_accessibility_violation(page, live_server, committed_enterprises, width):
    enterprise = committed_enterprises(name="Comptoir accessible")
    page.set_viewport_size({"width": width, "height": 800})
    for path in ("/suggestions/ajouter", f"/suggestions/modifier/{enterprise}", "/admin/connexion"):
        page.goto(live_server + path)
        assert axe_violations(page) == [], path


def test_back_office_pages_have_no_accessibility_violation(
    page, live_server, committed_enterprises, staff_account, engine
):
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    enterprise = committed_enterprises(name="Ressourcerie accessible", geocode_precision="postal_code")
    sign_in_page(page, live_server, staff_account("a11y@exemple.org"))
    for path in (
        "/admin/",
        f"/admin/entreprises/{enterprise}",
        f"/admin/entreprises/{enterprise}/historique",
        "/admin/imports",
        "/admin/a-verifier",
        f"/admin/a-verifier/{enterprise}",
        "/admin/suggestions",
        "/admin/doublons",
        "/admin/fraicheur",
        "/admin/utilisateurs",
    ):
        page.goto(live_server + path)
        assert axe_violations(page) == [], path
