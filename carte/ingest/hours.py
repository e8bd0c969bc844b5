"""Opening hours as people write them (`lun-ven 9h-17h`) turned into OpenStreetMap `opening_hours`."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_WORDS = {
    "lu": 0,
    "lun": 0,
    "lundi": 0,
    "mo": 0,
    "mon": 0,
    "monday": 0,
    "ma": 1,
    "mar": 1,
    "mardi": 1,
    "tu": 1,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "me": 2,
    "mer": 2,
    "mercredi": 2,
    "we": 2,
    "wed": 2,
    "wednesday": 2,
    "je": 3,
    "jeu": 3,
    "jeudi": 3,
    "th": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "ve": 4,
    "ven": 4,
    "vendredi": 4,
    "fr": 4,
    "fri": 4,
    "friday": 4,
    "sa": 5,
    "sam": 5,
    "samedi": 5,
    "sat": 5,
    "saturday": 5,
    "di": 6,
    "dim": 6,
    "dimanche": 6,
    "su": 6,
    "sun": 6,
    "sunday": 6,
}
_TIME = r"(\d{1,2})\s*h\s*(\d{2})?|(\d{1,2})(?![\d\s]*h)"
_RANGE = re.compile(rf"(?:{_TIME})\s*(?:-|a|au|to|jusqu a)\s*(?:{_TIME})")
_OSM_RULE = re.compile(
    r"^(?:(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
    r"(?:,(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)*\s+)?"
    r"(?:off|closed|\d{2}:\d{2}-\d{2}:\d{2}(?:,\d{2}:\d{2}-\d{2}:\d{2})*)$"
)


def is_osm(value: str) -> bool:
    """Whether a value already is (a simple form of) the OSM opening_hours syntax."""
    return value == "24/7" or all(_OSM_RULE.match(rule.strip()) for rule in value.split(";"))


@lru_cache(maxsize=8192)
def normalise_opening_hours(raw: str | None) -> str | None:
    """The OSM form of opening hours written in French or English, or None when not understood."""
    value = (raw or "").strip()
    if not value:
        return None
    if is_osm(value):
        return "; ".join(rule.strip() for rule in value.split(";"))
    if _fold(value).replace(" ", "") in ("24/7", "24h/24", "24h/247j/7", "24heures"):
        return "24/7"
    rules = [parse_rule(rule) for rule in re.split(r"[;\n]|\.\s", value) if rule.strip()]
    if not rules or any(rule is None for rule in rules):
        return None
    return "; ".join(rules)


def parse_rule(rule: str) -> str | None:
    """One `days times` rule, e.g. `Lundi au vendredi : 9 h à 17 h 30` -> `Mo-Fr 09:00-17:30`."""
    folded = _fold(rule)
    days = parse_days(folded)
    if days is None:
        return None
    if re.search(r"\b(ferme|closed)\b", folded):
        return f"{days} off"
    spans = [_span(m.groups()) for m in _RANGE.finditer(folded)]
    if not spans or any(span is None for span in spans):
        return None
    return f"{days} {','.join(spans)}"


def _fold(value: str) -> str:
    """Lower case without accents; only letters, digits, '-' (spaced) and '/' survive; ':' reads 'h'."""
    decomposed = unicodedata.normalize("NFKD", value.replace("–", "-").replace(":", "h"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9/-]+", " ", plain).replace("-", " - ").split())


def parse_days(folded: str) -> str | None:
    """The days of a rule as OSM (`Mo-Fr,Su`); None when no day is named."""
    tokens = folded.split()
    groups: list[tuple[int, int]] = []
    position = 0
    while position < len(tokens):
        day = _DAY_WORDS.get(tokens[position])
        if day is None:
            position += 1
            continue
        end = day
        if position + 2 < len(tokens) and tokens[position + 1] in ("-", "a", "au", "to"):
            following = _DAY_WORDS.get(tokens[position + 2])
            if following is not None:
                end, position = following, position + 2
        groups.append((day, end))
        position += 1
    if not groups:
        return None
    return ",".join(DAYS[a] if a == b else f"{DAYS[a]}-{DAYS[b]}" for a, b in groups)


def _span(groups: tuple[str | None, ...]) -> str | None:
    """`HH:MM-HH:MM` from the regex groups of a time range, or None when an hour is impossible."""
    start_hour, end_hour = int(groups[0] or groups[2]), int(groups[3] or groups[5])
    if groups[2] and groups[5] and end_hour <= start_hour < 12:
        end_hour += 12  # "9-5" means nine to five
    start, end = _clock(start_hour, groups[1]), _clock(end_hour, groups[4])
    return f"{start}-{end}" if start and end else None


def _clock(hours: int, minutes: str | None) -> str | None:
    """`HH:MM`, or None when out of range."""
    if hours > 24 or int(minutes or 0) > 59:
        return None
    return f"{hours:02d}:{int(minutes or 0):02d}"
