"""The large-data map's tiles on a real PostGIS: clusters add up, points at close zoom, filters, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from carte.map import clusters as cluster_table
from carte.map import points as point_table
from carte.map.tiles import FEW_POINTS, MAX_ZOOM, clusters, rounded, tile_conditions, tile_containing
from carte.read.filters import EnterpriseFilter
from tests.faults import run_carte
from tests.helpers import insert_enterprise

QUEBEC_CITY = (-71.2080, 46.8139)


def spread(connection, count: int, **fields) -> list[int]:
    """`count` enterprises on a diagonal from Montréal to Québec, each one at its own place."""
    ids = []
    for n in range(count):
        lon, lat = -73.6 + n * 2.4 / count, 45.5 + n * 1.3 / count
        ids.append(insert_enterprise(connection, lon=lon, lat=lat, **fields))
    return ids


def tile_json(client, z: int, x: int, y: int, query: str = "") -> dict:
    """One tile's answer, which must be a success."""
    response = client.get(f"/tiles/{z}/{x}/{y}.json{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def total_over_tiles(client, points: list[tuple[float, float]], z: int, query: str = "") -> int:
    """The sum of the clusters' counts over every tile holding one of the points."""
    tiles = {tile_containing(lon, lat, z) for lon, lat in points}
    total = 0
    for tile in tiles:
        answer = tile_json(client, tile.z, tile.x, tile.y, query)
        counted = sum(cell[2] for cell in answer.get("clusters", [])) or len(
            answer.get("points", {}).get("id", [])
        )
        assert counted == answer["count"]
        total += counted
    return total


def positions(count: int) -> list[tuple[float, float]]:
    """The positions `spread` uses."""
    return [(-73.6 + n * 2.4 / count, 45.5 + n * 1.3 / count) for n in range(count)]


@pytest.mark.parametrize("zoom", [5, 8, 12])
@pytest.mark.parametrize("precomputed", [False, True])
def test_clusters_of_the_tiles_add_up_to_the_number_of_enterprises(
    client, connection, db_session, zoom, precomputed
):
    spread(connection, 90)
    if precomputed:
        cluster_table.refresh(db_session)
    assert total_over_tiles(client, positions(90), zoom) == 90


def test_a_tile_with_many_enterprises_sends_clusters_with_positions_inside_it(client, connection):
    spread(connection, 90)
    tile = tile_containing(-73.0, 45.8, 5)
    answer = tile_json(client, tile.z, tile.x, tile.y)
    assert answer["count"] == 90 and "points" not in answer
    west, south, east, north = tile.bounds()
    assert all(south <= lat < north and west <= lon < east for lat, lon, _ in answer["clusters"])


@pytest.mark.parametrize("precomputed", [False, True])
def test_clusters_add_up_to_the_filtered_count(client, connection, db_session, precomputed):
    spread(connection, 60, sectors=["friperie"], items=["vetements"])
    spread(connection, 50, sectors=["ressourcerie"], items=["meubles"], services=["collecte_domicile"])
    if precomputed:
        cluster_table.refresh(db_session)
    both = positions(60) + positions(50)
    assert total_over_tiles(client, both, 6, "?sector=friperie") == 60
    assert total_over_tiles(client, both, 6, "?item=sofa") == 50
    assert total_over_tiles(client, both, 6) == 110
    assert total_over_tiles(client, both, 6, "?service=collecte_domicile&sector=ressourcerie,friperie") == 50
    assert total_over_tiles(client, both, 6, "?mrc=66") == 0


@pytest.mark.parametrize(
    "filters",
    [
        EnterpriseFilter(),
        EnterpriseFilter(sectors=("friperie",)),
        EnterpriseFilter(items=("meubles", "livres")),
        EnterpriseFilter(region="16"),
    ],
)
def test_the_pre_aggregated_clusters_equal_the_clusters_of_the_points(db_session, connection, filters):
    spread(connection, 70, sectors=["friperie"], items=["livres"], mrc_code="66")
    spread(connection, 70, sectors=["ressourcerie"], items=["meubles"], mrc_code="67")
    cluster_table.refresh(db_session)
    for zoom in (4, 7, 10, 13):
        for tile in {tile_containing(lon, lat, zoom) for lon, lat in positions(70)}:
            from_points = clusters(db_session, tile_conditions(db_session, filters, tile), tile)
            from_table = cluster_table.cells(db_session, filters, tile.z, tile.x, tile.y)
            assert sorted((n, round(lat, 4), round(lon, 4)) for lat, lon, n in from_points) == sorted(
                (n, round(lat, 4), round(lon, 4)) for lat, lon, n in from_table
            )


def test_a_data_change_makes_the_pre_aggregated_clusters_stale_and_tiles_stay_right(
    client, connection, db_session
):
    spread(connection, 50)
    assert cluster_table.refresh(db_session).rows > 0 and cluster_table.is_fresh(db_session)
    assert cluster_table.refresh(db_session).skipped
    spread(connection, 50)
    assert not cluster_table.is_fresh(db_session)
    assert total_over_tiles(client, positions(50), 6) == 100


def test_the_refresh_command_does_nothing_when_the_clusters_are_fresh(database_url):
    run_carte(database_url, "tiles", "refresh")
    result = run_carte(database_url, "tiles", "refresh")
    assert result.returncode == 0 and "déjà à jour" in result.stdout, result.stderr


def test_at_close_zoom_a_tile_sends_its_enterprises_one_by_one(client, connection):
    first = insert_enterprise(
        connection,
        name="Friperie du Quartier",
        lon=QUEBEC_CITY[0],
        lat=QUEBEC_CITY[1],
        sectors=["friperie"],
        geocode_precision="postal_code",
    )
    second = insert_enterprise(
        connection, name="Atelier Vélo", lon=QUEBEC_CITY[0] + 0.001, lat=QUEBEC_CITY[1]
    )
    tile = tile_containing(*QUEBEC_CITY, 15)
    points = tile_json(client, tile.z, tile.x, tile.y)["points"]
    assert points["id"] == sorted([first, second])
    at = points["id"].index(first)
    assert points["name"][at] == "Friperie du Quartier" and points["sector"][at] == "friperie"
    assert points["approximate"][at] is True and points["lat"][at] == pytest.approx(QUEBEC_CITY[1])


def test_a_sparse_tile_sends_points_even_at_low_zoom(client, connection):
    spread(connection, FEW_POINTS)
    tile = tile_containing(-73.0, 45.8, 4)
    assert len(tile_json(client, tile.z, tile.x, tile.y)["points"]["id"]) == FEW_POINTS


def test_filters_of_the_api_apply_to_the_tiles(client, connection):
    insert_enterprise(
        connection,
        name="Friperie du Quartier",
        lon=QUEBEC_CITY[0],
        lat=QUEBEC_CITY[1],
        sectors=["friperie"],
        items=["vetements"],
        mrc_code="23",
        municipality_name="Québec",
    )
    insert_enterprise(connection, name="Ressourcerie de Beauce", sectors=["ressourcerie"], items=["meubles"])
    insert_enterprise(connection, name="Cachée", published=False, lon=QUEBEC_CITY[0], lat=QUEBEC_CITY[1])
    tile = tile_containing(*QUEBEC_CITY, 3)

    def named(query: str) -> list[str]:
        return tile_json(client, tile.z, tile.x, tile.y, query).get("points", {}).get("name", [])

    assert sorted(named("")) == ["Friperie du Quartier", "Ressourcerie de Beauce"]
    assert named("?sector=friperie") == ["Friperie du Quartier"]
    assert named("?item=divan") == ["Ressourcerie de Beauce"]
    assert named("?q=quartier") == ["Friperie du Quartier"]
    assert named("?mrc=29") == ["Ressourcerie de Beauce"]
    assert named("?region=03") == ["Friperie du Quartier"]
    assert named(f"?near={QUEBEC_CITY[1]},{QUEBEC_CITY[0]}&radius_km=5") == ["Friperie du Quartier"]
    assert named("?bbox=-71.5,46.5,-71,47") == ["Friperie du Quartier"]


def test_open_now_keeps_only_enterprises_open_at_this_moment(client, connection):
    insert_enterprise(connection, name="Toujours ouvert", opening_hours="24/7")
    insert_enterprise(connection, name="Jamais ouvert", opening_hours="off")
    tile = tile_containing(-70.6656, 46.1185, 3)
    assert tile_json(client, tile.z, tile.x, tile.y, "?open_now=1")["points"]["name"] == ["Toujours ouvert"]


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("/tiles/21/0/0.json", "z"),
        ("/tiles/3/8/0.json", "x"),
        ("/tiles/3/0/9.json", "y"),
        ("/tiles/3/2/2.json?sector=inconnu", "sector"),
        ("/tiles/3/2/2.json?bbox=1,2,3", "bbox"),
        ("/tiles/3/2/2.json?radius_km=5", "radius_km"),
        ("/tiles/3/2/2.json?open_now=peut-etre", "open_now"),
        ("/tiles/3/2/2.json?item=zzzz", "item"),
    ],
)
def test_bad_tile_parameters_answer_400_naming_the_parameter(client, path, parameter):
    response = client.get(path)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and f"« {parameter} »" in error["message"]


def test_tiles_are_cacheable_and_answer_304_until_the_data_changes(client, connection):
    insert_enterprise(connection)
    tile = tile_containing(-70.6656, 46.1185, 8)
    path = f"/tiles/{tile.z}/{tile.x}/{tile.y}.json?sector=ressourcerie"
    first = client.get(path)
    assert "public" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"]
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(path.replace("ressourcerie", "friperie")).headers["ETag"] != first.headers["ETag"]
    insert_enterprise(connection, lon=-70.6, lat=46.1)
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.get_json()["count"] == 2


def test_enterprise_names_are_sent_as_data_not_markup(client, connection):
    insert_enterprise(connection, name="<script>alert(1)</script>")
    tile = tile_containing(-70.6656, 46.1185, 10)
    response = client.get(f"/tiles/{tile.z}/{tile.x}/{tile.y}.json")
    assert response.content_type == "application/json"
    assert response.get_json()["points"]["name"] == ["<script>alert(1)</script>"]


def test_clusters_built_on_another_grid_are_stale(db_session, connection):
    spread(connection, 10)
    cluster_table.refresh(db_session)
    connection.execute(text("UPDATE map_cluster_state SET layout = '8 cells, levels 0-13'"))
    assert not cluster_table.is_fresh(db_session)
    assert not cluster_table.refresh(db_session).skipped


@pytest.mark.parametrize(
    "filters",
    [
        EnterpriseFilter(q="friperie"),
        EnterpriseFilter(q="FRIPÉRIE", mrc="66"),
        EnterpriseFilter(q="montreal", items=("livres",)),
        EnterpriseFilter(q="ressourcerie", region="16"),
        EnterpriseFilter(q="rue", sectors=("ressourcerie",)),
    ],
)
def test_text_search_tiles_from_map_point_equal_the_tiles_of_the_points(db_session, connection, filters):
    spread(
        connection,
        70,
        name="Friperie du coin",
        sectors=["friperie"],
        items=["livres"],
        mrc_code="66",
        municipality_name="Montréal",
    )
    spread(
        connection,
        70,
        name="Ressourcerie",
        description="Sur la rue",
        sectors=["ressourcerie"],
        items=["meubles"],
        mrc_code="67",
    )
    cluster_table.refresh(db_session)
    assert point_table.answers(db_session, filters)
    for zoom in (2, 7, 10, 13, 16):
        for tile in {tile_containing(lon, lat, zoom) for lon, lat in positions(70)}:
            from_points = clusters(db_session, tile_conditions(db_session, filters, tile), tile)
            from_table = rounded(
                point_table.matches(db_session, filters, tile.z, tile.x, tile.y).cells(db_session)
            )
            assert sorted(from_points) == sorted(from_table)


def test_a_text_search_never_matches_across_two_fields(db_session, connection):
    insert_enterprise(connection, name="Atelier vert", description="Montréal", municipality_name="Laval")
    cluster_table.refresh(db_session)
    tile = tile_containing(-70.6656, 46.1185, 3)
    for q, found in (("vert", 1), ("montreal", 1), ("laval", 1), ("vert montreal", 0), ("real laval", 0)):
        cells = point_table.matches(db_session, EnterpriseFilter(q=q), tile.z, tile.x, tile.y).cells(
            db_session
        )
        assert sum(cell[2] for cell in cells) == found, q


def test_text_search_tiles_count_what_the_api_finds(client, connection, db_session):
    spread(connection, 60, name="Vélo solidaire")
    spread(connection, 30, name="Friperie")
    insert_enterprise(connection, name="Vélo caché", published=False)
    insert_enterprise(connection, name="Vélo sans adresse", lon=None, lat=None)
    cluster_table.refresh(db_session)
    assert point_table.answers(db_session, EnterpriseFilter(q="velo"))
    assert total_over_tiles(client, positions(60) + positions(30), 6, "?q=velo") == 60
    assert client.get("/api/enterprises?q=velo&limit=1").get_json()["numberMatched"] == 61


def test_a_text_search_tile_sends_its_points_from_map_point(client, connection, db_session):
    wanted = insert_enterprise(
        connection, name="Atelier Vélo", lon=QUEBEC_CITY[0], lat=QUEBEC_CITY[1], sectors=["reparation"]
    )
    insert_enterprise(connection, name="Friperie", lon=QUEBEC_CITY[0] + 0.001, lat=QUEBEC_CITY[1])
    cluster_table.refresh(db_session)
    tile = tile_containing(*QUEBEC_CITY, 15)
    points = tile_json(client, tile.z, tile.x, tile.y, "?q=velo")["points"]
    assert (
        points["id"] == [wanted] and points["name"] == ["Atelier Vélo"] and points["sector"] == ["reparation"]
    )


@pytest.mark.parametrize(
    "filters",
    [
        EnterpriseFilter(),
        EnterpriseFilter(sectors=("friperie",)),
        EnterpriseFilter(q="velo", open_now=True),
        EnterpriseFilter(q="velo", bbox=(-74.0, 45.0, -70.0, 47.0)),
    ],
)
def test_map_point_answers_only_fresh_text_searches_it_can_filter(db_session, connection, filters):
    insert_enterprise(connection, name="Vélo")
    cluster_table.refresh(db_session)
    assert point_table.answers(db_session, EnterpriseFilter(q="velo"))
    assert not point_table.answers(db_session, filters)
    insert_enterprise(connection, name="Vélo bis")
    assert not point_table.answers(db_session, EnterpriseFilter(q="velo"))


def test_points_outside_the_web_mercator_square_are_on_no_tile(db_session, connection):
    insert_enterprise(connection, name="Père Noël", lon=0.0008, lat=90.0008)
    insert_enterprise(connection, name="Pôle Sud", lon=0.0, lat=-89.0)
    insert_enterprise(connection, name="Noël au Québec", lon=-70.6, lat=46.1)
    cluster_table.refresh(db_session)
    assert db_session.execute(text("SELECT count(*) FROM map_point")).scalar_one() == 1
    assert (
        sum(
            cell[2]
            for cell in point_table.matches(db_session, EnterpriseFilter(q="noel"), 0, 0, 0).cells(db_session)
        )
        == 1
    )


@pytest.mark.parametrize("z, x, y", [(0, 0, 0), (3, 2, 5), (8, 75, 91), (20, 300_000, 700_000)])
def test_a_tiles_morton_range_holds_exactly_its_cells(z, x, y):
    low, high = point_table.morton_range(z, x, y)
    shift = cluster_table.GRID_BITS - z
    corners = [(x << shift, y << shift), ((x + 1 << shift) - 1, (y + 1 << shift) - 1)]
    codes = [point_table.spread_bits(cx) | point_table.spread_bits(cy) << 1 for cx, cy in corners]
    assert codes == [low, high - 1]
    outside = point_table.spread_bits((x + 1) << shift) | point_table.spread_bits(y << shift) << 1
    assert not low <= outside < high or z == 0


def test_the_finest_grid_holds_four_cells_per_tile_at_the_highest_zoom():
    assert MAX_ZOOM + point_table.CELL_BITS == cluster_table.GRID_BITS


def test_postgresql_spreads_bits_as_python_does(db_session):
    for value in (0, 1, 5, 2**21 + 3, 2**22 - 1):
        assert db_session.execute(
            text("SELECT carte_spread_bits(:v)"), {"v": value}
        ).scalar_one() == point_table.spread_bits(value)


def test_a_tile_point_carries_its_street_phone_and_only_whether_there_is_an_email(client, connection):
    insert_enterprise(
        connection,
        name="Comptoir joignable",
        lon=QUEBEC_CITY[0],
        lat=QUEBEC_CITY[1],
        street="5 rue Saint-Jean",
        phone="+14185550100",
        email="bonjour@exemple.org",
    )
    tile = tile_containing(*QUEBEC_CITY, 15)
    response = client.get(f"/tiles/{tile.z}/{tile.x}/{tile.y}.json")
    points = response.get_json()["points"]
    assert (points["street"], points["phone"], points["email"]) == (
        ["5 rue Saint-Jean"],
        ["+14185550100"],
        [True],
    )
    assert "bonjour@exemple.org" not in response.get_data(as_text=True)
