"""Dragging a pin in the review queue, in Chromium."""

from __future__ import annotations

from sqlalchemy import text

from tests.helpers import sign_in_page


def test_dragging_the_pin_places_the_enterprise_manually(
    page, live_server, screenshot, staff_account, committed_enterprises, engine
):
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    enterprise = committed_enterprises(
        name="Comptoir approximatif", geocode_precision="postal_code", lon=-70.6656, lat=46.1185
    )
    sign_in_page(page, live_server, staff_account("pins@exemple.org"), "/admin/a-verifier")
    page.get_by_role("link", name="Comptoir approximatif").click()
    marker = page.locator(".leaflet-marker-icon")
    box = marker.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 60, steps=8)
    page.mouse.up()
    assert page.get_by_label("Latitude").input_value() != "46.118500"
    screenshot(page, "review-pin")
    page.get_by_role("button", name="Enregistrer cette position").click()
    assert "Épingle déplacée" in page.locator(".flash").inner_text()
    with engine.connect() as connection:
        precision = connection.execute(
            text("SELECT geocode_precision FROM enterprise WHERE id = :id"), {"id": enterprise}
        ).scalar()
    assert precision == "manual"
    assert [url for url in page.foreign_requests if "tile.openstreetmap.org" not in url] == []
