"""The ingest against the real PostGIS, each test inside the rolled-back `connection` transaction."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.config import load_config
from carte.geo.geocoding import Address, OfflineGeocoder
from carte.ingest.pipeline import IngestOptions, ingest_file
from carte.ingest.report import write_report
from tests.helpers import insert_enterprise
from tests.ingest_files import HEADER_FR, messy_rows, write_csv, write_xlsx

REGISTRAIRE = Path(load_config()["GEODATA_DIR"]) / "req_mauricie_coops_npo.csv"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_enterprises.csv"


def enterprises(connection: Connection, source: str = "test-ingest") -> dict[str, dict]:
    """The enterprises of a source by external id."""
    rows = connection.execute(
        text("""
        SELECT *, ST_Y(point) AS lat, ST_X(point) AS lon FROM enterprise WHERE source = :s"""),
        {"s": source},
    ).mappings()
    return {row["external_id"] or row["source_key"]: dict(row) for row in rows}


def snapshot(connection: Connection) -> list:
    """Everything an ingest may touch, to compare before and after."""
    return [
        connection.execute(text(sql)).all()
        for sql in (
            "SELECT e.*, ST_AsText(point) FROM enterprise e ORDER BY id",
            "SELECT count(*) FROM import_batch",
            "SELECT count(*) FROM import_issue",
            "SELECT * FROM geocode_cache ORDER BY key",
        )
    ]


@pytest.fixture()
def messy_csv(tmp_path: Path) -> Path:
    """The messy list as French Excel saves it: semicolons, Windows-1252."""
    return write_csv(tmp_path / "liste.csv", messy_rows(), delimiter=";", encoding="cp1252")


def test_a_messy_list_is_cleaned_geocoded_and_attached_to_its_mrc(connection, messy_csv):
    """Abbreviated towns, postal code variants and formulas end up clean and in the right MRC."""
    result = ingest_file(connection, messy_csv, IngestOptions(source="test-ingest"))
    rows = enterprises(connection)
    assert rows["A1"]["municipality_name"] == "Saint-Georges" and rows["A1"]["mrc_code"] == "29"
    assert rows["A1"]["postal_code"] == "G5Y 1L3" and rows["A1"]["phone"] == "+14185550101"
    assert rows["A1"]["items"] == ["meubles", "electromenagers"]
    assert rows["A1"]["services"] == ["collecte_domicile"]
    assert rows["A1"]["opening_hours"] == "Mo-Fr 09:00-17:00"
    assert rows["A2"]["municipality_name"] == "Sainte-Marie" and rows["A2"]["mrc_code"] == "26"
    assert rows["A2"]["street"] == "12 boul. Vachon Nord" and rows["A2"]["address_line2"] == "C.P. 45"
    assert rows["A3"]["postal_code"] == "G6V 4J8" and rows["A3"]["mrc_code"] == "251"
    assert rows["A3"]["phone"] is None
    assert {r["geocode_precision"] for r in rows.values()} == {"postal_code"}
    assert result.summary()["rejected"] == 3


def test_rejected_and_doubtful_rows_are_reported_with_their_reason(connection, messy_csv):
    """No name, a duplicate key and a formula as name are rejected; an unknown item is reported."""
    result = ingest_file(connection, messy_csv, IngestOptions(source="test-ingest"))
    by_line = {o.line: o for o in result.outcomes}
    assert [by_line[n].status for n in (5, 6, 7)] == ["rejected"] * 3
    assert "nom absent" in by_line[5].reasons[0]
    assert "doublon de la ligne 2" in by_line[6].reasons[-1]
    assert any("trucs bizarres" in reason for reason in by_line[4].reasons)
    stored = connection.execute(
        text("SELECT line, reason FROM import_issue WHERE batch_id = :b"), {"b": result.batch_id}
    ).all()
    assert {line for line, _ in stored} >= {4, 5, 6, 7}


def test_reimporting_the_same_file_changes_nothing(connection, messy_csv):
    """Second run: 0 inserted, 0 updated, updated_at untouched."""
    first = ingest_file(connection, messy_csv, IngestOptions(source="test-ingest"))
    connection.execute(text("UPDATE enterprise SET updated_at = '2020-01-01' WHERE source = 'test-ingest'"))
    second = ingest_file(connection, messy_csv, IngestOptions(source="test-ingest"))
    assert first.summary()["inserted"] == 3
    assert second.summary() | {"precision": None} == {
        "read": 6,
        "inserted": 0,
        "updated": 0,
        "unchanged": 3,
        "rejected": 3,
        "precision": None,
    }
    stamps = {r["updated_at"].year for r in enterprises(connection).values()}
    assert stamps == {2020}


def test_a_changed_row_is_updated_and_only_that_one(connection, tmp_path):
    """Changing one phone number updates one enterprise; the others stay unchanged."""
    rows = messy_rows()[:3]
    ingest_file(connection, write_csv(tmp_path / "a.csv", rows), IngestOptions(source="test-ingest"))
    rows[1][5] = "819 555-0199"
    result = ingest_file(connection, write_csv(tmp_path / "b.csv", rows), IngestOptions(source="test-ingest"))
    assert (result.counts["updated"], result.counts["unchanged"]) == (1, 2)
    assert enterprises(connection)["A2"]["phone"] == "+18195550199"


def test_a_dry_run_reports_the_same_counts_and_changes_nothing(connection, messy_csv, tmp_path):
    """Dry run and real run agree exactly, on a first load and on a changed second file."""
    before = snapshot(connection)
    dry = ingest_file(connection, messy_csv, IngestOptions(source="test-ingest", dry_run=True))
    assert snapshot(connection) == before
    real = ingest_file(connection, messy_csv, IngestOptions(source="test-ingest"))
    assert dry.summary() == real.summary()
    changed = messy_rows()
    changed[0][1] = "Ressourcerie renommée (test)"
    path = write_csv(tmp_path / "changed.csv", changed)
    before = snapshot(connection)
    dry = ingest_file(connection, path, IngestOptions(source="test-ingest", dry_run=True))
    assert snapshot(connection) == before
    assert dry.summary() == ingest_file(connection, path, IngestOptions(source="test-ingest")).summary()


def test_an_excel_file_loads_like_its_csv_twin(connection, tmp_path):
    """The same rows in .xlsx give the same counts and values as in CSV."""
    result = ingest_file(
        connection, write_xlsx(tmp_path / "l.xlsx", messy_rows()), IngestOptions(source="test-ingest")
    )
    assert result.summary()["inserted"] == 3
    assert enterprises(connection)["A1"]["mrc_code"] == "29"


def test_columns_absent_from_the_file_keep_their_stored_values(connection, tmp_path):
    """A list without contact or notes columns never erases what staff wrote there."""
    ingest_file(
        connection, write_csv(tmp_path / "a.csv", messy_rows()[:1]), IngestOptions(source="test-ingest")
    )
    connection.execute(
        text(
            "UPDATE enterprise SET internal_notes = 'à rappeler', contact_person = 'Line' "
            "WHERE source = 'test-ingest'"
        )
    )
    rows = messy_rows()[:1]
    rows[0][1] = "Nouveau nom (test)"
    ingest_file(connection, write_csv(tmp_path / "b.csv", rows), IngestOptions(source="test-ingest"))
    stored = enterprises(connection)["A1"]
    assert (stored["name"], stored["internal_notes"], stored["contact_person"]) == (
        "Nouveau nom (test)",
        "à rappeler",
        "Line",
    )


def test_enterprises_missing_from_a_new_file_are_reported_then_hidden_only_on_request(connection, tmp_path):
    """Never deleted: counted as missing, unpublished with --unpublish-missing, back when they return."""
    full = write_csv(tmp_path / "full.csv", messy_rows()[:3])
    partial = write_csv(tmp_path / "partial.csv", messy_rows()[:1])
    ingest_file(connection, full, IngestOptions(source="test-ingest"))
    reported = ingest_file(connection, partial, IngestOptions(source="test-ingest"))
    assert (reported.missing, reported.unpublished) == (2, 0)
    hidden = ingest_file(connection, partial, IngestOptions(source="test-ingest", unpublish_missing=True))
    rows = enterprises(connection)
    assert hidden.unpublished == 2 and len(rows) == 3
    assert [rows[k]["published"] for k in ("A1", "A2", "A3")] == [True, False, False]
    back = ingest_file(connection, full, IngestOptions(source="test-ingest"))
    assert back.counts["updated"] == 2 and all(r["published"] for r in enterprises(connection).values())


def test_only_the_enterprises_a_file_leaves_out_are_missing_whether_its_rows_are_same_changed_or_new(
    connection, tmp_path
):
    """A1 read again as it was, A2 changed, A9 new, A3 left out: A3 alone is missing and hidden,
    in a dry run as in a real one, and an enterprise of another source is never counted."""
    insert_enterprise(connection, source="autre", source_key="id:A3", name="Autre")
    ingest_file(
        connection, write_csv(tmp_path / "full.csv", messy_rows()[:3]), IngestOptions(source="test-ingest")
    )
    rows = messy_rows()[:2]
    rows[1][5] = "819 555-0199"
    rows.append(["A9", "Recyclerie nouvelle (test)", *messy_rows()[0][2:]])
    path = write_csv(tmp_path / "next.csv", rows)
    dry = ingest_file(
        connection, path, IngestOptions(source="test-ingest", unpublish_missing=True, dry_run=True)
    )
    real = ingest_file(connection, path, IngestOptions(source="test-ingest", unpublish_missing=True))
    assert [(r.counts["unchanged"], r.counts["updated"], r.counts["inserted"]) for r in (dry, real)] == [
        (1, 1, 1)
    ] * 2
    assert (dry.missing, real.missing, real.unpublished) == (1, 1, 1)
    assert {key: row["published"] for key, row in enterprises(connection).items()} == {
        "A1": True,
        "A2": True,
        "A3": False,
        "A9": True,
    }


def test_other_sources_are_never_touched(connection, messy_csv):
    """An enterprise of another source with the same key stays as it was."""
    other = insert_enterprise(connection, source="autre", source_key="id:A1", name="Autre")
    ingest_file(connection, messy_csv, IngestOptions(source="test-ingest", unpublish_missing=True))
    assert connection.execute(
        text("SELECT name, published FROM enterprise WHERE id = :i"), {"i": other}
    ).one() == ("Autre", True)


def test_coordinates_in_the_file_win_and_points_outside_every_mrc_take_the_nearest(connection, tmp_path):
    """File coordinates are 'manual'; a point just outside every polygon gets the nearest MRC, flagged."""
    header = ["Identifiant", "Nom", "Ville", "Latitude", "Longitude"]
    rows = [
        ["C1", "Sur la terre (test)", "Saint-Georges", "46.1185", "-70.6656"],
        ["C2", "Juste au-delà de la frontière (test)", "", "44.99", "-72.0"],
    ]
    result = ingest_file(
        connection, write_csv(tmp_path / "c.csv", rows, header), IngestOptions(source="test-ingest")
    )
    stored = enterprises(connection)
    assert stored["C1"]["geocode_precision"] == "manual" and stored["C1"]["mrc_code"] == "29"
    assert stored["C2"]["mrc_code"] == "44" and "mrc_nearest" in stored["C2"]["flags"]
    assert result.precision["manual"] == 2


def test_a_postal_code_far_from_the_stated_municipality_gives_way_to_the_municipality(connection, tmp_path):
    """A Lévis postal code for an enterprise in Saint-Georges: placed in Saint-Georges, reported."""
    rows = [["D1", "Mauvais code (test)", "1 rue A", "Saint-Georges", "G6V 4J8"] + [""] * 7]
    result = ingest_file(connection, write_csv(tmp_path / "d.csv", rows), IngestOptions(source="test-ingest"))
    stored = enterprises(connection)["D1"]
    assert (stored["geocode_precision"], stored["mrc_code"]) == ("municipality", "29")
    assert "code postal loin" in result.outcomes[0].reasons[-1]


def test_rows_without_a_postal_code_fall_back_to_the_municipality_then_the_fsa(connection, tmp_path):
    """No postal code: the municipality's point; an unknown code of a known FSA: the FSA centroid."""
    rows = [
        ["E1", "Sans code (test)", "1 rue A", "Beauceville", ""] + [""] * 7,
        ["E2", "Code inconnu (test)", "1 rue A", "Ville inventée", "G5Y 9Z9"] + [""] * 7,
    ]
    ingest_file(connection, write_csv(tmp_path / "e.csv", rows), IngestOptions(source="test-ingest"))
    stored = enterprises(connection)
    assert (stored["E1"]["geocode_precision"], stored["E1"]["mrc_code"]) == ("municipality", "27")
    assert stored["E2"]["geocode_precision"] == "fsa" and stored["E2"]["point"] is not None


def test_the_registraire_list_places_at_least_98_percent_and_reports_the_rest(connection, tmp_path):
    """The real Mauricie export: ≥ 98 % on the map, in an MRC; the report has a line per row."""
    result = ingest_file(connection, REGISTRAIRE, IngestOptions(source="req"))
    placed = connection.execute(
        text(
            "SELECT count(*) FROM enterprise WHERE source = 'req' AND point IS NOT NULL AND mrc_code IS NOT NULL"
        )
    ).scalar_one()
    assert placed >= 0.98 * result.counts["read"]
    report = tmp_path / "rapport.csv"
    write_report(result, report)
    with open(report, encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert len(lines) == result.counts["read"] + 1
    unplaced = [line for line in lines[1:] if line[2] == "rejected" or not line[4]]
    assert all(line[7] for line in unplaced)


def test_the_sample_list_covers_the_whole_vocabulary_at_postal_code_precision(connection):
    """The fictitious sample: every sector, item and service, placed offline, several regions."""
    result = ingest_file(connection, SAMPLE, IngestOptions(source="exemple"))
    assert result.summary()["rejected"] == 0
    assert set(result.precision) == {"manual", "postal_code"}
    used = connection.execute(
        text("""
        SELECT (SELECT count(DISTINCT s) FROM enterprise, unnest(sectors) s WHERE source = 'exemple'),
               (SELECT count(DISTINCT i) FROM enterprise, unnest(items) i WHERE source = 'exemple'),
               (SELECT count(DISTINCT v) FROM enterprise, unnest(services) v WHERE source = 'exemple'),
               (SELECT count(DISTINCT m.region_code) FROM enterprise e JOIN mrc m ON m.code = e.mrc_code
                WHERE source = 'exemple')""")
    ).one()
    totals = connection.execute(
        text(
            "SELECT (SELECT count(*) FROM sector), (SELECT count(*) FROM item_category), "
            "(SELECT count(*) FROM service)"
        )
    ).one()
    assert tuple(used[:3]) == tuple(totals) and used[3] >= 5


def test_the_report_neutralises_cells_a_spreadsheet_would_run(connection, messy_csv, tmp_path):
    """A reason quoting `=1+1` is written so Excel shows it as text."""
    result = ingest_file(connection, messy_csv, IngestOptions(source="test-ingest"))
    result.outcomes[0].external_id = "=cmd|' /C calc'!A0"
    write_report(result, tmp_path / "r.csv")
    content = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert ";'=cmd" in content and ";=cmd" not in content


def test_the_same_rows_read_differently_are_compared_value_by_value_and_left_unchanged(connection, tmp_path):
    """Columns in another order (so every row is cleaned again): still 0 inserted, 0 updated."""
    rows = messy_rows()[:3]
    ingest_file(connection, write_csv(tmp_path / "a.csv", rows), IngestOptions(source="test-ingest"))
    order = [1, 0, 3, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    header = [HEADER_FR[i] for i in order]
    shuffled = write_csv(tmp_path / "b.csv", [[row[i] for i in order] for row in rows], header)
    again = ingest_file(connection, shuffled, IngestOptions(source="test-ingest"))
    assert (again.counts["inserted"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 3)


def test_the_offline_geocoder_places_one_address_through_the_same_chain(connection):
    """The port's offline adapter: postal code first, the municipality without one, else not found."""
    geocoder = OfflineGeocoder(connection)
    by_postal_code = geocoder.geocode(Address("1 rue A", "St-Georges", "G5Y 1L3"))
    by_town = geocoder.geocode(Address(None, "Beauceville", None))
    assert (by_postal_code.status, by_postal_code.precision) == ("found", "postal_code")
    assert (by_town.status, by_town.precision) == ("found", "municipality")
    assert geocoder.geocode(Address(None, "Nulle part", None)).status == "not_found"


def test_a_row_that_cannot_be_placed_is_kept_unpublished_and_the_batch_records_the_counts(
    connection, tmp_path
):
    """Nothing lost: an unplaceable row is stored hidden and reported; import_batch holds the counts."""
    header = ["Nom", "Ville", "Code postal"]
    rows = [["Quelque part (test)", "Ville inventée", ""], ["Placée (test)", "Lévis", "G6V 4J8"]]
    result = ingest_file(
        connection, write_csv(tmp_path / "u.csv", rows, header), IngestOptions(source="test-ingest")
    )
    stored = {r["name"]: r for r in enterprises(connection).values()}
    lost = stored["Quelque part (test)"]
    assert (lost["point"], lost["published"], "unplaced" in lost["flags"]) == (None, False, True)
    assert stored["Placée (test)"]["published"] is True
    assert any("non placée" in reason for reason in result.outcomes[0].reasons)
    counts = connection.execute(
        text("SELECT counts FROM import_batch WHERE id = :b"), {"b": result.batch_id}
    ).scalar_one()
    assert {k: counts[k] for k in result.summary()} == result.summary()


def test_a_list_staged_in_many_small_chunks_loads_like_one_staged_at_once(connection, messy_csv, monkeypatch):
    """Rows are cleaned and handed to the database chunk by chunk, the database work of one chunk beside
    the cleaning of the next: the outcome, the stored enterprises and their history do not depend on it."""
    from carte.ingest import pipeline

    def stored() -> list[tuple]:
        return [
            tuple(row)
            for row in connection.execute(
                text("""
                SELECT e.source_key, e.name, e.street, e.postal_code, e.mrc_code, e.geocode_precision,
                       e.flags, e.published, ST_AsText(e.point), r.kind, r.changes::text
                FROM enterprise e JOIN enterprise_revision r ON r.enterprise_id = e.id
                WHERE e.source = 'test-ingest' ORDER BY e.id""")
            )
        ]

    def run(dry_run: bool) -> tuple:
        savepoint = connection.begin_nested()
        result = ingest_file(connection, messy_csv, IngestOptions(source="test-ingest", dry_run=dry_run))
        rows = stored()
        savepoint.rollback()
        return result, rows

    whole, whole_rows = run(dry_run=False)
    monkeypatch.setattr(pipeline, "chunk_rows", lambda lines: 2)
    chunked, chunked_rows = run(dry_run=False)
    previewed, _ = run(dry_run=True)
    assert chunked.summary() == whole.summary() == previewed.summary() and chunked.summary()["inserted"] > 2
    assert [(o.line, o.status, o.mrc_code, o.reasons) for o in chunked.outcomes] == [
        (o.line, o.status, o.mrc_code, o.reasons) for o in whole.outcomes
    ]
    assert chunked_rows == whole_rows and len(whole_rows) == whole.summary()["inserted"]
