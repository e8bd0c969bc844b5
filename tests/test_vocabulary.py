"""The closed vocabulary: what citizens type finds the right category."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from carte.core.vocabulary import load_vocabulary, store_vocabulary


@pytest.mark.parametrize(
    "phrase, code",
    [
        ("un divan", "meubles"),
        ("sofa", "meubles"),
        ("Canapé", "meubles"),
        ("mon vieux frigo", "electromenagers"),
        ("velo", "velos"),
        ("Vélos", "velos"),
        ("old laptop", "electronique"),
        ("des vêtements d'enfants", "vetements"),
        ("poussette", "articles_bebe"),
    ],
)
def test_what_people_want_to_give_finds_its_item_category(phrase, code):
    assert code in load_vocabulary().match_query("items", phrase)


def test_a_phrase_naming_nothing_known_finds_nothing():
    assert load_vocabulary().match_query("items", "une licorne") == []


def test_sector_and_service_labels_match_in_both_languages():
    vocabulary = load_vocabulary()
    assert vocabulary.match("sectors", "Friperie") == "friperie"
    assert vocabulary.match("sectors", "thrift shop") == "friperie"
    assert vocabulary.match("services", "Collecte à domicile") == "collecte_domicile"
    assert vocabulary.match("services", "home pick-up") == "collecte_domicile"


def test_every_term_has_a_french_and_an_english_label():
    vocabulary = load_vocabulary()
    for kind in ("sectors", "items", "services"):
        for term in getattr(vocabulary, kind):
            assert term.label_fr and term.label_en, term.code


def test_storing_the_vocabulary_twice_rewrites_no_row(connection):
    store_vocabulary(connection, load_vocabulary())
    before = connection.execute(
        text("SELECT string_agg(xmin::text, ',' ORDER BY code) FROM item_category")
    ).scalar()
    store_vocabulary(connection, load_vocabulary())
    after = connection.execute(
        text("SELECT string_agg(xmin::text, ',' ORDER BY code) FROM item_category")
    ).scalar()
    assert after == before
    assert connection.execute(text("SELECT count(*) FROM sector")).scalar() == len(load_vocabulary().sectors)
