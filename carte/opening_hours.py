"""Opening hours in OpenStreetMap syntax ("Mo-Fr 09:00-17:00; Sa 10:00-16:00") made readable.

Only the common forms are rewritten (days, day ranges, time ranges, "off", "24/7", "PH off");
anything else is shown as written. Whether a place is open now is computed in the browser
(carte/static/js/hours.js), where the citizen's clock is.
"""
from __future__ import annotations

import re

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
WORDS = {
    "fr": {"to": "au", "and": "et", "closed": "fermé", "always": "Ouvert en tout temps",
           "holidays": "jours fériés", "time": "{}:{} à {}:{}"},
    "en": {"to": "to", "and": "and", "closed": "closed", "always": "Open 24/7",
           "holidays": "public holidays", "time": "{}:{} to {}:{}"},
}
_RULE = re.compile(r"^(?P<days>(?:PH|(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)"
                   r"(?:,(?:PH|(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?))*)"
                   r"(?:\s+(?P<times>.+))?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _days(spec: str, language: str) -> str:
    """"Mo-Fr,Su" as "lundi au vendredi et dimanche"."""
    names, words = DAY_NAMES[language], WORDS[language]
    parts = []
    for piece in spec.split(","):
        if piece == "PH":
            parts.append(words["holidays"])
        elif "-" in piece:
            first, last = piece.split("-")
            parts.append(f"{names[DAYS.index(first)]} {words['to']} {names[DAYS.index(last)]}")
        else:
            parts.append(names[DAYS.index(piece)])
    return f" {words['and']} ".join(parts)


def _times(spec: str, language: str) -> str | None:
    """"09:00-12:00,13:00-17:00" in words, or None when not of that form."""
    words = WORDS[language]
    if spec.strip() in ("off", "closed"):
        return words["closed"]
    ranges = []
    for piece in spec.split(","):
        match = _TIME.match(piece.strip())
        if not match:
            return None
        ranges.append(words["time"].format(*match.groups()))
    return f" {words['and']} ".join(ranges)


def describe_opening_hours(spec: str | None, language: str = "fr") -> list[str]:
    """One readable line per rule of an OSM opening_hours value (unknown forms kept as written)."""
    if not spec or not spec.strip():
        return []
    language = language if language in DAY_NAMES else "fr"
    if spec.strip() == "24/7":
        return [WORDS[language]["always"]]
    lines = []
    for rule in (part.strip() for part in spec.split(";")):
        match = _RULE.match(rule) if rule else None
        times = _times(match.group("times") or "", language) if match and match.group("times") else None
        if match and times:
            days = _days(match.group("days"), language)
            separator = " : " if language == "fr" else ": "
            lines.append(days[0].upper() + days[1:] + separator + times)
        elif rule:
            lines.append(rule)
    return lines
