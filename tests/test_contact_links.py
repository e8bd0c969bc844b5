"""The links that reach an enterprise: directions, geo: URI, tel: and the phone as shown."""

from __future__ import annotations

import pytest

from carte.core.contact import directions_url, display_phone, geo_uri, tel_uri


def test_directions_go_to_the_position_and_leave_the_start_to_the_visitor():
    assert (
        directions_url(46.11850001, -70.66560)
        == "https://www.openstreetmap.org/directions?to=46.1185%2C-70.6656"
    )
    assert geo_uri(46.8139, -71.208) == "geo:46.8139,-71.208"


@pytest.mark.parametrize(
    ("stored", "uri"),
    [
        ("+14185550100", "tel:+14185550100"),
        ("418 555-0100", "tel:+14185550100"),
        ("1 (418) 555-0100", "tel:+14185550100"),
        ("418-555-0100 poste 12", "tel:+14185550100;ext=12"),
        ("+33 1 42 68 53 00", "tel:+33142685300"),
        ("555-0100", None),
        ("appelez-nous", None),
        ("", None),
        (None, None),
    ],
)
def test_a_phone_becomes_a_tel_uri_of_digits_or_none(stored, uri):
    assert tel_uri(stored) == uri


def test_a_north_american_phone_is_shown_the_quebec_way_and_others_as_stored():
    assert display_phone("+14185550100") == "418 555-0100"
    assert display_phone("+33142685300") == "+33142685300"
