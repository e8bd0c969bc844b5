"""The pure normalisers: postal codes and municipality names as people write them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carte.core.text import fold, municipality_key, normalise_postal_code

LETTERS = "ABCEGHJKLMNPRSTVXY"


def test_postal_codes_written_in_the_usual_ways_become_canonical():
    for raw in ("g6v4j8", "G6V-4J8", " G6V 4J8 ", "G6V  4J8"):
        assert normalise_postal_code(raw) == "G6V 4J8"


def test_things_that_are_not_postal_codes_are_refused():
    for raw in ("", "G6V4J", "123456", "D6V4J8", "G6V4J8X", None):
        assert normalise_postal_code(raw) is None


@given(
    st.sampled_from(LETTERS),
    st.integers(0, 9),
    st.sampled_from(LETTERS),
    st.integers(0, 9),
    st.sampled_from(LETTERS),
    st.integers(0, 9),
    st.sampled_from(["", " ", "-"]),
    st.booleans(),
)
def test_any_valid_postal_code_survives_case_and_separators(a, b, c, d, e, f, sep, lower):
    raw = f"{a}{b}{c}{sep}{d}{e}{f}"
    canonical = normalise_postal_code(raw.lower() if lower else raw)
    assert canonical == f"{a}{b}{c} {d}{e}{f}"
    assert normalise_postal_code(canonical) == canonical


def test_abbreviated_and_unaccented_municipality_names_share_a_key():
    assert municipality_key("St-Georges") == municipality_key("Saint-Georges")
    assert municipality_key("Ste-Marie") == municipality_key("Sainte-Marie")
    assert municipality_key("LEVIS") == municipality_key("Lévis")
    assert municipality_key("Trois-Rivières (Québec)") == municipality_key("Trois-Rivières")


@given(st.text(max_size=60))
def test_folding_is_idempotent_and_ascii(value):
    folded = fold(value)
    assert fold(folded) == folded
    assert folded.isascii()
