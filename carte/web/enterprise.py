"""The public page of one enterprise: `/entreprises/<id>`."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.web.session import get_session
from carte.core.errors import NotFound
from carte.core.opening_hours import describe_opening_hours
from carte.read.public_enterprise import PublicEnterprise, find_public_enterprise, merged_into, schema_org
from carte.core.vocabulary import Term, load_vocabulary
from carte.web.folium_map import small_map
from carte.web.home import data_attribution, map_labels
from carte.web.i18n import current_language

blueprint = Blueprint("enterprise", __name__)


def directions_url(enterprise: PublicEnterprise) -> str:
    """OpenStreetMap's routing to the enterprise, the start left for the visitor to choose."""
    return "https://www.openstreetmap.org/directions?" + urlencode(
        {"route": f";{enterprise.lat:.5f},{enterprise.lon:.5f}"})


def terms(kind: str, codes: list[str]) -> list[Term]:
    """The vocabulary terms of some codes, unknown codes left out."""
    known = {term.code: term for term in getattr(load_vocabulary(), kind)}
    return [known[code] for code in codes if code in known]


@blueprint.get("/entreprises/<int:enterprise_id>")
def show(enterprise_id: int):
    """Everything public about one enterprise, with a small map and schema.org data."""
    enterprise = find_public_enterprise(get_session(), enterprise_id)
    if enterprise is None and (kept := merged_into(get_session(), enterprise_id)) is not None:
        return redirect(url_for("enterprise.show", enterprise_id=kept, **request.args), 301)
    if enterprise is None:
        raise NotFound(_("Cette entreprise n'existe pas ou n'est plus publiée."))
    language = current_language()
    located = enterprise.lat is not None
    return render_template(
        "enterprise/show.html", enterprise=enterprise,
        sectors=terms("sectors", enterprise.sectors), items=terms("items", enterprise.items),
        services=terms("services", enterprise.services), language=language,
        hours=describe_opening_hours(enterprise.opening_hours, language),
        directions=directions_url(enterprise) if located else None,
        small_map=small_map(current_app.config["TILE_URL"], data_attribution(),
                            enterprise.lat, enterprise.lon, map_labels()) if located else None,
        json_ld=schema_org(enterprise, url_for("enterprise.show", enterprise_id=enterprise.id,
                                               _external=True)))
