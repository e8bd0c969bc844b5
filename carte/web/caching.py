"""HTTP caching and CORS for public data: ETags from the data version, 304s before any query."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Callable

from flask import Blueprint, Response, request

from carte import __name__ as package
from carte.db import get_session
from carte.queries import data_version

#: Bump when the shape of a response changes, so cached copies made by older code are not reused.
FORMAT_VERSION = "1"


def current_etag(extra: str = "") -> str:
    """An ETag for this URL on this host at the current data version."""
    key = "|".join([package, FORMAT_VERSION, str(data_version(get_session())), request.host_url,
                    request.full_path, extra])
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def time_bucket(minutes: int = 5) -> str:
    """The current slice of time, for answers that depend on the clock (open_now)."""
    now = datetime.now(timezone.utc)
    return f"{now:%Y%m%d%H}{now.minute // minutes}"


def conditional(build: Callable[[], Response], max_age: int = 300, extra: str = "") -> Response:
    """Answer 304 when the client's ETag is current, else build the response and tag it."""
    etag = current_etag(extra)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = build()
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
