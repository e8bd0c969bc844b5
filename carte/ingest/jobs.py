"""Web imports: an uploaded list previewed by a dry run, then applied, outside the request.

The same code path as `carte ingest` (carte.ingest.pipeline.ingest_file). The file, the preview, the
progress and the report live in the `import_job` table, so any application process can show them.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from carte.core.errors import CarteError, NotFound
from carte.core.precision import EXACT_PRECISIONS
from carte.geo.geocoding import online_geocoders, parse_chain
from carte.ingest.guard import REFUSED_FORMATS, FileLimits, check_spreadsheet
from carte.ingest.pipeline import IngestOptions, IngestResult, ingest_file
from carte.ingest.readers import IngestError
from carte.ingest.report import write_report
from carte.staff.duplicates import DuplicateLimits

PREVIEW_ROWS = 200
#: A job whose worker has not reported for this long is taken as dead.
STALE_SECONDS = 300


def check_upload(file_name: str, data: bytes, limits: FileLimits) -> str:
    """The file's extension if it is a .csv or .xlsx that passes the ingest's checks, else a French error."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".csv", ".xlsx", *REFUSED_FORMATS):
        raise CarteError(
            f"Format non pris en charge : « {suffix or file_name} ». Envoyez un fichier .csv ou .xlsx."
        )
    check_spreadsheet(Path(file_name).name, suffix, io.BytesIO(data), limits)
    return suffix


def create_job(
    connection: Connection,
    actor: str,
    file_name: str,
    data: bytes,
    source: str,
    unpublish_missing: bool,
    limits: FileLimits = FileLimits(),
) -> int:
    """Record an uploaded file waiting for its preview; return the job id."""
    check_upload(file_name, data, limits)
    source = source.strip() or "import-web"
    if len(source) > 80:
        raise CarteError("Le nom de la source est trop long (80 caractères au plus).")
    return connection.execute(
        text("""
        INSERT INTO import_job (created_by, source, file_name, file_data, unpublish_missing, status)
        VALUES (:actor, :source, :name, :data, :unpublish, 'previewing') RETURNING id"""),
        {
            "actor": actor,
            "source": source,
            "name": Path(file_name).name[:200],
            "data": data,
            "unpublish": unpublish_missing,
        },
    ).scalar_one()


def get_job(connection: Connection, job_id: int) -> dict[str, Any]:
    """One job without its file, dead workers reported as failed."""
    row = (
        connection.execute(
            text("""
        SELECT id, created_by, created_at, source, file_name, unpublish_missing, status, phase, done, total,
               preview, summary, outside_mrcs, mrc_codes, batch_id, error, report IS NOT NULL AS has_report,
               status IN ('previewing', 'running')
                 AND heartbeat_at < now() - make_interval(secs => :stale) AS stalled
        FROM import_job WHERE id = :id"""),
            {"id": job_id, "stale": STALE_SECONDS},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("Import introuvable.")
    job = dict(row)
    if job.pop("stalled"):
        job.update(status="failed", error="Le traitement s'est interrompu ; relancez l'import.")
    return job


def list_jobs(connection: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent web imports."""
    rows = connection.execute(
        text("""SELECT id, created_by, created_at, source, file_name, status, summary,
        batch_id, report IS NOT NULL AS has_report FROM import_job ORDER BY id DESC LIMIT :limit"""),
        {"limit": limit},
    ).mappings()
    return [dict(row) for row in rows]


def job_report(connection: Connection, job_id: int) -> str:
    """The per-row CSV report of a finished import."""
    report = connection.execute(text("SELECT report FROM import_job WHERE id = :id"), {"id": job_id}).scalar()
    if report is None:
        raise NotFound("Aucun rapport pour cet import.")
    return report


def preview_of(result: IngestResult, limit: int = PREVIEW_ROWS) -> dict[str, Any]:
    """What staff see before confirming: counts, and the rows inserted, updated, rejected or approximate."""
    rows: dict[str, list[dict[str, Any]]] = {"inserted": [], "updated": [], "rejected": [], "approximate": []}
    for outcome in result.outcomes:
        entry = {
            "line": outcome.line,
            "external_id": outcome.external_id,
            "precision": outcome.precision,
            "mrc": result.mrc_names.get(outcome.mrc_code or "", outcome.mrc_code),
            "reasons": list(dict.fromkeys(outcome.reasons)),
        }
        if outcome.status in rows and len(rows[outcome.status]) < limit:
            rows[outcome.status].append(entry)
        if (
            outcome.status in ("inserted", "updated")
            and outcome.precision not in EXACT_PRECISIONS
            and len(rows["approximate"]) < limit
        ):
            rows["approximate"].append(entry)
    return {
        "summary": result.summary(),
        "rows": rows,
        "format": result.file_format,
        "ignored_columns": result.ignored_columns,
        "missing": result.missing,
    }


def done_summary(result: IngestResult) -> dict[str, Any]:
    """The counts of a finished import, with what its search for duplicates added and skipped."""
    return result.summary() | {"duplicates": result.duplicates.as_dict()}


def touched_mrcs(result: IngestResult) -> list[str]:
    """The MRCs of the rows the import would insert or update."""
    return sorted({o.mrc_code for o in result.outcomes if o.status in ("inserted", "updated") and o.mrc_code})


class JobRunner:
    """Runs a job's dry run or real run, reporting progress on its own connection."""

    def __init__(self, engine: Engine, config: Mapping[str, Any], work: Connection | None = None) -> None:
        self.engine, self.config, self.work = engine, config, work
        self.last_report = 0.0

    def options(self, job: Mapping[str, Any], dry_run: bool) -> IngestOptions:
        """The ingest options of a job, with the configured geocoder chain."""
        chain = parse_chain(self.config["GEOCODER"])
        return IngestOptions(
            source=job["source"],
            dry_run=dry_run,
            unpublish_missing=job["unpublish_missing"],
            chain=chain,
            geocoders=online_geocoders(chain, self.config),
            limits=FileLimits.from_config(self.config),
            duplicates=DuplicateLimits.from_config(self.config),
        )

    def progress(self, job_id: int) -> Callable[[str, int, int], None] | None:
        """A callback writing the phase and counts at most twice a second (not in inline mode)."""
        if self.work is not None:
            return None

        def report(phase: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - self.last_report < 0.5 and done < total:
                return
            self.last_report = now
            with self.engine.begin() as connection:
                connection.execute(
                    text("""UPDATE import_job SET phase = :phase, done = :done, total = :total,
                    heartbeat_at = now() WHERE id = :id"""),
                    {"phase": phase, "done": done, "total": total, "id": job_id},
                )

        return report

    def run(self, job_id: int, dry_run: bool) -> None:
        """Preview (dry run) or apply a job, recording the outcome; never raises."""
        try:
            with self.transaction() as connection:
                job = (
                    connection.execute(text("SELECT * FROM import_job WHERE id = :id"), {"id": job_id})
                    .mappings()
                    .one()
                )
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / job["file_name"]
                    path.write_bytes(job["file_data"])
                    result = ingest_file(connection, path, self.options(job, dry_run), self.progress(job_id))
                self.finish(connection, job_id, result, dry_run)
        except IngestError as error:
            self.fail(job_id, error.message)
        except Exception:  # the worker must record any failure instead of dying silently
            traceback.print_exc()
            self.fail(job_id, "Erreur inattendue pendant l'import ; rien n'a été modifié.")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """The ingest's transaction: a savepoint of the caller's in inline mode, else a new one."""
        if self.work is None:
            with self.engine.begin() as connection:
                yield connection
        else:
            with self.work.begin_nested():
                yield self.work

    def finish(self, connection: Connection, job_id: int, result: IngestResult, dry_run: bool) -> None:
        """Store the preview, or the summary, batch and report of the real run."""
        if dry_run:
            connection.execute(
                text("""UPDATE import_job SET status = 'ready', preview = CAST(:preview AS jsonb),
                mrc_codes = :mrcs, phase = NULL, heartbeat_at = now() WHERE id = :id AND status = 'previewing'"""),
                {"preview": _json(preview_of(result)), "mrcs": touched_mrcs(result), "id": job_id},
            )
            return
        buffer = io.StringIO()
        with tempfile.TemporaryDirectory() as folder:
            write_report(result, Path(folder) / "rapport.csv")
            buffer.write((Path(folder) / "rapport.csv").read_text(encoding="utf-8-sig"))
        connection.execute(
            text("""UPDATE import_job SET status = 'done', summary = CAST(:summary AS jsonb),
            batch_id = :batch, report = :report, file_data = NULL, phase = NULL, heartbeat_at = now()
            WHERE id = :id"""),
            {
                "summary": _json(done_summary(result)),
                "batch": result.batch_id,
                "report": buffer.getvalue(),
                "id": job_id,
            },
        )

    def fail(self, job_id: int, message: str) -> None:
        """Record why a job failed (in its own transaction: the ingest's was rolled back)."""
        with self.transaction() as connection:
            connection.execute(
                text("UPDATE import_job SET status = 'failed', error = :error, phase = NULL WHERE id = :id"),
                {"error": message, "id": job_id},
            )


def start_confirmed(connection: Connection, job_id: int, user_may_import: bool) -> None:
    """Move a previewed job to 'running', refusing one that is not ready or not allowed."""
    if not user_may_import:
        raise CarteError(
            "Cet import touche des MRC qui ne sont pas les vôtres : un administrateur doit le confirmer.",
            status=403,
        )
    done = connection.execute(
        text("""UPDATE import_job SET status = 'running', heartbeat_at = now(), done = 0,
        total = 0 WHERE id = :id AND status = 'ready'"""),
        {"id": job_id},
    )
    if done.rowcount == 0:
        raise CarteError("Cet import n'est pas prêt à être confirmé.", status=409)


def cancel(connection: Connection, job_id: int) -> None:
    """Drop a previewed job and its file; nothing was changed."""
    done = connection.execute(
        text("""UPDATE import_job SET status = 'cancelled', file_data = NULL
        WHERE id = :id AND status IN ('ready', 'failed', 'previewing')"""),
        {"id": job_id},
    )
    if done.rowcount == 0:
        raise CarteError("Cet import ne peut plus être annulé.", status=409)


def _json(value: Any) -> str:
    """JSON text for a jsonb parameter."""
    return json.dumps(value, default=str, ensure_ascii=False)
