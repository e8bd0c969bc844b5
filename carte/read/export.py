"""Exports of the published enterprises: CSV for spreadsheets, GeoJSON, schema.org JSON-LD and Open Referral
HSDS CSV, licence included."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from carte.read.filters import EnterpriseFilter
from carte.read.hsds import COLUMNS as HSDS_COLUMNS
from carte.read.hsds import hsds_row
from carte.read.public_enterprise import matching_public_enterprises
from carte.read.queries import enterprise_features, enterprise_records
from carte.read.schema_org import data_feed_lines

#: What spreadsheets read as the start of a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
COLUMNS = {  # record key: (French header, English header)
    "id": ("id", "id"),
    "name": ("nom", "name"),
    "description": ("description", "description"),
    "sectors": ("secteurs", "sectors"),
    "items": ("objets_acceptes", "accepted_items"),
    "services": ("services", "services"),
    "street": ("adresse", "street"),
    "address_line2": ("adresse_complement", "address_line2"),
    "municipality": ("municipalite", "municipality"),
    "postal_code": ("code_postal", "postal_code"),
    "mrc_code": ("code_mrc", "mrc_code"),
    "mrc_name": ("mrc", "mrc"),
    "phone": ("telephone", "phone"),
    "website": ("site_web", "website"),
    "opening_hours": ("heures_ouverture", "opening_hours"),
    "latitude": ("latitude", "latitude"),
    "longitude": ("longitude", "longitude"),
    "geocode_precision": ("precision_position", "geocode_precision"),
    "updated": ("mise_a_jour", "updated"),
    "source": ("source", "source"),
    "last_verified": ("verifie_le", "last_verified"),
    "url": ("page", "page"),
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


def csv_table(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text line by line: BOM and header, then the rows, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()


def csv_lines(records: Iterable[dict[str, Any]], licence: Licence, language: str = "fr") -> Iterator[str]:
    """The CSV text line by line: BOM, header, one row per enterprise, licence columns on each row."""
    index = 1 if language == "en" else 0
    header = [headers[index] for headers in COLUMNS.values()] + ["licence", "attribution"]
    return csv_table(
        header,
        (
            [record[key] for key in COLUMNS] + [f"{licence.name} ({licence.url})", licence.attribution]
            for record in records
        ),
    )


def export_csv(
    session: Session, filters: EnterpriseFilter, language: str, base_url: str, licence: Licence
) -> Iterator[str]:
    """The matching enterprises as CSV text, streamed."""
    return csv_lines(enterprise_records(session, filters, language, base_url), licence, language)


def export_geojson(
    session: Session, filters: EnterpriseFilter, language: str, base_url: str, licence: Licence
) -> str:
    """Every matching enterprise as one GeoJSON FeatureCollection, licence members first."""
    features, total, _returned = enterprise_features(session, filters, language, base_url)
    head = {"type": "FeatureCollection", **licence.as_dict(), "numberMatched": total}
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + features + "}"


def export_jsonld(
    session: Session, filters: EnterpriseFilter, language: str, base_url: str, licence: Licence
) -> Iterator[str]:
    """The matching enterprises as a schema.org DataFeed of LocalBusiness (JSON-LD), streamed."""
    return data_feed_lines(
        matching_public_enterprises(session, filters), base_url, language, licence.as_dict()
    )


def export_hsds(
    session: Session, filters: EnterpriseFilter, language: str, base_url: str, licence: Licence
) -> Iterator[str]:
    """The matching enterprises as one flat CSV table of Open Referral HSDS fields, streamed."""
    rows = (
        hsds_row(enterprise, base_url, language, licence.as_dict())
        for enterprise in matching_public_enterprises(session, filters)
    )
    return csv_table(list(HSDS_COLUMNS), rows)


#: Each export format: the function making it (text, or lines to stream), its media type, its file name.
FORMATS: dict[str, tuple[Callable[..., str | Iterator[str]], str, str]] = {
    "csv": (export_csv, "text/csv", "entreprises.csv"),
    "geojson": (export_geojson, "application/geo+json", "entreprises.geojson"),
    "jsonld": (export_jsonld, "application/ld+json", "entreprises.jsonld"),
    "hsds": (export_hsds, "text/csv", "entreprises-hsds.csv"),
}
