"""The embeddable map for other sites, its builder, and the MRC pages that offer it."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from carte.core.contact import directions_url, display_phone, geo_uri, tel_uri
from carte.core.errors import NotFound
from carte.core.vocabulary import load_vocabulary
from carte.read.filters import FILTER_AND_LANGUAGE, EnterpriseFilter, InvalidParameter, Page, single
from carte.read.queries import enterprise_features, mrc_counts, mrc_summary
from carte.web.api import base_url, request_filter, request_language
from carte.web.coverage import page_section as coverage_section
from carte.web.home import basemap_config, contact_messages, data_attribution, enterprise_url_prefix
from carte.web.security import allow_framing, remote_tile_url
from carte.web.session import get_session

blueprint = Blueprint("embed", __name__)
VIEWS = ("map", "list")
LIST_LIMIT = 1000
#: The words of the embed, in the language the host site chose with ?lang= (the embed does not
#: depend on the visitor's browser, so that the host page looks the same to everyone).
MAP_LABELS = {
    "fr": {
        "website": "Site web",
        "details": "Fiche complète",
        "count": "entreprises sur la carte",
        "countOne": "entreprise sur la carte",
        "error": "Les données n'ont pas pu être chargées.",
        "title": "Carte de l'économie sociale",
        "list": "Voir la liste",
        "map": "Voir la carte",
        "full": "Carte complète",
        "data": "Données",
        "listed": "entreprises",
        "listedOne": "entreprise",
        "privacy": "Confidentialité",
        "paused": "En pause :",
        "until": "jusqu'au",
        "untilLifted": "jusqu'à nouvel ordre",
        "lang": "fr",
    },
    "en": {
        "website": "Website",
        "details": "Full page",
        "count": "enterprises on the map",
        "countOne": "enterprise on the map",
        "error": "The data could not be loaded.",
        "title": "Social economy map",
        "list": "Show the list",
        "map": "Show the map",
        "full": "Full map",
        "data": "Data",
        "listed": "enterprises",
        "listedOne": "enterprise",
        "privacy": "Privacy",
        "paused": "Paused:",
        "until": "until",
        "untilLifted": "until further notice",
        "lang": "en",
    },
}


def request_view() -> str:
    """map (default) or list."""
    view = single(request.args.to_dict(flat=False), "view") or "map"
    if view not in VIEWS:
        raise InvalidParameter("view", "map ou list attendu.", "map or list expected.")
    return view


def filter_args() -> list[tuple[str, str]]:
    """The request's filter parameters, in order, to pass on."""
    return [
        (name, value)
        for name, value in request.args.items(multi=True)
        if name in FILTER_AND_LANGUAGE and value.strip()
    ]


def embed_url(args: list[tuple[str, str]], external: bool = True) -> str:
    """The address of the embed for some parameters."""
    base = url_for("embed.embed", _external=external)
    return f"{base}?{urlencode(args)}" if args else base


def embed_snippet(args: list[tuple[str, str]], title: str, height: int = 500) -> str:
    """The HTML a site pastes: the iframe with a title, and the script that fits its height."""
    from markupsafe import escape

    host_script = url_for("static", filename="embed/host.js", _external=True)
    return (
        f'<iframe src="{escape(embed_url(args))}" title="{escape(title)}" width="100%" '
        f'height="{height}" style="border:0" loading="lazy"></iframe>\n'
        f'<script src="{escape(host_script)}" async></script>'
    )


def enterprise_list(filters: EnterpriseFilter, language: str) -> tuple[list[dict[str, Any]], int]:
    """The enterprises of the filters (first LIST_LIMIT) as dicts with their contact links, and how many
    match."""
    features, total, _returned = enterprise_features(
        get_session(), filters, language, base_url(), Page(limit=LIST_LIMIT)
    )
    return [
        {**feature["properties"], "contact": feature_links(feature)} for feature in json.loads(features)
    ], total


def feature_links(feature: dict[str, Any]) -> dict[str, str | None]:
    """Directions, geo: URI, phone and e-mail links of a GeoJSON feature of the API (the e-mail address is
    asked for by the embed's script when clicked)."""
    lon, lat = feature["geometry"]["coordinates"] if feature.get("geometry") else (None, None)
    properties = feature["properties"]
    phone = properties.get("phone")
    return {
        "directions": directions_url(lat, lon) if lat is not None else None,
        "geo": geo_uri(lat, lon) if lat is not None else None,
        "tel": tel_uri(phone),
        "phone": display_phone(phone) if phone else None,
        "email_url": url_for("enterprise.email", enterprise_id=feature["id"])
        if properties.get("has_email")
        else None,
        "page": properties["url"],
    }


def embed_words(language: str) -> dict[str, str]:
    """The embed's words in the language the host site chose, those of the contact links included."""
    with force_locale(language):
        return {**MAP_LABELS[language], **contact_messages()}


def embed_title(mrc_name: str | None, language: str) -> str:
    """The title of an embed, naming its MRC."""
    title = MAP_LABELS[language]["title"]
    return f"{title} — {mrc_name}" if mrc_name else title


@blueprint.get("/embed")
@allow_framing
def embed() -> str:
    """The light map (or list) of enterprises that other sites put in an iframe."""
    filters, language, view = request_filter(), request_language(), request_view()
    summary = mrc_summary(get_session(), filters.mrc) if filters.mrc else None
    api_args = [pair for pair in filter_args() if pair[0] != "lang"] + [("lang", language)]
    words = embed_words(language)
    config = {
        "enterprises": url_for("api.enterprises") + "?" + urlencode(api_args + [("limit", str(LIST_LIMIT))]),
        "boundary": url_for("api.mrc", code=filters.mrc) if filters.mrc else None,
        "mrc": filters.mrc,
        "tiles": remote_tile_url(),
        "tileAttribution": data_attribution(),
        "basemap": basemap_config(),
        "labels": words,
        "view": view,
        "lang": language,
        "enterprise_url": enterprise_url_prefix(),
    }
    enterprises, total = enterprise_list(filters, language) if view == "list" else ([], None)
    return render_template(
        "embed/embed.html",
        embed_config=config,
        view=view,
        enterprises=enterprises,
        total=total,
        summary=summary,
        title=embed_title(summary and summary.name, language),
        words=words,
        full_map=url_for("home.index", _external=True) + "?" + urlencode(api_args),
        other_view=embed_url([*filter_args(), ("view", "list" if view == "map" else "map")], external=False),
    )


def mrc_choices() -> list[tuple[str, list[Any]]]:
    """The MRCs grouped by region, with their counts."""
    counts = mrc_counts(get_session())
    return [(name, list(mrcs)) for name, mrcs in groupby(counts, key=lambda m: m.region_name)]


@blueprint.get("/integrer")
def builder() -> str:
    """The embed builder: choose the MRC, sectors, items, language and view; preview; copy."""
    filters, language, view = request_filter(), request_language(), request_view()
    args = filter_args() + ([("view", view)] if view != "map" else [])
    summary = mrc_summary(get_session(), filters.mrc) if filters.mrc else None
    title = embed_title(summary and summary.name, language)
    return render_template(
        "embed/builder.html",
        regions=mrc_choices(),
        vocabulary=load_vocabulary(),
        filters=filters,
        language=language,
        view=view,
        preview=embed_url(args, False),
        snippet=embed_snippet(args, title),
        embed_base=url_for("embed.embed", _external=True),
        host_script=url_for("static", filename="embed/host.js", _external=True),
        titles={code: words["title"] for code, words in MAP_LABELS.items()},
    )


@blueprint.get("/mrc")
def mrc_index() -> str:
    """Every MRC by region, with how many enterprises each holds."""
    regions = mrc_choices()
    total = sum(m.enterprises for _name, mrcs in regions for m in mrcs)
    return render_template("mrc/index.html", regions=regions, total=total)


@blueprint.get("/mrc/<code>")
def mrc_page(code: str) -> str:
    """One MRC: its map, its counts by sector and item category, its coverage gaps, its list and its embed
    snippet."""
    summary = mrc_summary(get_session(), code) if len(code) <= 3 else None
    if summary is None:
        raise NotFound(_("Cette MRC n'existe pas."))
    language = request_language()
    filters = EnterpriseFilter(mrc=summary.code)
    enterprises, total = enterprise_list(filters, language)
    args = [("mrc", summary.code), ("lang", language)]
    return render_template(
        "mrc/show.html",
        summary=summary,
        vocabulary=load_vocabulary(),
        language=language,
        enterprises=enterprises,
        total=total,
        coverage=coverage_section(summary.code),
        preview=embed_url(args, False),
        snippet=embed_snippet(args, embed_title(summary.name, language)),
    )
