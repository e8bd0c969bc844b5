"""A visitor suggests a place in Chromium, and a moderator sees it in the queue."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.helpers import sign_in_page


@pytest.fixture()
def forget_suggestion(engine):
    """Remove the suggestion this test sends."""
    yield
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM suggestion WHERE proposed->>'name' = 'Atelier vélo solidaire'"))


def test_a_visitor_suggests_a_place_and_a_moderator_finds_it(
    page, live_server, screenshot, staff_account, forget_suggestion
):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + "/suggestions/ajouter")
    page.get_by_label("Nom du lieu").fill("Atelier vélo solidaire")
    page.get_by_label("Municipalité").fill("Ste-Marie")
    page.get_by_label("Code postal").fill("g6e3z3")
    page.get_by_label("Vélos").check()
    screenshot(page, "suggestion-form-360")
    page.wait_for_timeout(3100)  # the form refuses what is sent faster than a person types
    page.get_by_role("button", name="Envoyer la suggestion").click()
    assert "Merci" in page.locator("h1").inner_text()
    sign_in_page(page, live_server, staff_account("moderation@exemple.org"), "/admin/suggestions")
    assert "Atelier vélo solidaire" in page.locator("main").inner_text()
    page.get_by_role("row", name="Atelier vélo solidaire").get_by_role("link").click()
    assert "G6E 3Z3" in page.locator("table").inner_text()
    screenshot(page, "moderation-detail-360")
    assert page.foreign_requests == []
