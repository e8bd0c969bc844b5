"""Generate a realistic, messy enterprise list of any size for the benchmarks (fixed seed).

Rows use real municipalities and real postal codes of the database (postal codes whose place name is
a known municipality, so density follows the postal codes: Montréal and Québec are dense), written the
way spreadsheets write them: abbreviations (St-, Ste-, boul.), capitals, missing accents, `(Québec)`
suffixes, postal codes as `g6v4j8` or `G6V-4J8`, phone numbers in every format, one or two sectors,
items with capitals or without accents, some coordinates, some missing postal codes. Rows are written
one at a time (memory does not grow with the count); the same seed gives the same file.

    python scripts/bench/generate.py 1000000 /tmp/bench.csv [--database-url URL] [--seed 42]
    python scripts/bench/generate.py 100000 /tmp/bench.xlsx     # an Excel workbook (write-only mode)
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from carte.core.text import municipality_key  # noqa: E402
from carte.store.url import database_url as psycopg_url

HEADER = [
    "Identifiant",
    "Nom de l'organisme",
    "Adresse",
    "Ville",
    "Code postal",
    "Téléphone",
    "Courriel",
    "Site Web",
    "Secteur",
    "Objets acceptés",
    "Heures d'ouverture",
    "Collecte à domicile",
    "Latitude",
    "Longitude",
]
KINDS = [
    "Ressourcerie",
    "Friperie",
    "Comptoir familial",
    "Atelier de réparation",
    "Recyclerie",
    "Magasin-partage",
    "Boutique solidaire",
    "Coop de réemploi",
    "Café réparation",
    "Vestiaire",
    "Entraide",
    "Bazar communautaire",
]
NICKNAMES = [
    "du Coin",
    "Chez Louise",
    "l'Arc-en-ciel",
    "Le Grenier",
    "La Récup",
    "Seconde Vie",
    "Le Tremplin",
    "Le Partage",
    "Au Bout du Fil",
    "La Ruche",
]
STREETS = [
    "rue Principale",
    "boulevard Laurier",
    "avenue du Parc",
    "chemin du Lac",
    "rue Saint-Jean",
    "route 173",
    "rang Saint-Joseph",
    "rue de l'Église",
    "boulevard Dionne",
    "1re Avenue",
]
SECTORS = [
    "ressourcerie",
    "friperie",
    "comptoir familial",
    "réparation",
    "insertion",
    "recyclerie",
    "économie circulaire",
]
ITEMS = [
    "vêtements",
    "meubles",
    "électroménagers",
    "livres",
    "jouets",
    "vélos",
    "vaisselle",
    "articles de sport",
    "matériaux de construction",
    "articles pour bébé",
    "divan",
    "frigo",
]
HOURS = [
    "lun-ven 9h-17h",
    "Mo-Fr 09:00-17:00; Sa 10:00-16:00",
    "mardi au samedi : 10 h à 16 h",
    "",
    "sur rendez-vous",
]


def strip_accents(value: str) -> str:
    """The value without its accents, as some spreadsheets have it."""
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def messy_municipality(name: str, rng: random.Random) -> str:
    """A municipality name the way people type it."""
    choice = rng.random()
    if choice < 0.15:
        name = name.replace("Saint-", "St-").replace("Sainte-", "Ste-")
    elif choice < 0.25:
        name = name.upper()
    elif choice < 0.35:
        name = strip_accents(name)
    elif choice < 0.42:
        name = f"{name} (Québec)"
    return name


def messy_postal(code: str, rng: random.Random) -> str:
    """A postal code in one of the usual variants (or missing)."""
    choice = rng.random()
    if choice < 0.03:
        return ""
    if choice < 0.2:
        return code.replace(" ", "").lower()
    if choice < 0.3:
        return code.replace(" ", "-")
    if choice < 0.4:
        return code.replace(" ", "")
    return code


def messy_phone(rng: random.Random) -> str:
    """A Quebec phone number in one of many formats."""
    area = rng.choice(["418", "819", "450", "514", "581", "873"])
    number = f"{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
    return rng.choice(
        [
            f"({area}) {number[:3]}-{number[3:]}",
            f"{area}-{number[:3]}-{number[3:]}",
            f"{area}.{number[:3]}.{number[3:]}",
            f"1 {area} {number[:3]} {number[3:]}",
            f"{area}{number}",
            f"{area} {number[:3]}-{number[3:]} poste 12",
            "",
        ]
    )


def messy_items(rng: random.Random) -> str:
    """One to four accepted items, some in capitals or without accents, separated the usual ways."""
    items = rng.sample(ITEMS, rng.randint(1, 4))
    if rng.random() < 0.1:
        items = [strip_accents(item) for item in items]
    elif rng.random() < 0.05:
        items = [item.capitalize() for item in items]
    return rng.choice([", ", "; ", " / ", ","]).join(items)


def enterprise_name(kind: str, town: str, number: int, rng: random.Random) -> str:
    """A fictitious, unique name: a kind of enterprise, sometimes a nickname, the town."""
    nickname = f" {rng.choice(NICKNAMES)}" if rng.random() < 0.3 else ""
    name = f"{kind}{nickname} {town} {number} (fictif)"
    return name.upper() if rng.random() < 0.1 else name


def places(database_url: str) -> list[tuple[str, str, float, float]]:
    """(postal code, official municipality name, lat, lon) for postal codes named after a municipality."""
    engine = create_engine(psycopg_url(database_url, "--database-url"))
    with engine.connect() as connection:
        names = {
            row.name_key: row.name
            for row in connection.execute(
                text("SELECT DISTINCT ON (name_key) name_key, name FROM municipality ORDER BY name_key, code")
            )
        }
        rows = connection.execute(
            text("SELECT code, municipality_name, ST_Y(point), ST_X(point) FROM postal_code ORDER BY code")
        ).all()
    engine.dispose()
    return [
        (code, names[key], lat, lon)
        for code, place, lat, lon in rows
        if (key := municipality_key(place)) in names
    ]


def rows(
    count: int, pool: list[tuple[str, str, float, float]], seed: int, first: int = 1
) -> Iterator[list[str]]:
    """`count` rows drawn from the places pool with a generator seeded by `seed`, one at a time,
    numbered from `first` (identifiers, names, e-mails and websites carry the number)."""
    rng = random.Random(seed)
    for number in range(first, first + count):
        code, town, lat, lon = rng.choice(pool)
        street = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
        if rng.random() < 0.2:
            street = street.replace("boulevard", "boul.").replace("avenue", "av.")
        with_point = rng.random() < 0.1
        sectors = rng.sample(SECTORS, 2 if rng.random() < 0.15 else 1)
        yield [
            f"B{number:07d}",
            enterprise_name(rng.choice(KINDS), town, number, rng),
            street,
            messy_municipality(town, rng),
            messy_postal(code, rng),
            messy_phone(rng),
            f"info{number}@exemple.org" if rng.random() < 0.7 else "",
            f"www.exemple{number}.org" if rng.random() < 0.5 else "",
            ", ".join(sectors),
            messy_items(rng),
            rng.choice(HOURS),
            rng.choice(["oui", "non", "", "x"]),
            f"{lat + rng.uniform(-0.001, 0.001):.6f}" if with_point else "",
            f"{lon + rng.uniform(-0.001, 0.001):.6f}" if with_point else "",
        ]


def write_csv(path: Path, lines: Iterator[list[str]]) -> None:
    """A UTF-8 CSV with semicolons, as French Excel writes it."""
    with open(path, "w", newline="", encoding="utf-8", buffering=1 << 20) as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(lines)


def write_xlsx(path: Path, lines: Iterator[list[str]]) -> None:
    """An .xlsx workbook written row by row (openpyxl's write-only mode keeps memory flat)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Entreprises")
    sheet.append(HEADER)
    for line in lines:
        sheet.append(line)
    workbook.save(path)


def generate(count: int, path: Path, database_url: str, seed: int) -> None:
    """Write `count` rows to `path`: CSV, or an Excel workbook when the name ends in .xlsx."""
    lines = rows(count, places(database_url), seed)
    (write_xlsx if path.suffix.lower() == ".xlsx" else write_csv)(path, lines)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CARTE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/carte"),
    )
    parser.add_argument("--seed", type=int, default=42)
    arguments = parser.parse_args()
    generate(arguments.count, arguments.path, arguments.database_url, arguments.seed)


if __name__ == "__main__":
    main()
