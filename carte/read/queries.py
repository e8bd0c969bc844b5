"""Read queries shared by the web pages, the API and the exports."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Date,
    Float,
    Integer,
    Numeric,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array
from sqlalchemy.orm import Session

from carte.core.collation import NAME_COLLATION
from carte.core.opening_hours import is_open
from carte.core.pause import local_today
from carte.read.filters import EnterpriseFilter, Page
from carte.read.pauses import P, active, paused_out
from carte.store.models import Enterprise, ItemCategory, Mrc, Region, Sector, Service


@dataclass(frozen=True)
class MrcPlace:
    """An MRC with its region, for the map's territory filters."""

    code: str
    name: str
    region_code: str
    region_name: str


@dataclass(frozen=True)
class MrcCount(MrcPlace):
    """An MRC with its region and how many published enterprises it holds."""

    enterprises: int


def mrc_counts(session: Session) -> list[MrcCount]:
    """Every MRC, by region then name, with its count of published enterprises."""
    rows = session.execute(
        text("""
        SELECT m.code, m.name, r.code, r.name, count(e.id)
        FROM mrc m
        JOIN region r ON r.code = m.region_code
        LEFT JOIN enterprise e ON e.mrc_code = m.code AND e.published
        GROUP BY m.code, r.code
        ORDER BY r.code, m.name""")
    )
    return [MrcCount(*row) for row in rows]


def mrc_places(session: Session) -> list[MrcPlace]:
    """Every MRC, by region then name (without counting enterprises: the map page does not show them)."""
    rows = session.execute(
        text("""
        SELECT m.code, m.name, r.code, r.name FROM mrc m JOIN region r ON r.code = m.region_code
        ORDER BY r.code, m.name""")
    )
    return [MrcPlace(*row) for row in rows]


E = Enterprise.__table__
M = Mrc.__table__
R = Region.__table__
VOCABULARY_TABLES = {
    "sectors": Sector.__table__,
    "items": ItemCategory.__table__,
    "services": Service.__table__,
}
LOCAL_TIME_ZONE = "America/Toronto"


def escape_like(value: str) -> str:
    """Make %, _ and the escape character match themselves in a LIKE pattern."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def folded(column: ColumnElement) -> ColumnElement:
    """Lower-case, accent-free form of a text column (matches the trigram index on name)."""
    return func.lower(func.carte_unaccent(column))


#: The names of filter parameters start with it: SQLAlchemy names its anonymous ones after columns
#: (`sectors_1` for `sectors[1]`), which would clash.
FILTER_PREFIX = "filter_"


def filter_values(filters: EnterpriseFilter) -> dict[str, Any]:
    """Every value the filters put in SQL (open_now aside), by the name of its bound parameter.

    The conditions below name their parameters this way, so a statement built for one search serves
    every search of the same shape with these values (see page_keys_for)."""
    values: dict[str, Any] = {}
    if filters.q:
        values["q"] = escape_like(filters.q.strip())
    for kind in ("items", "sectors", "services"):
        values.update({f"{kind}_{number}": code for number, code in enumerate(getattr(filters, kind))})
    if filters.mrc:
        values["mrc"] = filters.mrc
    if filters.region:
        values["region"] = filters.region
    if filters.bbox:
        values.update(zip(("west", "south", "east", "north"), filters.bbox, strict=True))
    if filters.near:
        lat, lon = filters.near
        dlat = filters.radius_km / 110.0 + 0.01
        dlon = min(filters.radius_km / (110.0 * max(math.cos(math.radians(lat)), 0.01)) + 0.01, 360.0)
        values.update(
            near_lat=lat,
            near_lon=lon,
            near_metres=filters.radius_km * 1000,
            near_west=lon - dlon,
            near_south=max(lat - dlat, -90.0),
            near_east=lon + dlon,
            near_north=min(lat + dlat, 90.0),
        )
    if filters.leaves_out_paused:
        values["today"] = filters.today or local_today()
    return {f"{FILTER_PREFIX}{name}": held for name, held in values.items()}


def value(values: dict[str, Any], name: str, type_: Any = Text) -> ColumnElement:
    """The bound parameter of one filter value."""
    return bindparam(FILTER_PREFIX + name, values[FILTER_PREFIX + name], type_=type_)


def by_text(values: dict[str, Any]) -> ColumnElement[bool]:
    """Name, description or municipality contains the words, ignoring accents and case."""
    pattern = func.concat("%", folded(value(values, "q")), "%")
    return or_(
        *(
            folded(column).like(pattern, escape="\\")
            for column in (E.c.name, E.c.description, E.c.municipality_name)
        )
    )


def text_match_ids(session: Session, q: str) -> list[int]:
    """Ids of the published, located enterprises that the API's free-text search (by_text) finds."""
    conditions = (
        E.c.published.is_(True),
        E.c.point.is_not(None),
        by_text(filter_values(EnterpriseFilter(q=q))),
    )
    return list(session.execute(select(E.c.id).where(*conditions)).scalars())


def asked_codes(column: ColumnElement, codes: tuple[str, ...], values: dict[str, Any]) -> ColumnElement:
    """The codes asked for an array column, as a text array of bound values."""
    return cast(
        array([value(values, f"{column.name}_{number}") for number in range(len(codes))]), ARRAY(Text)
    )


def by_codes(column: ColumnElement, codes: tuple[str, ...], values: dict[str, Any]) -> ColumnElement[bool]:
    """The array column holds at least one of the codes asked for it."""
    return column.overlap(asked_codes(column, codes, values))


def by_accepting(
    column: ColumnElement, codes: tuple[str, ...], values: dict[str, Any]
) -> ColumnElement[bool]:
    """One of the codes asked for items or sectors is offered and not paused today."""
    return ~by_paused(column, codes, values)


def by_paused(column: ColumnElement, codes: tuple[str, ...], values: dict[str, Any]) -> ColumnElement[bool]:
    """Every code asked for items or sectors that the enterprise offers is paused today."""
    return paused_out(column, column.name, asked_codes(column, codes, values), value(values, "today", Date))


def by_region(values: dict[str, Any]) -> ColumnElement[bool]:
    """In one of the MRCs of a region."""
    return E.c.mrc_code.in_(select(M.c.code).where(M.c.region_code == value(values, "region")))


def envelope(values: dict[str, Any], prefix: str = "") -> ColumnElement:
    """The longitude/latitude box of four filter values."""
    return func.ST_MakeEnvelope(
        *(value(values, f"{prefix}{side}", Float) for side in ("west", "south", "east", "north")), 4326
    )


def reference_point(values: dict[str, Any]) -> ColumnElement:
    """The point of near, as a geography."""
    return cast(
        func.ST_SetSRID(
            func.ST_MakePoint(value(values, "near_lon", Float), value(values, "near_lat", Float)), 4326
        ),
        Geography,
    )


def by_distance(values: dict[str, Any]) -> ColumnElement[bool]:
    """Within the radius of near; a box around it first lets the spatial index work."""
    return and_(
        E.c.point.op("&&")(envelope(values, "near_")),
        func.ST_DWithin(
            cast(E.c.point, Geography), reference_point(values), value(values, "near_metres", Float)
        ),
    )


def by_ids(ids: list[int]) -> ColumnElement[bool]:
    """One of these enterprises."""
    return E.c.id == any_(cast(array(ids or [0]), ARRAY(BigInteger)))


def base_conditions(filters: EnterpriseFilter) -> list[ColumnElement[bool]]:
    """The SQL conditions of every filter except open_now; always only published enterprises."""
    values = filter_values(filters)
    conditions: list[ColumnElement[bool]] = [E.c.published.is_(True)]
    if filters.q:
        conditions.append(by_text(values))
    for column, codes in (
        (E.c["items"], filters.items),
        (E.c.sectors, filters.sectors),
        (E.c.services, filters.services),
    ):
        if codes:
            conditions.append(by_codes(column, codes, values))
            if filters.leaves_out_paused and column.name in ("items", "sectors"):
                conditions.append(by_accepting(column, codes, values))
    if filters.mrc:
        conditions.append(E.c.mrc_code == value(values, "mrc"))
    if filters.region:
        conditions.append(by_region(values))
    if filters.bbox:
        conditions.append(E.c.point.op("&&")(envelope(values)))
    if filters.near:
        conditions.append(by_distance(values))
    return conditions


def open_ids(session: Session, conditions: list[ColumnElement[bool]], moment: datetime) -> list[int]:
    """Ids of the matching enterprises whose opening hours say they are open at a moment."""
    rows = session.execute(
        select(E.c.id, E.c.opening_hours).where(*conditions, E.c.opening_hours.is_not(None))
    )
    return [row.id for row in rows if is_open(row.opening_hours, moment)]


def conditions_for(
    session: Session, filters: EnterpriseFilter, moment: datetime | None = None
) -> list[ColumnElement[bool]]:
    """Every condition of the filters, open_now evaluated at a moment (default: now)."""
    conditions = base_conditions(filters)
    if filters.open_now:
        conditions.append(by_ids(open_ids(session, conditions, moment or datetime.now(UTC))))
    return conditions


def labelled(codes: ColumnElement, kind: str, language: str) -> ColumnElement:
    """The codes of an array column as [{code, label}] in vocabulary order."""
    table = VOCABULARY_TABLES[kind]
    label = table.c.label_en if language == "en" else table.c.label_fr
    pair = func.json_build_object("code", table.c.code, "label", label)
    return (
        select(
            func.coalesce(
                func.json_agg(aggregate_order_by(pair, table.c.position)), literal_column("'[]'::json")
            )
        )
        .where(table.c.code == any_(codes))
        .scalar_subquery()
    )


def distance_km(filters: EnterpriseFilter) -> ColumnElement:
    """Distance in km from the point of near, rounded to 10 m (NULL without near)."""
    if filters.near is None:
        return null()
    metres = func.ST_Distance(cast(E.c.point, Geography), reference_point(filter_values(filters)))
    return func.round(cast(metres / 1000.0, Numeric), 2)


def feature(row: Any, language: str, base_url: str | ColumnElement, with_distance: bool) -> ColumnElement:
    """A GeoJSON Feature of one enterprise row: only public fields."""
    properties = [
        "id",
        row.id,
        "name",
        row.name,
        "description",
        row.description,
        "sectors",
        labelled(row.sectors, "sectors", language),
        "items",
        labelled(row["items"], "items", language),
        "services",
        labelled(row.services, "services", language),
        "street",
        row.street,
        "address_line2",
        row.address_line2,
        "municipality",
        row.municipality_name,
        "postal_code",
        row.postal_code,
        "mrc_code",
        row.mrc_code,
        "mrc_name",
        row.mrc_name,
        "region_code",
        row.region_code,
        "phone",
        row.phone,
        "has_email",
        row.has_email,
        "website",
        row.website,
        "opening_hours",
        row.opening_hours,
        "geocode_precision",
        row.geocode_precision,
        "updated",
        row.updated,
        "source",
        row.source,
        "last_verified",
        row.last_verified,
        "url",
        func.concat(base_url, "/entreprises/", row.id),
        "accepting",
        accepting_property(row.id, language),
    ]
    if with_distance:
        properties += ["distance_km", row.distance_km]
    return func.json_build_object(
        "type",
        "Feature",
        "id",
        row.id,
        "geometry",
        cast(func.ST_AsGeoJSON(row.point, 6), JSON),
        "properties",
        func.json_build_object(*properties),
    )


#: The `accepting` property of an enterprise that has paused nothing.
NOT_PAUSED = '{"paused": false, "paused_items": [], "paused_sectors": [], "until": null, "message": null}'


def accepting_property(enterprise_id: ColumnElement, language: str) -> ColumnElement:
    """What an enterprise has paused today, its last day and its message (the statement binds pause_today)."""
    pause = P.alias("pause")
    body = func.json_build_object(
        "paused",
        True,
        "paused_items",
        labelled(pause.c["items"], "items", language),
        "paused_sectors",
        labelled(pause.c.sectors, "sectors", language),
        "until",
        func.to_char(pause.c.until, "YYYY-MM-DD"),
        "message",
        func.nullif(pause.c.message, ""),
    )
    found = (
        select(body)
        .where(pause.c.enterprise_id == enterprise_id, active(pause))
        .order_by(pause.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(found, literal_column(f"'{NOT_PAUSED}'::json"))


def last_checked() -> ColumnElement:
    """When an entry was last confirmed by its owner or staff, else when it was added: the date the
    freshness reminders count from, published with each row."""
    return func.coalesce(E.c.verified_at, E.c.created_at)


def public_columns(distance: ColumnElement) -> Select:
    """The public columns of enterprises with their MRC and region, and a distance column."""
    updated = func.to_char(func.timezone(LOCAL_TIME_ZONE, E.c.updated_at), "YYYY-MM-DD")
    verified = func.to_char(func.timezone(LOCAL_TIME_ZONE, last_checked()), "YYYY-MM-DD")
    return select(
        E.c.id,
        E.c.name,
        E.c.description,
        E.c.sectors,
        E.c["items"],
        E.c.services,
        E.c.street,
        E.c.address_line2,
        E.c.municipality_name,
        E.c.postal_code,
        E.c.mrc_code,
        M.c.name.label("mrc_name"),
        M.c.region_code,
        E.c.phone,
        E.c.email.is_not(None).label("has_email"),
        E.c.website,
        E.c.opening_hours,
        E.c.geocode_precision,
        updated.label("updated"),
        E.c.source,
        verified.label("last_verified"),
        E.c.point,
        distance.label("distance_km"),
    )


def best_first(distance: ColumnElement, near: tuple[float, float] | None) -> list[ColumnElement]:
    """The order of search results: nearest first when near is given, then by name in French order, then id."""
    return [*([distance] if near else []), E.c.name.collate(NAME_COLLATION), E.c.id]


def public_rows(
    conditions: list[ColumnElement[bool]], filters: EnterpriseFilter = EnterpriseFilter()
) -> Select:
    """The public columns of matching enterprises with their MRC and region, best first."""
    distance = distance_km(filters)
    query = public_columns(distance).select_from(E.outerjoin(M, M.c.code == E.c.mrc_code)).where(*conditions)
    return query.order_by(*best_first(distance, filters.near))


def page_keys(conditions: list[ColumnElement[bool]], filters: EnterpriseFilter, page: Page | None) -> Select:
    """Id, distance and total of one page of matches: narrow rows, so a box with thousands of matches
    is counted and sorted without carrying (or formatting) every column of every match."""
    distance = distance_km(filters)
    keys = (
        select(E.c.id, distance.label("distance_km"), func.count().over().label("total"))
        .where(*conditions)
        .order_by(*best_first(distance, filters.near))
    )
    if page is None:
        return keys
    return keys.limit(bindparam("page_limit", page.limit, type_=Integer)).offset(
        bindparam("page_offset", page.offset, type_=Integer)
    )


#: Page-keys statements by the shape of their search: the names of the parameters they bind.
_PAGE_KEYS: dict[tuple[str, ...], Select] = {}
#: Shapes kept at most (a few dozen occur in practice); past it the cache starts again.
PAGE_KEYS_SHAPES = 512


def page_keys_for(filters: EnterpriseFilter, page: Page | None) -> tuple[Select, dict[str, Any]]:
    """The page-keys statement of a search (open_now aside) and the values to run it with.

    Building the statement and its cache key cost about 0.6 ms of Python per request, so it is built
    once per shape (which filters, how many codes each, paged or not) and run with each search's values."""
    values = filter_values(filters)
    if page is not None:
        values.update(page_limit=page.limit, page_offset=page.offset)
    shape = tuple(values)
    statement = _PAGE_KEYS.get(shape)
    if statement is None:
        if len(_PAGE_KEYS) >= PAGE_KEYS_SHAPES:
            _PAGE_KEYS.clear()
        statement = _PAGE_KEYS[shape] = page_keys(base_conditions(filters), filters, page)
    return statement, values


def comma_separated(name: str, element: Any) -> ColumnElement:
    """An array parameter sent as one comma-separated text: psycopg adapts a Python list element by
    element, which cost more Python time than the rest of the statement's parameters together."""
    return cast(func.string_to_array(bindparam(name, type_=Text), ","), ARRAY(element))


@lru_cache(maxsize=8)
def features_statement(language: str, with_distance: bool) -> Select:
    """The GeoJSON Features of given ids, in the given order, as one JSON text.

    Built once per language and distance flag, then only its parameters change (ids, distances,
    base_url): building this large expression and its cache key cost about 3 ms of Python per request,
    more than PostgreSQL spent answering it."""
    keys = (
        func.unnest(comma_separated("ids", BigInteger), comma_separated("distances", Numeric))
        .table_valued("id", "distance_km", with_ordinality="ord")
        .render_derived(name="keys")
    )
    page_rows = (
        public_columns(keys.c.distance_km)
        .add_columns(keys.c.ord)
        .select_from(keys.join(E, E.c.id == keys.c.id).outerjoin(M, M.c.code == E.c.mrc_code))
        .subquery("page")
    )
    features = func.json_agg(
        aggregate_order_by(
            feature(page_rows.c, language, bindparam("base_url", type_=Text), with_distance), page_rows.c.ord
        )
    )
    return select(cast(func.coalesce(features, literal_column("'[]'::json")), Text))


def matching_keys(
    session: Session, filters: EnterpriseFilter, page: Page | None = None, moment: datetime | None = None
) -> tuple[list[Any], int]:
    """Id and distance of one page of matching enterprises, best first, and how many match in all."""
    if filters.open_now:  # the ids open at this moment are bound in the statement
        conditions = conditions_for(session, filters, moment)
        statement, values = page_keys(conditions, filters, page), {}
    else:
        conditions = None
        statement, values = page_keys_for(filters, page)
    keys = session.execute(statement, values).all()
    if keys:
        return keys, keys[0].total
    if page is None or not page.offset:  # an empty page: nothing matches, or past the end
        return [], 0
    counted = select(func.count()).select_from(E).where(*(conditions or base_conditions(filters)))
    return [], session.execute(counted).scalar_one()


def enterprise_features(
    session: Session,
    filters: EnterpriseFilter,
    language: str,
    base_url: str,
    page: Page | None = None,
    moment: datetime | None = None,
) -> tuple[str, int, int]:
    """Matching enterprises as a JSON array of GeoJSON Features (built in PostGIS), total, returned."""
    keys, total = matching_keys(session, filters, page, moment)
    if not keys:
        return "[]", total, 0
    features = session.execute(
        features_statement(language, bool(filters.near)),
        {
            "ids": ",".join(str(key.id) for key in keys),
            "distances": ",".join(str(key.distance_km) for key in keys) if filters.near else None,
            "base_url": base_url,
            "pause_today": filters.today or local_today(),
        },
    ).scalar_one()
    return features, total, len(keys)


def paused_left_out(session: Session, filters: EnterpriseFilter, moment: datetime | None = None) -> int:
    """How many places the search left out because what it asks for is paused there today (0 when the
    search names no item nor sector, or includes paused places)."""
    if not filters.leaves_out_paused:
        return 0
    values = filter_values(filters)
    paused = [
        by_paused(column, codes, values)
        for column, codes in ((E.c["items"], filters.items), (E.c.sectors, filters.sectors))
        if codes
    ]
    conditions = [*conditions_for(session, replace(filters, accepting="all"), moment), or_(*paused)]
    return session.execute(select(func.count()).select_from(E).where(*conditions)).scalar_one()


def enterprise_feature(
    session: Session, enterprise_id: int, language: str, base_url: str, today: date | None = None
) -> str | None:
    """One published enterprise as GeoJSON text, or None when there is none with this id."""
    if not 0 < enterprise_id < 2**63:
        return None
    rows = public_rows([E.c.published.is_(True), E.c.id == enterprise_id]).subquery("one")
    return session.execute(
        select(cast(feature(rows.c, language, base_url, False), Text)).select_from(rows),
        {"pause_today": today or local_today()},
    ).scalar()


def enterprise_records(
    session: Session, filters: EnterpriseFilter, language: str, base_url: str
) -> Iterator[dict[str, Any]]:
    """The matching enterprises as flat records (labels joined by '; ') for tabular exports."""
    rows = public_rows(conditions_for(session, filters), filters).subquery("rows")

    def joined(column: ColumnElement, kind: str) -> ColumnElement:
        labels = select(
            func.string_agg(
                VOCABULARY_TABLES[kind].c["label_en" if language == "en" else "label_fr"],
                aggregate_order_by(literal_column("'; '"), VOCABULARY_TABLES[kind].c.position),
            )
        )
        return labels.where(VOCABULARY_TABLES[kind].c.code == any_(column)).scalar_subquery()

    query = select(
        rows.c.id,
        rows.c.name,
        rows.c.description,
        joined(rows.c.sectors, "sectors").label("sectors"),
        joined(rows.c["items"], "items").label("items"),
        joined(rows.c.services, "services").label("services"),
        rows.c.street,
        rows.c.address_line2,
        rows.c.municipality_name.label("municipality"),
        rows.c.postal_code,
        rows.c.mrc_code,
        rows.c.mrc_name,
        rows.c.phone,
        rows.c.website,
        rows.c.opening_hours,
        func.ST_Y(rows.c.point).label("latitude"),
        func.ST_X(rows.c.point).label("longitude"),
        rows.c.geocode_precision,
        rows.c.updated,
        rows.c.source,
        rows.c.last_verified,
        func.concat(base_url, "/entreprises/", rows.c.id).label("url"),
    )
    for row in session.execute(query.execution_options(yield_per=1000)):
        yield dict(row._mapping)


def known_place(session: Session) -> Callable[[str, str], bool]:
    """A check that an MRC ('mrc') or region ('region') code exists."""

    def exists(kind: str, code: str) -> bool:
        table = M if kind == "mrc" else R
        return session.execute(select(table.c.code).where(table.c.code == code)).first() is not None

    return exists


def data_version(session: Session) -> int:
    """A number that changes whenever enterprises, MRCs or the vocabulary change."""
    return session.execute(text("SELECT version FROM data_version")).scalar_one()


def cache_version(session: Session) -> str:
    """What public answers depend on in the database: the data version and the pauses' version."""
    return session.execute(text("SELECT version || '.' || pause_version FROM data_version")).scalar_one()


def sector_counts_by_mrc() -> Select:
    """Published enterprises per MRC and sector."""
    sector = func.unnest(E.c.sectors).table_valued("code").render_derived(name="s")
    return (
        select(E.c.mrc_code, sector.c.code, func.count().label("n"))
        .select_from(E)
        .join(sector, literal_column("true"))
        .where(E.c.published.is_(True))
        .group_by(E.c.mrc_code, sector.c.code)
    )


def mrc_list_json(session: Session) -> str:
    """Every MRC with its region, its count of published enterprises and its count per sector."""
    per_sector = sector_counts_by_mrc().cte("per_sector")
    sectors = (
        select(
            per_sector.c.mrc_code, func.json_object_agg(per_sector.c.code, per_sector.c.n).label("sectors")
        )
        .group_by(per_sector.c.mrc_code)
        .cte("sectors_by_mrc")
    )
    totals = (
        select(E.c.mrc_code, func.count().label("n"))
        .where(E.c.published.is_(True))
        .group_by(E.c.mrc_code)
        .cte("totals")
    )
    entry = func.json_build_object(
        "code",
        M.c.code,
        "name",
        M.c.name,
        "type",
        M.c.type,
        "region_code",
        R.c.code,
        "region_name",
        R.c.name,
        "enterprises",
        func.coalesce(totals.c.n, 0),
        "sectors",
        func.coalesce(sectors.c.sectors, literal_column("'{}'::json")),
    )
    query = select(cast(func.json_agg(aggregate_order_by(entry, R.c.code, M.c.name)), Text)).select_from(
        M.join(R, R.c.code == M.c.region_code)
        .outerjoin(totals, totals.c.mrc_code == M.c.code)
        .outerjoin(sectors, sectors.c.mrc_code == M.c.code)
    )
    return session.execute(query).scalar_one()


def mrc_boundary_json(session: Session, code: str) -> str | None:
    """An MRC as a GeoJSON Feature: its simplified boundary, name, region and bounding box."""
    if len(code) > 3:
        return None
    total = (
        select(func.count())
        .select_from(E)
        .where(E.c.mrc_code == M.c.code, E.c.published.is_(True))
        .scalar_subquery()
    )
    box = func.box2d(M.c.geom_simple)
    properties = func.json_build_object(
        "code",
        M.c.code,
        "name",
        M.c.name,
        "type",
        M.c.type,
        "region_code",
        R.c.code,
        "region_name",
        R.c.name,
        "enterprises",
        total,
        "bbox",
        func.json_build_array(
            func.round(cast(func.ST_XMin(box), Numeric), 5),
            func.round(cast(func.ST_YMin(box), Numeric), 5),
            func.round(cast(func.ST_XMax(box), Numeric), 5),
            func.round(cast(func.ST_YMax(box), Numeric), 5),
        ),
    )
    geojson = func.json_build_object(
        "type",
        "Feature",
        "id",
        M.c.code,
        "geometry",
        cast(func.ST_AsGeoJSON(M.c.geom_simple, 5), JSON),
        "properties",
        properties,
    )
    return session.execute(
        select(cast(geojson, Text))
        .select_from(M.join(R, R.c.code == M.c.region_code))
        .where(M.c.code == code)
    ).scalar()


@dataclass(frozen=True)
class MrcSummary:
    """One MRC for its page: names, counts by sector and by item category."""

    code: str
    name: str
    region_name: str
    enterprises: int
    sectors: dict[str, int]
    items: dict[str, int]


def code_counts(session: Session, column: ColumnElement, mrc_code: str) -> dict[str, int]:
    """How many published enterprises of an MRC carry each code of an array column."""
    code = func.unnest(column).table_valued("code").render_derived(name="c")
    rows = session.execute(
        select(code.c.code, func.count())
        .select_from(E)
        .join(code, literal_column("true"))
        .where(E.c.mrc_code == mrc_code, E.c.published.is_(True))
        .group_by(code.c.code)
    )
    return {row[0]: row[1] for row in rows}


def mrc_summary(session: Session, code: str) -> MrcSummary | None:
    """Counts of one MRC's enterprises by sector and item category, or None for an unknown code."""
    row = session.execute(
        select(M.c.code, M.c.name, R.c.name).join(R, R.c.code == M.c.region_code).where(M.c.code == code)
    ).first()
    if row is None:
        return None
    total = session.execute(
        select(func.count()).select_from(E).where(E.c.mrc_code == code, E.c.published.is_(True))
    ).scalar_one()
    return MrcSummary(
        row[0],
        row[1],
        row[2],
        total,
        code_counts(session, E.c.sectors, code),
        code_counts(session, E.c["items"], code),
    )
