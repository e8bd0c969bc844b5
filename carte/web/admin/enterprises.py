"""Staff views of enterprises: the list they may edit, the edit form, the history."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.core.vocabulary import load_vocabulary
from carte.staff import editing, history
from carte.web.admin import blueprint
from carte.web.admin.auth import connection, current_user, editable_or_abort, login_required
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
    ), (400 if errors else 200)


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
