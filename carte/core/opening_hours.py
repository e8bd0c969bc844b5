"""Opening hours in OpenStreetMap syntax: the common forms, evaluated at a given moment and made readable.

Supported: `24/7`; rules separated by `;` (later rules replace earlier ones for their days);
weekday lists and ranges (`Mo-Fr`, `Mo,We,Fr`, `Fr-Mo`); several time spans (`09:00-12:00,13:00-17:00`),
spans past midnight (`22:00-02:00`); `off`/`closed`. Rules for public holidays (`PH`) are ignored
because the holidays are not known here. Anything else makes the answer unknown (None).
`describe_opening_hours` rewrites the same common forms in words for the pages; anything else is
shown as written. The map page decides "open now" in the browser (carte/static/js/hours.js), where
the citizen's clock is; the API decides it here.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
TIME_ZONE = ZoneInfo("America/Toronto")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\+?$")
_DAY_PART = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")

Schedule = dict[int, list[tuple[int, int]]]


class UnsupportedHours(ValueError):
    """The opening hours use a form this evaluator does not understand."""


def parse_days(selector: str) -> set[int]:
    """Weekday numbers (0 = Monday) named by a selector such as `Mo-Fr,Su`."""
    days: set[int] = set()
    for part in selector.split(","):
        match = _DAY_PART.match(part.strip())
        if not match:
            raise UnsupportedHours(selector)
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
    return days


def parse_spans(text: str) -> list[tuple[int, int]]:
    """Time spans in minutes from midnight; an end at or before its start runs past midnight."""
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part.strip())
        if not match:
            raise UnsupportedHours(text)
        start_h, start_m, end_h, end_m = (int(value) for value in match.groups())
        if start_h > 24 or end_h > 48 or start_m > 59 or end_m > 59:
            raise UnsupportedHours(text)
        spans.append((start_h * 60 + start_m, end_h * 60 + end_m))
    return spans


def parse_rule(rule: str) -> tuple[set[int], list[tuple[int, int]]] | None:
    """The days a rule covers and its spans (empty when closed); None for a public-holiday rule."""
    rule = re.sub(r"\s*,\s*", ",", rule.strip())
    if rule.startswith("PH") or rule.startswith("SH"):
        return None
    words = rule.split()
    days = set(range(7))
    if words and _DAY_PART.match(words[0].split(",")[0]):
        days = parse_days(words.pop(0))
    rest = " ".join(words)
    if rest in ("off", "closed"):
        return days, []
    if rest == "":
        return days, [(0, 24 * 60)]
    return days, parse_spans(rest.replace(" ", ","))


def parse_schedule(value: str) -> Schedule:
    """A week schedule: for each weekday, its open spans."""
    text = value.strip()
    if text == "24/7":
        return {day: [(0, 24 * 60)] for day in range(7)}
    schedule: Schedule = {day: [] for day in range(7)}
    for rule in re.split(r";|\|\|", text):
        if not rule.strip():
            continue
        parsed = parse_rule(rule)
        if parsed is None:
            continue
        days, spans = parsed
        for day in days:
            schedule[day] = list(spans)
    return schedule


def known_schedule(value: str | None) -> Schedule | None:
    """The week schedule of a value, or None when it is empty or uses a form not supported here."""
    if not value or not value.strip():
        return None
    try:
        return parse_schedule(value)
    except UnsupportedHours:
        return None


def is_open(value: str | None, moment: datetime) -> bool | None:
    """Whether a place with these hours is open at a moment (local time); None when unknown."""
    schedule = known_schedule(value)
    if schedule is None:
        return None
    local = moment.astimezone(TIME_ZONE) if moment.tzinfo else moment
    minute = local.hour * 60 + local.minute
    today, yesterday = local.weekday(), (local.weekday() - 1) % 7
    for start, end in schedule[today]:
        if start <= minute < (end if start < end <= 24 * 60 else 24 * 60):
            return True
    return any(minute < spill for spill in map(spill_past_midnight, schedule[yesterday]))


def spill_past_midnight(span: tuple[int, int]) -> int:
    """Minutes of the next day covered by a span that runs past midnight (0 when it does not)."""
    start, end = span
    if end <= start:
        return end
    return max(end - 24 * 60, 0)


DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
WORDS = {
    "fr": {
        "to": "au",
        "and": "et",
        "closed": "fermé",
        "always": "Ouvert en tout temps",
        "holidays": "jours fériés",
        "time": "{}:{} à {}:{}",
    },
    "en": {
        "to": "to",
        "and": "and",
        "closed": "closed",
        "always": "Open 24/7",
        "holidays": "public holidays",
        "time": "{}:{} to {}:{}",
    },
}
_RULE = re.compile(
    r"^(?P<days>(?:PH|(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)"
    r"(?:,(?:PH|(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?))*)"
    r"(?:\s+(?P<times>.+))?$"
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _days(spec: str, language: str) -> str:
    """ "Mo-Fr,Su" as "lundi au vendredi et dimanche"."""
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
    """ "09:00-12:00,13:00-17:00" in words, or None when not of that form."""
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
