"""Pure text normalisers shared by the geodata loader, the ingest and the search."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_POSTAL = re.compile(r"^([ABCEGHJ-NPRSTVXY])(\d)([ABCEGHJ-NPRSTV-Z])\s*-?\s*(\d)([ABCEGHJ-NPRSTV-Z])(\d)$")
_PROVINCE_SUFFIX = re.compile(r"\s*\((qc|quebec|québec|p\.?\s*q\.?)\)\s*$", re.IGNORECASE)
_POSTAL_SEPARATORS = re.compile(r"[\s\-]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "mt": "mont"}


def fold(value: str) -> str:
    """Lower-case, strip accents and collapse every run of punctuation or space into one space."""
    if value.isascii():  # most values: nothing to decompose, no accent to strip
        return _NON_ALNUM.sub(" ", value.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", ascii_only.lower()).strip()


def without_province_suffix(name: str) -> str:
    """A municipality name without a trailing `(Québec)`, `(QC)` or `(P.Q.)`."""
    return _PROVINCE_SUFFIX.sub("", name)


@lru_cache(maxsize=8192)
def municipality_key(name: str) -> str:
    """A matching key for a municipality name: `St-Georges (Québec)` and `Saint-Georges` agree."""
    words = fold(without_province_suffix(name)).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def normalise_postal_code(raw: str | None) -> str | None:
    """Return a Canadian postal code as `A9A 9A9`, or None when it is not one."""
    if raw is None:
        return None
    compact = _POSTAL_SEPARATORS.sub("", str(raw).strip().upper())
    match = _POSTAL.match(compact)
    if not match:
        return None
    letters = match.groups()
    return f"{''.join(letters[:3])} {''.join(letters[3:])}"
