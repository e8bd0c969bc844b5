"""The privacy page (`/confidentialite`): what the site keeps about visitors and staff, and what it never does."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from carte.web.security import remote_tile_url, tile_origin

blueprint = Blueprint("privacy", __name__)


@blueprint.get("/confidentialite")
def show() -> str:
    """The privacy notice, naming the configured tile server and the staff session length."""
    return render_template(
        "privacy/show.html",
        tile_host=tile_origin(remote_tile_url()),
        idle_minutes=current_app.config["SESSION_IDLE_MINUTES"],
    )
