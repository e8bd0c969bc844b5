"""The staff back-office: accounts, sessions, CSRF, permissions, edits and their history."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from carte.core.errors import CarteError
from carte.staff import accounts
from tests.helpers import PASSWORD, insert_enterprise, sign_in, token_of


@pytest.fixture()
def app(app):
    """The app over plain HTTP, as the test client speaks it."""
    app.config["SESSION_COOKIE_SECURE"] = False
    return app


@pytest.fixture()
def admin_id(connection):
    return accounts.create_user(connection, "admin@exemple.org", PASSWORD, "admin")


@pytest.fixture()
def editor_id(connection):
    return accounts.create_user(connection, "editrice@exemple.org", PASSWORD, "editor", ["29"])


def test_passwords_are_stored_as_argon2id_hashes(connection, admin_id):
    stored = connection.execute(
        text("SELECT password_hash FROM app_user WHERE id = :id"), {"id": admin_id}
    ).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_an_editor_needs_an_mrc_and_a_long_password(connection):
    with pytest.raises(CarteError, match="au moins une MRC"):
        accounts.create_user(connection, "e@exemple.org", PASSWORD, "editor")
    with pytest.raises(CarteError, match="12 caractères"):
        accounts.create_user(connection, "e@exemple.org", "court", "admin")
    with pytest.raises(CarteError, match="inconnu"):
        accounts.create_user(connection, "e@exemple.org", PASSWORD, "editor", ["999"])


def test_signing_in_opens_the_back_office(client, admin_id):
    response = sign_in(client, "admin@exemple.org")
    assert response.status_code == 302
    assert "Entreprises" in client.get("/admin/").get_data(as_text=True)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, admin_id):
    response = sign_in(client, "admin@exemple.org", "mauvais-mot-de-passe")
    assert response.status_code == 401
    assert "Adresse courriel ou mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, admin_id):
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        sign_in(client, "admin@exemple.org", "mauvais-mot-de-passe")
    response = sign_in(client, "admin@exemple.org")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_a_copied_cookie_stops_working_after_sign_out(client, admin_id):
    sign_in(client, "admin@exemple.org")
    copied = client.get_cookie("carte_session").value
    client.post("/admin/deconnexion", data={"csrf_token": token_of(client, "/admin/")})
    client.set_cookie("carte_session", copied)
    assert client.get("/admin/").status_code == 302


def test_an_idle_session_ends(connection, admin_id):
    token = accounts.open_session(connection, admin_id)
    later = datetime.now(UTC) + timedelta(minutes=31)
    assert accounts.resolve_session(connection, token, 30) is not None
    assert accounts.resolve_session(connection, token, 30, now=later) is None


def test_every_post_without_a_valid_csrf_token_is_refused(client, admin_id):
    response = client.post("/admin/connexion", data={"email": "admin@exemple.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    sign_in(client, "admin@exemple.org")
    for path in ("/admin/deconnexion", "/admin/entreprises/1"):
        assert client.post(path, data={"csrf_token": "faux"}).status_code == 400


def test_the_session_cookie_is_secure_httponly_and_samesite(client, admin_id, app):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.get("/admin/connexion")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_admin_pages_refuse_framing_and_caching(client):
    headers = client.get("/admin/connexion").headers
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"


def edit_form(client, enterprise_id: int, **changes) -> dict:
    """The edit form's current values with some changed, ready to post."""
    page = client.get(f"/admin/entreprises/{enterprise_id}").get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "name": re.search(r'id="f-name" name="name" type="text" value="([^"]*)"', page).group(1),
        "sectors": ["ressourcerie"],
        "items": ["meubles"],
        "published": "on",
    }
    data.update(changes)
    return data


def test_an_edit_is_stored_and_recorded_in_the_history_with_its_author(client, connection, admin_id):
    enterprise = insert_enterprise(connection, name="Ressourcerie du Granit")
    sign_in(client, "admin@exemple.org")
    response = client.post(
        f"/admin/entreprises/{enterprise}",
        data=edit_form(client, enterprise, name="Ressourcerie de la Beauce", phone="418 555-0199"),
    )
    assert response.status_code == 302
    stored = connection.execute(
        text("SELECT name, phone FROM enterprise WHERE id = :id"), {"id": enterprise}
    ).one()
    assert tuple(stored) == ("Ressourcerie de la Beauce", "+14185550199")
    history = client.get(f"/admin/entreprises/{enterprise}/historique").get_data(as_text=True)
    assert "Ressourcerie du Granit" in history and "admin@exemple.org" in history


def test_an_invalid_field_is_named_and_nothing_is_stored(client, connection, admin_id):
    enterprise = insert_enterprise(connection, name="Friperie")
    sign_in(client, "admin@exemple.org")
    response = client.post(
        f"/admin/entreprises/{enterprise}",
        data=edit_form(client, enterprise, postal_code="12345", name="Autre"),
    )
    assert response.status_code == 400
    assert "Code postal invalide" in response.get_data(as_text=True)
    assert (
        connection.execute(text("SELECT name FROM enterprise WHERE id = :id"), {"id": enterprise}).scalar()
        == "Friperie"
    )


def test_unpublishing_hides_an_enterprise_from_the_counts(client, connection, admin_id):
    enterprise = insert_enterprise(connection)
    sign_in(client, "admin@exemple.org")
    data = edit_form(client, enterprise)
    del data["published"]
    client.post(f"/admin/entreprises/{enterprise}", data=data)
    assert (
        connection.execute(
            text("SELECT published FROM enterprise WHERE id = :id"), {"id": enterprise}
        ).scalar()
        is False
    )


def test_an_editor_cannot_open_or_change_another_mrcs_enterprise(client, connection, editor_id):
    own = insert_enterprise(connection, name="Chez nous", mrc_code="29")
    other = insert_enterprise(connection, name="Ailleurs", mrc_code="66")
    sign_in(client, "editrice@exemple.org")
    assert client.get(f"/admin/entreprises/{own}").status_code == 200
    assert client.get(f"/admin/entreprises/{other}").status_code == 403
    crafted = edit_form(client, own, name="Piraté")
    assert client.post(f"/admin/entreprises/{other}", data=crafted).status_code == 403
    assert client.get(f"/admin/entreprises/{other}/historique").status_code == 403
    assert (
        connection.execute(text("SELECT name FROM enterprise WHERE id = :id"), {"id": other}).scalar()
        == "Ailleurs"
    )
    listing = client.get("/admin/").get_data(as_text=True)
    assert "Chez nous" in listing and "Ailleurs" not in listing


def test_only_admins_see_the_accounts(client, editor_id, admin_id):
    sign_in(client, "editrice@exemple.org")
    assert client.get("/admin/utilisateurs").status_code == 403


def test_enterprise_text_is_escaped_on_admin_pages(client, connection, admin_id):
    enterprise = insert_enterprise(connection, name="<script>alert(1)</script>")
    sign_in(client, "admin@exemple.org")
    page = client.get(f"/admin/entreprises/{enterprise}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_user_create_reads_the_password_from_standard_input(database_url, engine):
    carte = str(Path(sys.executable).parent / "carte")
    email = "cli-test@exemple.org"
    try:
        result = subprocess.run(
            [carte, "user", "create", email, "--role", "editor", "--mrc", "29"],
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "CARTE_DATABASE_URL": database_url},
        )
        assert result.returncode == 0, result.stderr
        with engine.connect() as connection:
            user = accounts.authenticate(connection, email, PASSWORD)
        assert user.role == "editor" and user.mrc_codes == ("29",)
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM app_user WHERE email = :e"), {"e": email})


def test_every_state_changing_route_refuses_a_request_without_csrf_token(client, app):
    posts = [rule for rule in app.url_map.iter_rules() if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert len(posts) >= 10
    for rule in posts:
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "x")
        response = client.post(path, data={"name": "x"})
        assert response.status_code == 400, rule.rule
        assert "CSRF" in response.get_data(as_text=True), rule.rule
