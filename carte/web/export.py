"""Downloads of the published enterprises with the API's filters: CSV and GeoJSON."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context

from carte.web.session import get_session
from carte.read.export import Licence, export_csv, export_geojson
from carte.read.filters import FILTER_AND_LANGUAGE, check_known
from carte.web.api import base_url, request_filter, request_language
from carte.web.caching import conditional, share_publicly, time_bucket

blueprint = Blueprint("export", __name__, url_prefix="/export")
share_publicly(blueprint)


@blueprint.before_request
def refuse_unknown_parameters() -> None:
    """The exports accept only the filters and the language."""
    check_known(request.args, FILTER_AND_LANGUAGE)


def current_licence() -> Licence:
    """The licence configured for this installation."""
    config = current_app.config
    return Licence(config["DATA_LICENCE"], config["DATA_LICENCE_URL"], config["DATA_ATTRIBUTION"])


def download(response: Response, filename: str) -> Response:
    """Mark a response as a file to save, with a link to its licence."""
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Link"] = f'<{current_licence().url}>; rel="license"'
    return response


@blueprint.get("/enterprises.csv")
def enterprises_csv() -> Response:
    """The matching enterprises as a CSV file for spreadsheets (UTF-8 with BOM)."""
    filters, language = request_filter(), request_language()

    def build() -> Response:
        lines = export_csv(get_session(), filters, language, base_url(), current_licence())
        return download(Response(stream_with_context(lines), mimetype="text/csv"), "entreprises.csv")

    return conditional(build, extra=time_bucket() if filters.open_now else "")


@blueprint.get("/enterprises.geojson")
def enterprises_geojson() -> Response:
    """The matching enterprises as one GeoJSON file."""
    filters, language = request_filter(), request_language()

    def build() -> Response:
        body = export_geojson(get_session(), filters, language, base_url(), current_licence())
        return download(Response(body, mimetype="application/geo+json"), "entreprises.geojson")

    return conditional(build, extra=time_bucket() if filters.open_now else "")
