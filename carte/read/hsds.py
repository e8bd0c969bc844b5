"""Published enterprises as one flat table of Open Referral HSDS 3 fields: an organization, its location
and the service of taking donated items, one row per enterprise. docs/open-data.md maps every column."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from carte.core.opening_hours import describe_opening_hours
from carte.core.vocabulary import load_vocabulary
from carte.read.public_enterprise import PublicEnterprise

WORDS = {
    "fr": {"service": "Dons d'objets", "accepted": "Objets acceptés : {}.", "services": "Services : {}."},
    "en": {"service": "Item donations", "accepted": "Accepted items: {}.", "services": "Services: {}."},
}
#: Columns that HSDS does not define, for what must travel with each row.
EXTENSIONS = ("x_source", "x_licence", "x_attribution")

Cell = Callable[[PublicEnterprise, "RowContext"], Any]


class RowContext:
    """What the cells of one row are computed from besides the enterprise."""

    def __init__(
        self, enterprise: PublicEnterprise, base_url: str, language: str, licence: dict[str, str]
    ) -> None:
        self.page = f"{base_url}/entreprises/{enterprise.id}"
        self.language = language
        self.words = WORDS.get(language, WORDS["fr"])
        self.licence = licence

    def uuid(self, table: str) -> str:
        """A stable UUID of one HSDS record of the row, derived from the enterprise's page address."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.page}#{table}"))


def labels(kind: str, codes: list[str], language: str) -> list[str]:
    """The labels of some vocabulary codes."""
    return [term.label(language) for term in load_vocabulary().terms(kind, codes)]


def service_description(enterprise: PublicEnterprise, context: RowContext) -> str:
    """The accepted items and the services in a sentence each."""
    items, services = (
        labels(kind, getattr(enterprise, kind), context.language) for kind in ("items", "services")
    )
    parts = [
        context.words["accepted"].format(", ".join(items)) if items else "",
        context.words["services"].format(", ".join(services)) if services else "",
    ]
    return " ".join(part for part in parts if part)


COLUMNS: dict[str, Cell] = {
    "organization.id": lambda e, c: c.uuid("organization"),
    "organization.name": lambda e, c: e.name,
    "organization.description": lambda e, c: e.description,
    "organization.website": lambda e, c: e.website,
    "organization.uri": lambda e, c: c.page,
    "organization_identifier.identifier_type": lambda e, c: "NEQ" if e.neq else None,
    "organization_identifier.identifier": lambda e, c: e.neq,
    "location.id": lambda e, c: c.uuid("location"),
    "location.location_type": lambda e, c: "physical",
    "location.name": lambda e, c: e.name,
    "location.latitude": lambda e, c: None if e.lat is None else round(e.lat, 6),
    "location.longitude": lambda e, c: None if e.lon is None else round(e.lon, 6),
    "address.address_1": lambda e, c: e.street,
    "address.address_2": lambda e, c: e.address_line2,
    "address.city": lambda e, c: e.municipality_name,
    "address.region": lambda e, c: e.mrc_name,
    "address.state_province": lambda e, c: "QC",
    "address.postal_code": lambda e, c: e.postal_code,
    "address.country": lambda e, c: "CA",
    "address.address_type": lambda e, c: "physical",
    "phone.number": lambda e, c: e.phone,
    "service.id": lambda e, c: c.uuid("service"),
    "service.name": lambda e, c: c.words["service"],
    "service.description": service_description,
    "service.url": lambda e, c: c.page,
    "service.status": lambda e, c: "active",
    "service.assured_date": lambda e, c: e.checked_at.date().isoformat(),
    "service.last_modified": lambda e, c: e.updated_at.isoformat(timespec="milliseconds"),
    "taxonomy_term.code": lambda e, c: "; ".join(
        term.code for term in load_vocabulary().terms("items", e.items)
    ),
    "taxonomy_term.name": lambda e, c: "; ".join(labels("items", e.items, c.language)),
    "schedule.description": lambda e, c: "; ".join(describe_opening_hours(e.opening_hours, c.language)),
    "schedule.notes": lambda e, c: e.opening_hours,
    "x_source": lambda e, c: e.source,
    "x_licence": lambda e, c: f"{c.licence['licence']} ({c.licence['licence_url']})",
    "x_attribution": lambda e, c: c.licence["attribution"],
}


def hsds_row(
    enterprise: PublicEnterprise, base_url: str, language: str, licence: dict[str, str]
) -> list[Any]:
    """The cells of one enterprise, in the order of COLUMNS."""
    context = RowContext(enterprise, base_url, language, licence)
    return [cell(enterprise, context) for cell in COLUMNS.values()]
