"""The citizen map at `/`, its data (`/carte/donnees.json`, its rows' names `/carte/lignes`, its free-text
search `/carte/recherche`, its own base layer `/carte/fond.geojson`) and "near me" (`/carte/lieu`)."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from carte.core.collation import NAME_LOCALE
from carte.core.precision import EXACT_PRECISIONS
from carte.core.vocabulary import STOP_WORDS, build_index, load_vocabulary
from carte.geo.places import MAX_QUERY_LENGTH, resolve_place
from carte.map.basemap import basemap_document, geodata_fingerprint
from carte.map.payload import MapData, Payload, build_map_data, make_payload
from carte.map.rows import (
    MAX_PAGE,
    check_version,
    page_by_name,
    parse_bits,
    parse_count,
    parse_enterprise_id,
    parse_ordinals,
    parse_search,
    position_by_name,
    row_of_enterprise,
    rows_of,
    search_bits,
)
from carte.map.tiles import exceeds
from carte.read.filters import check_known, single
from carte.read.queries import mrc_places
from carte.web.api import json_response
from carte.web.caching import conditional, per_data_version, per_process
from carte.web.i18n import current_language
from carte.web.icons import sprite
from carte.web.security import remote_tile_url
from carte.web.session import get_session

blueprint = Blueprint("home", __name__)
#: Seconds a browser may reuse the data before revalidating it with its ETag.
DATA_MAX_AGE = 60
#: Seconds a browser may reuse the base layer (reference geography, changed by `carte geodata load`).
BASEMAP_MAX_AGE = 86_400


def data_attribution() -> str:
    """The attribution line of the base map: tiles (when there are any), geodata and postal codes."""
    tiles = [current_app.config["TILE_ATTRIBUTION"]] if remote_tile_url() else []
    return " | ".join(
        [
            *tiles,
            _("Géodonnées © Gouvernement du Québec (CC-BY 4.0)"),
            _("Codes postaux © GeoNames (CC BY 4.0)"),
        ]
    )


def basemap_config() -> dict[str, str]:
    """Where the map's own base layer is, and its attribution when no tile layer carries it."""
    config = {"url": url_for("home.basemap")}
    if not remote_tile_url():
        config["attribution"] = data_attribution()
    return config


def map_labels() -> dict[str, str]:
    """Layer names and control titles of the maps, in the request's language."""
    return {
        "base": _("Plan de base"),
        "boundaries": _("Limites des MRC"),
        "zoom_in": _("Zoom avant"),
        "zoom_out": _("Zoom arrière"),
        "layers": _("Couches de la carte"),
    }


def vocabulary_for_client(language: str) -> dict:
    """Labels, colours and the synonym index of the vocabulary, for the page's script."""
    vocabulary = load_vocabulary()
    return {
        "sectors": [
            {"code": t.code, "label": t.label(language), "colour": t.colour, "icon": t.icon}
            for t in vocabulary.sectors
        ],
        "items": [{"code": t.code, "label": t.label(language)} for t in vocabulary.items],
        "services": [{"code": t.code, "label": t.label(language)} for t in vocabulary.services],
        "item_index": build_index(vocabulary.items),
        "stop_words": sorted(STOP_WORDS),
    }


def client_messages() -> dict[str, str]:
    """Every string the page's script shows, in the request's language."""
    return {
        "count_zero": _("Aucune entreprise trouvée"),
        "count_one": _("1 entreprise trouvée"),
        "count_other": _("{n} entreprises trouvées"),
        "more": _("Afficher {n} de plus"),
        "see_on_map": _("Voir sur la carte"),
        "details": _("Voir la fiche"),
        "approximate": _("Position approximative"),
        "accepts": _("Accepte : {items}"),
        "open_now": _("Ouvert maintenant"),
        "distance": _("à {km} km"),
        "item_unknown": _(
            "« {text} » ne correspond à aucune catégorie d'objets. Essayez par exemple : {examples}."
        ),
        "item_matches": _("Catégories reconnues : {labels}"),
        "locating": _("Recherche de votre position…"),
        "located": _("Près de votre position"),
        "near_place": _("Près de : {label}"),
        "geolocation_denied": _("Position non disponible. Tapez plutôt un code postal ou une municipalité."),
        "place_not_found": _("Lieu introuvable : vérifiez le code postal ou le nom de la municipalité."),
        "place_empty": _("Tapez un code postal, une municipalité ou une adresse."),
        "near_cleared": _("Recherche par proximité retirée."),
        "count_in_view": _("{n} entreprises dans la zone affichée"),
        "cluster": _("{n} entreprises : cliquez pour zoomer"),
        "count_too_many": _(
            "Environ {n} entreprises dans la zone affichée : rapprochez-vous ou ajoutez un "
            "filtre pour les voir en liste."
        ),
        "loading": _("Chargement…"),
        "rows_failed": _("Les noms des entreprises n'ont pas pu être chargés. Réessayez dans un moment."),
        "search_failed": _(
            "La recherche par nom ou municipalité n'a pas pu être faite. Réessayez dans un moment."
        ),
        "paused": _("En pause : {what}"),
        "paused_until": _("jusqu'au {date} inclusivement"),
        "paused_open_ended": _("jusqu'à nouvel ordre"),
        "paused_left_out_one": _("1 lieu a mis en pause ce que vous cherchez : il n'est pas affiché."),
        "paused_left_out_other": _(
            "{n} lieux ont mis en pause ce que vous cherchez : ils ne sont pas affichés."
        ),
        "paused_include": _("Les afficher quand même"),
        "paused_included": _("Les lieux qui ont mis en pause ce que vous cherchez sont affichés."),
        "paused_exclude": _("Les retirer"),
        **contact_messages(),
        **link_messages(),
    }


def link_messages() -> dict[str, str]:
    """What the page says about a shared link it opens (carte/static/js/permalink.js)."""
    return {
        "link_ignored": _("Paramètre « {parameter} » ignoré : « {value} » {reason}."),
        "link_unknown_value": _("n'est pas une valeur connue"),
        "link_bad_point": _("n'est pas une position (latitude,longitude)"),
        "link_bad_box": _("n'est pas une zone (ouest,sud,est,nord)"),
        "link_bad_zoom": _("n'est pas un zoom de {min} à {max}"),
        "link_bad_enterprise": _("n'est pas un numéro de fiche"),
        "link_enterprise_missing": _(
            "La fiche n° {id} du lien n'est pas sur la carte : elle n'existe plus ou "
            "les filtres du lien l'excluent."
        ),
        "near_me_shared": _(
            "Ce lien cherchait près de la position de la personne qui l'a partagé, qui n'y est "
            "pas incluse. Pour chercher près de vous, appuyez sur « Utiliser ma position » ou "
            "tapez un lieu."
        ),
        "near_link": _("Près du point indiqué dans le lien"),
    }


def contact_messages() -> dict[str, str]:
    """The words of an enterprise's address, hours and contact links (static/js/contact.js)."""
    return {
        "directions": _("Itinéraire"),
        "directions_label": _("Itinéraire vers {name} avec OpenStreetMap (nouvel onglet)"),
        "geo": _("Ouvrir dans une appli de cartes"),
        "geo_label": _("Ouvrir dans une appli de cartes : {name}"),
        "call_label": _("Appeler {name} au {phone}"),
        "email": _("Courriel"),
        "email_label": _("Écrire un courriel à {name}"),
        "hours": _("Heures : {hours}"),
        "hours_rule": _("{days} : {times}"),
        "hours_days": _("{first} au {last}"),
        "hours_and": _("et"),
        "hours_time": _("{start} à {end}"),
        "hours_closed": _("fermé"),
        "hours_always": _("Ouvert en tout temps"),
        "hours_holidays": _("jours fériés"),
    }


def data_urls(large: bool) -> dict[str, str]:
    """Where the map's script gets its data: every point at once, or the viewport's tiles and the API."""
    if not large:
        return {
            "list_url": url_for("home.list_page"),
            "data_url": url_for("home.enterprise_data"),
            "rows_url": url_for("home.enterprise_rows"),
            "search_url": url_for("home.text_search"),
        }
    return {
        "tiles_url": url_for("tiles.tile", z=0, x=0, y=0).removesuffix("/0/0/0.json"),
        "api_url": url_for("api.enterprises"),
    }


def enterprise_url_prefix() -> str:
    """The path of the enterprises' pages, to which the scripts add an id."""
    return url_for("enterprise.show", enterprise_id=0).rsplit("0", 1)[0]


def page_config(language: str, large: bool = False) -> dict:
    """Everything the map script needs, rendered into the page as JSON (the MRCs are in the filter's options)."""
    return {
        "language": language,
        **data_urls(large),
        "place_url": url_for("home.place"),
        "basemap": basemap_config(),
        "enterprise_url": enterprise_url_prefix(),
        "exact_precisions": list(EXACT_PRECISIONS),
        "name_locale": NAME_LOCALE,
        "messages": client_messages(),
        **vocabulary_for_client(language),
    }


def map_is_large() -> bool:
    """Whether the map is above MAP_FULL_DATA_LIMIT: counted once per data version, not per page view."""
    limit = int(current_app.config["MAP_FULL_DATA_LIMIT"])
    return per_data_version("map_large", lambda: exceeds(get_session(), limit), limit)


@blueprint.get("/")
def index() -> str:
    """The map page: filters, list and map of the enterprises that take donated items."""
    from carte.web.folium_map import cached_map  # folium (and pandas) only when a page draws a map

    mrcs = mrc_places(get_session())
    large = map_is_large()
    config = page_config(current_language(), large)
    regions = sorted({(m.region_code, m.region_name) for m in mrcs})
    base_map = cached_map(remote_tile_url(), data_attribution(), tuple(sorted(map_labels().items())))
    icons = sprite(tuple(sorted({sector["icon"] for sector in config["sectors"] if sector["icon"]})))
    return render_template(
        "home/index.html", config=config, regions=regions, mrcs=mrcs, base_map=base_map, icons=icons
    )


def conditional_json(payload: Payload, max_age: int, mimetype: str = "application/json") -> Response:
    """Serve a JSON payload with its ETag, 304 when the client has it, gzip when accepted."""
    if payload.etag in request.if_none_match:
        response = Response(status=304)
    elif "gzip" in request.accept_encodings:
        response = Response(payload.gzipped, mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(payload.body, mimetype=mimetype)
    response.set_etag(payload.etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Accept-Encoding")
    return response


def current_map_data() -> MapData:
    """The map's payload and the id of each of its rows at the current data version: built once per
    version and process, so the payload and the rows and search requests share one order of rows."""
    return per_data_version("map_data", lambda: build_map_data(get_session()))


@blueprint.get("/carte/donnees.json")
def enterprise_data() -> Response:
    """Every published enterprise in the map's compact column format."""
    return conditional_json(current_map_data().payload, DATA_MAX_AGE)


def rows_json(build: Callable[[], dict]) -> Response:
    """A compact JSON answer about one version of the payload, with the data's ETag (304 to it, built only
    otherwise); a browser may keep it as long as the payload."""
    return conditional(
        lambda: json_response(json.dumps(build(), ensure_ascii=False, separators=(",", ":"))),
        max_age=DATA_MAX_AGE,
    )


@blueprint.get("/carte/lignes")
def enterprise_rows() -> Response:
    """Id and name of rows of the map's payload by ordinal (?v=version&n=0,5,17), or the row of one
    enterprise (?v=version&id=123, for a shared link): for the map's own list and popups, not part of the
    public API."""
    check_known(request.args, ("v", "n", "id", "lang"))
    args = request.args.to_dict(flat=False)
    data = current_map_data()
    check_version(single(args, "v"), data)
    if (raw_id := single(args, "id")) is not None:
        enterprise_id = parse_enterprise_id(raw_id)
        return rows_json(lambda: row_of_enterprise(get_session(), data, enterprise_id))
    ordinals = parse_ordinals(single(args, "n"), len(data.ids))
    return rows_json(lambda: rows_of(get_session(), data, ordinals))


@blueprint.get("/carte/liste")
def list_page() -> Response:
    """A page of the map's list in name order (?v=version&in=bitset&from=0&count=50): the rows the page
    holds (`in`, every row without it), their ids and names and how many there are; with &at=ordinal,
    where that row stands. For the map's own list, not part of the public API."""
    check_known(request.args, ("v", "in", "from", "count", "at", "lang"))
    args = request.args.to_dict(flat=False)
    data = current_map_data()
    check_version(single(args, "v"), data)
    bits = parse_bits(single(args, "in"), len(data.ids))
    if (raw_at := single(args, "at")) is not None:
        ordinal = parse_ordinals(raw_at, len(data.ids))[0]
        return rows_json(lambda: position_by_name(data, bits, ordinal))
    start = parse_count("from", single(args, "from"), 0, len(data.ids))
    count = parse_count("count", single(args, "count"), 50, MAX_PAGE)
    return rows_json(lambda: page_by_name(get_session(), data, bits, start, count))


@blueprint.get("/carte/recherche")
def text_search() -> Response:
    """Rows of the map's payload whose name, description or municipality holds ?q=, as a bitset over the
    ordinals of version ?v=: the map's own free-text search, not part of the public API."""
    check_known(request.args, ("v", "q", "lang"))
    args = request.args.to_dict(flat=False)
    data = current_map_data()
    check_version(single(args, "v"), data)
    q = parse_search(single(args, "q"))
    return rows_json(lambda: search_bits(get_session(), data, q))


def current_basemap() -> Payload:
    """The base layer, its geodata checked once per data version (a few ms) and rebuilt (about half a
    second) only when the regions or MRCs changed, not when an enterprise did."""
    source = per_data_version("basemap_source", lambda: geodata_fingerprint(get_session()))
    return per_process("basemap", source, lambda: make_payload(basemap_document(get_session())))


@blueprint.get("/carte/fond.geojson")
def basemap() -> Response:
    """The map's own base layer (land, MRC outlines, region labels), its ETag the digest of its text, so a
    browser revalidates it with a 304."""
    return conditional_json(current_basemap(), BASEMAP_MAX_AGE, "application/geo+json")


@blueprint.get("/carte/lieu")
def place() -> tuple[Response, int] | Response:
    """The point of a postal code, municipality or address typed for "near me"."""
    query = request.args.get("q", "")
    if not query.strip():
        return jsonify(
            {
                "error": {
                    "status": 400,
                    "parameter": "q",
                    "message": _(
                        "Le paramètre q est requis : un code postal, une municipalité ou une adresse."
                    ),
                }
            }
        ), 400
    if len(query) > MAX_QUERY_LENGTH:
        return jsonify(
            {
                "error": {
                    "status": 400,
                    "parameter": "q",
                    "message": _(
                        "Le paramètre q est trop long (%(max)d caractères au plus).", max=MAX_QUERY_LENGTH
                    ),
                }
            }
        ), 400
    found = resolve_place(get_session(), query)
    if found is None:
        return jsonify(
            {
                "error": {
                    "status": 404,
                    "message": _("Lieu introuvable : vérifiez le code postal ou le nom de la municipalité."),
                }
            }
        ), 404
    return jsonify(found.as_dict())
