"""The reference geography loaded from the shared folder: counts, MRC of known places, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from carte.core.config import load_config
from carte.core.errors import GeodataError
from carte.geo.geocoding import in_quebec
from carte.geo.geodata import load_geodata, quebec_postal_codes


def scalar(connection, sql: str, **params):
    """Run a query that returns one value."""
    return connection.execute(text(sql), params).scalar()


def test_geodata_holds_all_of_quebecs_regions_mrcs_municipalities_and_postal_codes(connection):
    assert scalar(connection, "SELECT count(*) FROM region") == 17
    assert scalar(connection, "SELECT count(*) FROM mrc") == 104
    assert scalar(connection, "SELECT count(*) FROM municipality") == 1285
    assert scalar(connection, "SELECT count(*) FROM postal_code") > 200_000


@pytest.mark.parametrize(
    "municipality, mrc",
    [
        ("Saint-Georges", "Beauce-Sartigan"),
        ("Lévis", "Lévis"),
        ("Thetford Mines", "Les Appalaches"),
        ("Sainte-Marie", "La Nouvelle-Beauce"),
        ("Trois-Rivières", "Trois-Rivières"),
        ("Montréal", "Montréal"),
    ],
)
def test_known_municipalities_are_attached_to_their_mrc(connection, municipality, mrc):
    found = scalar(
        connection,
        """SELECT mrc.name FROM municipality m JOIN mrc ON mrc.code = m.mrc_code
                                  WHERE m.name = :name""",
        name=municipality,
    )
    assert found == mrc


def test_every_municipality_with_a_point_in_quebec_has_an_mrc(connection):
    orphans = scalar(
        connection,
        """SELECT count(*) FROM municipality m WHERE m.mrc_code IS NULL
        AND m.point IS NOT NULL AND EXISTS (SELECT 1 FROM region r WHERE ST_Intersects(r.geom, m.point))""",
    )
    assert orphans == 0


def test_a_municipality_point_lies_in_its_own_mrc_polygon(connection):
    inside = scalar(
        connection,
        """SELECT ST_Intersects(mrc.geom, m.point) FROM municipality m
                                   JOIN mrc ON mrc.code = m.mrc_code WHERE m.name = 'Saint-Georges'""",
    )
    assert inside is True


def test_mrc_polygons_are_subdivided_for_point_in_polygon(connection):
    assert scalar(connection, "SELECT count(DISTINCT mrc_code) FROM mrc_part") == 104
    assert scalar(connection, "SELECT max(ST_NPoints(geom)) FROM mrc_part") <= 128


def test_reloading_the_geodata_rewrites_no_row(engine):
    snapshot = "SELECT md5(string_agg(xmin::text, ',' ORDER BY code)) FROM {}"
    with engine.connect() as connection:
        before = {t: scalar(connection, snapshot.format(t)) for t in ("region", "mrc", "municipality")}
    counts = load_geodata(engine, load_config()["GEODATA_DIR"])
    with engine.connect() as connection:
        after = {t: scalar(connection, snapshot.format(t)) for t in ("region", "mrc", "municipality")}
    assert counts.municipalities == 1285
    assert after == before


def test_a_missing_geodata_folder_is_named_in_the_error(engine, tmp_path):
    with pytest.raises(GeodataError, match="introuvable"):
        load_geodata(engine, tmp_path / "absent")


def test_a_folder_missing_one_layer_names_the_file(engine, tmp_path):
    source = Path(load_config()["GEODATA_DIR"])
    for name in ("regions.geojson", "municipalities.csv"):
        shutil.copy(source / name, tmp_path / name)
    with pytest.raises(GeodataError, match="mrc.geojson"):
        load_geodata(engine, tmp_path)


def test_incomplete_geodata_is_refused_and_nothing_changes(engine, tmp_path):
    source = Path(load_config()["GEODATA_DIR"])
    for name in ("regions.geojson", "mrc.geojson"):
        shutil.copy(source / name, tmp_path / name)
    lines = (source / "municipalities.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "municipalities.csv").write_text("\n".join(lines[:101]) + "\n", encoding="utf-8")
    with pytest.raises(GeodataError, match="municipalities.csv : 100 entités"):
        load_geodata(engine, tmp_path)
    with engine.connect() as connection:
        assert scalar(connection, "SELECT count(*) FROM municipality") == 1285


def test_postal_codes_placed_outside_quebec_are_left_out(connection):
    assert all(in_quebec(lat, lon) for _, _, _, lon, lat in quebec_postal_codes())
    assert "H0H 0H0" not in {row[0] for row in quebec_postal_codes()}
    assert (
        connection.execute(text("SELECT count(*) FROM postal_code WHERE ST_Y(point) > 63")).scalar_one() == 0
    )
