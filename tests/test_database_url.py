"""Database URLs as PostgreSQL tools write them work; URLs that cannot work are one French sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from carte import create_app
from carte.core.errors import ConfigurationError
from carte.store.url import database_url as normalised

ROOT = Path(__file__).resolve().parent.parent
CARTE = str(Path(sys.executable).parent / "carte")
BAD_URLS = {
    "mysql://root@127.0.0.1:3306/carte": "base « mysql »",
    "sqlite:///carte.db": "base « sqlite »",
    "n'importe quoi": "pas une adresse de base de données lisible",
    "postgresql://postgres@127.0.0.1:5432/": "nom de la base de données manque",
    "postgresql://postgres@127.0.0.1:5432": "nom de la base de données manque",
    "postgresql+psycopg2://postgres@127.0.0.1:5432/carte": "psycopg2",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/carte": "pilote « asyncpg »",
    "postgresql://postgres@127.0.0.1:port/carte": "pas une adresse de base de données lisible",
    " ": "elle est vide",
}


def plain(url: str, database: str | None = None) -> str:
    """The URL in the form PostgreSQL tools give (postgresql://, no driver), optionally another database."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.set(database=database or parsed.database).render_as_string(hide_password=False)


def run(command: list[str], url: str) -> subprocess.CompletedProcess:
    """Run a set-up step with CARTE_DATABASE_URL set."""
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, env={**os.environ, "CARTE_DATABASE_URL": url}
    )


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://u:p%40ss@db.example:6543/carte?sslmode=require",
        "postgres://u:p%40ss@db.example:6543/carte?sslmode=require",
        "postgresql+psycopg://u:p%40ss@db.example:6543/carte?sslmode=require",
    ],
)
def test_the_usual_postgresql_urls_use_the_psycopg_3_driver(given):
    assert normalised(given) == "postgresql+psycopg://u:p%40ss@db.example:6543/carte?sslmode=require"


@pytest.mark.parametrize("given", sorted(BAD_URLS))
def test_a_url_that_cannot_work_says_what_is_wrong_naming_the_variable(given):
    with pytest.raises(ConfigurationError) as raised:
        normalised(given, "CARTE_DATABASE_URL")
    assert raised.value.message.startswith("CARTE_DATABASE_URL ne convient pas : ")
    assert BAD_URLS[given] in raised.value.message


def test_a_bad_read_replica_url_names_its_own_variable(database_url):
    with pytest.raises(ConfigurationError, match="^CARTE_DATABASE_READ_URL ne convient pas"):
        create_app({"DATABASE_URL": database_url, "DATABASE_READ_URL": "mysql://replica/carte"})


def test_setting_up_with_a_plain_postgresql_url_works(database_url):
    """`make setup`'s steps (server and database, then migrations) with the URL as hosts hand it out."""
    url = plain(database_url, make_url(database_url).database + "_plain_url")
    try:
        ensured = run([sys.executable, str(ROOT / "scripts" / "ensure_postgis.py")], url)
        assert ensured.returncode == 0, ensured.stderr
        upgraded = run([CARTE, "db", "upgrade"], url)
        assert upgraded.returncode == 0, upgraded.stderr
        assert "Schéma migré de vide" in upgraded.stdout
    finally:
        server = create_engine(
            plain(database_url, "postgres").replace("postgresql:", "postgresql+psycopg:", 1),
            isolation_level="AUTOCOMMIT",
        )
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        server.dispose()


@pytest.mark.parametrize(
    "given",
    [
        "mysql://root@127.0.0.1:3306/carte",
        "postgresql+psycopg2://postgres@127.0.0.1/carte",
        "postgresql://postgres@127.0.0.1:5432/",
    ],
)
def test_set_up_steps_refuse_a_bad_url_in_one_french_sentence(given):
    ensured = run([sys.executable, str(ROOT / "scripts" / "ensure_postgis.py")], given)
    upgraded = run([CARTE, "db", "upgrade"], given)
    for done in (ensured, upgraded):
        assert done.returncode == 1
        assert "Traceback" not in done.stdout + done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "CARTE_DATABASE_URL ne convient pas" in done.stderr


def test_help_is_the_same_whatever_the_database_url(database_url):
    for args in (["--help"], ["db", "--help"], ["sources", "--help"]):
        helped = run([CARTE, *args], "mysql://x@h/db")
        assert (helped.returncode, helped.stderr) == (0, ""), helped.stderr
        assert helped.stdout == run([CARTE, *args], database_url).stdout
