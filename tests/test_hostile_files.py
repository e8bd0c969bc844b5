"""Hostile files through `read_table`, the web import and `carte ingest`: refused quickly with a French
reason and bounded memory, the database untouched; usable files reported row by row."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, text

from carte.core.vocabulary import load_vocabulary
from carte.ingest.guard import MB, FileLimits
from carte.ingest.pipeline import IngestOptions, ingest_file
from carte.ingest.readers import IngestError, read_table
from tests import hostile_files as hostile
from tests.helpers import upload

#: Peak resident memory allowed to a `carte ingest` process refusing a hostile file.
MEMORY_BOUND_MB = 300
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JUNK = bytes(range(256)) * 64
ODS = hostile.rezip(
    {
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
        "content.xml": b"<office:document-content/>",
    }
)


@pytest.fixture()
def app(app):
    """Plain HTTP cookies, and import jobs run inside the request so they share the test's transaction."""
    app.config.update(SESSION_COOKIE_SECURE=False, IMPORT_RUNNER="inline")
    return app


def huge_cell_csv(characters: int) -> bytes:
    """A CSV whose second data row carries one enormous description."""
    rows = [
        hostile.HEADER,
        hostile.GOOD_ROW,
        ["A-2", "Friperie", "1 rue A", "Lévis", "G6V 4J8", "Friperie", "x" * characters],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


#: Files that pass the upload checks and are refused when the preview reads them (the 10 MB cell is
#: also over the upload limit).
READ_BY_THE_PREVIEW = ("cellule.csv", "guillemet.csv", "casse.xlsx")
#: name, content (made on demand), what the French refusal says.
HOSTILE: list[tuple[str, Callable[[], bytes], str]] = [
    ("bombe.xlsx", lambda: hostile.zip_bomb(150), "se décompresse en 150,0 Mo"),
    ("taux.xlsx", lambda: hostile.zip_bomb(20), "taux de compression anormal"),
    ("menteur.xlsx", lambda: hostile.lying_bomb(150), "endommagé"),
    ("membres.xlsx", lambda: hostile.many_members(1500), "fichiers internes"),
    (
        "rires.xlsx",
        lambda: hostile.with_member(hostile.workbook([]), "xl/sharedStrings.xml", hostile.BILLION_LAUGHS),
        "DOCTYPE ou ENTITY",
    ),
    (
        "xxe.xlsx",
        lambda: hostile.with_member(hostile.workbook([]), "xl/sharedStrings.xml", hostile.EXTERNAL_ENTITY),
        "DOCTYPE ou ENTITY",
    ),
    (
        "utf16.xlsx",
        lambda: hostile.with_member(
            hostile.workbook([]), "xl/sharedStrings.xml", hostile.BILLION_LAUGHS.decode().encode("utf-16")
        ),
        "UTF-16",
    ),
    ("macros.xlsx", lambda: hostile.with_member(hostile.workbook([]), "xl/vbaProject.bin", b"VBA"), "macros"),
    ("calc.xlsx", lambda: ODS, "n'est pas un classeur Excel"),
    ("texte.xlsx", lambda: b"Nom;Adresse\nFriperie;1 rue A\n", "CSV renommé"),
    ("document.xlsx", lambda: b"%PDF-1.7\n", "document PDF"),
    ("tronque.xlsx", lambda: hostile.workbook([hostile.GOOD_ROW])[:900], "endommagé"),
    ("casse.xlsx", hostile.broken_sheet, "illisible après la ligne 3"),
    ("classeur.csv", lambda: hostile.workbook([hostile.GOOD_ROW]), "archive zip"),
    ("document.csv", lambda: b"%PDF-1.7\n", "document PDF"),
    ("image.csv", lambda: PNG, "image PNG"),
    ("bruit.csv", lambda: JUNK, "données binaires"),
    ("utf16.csv", lambda: "Nom,Ville\nFriperie,Lévis\n".encode("utf-16"), "UTF-16"),
    ("macros.xlsm", lambda: hostile.workbook([hostile.GOOD_ROW]), "macros"),
    ("ancien.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "ancien format Excel"),
    ("calc.ods", lambda: ODS, "OpenDocument"),
    ("cellule.csv", lambda: huge_cell_csv(10 * MB), "Ligne 3 : une cellule ou une ligne dépasse 1 048 576"),
    (
        "guillemet.csv",
        lambda: b'Nom,Ville\n"Friperie,' + b"x\n" * 100_000,
        "Ligne 2 : une cellule ou une ligne dépasse 131 072",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_a_hostile_file_is_refused_with_a_french_reason(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content())
    with pytest.raises(IngestError, match=message):
        list(read_table(path, load_vocabulary()).rows)  # rows are read as they are consumed


def test_a_file_over_the_ingest_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(huge_cell_csv(3 * MB))
    with pytest.raises(IngestError, match="trop volumineux .*au plus 1,0 Mo"):
        read_table(path, load_vocabulary(), limits=FileLimits(max_bytes=MB))


def test_an_ordinary_workbook_passes_the_guard(tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_bytes(hostile.workbook([hostile.GOOD_ROW]))
    assert next(read_table(path, load_vocabulary()).rows)[1][1] == "Ressourcerie témoin"


def test_the_web_import_refuses_every_hostile_file_and_changes_nothing(client, connection, admin):
    before = hostile.table_checksum(connection)
    for name, content, message in HOSTILE:
        if name in READ_BY_THE_PREVIEW:
            continue
        response = upload(client, content(), name)
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and message.replace("'", "&#39;") in body, (name, body[-600:])
    assert connection.execute(text("SELECT count(*) FROM import_job")).scalar() == 0
    assert hostile.table_checksum(connection) == before


@pytest.mark.parametrize("name", ["guillemet.csv", "casse.xlsx"])
def test_a_file_the_parser_refuses_fails_its_preview_with_the_line_and_changes_nothing(
    client, connection, admin, name
):
    before = hostile.table_checksum(connection)
    content, message = next(case[1:] for case in HOSTILE if case[0] == name)
    page = client.get(upload(client, content(), name).headers["Location"]).get_data(as_text=True)
    assert "échec" in page and message in page
    assert hostile.table_checksum(connection) == before


def test_an_upload_over_the_configured_limit_gets_a_413_in_french(client, admin, app):
    app.config.update(MAX_CONTENT_LENGTH=MB, MAX_UPLOAD_MB=1)
    response = upload(client, huge_cell_csv(2 * MB))
    assert response.status_code == 413
    assert "Fichier trop volumineux : 1 Mo au plus." in response.get_data(as_text=True)


def ingest(connection, path: Path):
    """A real (not dry) ingest of a file inside the test's transaction."""
    return ingest_file(connection, path, IngestOptions(source="test-hostile"))


def test_a_workbook_cell_over_the_excel_limit_rejects_its_row_with_the_line(connection, tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_bytes(hostile.huge_cell_workbook(10 * MB))
    result = ingest(connection, path)
    outcome = {o.line: o for o in result.outcomes}
    assert outcome[2].status == "inserted" and outcome[3].status == "rejected"
    assert "cellule de 10 485 760 caractères (au plus 32 767)" in outcome[3].reasons[0]
    assert len(outcome[3].reasons[0]) < 200


def test_a_repeated_external_id_is_reported_on_its_row(connection, tmp_path):
    path = tmp_path / "liste.xlsx"
    twin = ["A-1", "Autre nom", "5 rue Principale", "Lévis", "G6V 4J8", "Friperie", ""]
    path.write_bytes(hostile.workbook([hostile.GOOD_ROW, twin, twin]))
    outcomes = ingest(connection, path).outcomes
    assert [o.status for o in outcomes] == ["inserted", "rejected", "rejected"]
    assert all("doublon de la ligne 2" in o.reasons[0] for o in outcomes[1:])


def test_formulas_are_stored_inert_and_exported_neutralised(client, connection, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(hostile.HEADER)
    book.active.append(
        [
            "F-1",
            "Friperie formule",
            "1 rue A",
            "Lévis",
            "G6V 4J8",
            "Friperie",
            '=HYPERLINK("http://piege.example","clic")',
        ]
    )
    book.active.append(
        ["F-2", "Atelier texte", "2 rue A", "Lévis", "G6V 4J8", "Friperie", "@SUM(1+1)*cmd|' /C calc'!A0"]
    )
    book.save(tmp_path / "formules.xlsx")
    ingest(connection, tmp_path / "formules.xlsx")
    stored = dict(
        connection.execute(
            text("SELECT name, description FROM enterprise WHERE source = 'test-hostile'")
        ).all()
    )
    assert stored == {"Friperie formule": None, "Atelier texte": "@SUM(1+1)*cmd|' /C calc'!A0"}
    exported = client.get("/export/enterprises.csv").get_data(as_text=True)
    assert "'@SUM(1+1)" in exported and "HYPERLINK" not in exported


def peak_memory_of_ingest(database_url: str, path: Path) -> tuple[int, str]:
    """Run `carte ingest` in a process of its own: its exit code and message, and its peak RSS in MB."""
    measure = (
        "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, "
        "text=True); print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss "
        "// 1024); print(done.stderr.strip())"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            measure,
            sys.executable,
            "-c",
            "from carte.cli import main; main()",
            "ingest",
            str(path),
            "--source",
            "test-hostile",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CARTE_DATABASE_URL": database_url},
    )
    first, _, message = done.stdout.partition("\n")
    code, peak = map(int, first.split())
    assert code == 1, message
    return peak, message


def assert_refused_in_bounded_memory(engine: Engine, database_url: str, path: Path, message: str) -> None:
    """`carte ingest` refuses the file, says why, stays under the memory bound and changes nothing."""
    with engine.connect() as connection:
        before = hostile.table_checksum(connection)
    peak, said = peak_memory_of_ingest(database_url, path)
    assert said.startswith("Erreur :") and message in said
    assert peak < MEMORY_BOUND_MB, f"{path.name}: {peak} MB"
    with engine.connect() as connection:
        assert hostile.table_checksum(connection) == before


def test_carte_ingest_refuses_a_lying_zip_bomb_in_bounded_memory(engine, database_url, tmp_path):
    path = tmp_path / "menteur.xlsx"
    path.write_bytes(hostile.lying_bomb(200))
    assert_refused_in_bounded_memory(engine, database_url, path, "endommagé")


@pytest.mark.verify
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bombe-3go.xlsx", lambda: hostile.zip_bomb(3 * 1024), "se décompresse en 3 072,0 Mo"),
        ("menteur-1go.xlsx", lambda: hostile.lying_bomb(1024), "endommagé"),
        (
            "rires.xlsx",
            lambda: hostile.with_member(hostile.workbook([]), "xl/sharedStrings.xml", hostile.BILLION_LAUGHS),
            "DOCTYPE",
        ),
        ("bruit.csv", lambda: JUNK * 1024, "données binaires"),
        ("cellule.csv", lambda: huge_cell_csv(50 * MB), "une cellule ou une ligne dépasse"),
    ],
    ids=["3GB-zip-bomb", "1GB-lying-zip-bomb", "billion-laughs", "4MB-junk", "50MB-cell"],
)
def test_carte_ingest_refuses_gigabyte_bombs_in_bounded_memory(
    engine, database_url, tmp_path, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content())
    assert_refused_in_bounded_memory(engine, database_url, path, message)


def test_openpyxl_parses_workbooks_with_defusedxml_behind_the_guard():
    assert openpyxl.DEFUSEDXML is True
