"""The per-row CSV report staff read to know where each of their rows went."""

from __future__ import annotations

import csv
from pathlib import Path

from carte.ingest.pipeline import IngestResult

HEADER = ("ligne", "identifiant", "statut", "entreprise", "précision", "code MRC", "MRC", "raisons")
#: A cell starting with one of these would run as a formula when the report is opened in a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A report cell that a spreadsheet shows as text, never evaluates."""
    cell = "" if value is None else str(value)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def write_report(result: IngestResult, path: str | Path) -> None:
    """Write one line per input row: line, external id, status, enterprise, precision, MRC, reasons."""
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for outcome in result.outcomes:
            writer.writerow(
                [
                    safe_cell(value)
                    for value in (
                        outcome.line,
                        outcome.external_id,
                        outcome.status,
                        outcome.enterprise_id,
                        outcome.precision,
                        outcome.mrc_code,
                        result.mrc_names.get(outcome.mrc_code or ""),
                        " | ".join(dict.fromkeys(outcome.reasons)),
                    )
                ]
            )
