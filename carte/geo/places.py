"""Resolve what a citizen types for "near me" (postal code, municipality, address) offline.

Only the reference tables are used (postal_code, fsa, municipality): no request leaves the server.
A street address is located at its postal code when it carries one, else at its municipality.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from carte.core.text import fold, municipality_key, normalise_postal_code

_POSTAL_IN_TEXT = re.compile(r"\b([A-Za-z]\d[A-Za-z])\s*-?\s*(\d[A-Za-z]\d)\b")
_FSA_ALONE = re.compile(r"^\s*([A-Za-z]\d[A-Za-z])\s*$")
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Place:
    """A point a citizen asked for, with what was recognised and how precise it is."""

    lat: float
    lon: float
    label: str
    precision: str

    def as_dict(self) -> dict:
        """A JSON-ready mapping."""
        return asdict(self)


def _postal_code(session: Session, code: str) -> Place | None:
    """The centre of a full postal code."""
    row = session.execute(
        text("""
        SELECT ST_Y(point), ST_X(point), code || ' (' || municipality_name || ')' FROM postal_code
        WHERE code = :code"""),
        {"code": code},
    ).first()
    return Place(row[0], row[1], row[2], "postal_code") if row else None


def _fsa(session: Session, fsa: str) -> Place | None:
    """The centre of a forward sortation area (first three characters of a postal code)."""
    row = session.execute(
        text("SELECT ST_Y(point), ST_X(point), code || ' (' || name || ')' FROM fsa WHERE code = :fsa"),
        {"fsa": fsa.upper()},
    ).first()
    return Place(row[0], row[1], row[2], "fsa") if row else None


def _municipality(session: Session, name: str) -> Place | None:
    """The most populous municipality whose name matches exactly, else starts with the words typed."""
    key = municipality_key(name)
    if len(key) < 2:
        return None
    row = session.execute(
        text("""
        SELECT ST_Y(point), ST_X(point), name FROM municipality
        WHERE point IS NOT NULL AND (name_key = :key OR name_key LIKE :prefix)
        ORDER BY name_key = :key DESC, population DESC NULLS LAST, name LIMIT 1"""),
        {"key": key, "prefix": key.replace("%", "").replace("_", " ") + " %"},
    ).first()
    return Place(row[0], row[1], row[2], "municipality") if row else None


def _municipality_in_address(session: Session, query: str) -> Place | None:
    """The municipality named in an address: after its last comma, else its trailing words."""
    if "," in query:
        found = _municipality(session, query.rsplit(",", 1)[1])
        if found:
            return found
    words = fold(query).split()
    for start in range(1, len(words)):
        found = _municipality(session, " ".join(words[start:]))
        if found:
            return found
    return None


def resolve_place(session: Session, query: str) -> Place | None:
    """The point for a postal code, a forward sortation area, a municipality or an address."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return None
    match = _POSTAL_IN_TEXT.search(query)
    if match:
        code = normalise_postal_code(match.group(1) + match.group(2))
        found = (_postal_code(session, code) if code else None) or _fsa(session, match.group(1))
        if found:
            return found
    fsa = _FSA_ALONE.match(query)
    if fsa:
        return _fsa(session, fsa.group(1))
    return _municipality(session, query) or _municipality_in_address(session, query)
