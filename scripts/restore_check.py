"""Prove that backups restore: dump CARTE_DATABASE_URL with pg_dump, restore it into a scratch
database with pg_restore, compare every table's row count and checksum, then drop the scratch copy.

Run by `make restore-check`. Exits non-zero, naming the table, when the copy differs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from carte.core.errors import ConfigurationError
from carte.store.url import database_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/carte"


def libpq(url: str, database: str | None = None) -> str:
    """A libpq URI for pg_dump, pg_restore and psycopg."""
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def fingerprint(uri: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent checksum of every table of the public schema."""
    with psycopg.connect(uri) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        result = {}
        for table in tables:
            count, digest = connection.execute(
                f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') "
                f'FROM public."{table}" t'
            ).fetchone()
            result[table] = (count, digest)
        return result


def main() -> int:
    """Dump, restore, compare, clean up."""
    try:
        url = database_url(os.environ.get("CARTE_DATABASE_URL") or DEFAULT_URL)
    except ConfigurationError as error:
        print(f"[restore-check] ERREUR : {error.message}", file=sys.stderr)
        return 1
    name = make_url(url).database
    scratch = f"{name}_restore_check"
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / f"{name}.dump"
        print(f"[restore-check] pg_dump {name} -> {dump.name}", flush=True)
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq(url)], check=True)
        with psycopg.connect(libpq(url, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            admin.execute(f'CREATE DATABASE "{scratch}"')
        try:
            print(f"[restore-check] pg_restore -> {scratch}", flush=True)
            subprocess.run(
                ["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={libpq(url, scratch)}", str(dump)],
                check=True,
            )
            original, restored = fingerprint(libpq(url)), fingerprint(libpq(url, scratch))
        finally:
            with psycopg.connect(libpq(url, "postgres"), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    differing = [t for t in original if original[t] != restored.get(t)]
    if differing:
        print(
            f"[restore-check] ERREUR : tables différentes après restauration : {', '.join(differing)}",
            file=sys.stderr,
        )
        return 1
    rows = sum(count for count, _ in original.values())
    print(f"[restore-check] OK : {len(original)} tables, {rows} lignes identiques après restauration.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
