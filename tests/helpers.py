"""Shared test helpers: data made by code, signing staff in, running `carte`, reading pages and browsers.

Fixtures live in tests/conftest.py and tests/browser/conftest.py; test modules import plain helpers from
here and never from one another (tests/test_test_layout.py checks it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import itertools
import os
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Connection
from werkzeug.test import TestResponse

from carte.store.url import database_url

TEST_DATABASE_URL = database_url(
    os.environ.get("CARTE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/carte_test"),
    "CARTE_TEST_DATABASE_URL",
)
#: The password of every staff account the tests create.
PASSWORD = "un-mot-de-passe-solide"
#: The base-map tile server the citizen map asks by default; browser tests answer it locally.
TILE_HOST = "https://tile.openstreetmap.org/"
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

_serial = itertools.count(1)


def insert_enterprise(
    connection: Connection, *, lon: float = -70.6656, lat: float = 46.1185, **fields: Any
) -> int:
    """Insert one published enterprise (default: in Saint-Georges, Beauce-Sartigan) and return its id."""
    number = next(_serial)
    row: dict[str, Any] = {
        "source": "test",
        "source_key": f"test-{number}",
        "name": f"Entreprise de test {number}",
        "street": "100 1re Avenue",
        "municipality_name": "Saint-Georges",
        "postal_code": "G5Y 1L3",
        "sectors": ["ressourcerie"],
        "items": ["meubles"],
        "services": [],
        "geocode_precision": "address",
        "geocode_source": "test",
        "mrc_code": "29",
        "municipality_code": "29073",
        "published": True,
    }
    row.update(fields)
    columns = list(row)
    values = ", ".join(f":{c}" for c in columns)
    return connection.execute(
        text(
            f"INSERT INTO enterprise ({', '.join(columns)}, point) "
            f"VALUES ({values}, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"
        ),
        {**row, "lon": lon, "lat": lat},
    ).scalar_one()


def migration(file_name: str) -> ModuleType:
    """A migration module of carte/store/migrations/versions, loaded from its file."""
    path = Path(__file__).resolve().parent.parent / "carte" / "store" / "migrations" / "versions" / file_name
    spec = importlib.util.spec_from_file_location(f"carte_migration_{file_name[:4]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def carte_command(database_url: str, *args: str) -> Result:
    """Run a `carte` command in-process against the test database."""
    from carte.cli import cli

    return CliRunner().invoke(cli, list(args), env={"CARTE_DATABASE_URL": database_url})


def token_of(client: FlaskClient, path: str = "/admin/connexion") -> str:
    """The CSRF token of a form page."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Post the sign-in form with its token."""
    return client.post(
        "/admin/connexion", data={"email": email, "password": password, "csrf_token": token_of(client)}
    )


def upload(
    client: FlaskClient, data: bytes, name: str = "liste.csv", source: str = "pole-test"
) -> TestResponse:
    """Post a file to the web import form."""
    return client.post(
        "/admin/imports",
        data={
            "csrf_token": token_of(client, "/admin/imports"),
            "source": source,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def form_data(client: FlaskClient, path: str, **fields: Any) -> dict:
    """The suggestion form's hidden tokens plus the given fields."""
    page = client.get(path).get_data(as_text=True)
    data = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
        for name in ("csrf_token", "form_token")
    }
    data.update(fields)
    return data


def suggestions_in(connection: Connection) -> list:
    """Every stored suggestion."""
    return connection.execute(
        text("SELECT enterprise_id, proposed, status FROM suggestion ORDER BY id")
    ).all()


def openapi_checks() -> list:
    """The schemathesis checks every generated API call must pass."""
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]


def blank_tile() -> bytes:
    """A 1x1 light grey PNG, served instead of base-map tiles so nothing leaves the machine."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xe8"))
        + chunk(b"IEND", b"")
    )


def listed(page: Any) -> list[str]:
    """The names in the map's result list, in order, once the list is no longer waiting for them."""
    page.wait_for_selector('#results-list:not([aria-busy="true"])', state="attached")
    return page.locator("#results-list li h3").all_inner_texts()


def foreign(page: Any) -> list[str]:
    """Requests to hosts other than the app, base-map tiles excepted."""
    return [url for url in page.foreign_requests if not url.startswith(TILE_HOST)]


def sign_in_page(page: Any, live_server: str, email: str, path: str = "/admin/") -> None:
    """Sign a staff member in through the form in the browser, landing on path."""
    page.goto(live_server + path)
    page.get_by_label("Adresse courriel").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def replayed_cookies_are_refused(browser: Any, cookies: list, live_server: str, path: str) -> bool:
    """Whether a fresh browser holding copied cookies is sent back to the sign-in page."""
    replay = browser.new_context()
    replay.add_cookies(cookies)
    page = replay.new_page()
    page.goto(live_server + path)
    refused = page.url.startswith(live_server + "/admin/connexion")
    replay.close()
    return refused


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page, one line each (axe-core from npm, tests only)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa',
        'wcag21a', 'wcag21aa', 'best-practice']})).violations.map(
        v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))""")


def job_id_of(response) -> int:
    """The import job a redirect points at."""
    return int(re.search(r"/travaux/(\d+)", response.headers["Location"]).group(1))


#: A head office's phone number, shared by many rows of a list (duplicate detection must skip it).
HEAD_OFFICE = "(418) 555-0199"


def unlike_name(number: int) -> str:
    """A made-up name sharing no trigram to speak of with the others, so names never pair."""
    digest = hashlib.sha256(str(number).encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16)) for c in digest[:14]).capitalize()


#: The route planner's address for the enterprise of `add_reachable_enterprise`.
DIRECTIONS = "https://www.openstreetmap.org/directions?to=46.1185%2C-70.6656"


def add_reachable_enterprise(add: Callable[..., int], **fields: Any) -> int:
    """Insert (with `add`, e.g. committed_enterprises) an enterprise of Saint-Georges with a street, a
    phone, an e-mail address and opening hours; return its id."""
    return add(
        **{
            "name": "Ressourcerie des Appalaches",
            "street": "12 rue du Pont",
            "phone": "+14185550100",
            "email": "bonjour@exemple.org",
            "opening_hours": "Mo-Fr 09:00-17:00; Sa 10:00-16:00",
            "items": ["meubles", "velos"],
            "lon": -70.6656,
            "lat": 46.1185,
            **fields,
        }
    )


def contact_hrefs(scope: Any) -> dict[str, str]:
    """The href of each kind of contact link (directions, geo, phone, email) inside a Playwright locator."""
    kinds = ("directions", "geo", "phone", "email")
    return {
        kind: scope.locator(f".contact-{kind}").get_attribute("href")
        for kind in kinds
        if scope.locator(f".contact-{kind}").count()
    }


def contact_requests(urls: list[str]) -> list[str]:
    """The requests among these a contact link would make: the route planner, an e-mail address."""
    return [url for url in urls if "openstreetmap.org/directions" in url or "courriel" in url]


def current_version(client) -> str:
    """The version named by the payload the page would load now."""
    return client.get("/carte/donnees.json").json["version"]


#: Counts every call to the geolocation API, installed before the page's scripts.
GEOLOCATION_COUNTER = """
window.__geolocationCalls = 0;
for (const name of ["getCurrentPosition", "watchPosition"]) {
  const real = Geolocation.prototype[name];
  Geolocation.prototype[name] = function (...args) { window.__geolocationCalls += 1; return real.apply(this, args); };
}
"""


def ready(page, url: str) -> None:
    """Open the map at `url`, base-map tiles answered locally, and wait until it is drawn."""
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    page.goto(url)
    page.wait_for_selector("body[data-map-ready]")


def new_page(browser, **options):
    """A fresh French page in a context of its own (granted what `options` grant)."""
    context = browser.new_context(locale="fr-CA", viewport={"width": 1280, "height": 800}, **options)
    context.add_init_script(GEOLOCATION_COUNTER)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def shared_link(page) -> str:
    """Open the share panel and read the link it offers."""
    if not page.locator("#share").evaluate("(panel) => panel.open"):
        page.locator("#share summary").click()
    return page.locator("#share-url").input_value()


def view_of(page) -> dict:
    """What a visitor sees: filters in the form, the list, the open popup, the map's centre and zoom."""
    listed(page)
    return page.evaluate("""() => {
        const map = window.carteMap.map;
        const form = document.getElementById('filters');
        const popup = document.querySelector('.leaflet-popup-content h3');
        return {
            q: form.elements.q.value, item: form.elements.item.value,
            sectors: [...form.querySelectorAll('input[name=sector]:checked')].map((box) => box.value),
            list: [...document.querySelectorAll('#results-list li h3')].map((h) => h.textContent),
            selected: document.querySelector('#results-list li.selected h3')?.textContent ?? null,
            popup: popup ? popup.textContent : null,
            zoom: map.getZoom(), lat: map.getCenter().lat.toFixed(4), lon: map.getCenter().lng.toFixed(4),
            count: document.getElementById('count').textContent,
        };
    }""")


#: The browser's position for near me (Saint-Georges).
HERE = {"latitude": 46.1185, "longitude": -70.6656}


def browser_order(page, names: list[str]) -> list[str]:
    """The names sorted by the browser's own French collation."""
    return page.evaluate("(names) => [...names].sort(new Intl.Collator('fr-CA').compare)", names)


#: Names in the order a French reader expects them; Canadian French compares accents from the end of the
#: word (cote, côte, coté, côté).
FRENCH_ORDER = [
    "atelier Vélo",
    "Cote",
    "Côte",
    "Coté",
    "Côté",
    "Ecole Saint-Jean",
    "École Saint-Jean",
    "Épicerie solidaire",
    "Oasis du livre",
    "Œuvre de partage",
    "Oeuvre des vêtements",
    "Zèbre et cie",
]
