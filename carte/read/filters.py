"""The search parameters of the API, the exports and the embed, read from text and validated."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from carte.core.errors import CarteError
from carte.core.pause import ACCEPTING
from carte.core.vocabulary import Vocabulary

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000
MAX_TEXT = 200
DEFAULT_RADIUS_KM = 25.0
MAX_RADIUS_KM = 1000.0
LANGUAGES = ("fr", "en")
#: The filter parameters shared by the API, the exports and the embed.
FILTER_PARAMETERS = (
    "q",
    "item",
    "sector",
    "service",
    "mrc",
    "region",
    "bbox",
    "near",
    "radius_km",
    "open_now",
    "accepting",
)
#: The parameters of the exports and of the embed's data: the filters and the language.
FILTER_AND_LANGUAGE = (*FILTER_PARAMETERS, "lang")
#: The formats the API answers enterprises in: GeoJSON (default) or schema.org JSON-LD.
API_FORMATS = ("geojson", "jsonld")
#: Every parameter the enterprise list of the API accepts.
LIST_PARAMETERS = (*FILTER_AND_LANGUAGE, "limit", "offset", "format")
#: A decimal number as people write it: ASCII digits, optional sign, fraction and exponent.
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")

Args = Mapping[str, Sequence[str]]


class InvalidParameter(CarteError):
    """A request parameter that cannot be used, with a message in French and in English."""

    status = 400

    def __init__(self, parameter: str, message_fr: str, message_en: str) -> None:
        super().__init__(f"Paramètre « {parameter} » invalide : {message_fr}")
        self.parameter = parameter
        self.message_en = f"Invalid parameter '{parameter}': {message_en}"

    def message_in(self, language: str) -> str:
        """The message in a language (French unless English is asked)."""
        return self.message_en if language == "en" else self.message


@dataclass(frozen=True)
class EnterpriseFilter:
    """What a visitor asks for: every field narrows the published enterprises."""

    q: str | None = None
    items: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    mrc: str | None = None
    region: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    near: tuple[float, float] | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    open_now: bool = False
    #: "now" leaves out places whose asked items or sectors are paused today; "all" keeps them.
    accepting: str = "now"
    #: The day pauses are compared with (None: today in Quebec); tests move it.
    today: date | None = None

    @property
    def leaves_out_paused(self) -> bool:
        """Whether pauses narrow this search: an item or sector is asked and paused places are not wanted."""
        return self.accepting == "now" and bool(self.items or self.sectors)


@dataclass(frozen=True)
class Page:
    """Which slice of the results to return."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0


def values(args: Args, name: str) -> list[str]:
    """Every non-empty value of a parameter; repeated and comma-separated values both count."""
    found = []
    for raw in args.get(name, ()):
        found += [part.strip() for part in str(raw).split(",") if part.strip()]
    return found


def single(args: Args, name: str) -> str | None:
    """The one value of a parameter, None when absent or blank; InvalidParameter when repeated."""
    raw = [str(value).strip() for value in args.get(name, ()) if str(value).strip()]
    if len(raw) > 1:
        raise InvalidParameter(
            name,
            "donné plusieurs fois ; une seule valeur est attendue.",
            "given more than once; a single value is expected.",
        )
    return raw[0] if raw else None


def check_known(args: Args, accepted: Sequence[str]) -> None:
    """InvalidParameter for the first parameter that is not accepted (a typo would go unnoticed)."""
    for name in args:
        if name not in accepted:
            listed = ", ".join(accepted)
            raise InvalidParameter(
                name[:40],
                f"paramètre inconnu (acceptés : {listed}).",
                f"unknown parameter (accepted: {listed}).",
            )


def finite_number(parameter: str, raw: str) -> float:
    """A finite decimal number written in ASCII, or InvalidParameter."""
    if DECIMAL.fullmatch(raw) is None:
        raise InvalidParameter(
            parameter, f"« {raw[:40]} » n'est pas un nombre.", f"'{raw[:40]}' is not a number."
        )
    number = float(raw)
    if not math.isfinite(number):
        raise InvalidParameter(parameter, "le nombre doit être fini.", "the number must be finite.")
    return number


def check_range(parameter: str, number: float, low: float, high: float) -> float:
    """The number when low <= number <= high, else InvalidParameter."""
    if not low <= number <= high:
        raise InvalidParameter(
            parameter,
            f"la valeur doit être entre {low:g} et {high:g}.",
            f"the value must be between {low:g} and {high:g}.",
        )
    return number


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """minLon,minLat,maxLon,maxLat as four numbers inside the world, min below max."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidParameter(
            "bbox",
            "quatre nombres attendus : minLon,minLat,maxLon,maxLat.",
            "four numbers expected: minLon,minLat,maxLon,maxLat.",
        )
    west, south, east, north = (finite_number("bbox", part.strip()) for part in parts)
    for lon in (west, east):
        check_range("bbox", lon, -180, 180)
    for lat in (south, north):
        check_range("bbox", lat, -90, 90)
    if west >= east or south >= north:
        raise InvalidParameter(
            "bbox", "le minimum doit être inférieur au maximum.", "each minimum must be below its maximum."
        )
    return west, south, east, north


def parse_near(raw: str) -> tuple[float, float]:
    """lat,lon of a point in the world."""
    parts = raw.split(",")
    if len(parts) != 2:
        raise InvalidParameter(
            "near", "deux nombres attendus : latitude,longitude.", "two numbers expected: latitude,longitude."
        )
    lat = check_range("near", finite_number("near", parts[0].strip()), -90, 90)
    lon = check_range("near", finite_number("near", parts[1].strip()), -180, 180)
    return lat, lon


def parse_codes(parameter: str, raw: list[str], known: set[str]) -> tuple[str, ...]:
    """Codes of a closed list, each checked."""
    for code in raw:
        if code not in known:
            raise InvalidParameter(
                parameter, f"code inconnu « {code[:40]} ».", f"unknown code '{code[:40]}'."
            )
    return tuple(dict.fromkeys(raw))


def parse_items(raw: list[str], vocabulary: Vocabulary) -> tuple[str, ...]:
    """Item categories named by codes or by free text ("sofa" is furniture)."""
    codes: list[str] = []
    for value in raw:
        found = [value] if value in vocabulary.codes("items") else vocabulary.match_query("items", value)
        if not found:
            raise InvalidParameter(
                "item",
                f"aucune catégorie d'objets ne correspond à « {value[:40]} ».",
                f"no item category matches '{value[:40]}'.",
            )
        codes += found
    return tuple(dict.fromkeys(codes))


def parse_text(parameter: str, raw: str | None) -> str | None:
    """A short free text, without control characters."""
    if raw is None:
        return None
    if len(raw) > MAX_TEXT:
        raise InvalidParameter(
            parameter, f"au plus {MAX_TEXT} caractères.", f"at most {MAX_TEXT} characters."
        )
    if any(ord(ch) < 32 for ch in raw) or "\x00" in raw:
        raise InvalidParameter(
            parameter, "caractères de contrôle interdits.", "control characters are not allowed."
        )
    return raw


def parse_boolean(parameter: str, raw: str | None) -> bool:
    """true/false in the usual spellings."""
    if raw is None:
        return False
    folded = raw.lower()
    if folded in ("1", "true", "yes", "oui", "on"):
        return True
    if folded in ("0", "false", "no", "non", "off"):
        return False
    raise InvalidParameter(parameter, "true ou false attendu.", "true or false expected.")


def parse_integer(parameter: str, raw: str | None, default: int, low: int, high: int) -> int:
    """A whole number between low and high."""
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise InvalidParameter(
            parameter, "un entier positif est attendu.", "a non-negative whole number is expected."
        )
    return int(check_range(parameter, int(raw), low, high))


def parse_filter(
    args: Args, vocabulary: Vocabulary, known_place: Callable[[str, str], bool]
) -> EnterpriseFilter:
    """Read the filters from request parameters; known_place(kind, code) checks mrc and region codes."""
    near = single(args, "near")
    radius = single(args, "radius_km")
    if radius is not None and near is None:
        raise InvalidParameter("radius_km", "s'emploie avec near.", "only used with near.")
    return EnterpriseFilter(
        q=parse_text("q", single(args, "q")),
        items=parse_items([parse_text("item", v) or "" for v in values(args, "item")], vocabulary),
        sectors=parse_codes("sector", values(args, "sector"), vocabulary.codes("sectors")),
        services=parse_codes("service", values(args, "service"), vocabulary.codes("services")),
        mrc=parse_place("mrc", single(args, "mrc"), known_place),
        region=parse_place("region", single(args, "region"), known_place),
        bbox=parse_bbox(single(args, "bbox") or "") if single(args, "bbox") else None,
        near=parse_near(near) if near else None,
        radius_km=check_range("radius_km", finite_number("radius_km", radius), 0.1, MAX_RADIUS_KM)
        if radius is not None
        else DEFAULT_RADIUS_KM,
        open_now=parse_boolean("open_now", single(args, "open_now")),
        accepting=parse_accepting(single(args, "accepting")),
    )


def parse_accepting(raw: str | None) -> str:
    """now (default: paused places left out of item and sector searches) or all."""
    if raw is None:
        return "now"
    if raw not in ACCEPTING:
        raise InvalidParameter(
            "accepting",
            "now (par défaut : les lieux en pause sont exclus) ou all attendu.",
            "now (the default: paused places are left out) or all expected.",
        )
    return raw


def parse_place(parameter: str, raw: str | None, known_place: Callable[[str, str], bool]) -> str | None:
    """An MRC or region code that exists."""
    if raw is None:
        return None
    if len(raw) > 3 or not raw.isalnum() or not known_place(parameter, raw):
        raise InvalidParameter(parameter, f"code inconnu « {raw[:40]} ».", f"unknown code '{raw[:40]}'.")
    return raw


def parse_page(args: Args) -> Page:
    """limit (reduced to MAX_LIMIT when larger) and offset."""
    raw_limit = single(args, "limit")
    if (
        raw_limit is not None
        and raw_limit.isascii()
        and raw_limit.isdigit()
        and (len(raw_limit) > 12 or int(raw_limit) > MAX_LIMIT)
    ):
        raw_limit = str(MAX_LIMIT)
    return Page(
        limit=parse_integer("limit", raw_limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=parse_integer("offset", single(args, "offset"), 0, 0, MAX_OFFSET),
    )


def parse_format(args: Args) -> str:
    """geojson (default) or jsonld."""
    answer = single(args, "format") or "geojson"
    if answer not in API_FORMATS:
        raise InvalidParameter(
            "format", "geojson (par défaut) ou jsonld attendu.", "geojson (the default) or jsonld expected."
        )
    return answer


def parse_language(args: Args) -> str:
    """fr (default) or en."""
    language = single(args, "lang") or "fr"
    if language not in LANGUAGES:
        raise InvalidParameter("lang", "fr ou en attendu.", "fr or en expected.")
    return language
