"""The large-data map's tiles: `/tiles/<z>/<x>/<y>.json`, clusters or points under the API's filters."""

from __future__ import annotations

from flask import Blueprint, Response

from carte.map.tiles import parse_tile, tile_document
from carte.web.api import json_response, request_filter
from carte.web.caching import conditional, share_publicly, time_bucket
from carte.web.session import get_session

blueprint = Blueprint("tiles", __name__, url_prefix="/tiles")
share_publicly(blueprint)
#: Seconds a browser or a shared cache may reuse a tile before revalidating it with its ETag.
TILE_MAX_AGE = 300
#: With open_now the answer follows the clock: shorter, and keyed by a five-minute slice.
OPEN_NOW_MAX_AGE = 60


@blueprint.get("/<int:z>/<int:x>/<int:y>.json")
def tile(z: int, x: int, y: int) -> Response:
    """What one map tile holds under the filters: clusters with counts, or the enterprises."""
    place, filters = parse_tile(z, x, y), request_filter()
    return conditional(
        lambda: json_response(tile_document(get_session(), filters, place)),
        max_age=OPEN_NOW_MAX_AGE if filters.open_now else TILE_MAX_AGE,
        extra=time_bucket() if filters.open_now else "",
    )
