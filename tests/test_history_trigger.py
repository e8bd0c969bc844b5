"""The history trigger of migration 0013 records exactly what 0009's recorded, on a real PostGIS."""

from __future__ import annotations

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.helpers import insert_enterprise, migration

#: Text full of what JSON must escape or keep: quotes, backslashes, control characters, unicode.
AWKWARD = 'Café « L\'Écho » "100 %" \\ C:\\dossier\\ \n\t\x01 ✓ 🎉 日本 \u2028 ;--'


def record_also_with_0009(connection: Connection) -> None:
    """Make 0009's function record every change of `enterprise` into the temporary table revision_0009."""
    connection.execute(
        text(
            "CREATE TEMPORARY TABLE revision_0009 (id bigserial, enterprise_id bigint, actor text, "
            "import_batch_id bigint, kind text, changes jsonb) ON COMMIT DROP"
        )
    )
    function = (
        migration("0009_history_by_column.py")
        .history_function()
        .replace("carte_record_enterprise_history()", "carte_record_enterprise_history_0009()")
        .replace("INSERT INTO enterprise_revision", "INSERT INTO revision_0009")
    )
    connection.execute(text(function))
    connection.execute(
        text("""CREATE TRIGGER history_0009_insert AFTER INSERT ON enterprise REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION carte_record_enterprise_history_0009()""")
    )
    connection.execute(
        text("""CREATE TRIGGER history_0009_update AFTER UPDATE ON enterprise
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION carte_record_enterprise_history_0009()""")
    )


def revisions(connection: Connection, table: str, ids: list[int], after: int = 0) -> list[tuple]:
    """The revisions of some enterprises written after a revision id, in order, changes as jsonb's text."""
    return [
        tuple(row)
        for row in connection.execute(
            text(
                f"SELECT enterprise_id, actor, import_batch_id, kind, changes::text FROM {table} "
                "WHERE enterprise_id = ANY(:ids) AND id > :after ORDER BY id"
            ),
            {"ids": ids, "after": after},
        )
    ]


def varied_enterprises(connection: Connection) -> list[int]:
    """Enterprises covering every column type, NULLs, empty arrays, awkward text and points."""
    first = insert_enterprise(connection, name=AWKWARD, description="", neq="1234567890", email="a@b.c")
    return [
        first,
        insert_enterprise(
            connection,
            source=AWKWARD,
            external_id='ext-"1"',
            street=None,
            municipality_name=None,
            postal_code=None,
            sectors=[],
            items=[],
            services=[],
            flags=["à vérifier", AWKWARD, "", None],
            geocode_precision=None,
            geocode_source=None,
            mrc_code=None,
            municipality_code=None,
            published=False,
            merged_into=first,
            lon=-79.123456789012345,
            lat=62.987654321098765,
        ),
        insert_enterprise(
            connection,
            address_line2="Local 2\\B",
            phone="+14185550100",
            website="https://exemple.org/a?b=1&c='2'",
            opening_hours="lu-ve 9:00-17:00",
            services=["collecte", "livraison"],
            contact_person="Zoë O'Brien",
            internal_notes="« notes »\r\n\\",
            lon=-64.5,
            lat=48,
        ),
    ]


def without_point(connection: Connection, enterprise: int) -> None:
    """Remove an enterprise's point (insert_enterprise always gives one)."""
    connection.execute(text("UPDATE enterprise SET point = NULL WHERE id = :id"), {"id": enterprise})


def test_creations_record_the_same_changes_as_0009(connection):
    record_also_with_0009(connection)
    ids = varied_enterprises(connection)
    connection.execute(
        text("""INSERT INTO enterprise (source, source_key, name, description, sectors, items, services, flags)
                VALUES ('test', 'sans-point', 'Sans point', NULL, '{}', '{friperie}', '{}', '{}')""")
    )
    ids += (
        connection.execute(text("SELECT id FROM enterprise WHERE source_key = 'sans-point'")).scalars().all()
    )
    assert revisions(connection, "enterprise_revision", ids) == revisions(connection, "revision_0009", ids)


def test_updates_record_the_same_changes_as_0009(connection):
    ids = varied_enterprises(connection)
    before = connection.execute(text("SELECT max(id) FROM enterprise_revision")).scalar_one()
    record_also_with_0009(connection)
    without_point(connection, ids[2])
    connection.execute(text("SELECT set_config('carte.actor', 'user:7 ana@exemple.org', true)"))
    connection.execute(
        text("""UPDATE enterprise SET name = name || ' ✓ \\ "', description = NULL, phone = :awkward,
                sectors = '{}', items = array_append(items, 'vélos'), flags = '{}', published = NOT published,
                merged_into = NULL, mrc_code = NULL, municipality_code = NULL, geocode_precision = 'manual',
                point = ST_Translate(point, 0.000000000000001, -0.25)
                WHERE id = ANY(:ids)"""),
        {"ids": ids, "awkward": AWKWARD},
    )
    connection.execute(text("UPDATE enterprise SET name = name WHERE id = ANY(:ids)"), {"ids": ids})
    connection.execute(
        text("UPDATE enterprise SET point = ST_SetSRID(ST_MakePoint(-70.1, 46.2), 4326) WHERE id = :id"),
        {"id": ids[2]},
    )
    assert revisions(connection, "enterprise_revision", ids, before) == revisions(
        connection, "revision_0009", ids
    )


def installed_function(connection: Connection) -> str:
    """The body of the history function the database runs."""
    return connection.execute(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'carte_record_enterprise_history'")
    ).scalar_one()


def test_downgrading_0013_brings_back_0009s_function(connection):
    new, old = migration("0013_cheap_history_trigger.py"), migration("0009_history_by_column.py")
    assert installed_function(connection).strip() in new.history_function()
    with Operations.context(MigrationContext.configure(connection)):
        new.downgrade()
    assert installed_function(connection).strip() in old.history_function()
