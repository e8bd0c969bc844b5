"""The ingest: read → clean → geocode → stage → apply, in the caller's transaction, set-based."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.precision import PRECISIONS
from carte.core.vocabulary import Vocabulary, load_vocabulary
from carte.geo.geocoding import STAGE_COLUMNS, Chain, OnlineGeocoder, place_staged
from carte.ingest.chunks import ChunkWorker, chunk_rows
from carte.ingest.clean import Issue
from carte.ingest.guard import FileLimits
from carte.ingest.readers import Table, read_table
from carte.ingest.rows import Layout, Places
from carte.ingest.workers import (
    STAGED_FIELDS,
    Cleaned,
    Cleaner,
    batch_rows,
    clean_in_order,
    worker_count,
)
from carte.staff.duplicates import DuplicateCheck, DuplicateLimits, after_import
from carte.store.copy import copy_rows

#: Bump when cleaning changes, so rows read before are cleaned again instead of skipped.
PIPELINE_VERSION = "1"
STAGE = "ingest_stage"
#: Each chunk of cleaned rows is staged, placed, compared and written here, then kept in STAGE.
CHUNK = "ingest_chunk"
#: Rows read at a time from the staging table for the report.
REPORT_ROWS = 20_000
#: Above this many lines, worker processes clean the rows while this one reads and stages them (on
#: more than one usable core). Measured on 2 shared cores: forking two workers and getting their first
#: batch back costs 40 to 120 ms of wall time, and sending rows and results about 12 us of CPU a row
#: (cleaning one costs about 90 us); at 3,000 rows both ways took the same time, at 20,000 the workers
#: cleaned 10 to 20% sooner on the loaded machine, in half the time (1.5 s against 3.0 s) in a run
#: where a core was free.
PARALLEL_ROWS = 5_000
Progress = Callable[[str, int, int], None]
#: Enterprise columns filled from each field of the file.
FIELD_COLUMNS = {
    "external_id": ("external_id",),
    "neq": ("neq",),
    "name": ("name",),
    "description": ("description",),
    "phone": ("phone",),
    "email": ("email",),
    "website": ("website",),
    "opening_hours": ("opening_hours",),
    "sectors": ("sectors",),
    "items": ("items",),
    "contact_person": ("contact_person",),
    "internal_notes": ("internal_notes",),
}
ADDRESS_COLUMNS = ("street", "address_line2", "municipality_name", "postal_code")
#: The fields each address column is taken from (cells are sorted among the three address fields).
ADDRESS_SOURCES = {
    "street": {"street", "municipality", "address_line2"},
    "address_line2": {"street", "municipality", "address_line2"},
    "municipality_name": {"street", "municipality", "address_line2"},
    "postal_code": {"postal_code", "street", "address_line2"},
}
GEO_COLUMNS = ("point", "geocode_precision", "geocode_source", "mrc_code", "municipality_code", "flags")
DATA_COLUMNS = (
    "external_id",
    "neq",
    "name",
    "description",
    *ADDRESS_COLUMNS,
    "phone",
    "email",
    "website",
    "opening_hours",
    "sectors",
    "items",
    "services",
    "contact_person",
    "internal_notes",
)
FLAG_REASONS = {
    "mrc_nearest": "point hors des limites des MRC : MRC la plus proche retenue",
    "mrc_from_municipality": "point hors des MRC : MRC de la municipalité indiquée retenue",
    "mrc_from_fsa": "placée au centre de la RTA, municipalité inconnue : MRC incertaine",
    "mrc_unknown": "aucune MRC trouvée pour ce point",
    "postal_code_far": "code postal loin de la MRC de la municipalité indiquée : placée au centre "
    "de la municipalité",
    "postal_code_other_mrc": "code postal situé dans une autre MRC que la municipalité indiquée : "
    "MRC de la municipalité retenue",
    "unplaced": "non placée sur la carte (ni coordonnées, ni adresse, ni code postal, ni municipalité "
    "reconnus) : non publiée",
    "municipality_unknown": "municipalité inconnue du répertoire des municipalités",
    "geocoder_error": "géocodeur en ligne en erreur : position de repli en attendant un nouvel essai "
    "(carte geocode --retry-failed, ou au prochain import)",
    "point_kept": "point déjà enregistré conservé (nouveau géocodage moins précis ou en échec)",
}


@dataclass
class IngestOptions:
    """What the caller asks of an ingest."""

    source: str = "import"
    dry_run: bool = False
    unpublish_missing: bool = False
    chain: Chain = field(default_factory=lambda: Chain(online=(), offline=True))
    geocoders: list[OnlineGeocoder] = field(default_factory=list)
    columns: dict[str, str] | None = None
    limits: FileLimits = field(default_factory=FileLimits)
    duplicates: DuplicateLimits = field(default_factory=DuplicateLimits)


@dataclass(slots=True)
class RowOutcome:
    """Where one input row went, for the report."""

    line: int
    external_id: str | None
    status: str
    enterprise_id: int | None = None
    precision: str | None = None
    mrc_code: str | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    """Counts, per-row outcomes and issues of one ingest."""

    counts: Counter = field(default_factory=Counter)
    precision: Counter = field(default_factory=Counter)
    outcomes: list[RowOutcome] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    missing: int = 0
    unpublished: int = 0
    batch_id: int | None = None
    geocoder_calls: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    file_format: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    mrc_names: dict[str, str] = field(default_factory=dict)
    duplicates: DuplicateCheck = field(default_factory=DuplicateCheck)
    retryable: int = 0

    def summary(self) -> dict:
        """The figures printed by `carte ingest --json`."""
        return {
            "read": self.counts["read"],
            "inserted": self.counts["inserted"],
            "updated": self.counts["updated"],
            "unchanged": self.counts["unchanged"],
            "rejected": self.counts["rejected"],
            "precision": {p: self.precision[p] for p in PRECISIONS if self.precision[p]},
        }


def ingest_file(
    connection: Connection,
    path: str | Path,
    options: IngestOptions,
    progress: Progress | None = None,
    vocabulary: Vocabulary | None = None,
) -> IngestResult:
    """Load a spreadsheet into the enterprise table within the caller's transaction.

    A dry run works in a savepoint rolled back at the end, so it computes exactly what a real run
    would and leaves nothing behind."""
    clock = Timer()
    path = Path(path)
    # Called from this thread and from the chunks' thread (geocoding).
    progress = synchronized(progress)
    vocabulary = vocabulary or load_vocabulary()
    table = read_table(path, vocabulary, options.columns, options.limits)
    result = IngestResult(file_format=table.description, ignored_columns=table.ignored)
    clock.lap(result, "lecture")
    layout = Layout(table.columns, table.services, table.headers)
    # Compiling the big statements costs more than it saves at this size.
    connection.execute(text("SET LOCAL jit = off"))
    connection.execute(text("SET LOCAL gin_pending_list_limit = '64MB'"))
    # GIN pending lists are merged into their indexes with work_mem: a few MB makes a large import
    # merge its trigram entries in thousands of small passes.
    connection.execute(text("SET LOCAL work_mem = '256MB'"))
    savepoint = connection.begin_nested() if options.dry_run else None
    calls_before = sum(g.calls for g in options.geocoders)
    try:
        if not options.dry_run:
            result.batch_id = open_batch(connection, path, options.source)
            # The history trigger attributes every change of this transaction to the batch.
            connection.execute(
                text("SELECT set_config('carte.import_batch', :batch, true)"), {"batch": str(result.batch_id)}
            )
        work = ChunkWork(
            connection,
            options,
            result.batch_id,
            present_columns(layout),
            (lambda done, total: progress("géocodage", done, total)) if progress else None,
        )
        notes = sort_rows(connection, table, layout, options, vocabulary, result, progress, work)
        clock.lap(result, "nettoyage")
        result.timings["géocodage"] = round(work.placing, 3)
        result.geocoder_calls = sum(g.calls for g in options.geocoders) - calls_before
        step = (lambda done: progress("base de données", done, 4)) if progress else (lambda done: None)
        step(2)
        collect(connection, result, notes, options.source)
        result.missing, result.unpublished = handle_missing(connection, options, present_ids(result))
        connection.execute(text("SELECT set_config('carte.import_batch', '', true)"))
        if not options.dry_run:
            result.duplicates = after_import(
                connection,
                [o.enterprise_id for o in result.outcomes if o.status == "inserted" and o.enterprise_id],
                options.duplicates,
            )
        clock.lap(result, "application")
        step(3)
        if not options.dry_run:
            record(connection, result)
        step(4)
    except BaseException:
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
        raise
    if savepoint is not None:
        savepoint.rollback()
    else:
        connection.execute(text(f"DROP TABLE IF EXISTS {STAGE}, {CHUNK}, {CHUNK}_points, ingest_present"))
    return result


class Timer:
    """Seconds spent in each phase."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()

    def lap(self, result: IngestResult, phase: str) -> None:
        """Record the time since the previous lap under a phase name."""
        now = time.perf_counter()
        result.timings[phase] = round(now - self.last, 3)
        result.timings["total"] = round(now - self.started, 3)
        self.last = now


def load_places(connection: Connection) -> Places:
    """Every municipality's name key and official name."""
    places = Places()
    grouped: dict[str, list[str]] = {}
    for row in connection.execute(text("SELECT code, name, name_key FROM municipality ORDER BY code")).all():
        grouped.setdefault(row.name_key, []).append(row.code)
        places.names[row.code] = row.name
    places.by_key = {key: tuple(codes) for key, codes in grouped.items()}
    return places


def row_hash(salt: bytes, cells: tuple[str, ...]) -> str:
    """A digest of a raw row and of how it is read: equal digests mean an identical clean row."""
    return hashlib.blake2b(salt + "\x1f".join(cells).encode(), digest_size=16).hexdigest()


def known_rows(connection: Connection, source: str) -> dict[str, tuple]:
    """Enterprises of the source by the digest of the raw row they were last loaded from (except those
    an online geocoder failed on: they are geocoded again)."""
    rows = connection.execute(
        text("""
        SELECT content_hash, id, source_key, geocode_precision, mrc_code,
               CASE WHEN flags <> '{}' THEN flags END FROM enterprise
        WHERE source = :source AND content_hash IS NOT NULL
          AND NOT (flags && '{missing_from_source,geocoder_error}')"""),
        {"source": source},
    ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def sort_rows(
    connection: Connection,
    table: Table,
    layout: Layout,
    options: IngestOptions,
    vocabulary: Vocabulary,
    result: IngestResult,
    progress: Progress | None,
    work: ChunkWork,
) -> dict[int, list[str]]:
    """Clean every row as it is read, except rows identical to what an enterprise was loaded from
    (unchanged); rejected and duplicate rows become outcomes at once; the others go in chunks to
    `work`, in a background thread, while the next chunk is read and cleaned (memory stays flat). Files
    of a few thousand rows and more are cleaned by worker processes while this one reads and hands over.
    Return the report's reasons of the staged rows that have issues, by line."""
    salt = (
        f"{PIPELINE_VERSION}|{options.chain.label}|{sorted(layout.columns.items())}|"
        f"{sorted(layout.services.items())}|".encode()
    )
    cleaner = Cleaner(layout, load_places(connection), vocabulary, bool(options.geocoders))
    items = read_rows(table, known_rows(connection, options.source), salt, result, progress)
    create_stage(connection, STAGE)
    chunks = ChunkWorker(work)
    # Taken now: once the thread's statement has failed, the connection is no longer reachable from here.
    cancel = connection.connection.driver_connection.cancel_safe
    sorter = Sorter(result, chunks.submit, chunk_rows(table.lines))
    try:
        # Closed at once on an error, so that a worker process stops with it.
        workers = cleaning_workers(table)
        with closing(
            clean_in_order(items, cleaner, workers, batch_rows(table.lines, workers))
        ) as cleaned_rows:
            for line, payload, cleaned in cleaned_rows:
                if cleaned is None:
                    sorter.unchanged(line, *payload)
                else:
                    sorter.cleaned(line, payload, cleaned)
        if sorter.chunk:
            chunks.submit(sorter.chunk)
        if progress:
            progress("nettoyage", result.counts["read"], result.counts["read"])
            progress("base de données", 1, 4)
        chunks.wait()
    except BaseException:
        # The connection is the caller's again only once the thread is done with it.
        chunks.stop(cancel)
        raise
    return sorter.notes


def cleaning_workers(table: Table) -> int:
    """How many worker processes clean the rows (0: this process does): some for a file of more than
    PARALLEL_ROWS lines read by a program's main thread with more than one usable core (a web server's
    import thread cleans them itself: forking a threaded server risks inheriting locks that other
    threads hold)."""
    if table.lines <= PARALLEL_ROWS or threading.current_thread() is not threading.main_thread():
        return 0
    return worker_count()


@dataclass
class Sorter:
    """Where each row goes, in line order: an outcome at once (unchanged, rejected) or a chunk handed
    over when full."""

    result: IngestResult
    hand_over: Callable[[list[tuple]], None]
    size: int
    keys: dict[str, int] = field(default_factory=dict)
    chunk: list[tuple] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)

    def unchanged(self, line: int, identifier: str | None, stored: tuple) -> None:
        """A row identical to what its enterprise was loaded from."""
        enterprise_id, key, precision, mrc_code, flags = stored
        self.keys.setdefault(key, line)
        self.result.outcomes.append(
            RowOutcome(
                line,
                identifier,
                "unchanged",
                enterprise_id,
                precision,
                mrc_code,
                [FLAG_REASONS[f] for f in flags or () if f in FLAG_REASONS],
            )
        )

    def cleaned(self, line: int, digest: str, cleaned: Cleaned) -> None:
        """A cleaned row: rejected (also as a duplicate of an earlier line) or staged."""
        rejected, source_key, identifier, issues, values = cleaned
        self.result.issues.extend(issues)
        if not rejected and source_key in self.keys:
            issues.append(
                Issue(
                    line,
                    None,
                    None,
                    f"doublon de la ligne {self.keys[source_key]} "
                    "(même identifiant, NEQ ou nom et code postal) : ligne rejetée",
                    "error",
                )
            )
            self.result.issues.append(issues[-1])
            rejected = True
        if rejected:
            self.result.outcomes.append(
                RowOutcome(line, identifier, "rejected", reasons=[describe(i) for i in issues])
            )
            return
        self.keys[source_key] = line
        if issues:
            self.notes[line] = [describe(i) for i in issues]
        self.chunk.append((line, source_key, digest, *values))
        if len(self.chunk) == self.size:
            # A new list: the handed-over one is read by another thread.
            self.hand_over(self.chunk)
            self.chunk = []


def read_rows(
    table: Table, known: dict[str, tuple], salt: bytes, result: IngestResult, progress: Progress | None
) -> Iterator[tuple[int, tuple[str, ...] | None, object]]:
    """Each row as (line, cells to clean, its digest); a row whose digest an enterprise was loaded
    from as (line, None, (its identifier, what is stored)): it is not cleaned again."""
    for done, (line, cells) in enumerate(table.rows, 1):
        result.counts["read"] += 1
        if progress and done % 2000 == 0:
            progress("nettoyage", done, max(done, table.lines))
        digest = row_hash(salt, cells)
        before = known.pop(digest, None)
        if before is None:
            yield line, cells, digest
        else:
            yield (
                line,
                None,
                (_cell(cells, table.columns, "external_id") or _cell(cells, table.columns, "neq"), before),
            )


def describe(issue: Issue) -> str:
    """An issue as one sentence of the report: column, value and reason."""
    if issue.column and issue.value:
        return f"{issue.column} « {issue.value} » : {issue.reason}"
    return f"{issue.column} : {issue.reason}" if issue.column else issue.reason


def _cell(cells: tuple[str, ...], columns: dict[str, int], name: str) -> str | None:
    """The raw value of a field in a row, when the file has that column."""
    position = columns.get(name)
    return (cells[position] or None) if position is not None and position < len(cells) else None


STAGE_DATA = f"""{STAGE_COLUMNS}, source_key text NOT NULL, content_hash text, external_id text,
    neq text, name text, description text, address_line2 text, phone text, email text, website text,
    opening_hours text, sectors text[], items text[], services text[], contact_person text,
    internal_notes text, enterprise_id bigint, status text"""
#: The staging columns a cleaned row fills, in the order of its values (line, key, digest, then the
#: cleaned fields; the file's coordinates are staged apart from the geocoded point).
_COPIED = (
    "line",
    "source_key",
    "content_hash",
    *({"latitude": "file_lat", "longitude": "file_lon"}.get(name, name) for name in STAGED_FIELDS),
)


def create_stage(connection: Connection, table: str) -> None:
    """A staging table: temporary, dropped at the end of the transaction."""
    connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
    connection.execute(text(f"CREATE TEMP TABLE {table} ({STAGE_DATA}) ON COMMIT DROP"))


def synchronized(progress: Progress | None) -> Progress | None:
    """The progress callback, called by one thread at a time (the reading one and the chunks' one)."""
    if progress is None:
        return None
    lock = threading.Lock()

    def report(phase: str, done: int, total: int) -> None:
        with lock:
            progress(phase, done, total)

    return report


@dataclass
class ChunkWork:
    """The database work of one chunk: stage it, place it, compare it with the table, write it (not in
    a dry run), and keep it in STAGE for the report."""

    connection: Connection
    options: IngestOptions
    batch_id: int | None
    present: tuple[str, ...]
    progress: Callable[[int, int], None] | None
    placing: float = 0.0

    def __call__(self, rows: list[tuple]) -> None:
        """Do the chunk's work (in the chunks' thread)."""
        create_stage(self.connection, CHUNK)
        copy_rows(self.connection, CHUNK, _COPIED, rows)
        started = time.perf_counter()
        place_staged(self.connection, CHUNK, self.options.chain, self.options.geocoders, self.progress)
        self.placing += time.perf_counter() - started
        classify(self.connection, self.options.source, CHUNK)
        if self.batch_id is not None:
            apply(self.connection, self.options.source, self.batch_id, self.present, CHUNK)
        self.connection.execute(text(f"INSERT INTO {STAGE} SELECT * FROM {CHUNK}"))


_RANK = "array_position(ARRAY[" + ",".join(f"'{p}'" for p in PRECISIONS) + "], {})"

# An existing point survives a worse result caused by a geocoder fault, and any failure to place.
_KEEP_POINTS = """
UPDATE {t} s SET enterprise_id = k.id,
    point = CASE WHEN k.keep THEN k.point ELSE s.point END,
    precision = CASE WHEN k.keep THEN k.geocode_precision ELSE s.precision END,
    geocode_source = CASE WHEN k.keep THEN k.geocode_source ELSE s.geocode_source END,
    mrc_code = CASE WHEN k.keep THEN k.mrc_code ELSE s.mrc_code END,
    flags = CASE WHEN k.keep THEN array_remove(s.flags, 'unplaced') || '{{point_kept}}'::text[]
                 ELSE s.flags END
FROM (SELECT s2.line, e.id, e.point, e.geocode_precision, e.geocode_source, e.mrc_code,
             e.point IS NOT NULL AND (s2.point IS NULL OR (s2.geocode_failed
                 AND {rank_stored} < {rank_staged})) AS keep
      FROM {t} s2 JOIN enterprise e ON e.source = :source AND e.source_key = s2.source_key) k
WHERE k.line = s.line"""
_OFFICIAL_NAMES = """
UPDATE {t} s SET municipality_name = m.name FROM municipality m
WHERE m.code = s.municipality_code AND s.municipality_name IS DISTINCT FROM m.name"""


def _compared(prefix: str, columns: tuple[str, ...]) -> str:
    """A row constructor over columns, as the enterprise names them, for IS DISTINCT FROM."""
    return ", ".join(f"{prefix}.{column}" for column in columns)


def classify(connection: Connection, source: str, table: str) -> None:
    """Mark each staged row updated or unchanged against what the table holds; a row left without
    a status (no enterprise has its key) is to be inserted."""
    connection.execute(text(_OFFICIAL_NAMES.format(t=table)))
    connection.execute(
        text(
            _KEEP_POINTS.format(
                t=table,
                rank_stored=_RANK.format("e.geocode_precision"),
                rank_staged=_RANK.format("s2.precision"),
            )
        ),
        {"source": source},
    )
    # Every enterprise_id is one of the source's (_KEEP_POINTS): saying so lets the planner hash
    # those alone, not every enterprise (16 MB for a new source's first import, to update no row).
    connection.execute(
        text(f"""
        UPDATE {table} s SET status = CASE
            WHEN ({_compared("e", DATA_COLUMNS + GEO_COLUMNS)})
                 IS DISTINCT FROM ({_stage_values()}) THEN 'updated' ELSE 'unchanged' END
        FROM enterprise e WHERE e.id = s.enterprise_id AND e.source = :source"""),
        {"source": source},
    )


def _stage_values(columns: tuple[str, ...] = DATA_COLUMNS + GEO_COLUMNS) -> str:
    """The staged expressions matching enterprise columns (the precision is named differently)."""
    renamed = {"geocode_precision": "precision"}
    return ", ".join(f"s.{renamed.get(c, c)}" for c in columns)


def present_columns(layout: Layout) -> tuple[str, ...]:
    """The enterprise columns this file speaks for; the others keep their stored values on update."""
    mapped = set(layout.columns)
    columns = {c for name, cs in FIELD_COLUMNS.items() if name in mapped for c in cs}
    columns |= {column for column, fields in ADDRESS_SOURCES.items() if mapped & fields}
    if "services" in mapped or layout.services:
        columns.add("services")
    return tuple(c for c in DATA_COLUMNS if c in columns)


def open_batch(connection: Connection, path: Path, source: str) -> int:
    """Record the start of an import and return its id."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return connection.execute(
        text("INSERT INTO import_batch (source, file_name, checksum) VALUES (:s, :f, :c) RETURNING id"),
        {"s": source, "f": path.name, "c": digest},
    ).scalar_one()


def apply(connection: Connection, source: str, batch_id: int, present: tuple[str, ...], table: str) -> None:
    """Write inserted and updated rows with one INSERT ... ON CONFLICT; unchanged rows stay as they
    are (their updated_at too), only the digest of their raw row is refreshed."""
    insert_columns = DATA_COLUMNS + GEO_COLUMNS
    updated = present + GEO_COLUMNS
    assignments = ", ".join(f"{c} = excluded.{c}" for c in updated)
    connection.execute(
        text(f"""
        INSERT INTO enterprise (source, source_key, {", ".join(insert_columns)}, content_hash,
                                published, last_import_id)
        SELECT :source, s.source_key, {_stage_values(insert_columns)}, s.content_hash,
               s.point IS NOT NULL, :batch
        FROM {table} s WHERE s.status IS NULL OR s.status = 'updated' ORDER BY s.line
        ON CONFLICT (source, source_key) DO UPDATE SET {assignments},
            content_hash = excluded.content_hash, last_import_id = excluded.last_import_id,
            updated_at = now(),
            published = CASE WHEN 'missing_from_source' = ANY(enterprise.flags)
                               OR ('unplaced' = ANY(enterprise.flags) AND excluded.point IS NOT NULL)
                             THEN true ELSE enterprise.published END
        WHERE ({_compared("enterprise", updated)}) IS DISTINCT FROM ({_compared("excluded", updated)})"""),
        {"source": source, "batch": batch_id},
    )
    connection.execute(
        text(f"""
        UPDATE enterprise e SET content_hash = s.content_hash FROM {table} s
        WHERE s.status = 'unchanged' AND e.id = s.enterprise_id
          AND e.content_hash IS DISTINCT FROM s.content_hash""")
    )


def present_ids(result: IngestResult) -> set[int]:
    """The stored enterprises the file speaks for: those of its unchanged, updated and inserted rows."""
    return {outcome.enterprise_id for outcome in result.outcomes if outcome.enterprise_id is not None}


def handle_missing(connection: Connection, options: IngestOptions, present: set[int]) -> tuple[int, int]:
    """Count published enterprises of the source absent from the file; hide them when asked."""
    # The ids have a primary key, so that the anti-join probes it: the statistics of the enterprise
    # table predate this import, and a source's first import is estimated at one row, which once made
    # the planner scan the whole staging table for each of the source's enterprises.
    connection.execute(text("DROP TABLE IF EXISTS ingest_present"))
    connection.execute(text("CREATE TEMP TABLE ingest_present (id bigint PRIMARY KEY) ON COMMIT DROP"))
    copy_rows(connection, "ingest_present", ["id"], ((enterprise_id,) for enterprise_id in present))
    connection.execute(text("ANALYZE ingest_present"))
    missing_sql = """FROM enterprise e WHERE e.source = :source AND e.published
        AND NOT EXISTS (SELECT 1 FROM ingest_present p WHERE p.id = e.id)"""
    missing = connection.execute(
        text(f"SELECT count(*) {missing_sql}"), {"source": options.source}
    ).scalar_one()
    if not (options.unpublish_missing and missing):
        return missing, 0
    hidden = connection.execute(
        text(f"""
        UPDATE enterprise SET published = false, updated_at = now(),
            flags = array_append(array_remove(flags, 'missing_from_source'), 'missing_from_source')
        WHERE id IN (SELECT e.id {missing_sql})"""),
        {"source": options.source},
    ).rowcount
    return missing, hidden


def collect(connection: Connection, result: IngestResult, notes: dict[int, list[str]], source: str) -> None:
    """Outcomes of the staged rows, counts per status and precision, and the issues they raise."""
    result.mrc_names = dict(connection.execute(text("SELECT code, name FROM mrc")).all())
    staged = connection.execute(
        text(f"""
        SELECT s.line, COALESCE(s.external_id, s.neq), s.municipality_name, COALESCE(s.status, 'inserted'),
               e.id, s.precision, s.mrc_code, s.flags
        FROM {STAGE} s LEFT JOIN enterprise e ON e.source = :source AND e.source_key = s.source_key"""),
        {"source": source},
        execution_options={"yield_per": REPORT_ROWS},
    )
    for line, identifier, town, status, enterprise_id, precision, mrc_code, flags in staged:
        reasons = notes.get(line, [])
        result.retryable += "geocoder_error" in flags
        for flag in flags:
            reason = FLAG_REASONS.get(flag, flag)
            if flag == "municipality_unknown":
                reason = f"{reason} : « {town} »"
            reasons.append(reason)
            result.issues.append(Issue(line, None, None, reason))
        result.outcomes.append(
            RowOutcome(line, identifier, status, enterprise_id, precision, mrc_code, reasons)
        )
    result.outcomes.sort(key=lambda outcome: outcome.line)
    for outcome in result.outcomes:
        result.counts[outcome.status] += 1
        if outcome.precision and outcome.status != "rejected":
            result.precision[outcome.precision] += 1


def record(connection: Connection, result: IngestResult) -> None:
    """Store the issues (linked to their enterprise) and the batch's counts and timings."""
    lines = {issue.line for issue in result.issues}
    ids = {outcome.line: outcome.enterprise_id for outcome in result.outcomes if outcome.line in lines}
    copy_rows(
        connection,
        "import_issue",
        ["batch_id", "line", '"column"', "value", "reason", "severity", "enterprise_id"],
        (
            (
                result.batch_id,
                issue.line,
                issue.column,
                issue.value,
                issue.reason,
                issue.severity,
                ids.get(issue.line),
            )
            for issue in result.issues
        ),
    )
    counts = {
        **result.summary(),
        "missing": result.missing,
        "unpublished": result.unpublished,
        "geocoder_calls": result.geocoder_calls,
        "retryable": result.retryable,
    }
    connection.execute(
        text("""
        UPDATE import_batch SET counts = CAST(:counts AS jsonb), timings = CAST(:timings AS jsonb),
            finished_at = now() WHERE id = :id"""),
        {"counts": _json(counts), "timings": _json(result.timings), "id": result.batch_id},
    )


def _json(value: dict) -> str:
    """JSON text of a dictionary."""
    import json

    return json.dumps(value, ensure_ascii=False)
