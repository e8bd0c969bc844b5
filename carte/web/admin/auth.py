"""Sign-in, sign-out and the current user of an admin request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from carte.staff import accounts
from carte.staff.accounts import SignInRefused, User
from carte.staff.editing import enterprise_for_edit
from carte.web.admin import blueprint
from carte.web.session import get_session


def connection():
    """The request's database connection, inside the request's transaction."""
    return get_session().connection()


def current_user() -> User | None:
    """The signed-in user of this request, or None (an ended or idle session counts as none)."""
    if "user" not in g:
        token = session.get("token")
        g.user = None
        if token:
            g.user = accounts.resolve_session(
                connection(), token, int(current_app.config["SESSION_IDLE_MINUTES"])
            )
            get_session().commit()
            if g.user is None:
                session.pop("token", None)
    return g.user


def login_required(view: Callable) -> Callable:
    """Send visitors who are not signed in to the sign-in page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("admin.sign_in", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper


def editable_or_abort(enterprise_id: int) -> dict:
    """The enterprise if it exists and the signed-in user may edit it; 404 or 403 otherwise."""
    enterprise = enterprise_for_edit(connection(), enterprise_id)
    if enterprise is None:
        abort(404)
    if not current_user().may_edit(enterprise["mrc_code"]):
        abort(403)
    return enterprise


def admin_required(view: Callable) -> Callable:
    """Only admins pass."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user().is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.index")


@blueprint.route("/connexion", methods=["GET", "POST"])
def sign_in():
    """Show the sign-in form, or check it and open a session."""
    error, status = None, 200
    if request.method == "POST":
        try:
            user = accounts.authenticate(
                connection(), request.form.get("email", ""), request.form.get("password", "")
            )
        except SignInRefused as refused:
            get_session().commit()  # keep the failed-attempt count
            error, status = refused.message, refused.status
        else:
            session.clear()
            session["token"] = accounts.open_session(connection(), user.id)
            session.permanent = True
            get_session().commit()
            return redirect(safe_next(request.args.get("next")))
    return render_template("admin/sign_in.html", error=error), status


@blueprint.post("/deconnexion")
def sign_out():
    """End the session on the server, so a copied cookie stops working."""
    token = session.pop("token", None)
    if token:
        accounts.close_session(connection(), token)
        get_session().commit()
    session.clear()
    flash(_("Vous êtes déconnecté."))
    return redirect(url_for("admin.sign_in"))


@blueprint.get("/utilisateurs")
@admin_required
def users():
    """The list of staff accounts, for admins."""
    return render_template("admin/users.html", users=accounts.list_users(connection()))
