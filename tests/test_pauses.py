"""'Accepting now' on the real PostGIS: pauses set by owners and staff, searches that leave paused places
out and say so, the API's accepting property and filter, the map's data, the history, and the end by date."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from carte.core.pause import REASONS, Pause, local_today
from carte.map import clusters as cluster_table
from carte.map.payload import build_map_data
from carte.map.tiles import tile_containing
from carte.read.filters import EnterpriseFilter
from carte.read.queries import cache_version, enterprise_features, paused_left_out
from carte.staff import accounts
from carte.staff.freshness import link_signer
from carte.staff.history import enterprise_history
from carte.staff.pauses import lift_pause, set_pause
from carte.web.pause_form import reasons
from tests.helpers import PASSWORD, carte_command, insert_enterprise, sign_in

JULY_1 = date(2026, 7, 1)


@pytest.fixture()
def app(app):
    """The app over plain HTTP, as the test client speaks it."""
    app.config["SESSION_COOKIE_SECURE"] = False
    return app


def furniture_places(connection) -> tuple[int, int]:
    """Two places taking furniture in Saint-Georges; the first also takes books."""
    paused = insert_enterprise(connection, name="Ressourcerie en pause", items=["meubles", "livres"])
    open_place = insert_enterprise(connection, name="Comptoir ouvert", items=["meubles"])
    return paused, open_place


def found(connection, db_session, **filters) -> list[str]:
    """Names of the places a search finds."""
    features, _total, _returned = enterprise_features(
        db_session, EnterpriseFilter(**filters), "fr", "http://x"
    )
    return sorted(feature["properties"]["name"] for feature in json.loads(features))


def test_an_item_search_leaves_out_a_place_whose_matching_item_is_paused(connection, db_session):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(items=("meubles",), until=date(2026, 7, 10)), "test", JULY_1)
    assert found(connection, db_session, items=("meubles",), today=JULY_1) == ["Comptoir ouvert"]
    assert found(connection, db_session, items=("meubles",), today=JULY_1, accepting="all") == [
        "Comptoir ouvert",
        "Ressourcerie en pause",
    ]


def test_a_place_that_still_accepts_another_asked_item_stays_in_the_search(connection, db_session):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(items=("meubles",)), "test", JULY_1)
    assert "Ressourcerie en pause" in found(connection, db_session, items=("meubles", "livres"), today=JULY_1)
    assert "Ressourcerie en pause" in found(connection, db_session, today=JULY_1)  # no item asked: all shown


def test_a_paused_sector_leaves_the_place_out_of_a_sector_search(connection, db_session):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(sectors=("ressourcerie",)), "test", JULY_1)
    assert found(connection, db_session, sectors=("ressourcerie",), today=JULY_1) == ["Comptoir ouvert"]


def test_a_pause_ends_by_itself_after_its_last_day(connection, db_session):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(items=("meubles",), until=date(2026, 7, 10)), "test", JULY_1)
    assert found(connection, db_session, items=("meubles",), today=date(2026, 7, 10)) == ["Comptoir ouvert"]
    assert found(connection, db_session, items=("meubles",), today=date(2026, 7, 11)) == [
        "Comptoir ouvert",
        "Ressourcerie en pause",
    ]


def test_the_search_counts_the_places_it_left_out(connection, db_session):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(items=("meubles",)), "test", JULY_1)
    filters = EnterpriseFilter(items=("meubles",), today=JULY_1)
    assert paused_left_out(db_session, filters, 1) == 1
    assert (
        paused_left_out(db_session, EnterpriseFilter(items=("meubles",), today=JULY_1, accepting="all"), 2)
        == 0
    )


def test_a_lifted_pause_no_longer_leaves_the_place_out(connection, db_session):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(items=("meubles",)), "test", JULY_1)
    assert lift_pause(connection, paused, "test", JULY_1)
    assert "Ressourcerie en pause" in found(connection, db_session, items=("meubles",), today=JULY_1)


def test_a_new_pause_replaces_the_current_one(connection, db_session):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(items=("meubles",)), "test", JULY_1)
    set_pause(connection, paused, Pause(items=("livres",), message="Plus de livres"), "test", JULY_1)
    assert found(connection, db_session, items=("meubles",), today=JULY_1) == [
        "Comptoir ouvert",
        "Ressourcerie en pause",
    ]
    assert found(connection, db_session, items=("livres",), today=JULY_1) == []


def test_the_map_data_lists_only_the_pauses_holding_that_day(connection, db_session):
    paused, _open = furniture_places(connection)
    set_pause(
        connection,
        paused,
        Pause(items=("meubles",), until=date(2026, 7, 10), message="Plus de meubles"),
        "test",
        JULY_1,
    )
    data = build_map_data(db_session, JULY_1)
    pauses = json.loads(data.payload.body)["pauses"]
    furniture_bit = 1 << [term for term in json.loads(data.payload.body)["vocabulary"]["items"]].index(
        "meubles"
    )
    assert pauses == [[data.ids.index(paused), furniture_bit, 0, "2026-07-10", "Plus de meubles"]]
    later = build_map_data(db_session, date(2026, 7, 11))
    assert json.loads(later.payload.body)["pauses"] == [] and later.version != data.version


def test_setting_or_lifting_a_pause_changes_the_cache_version_but_not_the_data_version(
    db_session, connection
):
    paused, _open = furniture_places(connection)
    cluster_table.refresh(db_session)
    before = cache_version(db_session)
    set_pause(connection, paused, Pause(items=("meubles",)), "test", JULY_1)
    between = cache_version(db_session)
    lift_pause(connection, paused, "test", JULY_1)
    assert before != between != cache_version(db_session)
    assert cluster_table.is_fresh(db_session)  # the pre-aggregated clusters hold no pause


def test_large_map_tiles_leave_out_places_whose_asked_item_is_paused(client, connection, db_session):
    paused, _open = furniture_places(connection)
    cluster_table.refresh(db_session)
    set_pause(connection, paused, Pause(items=("meubles",)), "test")
    tile = tile_containing(-70.6656, 46.1185, 6)
    assert client.get(f"/tiles/6/{tile.x}/{tile.y}.json?item=meubles").get_json()["count"] == 1
    assert client.get(f"/tiles/6/{tile.x}/{tile.y}.json?item=meubles&accepting=all").get_json()["count"] == 2
    assert client.get(f"/tiles/6/{tile.x}/{tile.y}.json?item=livres").get_json()["count"] == 1


def test_history_records_a_pause_set_lifted_and_ended_by_date(connection):
    paused, _open = furniture_places(connection)
    today = local_today()
    set_pause(
        connection,
        paused,
        Pause(items=("meubles",), until=today + timedelta(days=9)),
        "owner:1 (lien courriel)",
    )
    set_pause(
        connection,
        paused,
        Pause(items=("livres",), until=today + timedelta(days=19)),
        "user:7 ana@exemple.org",
    )
    later = enterprise_history(connection, paused, today + timedelta(days=20))
    assert later[0]["kind"] == "pause_end" and later[0]["changes"]["pause_items"] == [["livres"], None]
    assert sorted(entry["kind"] for entry in later) == ["create", "pause", "pause", "pause_end", "pause_lift"]
    lifted = next(entry for entry in later if entry["kind"] == "pause_lift")
    assert lifted["actor"] == "user:7 ana@exemple.org" and lifted["changes"]["pause_items"] == [
        ["meubles"],
        None,
    ]
    meanwhile = [
        entry["kind"] for entry in enterprise_history(connection, paused, today + timedelta(days=15))
    ]
    assert "pause_end" not in meanwhile


def test_every_api_feature_carries_what_it_has_paused(client, connection):
    paused, _open = furniture_places(connection)
    until = local_today() + timedelta(days=9)
    set_pause(connection, paused, Pause(items=("meubles",), until=until, message="Plus de meubles"), "test")
    feature = client.get(f"/api/enterprises/{paused}").get_json()
    assert feature["properties"]["accepting"] == {
        "paused": True,
        "paused_items": [{"code": "meubles", "label": "Meubles"}],
        "paused_sectors": [],
        "until": until.isoformat(),
        "message": "Plus de meubles",
    }
    others = client.get("/api/enterprises?accepting=all").get_json()["features"]
    assert {"paused": False, "paused_items": [], "paused_sectors": [], "until": None, "message": None} in [
        f["properties"]["accepting"] for f in others
    ]


def test_the_api_leaves_paused_places_out_of_an_item_search_and_says_how_many(client, connection):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(items=("meubles",)), "test")
    answer = client.get("/api/enterprises?item=divan").get_json()
    assert [f["properties"]["name"] for f in answer["features"]] == ["Comptoir ouvert"]
    assert answer["numberMatched"] == 1 and answer["numberPaused"] == 1
    everything = client.get("/api/enterprises?item=divan&accepting=all").get_json()
    assert everything["numberMatched"] == 2 and everything["numberPaused"] == 0


def test_an_unknown_accepting_value_is_refused_in_french(client):
    response = client.get("/api/enterprises?accepting=toujours")
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "status": 400,
        "parameter": "accepting",
        "message": "Paramètre « accepting » invalide : now (par défaut : les lieux en pause sont exclus) "
        "ou all attendu.",
    }


def test_the_openapi_document_describes_accepting(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["components"]["parameters"]["accepting"]["schema"]["enum"] == ["now", "all"]
    properties = spec["components"]["schemas"]["Enterprise"]["properties"]["properties"]["properties"]
    assert "accepting" in properties
    assert "numberPaused" in spec["components"]["schemas"]["EnterpriseCollection"]["properties"]


def test_a_pause_changes_the_api_etag(client, connection):
    paused, _open = furniture_places(connection)
    before = client.get("/api/enterprises?item=meubles").headers["ETag"]
    set_pause(connection, paused, Pause(items=("meubles",)), "test")
    assert client.get("/api/enterprises?item=meubles").headers["ETag"] != before


def owner_page(client, app, enterprise: int) -> tuple[str, str, str]:
    """The owner's link, its page and the page's CSRF token."""
    token = link_signer(app.config["SECRET_KEY"]).dumps(enterprise)
    page = client.get(f"/proprietaire/{token}").get_data(as_text=True)
    return token, page, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_owner_pauses_furniture_from_the_link_and_lifts_it(client, connection, app):
    paused, _open = furniture_places(connection)
    token, page, csrf = owner_page(client, app, paused)
    assert "Accepte en ce moment" in page
    until = (local_today() + timedelta(days=9)).isoformat()
    response = client.post(
        f"/proprietaire/{token}/pause",
        data={
            "csrf_token": csrf,
            "items": "meubles",
            "until": until,
            "message": "Plus de meubles <b>svp</b>",
        },
    )
    assert response.status_code == 302
    stored = connection.execute(
        text(
            "SELECT items, until::text, message, created_by FROM enterprise_pause WHERE enterprise_id = :id"
        ),
        {"id": paused},
    ).one()
    assert tuple(stored) == (
        ["meubles"],
        until,
        "Plus de meubles <b>svp</b>",
        f"owner:{paused} (lien courriel)",
    )
    shown = client.get(f"/proprietaire/{token}").get_data(as_text=True)
    assert "Plus de meubles &lt;b&gt;svp&lt;/b&gt;" in shown and "<b>svp" not in shown
    client.post(f"/proprietaire/{token}/reprise", data={"csrf_token": csrf})
    assert (
        connection.execute(
            text("SELECT removed_by FROM enterprise_pause WHERE enterprise_id = :id"), {"id": paused}
        ).scalar()
        == f"owner:{paused} (lien courriel)"
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"items": "meubles", "until": "2020-01-01"}, "until", "La date de fin (2020-01-01) est passée"),
        ({"until": ""}, "items", "Choisissez au moins une catégorie d&#39;objets ou un secteur"),
        (
            {"items": "meubles", "message": "x" * 141},
            "message",
            "Message trop long (141 caractères ; au plus 140).",
        ),
    ],
)
def test_a_bad_pause_gets_a_french_message_naming_its_field(client, connection, app, fields, field, message):
    paused, _open = furniture_places(connection)
    token, _page, csrf = owner_page(client, app, paused)
    response = client.post(f"/proprietaire/{token}/pause", data={"csrf_token": csrf, **fields})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert re.search(rf'id="e-pause-{field}">[^<]*{re.escape(message[:20])}', page)
    assert connection.execute(text("SELECT count(*) FROM enterprise_pause")).scalar() == 0


def test_a_pause_without_the_csrf_token_is_refused(client, connection, app):
    paused, _open = furniture_places(connection)
    token, _page, _csrf = owner_page(client, app, paused)
    response = client.post(f"/proprietaire/{token}/pause", data={"items": "meubles"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def test_staff_pause_and_lift_from_the_edit_page_and_see_it_in_the_history(client, connection):
    accounts.create_user(connection, "admin@exemple.org", PASSWORD, "admin")
    paused, _open = furniture_places(connection)
    sign_in(client, "admin@exemple.org")
    edit = client.get(f"/admin/entreprises/{paused}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', edit).group(1)
    response = client.post(
        f"/admin/entreprises/{paused}/pause",
        data={"csrf_token": csrf, "items": ["meubles", "livres"], "message": "Entrepôt plein"},
    )
    assert response.status_code == 302
    assert "Entrepôt plein" in client.get(f"/admin/entreprises/{paused}").get_data(as_text=True)
    bad = client.post(f"/admin/entreprises/{paused}/pause", data={"csrf_token": csrf, "items": "velos"})
    assert bad.status_code == 400 and "velos" in bad.get_data(as_text=True)
    client.post(f"/admin/entreprises/{paused}/reprise", data={"csrf_token": csrf})
    history = client.get(f"/admin/entreprises/{paused}/historique").get_data(as_text=True)
    assert "mise en pause" in history and "pause levée" in history and "Entrepôt plein" in history


def test_the_enterprise_page_and_the_embed_list_show_the_pause(client, connection):
    paused, _open = furniture_places(connection)
    set_pause(connection, paused, Pause(items=("meubles",), message="Plus de meubles"), "test")
    page = client.get(f"/entreprises/{paused}").get_data(as_text=True)
    assert 'id="pause-note"' in page and "Plus de meubles" in page and "jusqu'à nouvel ordre" in page
    embed = client.get("/embed?view=list&accepting=all&item=meubles").get_data(as_text=True)
    assert "En pause : Meubles" in embed and "Plus de meubles" in embed


def test_the_pause_form_reasons_are_the_core_ones_in_french_and_translated_in_english(app):
    with app.test_request_context("/?lang=fr"):
        assert reasons() == REASONS
    with app.test_request_context("/?lang=en"):
        english = reasons()
    assert (
        english["past_date"] % {"date": "2020-01-01"}
        == "The end date (2020-01-01) is past: choose today or later."
    )
    assert set(english) == set(REASONS) and all(english[code] != REASONS[code] for code in REASONS)


def test_the_export_command_leaves_paused_places_out_unless_accepting_all(database_url, engine):
    with engine.begin() as connection:
        paused = insert_enterprise(connection, source="pause-export", name="Exportée en pause", mrc_code="29")
        set_pause(connection, paused, Pause(items=("meubles",)), "test")
    try:
        args = ("export", "--format", "geojson", "--mrc", "29", "--item", "meubles")
        names = lambda result: [f["properties"]["name"] for f in json.loads(result.stdout)["features"]]  # noqa: E731
        assert "Exportée en pause" not in names(carte_command(database_url, *args))
        assert "Exportée en pause" in names(carte_command(database_url, *args, "--accepting", "all"))
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM enterprise WHERE source = 'pause-export'"))
