"""Suggestions from the public and their moderation: nothing reaches the map without review."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from carte.staff import accounts
from tests.helpers import PASSWORD, form_data, insert_enterprise, sign_in, suggestions_in, token_of


@pytest.fixture()
def app(app):
    """The app over plain HTTP, with the time check off except where a test turns it on."""
    app.config.update(SESSION_COOKIE_SECURE=False, SUGGESTION_MIN_SECONDS=0)
    return app


def test_a_correction_is_queued_with_only_the_changed_fields(client, connection):
    enterprise = insert_enterprise(connection, name="Friperie du Coin")
    path = f"/suggestions/modifier/{enterprise}"
    response = client.post(
        path,
        data=form_data(
            client,
            path,
            name="Friperie du Coin",
            street="100 1re Avenue",
            municipality_name="Saint-Georges",
            postal_code="G5Y 1L3",
            items=["meubles"],
            opening_hours="Mo-Fr 09:00-17:00",
            contact_person="Espion",
        ),
    )
    assert response.status_code == 302
    [(target, proposed, status)] = suggestions_in(connection)
    assert (target, status) == (enterprise, "pending")
    assert proposed == {"opening_hours": "Mo-Fr 09:00-17:00"}
    assert (
        connection.execute(
            text("SELECT opening_hours FROM enterprise WHERE id = :id"), {"id": enterprise}
        ).scalar()
        is None
    )


def test_a_filled_honeypot_is_thanked_and_dropped(client, connection):
    client.post(
        "/suggestions/ajouter",
        data=form_data(
            client, "/suggestions/ajouter", name="Spam", site_web_confirmation="http://spam.example"
        ),
    )
    assert suggestions_in(connection) == []


def test_a_form_sent_faster_than_a_person_types_is_dropped(client, connection, app):
    app.config["SUGGESTION_MIN_SECONDS"] = 30
    client.post("/suggestions/ajouter", data=form_data(client, "/suggestions/ajouter", name="Trop rapide"))
    assert suggestions_in(connection) == []


def test_one_connection_may_send_only_a_few_suggestions_an_hour(client, connection):
    statuses = [
        client.post(
            "/suggestions/ajouter", data=form_data(client, "/suggestions/ajouter", name=f"Lieu {n}")
        ).status_code
        for n in range(7)
    ]
    assert statuses[:5] == [302] * 5 and statuses[5:] == [429, 429]
    assert len(suggestions_in(connection)) == 5


def test_an_invalid_field_is_named_in_french(client, connection):
    response = client.post(
        "/suggestions/ajouter", data=form_data(client, "/suggestions/ajouter", name="Lieu", postal_code="ABC")
    )
    assert response.status_code == 400
    assert "Code postal invalide" in response.get_data(as_text=True)


def submit_new_place(client):
    """A visitor proposes a ressourcerie in Saint-Georges."""
    client.post(
        "/suggestions/ajouter",
        data=form_data(
            client,
            "/suggestions/ajouter",
            name="Ressourcerie proposée",
            municipality_name="St-Georges",
            postal_code="g5y1l3",
            items=["meubles", "velos"],
            comment="Ouverte depuis mai",
        ),
    )


def test_a_moderator_creates_the_proposed_place_in_its_mrc(client, connection):
    accounts.create_user(connection, "moderatrice@exemple.org", PASSWORD, "editor", ["29"])
    submit_new_place(client)
    suggestion_id = connection.execute(text("SELECT id FROM suggestion")).scalar()
    sign_in(client, "moderatrice@exemple.org")
    assert "Ressourcerie proposée" in client.get("/admin/suggestions").get_data(as_text=True)
    page = f"/admin/suggestions/{suggestion_id}"
    response = client.post(
        f"{page}/accepter",
        data={
            "csrf_token": token_of(client, page),
            "fields": ["name", "postal_code", "items", "municipality_name"],
        },
    )
    assert response.status_code == 302
    created = connection.execute(
        text("""SELECT name, items, mrc_code, geocode_precision, published
        FROM enterprise WHERE source = 'suggestion'""")
    ).one()
    assert tuple(created) == ("Ressourcerie proposée", ["meubles", "velos"], "29", "postal_code", True)


def test_accepting_some_fields_changes_only_those_and_records_the_history(client, connection):
    accounts.create_user(connection, "admin@exemple.org", PASSWORD, "admin")
    enterprise = insert_enterprise(connection, name="Comptoir", phone=None)
    path = f"/suggestions/modifier/{enterprise}"
    client.post(
        path,
        data=form_data(
            client,
            path,
            name="Comptoir renommé",
            phone="418 555-0123",
            items=["meubles"],
            street="100 1re Avenue",
            municipality_name="Saint-Georges",
            postal_code="G5Y 1L3",
        ),
    )
    suggestion_id = connection.execute(text("SELECT id FROM suggestion")).scalar()
    sign_in(client, "admin@exemple.org")
    page = f"/admin/suggestions/{suggestion_id}"
    client.post(f"{page}/accepter", data={"csrf_token": token_of(client, page), "fields": ["phone"]})
    row = connection.execute(
        text("SELECT name, phone FROM enterprise WHERE id = :id"), {"id": enterprise}
    ).one()
    assert tuple(row) == ("Comptoir", "+14185550123")
    kinds = (
        connection.execute(
            text("SELECT kind FROM enterprise_revision WHERE enterprise_id = :id ORDER BY id"),
            {"id": enterprise},
        )
        .scalars()
        .all()
    )
    assert kinds == ["create", "suggestion"]


def test_a_new_place_can_be_merged_into_an_existing_enterprise(client, connection):
    accounts.create_user(connection, "admin@exemple.org", PASSWORD, "admin")
    existing = insert_enterprise(connection, name="Ressourcerie de Beauce", items=["meubles"])
    submit_new_place(client)
    suggestion_id = connection.execute(text("SELECT id FROM suggestion")).scalar()
    sign_in(client, "admin@exemple.org")
    page = f"/admin/suggestions/{suggestion_id}"
    client.post(
        f"{page}/accepter",
        data={"csrf_token": token_of(client, page), "fields": ["items"], "merge_into": str(existing)},
    )
    assert connection.execute(
        text("SELECT items FROM enterprise WHERE id = :id"), {"id": existing}
    ).scalar() == ["meubles", "velos"]
    assert connection.execute(text("SELECT status FROM suggestion")).scalar() == "merged"
    assert (
        connection.execute(text("SELECT count(*) FROM enterprise WHERE source = 'suggestion'")).scalar() == 0
    )


def test_rejecting_changes_nothing_and_keeps_the_reason(client, connection):
    accounts.create_user(connection, "admin@exemple.org", PASSWORD, "admin")
    submit_new_place(client)
    suggestion_id = connection.execute(text("SELECT id FROM suggestion")).scalar()
    sign_in(client, "admin@exemple.org")
    page = f"/admin/suggestions/{suggestion_id}"
    client.post(f"{page}/rejeter", data={"csrf_token": token_of(client, page), "reason": "Doublon"})
    assert tuple(connection.execute(text("SELECT status, reason FROM suggestion")).one()) == (
        "rejected",
        "Doublon",
    )
    assert (
        connection.execute(text("SELECT count(*) FROM enterprise WHERE source = 'suggestion'")).scalar() == 0
    )


def test_an_editor_cannot_moderate_another_mrcs_suggestion(client, connection):
    accounts.create_user(connection, "montreal@exemple.org", PASSWORD, "editor", ["66"])
    submit_new_place(client)
    suggestion_id = connection.execute(text("SELECT id FROM suggestion")).scalar()
    sign_in(client, "montreal@exemple.org")
    assert "Ressourcerie proposée" not in client.get("/admin/suggestions").get_data(as_text=True)
    assert client.get(f"/admin/suggestions/{suggestion_id}").status_code == 403
    token = token_of(client, "/admin/")
    assert (
        client.post(
            f"/admin/suggestions/{suggestion_id}/accepter", data={"csrf_token": token, "fields": ["name"]}
        ).status_code
        == 403
    )


def test_the_enterprise_page_links_to_the_correction_form_and_shows_the_verification(client, connection):
    enterprise = insert_enterprise(connection, name="Comptoir vérifié", verified_at="2026-10-01")
    page = client.get(f"/entreprises/{enterprise}").get_data(as_text=True)
    assert f"/suggestions/modifier/{enterprise}" in page and "Vérifié le" in page


def test_the_map_page_invites_to_add_a_missing_place(client):
    assert "/suggestions/ajouter" in client.get("/").get_data(as_text=True)
