"""Opening hours in OSM syntax made readable."""

from __future__ import annotations

from carte.core.opening_hours import describe_opening_hours


def test_common_weekly_hours_read_as_sentences_in_french():
    assert describe_opening_hours("Mo-Fr 09:00-17:00; Sa 10:00-16:00") == [
        "Lundi au vendredi : 09:00 à 17:00",
        "Samedi : 10:00 à 16:00",
    ]


def test_split_days_and_ranges_closed_days_and_holidays_in_english():
    assert describe_opening_hours("Mo,We 10:00-12:00,13:00-17:00; Su off; PH off", "en") == [
        "Monday and Wednesday: 10:00 to 12:00 and 13:00 to 17:00",
        "Sunday: closed",
        "Public holidays: closed",
    ]


def test_always_open_and_unknown_forms_are_kept_readable():
    assert describe_opening_hours("24/7") == ["Ouvert en tout temps"]
    assert describe_opening_hours("sunrise-sunset") == ["sunrise-sunset"]
    assert describe_opening_hours(None) == [] and describe_opening_hours("  ") == []
