"""How the back-office shows field names and stored values to staff."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext as _

from carte.core.vocabulary import load_vocabulary
from carte.web.i18n import current_language


def field_label(name: str) -> str:
    """The translated label of an enterprise column."""
    labels = {
        "name": _("Nom"),
        "description": _("Description"),
        "street": _("Adresse"),
        "address_line2": _("Complément d'adresse"),
        "municipality_name": _("Municipalité"),
        "postal_code": _("Code postal"),
        "phone": _("Téléphone"),
        "email": _("Courriel"),
        "website": _("Site web"),
        "opening_hours": _("Heures d'ouverture"),
        "sectors": _("Secteurs"),
        "items": _("Objets acceptés"),
        "services": _("Services"),
        "published": _("Publiée"),
        "contact_person": _("Personne-ressource"),
        "internal_notes": _("Notes internes"),
        "point": _("Position"),
        "geocode_precision": _("Précision"),
        "geocode_source": _("Géocodeur"),
        "mrc_code": _("MRC"),
        "municipality_code": _("Code de municipalité"),
        "flags": _("Signalements"),
        "source": _("Source"),
        "source_key": _("Clé dans la source"),
        "external_id": _("Identifiant externe"),
        "neq": _("NEQ"),
        "pause_items": _("Objets en pause"),
        "pause_sectors": _("Secteurs en pause"),
        "pause_until": _("Pause jusqu'au"),
        "pause_message": _("Message de la pause"),
    }
    return labels.get(name, name)


def duplicate_reason(reason: str) -> str:
    """The translated name of why two enterprises may be duplicates (the field they share)."""
    fields = {"nom": "name", "neq": "neq", "téléphone": "phone", "site web": "website"}
    return field_label(fields.get(reason, reason))


def stored_value(value: Any, field: str = "") -> str:
    """A stored value as staff read it: labels for codes, booleans in words, points as coordinates."""
    if value is None or value == []:
        return "—"
    if field == "geocode_precision":
        return precision_label(str(value))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list):
        if field in ("sectors", "items", "services", "pause_sectors", "pause_items"):
            kind = field.removeprefix("pause_")
            labels = {t.code: t.label(current_language()) for t in getattr(load_vocabulary(), kind)}
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict) and value.get("type") == "Point":
        lon, lat = value["coordinates"][:2]
        return f"{lat:.5f}, {lon:.5f}"
    return str(value)


def precision_label(precision: str | None) -> str:
    """How precisely an enterprise is placed, in words."""
    labels = {
        "manual": _("manuelle"),
        "address": _("adresse"),
        "postal_code": _("code postal"),
        "municipality": _("municipalité"),
        "fsa": _("RTA (approximative)"),
    }
    return labels.get(precision or "", _("non placée"))


def job_status(status: str) -> str:
    """The state of a web import, in words."""
    labels = {
        "previewing": _("aperçu en préparation"),
        "ready": _("aperçu prêt, à confirmer"),
        "running": _("en cours"),
        "done": _("terminé"),
        "failed": _("échec"),
        "cancelled": _("annulé"),
    }
    return labels.get(status, status)


def job_count(key: str) -> str:
    """The name of one of an import's counts."""
    labels = {
        "read": _("lues"),
        "inserted": _("ajoutées"),
        "updated": _("modifiées"),
        "unchanged": _("inchangées"),
        "rejected": _("rejetées"),
    }
    return labels.get(key, key)


def init_app(app: Flask) -> None:
    """Register the display helpers as template filters."""
    app.add_template_filter(job_status)
    app.add_template_filter(job_count)
    app.add_template_filter(field_label)
    app.add_template_filter(duplicate_reason)
    app.add_template_filter(precision_label)
    app.add_template_filter(stored_value)
