"""Duplicate enterprises: found by PostGIS, merged or kept apart by staff, history kept."""

from __future__ import annotations

from sqlalchemy import text

from carte.staff.duplicates import candidates, decide, find_candidates, merge
from tests.helpers import PASSWORD, insert_enterprise, sign_in, token_of


def pair_ids(connection) -> set[tuple[int, int]]:
    """The candidate pairs recorded."""
    return {(p["first_id"], p["second_id"]) for p in candidates(connection, None)}


def test_similar_names_close_together_are_candidates(connection):
    a = insert_enterprise(connection, name="Ressourcerie de la Beauce", lon=-70.6656, lat=46.1185)
    b = insert_enterprise(connection, name="RESSOURCERIE DE BEAUCE", lon=-70.6660, lat=46.1190)
    find_candidates(connection, [a, b])
    assert (min(a, b), max(a, b)) in pair_ids(connection)


def test_similar_names_far_apart_are_not(connection):
    a = insert_enterprise(connection, name="Friperie Saint-Vincent", lon=-70.6656, lat=46.1185)
    b = insert_enterprise(connection, name="Friperie Saint-Vincent", lon=-73.57, lat=45.50)
    find_candidates(connection, [a, b])
    assert (min(a, b), max(a, b)) not in pair_ids(connection)


def test_the_same_neq_or_phone_makes_a_candidate_whatever_the_name(connection):
    a = insert_enterprise(connection, name="Coop A", neq="1140139735", lon=-70.6, lat=46.1)
    b = insert_enterprise(connection, name="Autre nom", neq="1140139735", lon=-73.5, lat=45.5)
    c = insert_enterprise(connection, name="Troisième", phone="+14185550100")
    d = insert_enterprise(connection, name="Quatrième", phone="+14185550100", lon=-72.0, lat=46.5)
    find_candidates(connection, None)
    pairs = {(p["first_id"], p["second_id"]): p["reasons"] for p in candidates(connection, None)}
    assert pairs[(a, b)] == ["neq"] and pairs[(c, d)] == ["téléphone"]


def test_a_pair_marked_distinct_is_not_proposed_again(connection):
    a = insert_enterprise(connection, name="Comptoir familial", neq="1111111111")
    b = insert_enterprise(connection, name="Comptoir familial", neq="1111111111")
    find_candidates(connection, None)
    decide(connection, a, b, "distinct", "user:1 admin@exemple.org")
    find_candidates(connection, None)
    assert (a, b) not in pair_ids(connection)


def test_merging_fills_gaps_unites_items_and_keeps_both_records(connection):
    keep = insert_enterprise(
        connection, name="Ressourcerie", items=["meubles"], phone=None, source="req", neq="2222222222"
    )
    drop = insert_enterprise(
        connection,
        name="Ressourcerie",
        items=["livres"],
        phone="+14185550100",
        neq="2222222222",
        source="exemple",
    )
    find_candidates(connection, None)
    merge(connection, keep, drop, "user:1 admin@exemple.org")
    kept = connection.execute(text("SELECT items, phone FROM enterprise WHERE id = :id"), {"id": keep}).one()
    dropped = connection.execute(
        text("SELECT merged_into, published, source, neq FROM enterprise WHERE id = :id"), {"id": drop}
    ).one()
    assert tuple(kept) == (["livres", "meubles"], "+14185550100")
    assert tuple(dropped) == (keep, False, "exemple", "2222222222")
    kinds = (
        connection.execute(
            text("SELECT kind FROM enterprise_revision WHERE enterprise_id = :id ORDER BY id"), {"id": keep}
        )
        .scalars()
        .all()
    )
    assert kinds[-1] == "merge"


def test_merging_through_the_back_office_needs_rights_on_both_sides(client, connection, app):
    from carte.staff import accounts

    app.config["SESSION_COOKIE_SECURE"] = False
    accounts.create_user(connection, "beauce@exemple.org", PASSWORD, "editor", ["29"])
    a = insert_enterprise(connection, name="Même lieu", neq="3333333333", mrc_code="29")
    b = insert_enterprise(connection, name="Même lieu", neq="3333333333", mrc_code="66")
    find_candidates(connection, None)
    sign_in(client, "beauce@exemple.org")
    response = client.post(
        f"/admin/doublons/{a}-{b}", data={"csrf_token": token_of(client, "/admin/"), "action": "keep-first"}
    )
    assert response.status_code == 403
    assert (
        connection.execute(text("SELECT merged_into FROM enterprise WHERE id = :id"), {"id": b}).scalar()
        is None
    )


def test_the_page_of_a_merged_duplicate_sends_visitors_to_the_kept_one(client, connection):
    keep = insert_enterprise(connection, name="Gardée", neq="4444444444")
    drop = insert_enterprise(connection, name="Gardée", neq="4444444444")
    find_candidates(connection, [keep, drop])
    merge(connection, keep, drop, "user:1 admin@exemple.org")
    response = client.get(f"/entreprises/{drop}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/entreprises/{keep}")


def test_an_import_looks_for_duplicates_of_what_it_creates(connection, tmp_path):
    from carte.geo.geocoding import Chain
    from carte.ingest.pipeline import IngestOptions, ingest_file

    insert_enterprise(connection, name="Ressourcerie Beauce-Sartigan", neq="1171234567")
    listing = tmp_path / "liste.csv"
    listing.write_text(
        "nom,neq,code postal,ville\nRecyclerie de la Chaudière,1171234567,G5Y 1L3,Saint-Georges\n",
        encoding="utf-8",
    )
    result = ingest_file(
        connection, listing, IngestOptions(source="doublons", chain=Chain(online=(), offline=True))
    )
    assert result.duplicates.added >= 1 and result.duplicates.pending >= 1
    assert any(p["reasons"] == ["neq"] for p in candidates(connection, None))


def test_a_proposed_place_shows_similar_entries_to_the_moderator(client, connection, app):
    import re

    from carte.staff import accounts

    app.config.update(SESSION_COOKIE_SECURE=False, SUGGESTION_MIN_SECONDS=0)
    existing = insert_enterprise(connection, name="Ressourcerie de Beauce")
    accounts.create_user(connection, "admin@exemple.org", PASSWORD, "admin")
    page = client.get("/suggestions/ajouter").get_data(as_text=True)
    tokens = {
        n: re.search(rf'name="{n}" value="([^"]+)"', page).group(1) for n in ("csrf_token", "form_token")
    }
    client.post(
        "/suggestions/ajouter",
        data={
            **tokens,
            "name": "Ressourcerie Beauce",
            "postal_code": "G5Y 1L3",
            "municipality_name": "Saint-Georges",
        },
    )
    suggestion_id = connection.execute(text("SELECT id FROM suggestion")).scalar()
    sign_in(client, "admin@exemple.org")
    detail = client.get(f"/admin/suggestions/{suggestion_id}").get_data(as_text=True)
    assert "Fiches semblables" in detail and f"/admin/entreprises/{existing}" in detail
