"""Database URLs as PostgreSQL tools write them work; URLs that cannot work are one French sentence."""

from __future__ import annotations

import os
import re
import shlex
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
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
FLASK = str(Path(sys.executable).parent / "flask")
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


def run(command: list[str], url: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a set-up step (or a server that must stop at once) with CARTE_DATABASE_URL set."""
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CARTE_DATABASE_URL": url},
    )


def documented_gunicorn_command(document: str) -> list[str]:
    """The one gunicorn command line of a document, as arguments, bound to a free port of this machine."""
    text = (ROOT / document).read_text(encoding="utf-8").replace("\\\n", " ")
    (line,) = re.findall(r"\.venv/bin/gunicorn (.+)", text)
    arguments = shlex.split(line)
    arguments[arguments.index("-b") + 1] = "127.0.0.1:0"
    return [GUNICORN, *arguments]


def refused_in_one_french_sentence(done: subprocess.CompletedProcess, status: int) -> bool:
    """The process exited with the status, saying what is wrong with CARTE_DATABASE_URL, no traceback."""
    return (
        done.returncode == status
        and "Traceback" not in done.stdout + done.stderr
        and "Erreur : CARTE_DATABASE_URL ne convient pas : " in done.stderr
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


@pytest.mark.parametrize("document", ["README.md", "docs/deployment.md"])
def test_the_documented_gunicorn_command_stops_on_a_bad_url_in_one_french_sentence(document):
    """With --preload the master builds the app once; several workers failing at once race in gunicorn."""
    command = documented_gunicorn_command(document)
    served = run(command, "mysql://x@h/db", timeout=90)
    assert "--preload" in command
    assert refused_in_one_french_sentence(served, 4), served.stderr
    assert served.stderr.count("ne convient pas") == 1


@pytest.mark.parametrize(
    "given",
    [
        "postgresql+psycopg2://postgres@127.0.0.1:5432/carte",
        " ",
        "n'importe quoi",
        "postgresql://postgres@127.0.0.1:5432/",
    ],
)
def test_a_gunicorn_worker_says_what_is_wrong_with_each_bad_url_and_stops_the_server(given):
    """Exit status 4 is gunicorn's "App failed to load.": it stops instead of booting workers forever."""
    served = run([GUNICORN, "-w", "1", "-b", "127.0.0.1:0", "carte.wsgi:app"], given, timeout=90)
    assert refused_in_one_french_sentence(served, 4), served.stderr
    assert BAD_URLS[given] in served.stderr


def test_the_development_servers_refuse_a_bad_url_in_one_french_sentence():
    carte = run([CARTE, "run", "--port", "0"], "mysql://x@h/db", timeout=90)
    flask = run([FLASK, "--app", "carte.wsgi", "run", "--port", "0"], "mysql://x@h/db", timeout=90)
    assert refused_in_one_french_sentence(carte, 1), carte.stderr
    assert refused_in_one_french_sentence(flask, 4), flask.stderr


def test_help_is_the_same_whatever_the_database_url(database_url):
    for args in (["--help"], ["db", "--help"], ["sources", "--help"]):
        helped = run([CARTE, *args], "mysql://x@h/db")
        assert (helped.returncode, helped.stderr) == (0, ""), helped.stderr
        assert helped.stdout == run([CARTE, *args], database_url).stdout
