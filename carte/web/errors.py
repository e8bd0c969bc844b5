"""Error pages and JSON errors: a clear message, never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from carte.core.errors import CarteError

#: Seconds a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


def wants_json() -> bool:
    """True for API, export, tile, map-data and coverage-download requests, which answer errors in JSON."""
    return request.path.startswith(("/api/", "/export/", "/tiles/", "/carte/")) or request.path.endswith(
        (".json", "/couverture.csv", "/couverture.geojson")
    )


def render_error(status: int, message: str):
    """An error response in the form the client expects."""
    if wants_json():
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("errors/error.html", status=status, message=message), status


def handle_carte_error(error: CarteError):
    """A typed error: its own status and user-safe message."""
    return render_error(error.status, error.message)


def handle_http_error(error: HTTPException):
    """A Werkzeug error (404, 405, 413...) with a translated message."""
    messages = {
        404: _("Page introuvable."),
        405: _("Méthode non permise."),
        413: _("Fichier trop volumineux : %(max)s Mo au plus.", max=current_app.config["MAX_UPLOAD_MB"]),
    }
    return render_error(error.code or 500, messages.get(error.code, error.description or ""))


def handle_unexpected(error: Exception):
    """Anything else: logged, and a generic message for the user."""
    current_app.logger.exception("Unexpected error", exc_info=error)
    return render_error(500, _("Une erreur inattendue est survenue. Réessayez plus tard."))


def handle_database_error(error: DBAPIError):
    """The database is unreachable or dropped the connection (restart, failover): 503 and try again
    soon; the pool has already discarded the broken connections, so the next request reconnects."""
    if not (isinstance(error, OperationalError) or error.connection_invalidated):
        return handle_unexpected(error)
    current_app.logger.warning("Database unavailable: %s", str(error.orig or error).strip().split("\n")[0])
    response = make_response(
        render_error(
            503, _("La base de données est momentanément indisponible. Réessayez dans quelques instants.")
        )
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CarteError, handle_carte_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
