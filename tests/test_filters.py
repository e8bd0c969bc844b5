"""Reading the API's parameters and evaluating opening hours: pure code, no database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from carte.core.opening_hours import is_open
from carte.core.vocabulary import load_vocabulary
from carte.read.filters import InvalidParameter, parse_filter, parse_page

MONTREAL = ZoneInfo("America/Toronto")
MONDAY_10_30 = datetime(2026, 11, 23, 10, 30, tzinfo=MONTREAL)


def read(**args: str | list[str]):
    """Parse parameters as a request would give them; every MRC and region code exists."""
    lists = {name: value if isinstance(value, list) else [value] for name, value in args.items()}
    return parse_filter(lists, load_vocabulary(), lambda kind, code: code in {"29", "12"})


def invalid_parameter(**args: str) -> str:
    """The parameter named by the error raised for these arguments."""
    with pytest.raises(InvalidParameter) as raised:
        read(**args)
    return raised.value.parameter


@pytest.mark.parametrize(
    "bbox",
    [
        "NaN,0,1,1",
        "0,0,Infinity,1",
        "0,0,1e309,1",
        "1,1,0,0",
        "0,0,0,0",
        "-200,0,1,1",
        "0,-95,1,1",
        "a,b,c,d",
        "1,2,3",
        ",,,",
        " , , , ",
        "1,2,3,",
        "%,_,1,2",
    ],
)
def test_a_bad_bbox_is_refused_naming_bbox(bbox):
    assert invalid_parameter(bbox=bbox) == "bbox"


@pytest.mark.parametrize("bbox", ["", "   "])
def test_a_blank_bbox_means_no_box(bbox):
    assert read(bbox=bbox).bbox is None


def test_the_whole_world_is_an_acceptable_box():
    assert read(bbox="-180,-90,180,90").bbox == (-180, -90, 180, 90)


@pytest.mark.parametrize("near", ["NaN,1", "1", "91,0", "0,181", "x,y", "1e309,0"])
def test_a_bad_point_is_refused_naming_near(near):
    assert invalid_parameter(near=near) == "near"


def test_a_radius_without_a_point_is_refused():
    assert invalid_parameter(radius_km="5") == "radius_km"


@pytest.mark.parametrize("radius", ["0", "-1", "NaN", "1e309", "5000"])
def test_a_bad_radius_is_refused(radius):
    assert invalid_parameter(near="46,-71", radius_km=radius) == "radius_km"


def test_free_text_items_are_matched_through_synonyms():
    assert read(item="sofa").items == ("meubles",)
    assert read(item=["un vieux divan", "vetements"]).items == ("meubles", "vetements")


def test_an_unknown_item_sector_or_service_is_refused_by_name():
    assert invalid_parameter(item="zzzz") == "item"
    assert invalid_parameter(sector="meubles") == "sector"
    assert invalid_parameter(service="x") == "service"


def test_sectors_may_be_repeated_or_comma_separated():
    assert read(sector=["ressourcerie", "friperie,reparation"]).sectors == (
        "ressourcerie",
        "friperie",
        "reparation",
    )


def test_unknown_places_and_long_or_control_text_are_refused():
    assert invalid_parameter(mrc="99") == "mrc"
    assert invalid_parameter(region="x' OR 1=1 --") == "region"
    assert invalid_parameter(q="x" * 10_000) == "q"
    assert invalid_parameter(q="a\x00b") == "q"


def test_a_huge_limit_is_reduced_and_a_bad_one_refused():
    assert parse_page({"limit": ["9" * 10_000]}).limit == 1000
    assert parse_page({"limit": ["5"], "offset": ["10"]}).offset == 10
    for bad in (
        {"limit": ["0"]},
        {"limit": ["-1"]},
        {"limit": ["1.5"]},
        {"offset": ["99999999999"]},
        {"limit": ["²"]},
    ):
        with pytest.raises(InvalidParameter):
            parse_page(bad)


def test_errors_are_in_french_and_english():
    with pytest.raises(InvalidParameter) as raised:
        read(bbox="1")
    assert "invalide" in raised.value.message_in("fr")
    assert "Invalid parameter 'bbox'" in raised.value.message_in("en")


@pytest.mark.parametrize(
    "hours, expected",
    [
        ("24/7", True),
        ("Mo-Fr 09:00-17:00", True),
        ("Mo-Fr 08:00-10:00, 13:00-17:00", False),
        ("Tu-Sa 10:00-17:00", False),
        ("Mo-Fr 09:00-17:00; Mo off", False),
        ("Mo-Fr 09:00-17:00; PH off", True),
        ("Fr-Mo 10:00-11:00", True),
        ("09:00-18:00", True),
        ("sunrise-sunset", None),
        ("", None),
    ],
)
def test_common_opening_hours_are_evaluated(hours, expected):
    assert is_open(hours, MONDAY_10_30) is expected


def test_hours_past_midnight_count_on_the_next_morning():
    assert is_open("Su 22:00-02:00", datetime(2026, 11, 23, 1, 0, tzinfo=MONTREAL)) is True
    assert is_open("Su 22:00-02:00", datetime(2026, 11, 23, 3, 0, tzinfo=MONTREAL)) is False
