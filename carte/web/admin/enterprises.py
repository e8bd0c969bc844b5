"""Staff views of enterprises: the list they may edit, the edit form, the history."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.core.vocabulary import load_vocabulary
from carte.staff import editing, history
from carte.web.admin import blueprint
from carte.web.admin.auth import connection, current_user, editable_or_abort, login_required
from carte.web.pause_form import lift, pause_context, submit_pause, submitted_values
from carte.web.session import get_session

PAGE_SIZE = 50


@blueprint.get("/")
@login_required
def index():
    """The enterprises this user may edit, searchable by name."""
    user = current_user()
    query = request.args.get("q", "")[:200]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total, rows = editing.editable_enterprises(
        connection(), user.mrc_scope, query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "admin/index.html",
        user=user,
        rows=rows,
        total=total,
        query=query,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


@blueprint.route("/entreprises/<int:enterprise_id>", methods=["GET", "POST"])
@login_required
def edit(enterprise_id: int):
    """Show the edit form, or validate and store it."""
    enterprise = editable_or_abort(enterprise_id)
    vocabulary = load_vocabulary()
    errors: list[editing.FieldError] = []
    if request.method == "POST":
        values, errors = editing.validate_edit(request.form, vocabulary)
        if not errors:
            changed = editing.update_enterprise(connection(), enterprise_id, values, current_user().actor)
            get_session().commit()
            flash(_("Modifications enregistrées.") if changed else _("Aucune modification."))
            return redirect(url_for("admin.edit", enterprise_id=enterprise_id))
        enterprise = {**enterprise, **{k: request.form.get(k, "") for k in editing.TEXT_FIELDS}}
    return render_template(
        "admin/edit.html",
        enterprise=enterprise,
        vocabulary=vocabulary,
        errors={e.field: e.message for e in errors},
        **pause_context(enterprise_id),
    ), (400 if errors else 200)


@blueprint.post("/entreprises/<int:enterprise_id>/pause")
@login_required
def pause(enterprise_id: int):
    """Pause some items or sectors of an enterprise; the edit page again with the pause's errors."""
    enterprise = editable_or_abort(enterprise_id)
    errors = submit_pause(enterprise_id, current_user().actor)
    if not errors:
        return redirect(url_for("admin.edit", enterprise_id=enterprise_id))
    return render_template(
        "admin/edit.html",
        enterprise=enterprise,
        vocabulary=load_vocabulary(),
        errors={},
        **pause_context(enterprise_id, submitted_values(), errors),
    ), 400


@blueprint.post("/entreprises/<int:enterprise_id>/reprise")
@login_required
def resume(enterprise_id: int):
    """Lift an enterprise's pause."""
    editable_or_abort(enterprise_id)
    lift(enterprise_id, current_user().actor)
    return redirect(url_for("admin.edit", enterprise_id=enterprise_id))


@blueprint.get("/entreprises/<int:enterprise_id>/historique")
@login_required
def enterprise_history(enterprise_id: int):
    """Every change of an enterprise: who, when, which import or edit, old and new values."""
    enterprise = editable_or_abort(enterprise_id)
    return render_template(
        "admin/history.html",
        enterprise=enterprise,
        revisions=history.enterprise_history(connection(), enterprise_id),
    )
