"""URL sources: partners' lists re-imported from a local HTTP server when, and only when, they change."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text

from carte.core.errors import CarteError
from carte.geo.geocoding import Chain
from carte.ingest.pipeline import IngestOptions
from carte.ingest.sources import add_source, refresh

ROWS = [
    ("Ressourcerie du Lac", "G5Y 1L3", "Saint-Georges"),
    ("Friperie du Pont", "G6E 3Z3", "Sainte-Marie"),
    ("Comptoir de la Rive", "G6V 4J8", "Lévis"),
    ("Atelier Vélo Centre", "G5Y 1L3", "Saint-Georges"),
    ("Bouquinerie Solidaire", "G6E 3Z3", "Sainte-Marie"),
]


def partner_csv(rows) -> bytes:
    """The partner's list as they publish it."""
    lines = ["nom,code postal,ville,identifiant"] + [
        f"{n},{p},{v},id-{i}" for i, (n, p, v) in enumerate(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


class Partner:
    """A local HTTP server publishing one list with an ETag, counting requests."""

    def __init__(self) -> None:
        self.body, self.content_type, self.requests, self.not_modified = partner_csv(ROWS), "text/csv", 0, 0
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                partner.requests += 1
                etag = '"' + hashlib.md5(partner.body).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    partner.not_modified += 1
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", partner.content_type)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(partner.body)))
                self.end_headers()
                self.wfile.write(partner.body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture()
def partner():
    server = Partner()
    yield server
    server.server.shutdown()


def options(source: str, dry_run: bool) -> IngestOptions:
    """Offline ingest options, as the command builds them."""
    return IngestOptions(
        source=source, dry_run=dry_run, unpublish_missing=True, chain=Chain(online=(), offline=True)
    )


def published(connection, source: str = "partenaire") -> int:
    """Enterprises of the source on the map."""
    return connection.execute(
        text("SELECT count(*) FROM enterprise WHERE source = :s AND published"), {"s": source}
    ).scalar()


def test_a_source_is_imported_then_skipped_while_unchanged(connection, partner):
    add_source(connection, "partenaire", partner.url + "/liste.csv")
    assert refresh(connection, "partenaire", options).status == "importée"
    assert published(connection) == 5
    second = refresh(connection, "partenaire", options)
    assert second.status == "inchangée" and partner.not_modified == 1


def test_a_changed_list_is_reimported_through_the_same_pipeline(connection, partner):
    add_source(connection, "partenaire", partner.url + "/liste.csv")
    refresh(connection, "partenaire", options)
    partner.body = partner_csv(ROWS[:4] + [("Bouquinerie Solidaire et Café", "G6E 3Z3", "Sainte-Marie")])
    outcome = refresh(connection, "partenaire", options)
    assert outcome.status == "importée" and "modifiées 1" in outcome.message


def test_a_list_that_would_hide_too_many_waits_for_a_person(connection, partner):
    add_source(connection, "partenaire", partner.url + "/liste.csv", max_unpublish_share=0.2)
    refresh(connection, "partenaire", options)
    partner.body = partner_csv(ROWS[:2])
    held = refresh(connection, "partenaire", options)
    assert held.status == "à confirmer" and "3 fiches sur 5" in held.message
    assert published(connection) == 5
    assert refresh(connection, "partenaire", options, confirm=True).status == "importée"
    assert published(connection) == 2


def test_a_geojson_list_is_read_with_its_points(connection, partner):
    partner.content_type = "application/geo+json"
    partner.body = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [-70.67, 46.12]},
                    "properties": {
                        "nom": "Ressourcerie GeoJSON",
                        "ville": "Saint-Georges",
                        "identifiant": "g-1",
                    },
                }
            ],
        }
    ).encode()
    add_source(connection, "geo", partner.url + "/points")
    assert refresh(connection, "geo", options).status == "importée"
    row = connection.execute(
        text("SELECT mrc_code, geocode_precision FROM enterprise WHERE source = 'geo'")
    ).one()
    assert tuple(row) == ("29", "manual")


def test_an_unreachable_or_failing_source_is_a_clear_error_and_changes_nothing(connection, partner):
    add_source(connection, "partenaire", partner.url + "/liste.csv")
    partner.server.shutdown()
    partner.server.server_close()
    with pytest.raises(CarteError, match="injoignable"):
        refresh(connection, "partenaire", options)
    assert published(connection) == 0


def test_the_refresh_command_reports_each_source_for_cron(engine, database_url, partner):
    import os
    import subprocess
    import sys
    from pathlib import Path

    carte = str(Path(sys.executable).parent / "carte")
    env = {**os.environ, "CARTE_DATABASE_URL": database_url}
    try:
        added = subprocess.run(
            [carte, "sources", "add", "cli-partenaire", partner.url + "/liste.csv"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert added.returncode == 0, added.stderr
        first = subprocess.run(
            [carte, "sources", "refresh", "cli-partenaire"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        again = subprocess.run(
            [carte, "sources", "refresh", "cli-partenaire"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert first.returncode == 0 and "cli-partenaire : importée" in first.stdout
        assert "cli-partenaire : inchangée" in again.stdout
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM url_source WHERE name = 'cli-partenaire'"))
            connection.execute(
                text(
                    "UPDATE url_source SET batch_id = NULL WHERE batch_id IN "
                    "(SELECT id FROM import_batch WHERE source = 'cli-partenaire')"
                )
            )
            connection.execute(text("DELETE FROM enterprise WHERE source = 'cli-partenaire'"))
