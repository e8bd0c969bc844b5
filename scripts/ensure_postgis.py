"""Make sure a PostgreSQL server with PostGIS answers at CARTE_DATABASE_URL and the database exists.

Run by `make setup` with the project's virtual environment. Handles: a server already running
without PostGIS (installs Debian's package when root), no server running (starts the installed
cluster, or initialises a project-local one under .pgdata/), a server given by CARTE_DATABASE_URL,
and not being root (prints the exact command to run, then exits non-zero). Re-running it changes
nothing.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

import psycopg
from sqlalchemy.engine import make_url

from carte.core.errors import ConfigurationError
from carte.store.url import database_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/carte"
LOCAL_CLUSTER = Path(__file__).resolve().parent.parent / ".pgdata"


def say(message: str) -> None:
    """Print a step of the set-up."""
    print(f"[setup] {message}", flush=True)


def fail(message: str) -> NoReturn:
    """Stop the set-up with one clear sentence and a non-zero exit."""
    print(f"[setup] ERREUR : {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def is_root() -> bool:
    """True when this process may install packages and manage clusters."""
    return os.geteuid() == 0


def run(command: list[str]) -> None:
    """Run a command, stopping the set-up if it fails."""
    say("$ " + " ".join(command))
    if subprocess.run(command, check=False).returncode != 0:
        fail(f"la commande a échoué : {' '.join(command)}")


def server_dsn(url: str, database: str = "postgres") -> str:
    """A libpq connection string for the server of a URL, on one of its databases."""
    parsed = make_url(url)
    parts = [
        f"host={parsed.host or '127.0.0.1'}",
        f"port={parsed.port or 5432}",
        f"user={parsed.username or 'postgres'}",
        f"dbname={database}",
        "connect_timeout=5",
    ]
    if parsed.password:
        parts.append(f"password={parsed.password}")
    return " ".join(parts)


def can_connect(url: str) -> bool:
    """True when the server of the URL accepts a connection."""
    try:
        psycopg.connect(server_dsn(url), autocommit=True).close()
        return True
    except psycopg.OperationalError:
        return False


def apt_install(*packages: str) -> None:
    """Install Debian packages as root, or print the command and stop."""
    command = "apt-get update && apt-get install -y " + " ".join(packages)
    if not is_root():
        fail(f"paquets manquants ; exécutez en root : sudo sh -c '{command}' puis relancez make.")
    run(
        [
            "sh",
            "-c",
            f"DEBIAN_FRONTEND=noninteractive {command} > /tmp/carte-apt.log 2>&1 "
            "|| (tail -20 /tmp/carte-apt.log; exit 1)",
        ]
    )


def installed_major() -> str | None:
    """The newest PostgreSQL major version whose server binaries are installed."""
    versions = sorted(
        (Path(p).parent.parent.name for p in glob.glob("/usr/lib/postgresql/*/bin/postgres")),
        key=lambda v: int(v) if v.isdigit() else 0,
    )
    return versions[-1] if versions else None


def start_server(url: str) -> None:
    """Start the installed cluster on the URL's port, else a project-local one under .pgdata/."""
    port = make_url(url).port or 5432
    if is_root() and shutil.which("pg_lsclusters"):
        clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
        for line in clusters.splitlines():
            version, name, cluster_port = line.split()[:3]
            if int(cluster_port) == port:
                run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"])
                return
    if installed_major() is None:
        apt_install("postgresql", "postgresql-15-postgis-3")
    start_local_cluster(installed_major(), port)


def as_server_user(command: list[str]) -> list[str]:
    """Run a server command as `postgres` when root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if is_root() else command


def start_local_cluster(major: str | None, port: int) -> None:
    """Initialise (once) and start a cluster in the project's git-ignored data folder."""
    data = Path(os.environ.get("CARTE_PGDATA") or LOCAL_CLUSTER)
    bin_dir = Path(f"/usr/lib/postgresql/{major}/bin")
    say(f"cluster local dans {data}")
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if is_root():
            shutil.chown(data, "postgres", "postgres")
        run(
            as_server_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        )
    run(
        as_server_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(data / "server.log"),
                "-o",
                f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
                "-w",
                "start",
            ]
        )
    )


def ensure_postgis(url: str) -> None:
    """Install PostGIS for the running server's major version when it lacks it."""
    with psycopg.connect(server_dsn(url), autocommit=True) as connection:
        available = connection.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
        major = str(connection.info.server_version // 10000)
    if available:
        return
    host = make_url(url).host or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        fail(
            f"le serveur {host} n'a pas PostGIS ; installez-le sur ce serveur "
            f"(Debian : apt-get install -y postgresql-{major}-postgis-3)."
        )
    say(f"PostGIS absent du serveur PostgreSQL {major} : installation.")
    apt_install(f"postgresql-{major}-postgis-3")


def ensure_database(url: str) -> None:
    """Create the URL's database when it does not exist."""
    name = make_url(url).database
    with psycopg.connect(server_dsn(url), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            say(f"création de la base {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def configured_url() -> str:
    """CARTE_DATABASE_URL (or the default) in its psycopg 3 form; a URL that cannot work stops the set-up."""
    try:
        return database_url(os.environ.get("CARTE_DATABASE_URL") or DEFAULT_URL)
    except ConfigurationError as error:
        fail(error.message)


def main() -> None:
    """Bring the server, PostGIS and the database into place."""
    url = configured_url()
    if not can_connect(url):
        parsed = make_url(url)
        if parsed.host not in (None, "127.0.0.1", "localhost", "::1"):
            fail(f"le serveur de CARTE_DATABASE_URL ne répond pas ({parsed.host}:{parsed.port or 5432}).")
        say("aucun serveur PostgreSQL ne répond : démarrage.")
        start_server(url)
        for _ in range(30):
            if can_connect(url):
                break
            time.sleep(1)
        else:
            fail("le serveur PostgreSQL ne répond toujours pas après son démarrage.")
    ensure_postgis(url)
    ensure_database(url)
    say(f"PostgreSQL + PostGIS prêts : {make_url(url).render_as_string(hide_password=True)}")


if __name__ == "__main__":
    main()
