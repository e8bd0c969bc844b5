"""Exports of the published enterprises: CSV for spreadsheets and GeoJSON, licence included."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from sqlalchemy.orm import Session

from carte.read.filters import EnterpriseFilter
from carte.read.queries import enterprise_features, enterprise_records

#: What spreadsheets read as the start of a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
COLUMNS = {  # record key: (French header, English header)
    "id": ("id", "id"), "name": ("nom", "name"), "description": ("description", "description"),
    "sectors": ("secteurs", "sectors"), "items": ("objets_acceptes", "accepted_items"),
    "services": ("services", "services"), "street": ("adresse", "street"),
    "address_line2": ("adresse_complement", "address_line2"),
    "municipality": ("municipalite", "municipality"), "postal_code": ("code_postal", "postal_code"),
    "mrc_code": ("code_mrc", "mrc_code"), "mrc_name": ("mrc", "mrc"), "phone": ("telephone", "phone"),
    "website": ("site_web", "website"), "opening_hours": ("heures_ouverture", "opening_hours"),
    "latitude": ("latitude", "latitude"), "longitude": ("longitude", "longitude"),
    "geocode_precision": ("precision_position", "geocode_precision"),
    "updated": ("mise_a_jour", "updated"), "url": ("page", "page"),
}


@dataclass(frozen=True)
class Licence:
    """The licence and the attribution that must travel with the data."""

    name: str
    url: str
    attribution: str

    def as_dict(self) -> dict[str, str]:
        """The members added to exported documents."""
        return {"licence": self.name, "licence_url": self.url, "attribution": self.attribution}


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(records: Iterable[dict[str, Any]], licence: Licence, language: str = "fr") -> Iterator[str]:
    """The CSV text line by line: BOM, header, one row per enterprise, licence columns on each row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    index = 1 if language == "en" else 0
    writer.writerow([headers[index] for headers in COLUMNS.values()] + ["licence", "attribution"])
    yield BOM + buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(record[key]) for key in COLUMNS]
                        + [neutralise(f"{licence.name} ({licence.url})"), neutralise(licence.attribution)])
        yield buffer.getvalue()


def export_csv(session: Session, filters: EnterpriseFilter, language: str, base_url: str,
               licence: Licence) -> Iterator[str]:
    """The matching enterprises as CSV text, streamed."""
    return csv_lines(enterprise_records(session, filters, language, base_url), licence, language)


def export_geojson(session: Session, filters: EnterpriseFilter, language: str, base_url: str,
                   licence: Licence) -> str:
    """Every matching enterprise as one GeoJSON FeatureCollection, licence members first."""
    features, total, _returned = enterprise_features(session, filters, language, base_url)
    head = {"type": "FeatureCollection", **licence.as_dict(), "numberMatched": total}
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + features + "}"
