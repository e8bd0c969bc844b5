"""Import history and reverting an import."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from carte import history
from carte.db import get_session
from carte.web.admin import blueprint
from carte.web.admin.auth import admin_required, connection, current_user, login_required


@blueprint.get("/imports")
@login_required
def imports():
    """The recent imports with their counts."""
    return render_template("admin/imports.html", batches=history.import_batches(connection()))


@blueprint.post("/imports/<int:batch_id>/annuler")
@admin_required
def revert(batch_id: int):
    """Undo an import: old values restored, created enterprises unpublished, later edits kept."""
    result = history.revert_import(connection(), batch_id, current_user().actor)
    get_session().commit()
    flash(_("Import n° %(id)d annulé : %(restored)d fiches rétablies, %(hidden)d masquées, "
            "%(conflicts)d champs modifiés depuis laissés tels quels.", id=batch_id,
            restored=result.restored, hidden=result.unpublished, conflicts=result.conflicts))
    return redirect(url_for("admin.imports"))
