"""The review queue: approximate or flagged places, moved or confirmed by staff."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from carte.core.errors import CarteError
from carte.staff.review import confirm_position, move_pin, review_queue
from tests.helpers import PASSWORD, insert_enterprise, sign_in, token_of

ACTOR = "user:1 admin@exemple.org"


def test_approximate_unplaced_and_flagged_places_need_review(connection):
    exact = insert_enterprise(connection, geocode_precision="address")
    approximate = insert_enterprise(connection, geocode_precision="postal_code")
    flagged = insert_enterprise(connection, geocode_precision="address", flags=["outside_mrc"])
    unplaced = insert_enterprise(
        connection,
        name="Adresse introuvable",
        lon=None,
        lat=None,
        geocode_precision=None,
        geocode_source=None,
        mrc_code=None,
        municipality_code=None,
    )
    unplaced_in_beauce = insert_enterprise(
        connection,
        name="Sans position en Beauce",
        lon=None,
        lat=None,
        geocode_precision=None,
        geocode_source=None,
    )
    queue = {row["id"]: row for row in review_queue(connection, None)}
    assert {approximate, flagged, unplaced, unplaced_in_beauce} <= set(queue) and exact not in queue
    assert (queue[unplaced]["latitude"], queue[unplaced]["longitude"]) == (None, None)
    beauce = [row["id"] for row in review_queue(connection, ["29"])]
    assert unplaced_in_beauce in beauce and unplaced not in beauce


def test_moving_the_pin_makes_it_manual_and_recomputes_the_mrc(connection):
    enterprise = insert_enterprise(connection, geocode_precision="fsa", flags=["municipality_mismatch"])
    mrc = move_pin(connection, enterprise, 46.7249, -71.1865, ACTOR)  # Lévis
    row = connection.execute(
        text("SELECT geocode_precision, mrc_code, flags FROM enterprise WHERE id = :id"), {"id": enterprise}
    ).one()
    assert mrc == "251" and tuple(row) == ("manual", "251", [])
    kinds = (
        connection.execute(
            text("SELECT kind FROM enterprise_revision WHERE enterprise_id = :id ORDER BY id"),
            {"id": enterprise},
        )
        .scalars()
        .all()
    )
    assert kinds[-1] == "move"


def test_a_pin_dropped_far_outside_quebec_is_refused(connection):
    enterprise = insert_enterprise(connection, geocode_precision="fsa")
    with pytest.raises(CarteError, match="hors du Québec"):
        move_pin(connection, enterprise, 48.85, 2.35, ACTOR)


def test_confirming_keeps_the_point_and_clears_the_flags(connection):
    enterprise = insert_enterprise(connection, geocode_precision="postal_code", flags=["outside_mrc"])
    confirm_position(connection, enterprise, ACTOR)
    row = connection.execute(
        text("SELECT geocode_precision, flags, ST_X(point) FROM enterprise WHERE id = :id"),
        {"id": enterprise},
    ).one()
    assert tuple(row) == ("manual", [], -70.6656)


def test_an_editor_cannot_move_another_mrcs_pin(client, connection, app):
    from carte.staff import accounts

    app.config["SESSION_COOKIE_SECURE"] = False
    accounts.create_user(connection, "beauce@exemple.org", PASSWORD, "editor", ["29"])
    other = insert_enterprise(connection, mrc_code="66", geocode_precision="fsa")
    sign_in(client, "beauce@exemple.org")
    response = client.post(
        f"/admin/a-verifier/{other}",
        data={"csrf_token": token_of(client, "/admin/"), "latitude": "46.1", "longitude": "-70.6"},
    )
    assert response.status_code == 403


def test_typed_garbage_coordinates_are_named_not_a_crash(client, connection, app):
    from carte.staff import accounts

    app.config["SESSION_COOKIE_SECURE"] = False
    accounts.create_user(connection, "admin@exemple.org", PASSWORD, "admin")
    enterprise = insert_enterprise(connection, geocode_precision="fsa")
    sign_in(client, "admin@exemple.org")
    page = f"/admin/a-verifier/{enterprise}"
    response = client.post(
        page,
        data={"csrf_token": token_of(client, page), "latitude": "NaN", "longitude": "abc"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Valeur invalide pour latitude" in response.get_data(as_text=True)
