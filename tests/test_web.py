"""The web application: languages, errors, security headers, serving and packaging."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_interface_is_french_by_default_and_english_on_request(client):
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-CA"}).get_data(as_text=True)


def test_an_unknown_page_is_a_french_404_page(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_every_page_carries_security_headers(client):
    headers = client.get("/").headers
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    assert "base-uri 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("entry_point", ["carte.wsgi:app", "carte:create_app()"])
def test_gunicorn_serves_the_app_from_either_entry_point(database_url, entry_point):
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-b", f"127.0.0.1:{port}", "-w", "1", entry_point],
        env={**os.environ, "CARTE_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = ""
        for _ in range(60):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert "Beauce-Sartigan" in body
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def test_the_built_package_carries_the_templates(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "carte/templates/base.html" in names
    assert any(name.startswith("carte/store/migrations/versions/") for name in names)
