"""A messy list for the ordinary-size ingest benchmark: what a regional network's spreadsheet looks like.

On top of generate.py's messy rows (capitals, missing accents, `St-`, postal code variants, phone
formats), the list has blank lines, rows without any address or with a postal code that is not one,
rows repeated further down, a head office's phone number on 150 rows, the placeholder `000-000-0000`,
and rows describing enterprises the database already holds (same name, phone and website, from another
source: the duplicates check has real pairs to find). Places are real postal codes, so the offline
geocoder resolves them without any network. The same seed gives the same file.

    python scripts/bench/messy.py 20000 /tmp/messy.csv --base 40000 [--database-url URL] [--seed 17]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import HEADER, places, rows, write_csv  # noqa: E402

BASE_SEED = 40
#: Numbers of the list's rows start here, above the base's, so identifiers, names and sites differ.
FIRST_NUMBER = 1_000_001
HEAD_OFFICE_PHONE = "418 780-2200"
HEAD_OFFICE_ROWS = 150
PLACEHOLDER_PHONE = "000-000-0000"
BAD_POSTAL_CODES = ["G1Z 9Z9Z", "12345", "H0H", "XYZ 123", "Q1A 1A1"]
COLUMN = {name: position for position, name in enumerate(HEADER)}
#: Share of the rows of each kind of mess (the rest are generate.py's ordinary messy rows).
SHARES = {"repeated": 0.02, "no_address": 0.01, "bad_postal": 0.01, "placeholder": 0.015, "known": 0.02}
BLANK_EVERY = 100


def base_rows(count: int, pool: list[tuple[str, str, float, float]]) -> Iterator[list[str]]:
    """The rows the database's `count` enterprises were loaded from (the benchmark's base)."""
    return rows(count, pool, BASE_SEED)


def messy_rows(
    count: int, base: int, pool: list[tuple[str, str, float, float]], seed: int
) -> Iterator[list[str]]:
    """`count` non-blank rows, with a blank line every BLANK_EVERY rows."""
    rng = random.Random(seed)
    known = rng.sample(range(base), int(count * SHARES["known"]))
    known_rows = dict.fromkeys(known)
    for number, row in enumerate(base_rows(base, pool)):
        if number in known_rows:
            known_rows[number] = row
    copies = iter(known_rows.values())
    offices = set(rng.sample(range(count), HEAD_OFFICE_ROWS))
    earlier: list[list[str]] = []
    ordinary = rows(count, pool, seed, FIRST_NUMBER)
    for index in range(count):
        if index and index % BLANK_EVERY == 0:
            yield [""] * len(HEADER)
        row = next(ordinary)
        choice = rng.random()
        if choice < SHARES["repeated"] and earlier:
            row = list(rng.choice(earlier))
        elif (choice := choice - SHARES["repeated"]) < SHARES["no_address"]:
            for name in ("Adresse", "Ville", "Code postal", "Latitude", "Longitude"):
                row[COLUMN[name]] = ""
        elif (choice := choice - SHARES["no_address"]) < SHARES["bad_postal"]:
            row[COLUMN["Code postal"]] = rng.choice(BAD_POSTAL_CODES)
        elif (choice := choice - SHARES["bad_postal"]) < SHARES["placeholder"]:
            row[COLUMN["Téléphone"]] = PLACEHOLDER_PHONE
        elif choice - SHARES["placeholder"] < SHARES["known"]:
            row = known_copy(next(copies, row), row, rng)
        if index in offices:
            row[COLUMN["Téléphone"]] = HEAD_OFFICE_PHONE
        if len(earlier) < 2000:
            earlier.append(row)
        yield row


def known_copy(stored: list[str], fresh: list[str], rng: random.Random) -> list[str]:
    """An enterprise of the base as another network lists it: its name, phone and website, written
    differently (capitals), under this list's identifier."""
    row = list(stored)
    row[COLUMN["Identifiant"]] = fresh[COLUMN["Identifiant"]]
    if rng.random() < 0.5:
        row[COLUMN["Nom de l'organisme"]] = row[COLUMN["Nom de l'organisme"]].upper()
    return row


def generate(count: int, base: int, path: Path, database_url: str, seed: int) -> None:
    """Write the messy list of `count` rows to `path` (CSV, semicolons, as French Excel writes it)."""
    write_csv(path, messy_rows(count, base, places(database_url), seed))


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--base", type=int, default=40_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CARTE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/carte"),
    )
    parser.add_argument("--seed", type=int, default=17)
    arguments = parser.parse_args()
    generate(arguments.count, arguments.base, arguments.path, arguments.database_url, arguments.seed)


if __name__ == "__main__":
    main()
