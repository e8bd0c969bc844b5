"""Review of duplicate candidates: merge one into the other, or mark them distinct."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.staff import duplicates
from carte.web.admin import blueprint
from carte.web.admin.auth import connection, current_user, login_required
from carte.web.session import get_session


@blueprint.get("/doublons")
@login_required
def duplicate_queue():
    """Candidate pairs side by side."""
    user = current_user()
    pairs = duplicates.candidates(connection(), user.mrc_scope)
    return render_template("admin/duplicates.html", pairs=pairs)


@blueprint.post("/doublons/<int:first_id>-<int:second_id>")
@login_required
def duplicate_decide(first_id: int, second_id: int):
    """Merge the pair (keeping the side chosen) or mark it distinct."""
    user = current_user()
    if not all(user.may_edit(mrc) for mrc in duplicates.pair_mrcs(connection(), first_id, second_id)):
        abort(403)
    action = request.form.get("action", "")
    if action == "distinct":
        duplicates.decide(connection(), first_id, second_id, "distinct", user.actor)
        flash(_("Fiches marquées comme distinctes."))
    elif action in ("keep-first", "keep-second"):
        keep, drop = (first_id, second_id) if action == "keep-first" else (second_id, first_id)
        duplicates.merge(connection(), keep, drop, user.actor)
        flash(_("Fiches fusionnées dans la fiche n° %(id)d.", id=keep))
    else:
        abort(400)
    get_session().commit()
    return redirect(url_for("admin.duplicate_queue"))
