"""Spreadsheets made by code for the ingest tests, in the formats staff actually send."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

HEADER_FR = [
    "Identifiant",
    "Nom",
    "Adresse",
    "Ville",
    "Code postal",
    "Téléphone",
    "Courriel",
    "Site web",
    "Secteurs",
    "Objets acceptés",
    "Heures d'ouverture",
    "Collecte à domicile",
]


def messy_rows() -> list[list[str]]:
    """Rows with the usual troubles: abbreviations, postal code variants, formulas, a duplicate."""
    return [
        [
            "A1",
            "Ressourcerie de Beauce (test)",
            "100 1re Avenue",
            "St-Georges",
            "g5y1l3",
            "(418) 555-0101",
            "info@exemple.org",
            "www.exemple.org",
            "Ressourcerie",
            "meubles, divan, frigo",
            "lun-ven 9h-17h",
            "oui",
        ],
        [
            "A2",
            "Friperie Sainte-Marie (test)",
            "12 boul. Vachon Nord, C.P. 45",
            "Ste-Marie",
            "G6E-3B6",
            "418.555.0102",
            "",
            "",
            "friperie",
            "vêtements",
            "",
            "non",
        ],
        [
            "A3",
            "Comptoir de Lévis (test)",
            "5 rue Principale",
            "LEVIS (Québec)",
            '="G6V 4J8"',
            "=1+1",
            "",
            "",
            "comptoir familial",
            "livres; jouets; trucs bizarres",
            "",
            "",
        ],
        ["A4", "", "1 rue Sans Nom", "Lévis", "G6V 4J8", "", "", "", "", "", "", ""],
        [
            "A1",
            "Doublon de A1 (test)",
            "100 1re Avenue",
            "Saint-Georges",
            "G5Y 1L3",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "A6",
            '=HYPERLINK("http://piege")',
            "9 rue Test",
            "Beauceville",
            "G5X 3H2",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    header: Sequence[str] = HEADER_FR,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
) -> Path:
    """Write a CSV the way a given program would (delimiter, encoding, byte order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(
    path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER_FR, title_rows: int = 0
) -> Path:
    """Write an Excel workbook, optionally with title lines above the header."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Entreprises"
    for number in range(title_rows):
        sheet.append([f"Liste des entreprises (titre {number + 1})"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


#: Rows of the web import tests, as a French Excel saves them.
FRENCH_EXCEL_ROWS = [
    (
        "Ressourcerie Beauce (test web)",
        "100, 1re Avenue",
        "St-Georges",
        "g5y1l3",
        "Ressourcerie",
        "meubles, divan",
    ),
    (
        "Friperie Sainte-Marie (test web)",
        "1080 boul. Vachon Nord",
        "Ste-Marie",
        "G6E-3Z3",
        "Friperie",
        "vêtements",
    ),
    ("", "12 rue Sans Nom", "Lévis", "G6V 4J8", "", ""),
]


def french_excel_csv() -> bytes:
    """A list as Excel exports it in French: semicolons, Windows-1252, abbreviations, a bad row."""
    lines = ["Nom;Adresse;Ville;Code postal;Secteur;Objets acceptés"]
    lines += [";".join(row) for row in FRENCH_EXCEL_ROWS]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")
