"""Coverage gaps of an MRC computed in PostGIS: distances from municipality centres to the nearest place."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from carte.core.vocabulary import load_vocabulary
from carte.read.coverage import (
    CLASS_CODES,
    FEW_PLACES,
    class_totals,
    coverage_rows,
    distance_class,
    parse_category,
)
from carte.read.filters import InvalidParameter
from tests.helpers import insert_enterprise

BEAUCE_SARTIGAN = "29"
SAINT_GEORGES = "29073"


def centre(connection: Connection, code: str) -> tuple[float, float]:
    """The (lon, lat) centre of a municipality as loaded from the reference geodata."""
    return connection.execute(
        text("SELECT ST_X(point), ST_Y(point) FROM municipality WHERE code = :code"), {"code": code}
    ).one()


#: Both ways of finding the nearest place: among a rare category's few places, and the index walk.
STRATEGIES = pytest.mark.parametrize("few_places", [FEW_PLACES, 0], ids=["few-places", "index-walk"])


def row_of(session: Session, mrc: str, category: str, municipality: str, few_places: int = FEW_PLACES):
    """The coverage row of one municipality for one category."""
    return next(
        row
        for row in coverage_rows(session, mrc, category, few_places)
        if row.municipality_code == municipality
    )


@STRATEGIES
def test_a_municipality_with_a_place_at_its_centre_is_about_zero_km(connection, db_session, few_places):
    lon, lat = centre(connection, SAINT_GEORGES)
    place = insert_enterprise(connection, lon=lon, lat=lat, items=["meubles"], name="Ressourcerie du centre")
    row = row_of(db_session, BEAUCE_SARTIGAN, "meubles", SAINT_GEORGES, few_places)
    assert row.place_id == place
    assert row.place_name == "Ressourcerie du centre"
    assert row.distance_km == 0.0
    assert row.distance_class == "moins_5"


def test_every_municipality_of_the_mrc_with_a_centre_gets_a_row(connection, db_session):
    expected = connection.execute(
        text("SELECT count(*) FROM municipality WHERE mrc_code = :mrc AND point IS NOT NULL"),
        {"mrc": BEAUCE_SARTIGAN},
    ).scalar()
    rows = coverage_rows(db_session, BEAUCE_SARTIGAN, "meubles")
    assert len(rows) == expected > 5
    assert {row.category for row in rows} == {"meubles"}


def test_without_a_category_every_category_is_listed_for_every_municipality(connection, db_session):
    rows = coverage_rows(db_session, BEAUCE_SARTIGAN)
    municipalities = {row.municipality_code for row in rows}
    assert len(rows) == len(municipalities) * len(load_vocabulary().items)


@STRATEGIES
def test_the_nearest_place_across_the_mrc_border_counts(connection, db_session, few_places):
    # The municipality of Beauce-Sartigan whose centre is closest to another MRC's municipality centre.
    inside, outside, outside_mrc = connection.execute(
        text("""
        SELECT a.code, b.code, b.mrc_code FROM municipality a JOIN municipality b
          ON b.mrc_code <> a.mrc_code AND b.point IS NOT NULL
        WHERE a.mrc_code = :mrc AND a.point IS NOT NULL
        ORDER BY ST_Distance(geography(a.point), geography(b.point)) LIMIT 1"""),
        {"mrc": BEAUCE_SARTIGAN},
    ).one()
    far_inside = connection.execute(
        text("""
        SELECT code FROM municipality WHERE mrc_code = :mrc AND point IS NOT NULL
        ORDER BY ST_Distance(geography(point), (SELECT geography(point) FROM municipality WHERE code = :code))
        DESC LIMIT 1"""),
        {"mrc": BEAUCE_SARTIGAN, "code": inside},
    ).scalar()
    lon, lat = centre(connection, outside)
    across = insert_enterprise(
        connection, lon=lon, lat=lat, items=["velos"], mrc_code=outside_mrc, municipality_code=outside
    )
    lon, lat = centre(connection, far_inside)
    insert_enterprise(connection, lon=lon, lat=lat, items=["velos"], municipality_code=far_inside)
    expected_km = connection.execute(
        text("""
        SELECT ST_Distance(geography(a.point), geography(b.point)) / 1000 FROM municipality a, municipality b
        WHERE a.code = :a AND b.code = :b"""),
        {"a": inside, "b": outside},
    ).scalar()
    row = row_of(db_session, BEAUCE_SARTIGAN, "velos", inside, few_places)
    assert row.place_id == across
    assert row.distance_km == pytest.approx(expected_km, abs=0.05)


@STRATEGIES
def test_an_unpublished_place_does_not_count(connection, db_session, few_places):
    lon, lat = centre(connection, SAINT_GEORGES)
    insert_enterprise(
        connection, lon=lon, lat=lat, items=["livres"], published=False, name="Pas encore publiée"
    )
    published = insert_enterprise(
        connection, lon=lon + 0.2, lat=lat, items=["livres"], name="Bouquinerie publiée"
    )
    row = row_of(db_session, BEAUCE_SARTIGAN, "livres", SAINT_GEORGES, few_places)
    assert row.place_id == published
    assert row.distance_km == pytest.approx(15.5, abs=0.5)


@STRATEGIES
def test_a_place_without_the_category_does_not_count(connection, db_session, few_places):
    lon, lat = centre(connection, SAINT_GEORGES)
    insert_enterprise(connection, lon=lon, lat=lat, items=["vetements"])
    wanted = insert_enterprise(connection, lon=lon, lat=lat + 0.3, items=["jouets", "vetements"])
    assert row_of(db_session, BEAUCE_SARTIGAN, "jouets", SAINT_GEORGES, few_places).place_id == wanted


@STRATEGIES
def test_a_category_with_no_published_place_gives_aucun_for_every_municipality(
    connection, db_session, few_places
):
    lon, lat = centre(connection, SAINT_GEORGES)
    insert_enterprise(connection, lon=lon, lat=lat, items=["instruments"], published=False)
    rows = coverage_rows(db_session, BEAUCE_SARTIGAN, "instruments", few_places)
    assert rows and all(row.distance_km is None and row.place_id is None for row in rows)
    assert {row.distance_class for row in rows} == {"aucun"}
    totals = {total.code: total for total in class_totals(rows)}
    assert totals["aucun"].municipalities == len(rows)
    assert totals["aucun"].population == sum(row.population or 0 for row in rows) > 50_000


@STRATEGIES
def test_the_nearest_place_is_nearest_in_kilometres_not_in_degrees(connection, db_session, few_places):
    # At 46° N a degree of longitude is about 77 km and a degree of latitude 111 km: 0.09° east
    # (about 7 km) is nearer than 0.07° north (about 7.8 km), though farther in degrees.
    lon, lat = centre(connection, SAINT_GEORGES)
    insert_enterprise(connection, lon=lon, lat=lat + 0.07, items=["outils"], name="Au nord")
    east = insert_enterprise(connection, lon=lon + 0.09, lat=lat, items=["outils"], name="À l'est")
    row = row_of(db_session, BEAUCE_SARTIGAN, "outils", SAINT_GEORGES, few_places)
    assert row.place_id == east
    assert row.distance_km == pytest.approx(7.0, abs=0.2)


def test_the_population_concerned_is_summed_per_distance_class(connection, db_session):
    lon, lat = centre(connection, SAINT_GEORGES)
    insert_enterprise(connection, lon=lon, lat=lat, items=["decoration"])
    rows = coverage_rows(db_session, BEAUCE_SARTIGAN, "decoration")
    totals = class_totals(rows)
    assert [total.code for total in totals] == [*CLASS_CODES, "sans_centre"]
    assert sum(total.municipalities for total in totals) == len(rows)
    assert sum(total.population for total in totals) == sum(row.population or 0 for row in rows)
    near = next(total for total in totals if total.code == "moins_5")
    saint_georges = next(row for row in rows if row.municipality_code == SAINT_GEORGES)
    assert near.population >= saint_georges.population > 30_000


@pytest.mark.parametrize(
    ("distance", "expected"),
    [
        (0.0, "moins_5"),
        (4.99, "moins_5"),
        (5.0, "5_15"),
        (14.9, "5_15"),
        (15.0, "15_30"),
        (29.9, "15_30"),
        (30.0, "plus_30"),
        (250.0, "plus_30"),
        (None, "aucun"),
    ],
)
def test_distances_fall_in_their_class(distance, expected):
    assert distance_class(distance) == expected


def test_an_unknown_category_is_refused_naming_the_parameter():
    with pytest.raises(InvalidParameter) as refused:
        parse_category("divans", load_vocabulary())
    assert "« categorie »" in refused.value.message
    assert "divans" in refused.value.message
    assert parse_category("  ", load_vocabulary()) is None
    assert parse_category("meubles", load_vocabulary()) == "meubles"


def test_a_municipality_without_a_centre_is_counted_apart_without_a_distance(connection, db_session):
    # Kitigan Zibi (La Vallée-de-la-Gatineau) has no town-hall postal code nor postal codes bearing its name.
    lon, lat = centre(connection, "83065")
    insert_enterprise(connection, lon=lon, lat=lat, items=["meubles"], mrc_code="83")
    rows = coverage_rows(db_session, "83", "meubles")
    kitigan_zibi = next(row for row in rows if row.municipality_code == "83802")
    assert kitigan_zibi.distance_km is None and kitigan_zibi.place_id is None
    assert kitigan_zibi.distance_class == "sans_centre"
    unlocated = next(total for total in class_totals(rows) if total.code == "sans_centre")
    assert unlocated.population >= 1244


def test_a_change_to_municipalities_moves_the_data_version(connection, db_session):
    from carte.read.queries import data_version

    before = data_version(db_session)
    connection.execute(
        text("UPDATE municipality SET population = population + 1 WHERE code = :code"),
        {"code": SAINT_GEORGES},
    )
    assert data_version(db_session) > before


def test_a_centre_outside_the_mrc_polygon_is_flagged(db_session):
    # Saint-Côme–Linière's town-hall postal code (rural, G0M 1J0) is placed a few km beyond the border.
    rows = {row.municipality_code: row for row in coverage_rows(db_session, BEAUCE_SARTIGAN, "meubles")}
    assert rows["29057"].centre_outside_mrc is True
    assert rows[SAINT_GEORGES].centre_outside_mrc is False
