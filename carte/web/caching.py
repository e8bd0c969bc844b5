"""HTTP caching and CORS for public data: ETags from the data version, 304s before any query."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from flask import Blueprint, Response, current_app, request

from carte import __name__ as package
from carte.core.pause import local_today
from carte.read.queries import cache_version
from carte.web.session import get_session

T = TypeVar("T")
#: Responses larger than this are not kept in memory.
MAX_CACHED_BYTES = 2 * 1024 * 1024
#: Bump when the shape of a response changes, so cached copies made by older code are not reused.
FORMAT_VERSION = "2"


def current_etag(extra: str = "") -> str:
    """An ETag for this URL on this host at the current data and pauses' versions and day (pauses end by
    date)."""
    key = "|".join(
        [
            package,
            FORMAT_VERSION,
            cache_version(get_session()),
            str(local_today()),
            request.host_url,
            request.full_path,
            extra,
        ]
    )
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def per_process(name: str, key: Hashable, build: Callable[[], T]) -> T:
    """A value kept by this process under a name until its key changes (usually the data version)."""
    known = current_app.extensions.get(f"carte_kept_{name}")
    if known is None or known[0] != key:
        known = (key, build())
        current_app.extensions[f"carte_kept_{name}"] = known
    return known[1]


def per_data_version(name: str, build: Callable[[], T], *extra: Hashable) -> T:
    """A value built once per data and pauses' version, day (pauses end by date), extra key parts and
    process."""
    return per_process(name, (cache_version(get_session()), local_today(), *extra), build)


def time_bucket(minutes: int = 5) -> str:
    """The current slice of time, for answers that depend on the clock (open_now)."""
    now = datetime.now(UTC)
    return f"{now:%Y%m%d%H}{now.minute // minutes}"


@dataclass(frozen=True)
class CachedBody:
    """A response body kept in memory with its media type and extra headers."""

    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]


class ResponseCache:
    """A small per-process LRU of built responses keyed by ETag: a data change makes new keys."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[str, CachedBody] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedBody | None:
        """The body kept under a key, if any."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, response: Response) -> None:
        """Keep a complete, successful, not too large response."""
        if self.entries <= 0 or response.status_code != 200 or response.is_streamed:
            return
        body = response.get_data()
        if len(body) > MAX_CACHED_BYTES:
            return
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name in ("Content-Disposition", "Link")
        )
        with self._lock:
            self._items[key] = CachedBody(body, response.mimetype, headers)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)


def response_cache() -> ResponseCache:
    """The application's response cache (made on first use, sized by RESPONSE_CACHE_ENTRIES)."""
    cache = current_app.extensions.get("carte_response_cache")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "carte_response_cache", ResponseCache(int(current_app.config["RESPONSE_CACHE_ENTRIES"]))
        )
    return cache


def built_or_cached(etag: str, build: Callable[[], Response]) -> Response:
    """The response for an ETag from memory, else built and kept."""
    cached = response_cache().get(etag)
    if cached is not None:
        return Response(cached.body, mimetype=cached.mimetype, headers=list(cached.headers))
    response = build()
    response_cache().put(etag, response)
    return response


def conditional(build: Callable[[], Response], max_age: int = 300, extra: str = "") -> Response:
    """Answer 304 when the client's ETag is current, else the response (from memory when possible)."""
    etag = current_etag(extra)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = built_or_cached(etag, build)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={max_age}"
    response.vary.add("Accept-Encoding")
    return response


def open_cors(response: Response) -> Response:
    """Let any site read public data with GET; errors get short-lived cache headers too."""
    if request.method == "GET" and "ETag" not in response.headers and not response.is_streamed:
        response.add_etag()
        response.headers.setdefault("Cache-Control", "public, max-age=60")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link, Content-Disposition"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match, Accept, Accept-Language"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def share_publicly(blueprint: Blueprint) -> None:
    """Open a blueprint's answers to every origin."""
    blueprint.after_request(open_cors)
