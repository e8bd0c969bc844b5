"""'Accepting now': the pure rules of a pause of some items or sectors an enterprise usually accepts.

A pause names item categories and/or sectors, an optional last day (inclusive: "until 10 July" still
pauses on 10 July) and a short public message. It ends by itself: it is active while today is not past
its last day, so no job has to lift it; every query compares with today's date in Quebec.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from carte.core.vocabulary import Vocabulary

#: The longest public message, in characters (a line of a popup).
MAX_MESSAGE = 140
#: The furthest last day a pause may name, in days from today: a longer stop is an edit of the entry.
MAX_DAYS = 366
#: Dates are those of the people who read the map.
LOCAL_ZONE = ZoneInfo("America/Toronto")
#: The values of the `accepting` search parameter: leave paused places out (default), or include them.
ACCEPTING = ("now", "all")


#: Why a pause form is refused, by code: the French text, its values in %(name)s placeholders (the web
#: layer shows the same text through gettext, so English pages get it in English).
REASONS = {
    "unknown_items": "Choix inconnu(s) parmi les objets de la fiche : %(codes)s.",
    "unknown_sectors": "Choix inconnu(s) parmi les secteurs de la fiche : %(codes)s.",
    "nothing": "Choisissez au moins une catégorie d'objets ou un secteur à mettre en pause.",
    "bad_date": "Date invalide : utilisez le format AAAA-MM-JJ.",
    "past_date": "La date de fin (%(date)s) est passée : choisissez aujourd'hui ou plus tard.",
    "far_date": "La date de fin est trop lointaine (au plus %(days)d jours).",
    "long_message": "Message trop long (%(length)d caractères ; au plus %(most)d).",
    "control_characters": "Le message contient des caractères de contrôle.",
}


@dataclass(frozen=True)
class PauseError:
    """A field of the pause form that cannot be accepted: the reason's code and values."""

    field: str
    reason: str
    values: tuple[tuple[str, object], ...] = ()

    @property
    def message(self) -> str:
        """The reason in French."""
        return REASONS[self.reason] % dict(self.values)


@dataclass(frozen=True)
class Pause:
    """What is paused, until when (None: until lifted) and what the public reads about it."""

    items: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    until: date | None = None
    message: str = ""

    def is_active(self, today: date) -> bool:
        """Whether the pause still holds on this day."""
        return self.until is None or today <= self.until


def local_today(moment: datetime | None = None) -> date:
    """Today's date in Quebec (of a given moment, default now)."""
    return (moment or datetime.now(LOCAL_ZONE)).astimezone(LOCAL_ZONE).date()


def parse_until(raw: str, today: date) -> tuple[date | None, PauseError | None]:
    """The last day from an ISO date (blank: none), or why it is refused."""
    if not raw:
        return None, None
    try:
        until = date.fromisoformat(raw)
    except ValueError:
        return None, PauseError("until", "bad_date")
    if until < today:
        return None, PauseError("until", "past_date", (("date", until.isoformat()),))
    if (until - today).days > MAX_DAYS:
        return None, PauseError("until", "far_date", (("days", MAX_DAYS),))
    return until, None


def clean_message(raw: str) -> tuple[str, PauseError | None]:
    """The message on one line, or why it is refused."""
    message = " ".join(raw.split())
    if len(message) > MAX_MESSAGE:
        return message, PauseError(
            "message", "long_message", (("length", len(message)), ("most", MAX_MESSAGE))
        )
    if any(ord(character) < 32 for character in raw.replace("\n", "").replace("\r", "").replace("\t", "")):
        return message, PauseError("message", "control_characters")
    return message, None


def chosen_codes(form: Mapping, name: str) -> list[str]:
    """The values of a multiple field of a submitted form."""
    if hasattr(form, "getlist"):
        return [str(value) for value in form.getlist(name)]
    value = form.get(name, [])
    return [value] if isinstance(value, str) else [str(v) for v in value]


def validate_pause(
    form: Mapping, vocabulary: Vocabulary, offered: Mapping[str, Sequence[str]], today: date
) -> tuple[Pause | None, list[PauseError]]:
    """A pause from a form's items, sectors, until and message; only codes the enterprise offers
    (offered['items'], offered['sectors']) may be paused. The errors name each bad field."""
    errors: list[PauseError] = []
    codes: dict[str, tuple[str, ...]] = {}
    for kind in ("items", "sectors"):
        chosen = list(dict.fromkeys(chosen_codes(form, kind)))
        wrong = [code for code in chosen if code not in vocabulary.codes(kind) or code not in offered[kind]]
        if wrong:
            codes_named = ", ".join(code[:40] for code in wrong)
            errors.append(PauseError(kind, f"unknown_{kind}", (("codes", codes_named),)))
        codes[kind] = tuple(code for code in chosen if code not in wrong)
    if not errors and not codes["items"] and not codes["sectors"]:
        errors.append(PauseError("items", "nothing"))
    until, refused = parse_until(str(form.get("until", "") or "").strip(), today)
    message, refused_message = clean_message(str(form.get("message", "") or ""))
    errors += [error for error in (refused, refused_message) if error]
    if errors:
        return None, errors
    return Pause(codes["items"], codes["sectors"], until, message), []


def still_accepted(codes: Sequence[str], asked: Sequence[str], paused: Sequence[str]) -> bool:
    """Whether a place offering `codes` still takes one of `asked` while `paused` are paused."""
    return any(code in codes and code not in paused for code in asked)
