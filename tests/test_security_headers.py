"""Every route of the URL map, error pages and static files carry the security headers; only /embed is framable."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import Headers

from carte.staff import accounts
from tests.sample_urls import every_route, sample_rows

PASSWORD = "un-mot-de-passe-solide"
#: The only endpoints other sites may frame.
FRAMABLE = {"embed.embed"}


@pytest.fixture()
def app(app):
    """The app over plain HTTP, with an allowlist of two framing origins."""
    app.config["SESSION_COOKIE_SECURE"] = False
    app.config["FRAME_ANCESTORS"] = "https://www.mrc-exemple.qc.ca https://ville.exemple.ca"
    return app


@pytest.fixture()
def rows(connection, app):
    """Real rows behind the URL arguments."""
    return sample_rows(connection, app.config["SECRET_KEY"])


@pytest.fixture()
def admin_client(app, connection):
    """A test client signed in as an administrator."""
    accounts.create_user(connection, "entetes@exemple.org", PASSWORD, "admin")
    client = app.test_client()
    page = client.get("/admin/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/admin/connexion", data={"email": "entetes@exemple.org", "password": PASSWORD, "csrf_token": token}
    )
    return client


def directives(headers: Headers) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    policy = headers.get("Content-Security-Policy", "")
    parsed = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parsed}


def header_problems(headers: Headers, framable: bool, allowed_ancestors: list[str]) -> list[str]:
    """What the response's security headers lack, in words (empty when all is well)."""
    csp = directives(headers)
    problems = []
    script = csp.get("script-src", csp.get("default-src"))
    if script is None or "'unsafe-inline'" in script or not any(s.startswith("'nonce-") for s in script):
        problems.append(f"script-src without nonce or with 'unsafe-inline': {script}")
    if csp.get("object-src") != ["'none'"]:
        problems.append(f"object-src is {csp.get('object-src')}")
    if csp.get("base-uri") != ["'none'"]:
        problems.append(f"base-uri is {csp.get('base-uri')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    ancestors = csp.get("frame-ancestors")
    if framable:
        if ancestors is None or not set(allowed_ancestors) <= set(ancestors) or "'none'" in ancestors:
            problems.append(f"embed frame-ancestors {ancestors} ignores the allowlist")
    elif ancestors != ["'none'"] or headers.get("X-Frame-Options") != "DENY":
        problems.append(f"framing not refused: {ancestors}, {headers.get('X-Frame-Options')}")
    return problems


def check(client, app, method: str, url: str, endpoint: str | None) -> list[str]:
    """Problems of one request's headers, prefixed with the request."""
    response = client.open(url, method=method)
    allowed = app.config["FRAME_ANCESTORS"].split()
    return [
        f"{method} {url} ({response.status_code}): {problem}"
        for problem in header_problems(response.headers, endpoint in FRAMABLE, allowed)
    ]


def test_every_route_of_the_url_map_carries_the_security_headers_signed_in_or_not(
    app, client, admin_client, rows
):
    routes = every_route(app, rows)
    assert len(routes) >= 50
    problems = []
    for rule, method, url in routes:
        problems += check(client, app, method, url, rule.endpoint)
        if method == "GET":
            problems += check(admin_client, app, method, url, rule.endpoint)
    assert problems == []


@pytest.mark.parametrize(
    "method, url, status",
    [
        ("GET", "/cette-page-n-existe-pas", 404),
        ("GET", "/api/rien", 404),
        ("GET", "/entreprises/999999999", 404),
        ("POST", "/", 405),
        ("DELETE", "/api/enterprises", 405),
        ("GET", "/api/enterprises?bbox=a,b,c,d", 400),
        ("POST", "/suggestions/merci", 405),
        ("POST", "/admin/deconnexion?csrf_token=", 302),
        ("GET", "/carte/lieu?q=" + "x" * 300, 400),
        ("GET", "/vendor/leaflet/0.0.0/leaflet.js", 404),
        ("GET", "/static/../carte/core/config.py", 404),
    ],
)
def test_error_pages_carry_the_security_headers_and_refuse_framing(client, app, method, url, status):
    with client.session_transaction() as session:
        session["csrf"] = "jeton"
    response = client.open(url, method=method, headers={"X-CSRF-Token": "jeton"})
    assert response.status_code == status
    assert header_problems(response.headers, False, []) == []


def test_the_embed_follows_the_configured_framing_allowlist_and_nothing_else_is_framable(client, app, rows):
    embed = client.get("/embed?mrc=29")
    assert directives(embed.headers)["frame-ancestors"] == [
        "'self'",
        "https://www.mrc-exemple.qc.ca",
        "https://ville.exemple.ca",
    ]
    assert "X-Frame-Options" not in embed.headers
    framable = {
        rule.endpoint
        for rule, method, url in every_route(app, rows)
        if "X-Frame-Options" not in client.open(url, method=method).headers
    }
    assert framable == FRAMABLE
