"""One published enterprise as the public sees it: no staff fields, with its MRC and schema.org data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from carte.geocoding import EXACT_PRECISIONS

#: Columns a citizen may see; contact_person and internal_notes are deliberately absent.
PUBLIC_COLUMNS = ("id", "name", "description", "street", "address_line2", "municipality_name",
                  "postal_code", "phone", "email", "website", "opening_hours", "sectors", "items",
                  "services", "geocode_precision", "updated_at", "verified_at")


@dataclass(frozen=True)
class PublicEnterprise:
    """The public fields of an enterprise, its position and the names of its MRC and region."""

    id: int
    name: str
    description: str | None
    street: str | None
    address_line2: str | None
    municipality_name: str | None
    postal_code: str | None
    phone: str | None
    email: str | None
    website: str | None
    opening_hours: str | None
    sectors: list[str]
    items: list[str]
    services: list[str]
    geocode_precision: str | None
    updated_at: datetime
    verified_at: datetime | None
    lat: float | None
    lon: float | None
    mrc_name: str | None
    region_name: str | None

    @property
    def approximate(self) -> bool:
        """True when the position is coarser than the street address."""
        return self.geocode_precision not in EXACT_PRECISIONS

    @property
    def town(self) -> str:
        """The municipality as written, or empty."""
        return self.municipality_name or ""


def find_public_enterprise(session: Session, enterprise_id: int) -> PublicEnterprise | None:
    """The published enterprise with this id, or None (unpublished ones do not exist publicly)."""
    columns = ", ".join(f"e.{c}" for c in PUBLIC_COLUMNS)
    row = session.execute(text(f"""
        SELECT {columns}, ST_Y(e.point), ST_X(e.point), m.name, r.name
        FROM enterprise e
        LEFT JOIN mrc m ON m.code = e.mrc_code
        LEFT JOIN region r ON r.code = m.region_code
        WHERE e.id = :id AND e.published"""), {"id": enterprise_id}).first()
    return PublicEnterprise(*row) if row else None


def merged_into(session: Session, enterprise_id: int) -> int | None:
    """The published enterprise a merged duplicate now points at, if any."""
    return session.execute(text("""
        SELECT k.id FROM enterprise d JOIN enterprise k ON k.id = d.merged_into AND k.published
        WHERE d.id = :id"""), {"id": enterprise_id}).scalar()


def schema_org(enterprise: PublicEnterprise, url: str) -> dict[str, Any]:
    """The schema.org LocalBusiness description of an enterprise, for a JSON-LD script."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "LocalBusiness",
                            "@id": url, "url": url, "name": enterprise.name}
    address = {"@type": "PostalAddress", "streetAddress": enterprise.street,
               "addressLocality": enterprise.municipality_name, "postalCode": enterprise.postal_code,
               "addressRegion": "QC", "addressCountry": "CA"}
    data["address"] = {key: value for key, value in address.items() if value}
    optional = {"description": enterprise.description, "telephone": enterprise.phone,
                "email": enterprise.email, "sameAs": enterprise.website,
                "openingHours": enterprise.opening_hours}
    data.update({key: value for key, value in optional.items() if value})
    if enterprise.lat is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": enterprise.lat, "longitude": enterprise.lon}
    return data
