"""The map payload's rows by ordinal: the ids, names and contacts its list and popups show, and its free-text search.

The payload (carte/map/payload.py) carries no names nor ids; the page asks for them by ordinal, the place of
a row in one version of the payload, and gets the rows matching its free text as a bitset over the
ordinals. The list's pages come in name order (NAME_COLLATION: MapData.by_name), the page naming the
rows its results hold by the same kind of bitset. All answer only for the current version: another one
is refused (StaleVersion), so an ordinal always means the row the page decoded.
"""

from __future__ import annotations

import base64
import binascii
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


def parse_enterprise_id(raw: str) -> int:
    """An enterprise id (a positive whole number), or InvalidParameter naming id."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) == 0:
        raise InvalidParameter(
            "id",
            f"« {raw[:40]} » n'est pas un numéro d'entreprise (entier positif).",
            f"'{raw[:40]}' is not an enterprise number (positive whole number).",
        )
    return int(raw)


def row_of_enterprise(session: Session, data: MapData, enterprise_id: int) -> dict[str, Any]:
    """The row of one enterprise by its id, as rows_of answers it; no row when the payload lacks it."""
    ordinal = data.ordinals.get(enterprise_id)
    return rows_of(session, data, [] if ordinal is None else [ordinal])


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


#: Rows one page of the list may ask for (the page asks PAGE_SIZE, more to reach an entry far down).
MAX_PAGE = MAX_ROWS


def parse_bits(raw: str | None, count: int) -> bytes | None:
    """The rows the list holds (`in`: a base64 bitset over the ordinals, as /carte/recherche answers
    them), None when absent (every row); InvalidParameter naming in."""
    if raw is None:
        return None
    size = (count + 7) // 8
    try:
        bits = base64.b64decode(
            raw.replace("-", "+").replace("_", "/") + "=" * (-len(raw) % 4), validate=True
        )
    except (ValueError, binascii.Error):
        bits = None
    if bits is None or len(bits) != size:
        raise InvalidParameter(
            "in",
            f"un ensemble de lignes en base64 de {size} octets est attendu (comme bits de /carte/recherche).",
            f"a base64 set of rows of {size} bytes is expected (as bits of /carte/recherche).",
        )
    return bits


def parse_count(name: str, raw: str | None, default: int, most: int) -> int:
    """A whole number from 0 to `most` (default when absent), or InvalidParameter naming it."""
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) > most:
        raise InvalidParameter(
            name,
            f"« {raw[:40]} » n'est pas un entier de 0 à {most}.",
            f"'{raw[:40]}' is not a whole number from 0 to {most}.",
        )
    return int(raw)


def in_name_order(data: MapData, bits: bytes | None) -> list[int]:
    """The ordinals of the rows held by `bits` (every row when None), in the order of the names."""
    if bits is None:
        return list(data.by_name)
    return [ordinal for ordinal in data.by_name if bits[ordinal >> 3] & (1 << (ordinal & 7))]


def page_by_name(
    session: Session, data: MapData, bits: bytes | None, start: int, count: int
) -> dict[str, Any]:
    """One page of the list in name order: the id and name of `count` rows from `start`, and the total."""
    ordered = in_name_order(data, bits)
    page = ordered[start : start + count]
    return {**rows_of(session, data, page), "total": len(ordered)}


def position_by_name(data: MapData, bits: bytes | None, ordinal: int) -> dict[str, Any]:
    """Where a row stands in the list in name order (-1 when the list does not hold it)."""
    try:
        index = in_name_order(data, bits).index(ordinal)
    except ValueError:  # the list does not hold it
        index = -1
    return {"at": ordinal, "index": index}
