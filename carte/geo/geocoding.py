"""Geocoding: one small port, an online adapter through geopy, the offline chain in SQL and the cache."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.errors import CarteError
from carte.core.text import fold, municipality_key

ONLINE_SERVICES = ("nominatim", "photon", "pelias", "arcgis")
#: Rough bounds of Quebec; a result outside them is not an answer for a Quebec address.
QUEBEC_BOUNDS = {"lat": (44.9, 62.7), "lon": (-79.9, -57.0)}
#: A point this close (degrees) to an MRC polygon it falls outside of still takes that MRC.
NEAREST_MRC_DEGREES = 0.05
#: A postal code point farther (degrees) than this from the stated municipality's MRC is doubtful.
POSTAL_DOUBT_DEGREES = 0.1
#: Nominatim result types that only name a place, not an address.
_COARSE_TYPES = {
    "city",
    "town",
    "village",
    "hamlet",
    "administrative",
    "municipality",
    "postcode",
    "county",
    "state",
    "country",
    "region",
    "province",
    "island",
}
_STREET_WORDS = {
    "boul": "boulevard",
    "bd": "boulevard",
    "blvd": "boulevard",
    "av": "avenue",
    "ave": "avenue",
    "ch": "chemin",
    "rte": "route",
    "rg": "rang",
    "st": "saint",
    "ste": "sainte",
    "mt": "mont",
    "pl": "place",
    "prom": "promenade",
    "rd": "road",
    "e": "est",
    "o": "ouest",
    "n": "nord",
    "s": "sud",
}


class GeocoderConfigError(CarteError):
    """The geocoder chain names an unknown service."""


@dataclass(frozen=True)
class Address:
    """What a geocoder is asked about."""

    street: str | None = None
    municipality: str | None = None
    postal_code: str | None = None

    def query(self) -> str:
        """The one-line query sent to an online geocoder."""
        parts = [self.street, self.municipality, "Québec", self.postal_code, "Canada"]
        return ", ".join(part for part in parts if part)

    def key(self) -> str:
        """The cache key: the address folded, abbreviations expanded, so spelling variants agree."""
        street = " ".join(_STREET_WORDS.get(word, word) for word in fold(self.street or "").split())
        return "|".join(
            (street, municipality_key(self.municipality or ""), (self.postal_code or "").replace(" ", ""))
        )


@dataclass(frozen=True)
class GeocodeResult:
    """The answer of a geocoder: found (with a point), not found, or error (try again later)."""

    status: str
    latitude: float | None = None
    longitude: float | None = None
    precision: str | None = None
    source: str = ""
    message: str = ""


class Geocoder(Protocol):
    """The port: anything that turns an address into a result, reporting failure instead of raising."""

    name: str

    def geocode(self, address: Address) -> GeocodeResult:
        """Locate one address."""


def in_quebec(latitude: float, longitude: float) -> bool:
    """Whether a point lies within the rough bounds of Quebec."""
    return (
        QUEBEC_BOUNDS["lat"][0] <= latitude <= QUEBEC_BOUNDS["lat"][1]
        and QUEBEC_BOUNDS["lon"][0] <= longitude <= QUEBEC_BOUNDS["lon"][1]
    )


@dataclass(frozen=True)
class Chain:
    """The geocoder chain asked for: online services first (in order), then the offline tables."""

    online: tuple[str, ...]
    offline: bool

    @property
    def label(self) -> str:
        """The chain as written in configuration."""
        return ",".join(self.online + (("offline",) if self.offline else ()))


def parse_chain(value: str) -> Chain:
    """Read a chain such as 'nominatim,offline'; an unknown name is a GeocoderConfigError."""
    names = [name.strip().lower() for name in re.split(r"[,\s>]+", value or "") if name.strip()]
    unknown = [name for name in names if name not in ONLINE_SERVICES + ("offline",)]
    if unknown or not names:
        raise GeocoderConfigError(
            f"Géocodeur inconnu : {', '.join(unknown) or '(vide)'}. Valeurs possibles : offline, "
            f"{', '.join(ONLINE_SERVICES)} (ex. --geocoder nominatim,offline)."
        )
    return Chain(online=tuple(n for n in names if n != "offline"), offline="offline" in names)


class OnlineGeocoder:
    """A geopy geocoder behind the port: rate-limited, Retry-After honoured, faults reported as errors."""

    def __init__(
        self,
        service: str,
        *,
        user_agent: str,
        url: str = "",
        min_delay: float = 1.0,
        timeout: float = 10.0,
        retries: int = 2,
        max_retry_after: float = 60.0,
        retry_budget: float = 120.0,
        max_errors: int = 20,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = service
        self.clock = clock
        self.min_delay = min_delay
        self.retries = retries
        self.max_retry_after = max_retry_after
        self.retry_budget = retry_budget
        self.max_errors = max_errors
        self.sleep = sleep
        self.calls = 0
        self.errors = 0
        self.waited = 0.0
        self._errors_in_a_row = 0
        self._last_request = float("-inf")
        self._geopy = make_geopy(service, user_agent=user_agent, url=url, timeout=timeout)

    def geocode(self, address: Address) -> GeocodeResult:
        """Ask the service, retrying after a 429 within the run's waiting budget; any other fault, and
        every request once the service has failed max_errors times in a row, is an 'error' result."""
        from geopy import exc

        if self._errors_in_a_row >= self.max_errors:
            return self._error(
                f"service abandonné pour cette exécution après {self.max_errors} erreurs de suite"
            )
        for attempt in range(self.retries + 1):
            self._wait_turn()
            self.calls += 1
            try:
                location = self._geopy.geocode(address.query(), exactly_one=True)
            except exc.GeocoderRateLimited as error:
                if attempt < self.retries and self._wait_retry_after(error.retry_after):
                    continue
                return self._error("limite de requêtes atteinte (429)")
            except exc.GeopyError as error:
                return self._error(describe_fault(error))
            except Exception as error:  # noqa: BLE001 (the port reports failure, never crashes the import)
                return self._error(f"réponse inutilisable ({type(error).__name__})")
            return self._result(location)
        return self._error("limite de requêtes atteinte (429)")

    def _wait_retry_after(self, retry_after: float | None) -> bool:
        """Sleep as long as a 429 asks (at most max_retry_after); False when the run's budget of
        such waits would be exceeded."""
        wait = min(max(float(retry_after or self.min_delay), 0.0), self.max_retry_after)
        if self.waited + wait > self.retry_budget:
            return False
        self.waited += wait
        self.sleep(wait)
        return True

    def _wait_turn(self) -> None:
        """Sleep so that two requests are at least min_delay seconds apart."""
        wait = self._last_request + self.min_delay - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last_request = self.clock()

    def _error(self, message: str) -> GeocodeResult:
        """Count and return a failure that must not be cached."""
        self.errors += 1
        self._errors_in_a_row += 1
        return GeocodeResult("error", source=self.name, message=message)

    def _result(self, location: Any) -> GeocodeResult:
        """Turn a geopy Location (or None) into a result, rejecting coarse or foreign answers."""
        self._errors_in_a_row = 0
        if location is None:
            return GeocodeResult("not_found", source=self.name)
        raw = location.raw if isinstance(getattr(location, "raw", None), dict) else {}
        kind = str(raw.get("addresstype") or raw.get("type") or "").lower()
        try:
            latitude, longitude = float(location.latitude), float(location.longitude)
        except (TypeError, ValueError):
            return self._error("coordonnées illisibles")
        if kind in _COARSE_TYPES or not in_quebec(latitude, longitude):
            return GeocodeResult("not_found", source=self.name, message="réponse imprécise ou hors Québec")
        return GeocodeResult("found", latitude, longitude, "address", self.name)


def describe_fault(error: Exception) -> str:
    """A short French description of a geopy fault."""
    from geopy import exc

    if isinstance(error, exc.GeocoderTimedOut):
        return "délai dépassé"
    if isinstance(error, exc.GeocoderParseError):
        return "réponse illisible"
    if isinstance(error, (exc.GeocoderUnavailable, exc.GeocoderServiceError)):
        return "service indisponible"
    return f"erreur du géocodeur ({type(error).__name__})"


def _nominatim_class() -> type:
    """geopy's Nominatim, refusing any answer that is not a list of places with coordinates: geopy
    alone reads `{}` or `null` as 'not found' (which would be cached) and crashes on other shapes."""
    from geopy.exc import GeocoderParseError
    from geopy.geocoders import Nominatim

    class Strict(Nominatim):
        """Nominatim with its answers' shape checked."""

        def _parse_json(self, places: Any, exactly_one: bool) -> Any:
            if not isinstance(places, list) or not all(
                isinstance(place, dict) and "lat" in place and "lon" in place for place in places
            ):
                raise GeocoderParseError("réponse de forme inattendue")
            return super()._parse_json(places, exactly_one)

    return Strict


def make_geopy(service: str, *, user_agent: str, url: str, timeout: float) -> Any:
    """Build the geopy geocoder for a service name, pointed at `url` when one is configured."""
    from functools import partial
    from urllib.parse import urlsplit

    from geopy import geocoders
    from geopy.adapters import RequestsAdapter

    classes = {
        "nominatim": _nominatim_class(),
        "photon": geocoders.Photon,
        "pelias": geocoders.Pelias,
        "arcgis": geocoders.ArcGIS,
    }
    # Retries are ours (Retry-After honoured, faults counted), not hidden inside the HTTP adapter.
    options: dict[str, Any] = {
        "user_agent": user_agent,
        "timeout": timeout,
        "adapter_factory": partial(RequestsAdapter, max_retries=0),
    }
    if url:
        parts = urlsplit(url if "//" in url else f"https://{url}")
        options["domain"] = parts.netloc + parts.path.rstrip("/")
        options["scheme"] = parts.scheme
    if service == "nominatim":
        options["domain"] = options.get("domain", "nominatim.openstreetmap.org")
    if service == "pelias" and "domain" not in options:
        raise GeocoderConfigError("Pelias demande CARTE_GEOCODER_URL (adresse de votre serveur Pelias).")
    if service == "arcgis":
        options.pop("domain", None)
    return classes[service](**options)


def online_geocoders(chain: Chain, config: dict[str, Any]) -> list[OnlineGeocoder]:
    """The online adapters of a chain, configured from the settings."""
    return [
        OnlineGeocoder(
            name,
            user_agent=config["GEOCODER_USER_AGENT"],
            url=config["GEOCODER_URL"],
            min_delay=config["GEOCODER_MIN_DELAY"],
            timeout=config["GEOCODER_TIMEOUT"],
            retry_budget=config["GEOCODER_RETRY_BUDGET"],
            max_errors=config["GEOCODER_MAX_ERRORS"],
        )
        for name in chain.online
    ]


def cached(connection: Connection, geocoder: str, keys: Iterable[str]) -> set[str]:
    """The keys already answered (found or not found) by a geocoder."""
    rows = connection.execute(
        text("SELECT key FROM geocode_cache WHERE geocoder = :g AND key = ANY(:keys)"),
        {"g": geocoder, "keys": list(keys)},
    )
    return {row.key for row in rows}


def remember(connection: Connection, geocoder: str, key: str, result: GeocodeResult) -> None:
    """Cache a definitive answer; errors are never cached so they are retried next time."""
    if result.status not in ("found", "not_found"):
        return
    connection.execute(
        text("""
        INSERT INTO geocode_cache (key, geocoder, status, latitude, longitude, precision)
        VALUES (:key, :g, :status, :lat, :lon, :precision)
        ON CONFLICT (key, geocoder) DO UPDATE SET status = excluded.status,
            latitude = excluded.latitude, longitude = excluded.longitude,
            precision = excluded.precision, created_at = now()"""),
        {
            "key": key,
            "g": geocoder,
            "status": result.status,
            "lat": result.latitude,
            "lon": result.longitude,
            "precision": result.precision,
        },
    )


# --- The chain over a staged table, set-based: one statement per step, never one query per row ---

# `line` is unique by construction (a file's line, or a count): no index on it, because each of the
# chain's UPDATEs rewrites its rows, and a primary key then took a new index entry per row each time.
STAGE_COLUMNS = """line int NOT NULL, street text, address_key text, municipality_name text,
    municipality_key text, municipality_code text, postal_code text, fsa text, file_lat float8,
    file_lon float8, point geometry(Point, 4326), precision text, geocode_source text, mrc_code text,
    geocode_failed boolean NOT NULL DEFAULT false, flags text[] NOT NULL DEFAULT '{}'"""

_RESOLVE_AMBIGUOUS = """
UPDATE {t} s SET municipality_code = (
    SELECT m.code FROM municipality m
    LEFT JOIN postal_code p ON p.code = s.postal_code
    LEFT JOIN fsa f ON f.code = s.fsa
    WHERE m.name_key = s.municipality_key
    ORDER BY ST_Distance(m.point, COALESCE(p.point, f.point)) NULLS LAST, m.population DESC NULLS LAST
    LIMIT 1)
WHERE s.municipality_code IS NULL AND s.municipality_key IS NOT NULL AND s.municipality_key <> ''"""

_STEPS = {
    "manual": """UPDATE {t} SET point = ST_SetSRID(ST_MakePoint(file_lon, file_lat), 4326),
        precision = 'manual', geocode_source = 'fichier'
        WHERE point IS NULL AND file_lat IS NOT NULL AND file_lon IS NOT NULL""",
    "cache": """UPDATE {t} s SET point = ST_SetSRID(ST_MakePoint(c.longitude, c.latitude), 4326),
        precision = c.precision, geocode_source = c.geocoder
        FROM geocode_cache c WHERE s.point IS NULL AND c.geocoder = :geocoder
        AND c.key = s.address_key AND c.status = 'found'""",
    "postal_code": """UPDATE {t} s SET point = p.point, precision = 'postal_code',
        geocode_source = 'code postal' FROM postal_code p
        WHERE s.point IS NULL AND p.code = s.postal_code""",
    "municipality": """UPDATE {t} s SET point = m.point, precision = 'municipality',
        geocode_source = 'municipalité' FROM municipality m
        WHERE s.point IS NULL AND m.code = s.municipality_code AND m.point IS NOT NULL""",
    "fsa": """UPDATE {t} s SET point = f.point, precision = 'fsa', geocode_source = 'RTA'
        FROM fsa f WHERE s.point IS NULL AND f.code = s.fsa""",
}

# One statement for every placed row: the stated municipality's MRC for municipality (and FSA) points,
# else the subdivided polygon holding the point, else the nearest within NEAREST_MRC_DEGREES, else the
# municipality's MRC; the last three are flagged. The polygons drive the point-in-polygon join (over
# an index of the staged points; OFFSET 0 keeps the planner from turning it around) so that each
# polygon is prepared once for all its points.
ASSIGN_MRC = """
WITH inside AS MATERIALIZED (
    SELECT DISTINCT ON (x.line) x.line, p.mrc_code
    FROM mrc_part p CROSS JOIN LATERAL (
        SELECT s.line FROM {t}_points s WHERE ST_Intersects(p.geom, s.point) OFFSET 0) x
    ORDER BY x.line, p.mrc_code)
UPDATE {t} s SET mrc_code = r.mrc_code, flags = s.flags || r.flags
FROM (
    SELECT s2.line,
        COALESCE(CASE WHEN s2.precision IN ('municipality', 'fsa') THEN mun.mrc_code END,
                 inside.mrc_code, near.mrc_code, mun.mrc_code) AS mrc_code,
        CASE WHEN s2.precision IN ('municipality', 'fsa') AND mun.mrc_code IS NOT NULL THEN '{{}}'
             WHEN inside.mrc_code IS NOT NULL AND s2.precision = 'fsa' THEN '{{mrc_from_fsa}}'
             WHEN inside.mrc_code IS NOT NULL THEN '{{}}'
             WHEN near.mrc_code IS NOT NULL THEN '{{mrc_nearest}}'
             WHEN mun.mrc_code IS NOT NULL THEN '{{mrc_from_municipality}}'
             ELSE '{{mrc_unknown}}' END::text[] AS flags
    FROM {t} s2
    LEFT JOIN municipality mun ON mun.code = s2.municipality_code
    LEFT JOIN inside ON inside.line = s2.line
    LEFT JOIN LATERAL (
        SELECT p.mrc_code FROM mrc_part p
        WHERE inside.mrc_code IS NULL
          AND NOT (s2.precision IN ('municipality', 'fsa') AND mun.mrc_code IS NOT NULL)
          AND ST_DWithin(p.geom, s2.point, :near)
        ORDER BY p.geom <-> s2.point LIMIT 1) near ON true
    WHERE s2.point IS NOT NULL) r
WHERE r.line = s.line"""

# A postal code point in another MRC than the stated municipality's: far away, the municipality's
# point wins; close by (a rural post office serving the next village), the point stays but the
# municipality decides the MRC. Both are reported.
CHECK_POSTAL_CODES = """
WITH doubtful AS (
    SELECT s.line, m.point AS municipality_point, m.mrc_code AS municipality_mrc,
           -- `|| ''` keeps the planner on the spatial index rather than the mrc_code one
           NOT EXISTS (SELECT 1 FROM mrc_part p WHERE ST_DWithin(p.geom, s.point, :far)
                       AND p.mrc_code || '' = m.mrc_code) AS far
    FROM {t} s JOIN municipality m ON m.code = s.municipality_code
    WHERE s.precision = 'postal_code' AND m.mrc_code IS NOT NULL
      AND s.mrc_code IS DISTINCT FROM m.mrc_code)
UPDATE {t} s SET
    point = CASE WHEN d.far AND d.municipality_point IS NOT NULL THEN d.municipality_point ELSE s.point END,
    precision = CASE WHEN d.far AND d.municipality_point IS NOT NULL THEN 'municipality' ELSE s.precision END,
    geocode_source = CASE WHEN d.far AND d.municipality_point IS NOT NULL THEN 'municipalité'
                          ELSE s.geocode_source END,
    mrc_code = d.municipality_mrc,
    flags = array_remove(array_remove(s.flags, 'mrc_nearest'), 'mrc_from_municipality')
            || CASE WHEN d.far THEN '{{postal_code_far}}' ELSE '{{postal_code_other_mrc}}' END::text[]
FROM doubtful d WHERE d.line = s.line"""

_FINAL_FLAGS = """
UPDATE {t} SET flags = flags || CASE
    WHEN point IS NULL THEN '{{unplaced}}'::text[] ELSE '{{}}'::text[] END
    || CASE WHEN municipality_key <> '' AND municipality_code IS NULL
            THEN '{{municipality_unknown}}'::text[] ELSE '{{}}'::text[] END
    || CASE WHEN geocode_failed THEN '{{geocoder_error}}'::text[] ELSE '{{}}'::text[] END
WHERE point IS NULL OR geocode_failed OR (municipality_key <> '' AND municipality_code IS NULL)"""


def place_staged(
    connection: Connection,
    table: str,
    chain: Chain,
    geocoders: list[OnlineGeocoder] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Place every staged row by the chain (file, online via the cache, postal code, municipality,
    FSA), then give each placed row its MRC."""
    run = lambda sql, **params: connection.execute(text(sql.format(t=table)), params)  # noqa: E731
    run(_RESOLVE_AMBIGUOUS)
    run(_STEPS["manual"])
    for geocoder in geocoders or []:
        geocode_online(connection, table, geocoder, progress)
        run(_STEPS["cache"], geocoder=geocoder.name)
    run("UPDATE {t} SET geocode_failed = false WHERE geocode_failed AND precision = 'address'")
    if chain.offline:
        for step in ("postal_code", "municipality", "fsa"):
            run(_STEPS[step])
    # A fresh table for the point index: one built on the updated stage would be unusable until
    # the transaction ends (its rows' HOT chains are broken), and this runs in one transaction.
    run("DROP TABLE IF EXISTS {t}_points")
    run("CREATE TEMP TABLE {t}_points ON COMMIT DROP AS SELECT line, point FROM {t} WHERE point IS NOT NULL")
    run("CREATE INDEX ON {t}_points USING gist (point)")
    # The planner needs statistics of the placed rows; a small sample of a few columns is enough
    # (the default sample of 30,000 rows cost more than the point statistics are worth here).
    run("SET LOCAL default_statistics_target = 10")
    run("ANALYZE {t}_points")
    run("ANALYZE {t} (line, precision, municipality_code, mrc_code, point)")
    run("SET LOCAL default_statistics_target TO DEFAULT")
    run(ASSIGN_MRC, near=NEAREST_MRC_DEGREES)
    run(CHECK_POSTAL_CODES, far=POSTAL_DOUBT_DEGREES)
    run(_FINAL_FLAGS)


def geocode_online(
    connection: Connection,
    table: str,
    geocoder: OnlineGeocoder,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Ask an online geocoder once per distinct address absent from the cache; cache real answers
    and mark the rows whose address met a fault."""
    rows = connection.execute(
        text(f"""
        SELECT DISTINCT ON (s.address_key) s.address_key, s.street, s.municipality_name, s.postal_code
        FROM {table} s WHERE s.point IS NULL AND s.street IS NOT NULL AND s.address_key IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM geocode_cache c
                          WHERE c.key = s.address_key AND c.geocoder = :g)"""),
        {"g": geocoder.name},
    ).all()
    failed = []
    for done, row in enumerate(rows, 1):
        result = geocoder.geocode(Address(row.street, row.municipality_name, row.postal_code))
        if result.status == "error":
            failed.append(row.address_key)
        remember(connection, geocoder.name, row.address_key, result)
        if progress:
            progress(done, len(rows))
    if failed:
        connection.execute(
            text(
                f"UPDATE {table} SET geocode_failed = true WHERE point IS NULL AND address_key = ANY(:keys)"
            ),
            {"keys": failed},
        )


class OfflineGeocoder:
    """The offline chain for one address (postal code, municipality, FSA), through the same SQL."""

    name = "offline"

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def geocode(self, address: Address) -> GeocodeResult:
        """Place one address from the reference tables; 'not_found' when none applies."""
        table = "geocode_one"
        self.connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        self.connection.execute(text(f"CREATE TEMP TABLE {table} ({STAGE_COLUMNS})"))
        postal = address.postal_code
        self.connection.execute(
            text(
                f"INSERT INTO {table} (line, street, municipality_name, municipality_key, postal_code, fsa) "
                "VALUES (1, :street, :municipality, :key, :postal, :fsa)"
            ),
            {
                "street": address.street,
                "municipality": address.municipality,
                "key": municipality_key(address.municipality or ""),
                "postal": postal,
                "fsa": postal[:3] if postal else None,
            },
        )
        place_staged(self.connection, table, Chain(online=(), offline=True))
        row = self.connection.execute(
            text(f"SELECT ST_Y(point) AS lat, ST_X(point) AS lon, precision FROM {table}")
        ).one()
        self.connection.execute(text(f"DROP TABLE {table}, {table}_points"))
        if row.lat is None:
            return GeocodeResult("not_found", source=self.name)
        return GeocodeResult("found", row.lat, row.lon, row.precision, self.name)
