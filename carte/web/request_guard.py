"""Requests refused before any view runs: NUL characters, which no PostgreSQL text can hold."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _

from carte.core.errors import CarteError
from carte.read.filters import InvalidParameter


def refuse_nul_characters() -> None:
    """400 for a NUL in the path, a query parameter or a form field, naming where it is."""
    if "\x00" in request.path:
        raise CarteError(_("Adresse invalide : elle contient un caractère nul."))
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for source in sources:
        for name, value in source.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise InvalidParameter(
                    name.replace("\x00", "")[:40],
                    "caractère nul interdit.",
                    "NUL characters are not allowed.",
                )


def init_app(app: Flask) -> None:
    """Check every request first."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_characters)
