"""A local server speaking Nominatim's /search JSON that fails a share of its calls at random (seeded):
429 with Retry-After, 500, answers slower than the client's timeout, and garbage of every shape."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, text

#: Bodies that are not a Nominatim answer, with the JSON content type a server would still send.
GARBAGE = [
    b'[{"lat": 46.1, ',
    b"{}",
    b"null",
    b'"pas une liste"',
    b"[1, 2]",
    b'{"error": "panne"}',
    b'[{"lat": "abc", "lon": "-70.6", "type": "house"}]',
    b'[{"display_name": "sans coordonnees"}]',
    b"<html><body>Bad gateway</body></html>",
    b"\xff\xfe\x00garbage",
]
FAULTS = ("429", "500", "timeout", "garbage")
_POSTAL = re.compile(r"\b([a-z]\d[a-z]) ?(\d[a-z]\d)\b")


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict | None = None) -> None:
    """Write a response; a client that gave up (timeout) is no error."""
    try:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass


class FlakyNominatim(BaseHTTPRequestHandler):
    """Answers like Nominatim, or fails, as the server's seeded draw decides."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        server: FlakyServer = self.server  # type: ignore[assignment]
        query = parse_qs(urlsplit(self.path).query).get("q", [""])[0].lower()
        fault = server.draw()
        server.log.append((query, fault))
        if fault == "429":
            return self._send(429, b"Too Many Requests", {"Retry-After": server.retry_after})
        if fault == "500":
            return self._send(500, b"Internal Server Error")
        if fault == "timeout":
            time.sleep(server.slow_seconds)
            return self._send(200, b"[]")
        if fault == "garbage":
            return self._send(200, server.rng_choice(server.garbage))
        return self._send(200, json.dumps(server.answer(query)).encode())

    def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
        """Write a JSON response."""
        send(self, status, body, {"Content-Type": "application/json", **(headers or {})})

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


class FlakyServer(ThreadingHTTPServer):
    """The server's state: the seeded draw, where addresses are, the log of what it answered."""

    daemon_threads = True

    def __init__(
        self,
        locate: Callable[[str], tuple[float, float] | None],
        fault_rate: float = 0.3,
        seed: int = 1,
        slow_seconds: float = 0.6,
        retry_after: str = "1",
        kinds: tuple[str, ...] = FAULTS,
        garbage: list[bytes] = GARBAGE,
    ) -> None:
        super().__init__(("127.0.0.1", 0), FlakyNominatim)
        self.locate, self.fault_rate, self.slow_seconds = locate, fault_rate, slow_seconds
        self.retry_after, self.kinds, self.garbage = retry_after, kinds, garbage
        self.rng, self.lock = random.Random(seed), threading.Lock()
        self.log: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        """The base URL to configure as CARTE_GEOCODER_URL."""
        return f"http://127.0.0.1:{self.server_port}"

    def draw(self) -> str:
        """'ok', or the fault to inject for this call."""
        with self.lock:
            return self.rng.choice(self.kinds) if self.rng.random() < self.fault_rate else "ok"

    def rng_choice(self, values: list[bytes]) -> bytes:
        """A seeded choice among values."""
        with self.lock:
            return self.rng.choice(values)

    def answer(self, query: str) -> list[dict]:
        """A house-level place near the postal code of the query, or nothing when it has none known."""
        match = _POSTAL.search(query)
        point = self.locate(f"{match[1]} {match[2]}".upper()) if match else None
        if point is None:
            return []
        return [
            {
                "lat": str(point[0] + 0.0003),
                "lon": str(point[1] + 0.0003),
                "class": "building",
                "type": "house",
                "addresstype": "building",
                "display_name": query,
            }
        ]

    def faults(self) -> Counter:
        """How many calls got each answer."""
        return Counter(fault for _query, fault in self.log)


def postal_locator(
    engine: Engine, extra: dict[str, tuple[float, float]] | None = None
) -> Callable[[str], tuple[float, float] | None]:
    """Where the fake server puts an address: by its postal code, from `extra` (codes the service knows
    and the database does not) or from the postal code table."""
    known = dict(extra or {})

    def locate(code: str) -> tuple[float, float] | None:
        if code not in known:
            with engine.connect() as connection:
                row = connection.execute(
                    text("SELECT ST_Y(point), ST_X(point) FROM postal_code WHERE code = :c"), {"c": code}
                ).first()
            known[code] = tuple(row) if row else None
        return known[code]

    return locate


def listing(
    engine: Engine, count: int, seed: int, email: str = "", street: str = "rue Principale"
) -> list[list[str]]:
    """Rows of an enterprise list (HEADER_FR's columns) at real postal codes of their municipality
    (a street of its own keeps committed runs from meeting each other's cached answers)."""
    with engine.connect() as connection:
        places = connection.execute(
            text("""
            SELECT p.code, m.name FROM postal_code p
            JOIN municipality m ON lower(m.name) = lower(p.municipality_name) AND m.mrc_code IS NOT NULL
            ORDER BY md5(p.code || :seed) LIMIT :count"""),
            {"seed": str(seed), "count": count},
        ).all()
    return [
        [
            f"F{number}",
            f"Ressourcerie {town} {number} (test)",
            f"{number * 7} {street}",
            town,
            code,
            "",
            email and f"{email}{number}@exemple.org",
        ]
        + [""] * 5
        for number, (code, town) in enumerate(places, 1)
    ]


def serve(server: FlakyServer) -> Iterator[FlakyServer]:
    """Run the server in a thread for the duration of a fixture."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
