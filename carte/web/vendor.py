"""Front-end libraries served by the app itself from their Python packages (no CDN)."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import Blueprint, Flask, Response, abort, send_from_directory, url_for

blueprint = Blueprint("vendor", __name__)
#: The packages the pages use, by the name in their URL.
PACKAGES: dict[str, Path] = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "leaflet-markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
}
#: A year: the URL carries the package version, so a new version is a new URL.
MAX_AGE = 365 * 24 * 3600
VERSIONS = {
    "leaflet": xstatic.pkg.leaflet.VERSION,
    "leaflet-markercluster": xstatic.pkg.leaflet_markercluster.VERSION,
}


@blueprint.get("/vendor/<package>/<version>/<path:filename>")
def asset(package: str, version: str, filename: str) -> Response:
    """One file of a vendored library (only the listed packages, only at their installed version)."""
    if package not in PACKAGES or version != VERSIONS[package] or filename.endswith(".map"):
        abort(404)
    return send_from_directory(PACKAGES[package], filename, max_age=MAX_AGE)


def vendor_url(package: str, filename: str) -> str:
    """The URL of a vendored file, versioned for long caching."""
    return url_for("vendor.asset", package=package, version=VERSIONS[package], filename=filename)


def init_app(app: Flask) -> None:
    """Serve the vendored files and offer vendor_url() to templates."""
    app.register_blueprint(blueprint)
    app.jinja_env.globals["vendor_url"] = vendor_url
