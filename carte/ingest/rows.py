"""Turn one spreadsheet row into a CleanRow: every field through its normaliser, every doubt noted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from carte.core.text import fold, municipality_key, without_province_suffix
from carte.core.vocabulary import Vocabulary
from carte.ingest.clean import (
    CleanRow,
    Issue,
    clean_text,
    fix_coordinates,
    match_terms,
    normalise_email,
    normalise_name,
    normalise_neq,
    normalise_phone,
    normalise_postal,
    normalise_url,
    parse_coordinate,
    split_po_box,
    unformula,
)
from carte.ingest.guard import MAX_CELL_CHARS
from carte.ingest.hours import normalise_opening_hours
from carte.ingest.readers import truthy

_PLACE_WORDS = {"canada", "quebec", "qc", "province de quebec"}
_CIVIC = re.compile(r"^\s*\d")
_PROVINCE_WORD = re.compile(r"[\s,]+(qc|p\.?\s?q\.?)\.?\s*$", re.IGNORECASE)
_LABELS = {"items": "objet", "sectors": "secteur", "services": "service"}


@dataclass
class Places:
    """Municipality names known to the database: name key -> codes, code -> official name."""

    by_key: dict[str, tuple[str, ...]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    _memo: dict[str, tuple[str, str | None, bool]] = field(default_factory=dict, repr=False)

    def resolve(self, name: str | None) -> tuple[str, str | None, bool]:
        """The key of a stated name, its code when unambiguous, and whether the name is known."""
        name = name or ""
        if name not in self._memo:
            key = municipality_key(_PROVINCE_WORD.sub("", name))
            codes = self.by_key.get(key, ())
            self._memo[name] = (key, codes[0] if len(codes) == 1 else None, bool(codes))
        return self._memo[name]


@dataclass
class Layout:
    """Where each field of a table lives, and the yes/no service columns."""

    columns: dict[str, int]
    services: dict[int, str]
    headers: list[str]


def clean_row(
    line: int, cells: tuple[str, ...], layout: Layout, places: Places, vocabulary: Vocabulary
) -> CleanRow:
    """Clean one row: a CleanRow with its key, rejected (error issue) when it has no name or place."""
    row = CleanRow(line=line)
    values = read_cells(row, cells, layout)
    row.name = normalise_name(values.get("name"))
    row.external_id = values.get("external_id")
    row.description = values.get("description")
    row.contact_person = values.get("contact_person")
    row.internal_notes = values.get("internal_notes")
    clean_identity(row, values)
    clean_address(row, values, places)
    clean_contact(row, values)
    clean_vocabulary(row, values, layout, cells, vocabulary)
    clean_coordinates(row, values)
    decide_key(row)
    return row


def read_cells(row: CleanRow, cells: tuple[str, ...], layout: Layout) -> dict[str, str | None]:
    """The trimmed value of each mapped field, spreadsheet formulas undone or refused."""
    values: dict[str, str | None] = {}
    width = len(cells)
    for name, position in layout.columns.items():
        raw = cells[position] if position < width else ""
        if not raw:  # an empty cell, the commonest of all
            values[name] = None
            continue
        if raw[0] != "=" and len(raw) <= MAX_CELL_CHARS:  # the usual cell, quickly
            values[name] = clean_text(raw)
            continue
        if len(raw) > MAX_CELL_CHARS:
            note(
                row,
                layout.headers[position],
                raw[:40] + "…",
                f"cellule de {len(raw):_} caractères (au plus {MAX_CELL_CHARS:_}) : ligne rejetée".replace(
                    "_", " "
                ),
                "error",
            )
            values[name] = None
            continue
        value, problem = unformula(raw)
        if problem:
            row.issues.append(Issue(row.line, layout.headers[position], cells[position], problem))
        values[name] = clean_text(value)
    return values


def note(row: CleanRow, column: str, value: str | None, reason: str, severity: str = "warning") -> None:
    """Record a doubt (or, with severity 'error', a rejection) about a value of the row."""
    row.issues.append(Issue(row.line, column, value, reason, severity))


def clean_identity(row: CleanRow, values: dict[str, str | None]) -> None:
    """The NEQ, checked for its 10 digits."""
    raw = values.get("neq")
    row.neq = normalise_neq(raw)
    if raw and not row.neq:
        note(row, "neq", raw, "NEQ invalide (10 chiffres attendus) : ignoré")


def clean_address(row: CleanRow, values: dict[str, str | None], places: Places) -> None:
    """Street, second line, municipality and postal code, sorting cells that sit in the wrong column."""
    street, municipality, extra = sort_address(
        (values.get("street")), (values.get("municipality")), (values.get("address_line2")), places
    )
    street, po_box = split_po_box(street)
    row.street = street.strip(" ,") if street else None
    row.address_line2 = "; ".join(dict.fromkeys(filter(None, [po_box, *extra]))) or None
    row.municipality_key, row.municipality_code, known = places.resolve(municipality)
    row.municipality_name = (
        places.names.get(row.municipality_code) if row.municipality_code else _strip_province(municipality)
    )
    raw_postal = values.get("postal_code")
    row.postal_code, invalid = normalise_postal(raw_postal)
    if invalid:
        note(row, "code postal", raw_postal, "code postal invalide : ignoré")
    if not row.postal_code:
        for cell in (row.address_line2, row.street):
            found, _ = normalise_postal(cell) if cell else (None, True)
            if found:
                row.postal_code = found
                break


def _strip_province(name: str | None) -> str | None:
    """A stated municipality name without its `(Québec)` suffix."""
    if not name:
        return None
    name = without_province_suffix(name)
    return _PROVINCE_WORD.sub("", name) or None


def sort_address(
    street: str | None, municipality: str | None, line2: str | None, places: Places
) -> tuple[str | None, str | None, list[str]]:
    """Find the municipality, the civic address and the rest among three cells, whatever their
    column (the Registraire shifts them when there is a post office box)."""
    if (
        not line2
        and municipality
        and street
        and _CIVIC.match(street)
        and places.resolve(municipality)[2]
        and not split_po_box(street)[1]
    ):
        return street, municipality, []  # the usual case, quickly
    cells = [cell for cell in (municipality, line2, street) if cell]
    known = [cell for cell in cells if places.resolve(cell)[2]]
    plain = [
        cell
        for cell in (municipality, line2)
        if cell
        and not _CIVIC.match(cell)
        and not split_po_box(cell)[1]
        and places.resolve(cell)[0] not in _PLACE_WORDS
    ]
    town = known[0] if known else plain[0] if plain else municipality
    rest = [cell for cell in (street, municipality, line2) if cell and cell is not town]
    civic = next((cell for cell in rest if _CIVIC.match(cell) and not split_po_box(cell)[1]), None)
    if civic is None and street is not town:
        civic = street
    town_key = places.resolve(town)[0]
    extra = [
        cell
        for cell in rest
        if cell is not civic
        and places.resolve(cell)[0] not in _PLACE_WORDS
        and places.resolve(cell)[0] != town_key
    ]
    return civic, town, extra


def clean_contact(row: CleanRow, values: dict[str, str | None]) -> None:
    """Phone (E.164), e-mail, website and opening hours; invalid values are reported and left out."""
    raw_phone = values.get("phone")
    row.phone, extension = normalise_phone(raw_phone)
    if raw_phone and not row.phone:
        note(row, "téléphone", raw_phone, "numéro de téléphone invalide : ignoré")
    elif extension:
        note(row, "téléphone", raw_phone, f"poste {extension} non conservé (numéro seul enregistré)")
    for name, column, normaliser, reason in (
        ("email", "courriel", normalise_email, "courriel invalide : ignoré"),
        ("website", "site web", normalise_url, "adresse web invalide : ignorée"),
        (
            "opening_hours",
            "heures d'ouverture",
            normalise_opening_hours,
            "heures d'ouverture non comprises (format OpenStreetMap attendu, ex. Mo-Fr 09:00-17:00)",
        ),
    ):
        raw = values.get(name)
        setattr(row, name, normaliser(raw))
        if raw and getattr(row, name) is None:
            note(row, column, raw, reason)


def clean_vocabulary(
    row: CleanRow,
    values: dict[str, str | None],
    layout: Layout,
    cells: tuple[str, ...],
    vocabulary: Vocabulary,
) -> None:
    """Sectors, accepted items and services matched to the vocabulary; unknown values reported."""
    for kind in ("sectors", "items", "services"):
        codes, unknown = match_terms(values.get(kind), kind, vocabulary)
        setattr(row, kind, codes)
        for value in unknown:
            note(row, _LABELS[kind], value, f"{_LABELS[kind]} inconnu du vocabulaire : non retenu")
    for position, code in layout.services.items():
        if position < len(cells) and truthy(cells[position]) and code not in row.services:
            row.services.append(code)


def clean_coordinates(row: CleanRow, values: dict[str, str | None]) -> None:
    """Latitude and longitude given in the file, kept only when they fall in Quebec."""
    raw_lat, raw_lon = values.get("latitude"), values.get("longitude")
    lat, lon = parse_coordinate(raw_lat), parse_coordinate(raw_lon)
    if lat is None or lon is None:
        if raw_lat or raw_lon:
            note(row, "latitude/longitude", f"{raw_lat} {raw_lon}", "coordonnées illisibles : ignorées")
        return
    fixed = fix_coordinates(lat, lon)
    if fixed is None:
        note(row, "latitude/longitude", f"{raw_lat} {raw_lon}", "coordonnées hors du Québec : ignorées")
        return
    row.latitude, row.longitude, correction = fixed
    if correction:
        note(row, "latitude/longitude", f"{raw_lat} {raw_lon}", f"{correction} : corrigé")


def decide_key(row: CleanRow) -> None:
    """The stable key: external id, else NEQ, else name and postal code (or municipality);
    a row without a name or any place is rejected."""
    if not row.name:
        note(row, "nom", None, "nom absent : ligne rejetée", "error")
        return
    if not (row.street or row.municipality_key or row.postal_code or row.latitude is not None):
        note(
            row,
            "adresse",
            None,
            "ni adresse, ni municipalité, ni code postal, ni coordonnées : ligne rejetée",
            "error",
        )
        return
    if row.external_id:
        row.source_key = f"id:{row.external_id}"
    elif row.neq:
        row.source_key = f"neq:{row.neq}"
    else:
        row.source_key = f"nom:{fold(row.name)}|{row.postal_code or row.municipality_key}"
