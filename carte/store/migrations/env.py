"""Alembic environment: runs migrations on the connection or URL the caller hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from carte.store.models import Base
from carte.store.url import database_url

config = context.config
target_metadata = Base.metadata

SPATIAL_TABLES = {"spatial_ref_sys", "topology", "layer"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave PostGIS's own tables out of autogenerate."""
    return not (type_ == "table" and name in SPATIAL_TABLES)


def run_migrations() -> None:
    """Run on the connection given in attributes, else on the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, include_object=include_object
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(database_url(config.get_main_option("sqlalchemy.url"), "sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
