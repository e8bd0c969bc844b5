"""Published enterprises as the public sees them: no staff fields, with their MRC and region."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, null, select, text
from sqlalchemy.orm import Session

from carte.core.precision import EXACT_PRECISIONS
from carte.read.filters import EnterpriseFilter, Page
from carte.read.queries import (
    E,
    M,
    R,
    best_first,
    by_ids,
    conditions_for,
    distance_km,
    last_checked,
    matching_keys,
)

#: Rows an export reads from the database at a time.
BATCH_ROWS = 1000


@dataclass(frozen=True)
class PublicEnterprise:
    """The public fields of an enterprise, its position, the names of its MRC and region, its provenance."""

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
    checked_at: datetime
    neq: str | None
    source: str
    lat: float | None
    lon: float | None
    mrc_code: str | None
    mrc_name: str | None
    region_code: str | None
    region_name: str | None

    @property
    def approximate(self) -> bool:
        """True when the position is coarser than the street address."""
        return self.geocode_precision not in EXACT_PRECISIONS

    @property
    def town(self) -> str:
        """The municipality as written, or empty."""
        return self.municipality_name or ""


def public_enterprises(conditions: list[ColumnElement[bool]], with_email: bool) -> Select:
    """The public fields of the enterprises meeting the conditions; the e-mail only for the enterprise's
    own page (the API and exports never select it, so that lists of addresses cannot be harvested)."""
    return (
        select(
            E.c.id,
            E.c.name,
            E.c.description,
            E.c.street,
            E.c.address_line2,
            E.c.municipality_name,
            E.c.postal_code,
            E.c.phone,
            (E.c.email if with_email else null()).label("email"),
            E.c.website,
            E.c.opening_hours,
            E.c.sectors,
            E.c["items"],
            E.c.services,
            E.c.geocode_precision,
            E.c.updated_at,
            E.c.verified_at,
            last_checked().label("checked_at"),
            E.c.neq,
            E.c.source,
            func.ST_Y(E.c.point).label("lat"),
            func.ST_X(E.c.point).label("lon"),
            E.c.mrc_code,
            M.c.name.label("mrc_name"),
            R.c.code.label("region_code"),
            R.c.name.label("region_name"),
        )
        .select_from(E.outerjoin(M, M.c.code == E.c.mrc_code).outerjoin(R, R.c.code == M.c.region_code))
        .where(*conditions)
    )


def find_public_enterprise(
    session: Session, enterprise_id: int, with_email: bool = True
) -> PublicEnterprise | None:
    """The published enterprise with this id, or None (unpublished ones do not exist publicly)."""
    if not 0 < enterprise_id < 2**63:
        return None
    row = session.execute(
        public_enterprises([E.c.published.is_(True), E.c.id == enterprise_id], with_email)
    ).first()
    return PublicEnterprise(**row._mapping) if row else None


def matching_public_enterprises(session: Session, filters: EnterpriseFilter) -> Iterator[PublicEnterprise]:
    """Every enterprise matching the filters, best first, read in batches (for exports)."""
    query = public_enterprises(conditions_for(session, filters), with_email=False)
    query = query.order_by(*best_first(distance_km(filters), filters.near))
    for row in session.execute(query.execution_options(yield_per=BATCH_ROWS)):
        yield PublicEnterprise(**row._mapping)


def public_enterprise_page(
    session: Session, filters: EnterpriseFilter, page: Page
) -> tuple[list[PublicEnterprise], int]:
    """One page of the enterprises matching the filters, best first, and how many match in all."""
    keys, total = matching_keys(session, filters, page)
    ids = [key.id for key in keys]
    rows = session.execute(public_enterprises([by_ids(ids)], with_email=False)) if ids else []
    found = {row.id: PublicEnterprise(**row._mapping) for row in rows}
    return [found[identifier] for identifier in ids], total


def merged_into(session: Session, enterprise_id: int) -> int | None:
    """The published enterprise a merged duplicate now points at, if any."""
    return session.execute(
        text("""
        SELECT k.id FROM enterprise d JOIN enterprise k ON k.id = d.merged_into AND k.published
        WHERE d.id = :id"""),
        {"id": enterprise_id},
    ).scalar()
