"""Pure cleaning of spreadsheet values: properties (hypothesis) and the messy cases staff meet."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carte.core.vocabulary import load_vocabulary
from carte.ingest.clean import (
    clean_text,
    fix_coordinates,
    match_terms,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_postal,
    normalise_url,
    split_po_box,
    unformula,
)
from carte.ingest.hours import is_osm, normalise_opening_hours
from carte.ingest.rows import Places, sort_address

LETTERS = "ABCEGHJKLMNPRSTVXY"
SECOND_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
postal_codes = st.tuples(
    st.sampled_from(LETTERS),
    st.integers(0, 9),
    st.sampled_from(SECOND_LETTERS),
    st.integers(0, 9),
    st.sampled_from(SECOND_LETTERS),
    st.integers(0, 9),
).map(lambda p: f"{p[0]}{p[1]}{p[2]} {p[3]}{p[4]}{p[5]}")


@given(
    postal_codes, st.sampled_from(["{a}{b}", "{a} {b}", "{a}-{b}", " {a}  {b} ", "{a} - {b}"]), st.booleans()
)
def test_every_usual_spelling_of_a_postal_code_gives_the_canonical_form(code, pattern, lower):
    """`g6v4j8`, `G6V-4J8`, ` G6V  4J8 ` all become `G6V 4J8`."""
    written = pattern.format(a=code[:3], b=code[4:])
    assert normalise_postal(written.lower() if lower else written) == (code, False)


@given(st.text(max_size=12))
def test_a_normalised_postal_code_is_always_strict_ascii(raw):
    """Whatever comes in, what comes out is None or `A9A 9A9` in ASCII."""
    code, _invalid = normalise_postal(raw)
    assert code is None or re.fullmatch(r"[A-Z][0-9][A-Z] [0-9][A-Z][0-9]", code)


def test_a_postal_code_inside_an_address_is_found_and_garbage_is_reported():
    """`Québec (QC) G1R 4P5` gives the code; `12345` is flagged invalid."""
    assert normalise_postal("Québec (QC) G1R 4P5") == ("G1R 4P5", False)
    assert normalise_postal("12345") == (None, True)


@given(
    st.sampled_from(["418", "819", "450", "514", "581", "873", "438", "367"]),
    st.integers(200, 999),
    st.integers(0, 9999),
    st.sampled_from(
        [
            "({a}) {b}-{c}",
            "{a}-{b}-{c}",
            "{a}.{b}.{c}",
            "1 {a} {b} {c}",
            "{a}{b}{c}",
            "+1 {a} {b} {c}",
            "1-{a}-{b}-{c}",
        ]
    ),
)
@settings(max_examples=200)
def test_quebec_phone_numbers_agree_with_phonenumbers_in_every_format(area, exchange, line, pattern):
    """The fast path for 10-digit numbers gives exactly what the phonenumbers package decides."""
    written = pattern.format(a=area, b=exchange, c=f"{line:04d}")
    parsed = phonenumbers.parse(written, "CA")
    expected = (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(parsed)
        else None
    )
    assert normalise_phone(written) == (expected, None)


#: Area codes of Quebec, elsewhere in Canada, the United States, its territories and the Caribbean,
#: toll-free and premium: each region of +1 that phonenumbers tells apart.
AREA_CODES = [418, 514, 867, 709, 212, 415, 787, 340, 671, 684, 876, 268, 264, 809, 441, 800, 900]
north_american = st.one_of(
    st.integers(0, 9_999_999_999),
    st.builds(
        lambda area, rest: area * 10_000_000 + rest, st.sampled_from(AREA_CODES), st.integers(0, 9_999_999)
    ),
)


@given(north_american, st.booleans())
@settings(max_examples=500)
def test_any_north_american_number_agrees_with_phonenumbers(national, with_country_code):
    """Ten digits of any area code (Canadian, American, Caribbean or none) are judged as phonenumbers
    judges them, whichever region it finds them in."""
    written = f"{'1 ' if with_country_code else ''}{national:010d}"
    parsed = phonenumbers.parse(written, "CA")
    expected = (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(parsed)
        else None
    )
    assert normalise_phone(written) == (expected, None)


def test_a_phone_extension_is_split_off_and_nonsense_is_refused():
    """`418 555-1234 poste 22` keeps the number and names the extension; `abc` is not a number."""
    assert normalise_phone("418 555-1234 poste 22") == ("+14185551234", "22")
    assert normalise_phone("abc") == (None, None)


@given(st.text(max_size=40))
def test_cleaning_text_is_idempotent(raw):
    """Cleaning a cleaned value changes nothing."""
    once = clean_text(raw)
    assert clean_text(once) == once


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Zs"]), max_size=40))
def test_name_normalisation_is_idempotent(raw):
    """A normalised name stays the same when normalised again."""
    once = normalise_name(raw)
    assert normalise_name(once) == once


def test_names_in_capitals_get_a_french_title_case():
    """Registraire names in capitals read naturally on the map."""
    assert normalise_name("RESSOURCERIE DE LA BEAUCE INC.") == "Ressourcerie de la Beauce Inc."
    assert normalise_name("  Friperie   du Coin ") == "Friperie du Coin"


@given(
    st.from_regex(r"[a-z]{1,12}(\.[a-z]{2,8}){1,2}(/[a-z0-9]{0,8})?", fullmatch=True),
    st.sampled_from(["", "http://", "https://", "HTTPS://"]),
)
def test_urls_get_a_scheme_and_normalising_twice_changes_nothing(address, scheme):
    """`www.exemple.org` becomes `https://www.exemple.org`; the result is a fixed point."""
    url = normalise_url(scheme + address)
    assert url is not None and url.startswith(("http://", "https://"))
    assert normalise_url(url) == url


def test_invalid_urls_and_emails_are_refused():
    """Values that are not addresses give None rather than a broken link."""
    assert normalise_url("pas un site") is None
    assert normalise_url("javascript:alert(1)") is None
    assert normalise_email("info@exemple") is None
    assert normalise_email("Info@Exemple.ORG") == "Info@exemple.org"


def test_spreadsheet_formulas_are_unwrapped_or_refused():
    """`="G6V 4J8"` is the text Excel protects; `=HYPERLINK(...)` never gets through."""
    assert unformula('="G6V 4J8"') == ("G6V 4J8", None)
    assert unformula('=HYPERLINK("http://x")')[0] is None
    assert unformula("Friperie") == ("Friperie", None)


def test_a_post_office_box_is_separated_from_the_civic_address():
    """`123 rue X, C.P. 45` keeps the street and moves the box to the second line."""
    assert split_po_box("123 rue Principale, C.P. 45") == ("123 rue Principale", "C.P. 45")
    assert split_po_box("Case postale 3373") == (None, "C.P. 3373")


def test_registraire_shifted_address_cells_are_put_back_in_place():
    """When the Registraire puts the PO box in Municipalite, the town is found in the next cell."""
    places = Places(by_key={"saint tite": ("35027",)}, names={"35027": "Saint-Tite"})
    street, town, extra = sort_address(
        "CASE POSTALE 3373", "425, BOULEVARD SAINT-JOSEPH", "SAINT-TITE (QUÉBEC)", places
    )
    assert (street, town) == ("425, BOULEVARD SAINT-JOSEPH", "SAINT-TITE (QUÉBEC)")
    assert extra == ["CASE POSTALE 3373"]


def test_swapped_or_unsigned_coordinates_are_corrected_and_foreign_ones_refused():
    """(lon, lat) and a longitude without its minus sign still land in Quebec; Paris does not."""
    assert fix_coordinates(-70.66, 46.12)[:2] == (46.12, -70.66)
    assert fix_coordinates(46.12, 70.66)[:2] == (46.12, -70.66)
    assert fix_coordinates(48.85, 2.35) is None


def test_vocabulary_values_are_matched_by_synonym_and_unknown_ones_reported():
    """`divan, frigo et livres, trucs` gives three codes and reports `trucs`."""
    codes, unknown = match_terms("divan, frigo et livres; trucs", "items", load_vocabulary())
    assert codes == ["meubles", "electromenagers", "livres"]
    assert unknown == ["trucs"]


def test_a_label_containing_et_is_matched_whole():
    """`Électronique et informatique` is one category, not two values."""
    vocabulary = load_vocabulary()
    label = next(t.label_fr for t in vocabulary.items if " et " in t.label_fr)
    codes, unknown = match_terms(label, "items", vocabulary)
    assert len(codes) == 1 and unknown == []


@pytest.mark.parametrize(
    "written, osm",
    [
        ("lun-ven 9h-17h", "Mo-Fr 09:00-17:00"),
        ("Lundi au vendredi : 9 h à 17 h 30; samedi 10h-16h", "Mo-Fr 09:00-17:30; Sa 10:00-16:00"),
        ("mar, jeu 13h-16h", "Tu,Th 13:00-16:00"),
        ("Mon-Fri 9-5", "Mo-Fr 09:00-17:00"),
        ("lun-mer 9h-12h et 13h-16h", "Mo-We 09:00-12:00,13:00-16:00"),
        ("dimanche fermé", "Su off"),
        ("24/7", "24/7"),
        ("Mo-Fr 09:00-17:00", "Mo-Fr 09:00-17:00"),
    ],
)
def test_opening_hours_are_written_in_the_openstreetmap_syntax(written, osm):
    """French and English ways of writing hours give the OSM `opening_hours` value."""
    assert normalise_opening_hours(written) == osm


@given(st.text(max_size=30))
def test_opening_hours_are_either_understood_as_osm_or_refused(raw):
    """Whatever comes in, the result is None or valid OSM syntax that normalises to itself."""
    result = normalise_opening_hours(raw)
    assert result is None or (is_osm(result) and normalise_opening_hours(result) == result)


french_days = st.sampled_from(["lun", "mardi", "mer", "jeudi", "ven", "samedi", "dim", "Mon", "Fri"])
french_hours = st.tuples(
    french_days,
    st.sampled_from(["-", " au ", " à "]),
    french_days,
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 23),
).map(lambda p: f"{p[0]}{p[1]}{p[2]} {p[3]}h{p[4]:02d}-{p[5]}h")


@given(st.lists(french_hours, min_size=1, max_size=3).map("; ".join))
def test_opening_hours_written_by_the_ingest_are_understood_by_the_map(written):
    """The map's evaluator reads every value the ingest stores, without giving up."""
    from carte.core.opening_hours import parse_schedule

    stored = normalise_opening_hours(written)
    assert stored is not None
    assert any(spans for spans in parse_schedule(stored).values())
