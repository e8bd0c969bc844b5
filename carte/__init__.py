"""Carte de l'économie sociale: the application factory."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carte.core.config import REPO_ROOT, load_config

if TYPE_CHECKING:
    from flask import Flask


def template_folder() -> Path:
    """The templates: the repository's top-level folder, else the copy built into the package."""
    checkout = REPO_ROOT / "templates"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "templates"


def configure_cookies(app: Flask) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure unless disabled, ending after idleness."""
    from datetime import timedelta

    app.secret_key = app.config["SECRET_KEY"]
    app.config.update(
        SESSION_COOKIE_NAME="carte_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config["SECURE_COOKIES"]),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"])),
    )


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the application: settings, database, languages, security headers, blueprints."""
    from flask import Flask

    from carte.web import (
        api,
        coverage,
        csrf,
        embed,
        errors,
        export,
        i18n,
        request_guard,
        security,
        session,
        tiles,
        vendor,
    )
    from carte.web.admin import blueprint as admin
    from carte.web.enterprise import blueprint as enterprise
    from carte.web.home import blueprint as home
    from carte.web.owner import blueprint as owner
    from carte.web.privacy import blueprint as privacy
    from carte.web.suggestions import blueprint as suggestions

    app = Flask(__name__, template_folder=str(template_folder()), static_folder="static")
    app.config.update(load_config())
    if config:
        app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    configure_cookies(app)
    session.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    request_guard.init_app(app)
    errors.init_app(app)
    csrf.init_app(app)
    vendor.init_app(app)
    app.register_blueprint(home)
    for blueprint in (
        enterprise,
        api.blueprint,
        export.blueprint,
        embed.blueprint,
        admin,
        suggestions,
        owner,
        privacy,
        tiles.blueprint,
        coverage.blueprint,
    ):
        app.register_blueprint(blueprint)
    return app


def create_app_or_exit(status: int) -> Flask:
    """The application, or what is wrong with its settings in one line on stderr and exit `status`."""
    from carte.core.errors import CarteError

    try:
        return create_app()
    except CarteError as error:
        print(f"Erreur : {error.message}", file=sys.stderr, flush=True)
        raise SystemExit(status) from None
