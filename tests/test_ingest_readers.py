"""Reading spreadsheets: encodings, delimiters, Excel, header recognition, unusable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from carte.core.config import load_config
from carte.core.vocabulary import load_vocabulary
from carte.ingest.readers import IngestError, read_table
from tests.ingest_files import HEADER_FR, messy_rows, write_csv, write_xlsx

#: The Registraire's Mauricie list, in the geodata folder the configuration names (CARTE_GEODATA_DIR).
REGISTRAIRE = Path(load_config()["GEODATA_DIR"]) / "req_mauricie_coops_npo.csv"


@pytest.mark.parametrize(
    "delimiter, encoding, bom",
    [(";", "cp1252", False), (",", "utf-8", True), ("\t", "utf-8", False), (",", "utf-8", False)],
)
def test_csv_files_are_read_whatever_their_delimiter_and_encoding(tmp_path, delimiter, encoding, bom):
    """Semicolons in Windows-1252 (French Excel), a UTF-8 BOM, tabs: the same accented cells come out."""
    path = write_csv(tmp_path / "liste.csv", messy_rows(), delimiter=delimiter, encoding=encoding, bom=bom)
    table = read_table(path, load_vocabulary())
    assert table.columns["name"] == 1 and table.columns["items"] == 9
    rows = list(table.rows)
    assert rows[1][1][1] == "Friperie Sainte-Marie (test)"
    assert rows[1][1][9] == "vêtements"


def test_an_excel_workbook_with_title_lines_is_read_from_its_header(tmp_path):
    """An .xlsx whose header sits under two title lines; numbers come back without '.0'."""
    rows = [["B1", "Ressourcerie (test)", "1 rue A", "Lévis", "G6V 4J8", 4185550101.0]]
    table = read_table(write_xlsx(tmp_path / "liste.xlsx", rows, title_rows=2), load_vocabulary())
    assert list(table.rows) == [
        (
            4,
            (
                "B1",
                "Ressourcerie (test)",
                "1 rue A",
                "Lévis",
                "G6V 4J8",
                "4185550101",
                "",
                "",
                "",
                "",
                "",
                "",
            ),
        )
    ]


def test_headers_are_recognised_in_english_and_without_accents(tmp_path):
    """`NAME`, `City`, `Postal Code`, `telephone` map to their fields whatever their case."""
    header = ["NAME", "Street Address", "City", "Postal Code", "telephone", "Accepted items", "lat", "LNG"]
    table = read_table(write_csv(tmp_path / "en.csv", [], header), load_vocabulary())
    assert table.columns == {
        "name": 0,
        "street": 1,
        "municipality": 2,
        "postal_code": 3,
        "phone": 4,
        "items": 5,
        "latitude": 6,
        "longitude": 7,
    }


def test_the_registraire_export_headers_are_recognised():
    """NEQ, NomEntreprise, Adresse, Municipalite, Adresse_Lign3, CodePostal, SecteurActivite."""
    table = read_table(REGISTRAIRE, load_vocabulary())
    assert {"neq", "name", "street", "municipality", "address_line2", "postal_code", "description"} <= set(
        table.columns
    )
    assert table.ignored == ["FormeJuridique"]


def test_yes_no_service_columns_are_recognised_from_the_vocabulary(tmp_path):
    """A `Collecte à domicile` column becomes the home pick-up service."""
    table = read_table(write_csv(tmp_path / "s.csv", [], HEADER_FR), load_vocabulary())
    assert list(table.services.values()) == ["collecte_domicile"]


def test_an_explicit_column_mapping_overrides_recognition(tmp_path):
    """`--columns name=Organisme` names a column no alias would find."""
    path = write_csv(tmp_path / "o.csv", [["Friperie", "Lévis"]], ["Organisme", "Ville"])
    table = read_table(path, load_vocabulary(), {"name": "Organisme"})
    assert table.columns == {"name": 0, "municipality": 1}


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("liste.pdf", b"%PDF-1.4", "format non reconnu"),
        ("liste.xls", b"\xd0\xcf\x11\xe0", "ancien format Excel"),
        ("liste.xlsm", b"PK\x03\x04", "macros"),
        ("liste.ods", b"PK\x03\x04", "OpenDocument"),
        ("vide.csv", b"", "vide"),
        ("sans_nom.csv", "Adresse,Ville\n1 rue A,Lévis\n".encode(), "Aucune colonne de nom"),
        ("sans_adresse.csv", b"Nom,Courriel\nFriperie,a@b.org\n", "Aucune colonne d'adresse"),
        ("casse.xlsx", b"pas un classeur", "pas un classeur Excel"),
        ("casse.xlsx", b"PK\x03\x04 tronque", "endommagé"),
    ],
)
def test_a_file_that_cannot_be_used_gets_one_clear_french_error(tmp_path, name, content, message):
    """Unknown format, no name column or no address column: an IngestError saying why."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        read_table(path, load_vocabulary())


def test_an_unknown_field_in_the_column_mapping_is_refused(tmp_path):
    """`--columns nom_bizarre=X` names the fields that exist."""
    path = write_csv(tmp_path / "o.csv", [["Friperie", "Lévis"]], ["Organisme", "Ville"])
    with pytest.raises(IngestError, match="champ inconnu"):
        read_table(path, load_vocabulary(), {"nom_bizarre": "Organisme"})
