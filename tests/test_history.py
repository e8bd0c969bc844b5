"""The change history written by the database and reverting an import."""

from __future__ import annotations

from sqlalchemy import text

from carte.staff.history import enterprise_history, revert_import
from carte.store.actor import set_actor
from tests.helpers import insert_enterprise, migration


def new_batch(connection) -> int:
    """An import batch row."""
    return connection.execute(
        text(
            "INSERT INTO import_batch (source, file_name, checksum) "
            "VALUES ('test', 'liste.csv', 'x') RETURNING id"
        )
    ).scalar_one()


def import_update(connection, batch: int, enterprise_id: int, **values) -> None:
    """Change an enterprise the way an import does: inside a batch."""
    connection.execute(text("SELECT set_config('carte.import_batch', :b, true)"), {"b": str(batch)})
    assignments = ", ".join(f"{k} = :{k}" for k in values)
    connection.execute(
        text(f"UPDATE enterprise SET {assignments}, last_import_id = :b WHERE id = :id"),
        {**values, "b": batch, "id": enterprise_id},
    )
    connection.execute(text("SELECT set_config('carte.import_batch', '', true)"))


def test_an_update_that_changes_nothing_leaves_no_history(connection):
    enterprise = insert_enterprise(connection, name="Friperie")
    connection.execute(text("UPDATE enterprise SET name = 'Friperie' WHERE id = :id"), {"id": enterprise})
    assert [r["kind"] for r in enterprise_history(connection, enterprise)] == ["create"]


def test_history_names_who_changed_which_field_from_what_to_what(connection):
    enterprise = insert_enterprise(connection, name="Friperie")
    set_actor(connection, "user:7 ana@exemple.org")
    connection.execute(text("UPDATE enterprise SET name = 'Friperie Ana' WHERE id = :id"), {"id": enterprise})
    latest = enterprise_history(connection, enterprise)[0]
    assert latest["actor"] == "user:7 ana@exemple.org" and latest["kind"] == "edit"
    assert latest["changes"] == {"name": ["Friperie", "Friperie Ana"]}


def test_reverting_an_import_restores_old_values_and_point(connection):
    enterprise = insert_enterprise(connection, name="Ressourcerie", lon=-70.66, lat=46.11)
    batch = new_batch(connection)
    connection.execute(text("SELECT set_config('carte.import_batch', :b, true)"), {"b": str(batch)})
    connection.execute(
        text("""UPDATE enterprise SET name = 'Ressourcerie importée', items = '{livres}',
        point = ST_SetSRID(ST_MakePoint(-71.2, 46.8), 4326), last_import_id = :b WHERE id = :id"""),
        {"b": batch, "id": enterprise},
    )
    connection.execute(text("SELECT set_config('carte.import_batch', '', true)"))
    result = revert_import(connection, batch, "user:1 admin@exemple.org")
    row = connection.execute(
        text("SELECT name, items, ST_X(point), ST_Y(point) FROM enterprise WHERE id = :id"),
        {"id": enterprise},
    ).one()
    assert result.restored == 1 and result.conflicts == 0
    assert tuple(row) == ("Ressourcerie", ["meubles"], -70.66, 46.11)
    assert enterprise_history(connection, enterprise)[0]["kind"] == "revert"


def test_reverting_an_import_unpublishes_what_it_created_and_deletes_nothing(connection):
    batch = new_batch(connection)
    connection.execute(text("SELECT set_config('carte.import_batch', :b, true)"), {"b": str(batch)})
    created = insert_enterprise(connection, name="Nouvelle", last_import_id=batch)
    connection.execute(text("SELECT set_config('carte.import_batch', '', true)"))
    result = revert_import(connection, batch, "user:1 admin@exemple.org")
    assert result.unpublished == 1
    assert (
        connection.execute(text("SELECT published FROM enterprise WHERE id = :id"), {"id": created}).scalar()
        is False
    )


def test_reverting_keeps_a_later_staff_edit(connection):
    enterprise = insert_enterprise(connection, name="Comptoir", phone="+14185550100")
    batch = new_batch(connection)
    import_update(connection, batch, enterprise, name="Comptoir importé", phone="+14185550111")
    set_actor(connection, "user:2 bob@exemple.org")
    connection.execute(
        text("UPDATE enterprise SET name = 'Comptoir corrigé' WHERE id = :id"), {"id": enterprise}
    )
    result = revert_import(connection, batch, "user:1 admin@exemple.org")
    row = connection.execute(
        text("SELECT name, phone FROM enterprise WHERE id = :id"), {"id": enterprise}
    ).one()
    assert tuple(row) == ("Comptoir corrigé", "+14185550100")
    assert result.conflicts == 1


def test_every_enterprise_column_is_either_recorded_or_deliberately_ignored(connection):
    """A column added later must be named in the history trigger's lists (migration 0009) or be ignored there."""
    history_by_column = migration("0009_history_by_column.py")
    columns = set(
        connection.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'enterprise'")
        ).scalars()
    )
    assert columns == set(history_by_column.TRACKED) | set(history_by_column.IGNORED)


def test_a_creation_records_every_filled_field_and_leaves_out_empty_ones(connection):
    enterprise = insert_enterprise(connection, name="Friperie", description=None, services=[])
    (created,) = enterprise_history(connection, enterprise)
    assert created["changes"]["name"] == [None, "Friperie"]
    assert created["changes"]["sectors"] == [None, ["ressourcerie"]]
    assert created["changes"]["point"][1]["coordinates"] == [-70.6656, 46.1185]
    assert "description" not in created["changes"] and "services" not in created["changes"]
    assert "name_folded" not in created["changes"] and "created_at" not in created["changes"]
