"""Security headers on every response: a nonce-based CSP, no sniffing, framing only where allowed."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g

View = TypeVar("View", bound=Callable)


def csp_nonce() -> str:
    """The request's script nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_framing(view: View) -> View:
    """Mark a view as embeddable by the origins in CARTE_FRAME_ANCESTORS."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.allow_framing = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


#: The value of CARTE_TILE_URL that turns the remote tiles off: the map draws its own base layer only.
NO_TILES = "none"


def remote_tile_url() -> str | None:
    """The configured tile URL template, or None when CARTE_TILE_URL is empty or 'none'."""
    url = str(current_app.config["TILE_URL"] or "").strip()
    return None if url.lower() in ("", NO_TILES) else url


def tile_origin(tile_url: str | None) -> str:
    """The scheme and host of the base-map tiles, the only third-party origin the pages use."""
    parts = urlsplit((tile_url or "").replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


def frame_ancestors(framing: bool) -> str:
    """Who may frame a response: nobody, or the configured origins and this site (its own previews)."""
    allowed = current_app.config["FRAME_ANCESTORS"].split() if framing else []
    if not allowed:
        return "'none'"
    return " ".join(allowed if "*" in allowed else ["'self'", *allowed])


def content_security_policy(nonce: str, framing: bool) -> str:
    """The CSP for one response."""
    ancestors = frame_ancestors(framing)
    tiles = tile_origin(remote_tile_url())
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src 'self' data: {tiles}".strip(),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def add_headers(response: Response) -> Response:
    """Attach the security headers to a response."""
    framing = bool(g.get("allow_framing"))
    response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce(), framing)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
    if not framing:
        response.headers["X-Frame-Options"] = "DENY"
    return response


def init_app(app: Flask) -> None:
    """Register the headers and expose csp_nonce() to templates."""
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
