"""The public page of one enterprise: `/entreprises/<id>`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.core.contact import directions_url, display_phone, geo_uri, tel_uri
from carte.core.errors import NotFound
from carte.core.opening_hours import describe_opening_hours
from carte.core.vocabulary import load_vocabulary
from carte.read.pauses import current_pause
from carte.read.public_enterprise import PublicEnterprise, find_public_enterprise, merged_into
from carte.read.schema_org import local_business_document
from carte.web.home import basemap_config, contact_messages, data_attribution, map_labels
from carte.web.i18n import current_language
from carte.web.security import remote_tile_url
from carte.web.session import get_session

blueprint = Blueprint("enterprise", __name__)


def contact_links(enterprise: PublicEnterprise) -> dict[str, str | None]:
    """The enterprise's directions (OpenStreetMap, geo: URI) and its phone as a tel: URI and as shown."""
    located = enterprise.lat is not None and enterprise.lon is not None
    return {
        "directions": directions_url(enterprise.lat, enterprise.lon) if located else None,
        "geo": geo_uri(enterprise.lat, enterprise.lon) if located else None,
        "tel": tel_uri(enterprise.phone),
        "phone": display_phone(enterprise.phone) if enterprise.phone else None,
    }


@blueprint.get("/entreprises/<int:enterprise_id>")
def show(enterprise_id: int):
    """Everything public about one enterprise, with a small map and schema.org data."""
    from carte.web.folium_map import small_map  # folium (and pandas) only when a page draws a map

    enterprise = find_public_enterprise(get_session(), enterprise_id)
    if enterprise is None and (kept := merged_into(get_session(), enterprise_id)) is not None:
        return redirect(url_for("enterprise.show", enterprise_id=kept, **request.args), 301)
    if enterprise is None:
        raise NotFound(_("Cette entreprise n'existe pas ou n'est plus publiée."))
    language, vocabulary = current_language(), load_vocabulary()
    located = enterprise.lat is not None
    pause = current_pause(get_session().connection(), enterprise.id)
    return render_template(
        "enterprise/show.html",
        enterprise=enterprise,
        sectors=vocabulary.terms("sectors", enterprise.sectors),
        items=vocabulary.terms("items", enterprise.items),
        services=vocabulary.terms("services", enterprise.services),
        language=language,
        hours=describe_opening_hours(enterprise.opening_hours, language),
        contact=contact_links(enterprise),
        words=contact_messages(),
        pause=pause,
        paused=[
            term.label(language)
            for kind in ("items", "sectors")
            for term in vocabulary.terms(kind, pause[kind])
        ]
        if pause
        else [],
        small_map=small_map(
            remote_tile_url(), data_attribution(), enterprise.lat, enterprise.lon, map_labels()
        )
        if located
        else None,
        basemap=basemap_config(),
        json_ld=local_business_document(
            enterprise, url_for("enterprise.show", enterprise_id=enterprise.id, _external=True), language
        ),
    )


@blueprint.get("/entreprises/<int:enterprise_id>/courriel.json")
def email(enterprise_id: int) -> Response:
    """The e-mail address of one enterprise, which the map asks for when a visitor clicks its e-mail link
    (the map's lists carry only whether there is one, so that lists of addresses cannot be harvested)."""
    enterprise = find_public_enterprise(get_session(), enterprise_id)
    if enterprise is None or not enterprise.email:
        raise NotFound(_("Cette entreprise n'a pas d'adresse courriel publiée."))
    response = jsonify({"email": enterprise.email})
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
