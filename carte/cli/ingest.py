"""The `carte ingest` command's work: options into an ingest, a progress bar, the summary."""

from __future__ import annotations

import json
import sys
import time

import click

from carte.cli.context import get_engine, settings
from carte.cli.transaction import all_or_nothing
from carte.geo.geocoding import online_geocoders, parse_chain
from carte.ingest.guard import FileLimits
from carte.ingest.pipeline import IngestOptions, IngestResult, ingest_file
from carte.ingest.readers import IngestError
from carte.ingest.report import write_report
from carte.staff.duplicates import SHOWN_SHARED_VALUES, DuplicateCheck, DuplicateLimits

PRECISION_FR = {
    "manual": "coordonnées du fichier",
    "address": "adresse",
    "postal_code": "code postal",
    "municipality": "municipalité",
    "fsa": "RTA (3 premiers caractères du code postal)",
}


def parse_columns(values: tuple[str, ...]) -> dict[str, str] | None:
    """`--columns name=Organisme,street=Adresse` as a field -> header mapping."""
    mapping: dict[str, str] = {}
    for value in values:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            field, sep, header = pair.partition("=")
            if not sep or not field.strip() or not header.strip():
                raise IngestError(f"--columns : « {pair} » ne suit pas la forme champ=EN-TÊTE.")
            mapping[field.strip()] = header.strip()
    return mapping or None


class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self) -> None:
        self.shown = 0.0
        self.phase = ""
        self.finished: set[str] = set()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase in self.finished or (phase == self.phase and done < total and now - self.shown < 0.1):
            return
        if done >= total:
            self.finished.add(phase)
        self.shown, self.phase = now, phase
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{phase:<16} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run_ingest(
    file: str,
    *,
    source: str,
    dry_run: bool,
    report_path: str | None,
    as_json: bool,
    columns: tuple[str, ...],
    geocoder: str | None,
    unpublish_missing: bool,
) -> None:
    """Run one ingest in its own transaction and print what it did."""
    config = settings()
    chain = parse_chain(geocoder or config["GEOCODER"])
    options = IngestOptions(
        source=source,
        dry_run=dry_run,
        unpublish_missing=unpublish_missing,
        chain=chain,
        geocoders=online_geocoders(chain, config),
        columns=parse_columns(columns),
        limits=FileLimits.from_config(config),
        duplicates=DuplicateLimits.from_config(config),
    )
    progress = ProgressBar() if sys.stderr.isatty() and not as_json else None
    with all_or_nothing(get_engine(), "Import") as connection:
        result = ingest_file(connection, file, options, progress)
    if report_path:
        write_report(result, report_path)
    click.echo(
        json.dumps(result.summary() | {"duplicates": result.duplicates.as_dict()})
        if as_json
        else describe(result, options, report_path)
    )


def describe(result: IngestResult, options: IngestOptions, report_path: str | None) -> str:
    """The summary in French."""
    summary = result.summary()
    lines = [
        ("Simulation (--dry-run), rien n'a été modifié. " if options.dry_run else "")
        + f"Fichier lu : {result.file_format}.",
        f"Lignes lues : {summary['read']} ; ajoutées : {summary['inserted']} ; mises à jour : "
        f"{summary['updated']} ; inchangées : {summary['unchanged']} ; rejetées : "
        f"{summary['rejected']}.",
    ]
    if summary["precision"]:
        lines.append(
            "Placées par "
            + " ; ".join(f"{PRECISION_FR[p]} : {n}" for p, n in summary["precision"].items())
            + "."
        )
    if result.ignored_columns:
        lines.append("Colonnes ignorées : " + ", ".join(result.ignored_columns) + ".")
    if result.missing:
        lines.append(
            f"{result.missing} entreprise(s) de la source « {options.source} » absente(s) du "
            + (
                "fichier : masquée(s)."
                if options.unpublish_missing and not options.dry_run
                else "fichier (--unpublish-missing pour les masquer)."
            )
        )
    if options.geocoders:
        lines.append(f"Requêtes au géocodeur en ligne : {result.geocoder_calls}.")
    if result.retryable:
        lines.append(
            f"{result.retryable} ligne(s) dont le géocodage en ligne a échoué (placées en repli, "
            "ou non publiées) : carte geocode --retry-failed pour réessayer."
        )
    if not options.dry_run:
        lines.extend(describe_duplicates(result.duplicates))
    warnings = len(result.issues)
    if warnings:
        lines.append(
            f"{warnings} remarque(s) ou rejet(s) : "
            + (f"voir {report_path}." if report_path else "détail avec --report FICHIER.csv.")
        )
    return "\n".join(lines)


def describe_duplicates(check: DuplicateCheck) -> list[str]:
    """What the search for duplicates added, left out and skipped, in French."""
    lines = []
    if check.added or check.pending:
        lines.append(
            f"Doublons possibles : {check.added} nouvelle(s) paire(s) ; {check.pending} paire(s) à "
            "examiner dans /admin/doublons."
        )
    if check.capped:
        lines.append(
            f"{check.capped} autre(s) paire(s) non enregistrée(s) : plafond de {check.max_new_pairs} "
            "nouvelles paires par import atteint (CARTE_DUPLICATE_MAX_NEW_PAIRS) ; carte duplicates ajoutera "
            "les suivantes, au plus autant à chaque passage."
        )
    if check.skipped:
        shown = " ; ".join(
            f"{value.reason} {value.value} ({value.enterprises} fiches)"
            for value in check.skipped[:SHOWN_SHARED_VALUES]
        )
        more = len(check.skipped) - SHOWN_SHARED_VALUES
        lines.append(
            f"Valeurs partagées par plus de {check.max_shared} fiches, ignorées pour les doublons "
            f"(CARTE_DUPLICATE_MAX_SHARED) : {shown}" + (f" ; et {more} autre(s)." if more > 0 else ".")
        )
    return lines
