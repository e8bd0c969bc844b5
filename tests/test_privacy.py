"""Staff-only data never reaches a public surface; the privacy page in French and English is linked everywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from carte.map.rows import MAX_ROWS
from carte.staff import accounts, freshness, suggestions
from tests.helpers import carte_command, insert_enterprise
from tests.sample_urls import every_route, sample_rows

CANARY = "canari-7f3a9c"
#: Filters the API and exports are also fetched with, so that a filtered query cannot leak either.
FILTERS = (
    "",
    "?mrc=29",
    "?q=canari",
    "?q=Ressourcerie",
    "?sector=ressourcerie&item=meubles",
    "?near=46.1185,-70.6656&radius=50",
    "?bbox=-71,46,-70,47",
    "?lang=en",
)


def plant_canaries(connection) -> int:
    """An enterprise whose staff-only fields, a suggestion's comment and e-mail, a staff account hold the canary."""
    enterprise = insert_enterprise(
        connection,
        name="Ressourcerie du canari",
        description="Meubles",
        contact_person=f"Personne {CANARY}",
        internal_notes=f"Notes {CANARY}",
    )
    suggestions.submit(
        connection,
        enterprise,
        {"phone": "418 555-0199"},
        f"Commentaire {CANARY}",
        f"{CANARY}@exemple.org",
        "privacy-test",
    )
    accounts.create_user(connection, f"{CANARY}-admin@exemple.org", "un-mot-de-passe-solide", "admin")
    return enterprise


def public_urls(app, rows) -> list[str]:
    """Every public GET page of the URL map, the API and exports under each filter."""
    pages = [
        url
        for rule, method, url in every_route(app, rows)
        if method == "GET" and not url.startswith("/admin")
    ]
    data = [
        f"{path}{query}"
        for path in (
            "/api/enterprises",
            "/export/enterprises.csv",
            "/export/enterprises.geojson",
            "/export/enterprises.jsonld",
            "/export/enterprises-hsds.csv",
        )
        for query in FILTERS
    ]
    data += [f"/api/enterprises{query}{'&' if query else '?'}format=jsonld" for query in FILTERS]
    return pages + data + ["/embed?mrc=29&view=list", "/embed?mrc=29&lang=en"]


def map_urls(client) -> list[str]:
    """The map's names of every row (up to one request's worth) and its free-text search, for its current data."""
    payload = client.get("/carte/donnees.json").json
    ordinals = ",".join(str(n) for n in range(min(payload["count"], MAX_ROWS)))
    return [
        f"/carte/lignes?v={payload['version']}&n={ordinals}",
        f"/carte/recherche?v={payload['version']}&q={CANARY}",
    ]


def test_staff_only_values_appear_on_no_public_page_api_export_or_embed(app, client, connection):
    enterprise = plant_canaries(connection)
    rows = sample_rows(connection, app.config["SECRET_KEY"])
    rows.update(
        enterprise_id=enterprise,
        first_id=enterprise,
        token=freshness.link_signer(app.config["SECRET_KEY"]).dumps(enterprise),
    )
    leaks = []
    for url in public_urls(app, rows) + map_urls(client):
        response = client.get(url)
        assert response.status_code < 500, url
        if CANARY in response.get_data(as_text=True):
            leaks.append(url)
    assert leaks == []


def test_the_export_command_never_writes_staff_only_values(database_url, engine):
    with engine.begin() as connection:
        insert_enterprise(connection, source="privacy-test", contact_person=CANARY, internal_notes=CANARY)
    try:
        for fmt in ("csv", "geojson", "jsonld", "hsds"):
            result = carte_command(database_url, "export", "--format", fmt)
            assert result.exit_code == 0 and CANARY not in result.output
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM enterprise WHERE source = 'privacy-test'"))


@pytest.mark.parametrize(
    "query, heading, phrase",
    [("", "Confidentialité", "Aucun traceur"), ("?lang=en", "Privacy", "No trackers")],
)
def test_the_privacy_page_says_what_is_kept_in_french_and_english(client, app, query, heading, phrase):
    page = client.get("/confidentialite" + query).get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page and phrase in page
    assert "tile.openstreetmap.org" in page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/mrc",
        "/mrc/29",
        "/integrer",
        "/suggestions/ajouter",
        "/api/",
        "/embed?mrc=29",
        "/embed?mrc=29&view=list",
    ],
)
def test_public_pages_and_the_embed_credits_link_to_the_privacy_page(client, path):
    assert 'href="/confidentialite?lang=fr"' in client.get(path).get_data(as_text=True)


#: Pages holding a form, whose CSRF token needs the session cookie (as the privacy page says).
FORM_ENDPOINTS = {"suggestions.add", "suggestions.correct", "owner.show", "admin.sign_in"}


def test_browsing_sets_no_cookie_outside_the_forms(app, connection):
    rows = sample_rows(connection, app.config["SECRET_KEY"])
    cookies = set()
    for rule, method, url in every_route(app, rows):
        if method == "GET" and not url.startswith("/admin/") or rule.endpoint == "admin.sign_in":
            if app.test_client().get(url).headers.get("Set-Cookie"):
                cookies.add(rule.endpoint)
    assert cookies <= FORM_ENDPOINTS and "suggestions.add" in cookies
