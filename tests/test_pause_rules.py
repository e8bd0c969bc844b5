"""The pure rules of 'accepting now' pauses: validation in French, when a pause holds, what it leaves out."""

from __future__ import annotations

from datetime import UTC, date, datetime

from werkzeug.datastructures import MultiDict

from carte.core.pause import MAX_MESSAGE, Pause, local_today, still_accepted, validate_pause
from carte.core.vocabulary import load_vocabulary

TODAY = date(2026, 7, 1)
OFFERED = {"items": ["meubles", "livres"], "sectors": ["ressourcerie"]}


def validate(**fields):
    """Validate a pause form of these fields against the offered codes, on TODAY."""
    form = MultiDict(
        [
            (name, value)
            for name, values in fields.items()
            for value in (values if isinstance(values, list) else [values])
        ]
    )
    return validate_pause(form, load_vocabulary(), OFFERED, TODAY)


def errors_of(**fields) -> dict[str, str]:
    """The errors of a form by field."""
    return {error.field: error.message for error in validate(**fields)[1]}


def test_a_valid_pause_keeps_its_items_last_day_and_message():
    pause, errors = validate(
        items=["meubles"], until="2026-07-10", message="  Plus de meubles\n jusqu'au 10 juillet "
    )
    assert errors == []
    assert pause == Pause(("meubles",), (), date(2026, 7, 10), "Plus de meubles jusqu'au 10 juillet")


def test_a_past_end_date_is_refused_in_french_naming_until():
    assert errors_of(items=["meubles"], until="2026-06-30") == {
        "until": "La date de fin (2026-06-30) est passée : choisissez aujourd'hui ou plus tard."
    }


def test_a_pause_may_end_today():
    assert validate(items=["meubles"], until="2026-07-01")[1] == []


def test_a_malformed_or_far_end_date_is_refused():
    assert "AAAA-MM-JJ" in errors_of(items=["meubles"], until="10 juillet")["until"]
    assert "trop lointaine" in errors_of(items=["meubles"], until="2028-01-01")["until"]


def test_a_pause_naming_no_item_nor_sector_is_refused():
    assert errors_of(until="2026-07-10") == {
        "items": "Choisissez au moins une catégorie d'objets ou un secteur à mettre en pause."
    }


def test_a_message_too_long_is_refused_with_its_length():
    message = "x" * (MAX_MESSAGE + 1)
    assert errors_of(items=["meubles"], message=message) == {
        "message": f"Message trop long ({MAX_MESSAGE + 1} caractères ; au plus {MAX_MESSAGE})."
    }


def test_only_codes_the_entry_offers_can_be_paused():
    assert "velos" in errors_of(items=["velos"])["items"]
    assert "inconnu" in errors_of(sectors=["<script>"])["sectors"]


def test_a_pause_holds_through_its_last_day_then_ends_by_itself():
    pause = Pause(items=("meubles",), until=date(2026, 7, 10))
    assert pause.is_active(date(2026, 7, 10)) and not pause.is_active(date(2026, 7, 11))
    assert Pause(items=("meubles",)).is_active(date(2030, 1, 1))


def test_a_place_still_accepts_an_asked_item_that_is_not_paused():
    assert still_accepted(["meubles", "livres"], ["meubles", "livres"], ["meubles"])
    assert not still_accepted(["meubles", "livres"], ["meubles"], ["meubles"])


def test_today_is_the_date_in_quebec():
    late_evening = datetime(2026, 7, 11, 2, 30, tzinfo=UTC)  # 22:30 on 10 July in Quebec
    assert local_today(late_evening) == date(2026, 7, 10)
