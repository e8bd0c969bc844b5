"""The "accepting now" form shared by the owner's page and the staff edit page: show, set and lift a pause."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, request
from flask_babel import gettext as _

from carte.core.pause import local_today, validate_pause
from carte.core.vocabulary import load_vocabulary
from carte.staff import pauses
from carte.web.session import get_session


def pause_context(
    enterprise_id: int, values: Mapping[str, Any] | None = None, errors: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What the pause form needs: the terms it may pause, the current pause with labels, the values and errors."""
    vocabulary, language = load_vocabulary(), _language()
    offered = pauses.offered_codes(get_session().connection(), enterprise_id)
    current = pauses.current_pause(get_session().connection(), enterprise_id)
    if current is not None:
        current["labels"] = [
            term.label(language)
            for kind in ("items", "sectors")
            for term in vocabulary.terms(kind, current[kind])
        ]
    return {
        "offered": {kind: vocabulary.terms(kind, codes) for kind, codes in offered.items()},
        "pause": current,
        "pause_values": values or {},
        "pause_errors": errors or {},
        "today": local_today(),
    }


def _language() -> str:
    """The request's language (imported late: i18n needs the app)."""
    from carte.web.i18n import current_language

    return current_language()


def reasons() -> dict[str, str]:
    """The reasons a pause form is refused (carte.core.pause.REASONS), in the request's language."""
    return {
        "unknown_items": _("Choix inconnu(s) parmi les objets de la fiche : %(codes)s."),
        "unknown_sectors": _("Choix inconnu(s) parmi les secteurs de la fiche : %(codes)s."),
        "nothing": _("Choisissez au moins une catégorie d'objets ou un secteur à mettre en pause."),
        "bad_date": _("Date invalide : utilisez le format AAAA-MM-JJ."),
        "past_date": _("La date de fin (%(date)s) est passée : choisissez aujourd'hui ou plus tard."),
        "far_date": _("La date de fin est trop lointaine (au plus %(days)d jours)."),
        "long_message": _("Message trop long (%(length)d caractères ; au plus %(most)d)."),
        "control_characters": _("Le message contient des caractères de contrôle."),
    }


def submitted_values() -> dict[str, Any]:
    """The posted pause form, to fill it again after an error."""
    return {
        "items": request.form.getlist("items"),
        "sectors": request.form.getlist("sectors"),
        "until": request.form.get("until", "")[:20],
        "message": request.form.get("message", "")[:400],
    }


def submit_pause(enterprise_id: int, actor: str) -> dict[str, str]:
    """Validate the posted pause and store it (committed); the errors by field, empty when stored."""
    offered = pauses.offered_codes(get_session().connection(), enterprise_id)
    pause, errors = validate_pause(request.form, load_vocabulary(), offered, local_today())
    if errors:
        words = reasons()
        return {error.field: words[error.reason] % dict(error.values) for error in errors}
    pauses.set_pause(get_session().connection(), enterprise_id, pause, actor)
    get_session().commit()
    flash(_("Pause enregistrée : la carte l'affiche dès maintenant."))
    return {}


def lift(enterprise_id: int, actor: str) -> None:
    """Lift the current pause (committed) and say so."""
    lifted = pauses.lift_pause(get_session().connection(), enterprise_id, actor)
    get_session().commit()
    flash(_("Pause levée : tout est de nouveau accepté.") if lifted else _("Aucune pause en cours."))
