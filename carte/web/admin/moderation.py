"""The moderation queue: compare proposed and current values, accept field by field, reject, merge."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.staff import duplicates, suggestions
from carte.staff.editing import enterprise_for_edit
from carte.web.admin import blueprint
from carte.web.admin.auth import connection, current_user, login_required
from carte.web.session import get_session


def suggestion_or_abort(suggestion_id: int) -> suggestions.Suggestion:
    """A pending suggestion this user may decide on; 403 outside their MRCs."""
    suggestion = suggestions.get(connection(), suggestion_id)
    if not current_user().may_edit(suggestion.mrc_code):
        abort(403)
    return suggestion


@blueprint.get("/suggestions")
@login_required
def suggestion_queue():
    """Suggestions waiting for a decision."""
    user = current_user()
    rows = suggestions.pending(connection(), user.mrc_scope)
    return render_template("admin/suggestions.html", rows=rows)


@blueprint.get("/suggestions/<int:suggestion_id>")
@login_required
def suggestion_detail(suggestion_id: int):
    """Current and proposed values side by side."""
    suggestion = suggestion_or_abort(suggestion_id)
    proposed = suggestion.proposed
    similar = (
        duplicates.similar_places(
            connection(),
            proposed.get("name", ""),
            proposed.get("postal_code"),
            proposed.get("municipality_name"),
        )
        if suggestion.is_new_place
        else []
    )
    return render_template("admin/suggestion.html", suggestion=suggestion, similar=similar)


@blueprint.post("/suggestions/<int:suggestion_id>/accepter")
@login_required
def suggestion_accept(suggestion_id: int):
    """Apply the ticked fields, to the enterprise, a new place, or an existing one (merge)."""
    suggestion = suggestion_or_abort(suggestion_id)
    merge_into = request.form.get("merge_into", type=int)
    if merge_into is not None:
        target = enterprise_for_edit(connection(), merge_into)
        if target is None:
            flash(_("Fiche n° %(id)d introuvable.", id=merge_into))
            return redirect(url_for("admin.suggestion_detail", suggestion_id=suggestion_id))
        if not current_user().may_edit(target["mrc_code"]):
            abort(403)
    result = suggestions.accept(
        connection(), suggestion, request.form.getlist("fields"), current_user().actor, merge_into=merge_into
    )
    get_session().commit()
    flash(_("Suggestion acceptée."))
    return redirect(url_for("admin.edit", enterprise_id=result))


@blueprint.post("/suggestions/<int:suggestion_id>/rejeter")
@login_required
def suggestion_reject(suggestion_id: int):
    """Close the suggestion without changing anything, with a reason."""
    suggestion_or_abort(suggestion_id)
    suggestions.decide(
        connection(),
        suggestion_id,
        "rejected",
        current_user().actor,
        reason=request.form.get("reason", "").strip()[:500] or None,
    )
    get_session().commit()
    flash(_("Suggestion rejetée."))
    return redirect(url_for("admin.suggestion_queue"))
