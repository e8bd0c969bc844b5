"""Test data made by code: enterprises inserted into the test's transaction."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

_serial = itertools.count(1)


def insert_enterprise(
    connection: Connection, *, lon: float = -70.6656, lat: float = 46.1185, **fields: Any
) -> int:
    """Insert one published enterprise (default: in Saint-Georges, Beauce-Sartigan) and return its id."""
    number = next(_serial)
    row: dict[str, Any] = {
        "source": "test",
        "source_key": f"test-{number}",
        "name": f"Entreprise de test {number}",
        "street": "100 1re Avenue",
        "municipality_name": "Saint-Georges",
        "postal_code": "G5Y 1L3",
        "sectors": ["ressourcerie"],
        "items": ["meubles"],
        "services": [],
        "geocode_precision": "address",
        "geocode_source": "test",
        "mrc_code": "29",
        "municipality_code": "29073",
        "published": True,
    }
    row.update(fields)
    columns = list(row)
    values = ", ".join(f":{c}" for c in columns)
    return connection.execute(
        text(
            f"INSERT INTO enterprise ({', '.join(columns)}, point) "
            f"VALUES ({values}, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"
        ),
        {**row, "lon": lon, "lat": lat},
    ).scalar_one()
