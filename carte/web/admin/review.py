"""Review queue pages: a map with a draggable pin per enterprise, or coordinates typed in."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.core.errors import CarteError
from carte.staff import review
from carte.web.admin import blueprint
from carte.web.admin.auth import connection, current_user, editable_or_abort, login_required
from carte.web.security import remote_tile_url
from carte.web.session import get_session


@blueprint.get("/a-verifier")
@login_required
def review_list():
    """Enterprises placed approximately or flagged."""
    user = current_user()
    rows = review.review_queue(connection(), user.mrc_scope)
    return render_template("admin/review_list.html", rows=rows)


@blueprint.get("/a-verifier/<int:enterprise_id>")
@login_required
def review_pin(enterprise_id: int):
    """The enterprise on a map with its pin to drag."""
    return render_template(
        "admin/review_pin.html",
        enterprise=editable_or_abort(enterprise_id),
        tiles={"url": remote_tile_url(), "attribution": current_app.config["TILE_ATTRIBUTION"]},
    )


def coordinate(name: str) -> float:
    """A coordinate from the form, or a CarteError naming the field."""
    try:
        value = float(request.form.get(name, "").replace(",", "."))
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise CarteError(_("Valeur invalide pour %(field)s.", field=name))
    return value


@blueprint.post("/a-verifier/<int:enterprise_id>")
@login_required
def review_decide(enterprise_id: int):
    """Move the pin to the submitted coordinates, or confirm it where it is."""
    editable_or_abort(enterprise_id)
    try:
        if request.form.get("action") == "confirm":
            review.confirm_position(connection(), enterprise_id, current_user().actor)
            flash(_("Position confirmée."))
        else:
            review.move_pin(
                connection(),
                enterprise_id,
                coordinate("latitude"),
                coordinate("longitude"),
                current_user().actor,
            )
            flash(_("Épingle déplacée ; la MRC a été recalculée."))
    except CarteError as error:
        flash(error.message)
        return redirect(url_for("admin.review_pin", enterprise_id=enterprise_id))
    get_session().commit()
    return redirect(url_for("admin.review_list"))
