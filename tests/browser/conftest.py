"""Browser fixtures: the app served on loopback, Debian's Chromium driven by Playwright, screenshots,
sample data and a second site for embeds (plain helpers are in tests/helpers.py).

Browser tests see committed data (the server runs in another thread with its own connections), so
they insert enterprises with `committed_enterprises`, which deletes them afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, text
from werkzeug.serving import make_server

from carte import create_app
from tests.helpers import PASSWORD, insert_enterprise

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
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def serve(database_url: str, **settings: object) -> Iterator[str]:
    """The application with these settings, served by a threaded Werkzeug server on a free loopback port."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "browser-tests", **settings})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(database_url: str, engine: Engine) -> Iterator[str]:
    """The application as configured by default."""
    yield from serve(database_url)


@pytest.fixture(scope="module")
def tiled_live_server(database_url: str, engine: Engine) -> Iterator[str]:
    """The application with MAP_FULL_DATA_LIMIT at 2, so that a handful of enterprises run the tiled mode."""
    yield from serve(database_url, MAP_FULL_DATA_LIMIT=2)


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
    """Create committed staff accounts (password tests.helpers.PASSWORD) and delete them afterwards."""
    from carte.staff import accounts

    emails: list[str] = []

    def add(email: str, role: str = "admin", mrc_codes: tuple[str, ...] = ()) -> str:
        with engine.begin() as connection:
            accounts.create_user(connection, email, PASSWORD, role, list(mrc_codes))
        emails.append(email)
        return email

    yield add
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM app_user WHERE email = ANY(:emails)"), {"emails": emails})


@pytest.fixture()
def sample(committed_enterprises) -> dict[str, int]:
    """Five enterprises around Quebec, committed for the live server."""
    add = committed_enterprises
    return {
        "meubles": add(
            name="Ressourcerie des Appalaches",
            sectors=["ressourcerie"],
            items=["meubles"],
            lon=-70.6656,
            lat=46.1185,
            opening_hours="Mo-Su 00:00-24:00",
        ),
        "velo": add(
            name="Atelier Vélo Solidaire",
            sectors=["reparation"],
            items=["velos"],
            lon=-70.70,
            lat=46.15,
            municipality_name="Saint-Georges",
        ),
        "friperie": add(
            name="Friperie du Quartier",
            sectors=["friperie"],
            items=["vetements"],
            lon=-71.2080,
            lat=46.8139,
            municipality_name="Québec",
            mrc_code="23",
            municipality_code="23027",
            geocode_precision="postal_code",
        ),
        "montreal": add(
            name="Meubles Partage Montréal",
            sectors=["comptoir_familial"],
            items=["meubles", "vaisselle"],
            lon=-73.5673,
            lat=45.5017,
            municipality_name="Montréal",
            mrc_code="66",
            municipality_code="66023",
        ),
        "livres": add(
            name="Bouquinerie <b>Coop</b>",
            sectors=["culture"],
            items=["livres"],
            lon=-72.5477,
            lat=46.3430,
            municipality_name="Trois-Rivières",
            mrc_code="371",
            municipality_code="37067",
        ),
    }


#: A transparent 1×1 PNG, the "tiles" of the test's base map.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class HostSite(BaseHTTPRequestHandler):
    """Another site: one page holding the snippet, and blank tiles."""

    page = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body, kind = (PIXEL, "image/png") if self.path.startswith("/tiles/") else (self.page, "text/html")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Stay quiet."""


@pytest.fixture()
def host_site() -> Iterator[tuple[str, type[HostSite]]]:
    """A second local web server on its own port: another origin than the app."""
    handler = type("Host", (HostSite,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()


@pytest.fixture()
def app_server(database_url: str, engine: Engine, host_site) -> Iterator[str]:
    """The app, its base-map tiles taken from the host site so that nothing leaves this machine."""
    host_url, _handler = host_site
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "embed-test",
            "TILE_URL": host_url + "/tiles/{z}/{x}/{y}.png",
            "TILE_ATTRIBUTION": "Test",
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
