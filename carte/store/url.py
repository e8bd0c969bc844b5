"""Database URLs: the forms people are given, normalised to the psycopg 3 driver, or one clear error."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from carte.core.errors import ConfigurationError

#: The one driver the application uses (COPY and the set-up script speak psycopg 3).
DRIVER = "postgresql+psycopg"
#: The backend names PostgreSQL tools and hosting services write.
POSTGRES_BACKENDS = ("postgresql", "postgres")
EXAMPLE = "postgresql://utilisateur:motdepasse@hôte:5432/base"


def database_url(raw: str | None, variable: str = "CARTE_DATABASE_URL") -> str:
    """The URL in the psycopg 3 form SQLAlchemy needs, or ConfigurationError naming the variable."""
    return parse_database_url(raw, variable).render_as_string(hide_password=False)


def parse_database_url(raw: str | URL | None, variable: str = "CARTE_DATABASE_URL") -> URL:
    """The parsed URL with the psycopg 3 driver; every URL that cannot work is refused in French."""
    parsed = _parse(raw, variable)
    backend, _, driver = parsed.drivername.partition("+")
    if backend.lower() not in POSTGRES_BACKENDS:
        raise _invalid(
            variable, f"elle désigne une base « {backend} » ; l'application demande PostgreSQL avec PostGIS"
        )
    if driver.lower() not in ("", "psycopg"):
        raise _invalid(variable, _driver_problem(driver))
    if not parsed.database:
        raise _invalid(variable, "le nom de la base de données manque à la fin (…/base)")
    return parsed.set(drivername=DRIVER)


def _parse(raw: str | URL | None, variable: str) -> URL:
    """The URL as SQLAlchemy reads it, refusing an empty value or text that is not a URL."""
    if isinstance(raw, URL):
        return raw
    if raw is None or not raw.strip():
        raise _invalid(variable, "elle est vide")
    try:
        return make_url(raw.strip())
    except (ArgumentError, ValueError):
        raise _invalid(variable, "ce n'est pas une adresse de base de données lisible") from None


def _driver_problem(driver: str) -> str:
    """Why a driver named in the URL cannot be used."""
    if driver.lower() == "psycopg2":
        return (
            "le pilote psycopg2 n'est pas celui de l'application (elle utilise psycopg 3) ; "
            "retirez « +psycopg2 » de l'adresse"
        )
    return f"le pilote « {driver} » n'est pas pris en charge ; retirez « +{driver} » de l'adresse"


def _invalid(variable: str, problem: str) -> ConfigurationError:
    """One French sentence naming the variable, what is wrong and the expected form."""
    return ConfigurationError(f"{variable} ne convient pas : {problem}. Forme attendue : {EXAMPLE}.")
