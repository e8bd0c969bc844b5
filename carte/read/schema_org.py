"""Published enterprises in schema.org terms (JSON-LD): one builder for the enterprise page, the API
and the exports. docs/open-data.md maps every property."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from carte.core.opening_hours import DAY_NAMES, known_schedule
from carte.core.vocabulary import Term, load_vocabulary
from carte.read.public_enterprise import PublicEnterprise

CONTEXT = "https://schema.org"
DAY = 24 * 60


def clock(minutes: int) -> str:
    """A time of day as HH:MM; the end of the day is 23:59, as schema.org advises for closing at midnight."""
    if minutes == DAY:
        return "23:59"
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def opening_hours_specification(value: str | None) -> list[dict[str, Any]] | None:
    """The weekly OpeningHoursSpecification of OSM opening hours, one per distinct time span with its
    days; None when the value is absent or uses a form carte.core.opening_hours does not understand.

    Public-holiday rules (PH, SH) are left out: they need the dates of the holidays. A span past
    midnight closes before it opens, which schema.org reads as closing the next day."""
    schedule = known_schedule(value)
    if schedule is None:
        return None
    days_by_span: dict[tuple[int, int], list[int]] = {}
    for day in range(7):
        for span in schedule[day]:
            days_by_span.setdefault(span, []).append(day)
    specification = []
    for (start, end), days in sorted(days_by_span.items(), key=lambda entry: (entry[1][0], entry[0])):
        if (
            start >= DAY or end == start or (end > DAY and end - DAY >= start)
        ):  # not one opening within a day and a night
            return None
        specification.append(
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [f"{CONTEXT}/{DAY_NAMES['en'][day]}" for day in days],
                "opens": clock(start),
                "closes": clock(end),
            }
        )
    return specification


def property_value(property_id: str, value: Any) -> dict[str, Any]:
    """A schema.org PropertyValue named by a site-specific identifier."""
    return {"@type": "PropertyValue", "propertyID": property_id, "value": value}


def postal_address(enterprise: PublicEnterprise) -> dict[str, Any]:
    """The PostalAddress, the second address line after the street."""
    street = ", ".join(part for part in (enterprise.street, enterprise.address_line2) if part)
    address = {
        "@type": "PostalAddress",
        "streetAddress": street,
        "addressLocality": enterprise.municipality_name,
        "postalCode": enterprise.postal_code,
        "addressRegion": "QC",
        "addressCountry": "CA",
    }
    return {key: value for key, value in address.items() if value}


def territory(enterprise: PublicEnterprise) -> dict[str, Any] | None:
    """The MRC within its administrative region, as nested AdministrativeAreas."""
    if not enterprise.mrc_code:
        return None
    mrc = {"@type": "AdministrativeArea", "name": enterprise.mrc_name, "identifier": enterprise.mrc_code}
    if enterprise.region_code:
        mrc["containedInPlace"] = {
            "@type": "AdministrativeArea",
            "name": enterprise.region_name,
            "identifier": enterprise.region_code,
        }
    return mrc


def accepted_and_offered(enterprise: PublicEnterprise, language: str) -> dict[str, Any]:
    """What the enterprise accepts (seeks: a Demand per item category) and its services (makesOffer)."""
    vocabulary = load_vocabulary()

    def thing(kind: str, term: Term) -> dict[str, Any]:
        return {"@type": kind, "name": term.label(language), "identifier": term.code}

    return {
        "seeks": [
            {"@type": "Demand", "itemOffered": thing("Product", term)}
            for term in vocabulary.terms("items", enterprise.items)
        ],
        "makesOffer": [
            {"@type": "Offer", "itemOffered": thing("Service", term)}
            for term in vocabulary.terms("services", enterprise.services)
        ],
        "keywords": [term.label(language) for term in vocabulary.terms("sectors", enterprise.sectors)],
    }


def provenance(enterprise: PublicEnterprise) -> list[dict[str, Any]]:
    """The additional properties: hours as stored, precision of the position, source, last check."""
    values = [
        property_value("opening_hours", enterprise.opening_hours),
        property_value("geocode_precision", enterprise.geocode_precision),
        property_value("source", enterprise.source),
        property_value("last_verified", enterprise.checked_at.date().isoformat()),
    ]
    return [entry for entry in values if entry["value"]]


def local_business(enterprise: PublicEnterprise, url: str, language: str = "fr") -> dict[str, Any]:
    """The schema.org LocalBusiness of an enterprise (without @context), empty properties left out."""
    data: dict[str, Any] = {
        "@type": "LocalBusiness",
        "@id": url,
        "url": url,
        "name": enterprise.name,
        "description": enterprise.description,
        "address": postal_address(enterprise),
        "telephone": enterprise.phone,
        "email": enterprise.email,
        "sameAs": enterprise.website,
        "containedInPlace": territory(enterprise),
    }
    if enterprise.lat is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": round(enterprise.lat, 6),
            "longitude": round(enterprise.lon, 6),
        }
    data["openingHoursSpecification"] = opening_hours_specification(enterprise.opening_hours)
    data.update(accepted_and_offered(enterprise, language))
    if enterprise.neq:
        data["identifier"] = property_value("NEQ", enterprise.neq)
    data["additionalProperty"] = provenance(enterprise)
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def local_business_document(enterprise: PublicEnterprise, url: str, language: str) -> dict[str, Any]:
    """One LocalBusiness as a JSON-LD document (the enterprise's page, the API's single enterprise)."""
    return {"@context": CONTEXT, **local_business(enterprise, url, language)}


def feed_item(enterprise: PublicEnterprise, base_url: str, language: str) -> dict[str, Any]:
    """One DataFeedItem: the LocalBusiness and when its entry last changed."""
    return {
        "@type": "DataFeedItem",
        "dateModified": enterprise.updated_at.isoformat(timespec="seconds"),
        "item": local_business(enterprise, f"{base_url}/entreprises/{enterprise.id}", language),
    }


def data_feed_lines(
    enterprises: Iterable[PublicEnterprise], base_url: str, language: str, licence: dict[str, str]
) -> Iterator[str]:
    """A schema.org DataFeed of enterprises as JSON text, written piece by piece for streaming."""
    head = {
        "@context": CONTEXT,
        "@type": "DataFeed",
        "inLanguage": language,
        "name": "Carte de l'économie sociale" if language == "fr" else "Social economy map",
        "license": {"@type": "CreativeWork", "name": licence["licence"], "url": licence["licence_url"]},
        "creditText": licence["attribution"],
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "dataFeedElement": ['
    separator = ""
    for enterprise in enterprises:
        yield separator + json.dumps(feed_item(enterprise, base_url, language), ensure_ascii=False)
        separator = ", "
    yield "]}"
