"""The map payload's rows by ordinal: the ids, names and contacts its list and popups show, and its free-text search.

The payload (carte/map/payload.py) carries no names nor ids; the page asks for them by ordinal, the place of
a row in one version of the payload, and gets the rows matching its free text as a bitset over the
ordinals. Both answer only for the current version: another one is refused (StaleVersion), so an
ordinal always means the row the page decoded.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from carte.map.payload import MapData
from carte.read.filters import InvalidParameter, parse_text
from carte.read.queries import text_match_ids

#: Ordinals one request may ask for; the page asks in chunks of at most this many.
MAX_ROWS = 1000
#: What a version looks like (carte.map.payload.digest).
VERSION = re.compile(r"[0-9a-f]{32}")

#: The e-mail address itself is left out (only whether there is one): lists of addresses are not handed
#: out in bulk; the page asks for one address when the visitor clicks its link.
_ROWS_SQL = text("""
SELECT id, name, street, phone, email IS NOT NULL FROM enterprise
WHERE id = ANY(CAST(:ids AS bigint[])) AND published AND point IS NOT NULL
""")


class StaleVersion(InvalidParameter):
    """The page names a version of the payload that is no longer the current one (409)."""

    status = 409

    def __init__(self) -> None:
        super().__init__(
            "v",
            "les données de la carte ont changé depuis leur chargement ; rechargez "
            "/carte/donnees.json pour la version actuelle.",
            "the map's data changed since it was loaded; load /carte/donnees.json again "
            "for the current version.",
        )


def check_version(raw: str | None, data: MapData) -> None:
    """InvalidParameter when v is missing, StaleVersion when it is not the current payload's version."""
    if raw is None:
        raise InvalidParameter(
            "v",
            "la version des données de la carte est requise (champ version de /carte/donnees.json).",
            "the version of the map's data is required (version in /carte/donnees.json).",
        )
    if VERSION.fullmatch(raw) is None:
        raise InvalidParameter(
            "v",
            f"« {raw[:40]} » n'est pas une version de /carte/donnees.json.",
            f"'{raw[:40]}' is not a version of /carte/donnees.json.",
        )
    if raw != data.version:
        raise StaleVersion()


def parse_ordinals(raw: str | None, count: int) -> list[int]:
    """Distinct ordinals of rows, comma-separated, in their order: at most MAX_ROWS, each below count."""
    if raw is None:
        raise InvalidParameter(
            "n",
            "au moins un numéro de ligne est requis (n=0,5,17).",
            "at least one row number is required (n=0,5,17).",
        )
    parts = raw.split(",")
    if len(parts) > MAX_ROWS:
        raise InvalidParameter(
            "n",
            f"au plus {MAX_ROWS} numéros de ligne par requête.",
            f"at most {MAX_ROWS} row numbers per request.",
        )
    for part in parts:
        if not (part.isascii() and part.isdigit()) or len(part) > 9:
            raise InvalidParameter(
                "n",
                f"« {part[:40]} » n'est pas un numéro de ligne (entier positif).",
                f"'{part[:40]}' is not a row number (non-negative whole number).",
            )
    ordinals = list(dict.fromkeys(int(part) for part in parts))
    if max(ordinals) >= count:
        raise InvalidParameter(
            "n",
            f"les numéros de ligne vont de 0 à {count - 1}."
            if count
            else "cette version des données n'a aucune ligne.",
            f"row numbers go from 0 to {count - 1}." if count else "this version of the data has no rows.",
        )
    return ordinals


def rows_of(session: Session, data: MapData, ordinals: list[int]) -> dict[str, Any]:
    """The id, name, street, phone and whether it has an e-mail address of each ordinal, column by column;
    StaleVersion if one is no longer published."""
    ids = [data.ids[ordinal] for ordinal in ordinals]
    found = {row[0]: row for row in session.execute(_ROWS_SQL, {"ids": ids}).tuples()}
    if len(found) < len(ids):
        raise StaleVersion()
    rows = [found[enterprise_id] for enterprise_id in ids]
    return {
        "n": ordinals,
        "id": ids,
        "name": [row[1] for row in rows],
        "street": [row[2] for row in rows],
        "phone": [row[3] for row in rows],
        "email": [row[4] for row in rows],
    }


def parse_search(raw: str | None) -> str:
    """The text to search for, or InvalidParameter naming q."""
    q = (parse_text("q", raw) or "").strip()
    if not q:
        raise InvalidParameter("q", "le texte à chercher est requis.", "the text to search for is required.")
    return q


def search_bits(session: Session, data: MapData, q: str) -> dict[str, Any]:
    """The rows whose name, description or municipality holds q: their number and a base64 bitset
    (ordinal i is bit i % 8 of byte i // 8)."""
    bits = bytearray((len(data.ids) + 7) // 8)
    found = 0
    for enterprise_id in text_match_ids(session, q):
        ordinal = data.ordinals.get(enterprise_id)
        if ordinal is not None:  # published since this version: the next version will have it
            bits[ordinal >> 3] |= 1 << (ordinal & 7)
            found += 1
    return {"count": found, "bits": base64.b64encode(bytes(bits)).decode("ascii")}
