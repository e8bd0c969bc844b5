"""Pure row cleaning: names, postal codes, phones, URLs, municipalities, vocabulary, opening hours."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import phonenumbers

from carte.core.text import normalise_postal_code
from carte.core.vocabulary import Vocabulary
from carte.geo.geocoding import Address, in_quebec

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UNTIDY = re.compile(r"\s\s|[^\S ]|[\x00-\x08\x0b-\x1f\x7f]")
_EMPTY = {
    "",
    "na",
    "n/a",
    "n.a.",
    "n.a",
    "-",
    "--",
    "none",
    "null",
    "nan",
    "aucun",
    "aucune",
    "s/o",
    "so",
    "sans objet",
    "#n/a",
    "?",
}
_SMALL_WORDS = {
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "et",
    "a",
    "au",
    "aux",
    "en",
    "pour",
    "sur",
    "d",
    "l",
    "of",
    "the",
    "and",
    "par",
    "dans",
    "avec",
    "chez",
}
_PO_BOX = re.compile(
    r"\b(?:c\.?\s?p\.?|case\s+postale|p\.?\s?o\.?\s+box|b\.?\s?p\.?)\s*([\w-]*\d[\w-]*)", re.IGNORECASE
)
_POSTAL_ANYWHERE = re.compile(r"\b([A-Z]\d[A-Z])\s*-?\s*(\d[A-Z]\d)\b")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?$")
_EXTENSION = re.compile(r"\s*(?:poste|post\.?|ext\.?|extension|p\.|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_SPLIT_VALUES = re.compile(r"\s*[,;/|+\n•]\s*")
_SPLIT_WORDS = re.compile(r"\s+(?:et|and|ou|or|&)\s+", re.IGNORECASE)
_ACRONYM = re.compile(r"^(?:\w\.){2,}\w?\.?$")
_NEQ = re.compile(r"^\d{10}$")
_PHONE_PUNCTUATION = re.compile(r"[\s().+-]")
_PLAIN_URL = re.compile(r"(?:(https?)://)?([A-Za-z0-9.-]+)/?", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_FORMULA_TEXT = re.compile(r'=\s*"(.*)"\s*', re.DOTALL)
_BLANKS = re.compile(r"(\s+)")
_PUNCTUATION = re.compile(r"(\W+)")
_NEQ_SEPARATORS = re.compile(r"[\s.-]")


@dataclass(frozen=True)
class Issue:
    """A rejected or doubtful value, with its reason in French."""

    line: int
    column: str | None
    value: str | None
    reason: str
    severity: str = "warning"


@dataclass
class CleanRow:
    """One row ready to stage: cleaned values, its stable key and what was wrong with it."""

    line: int
    name: str | None = None
    external_id: str | None = None
    neq: str | None = None
    description: str | None = None
    street: str | None = None
    address_line2: str | None = None
    municipality_name: str | None = None
    municipality_key: str = ""
    municipality_code: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    opening_hours: str | None = None
    sectors: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    contact_person: str | None = None
    internal_notes: str | None = None
    source_key: str | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """Whether an error keeps the row out of the database."""
        return any(issue.severity == "error" for issue in self.issues)

    @property
    def fsa(self) -> str | None:
        """The forward sortation area of the postal code."""
        return self.postal_code[:3] if self.postal_code else None

    @property
    def address_key(self) -> str | None:
        """The geocode cache key of the civic address, when there is one."""
        if not self.street:
            return None
        return Address(self.street, self.municipality_name, self.postal_code).key()


def clean_text(raw: str | None) -> str | None:
    """Trim, drop control characters, collapse spaces; placeholders such as 'NA' become None."""
    if not raw:
        return None
    value = raw if isinstance(raw, str) else str(raw)
    # Whatever _UNTIDY matches is unprintable or a double space; the cheaper test comes first.
    if ("  " in value or not value.isprintable()) and _UNTIDY.search(value):
        value = _SPACES.sub(" ", _CONTROL.sub(" ", value))
    value = value.strip()
    if len(value) <= 10 and value.lower() in _EMPTY:
        return None
    return value


def unformula(raw: str | None) -> tuple[str | None, str | None]:
    """Undo spreadsheet formulas: `="G6V 4J8"` gives its text; any other `=...` is refused."""
    if not raw or not raw.startswith("="):
        return raw, None
    quoted = _FORMULA_TEXT.fullmatch(raw)
    if quoted:
        return quoted.group(1).replace('""', '"'), None
    return None, "formule de tableur ignorée"


def normalise_name(raw: str | None) -> str | None:
    """A display name: clean text, and names written in capitals put in title case."""
    value = clean_text(raw)
    if not value:
        return None
    if len(value) > 4 and value.isupper():
        return title_case(value)
    return value


def title_case(value: str) -> str:
    """Title case in the French manner: small words in lower case except at the start; dotted
    acronyms (`A.D.E.L.E.`) kept in capitals."""
    words = _BLANKS.split(value)
    return "".join(
        word if _ACRONYM.match(word) else _title_word(word, first=not position)
        for position, word in enumerate(words)
    )


def _title_word(word: str, first: bool) -> str:
    """One space-separated word in title case (its parts split on punctuation: `l'Île-Verte`)."""
    parts = _PUNCTUATION.split(word.lower())
    return "".join(
        part
        if not part or (part in _SMALL_WORDS and not (first and index == 0))
        else part[0].upper() + part[1:]
        for index, part in enumerate(parts)
    )


def normalise_postal(raw: str | None) -> tuple[str | None, bool]:
    """A postal code as `A9A 9A9` (also found inside a longer text); the flag says it was not valid."""
    value = clean_text(raw)
    if not value:
        return None, False
    strict = normalise_postal_code(value)
    if strict:
        return strict, False
    found = _POSTAL_ANYWHERE.search(value.upper())
    embedded = normalise_postal_code("".join(found.groups())) if found else None
    return embedded, embedded is None


def normalise_phone(raw: str | None) -> tuple[str | None, str | None]:
    """A North American phone number in E.164 and its extension, or (None, None) when invalid."""
    value = clean_text(raw)
    if not value:
        return None, None
    extension = None
    digits = _PHONE_PUNCTUATION.sub("", value)
    # Only a number with letters or '#' can carry an extension: most need no search for one.
    match = None if digits.isdigit() else _EXTENSION.search(value)
    if match:
        extension, value = match.group(1), value[: match.start()]
        digits = _PHONE_PUNCTUATION.sub("", value)
    if digits.isdigit() and (len(digits) == 10 or (len(digits) == 11 and digits[0] == "1")):
        national = digits[-10:]
        return (f"+1{national}" if _valid_nanp_prefix(national[:6]) else None), extension
    return _e164(value), extension


@lru_cache(maxsize=4096)
def _valid_nanp_prefix(prefix: str) -> bool:
    """Whether phonenumbers accepts numbers of this area code and exchange (its rules for North
    America depend on these six digits only, so one check per prefix is enough)."""
    return _valid_nanp(int(f"{prefix}5555")) or _valid_nanp(int(f"{prefix}0000"))


def _valid_nanp(national: int) -> bool:
    """Whether phonenumbers finds a North American national number valid (what parsing its ten digits
    in Canada and is_valid_number answer, without the parsing)."""
    number = phonenumbers.PhoneNumber(country_code=1, national_number=national)
    # Canada's patterns first: valid there is valid, and it spares most numbers read here the search
    # of their region among North America's twenty-odd, the costliest part of a first import's cleaning.
    return phonenumbers.is_valid_number_for_region(number, "CA") or phonenumbers.is_valid_number(number)


@lru_cache(maxsize=65536)
def _e164(value: str) -> str | None:
    """E.164 form of a number read in Canada, or None when phonenumbers finds it invalid."""
    try:
        number = phonenumbers.parse(value, "CA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """A stored number the Quebec way: `418 555-1234` (international format outside North America)."""
    if e164.startswith("+1") and len(e164) == 12:
        return f"{e164[2:5]} {e164[5:8]}-{e164[8:]}"
    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(raw: str | None) -> str | None:
    """An e-mail address with its domain in lower case, or None when it is not one."""
    value = clean_text(raw)
    if not value:
        return None
    value = value.removeprefix("mailto:").strip().strip("<>")
    if not _EMAIL.match(value):
        return None
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def normalise_url(raw: str | None) -> str | None:
    """A web address with a scheme (https by default) and a lower-case host, or None."""
    value = clean_text(raw)
    if not value or " " in value:
        return None
    plain = _PLAIN_URL.fullmatch(value)
    if plain:  # a bare host, as most lists give it: what urlsplit would make of it, without it
        host = plain.group(2).lower()
        return f"{(plain.group(1) or 'https').lower()}://{host}" if _HOST.match(host) else None
    if not _SCHEME.match(value):
        value = "https://" + value.lstrip("/")
    parts = urlsplit(value)
    host = parts.netloc.lower()
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(host):
        return None
    path = "" if parts.path == "/" and not parts.query else parts.path
    return urlunsplit((parts.scheme.lower(), host, path, parts.query, parts.fragment))


def normalise_neq(raw: str | None) -> str | None:
    """The 10-digit Quebec enterprise number, or None."""
    value = _NEQ_SEPARATORS.sub("", clean_text(raw) or "")
    return value if _NEQ.match(value) else None


def split_po_box(street: str | None) -> tuple[str | None, str | None]:
    """Separate a post office box (`C.P. 123`, `case postale 12`) from a civic address."""
    if not street:
        return None, None
    match = _PO_BOX.search(street)
    if not match:
        return street, None
    rest = clean_text((street[: match.start()] + " " + street[match.end() :]).strip(" ,;-")) or None
    return rest, f"C.P. {match.group(1)}"


def parse_coordinate(raw: str | None) -> float | None:
    """A decimal coordinate written with a point or a comma, or None."""
    value = (clean_text(raw) or "").replace(",", ".").replace("°", "")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def fix_coordinates(lat: float, lon: float) -> tuple[float, float, str | None] | None:
    """Coordinates inside Quebec, swapped or sign-corrected if that makes them so; None otherwise."""
    for candidate, note in (
        ((lat, lon), None),
        ((lon, lat), "latitude et longitude inversées"),
        ((lat, -lon), "longitude sans signe moins"),
        ((lon, -lat), "coordonnées inversées et sans signe moins"),
    ):
        if in_quebec(*candidate):
            return candidate[0], candidate[1], note
    return None


#: What each value of a cell stands for, per vocabulary and kind: values repeat from row to row, the
#: ways of combining them in one cell hardly ever.
_PART_MEMO: dict[tuple[int, str, str], tuple[tuple[str, tuple[str, ...]], ...]] = {}
#: What each whole cell stands for, per vocabulary and kind: most lists repeat the same few cells.
_CELL_MEMO: dict[tuple[int, str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}
#: Entries a memo holds before it is emptied (memory stays bounded on a file of unique cells).
_MEMO_LIMIT = 50_000


def _remembered(
    memo: dict[tuple[int, str, str], Any],
    match: Callable[[str, str, Vocabulary], Any],
    text: str,
    kind: str,
    vocabulary: Vocabulary,
) -> Any:
    """What `match` makes of a text for a kind and a vocabulary, computed on first use."""
    key = (id(vocabulary), kind, text)
    found = memo.get(key)
    if found is None:
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        found = memo[key] = match(text, kind, vocabulary)
    return found


def match_terms(raw: str | None, kind: str, vocabulary: Vocabulary) -> tuple[list[str], list[str]]:
    """Codes of the vocabulary named in a cell, and the parts that matched nothing."""
    value = clean_text(raw)
    if not value:
        return [], []
    codes, unknown = _remembered(_CELL_MEMO, _match_cell, value, kind, vocabulary)
    return list(codes), list(unknown)


def _match_cell(value: str, kind: str, vocabulary: Vocabulary) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The codes a clean cell names, and its parts that matched nothing."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in _SPLIT_VALUES.split(value):
        part = part.strip(" .-")
        if not part:
            continue
        pieces = _remembered(_PART_MEMO, _match_part, part, kind, vocabulary)
        for piece, found in pieces:
            if not found:
                unknown.append(piece)
            codes.extend(code for code in found if code not in codes)
    return tuple(codes), tuple(unknown)


def _match_part(part: str, kind: str, vocabulary: Vocabulary) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """One value of a cell as its pieces (the value, or its words joined by 'et', 'ou'...) and the
    codes each stands for."""
    exact = vocabulary.match(kind, part)
    pieces = [part] if exact else [p for p in _SPLIT_WORDS.split(part) if p.strip()]
    return tuple((piece, tuple(_match_one(vocabulary, kind, piece))) for piece in pieces)


def _match_one(vocabulary: Vocabulary, kind: str, part: str) -> list[str]:
    """The codes one value stands for: exact code, label or synonym, else words within it."""
    exact = vocabulary.match(kind, part)
    return [exact] if exact else vocabulary.match_query(kind, part)
