"""Owners' links from reminder e-mails: confirm an entry, or go suggest a correction, without an account."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from carte.core.errors import NotFound
from carte.staff import freshness, suggestions
from carte.web.pause_form import lift, pause_context, submit_pause, submitted_values
from carte.web.session import get_session

blueprint = Blueprint("owner", __name__, url_prefix="/proprietaire")


def entry_of(token: str) -> tuple[int, dict]:
    """The enterprise a valid link points at, with its public values."""
    enterprise_id = freshness.read_link(
        current_app.config["SECRET_KEY"], token, int(current_app.config["REMINDER_LINK_DAYS"])
    )
    current = suggestions.current_values(get_session().connection(), enterprise_id)
    if current is None:
        raise NotFound(_("Cette entreprise n'est plus publiée."))
    return enterprise_id, current


@blueprint.get("/<token>")
def show(token: str):
    """The owner's entry with the two choices (it is right, or it needs a correction) and its pause."""
    enterprise_id, current = entry_of(token)
    return render_template(
        "owner/show.html",
        token=token,
        enterprise_id=enterprise_id,
        entry=current,
        **pause_context(enterprise_id),
    )


def owner_actor(enterprise_id: int) -> str:
    """How the history names an owner acting through the e-mailed link."""
    return f"owner:{enterprise_id} (lien courriel)"


@blueprint.post("/<token>/pause")
def pause(token: str):
    """Pause some items or sectors until a day, with a public message; the form again with its errors."""
    enterprise_id, current = entry_of(token)
    errors = submit_pause(enterprise_id, owner_actor(enterprise_id))
    if not errors:
        return redirect(url_for("owner.show", token=token))
    return render_template(
        "owner/show.html",
        token=token,
        enterprise_id=enterprise_id,
        entry=current,
        **pause_context(enterprise_id, submitted_values(), errors),
    ), 400


@blueprint.post("/<token>/reprise")
def resume(token: str):
    """Lift the pause: everything the entry lists is accepted again."""
    enterprise_id, _current = entry_of(token)
    lift(enterprise_id, owner_actor(enterprise_id))
    return redirect(url_for("owner.show", token=token))


@blueprint.post("/<token>/confirmer")
def confirm(token: str):
    """Mark the entry as verified today."""
    enterprise_id, _current = entry_of(token)
    freshness.confirm(get_session().connection(), enterprise_id, "owner (lien courriel)")
    get_session().commit()
    flash(_("Merci : la fiche est confirmée."))
    return redirect(url_for("owner.show", token=token))
