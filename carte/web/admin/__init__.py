"""The staff back-office under /admin: sign-in, enterprises, history, accounts."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.record_once
def register_filters(state) -> None:
    """Make the display filters available to the admin templates."""
    from carte.web.admin.display import init_app

    init_app(state.app)


@blueprint.after_request
def no_store(response):
    """Staff pages hold private data: never cached by a browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


from carte.web.admin import auth, duplicates, enterprises, freshness, imports, moderation, review  # noqa: E402,F401  (routes register on import)
