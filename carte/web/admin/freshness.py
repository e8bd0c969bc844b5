"""Entries not verified for a while, for staff to check."""

from __future__ import annotations

from flask import current_app, render_template

from carte.staff import freshness
from carte.web.admin import blueprint
from carte.web.admin.auth import connection, current_user, login_required


@blueprint.get("/fraicheur")
@login_required
def stale():
    """Published entries not verified within CARTE_STALE_DAYS, oldest first."""
    user = current_user()
    days = int(current_app.config["STALE_DAYS"])
    rows = freshness.stale_enterprises(connection(), days, user.mrc_scope)
    return render_template("admin/stale.html", rows=rows, days=days)
