"""Settings declared as data, with defaults and help, read from CARTE_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def _default_geodata_dir() -> str:
    """The shared folder beside the repository, where the reference layers live on this workplace."""
    return str(REPO_ROOT.parent / "shared" / "geodata")


def _as_bool(value: str) -> bool:
    """Read a boolean the way people write it in an environment file."""
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


@dataclass(frozen=True)
class Setting:
    """One documented setting: its environment name, default and help text."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return f"CARTE_{self.name}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/carte",
        "URL of the PostgreSQL + PostGIS database: postgresql://user:password@host:5432/name "
        "(postgres:// and postgresql+psycopg:// work too; see Database URLs below).",
    ),
    Setting(
        "DATABASE_READ_URL",
        "",
        "URL (same forms) of a read replica serving the public GET pages, map data, API and exports "
        "(empty: everything reads the primary database).",
    ),
    Setting(
        "GEODATA_DIR",
        _default_geodata_dir(),
        "Folder holding regions.geojson, mrc.geojson and municipalities.csv (see geodata/README.md).",
    ),
    Setting(
        "SECRET_KEY",
        "dev-only-change-me",
        "Secret used to sign sessions and CSRF tokens; set a long random value in production.",
    ),
    Setting(
        "GEOCODER",
        "offline",
        "Geocoder chain for ingest: 'offline' (postal codes and municipalities) or e.g. "
        "'nominatim,offline' to try an online geocoder first.",
    ),
    Setting("GEOCODER_URL", "", "Base URL of the online geocoder (empty: the service's public default)."),
    Setting(
        "GEOCODER_USER_AGENT",
        "carte-economie-sociale/0.1 (+https://github.com/)",
        "User agent identifying this installation to the online geocoder.",
    ),
    Setting(
        "GEOCODER_MIN_DELAY",
        1.0,
        "Seconds between two requests to the online geocoder (Nominatim asks for at least 1).",
        float,
    ),
    Setting("GEOCODER_TIMEOUT", 10.0, "Seconds before a geocoder request counts as failed.", float),
    Setting(
        "GEOCODER_RETRY_BUDGET",
        120.0,
        "Most seconds one run waits in all for the online geocoder's Retry-After (each wait is "
        "capped at 60); beyond it, a 429 leaves the row to retry later.",
        float,
    ),
    Setting(
        "GEOCODER_MAX_ERRORS",
        20,
        "After this many online geocoder faults in a row, a run stops asking it (the rows stay retryable).",
        int,
    ),
    Setting(
        "TILE_URL",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Base-map tile URL template (the only third-party request the public pages make); 'none' "
        "turns remote tiles off: the maps draw only their own base layer (see Base map below).",
    ),
    Setting(
        "TILE_ATTRIBUTION",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        "Attribution of the base-map tiles, shown on the map.",
    ),
    Setting(
        "FRAME_ANCESTORS",
        "*",
        "Space-separated origins allowed to frame /embed ('*' lets any site embed the map).",
    ),
    Setting(
        "DATA_LICENCE",
        "CC-BY-4.0",
        "Licence of the published enterprise data, stated in the API, the exports and the embed.",
    ),
    Setting(
        "DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/deed.fr", "Web page of that licence."
    ),
    Setting(
        "DATA_ATTRIBUTION",
        "Carte de l'économie sociale et ses partenaires régionaux",
        "Attribution that must travel with the data (exports, API, embed).",
    ),
    Setting(
        "RESPONSE_CACHE_ENTRIES",
        256,
        "API and export answers each worker keeps in memory, keyed by data version and URL (0: none).",
        int,
    ),
    Setting(
        "MAP_FULL_DATA_LIMIT",
        50_000,
        "Above this many published enterprises the map stops downloading every point and asks "
        "/tiles/ for the clusters and points of its viewport.",
        int,
    ),
    Setting("MAX_UPLOAD_MB", 10, "Largest spreadsheet accepted by the web import, in megabytes.", int),
    Setting("MAX_INGEST_MB", 100, "Largest spreadsheet `carte ingest` reads, in megabytes.", int),
    Setting(
        "MAX_UNPACKED_MB",
        100,
        "Largest size an .xlsx workbook may unpack to, in megabytes (zip-bomb guard).",
        int,
    ),
    Setting(
        "MAX_ZIP_RATIO",
        100,
        "Largest compression ratio of a part of an .xlsx workbook over 1 MB (zip-bomb guard).",
        int,
    ),
    Setting(
        "DUPLICATE_MAX_SHARED",
        5,
        "A NEQ, phone or website held by more enterprises than this is not taken as a sign of "
        "duplicates (a head office's number, a placeholder); imports report such values.",
        int,
    ),
    Setting(
        "DUPLICATE_MAX_NEW_PAIRS",
        1000,
        "Most new duplicate candidate pairs one import (or one `carte duplicates`) adds to the "
        "review queue, the most certain first; the report says how many were left out.",
        int,
    ),
    Setting("SESSION_IDLE_MINUTES", 30, "Minutes of inactivity after which a staff session ends.", int),
    Setting(
        "SECURE_COOKIES",
        True,
        "Send the session cookie only over HTTPS (set to false only for local HTTP testing).",
        _as_bool,
    ),
    Setting(
        "PUBLIC_URL", "http://127.0.0.1:5000", "Public address of the site, used in links sent by e-mail."
    ),
    Setting("SMTP_HOST", "127.0.0.1", "SMTP server that sends reminders."),
    Setting("SMTP_PORT", 25, "Port of the SMTP server.", int),
    Setting("SMTP_USER", "", "SMTP user name (empty: no authentication)."),
    Setting("SMTP_PASSWORD", "", "SMTP password."),
    Setting("SMTP_STARTTLS", False, "Upgrade the SMTP connection with STARTTLS.", _as_bool),
    Setting("MAIL_FROM", "carte@localhost", "Sender address of the e-mails."),
    Setting("STALE_DAYS", 365, "Days after which an entry not verified counts as stale.", int),
    Setting("REMINDER_INTERVAL_DAYS", 90, "Days before the same entry's owner may be reminded again.", int),
    Setting("REMINDER_LINK_DAYS", 30, "Days during which the link in a reminder works.", int),
    Setting("DEBUG", False, "Flask debug mode; never in production.", _as_bool),
)


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return every setting, from the environment when set, else its default."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        config[setting.name] = setting.default if raw in (None, "") else setting.parse(raw)
    return config
