"""Read queries shared by the web pages, the API and the exports."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class MrcCount:
    """An MRC with its region and how many published enterprises it holds."""

    code: str
    name: str
    region_code: str
    region_name: str
    enterprises: int


def mrc_counts(session: Session) -> list[MrcCount]:
    """Every MRC, by region then name, with its count of published enterprises."""
    rows = session.execute(text("""
        SELECT m.code, m.name, r.code, r.name, count(e.id)
        FROM mrc m
        JOIN region r ON r.code = m.region_code
        LEFT JOIN enterprise e ON e.mrc_code = m.code AND e.published
        GROUP BY m.code, r.code
        ORDER BY r.code, m.name"""))
    return [MrcCount(*row) for row in rows]
