"""Create the extensions and apply the Alembic migrations on a database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from carte.core.errors import DatabaseUnavailable
from carte.store.engine import connect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
EXTENSIONS = ("postgis", "unaccent", "pg_trgm")


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def create_extensions(engine: Engine) -> None:
    """Create the PostgreSQL extensions the schema needs, explaining how to install PostGIS."""
    with connect(engine) as connection:
        available = set(
            connection.execute(
                text("SELECT name FROM pg_available_extensions WHERE name = ANY(:names)"),
                {"names": list(EXTENSIONS)},
            ).scalars()
        )
        missing = [name for name in EXTENSIONS if name not in available]
        if missing:
            raise DatabaseUnavailable(
                f"Extension(s) PostgreSQL absente(s) du serveur : {', '.join(missing)}. "
                "Installez PostGIS (Debian : apt-get install -y postgresql-15-postgis-3) "
                "ou lancez make setup."
            )
        for name in EXTENSIONS:
            try:
                connection.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{name}"'))
            except DBAPIError as error:
                raise DatabaseUnavailable(
                    f"Impossible de créer l'extension {name} : {error.orig}".strip()
                ) from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring an empty or older database up to the given revision."""
    create_extensions(engine)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with connect(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with connect(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()
