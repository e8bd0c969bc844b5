"""Public forms: suggest a correction to an enterprise, or a place that is missing from the map."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from carte.core.errors import NotFound
from carte.core.vocabulary import load_vocabulary
from carte.staff import suggestions
from carte.staff.editing import FieldError, validate_edit
from carte.web.session import get_session

blueprint = Blueprint("suggestions", __name__, url_prefix="/suggestions")
HONEYPOT = "site_web_confirmation"
MAX_FORM_AGE = 2 * 3600


def form_signer() -> URLSafeTimedSerializer:
    """Signs the moment a form was shown, for the time check."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="suggestion-form")


def looks_automated() -> bool:
    """A filled honeypot, a forged or stale form, or one sent faster than a person types."""
    if request.form.get(HONEYPOT):
        return True
    try:
        shown_at = form_signer().loads(request.form.get("form_token", ""), max_age=MAX_FORM_AGE)
    except BadSignature:
        return True
    return time.time() - float(shown_at) < float(current_app.config.get("SUGGESTION_MIN_SECONDS", 3))


def render_form(enterprise_id: int | None, values: dict, errors: dict, status: int = 200):
    """The suggestion form, prefilled."""
    return render_template(
        "suggestions/form.html",
        enterprise_id=enterprise_id,
        values=values,
        errors=errors,
        vocabulary=load_vocabulary(),
        honeypot=HONEYPOT,
        form_token=form_signer().dumps(time.time()),
    ), status


def handle(enterprise_id: int | None, current: dict):
    """Show the form, or validate and queue the suggestion."""
    if request.method == "GET":
        return render_form(enterprise_id, current, {})
    if looks_automated():
        return redirect(url_for("suggestions.thanks"))
    values, errors = validate_edit(request.form, load_vocabulary(), suggestions.PUBLIC_FIELDS)
    comment = request.form.get("comment", "").strip()[:2000]
    email = request.form.get("contact_email", "").strip()[:200]
    if email and "@" not in email:
        errors.append(FieldError("contact_email", _("Adresse courriel invalide.")))
    if errors:
        return render_form(
            enterprise_id,
            {**current, **request.form.to_dict(), **values},
            {e.field: e.message for e in errors},
            400,
        )
    ip_hash = suggestions.ip_digest(request.remote_addr or "", current_app.config["SECRET_KEY"])
    suggestions.submit(get_session().connection(), enterprise_id, values, comment, email, ip_hash)
    get_session().commit()
    return redirect(url_for("suggestions.thanks"))


@blueprint.route("/modifier/<int:enterprise_id>", methods=["GET", "POST"])
def correct(enterprise_id: int):
    """Suggest a correction to a published enterprise."""
    current = suggestions.current_values(get_session().connection(), enterprise_id)
    if current is None:
        raise NotFound(_("Cette entreprise n'existe pas ou n'est pas publiée."))
    return handle(enterprise_id, current)


@blueprint.route("/ajouter", methods=["GET", "POST"])
def add():
    """Suggest a place that is missing from the map."""
    return handle(None, {})


@blueprint.get("/merci")
def thanks() -> str:
    """Confirmation that the suggestion reached the moderators."""
    return render_template("suggestions/thanks.html")
