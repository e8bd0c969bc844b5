"""Coverage gaps of an MRC: the #couverture section of its page and its CSV and GeoJSON downloads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from flask_babel import gettext as _

from carte.core.errors import NotFound
from carte.core.vocabulary import load_vocabulary
from carte.read.coverage import (
    CATEGORY_PARAMETER,
    CENTRE_DEFINITION,
    CLASS_BOUNDS_KM,
    CLASS_CODES,
    UNLOCATED_CLASS,
    CoverageRow,
    class_totals,
    coverage_csv,
    coverage_geojson,
    coverage_rows,
    mrc_name,
    parse_category,
)
from carte.read.filters import check_known, single
from carte.web.api import not_found_message, request_language
from carte.web.caching import conditional, per_data_version, share_publicly
from carte.web.export import current_licence, download
from carte.web.home import basemap_config, data_attribution
from carte.web.i18n import current_language
from carte.web.security import remote_tile_url
from carte.web.session import get_session

blueprint = Blueprint("coverage", __name__)
share_publicly(blueprint)
#: The sources of the municipalities, their populations and centres, credited in the GeoJSON.
GEODATA_ATTRIBUTION = (
    "Répertoire des municipalités et MRC : Gouvernement du Québec (MAMH, MRNF), CC-BY 4.0 ; "
    "codes postaux : GeoNames, CC BY 4.0"
)
#: The parameters of the downloads.
DOWNLOAD_PARAMETERS = (CATEGORY_PARAMETER, "lang")


def class_labels() -> dict[str, str]:
    """The label of each distance class, in the visitor's language."""
    return {
        "moins_5": _("moins de 5 km"),
        "5_15": _("5 à 15 km"),
        "15_30": _("15 à 30 km"),
        "plus_30": _("plus de 30 km"),
        "aucun": _("aucun lieu"),
        "sans_centre": _("centre inconnu"),
    }


def request_category(required: bool = False) -> str | None:
    """The item category of ?categorie= (validated), the first of the vocabulary when required and absent."""
    vocabulary = load_vocabulary()
    category = parse_category(single(request.args.to_dict(flat=False), CATEGORY_PARAMETER), vocabulary)
    return category or (vocabulary.items[0].code if required else None)


def cached_rows(code: str, category: str | None) -> list[CoverageRow]:
    """The coverage rows of an MRC, computed once per data version and process."""
    return per_data_version(
        f"coverage-{code}-{category}", lambda: coverage_rows(get_session(), code, category)
    )


def known_mrc(code: str) -> str:
    """The MRC's name, or NotFound in the request's language."""
    name = mrc_name(get_session(), code) if len(code) <= 3 else None
    if name is None:
        raise NotFound(not_found_message("mrc"))
    return name


def page_section(code: str) -> dict[str, Any]:
    """What the #couverture section of the MRC page shows for the category asked (the first by default),
    in the interface's language (?lang=, else the browser's)."""
    language = current_language()
    category = request_category(required=True)
    rows = cached_rows(code, category)
    config = {
        "geojson": url_for("coverage.coverage_geojson_download", code=code, lang=language),
        "boundary": url_for("api.mrc", code=code),
        "tiles": remote_tile_url(),
        "tileAttribution": data_attribution(),
        "basemap": basemap_config(),
        "mrc": code,
        "classes": class_labels(),
        "parameter": CATEGORY_PARAMETER,
        "unlocated": UNLOCATED_CLASS,
        "labels": {
            "people": _("habitants"),
            "outside": _("centre hors de la MRC"),
            "error": _("Les données n'ont pas pu être chargées."),
        },
    }
    return {
        "language": language,
        "category": category,
        "rows": rows,
        "totals": class_totals(rows),
        "class_labels": class_labels(),
        "outside": sum(1 for row in rows if row.centre_outside_mrc),
        "class_codes": CLASS_CODES,
        "config": config,
        "csv_url": url_for("coverage.coverage_csv_download", code=code, categorie=category, lang=language),
        "geojson_url": url_for(
            "coverage.coverage_geojson_download", code=code, categorie=category, lang=language
        ),
    }


def download_rows(code: str) -> tuple[str, str | None, list[CoverageRow]]:
    """The MRC's name, the category asked (None for all) and the rows of a download."""
    check_known(request.args, DOWNLOAD_PARAMETERS)
    category = request_category()
    return known_mrc(code), category, cached_rows(code, category)


def filename(code: str, category: str | None, extension: str) -> str:
    """The name of a downloaded file: couverture-<mrc>[-<category>].<extension>."""
    return f"couverture-{code}{'-' + category if category else ''}.{extension}"


@blueprint.get("/mrc/<code>/couverture.csv")
def coverage_csv_download(code: str) -> Response:
    """Each municipality of the MRC, per item category, and its distance to the nearest place, as CSV."""
    language = request_language()
    _name, category, rows = download_rows(code)
    return conditional(
        lambda: download(
            Response(coverage_csv(rows, language), mimetype="text/csv"), filename(code, category, "csv")
        )
    )


@blueprint.get("/mrc/<code>/couverture.geojson")
def coverage_geojson_download(code: str) -> Response:
    """The same rows as GeoJSON points at the municipalities' centres, with the totals per class."""
    request_language()
    name, category, rows = download_rows(code)
    head = {
        "mrc": {"code": code, "name": name},
        "category": category,
        "class_bounds_km": list(CLASS_BOUNDS_KM),
        "method": CENTRE_DEFINITION,
        **current_licence().as_dict(),
        "geodata_attribution": GEODATA_ATTRIBUTION,
    }
    place_url = url_for("enterprise.show", enterprise_id=0, _external=True).rsplit("/", 1)[0] + "/{id}"
    return conditional(
        lambda: download(
            Response(coverage_geojson(rows, head, place_url), mimetype="application/geo+json"),
            filename(code, category, "geojson"),
        )
    )
