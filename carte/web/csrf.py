"""CSRF protection: every state-changing request carries the session's token."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session
from flask_babel import gettext as _

from carte.core.errors import CarteError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Refuse a POST, PUT, PATCH or DELETE whose token is missing or wrong."""
    if request.method in SAFE_METHODS:
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise CarteError(
            _("Jeton de sécurité (CSRF) absent ou invalide : rechargez la page et réessayez."), status=400
        )


def init_app(app: Flask) -> None:
    """Check tokens before every request and expose csrf_token() to templates."""
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
