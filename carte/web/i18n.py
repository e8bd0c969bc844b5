"""Languages: French first, English second, chosen by ?lang= or the browser's preference."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, get_locale

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def select_locale() -> str:
    """The request's language: an explicit ?lang=, else the best Accept-Language match, else French."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language code of the current request."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with the package's translations."""
    translations = Path(__file__).resolve().parent.parent / "translations"
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
