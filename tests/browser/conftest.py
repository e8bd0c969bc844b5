"""Browser fixtures: the app served on loopback, Debian's Chromium driven by Playwright, screenshots.

Browser tests see committed data (the server runs in another thread with its own connections), so
they insert enterprises with `committed_enterprises`, which deletes them afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, text
from werkzeug.serving import make_server

from carte import create_app
from tests.factories import insert_enterprise

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STAFF_PASSWORD = "un-mot-de-passe-solide"
AXE = Path(__file__).resolve().parent.parent.parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def live_server(database_url: str, engine: Engine) -> Iterator[str]:
    """The application served by a threaded Werkzeug server on a free loopback port."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "browser-tests"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (Playwright's own browser download does not work offline)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh page in French; `page.foreign_requests` lists requests to hosts other than the app."""
    context = browser.new_context(locale="fr-CA", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    app_host = urlsplit(live_server).netloc
    page.foreign_requests = []
    page.on(
        "request",
        lambda request: (
            urlsplit(request.url).netloc not in (app_host, "") and page.foreign_requests.append(request.url)
        ),
    )
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture()
def screenshot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under test-artifacts/screenshots/ and return its path."""

    def take(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture()
def committed_enterprises(engine: Engine) -> Iterator[Callable[..., int]]:
    """Insert committed enterprises (source 'browser-test') and delete them after the test."""

    def add(**fields: Any) -> int:
        with engine.begin() as connection:
            return insert_enterprise(connection, **{"source": "browser-test", **fields})

    yield add
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM enterprise WHERE source = 'browser-test'"))


@pytest.fixture()
def staff_account(engine: Engine) -> Iterator[Callable[..., str]]:
    """Create committed staff accounts (password STAFF_PASSWORD) and delete them afterwards."""
    from carte.staff import accounts

    emails: list[str] = []

    def add(email: str, role: str = "admin", mrc_codes: tuple[str, ...] = ()) -> str:
        with engine.begin() as connection:
            accounts.create_user(connection, email, STAFF_PASSWORD, role, list(mrc_codes))
        emails.append(email)
        return email

    yield add
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM app_user WHERE email = ANY(:emails)"), {"emails": emails})


def sign_in(page: Any, live_server: str, email: str, path: str = "/admin/") -> None:
    """Sign a staff member in through the form, landing on path."""
    page.goto(live_server + path)
    page.get_by_label("Adresse courriel").fill(email)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
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
