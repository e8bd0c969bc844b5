"""URL sources: partners' published lists (CSV, XLSX or GeoJSON) re-imported when they change.

`refresh` asks with the stored ETag / Last-Modified, compares the checksum, and runs the same ingest
as `carte ingest`. It never hides more than the source's allowed share of its enterprises without a
person confirming (`confirm`), so a truncated file cannot empty the map.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.errors import CarteError, NotFound
from carte.ingest.pipeline import IngestOptions, IngestResult, ingest_file
from carte.ingest.readers import IngestError

MAX_BYTES = 50 * 1024 * 1024
TIMEOUT = 30.0
FORMATS = {".csv": ".csv", ".xlsx": ".xlsx", ".geojson": ".geojson", ".json": ".geojson"}
CONTENT_TYPES = {
    "text/csv": ".csv",
    "application/geo+json": ".geojson",
    "application/json": ".geojson",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


@dataclass(frozen=True)
class Download:
    """What the partner's server answered."""

    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    suffix: str = ".csv"


@dataclass(frozen=True)
class RefreshOutcome:
    """What refreshing one source did, in a sentence for the log."""

    name: str
    status: str
    message: str


def add_source(connection: Connection, name: str, url: str, max_unpublish_share: float = 0.2) -> None:
    """Register (or update) a source published at a URL."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise CarteError(f"Adresse invalide pour la source {name} : {url} (http:// ou https://).")
    if not 0 <= max_unpublish_share <= 1:
        raise CarteError("--max-unpublish doit être entre 0 et 1.")
    connection.execute(
        text("""INSERT INTO url_source (name, url, max_unpublish_share) VALUES (:n, :u, :s)
        ON CONFLICT (name) DO UPDATE SET url = excluded.url, max_unpublish_share = excluded.max_unpublish_share"""),
        {"n": name, "u": url, "s": max_unpublish_share},
    )


def list_sources(connection: Connection) -> list[dict[str, Any]]:
    """Every URL source with its last check."""
    return [
        dict(row)
        for row in connection.execute(
            text(
                "SELECT name, url, max_unpublish_share, checked_at, status, message, batch_id"
                " FROM url_source ORDER BY name"
            )
        ).mappings()
    ]


def fetch(url: str, etag: str | None, last_modified: str | None) -> Download:
    """GET the list, conditionally; a network or HTTP failure is a CarteError, never a crash."""
    request = urllib.request.Request(url, headers={"User-Agent": "carte-economie-sociale/0.1"})
    if etag:
        request.add_header("If-None-Match", etag)
    if last_modified:
        request.add_header("If-Modified-Since", last_modified)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise CarteError(f"La liste publiée dépasse {MAX_BYTES // (1024 * 1024)} Mo.")
            return Download(
                response.status,
                body,
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                suffix_of(url, response.headers.get("Content-Type")),
            )
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Download(304, etag=etag, last_modified=last_modified)
        raise CarteError(f"Le serveur de la source a répondu {error.code}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise CarteError(f"Source injoignable : {getattr(error, 'reason', error)}.") from None


def suffix_of(url: str, content_type: str | None) -> str:
    """The list's format, from the URL's extension, else its content type, else CSV."""
    suffix = Path(urlsplit(url).path).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    return CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower(), ".csv")


def geojson_as_csv(body: bytes) -> bytes:
    """A GeoJSON FeatureCollection of points as CSV: the properties, then latitude and longitude."""
    try:
        features = json.loads(body.decode("utf-8-sig"))["features"]
    except (ValueError, KeyError, TypeError):
        raise IngestError("Ce GeoJSON n'est pas une FeatureCollection lisible.") from None
    columns: dict[str, None] = {}
    rows = []
    for feature in features:
        properties = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            properties["longitude"], properties["latitude"] = geometry["coordinates"][:2]
        columns.update(dict.fromkeys(properties))
        rows.append(properties)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()})
    return out.getvalue().encode("utf-8")


def run(connection: Connection, name: str, body: bytes, suffix: str, options: IngestOptions) -> IngestResult:
    """Ingest the downloaded list through the same pipeline as the command line."""
    if suffix == ".geojson":
        body, suffix = geojson_as_csv(body), ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_bytes(body)
        return ingest_file(connection, path, options)


def published_count(connection: Connection, name: str) -> int:
    """How many enterprises of the source are on the map."""
    return connection.execute(
        text("SELECT count(*) FROM enterprise WHERE source = :s AND published"), {"s": name}
    ).scalar_one()


def refresh(
    connection: Connection,
    name: str,
    make_options: Callable[[str, bool], IngestOptions],
    confirm: bool = False,
) -> RefreshOutcome:
    """Re-import one source if its list changed, holding back a large unpublishing for a person."""
    source = (
        connection.execute(text("SELECT * FROM url_source WHERE name = :n"), {"n": name}).mappings().first()
    )
    if source is None:
        raise NotFound(f"Source inconnue : {name}.")
    download = fetch(
        source["url"], None if confirm else source["etag"], None if confirm else source["last_modified"]
    )
    digest = hashlib.sha256(download.body).hexdigest() if download.status != 304 else source["checksum"]
    if download.status == 304 or (digest == source["checksum"] and not confirm):
        return record(connection, name, "inchangée", "La liste publiée n'a pas changé.", download, digest)
    if confirm and digest != source["pending_checksum"]:
        raise CarteError(f"Rien à confirmer pour {name} : la liste a changé depuis ; relancez refresh.")
    preview = run(connection, name, download.body, download.suffix, make_options(name, True))
    on_map = published_count(connection, name)
    share = preview.missing / on_map if on_map else 0.0
    if share > source["max_unpublish_share"] and not confirm:
        message = (
            f"{preview.missing} fiches sur {on_map} ({share:.0%}) seraient masquées, plus que les "
            f"{source['max_unpublish_share']:.0%} permis : confirmez avec « carte sources refresh "
            f"--confirm {name} » si c'est voulu."
        )
        connection.execute(
            text("UPDATE url_source SET pending_checksum = :c WHERE name = :n"), {"c": digest, "n": name}
        )
        return record(
            connection, name, "à confirmer", message, download, source["checksum"], keep_validators=True
        )
    result = run(connection, name, download.body, download.suffix, make_options(name, False))
    summary = result.summary()
    message = (
        f"lues {summary['read']}, ajoutées {summary['inserted']}, modifiées {summary['updated']}, "
        f"inchangées {summary['unchanged']}, rejetées {summary['rejected']}, masquées {result.unpublished}."
    )
    connection.execute(
        text("UPDATE url_source SET batch_id = :b, pending_checksum = NULL WHERE name = :n"),
        {"b": result.batch_id, "n": name},
    )
    return record(connection, name, "importée", message, download, digest)


def record(
    connection: Connection,
    name: str,
    status: str,
    message: str,
    download: Download,
    checksum: str | None,
    keep_validators: bool = False,
) -> RefreshOutcome:
    """Remember the check; validators are kept back while a change awaits confirmation."""
    connection.execute(
        text("""UPDATE url_source SET checked_at = now(), status = :status, message = :message,
        checksum = :checksum,
        etag = CASE WHEN :keep THEN etag ELSE coalesce(:etag, etag) END,
        last_modified = CASE WHEN :keep THEN last_modified ELSE coalesce(:modified, last_modified) END
        WHERE name = :name"""),
        {
            "status": status,
            "message": message,
            "checksum": checksum,
            "keep": keep_validators,
            "etag": download.etag,
            "modified": download.last_modified,
            "name": name,
        },
    )
    return RefreshOutcome(name, status, message)
