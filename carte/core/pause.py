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


@dataclass(frozen=True)
class PauseError:
    """A field of the pause form that cannot be accepted, with the reason in French."""

    field: str
    message: str


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


def parse_until(raw: str, today: date) -> tuple[date | None, str | None]:
    """The last day from an ISO date (blank: none), or the French reason it is refused."""
    if not raw:
        return None, None
    try:
        until = date.fromisoformat(raw)
    except ValueError:
        return None, "Date invalide : utilisez le format AAAA-MM-JJ."
    if until < today:
        return None, f"La date de fin ({until.isoformat()}) est passée : choisissez aujourd'hui ou plus tard."
    if (until - today).days > MAX_DAYS:
        return None, f"La date de fin est trop lointaine (au plus {MAX_DAYS} jours)."
    return until, None


def clean_message(raw: str) -> tuple[str, str | None]:
    """The message on one line, or the French reason it is refused."""
    message = " ".join(raw.split())
    if len(message) > MAX_MESSAGE:
        return message, f"Message trop long ({len(message)} caractères ; au plus {MAX_MESSAGE})."
    if any(ord(character) < 32 for character in raw.replace("\n", "").replace("\r", "").replace("\t", "")):
        return message, "Le message contient des caractères de contrôle."
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
            what = "objets" if kind == "items" else "secteurs"
            errors.append(
                PauseError(
                    kind,
                    f"Choix inconnu(s) parmi les {what} de la fiche : "
                    f"{', '.join(code[:40] for code in wrong)}.",
                )
            )
        codes[kind] = tuple(code for code in chosen if code not in wrong)
    if not errors and not codes["items"] and not codes["sectors"]:
        errors.append(
            PauseError("items", "Choisissez au moins une catégorie d'objets ou un secteur à mettre en pause.")
        )
    until, reason = parse_until(str(form.get("until", "") or "").strip(), today)
    if reason:
        errors.append(PauseError("until", reason))
    message, reason = clean_message(str(form.get("message", "") or ""))
    if reason:
        errors.append(PauseError("message", reason))
    if errors:
        return None, errors
    return Pause(codes["items"], codes["sectors"], until, message), []


def still_accepted(codes: Sequence[str], asked: Sequence[str], paused: Sequence[str]) -> bool:
    """Whether a place offering `codes` still takes one of `asked` while `paused` are paused."""
    return any(code in codes and code not in paused for code in asked)
