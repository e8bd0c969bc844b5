"""Downloads of the published enterprises with the API's filters: CSV, GeoJSON, JSON-LD and HSDS CSV."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context

from carte.read.export import FORMATS, Licence
from carte.read.filters import FILTER_AND_LANGUAGE, check_known
from carte.web.api import base_url, request_filter, request_language
from carte.web.caching import conditional, share_publicly, time_bucket
from carte.web.session import get_session

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


def exported(kind: str) -> Response:
    """The matching enterprises in one export format, as a file to save."""
    filters, language = request_filter(), request_language()
    make, mimetype, filename = FORMATS[kind]

    def build() -> Response:
        body = make(get_session(), filters, language, base_url(), current_licence())
        streamed = body if isinstance(body, str) else stream_with_context(body)
        return download(Response(streamed, mimetype=mimetype), filename)

    return conditional(build, extra=time_bucket() if filters.open_now else "")


@blueprint.get("/enterprises.csv")
def enterprises_csv() -> Response:
    """The matching enterprises as a CSV file for spreadsheets (UTF-8 with BOM)."""
    return exported("csv")


@blueprint.get("/enterprises.geojson")
def enterprises_geojson() -> Response:
    """The matching enterprises as one GeoJSON file."""
    return exported("geojson")


@blueprint.get("/enterprises.jsonld")
def enterprises_jsonld() -> Response:
    """The matching enterprises as a schema.org DataFeed of LocalBusiness (JSON-LD)."""
    return exported("jsonld")


@blueprint.get("/enterprises-hsds.csv")
def enterprises_hsds() -> Response:
    """The matching enterprises as a flat CSV table of Open Referral HSDS fields."""
    return exported("hsds")
