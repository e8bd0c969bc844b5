"""The open JSON API: enterprises as GeoJSON, the vocabulary, the MRCs, and its OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from carte.core.errors import NotFound
from carte.core.vocabulary import Term, load_vocabulary
from carte.read.filters import (
    LIST_PARAMETERS,
    EnterpriseFilter,
    InvalidParameter,
    Page,
    check_known,
    parse_filter,
    parse_format,
    parse_language,
    parse_page,
)
from carte.read.public_enterprise import find_public_enterprise, public_enterprise_page
from carte.read.queries import (
    enterprise_feature,
    enterprise_features,
    known_place,
    mrc_boundary_json,
    mrc_list_json,
    paused_left_out,
)
from carte.read.schema_org import data_feed_lines, local_business_document
from carte.web.caching import conditional, share_publicly, time_bucket
from carte.web.i18n import current_language
from carte.web.openapi import openapi_document, operations
from carte.web.session import get_session

blueprint = Blueprint("api", __name__, url_prefix="/api")
share_publicly(blueprint)

GEOJSON = "application/geo+json"
JSON_LD = "application/ld+json"


@blueprint.before_request
def refuse_unknown_parameters() -> None:
    """The JSON endpoints accept only their documented parameters (the HTML page ignores others)."""
    accepted = {"api.enterprises": LIST_PARAMETERS, "api.enterprise": ("lang", "format")}
    if request.endpoint != "api.documentation":
        check_known(request.args, accepted.get(request.endpoint, ("lang",)))


def request_filter() -> EnterpriseFilter:
    """The filters of the current request, validated."""
    return parse_filter(request.args.to_dict(flat=False), load_vocabulary(), known_place(get_session()))


def request_language() -> str:
    """The language of labels asked by ?lang= (fr by default)."""
    return parse_language(request.args.to_dict(flat=False))


def base_url() -> str:
    """This site's address, for links in the data."""
    return request.host_url.rstrip("/")


def licence() -> dict[str, str]:
    """The licence and attribution that travel with the data."""
    config = current_app.config
    return {
        "licence": config["DATA_LICENCE"],
        "licence_url": config["DATA_LICENCE_URL"],
        "attribution": config["DATA_ATTRIBUTION"],
    }


def json_response(body: str, mimetype: str = "application/json") -> Response:
    """A response carrying JSON text made elsewhere (often by PostgreSQL)."""
    return Response(body, mimetype=mimetype)


def next_link(page: Page, total: int) -> str | None:
    """The URL of the next page, or None on the last one."""
    if page.offset + page.limit >= total:
        return None
    args = request.args.to_dict(flat=False)
    args["offset"] = [str(page.offset + page.limit)]
    args["limit"] = [str(page.limit)]
    return url_for("api.enterprises", _external=True, **args)


def collection_body(features: str, total: int, returned: int, page: Page, paused: int = 0) -> str:
    """The FeatureCollection with its paging members, the places left out as paused, the licence and the
    features."""
    following = next_link(page, total)
    head = {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": returned,
        "numberPaused": paused,
        "limit": page.limit,
        "offset": page.offset,
        "next": following,
        **licence(),
    }
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + features + "}"


@blueprint.get("/enterprises")
def enterprises() -> Response:
    """Published enterprises matching the filters: a GeoJSON FeatureCollection, or with format=jsonld a
    schema.org DataFeed whose next page is in the Link header."""
    args = request.args.to_dict(flat=False)
    filters, page, language, answer = (
        request_filter(),
        parse_page(args),
        request_language(),
        parse_format(args),
    )

    def build() -> Response:
        if answer == "jsonld":
            return feed_page(filters, page, language)
        features, total, returned = enterprise_features(get_session(), filters, language, base_url(), page)
        paused = paused_left_out(get_session(), filters)
        return json_response(collection_body(features, total, returned, page, paused), GEOJSON)

    return conditional(
        build, max_age=60 if filters.open_now else 300, extra=time_bucket() if filters.open_now else ""
    )


def feed_page(filters: EnterpriseFilter, page: Page, language: str) -> Response:
    """One page of matching enterprises as a JSON-LD DataFeed, the next page linked from the headers."""
    found, total = public_enterprise_page(get_session(), filters, page)
    response = json_response("".join(data_feed_lines(found, base_url(), language, licence())), JSON_LD)
    following = next_link(page, total)
    if following:
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@blueprint.get("/enterprises/<int:enterprise_id>")
def enterprise(enterprise_id: int) -> Response:
    """One published enterprise as a GeoJSON Feature, or with format=jsonld a schema.org LocalBusiness."""
    language, answer = request_language(), parse_format(request.args.to_dict(flat=False))

    def build() -> Response:
        if answer == "jsonld":
            body = local_business_json(enterprise_id, language)
        else:
            body = enterprise_feature(get_session(), enterprise_id, language, base_url())
        if body is None:
            raise NotFound(not_found_message("enterprise"))
        return json_response(body, JSON_LD if answer == "jsonld" else GEOJSON)

    return conditional(build)


def local_business_json(enterprise_id: int, language: str) -> str | None:
    """One published enterprise as schema.org JSON-LD text (without its e-mail, as the rest of the API),
    or None."""
    found = find_public_enterprise(get_session(), enterprise_id, with_email=False)
    if found is None:
        return None
    url = f"{base_url()}/entreprises/{enterprise_id}"
    return json.dumps(local_business_document(found, url, language), ensure_ascii=False)


def not_found_message(kind: str) -> str:
    """A 404 message in the request's language."""
    english = request.args.get("lang") == "en"
    if kind == "mrc":
        return "No such MRC." if english else "Cette MRC n'existe pas."
    return (
        "No published enterprise has this id." if english else "Aucune entreprise publiée ne porte ce numéro."
    )


def term_json(term: Term, language: str, synonyms: bool = False) -> dict[str, Any]:
    """One vocabulary entry for the API."""
    entry: dict[str, Any] = {
        "code": term.code,
        "label": term.label(language),
        "label_fr": term.label_fr,
        "label_en": term.label_en,
    }
    if term.icon:
        entry["icon"] = term.icon
    if term.colour:
        entry["colour"] = term.colour
    if synonyms:
        entry["synonyms"] = list(term.synonyms)
    return entry


def vocabulary_response(kind: str, synonyms: bool = False) -> Response:
    """A list of the vocabulary in the asked language."""
    language = request_language()
    terms = getattr(load_vocabulary(), kind)
    return conditional(
        lambda: json_response(
            json.dumps([term_json(term, language, synonyms) for term in terms], ensure_ascii=False)
        ),
        max_age=3600,
    )


@blueprint.get("/sectors")
def sectors() -> Response:
    """The sectors of the social economy."""
    return vocabulary_response("sectors")


@blueprint.get("/items")
def items() -> Response:
    """The item categories, with the synonyms the search understands."""
    return vocabulary_response("items", synonyms=True)


@blueprint.get("/services")
def services() -> Response:
    """The services an enterprise may offer."""
    return vocabulary_response("services")


@blueprint.get("/mrc")
def mrcs() -> Response:
    """Every MRC with its region and counts of enterprises per sector."""
    request_language()
    return conditional(lambda: json_response(mrc_list_json(get_session())))


@blueprint.get("/mrc/<code>")
def mrc(code: str) -> Response:
    """One MRC with its boundary, as a GeoJSON Feature."""
    request_language()

    def build() -> Response:
        body = mrc_boundary_json(get_session(), code)
        if body is None:
            raise NotFound(not_found_message("mrc"))
        return json_response(body, GEOJSON)

    return conditional(build, max_age=3600)


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 description of this API."""
    return conditional(
        lambda: json_response(json.dumps(openapi_document(base_url()), ensure_ascii=False)), max_age=3600
    )


@blueprint.get("/")
def documentation() -> Response:
    """The API described for people, from the same document."""
    language = request.args.get("lang", "fr")
    spec = openapi_document(base_url())
    response = conditional(
        lambda: Response(
            render_template("api/index.html", spec=spec, operations=operations(spec), language=language)
        ),
        max_age=3600,
        extra=current_language(),
    )
    response.vary.add("Accept-Language")
    return response


def invalid_parameter(error: InvalidParameter):
    """A 400 (409 for a stale version of the map's data) naming the parameter: JSON for the API, exports
    and map data, a page elsewhere."""
    from carte.web.errors import render_error, wants_json

    message = error.message_in(request.args.get("lang", "fr"))
    if wants_json():
        response = json_response(
            json.dumps(
                {"error": {"status": error.status, "parameter": error.parameter, "message": message}},
                ensure_ascii=False,
            )
        )
        response.status_code = error.status
        return response
    return render_error(error.status, message)


blueprint.app_errorhandler(InvalidParameter)(invalid_parameter)
