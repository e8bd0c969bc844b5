"""Leaflet and its marker clusters, served by the app from the XStatic packages (never a CDN)."""
from __future__ import annotations

from flask import Blueprint, Response, send_from_directory

blueprint = Blueprint("assets", __name__)
ONE_WEEK = 7 * 24 * 3600


def package_dir(name: str) -> str:
    """The data folder of an XStatic package."""
    if name == "leaflet":
        import xstatic.pkg.leaflet as package
    else:
        import xstatic.pkg.leaflet_markercluster as package
    return package.BASE_DIR


@blueprint.get("/static/vendor/leaflet/<path:filename>")
def leaflet(filename: str) -> Response:
    """A file of Leaflet (leaflet.js, leaflet.css, images/...)."""
    return send_from_directory(package_dir("leaflet"), filename, max_age=ONE_WEEK)


@blueprint.get("/static/vendor/markercluster/<path:filename>")
def markercluster(filename: str) -> Response:
    """A file of Leaflet.markercluster."""
    return send_from_directory(package_dir("markercluster"), filename, max_age=ONE_WEEK)
