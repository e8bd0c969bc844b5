"""Staff edits of an enterprise: validation of a form's values, the update, and its history."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.text import normalise_postal_code
from carte.core.vocabulary import Vocabulary
from carte.store.actor import set_actor

TEXT_FIELDS = (
    "name",
    "description",
    "street",
    "address_line2",
    "municipality_name",
    "postal_code",
    "phone",
    "email",
    "website",
    "opening_hours",
    "contact_person",
    "internal_notes",
)
LIST_FIELDS = ("sectors", "items", "services")
EDITABLE = TEXT_FIELDS + LIST_FIELDS + ("published",)
MAX_TEXT = {"name": 200, "description": 4000, "internal_notes": 4000}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class FieldError:
    """A value the form cannot accept, with the reason in French."""

    field: str
    message: str


def clean_phone(value: str) -> str:
    """A North American phone number in E.164, or ValueError."""
    try:
        number = phonenumbers.parse(value, "CA")
    except phonenumbers.NumberParseException:
        raise ValueError from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_website(value: str) -> str:
    """An http(s) URL, adding https:// to a bare host, or ValueError."""
    url = value if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I) else f"https://{value}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in url:
        raise ValueError
    return url


CLEANERS = {
    "postal_code": (lambda v: normalise_postal_code(v) or _raise(), "Code postal invalide (format A9A 9A9)."),
    "phone": (clean_phone, "Numéro de téléphone invalide."),
    "email": (lambda v: v if _EMAIL.match(v) else _raise(), "Adresse courriel invalide."),
    "website": (clean_website, "Adresse de site web invalide (http:// ou https://)."),
}


def _raise() -> str:
    """Signal an invalid value from a one-line cleaner."""
    raise ValueError


def validate_edit(
    form: Mapping[str, Any], vocabulary: Vocabulary, fields: tuple[str, ...] = EDITABLE
) -> tuple[dict[str, Any], list[FieldError]]:
    """Clean a submitted form's fields: the values to store, and the errors naming each bad field."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name in (f for f in TEXT_FIELDS if f in fields):
        raw = str(form.get(name, "") or "").strip()
        if len(raw) > MAX_TEXT.get(name, 500):
            errors.append(
                FieldError(name, f"Texte trop long (au plus {MAX_TEXT.get(name, 500)} caractères).")
            )
            continue
        cleaner, message = CLEANERS.get(name, (None, ""))
        try:
            values[name] = (cleaner(raw) if cleaner else raw) if raw else None
        except ValueError:
            errors.append(FieldError(name, message))
    if "name" in fields and not values.get("name"):
        errors.append(FieldError("name", "Le nom est obligatoire."))
    for name in (f for f in LIST_FIELDS if f in fields):
        chosen = form.getlist(name) if hasattr(form, "getlist") else list(form.get(name, []))
        unknown = [code for code in chosen if code not in vocabulary.codes(name)]
        if unknown:
            errors.append(FieldError(name, f"Valeur(s) inconnue(s) : {', '.join(unknown)}."))
        values[name] = sorted(set(chosen) - set(unknown))
    if "published" in fields:
        values["published"] = str(form.get("published", "")) in ("on", "1", "true")
    return values, errors


def enterprise_for_edit(connection: Connection, enterprise_id: int) -> dict[str, Any] | None:
    """Every editable field of an enterprise, with its MRC, precision and coordinates."""
    row = (
        connection.execute(
            text(f"""
        SELECT e.id, {", ".join("e." + f for f in EDITABLE)}, e.mrc_code, m.name AS mrc_name,
               e.geocode_precision, e.flags, e.updated_at, e.source,
               ST_Y(e.point) AS latitude, ST_X(e.point) AS longitude
        FROM enterprise e LEFT JOIN mrc m ON m.code = e.mrc_code WHERE e.id = :id"""),
            {"id": enterprise_id},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def update_enterprise(
    connection: Connection, enterprise_id: int, values: Mapping[str, Any], actor: str, kind: str = "edit"
) -> bool:
    """Store edited values; return whether anything changed (history is written by a trigger)."""
    fields = [name for name in EDITABLE if name in values]
    if not fields:
        return False
    set_actor(connection, actor, kind)
    result = connection.execute(
        text(f"""
        UPDATE enterprise SET {", ".join(f"{f} = :{f}" for f in fields)}, updated_at = now()
        WHERE id = :id AND ({", ".join(fields)}) IS DISTINCT FROM
              ({", ".join(f"CAST(:{f} AS {column_type(f)})" for f in fields)})"""),
        {**{f: values[f] for f in fields}, "id": enterprise_id},
    )
    return result.rowcount > 0


def column_type(field: str) -> str:
    """The SQL type of an editable column, for comparing bound values."""
    if field in LIST_FIELDS:
        return "text[]"
    return "boolean" if field == "published" else "text"


def editable_enterprises(
    connection: Connection, mrc_codes: list[str] | None, query: str = "", limit: int = 50, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """Enterprises a user may edit (all MRCs when mrc_codes is None), by name, with a total."""
    escaped = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params = {"mrcs": mrc_codes, "q": f"%{escaped}%", "limit": limit, "offset": offset}
    where = (
        "(CAST(:mrcs AS text[]) IS NULL OR e.mrc_code = ANY(:mrcs)) "
        "AND lower(carte_unaccent(e.name)) LIKE lower(carte_unaccent(:q))"
    )
    total = connection.execute(text(f"SELECT count(*) FROM enterprise e WHERE {where}"), params).scalar_one()
    rows = connection.execute(
        text(f"""
        SELECT e.id, e.name, e.municipality_name, e.published, e.geocode_precision, m.name AS mrc_name
        FROM enterprise e LEFT JOIN mrc m ON m.code = e.mrc_code WHERE {where}
        ORDER BY lower(e.name), e.id LIMIT :limit OFFSET :offset"""),
        params,
    ).mappings()
    return total, [dict(row) for row in rows]
