"""Bulk loading: rows streamed into a table with PostgreSQL's COPY through psycopg."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.engine import Connection


def copy_rows(connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Stream rows into a table (often temporary) with COPY, in the connection's transaction."""
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
