"""The public page of one enterprise: `/entreprises/<id>`."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.core.errors import NotFound
from carte.core.opening_hours import describe_opening_hours
from carte.core.vocabulary import load_vocabulary
from carte.read.pauses import current_pause
from carte.read.public_enterprise import PublicEnterprise, find_public_enterprise, merged_into
from carte.read.schema_org import local_business_document
from carte.web.home import basemap_config, data_attribution, map_labels
from carte.web.i18n import current_language
from carte.web.security import remote_tile_url
from carte.web.session import get_session

blueprint = Blueprint("enterprise", __name__)


def directions_url(enterprise: PublicEnterprise) -> str:
    """OpenStreetMap's routing to the enterprise, the start left for the visitor to choose."""
    return "https://www.openstreetmap.org/directions?" + urlencode(
        {"route": f";{enterprise.lat:.5f},{enterprise.lon:.5f}"}
    )


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
        pause=pause,
        paused=[
            term.label(language)
            for kind in ("items", "sectors")
            for term in vocabulary.terms(kind, pause[kind])
        ]
        if pause
        else [],
        directions=directions_url(enterprise) if located else None,
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
