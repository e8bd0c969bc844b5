"""Read a spreadsheet (CSV in any usual encoding and delimiter, or .xlsx) and recognise its columns."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, TextIO

from carte.core.errors import IngestError
from carte.core.text import fold
from carte.core.vocabulary import Vocabulary
from carte.ingest.guard import REFUSED_FORMATS, FileLimits, check_spreadsheet

#: Header spellings per field, folded and without spaces ("Code postal" -> "codepostal").
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "identifiant",
        "id",
        "idexterne",
        "externalid",
        "identifiantexterne",
        "numero",
        "no",
        "reference",
        "ref",
        "code",
        "numeroorganisme",
    ),
    "neq": (
        "neq",
        "numeroentreprisequebec",
        "numerodentreprisequebec",
        "numerodentreprise",
        "numeroentreprise",
        "quebecenterprisenumber",
    ),
    "name": (
        "nom",
        "name",
        "nomentreprise",
        "nomdelentreprise",
        "nomorganisme",
        "nomdelorganisme",
        "organisme",
        "organisation",
        "organization",
        "entreprise",
        "raisonsociale",
        "enterprise",
        "businessname",
        "enterprisename",
    ),
    "description": (
        "description",
        "mission",
        "activites",
        "activite",
        "secteuractivite",
        "about",
        "presentation",
    ),
    "street": (
        "adresse",
        "address",
        "rue",
        "adressecivique",
        "street",
        "adresse1",
        "adresseligne1",
        "address1",
        "addressline1",
        "streetaddress",
        "adresselign1",
    ),
    "address_line2": (
        "adresse2",
        "adresseligne2",
        "address2",
        "addressline2",
        "complement",
        "complementadresse",
        "adresselign2",
        "adresselign3",
        "suite",
        "bureau",
        "local",
    ),
    "municipality": (
        "ville",
        "municipalite",
        "city",
        "town",
        "localite",
        "municipality",
        "nomdelamunicipalite",
        "municipalites",
    ),
    "postal_code": ("codepostal", "cp", "postalcode", "postcode", "zip", "zipcode"),
    "phone": ("telephone", "tel", "phone", "numerodetelephone", "phonenumber", "telephone1", "telephones"),
    "email": (
        "courriel",
        "email",
        "mail",
        "adressecourriel",
        "emailaddress",
        "adresseelectronique",
        "courrielgeneral",
    ),
    "website": ("siteweb", "siteinternet", "website", "url", "web", "site", "internet", "siteweb1"),
    "opening_hours": (
        "heuresdouverture",
        "heuresouverture",
        "heures",
        "horaire",
        "horaires",
        "openinghours",
        "hours",
        "heuresdouvertures",
    ),
    "sectors": (
        "secteur",
        "secteurs",
        "sector",
        "sectors",
        "secteurdactivite",
        "secteursdactivite",
        "typedorganisme",
        "typedentreprise",
        "categorie",
        "categories",
    ),
    "items": (
        "objetsacceptes",
        "objets",
        "objetsaccepte",
        "donsacceptes",
        "items",
        "accepteditems",
        "articlesacceptes",
        "dons",
        "categoriesdobjets",
        "itemsaccepted",
        "objetsacceptees",
    ),
    "services": ("services", "service", "servicesofferts"),
    "latitude": ("latitude", "lat", "y"),
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "contact_person": (
        "personnecontact",
        "personneressource",
        "contact",
        "responsable",
        "contactperson",
        "contactname",
        "personnedecontact",
    ),
    "internal_notes": (
        "notes",
        "notesinternes",
        "remarques",
        "commentaires",
        "internalnotes",
        "note",
        "commentaire",
    ),
}
_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
ADDRESS_FIELDS = ("street", "municipality", "postal_code")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
#: Longest physical line of a CSV read (a cell is at most csv.field_size_limit(), 131,072 characters).
MAX_LINE = 1024 * 1024
_TRUE = {"oui", "o", "yes", "y", "x", "1", "vrai", "true", "v"}


@dataclass
class Table:
    """A sheet read from a file: its rows (line number, cells), read once as they are consumed, and
    where each field lives; `lines` bounds the number of rows (for progress)."""

    headers: list[str]
    rows: Iterator[tuple[int, tuple[str, ...]]]
    columns: dict[str, int]
    services: dict[int, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    description: str = ""
    lines: int = 0


def header_key(header: str) -> str:
    """The folded, space-free form of a header used to recognise it."""
    return fold(header).replace(" ", "")


def recognise(
    headers: list[str], vocabulary: Vocabulary, overrides: dict[str, str] | None = None
) -> tuple[dict[str, int], dict[int, str]]:
    """Map fields to column positions (overrides first), and yes/no service columns to service codes."""
    columns: dict[str, int] = {}
    keys = [header_key(h) for h in headers]
    for name, header in (overrides or {}).items():
        if name not in ALIASES:
            raise IngestError(f"--columns : champ inconnu « {name} » (champs : {', '.join(ALIASES)}).")
        matches = [
            i for i, h in enumerate(headers) if h.strip() == header.strip() or keys[i] == header_key(header)
        ]
        if not matches:
            raise IngestError(
                f"--columns : colonne « {header} » absente du fichier (en-têtes : {', '.join(headers)})."
            )
        columns[name] = matches[0]
    taken = set(columns.values())
    services: dict[int, str] = {}
    for position, key in enumerate(keys):
        name = _BY_ALIAS.get(key)
        if position in taken:
            continue
        if name and name not in columns:
            columns[name] = position
        elif not name and key and (code := vocabulary.match("services", headers[position])):
            services[position] = code
    return columns, services


def check_usable(columns: dict[str, int], headers: list[str]) -> None:
    """Refuse a sheet without a name column or without any address column."""
    seen = ", ".join(h for h in headers if h.strip()) or "aucun"
    if "name" not in columns:
        raise IngestError(
            "Aucune colonne de nom reconnue (attendu : nom, name, NomEntreprise...). "
            f"En-têtes trouvés : {seen}. Indiquez-la avec --columns name=EN-TÊTE."
        )
    if not any(f in columns for f in ADDRESS_FIELDS) and not {"latitude", "longitude"} <= set(columns):
        raise IngestError(
            "Aucune colonne d'adresse reconnue (adresse, ville, code postal ou "
            f"latitude/longitude). En-têtes trouvés : {seen}."
        )


def sniff_encoding(path: Path) -> tuple[str, str, int]:
    """The encoding of a CSV file (UTF-8 with or without BOM, else Windows-1252, else Latin-1), its
    label and its number of line breaks, read block by block so a large file is never held in memory."""
    with open(path, "rb") as handle:
        if handle.read(3) == b"\xef\xbb\xbf":
            return "utf-8-sig", "UTF-8 (BOM)", _count_lines(handle)
    for encoding, label in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return encoding, label, _count_lines(open(path, "rb"), codecs.getincrementaldecoder(encoding)())
        except UnicodeDecodeError:
            continue
    return "latin-1", "Latin-1", _count_lines(open(path, "rb"))


def _count_lines(handle: BinaryIO, decoder: codecs.IncrementalDecoder | None = None) -> int:
    """Line breaks in the rest of a binary file (closed after), each block checked by the decoder."""
    lines = 0
    with handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            if decoder is not None:
                decoder.decode(block)
        if decoder is not None:
            decoder.decode(b"", final=True)
    return lines


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a CSV: the most frequent of `,` `;` and tab outside quotes in its first line."""
    outside, quoted = [], False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    counts = {d: outside.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def too_long(line: int, limit: int) -> IngestError:
    """The refusal of a CSV whose line holds more than the limit."""
    return IngestError(
        f"Ligne {line} : une cellule ou une ligne dépasse {limit:_} caractères (ou un guillemet "
        "n'est jamais fermé) ; fichier refusé.".replace("_", " ")
    )


def bounded_lines(text: TextIO) -> Iterator[str]:
    """The physical lines of a text file, refusing one longer than MAX_LINE instead of holding it whole."""
    for number, line in enumerate(iter(lambda: text.readline(MAX_LINE), ""), 1):
        if len(line) == MAX_LINE and not line.endswith(("\n", "\r")):
            raise too_long(number, MAX_LINE)
        yield line


def csv_rows(path: Path) -> tuple[Iterator[tuple[int, list[str]]], str, int]:
    """Rows of a CSV file, streamed, with the line each starts on; a description of the format found and
    the number of lines (for progress)."""
    codec, encoding, lines = sniff_encoding(path)
    with path.open(encoding=codec, errors="replace") as text:
        first = ""
        while not first.strip() and (line := text.readline(65536)):  # bounded, even for a giant line
            first = line
    first = first.rstrip("\r\n")
    delimiter = sniff_delimiter(first)
    skip = 0
    if first.lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter, skip = first.strip()[4], 1

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = 1
        with path.open(encoding=codec, errors="replace", newline="") as text:
            reader = csv.reader(bounded_lines(text), delimiter=delimiter)
            try:
                for number, row in enumerate(reader):
                    if number >= skip:
                        yield start, row
                    start = reader.line_num + 1
            except csv.Error:
                raise too_long(start, csv.field_size_limit()) from None

    names = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}
    return rows(), f"CSV {encoding}, séparateur {names[delimiter]}", lines


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: integral floats without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def xlsx_rows(path: Path) -> tuple[Iterator[tuple[int, list[str]]], str, int]:
    """Rows of the first sheet of an .xlsx workbook (cached values of formulas), read as they are
    consumed; a description and the sheet's row count as the workbook states it (for progress)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # zipfile, XML and openpyxl errors all mean "not a usable workbook"
        raise IngestError(f"Classeur Excel illisible : {path.name} ({type(error).__name__}).") from None
    sheet = workbook.worksheets[0]

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                yield number, [cell_text(value) for value in row]
        except Exception as error:  # the sheet's XML is parsed as it is read: broken further down
            raise IngestError(
                f"Classeur Excel illisible après la ligne {number} : {path.name} "
                f"({type(error).__name__}) ; fichier refusé."
            ) from None
        finally:
            workbook.close()

    return rows(), f"Excel (.xlsx), feuille « {sheet.title} »", sheet.max_row or 0


def read_table(
    path: str | Path,
    vocabulary: Vocabulary,
    overrides: dict[str, str] | None = None,
    limits: FileLimits = FileLimits(),
) -> Table:
    """Read a .csv or .xlsx file, once checked against the limits; the header is the first of its first
    ten rows naming a known field."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"Fichier introuvable : {path}.")
    suffix = path.suffix.lower()
    if suffix not in (*TEXT_SUFFIXES, ".xlsx", *REFUSED_FORMATS):
        raise IngestError(
            f"{path.name} : format non reconnu « {suffix or 'sans extension'} » "
            "(formats acceptés : .csv, .xlsx)."
        )
    with path.open("rb") as data:
        check_spreadsheet(path.name, suffix, data, limits)
    rows, description, lines = csv_rows(path) if suffix in TEXT_SUFFIXES else xlsx_rows(path)
    header, columns, services = find_header(rows, vocabulary, overrides)
    check_usable(columns, header)
    used = set(columns.values()) | set(services)
    ignored = [h for i, h in enumerate(header) if i not in used and h.strip()]
    return Table(header, body(rows, len(header)), columns, services, ignored, description, lines)


def body(rows: Iterator[tuple[int, list[str]]], width: int) -> Iterator[tuple[int, tuple[str, ...]]]:
    """The non-empty rows after the header, cells stripped and padded to the header's width."""
    for line, cells in rows:
        stripped = tuple(map(str.strip, cells))
        if any(stripped):
            yield line, stripped + ("",) * (width - len(stripped))


def find_header(
    rows: Iterator[tuple[int, list[str]]], vocabulary: Vocabulary, overrides: dict[str, str] | None
) -> tuple[list[str], dict[str, int], dict[int, str]]:
    """Consume rows up to the header row (the first naming the name field) and recognise it."""
    first: list[str] | None = None
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        headers = [c.strip().lstrip("\ufeff") for c in cells]
        first = first or headers
        if overrides:
            return headers, *recognise(headers, vocabulary, overrides)
        columns, services = recognise(headers, vocabulary)
        if "name" in columns:
            return headers, columns, services
        if line >= 10:
            break
    if first is None:
        raise IngestError("Le fichier est vide : aucune ligne d'en-tête.")
    return first, *recognise(first, vocabulary, overrides)


@lru_cache(maxsize=1024)
def truthy(value: str) -> bool:
    """Whether a yes/no cell says yes (oui, x, 1, vrai...)."""
    return fold(value) in _TRUE
