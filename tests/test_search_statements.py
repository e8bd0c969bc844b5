"""A search statement is built once per shape of search, then run with each search's own values."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import psycopg

from carte.read.filters import EnterpriseFilter, Page
from carte.read.queries import base_conditions, page_keys, page_keys_for

FIRST = EnterpriseFilter(
    q="vélo",
    items=("meubles",),
    sectors=("friperie", "ressourcerie"),
    services=("collecte",),
    mrc="37",
    region="04",
    bbox=(-72.5, 45.5, -71.5, 46.5),
    near=(46.35, -72.55),
    radius_km=5,
)
SECOND = EnterpriseFilter(
    q="divan 50%",
    items=("livres",),
    sectors=("culture", "habitation"),
    services=("livraison",),
    mrc="66",
    region="06",
    bbox=(-74.0, 45.0, -73.0, 46.0),
    near=(45.5, -73.6),
    radius_km=12,
)


def parameters(statement, values=None) -> dict:
    """Every value a statement binds, with values given at run time in place of its own."""
    return statement.compile(dialect=psycopg.dialect()).construct_params(values)


def test_searches_of_the_same_shape_share_one_statement() -> None:
    kept, _ = page_keys_for(FIRST, Page(limit=10, offset=20))
    again, _ = page_keys_for(SECOND, Page(limit=100, offset=0))
    assert again is kept


def test_a_shared_statement_binds_only_the_running_search_s_values() -> None:
    kept, _ = page_keys_for(FIRST, Page(limit=10, offset=20))
    again, values = page_keys_for(SECOND, Page(limit=100, offset=0))
    built_for_second = page_keys(base_conditions(SECOND), SECOND, Page(limit=100, offset=0))
    assert parameters(again, values) == parameters(built_for_second)
    assert not set(parameters(again, values).values()) & {"vélo", "meubles", "friperie", "collecte", "37"}


def test_searches_of_other_shapes_get_their_own_statement() -> None:
    two_sectors, _ = page_keys_for(EnterpriseFilter(sectors=("friperie", "culture")), Page())
    one_sector, _ = page_keys_for(EnterpriseFilter(sectors=("friperie",)), Page())
    unpaged, _ = page_keys_for(EnterpriseFilter(sectors=("friperie",)), None)
    assert len({id(two_sectors), id(one_sector), id(unpaged)}) == 3
