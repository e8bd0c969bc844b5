"""The `carte` command: a thin layer of click commands over the library.

Data commands (ingest, geodata, export, ...) run with the settings and an engine alone
(carte.cli.context); only Flask's own commands (run, routes, shell) build the web application."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

import click
from sqlalchemy.exc import OperationalError

from carte.cli.context import get_engine, settings
from carte.core.errors import CarteError
from carte.store.engine import unavailable

if TYPE_CHECKING:
    from flask import Flask

#: Flask's commands, which need the application; loaded only when one of them is asked for.
FLASK_COMMANDS = ("routes", "run", "shell")


def friendly_errors(command: Callable) -> Callable:
    """Turn a CarteError or an unreachable database into one sentence and exit code 1."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CarteError as error:
            click.echo(f"Erreur : {error.message}", err=True)
            sys.exit(1)
        except OperationalError as error:
            click.echo(f"Erreur : {unavailable(settings()['DATABASE_URL'], error).message}", err=True)
            sys.exit(1)

    return wrapper


def create_cli_app() -> Flask:
    """The application for Flask's commands; a setting that cannot work (a bad database URL) is one
    sentence."""
    from carte import create_app_or_exit

    return create_app_or_exit(1)


class CarteGroup(click.Group):
    """The command group: our commands, and Flask's run, routes and shell imported on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, Flask's included, sorted."""
        return sorted({*super().list_commands(ctx), *FLASK_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Our command, or Flask's with the way to build the application on the context."""
        if cmd_name not in FLASK_COMMANDS:
            return super().get_command(ctx, cmd_name)
        from flask import cli as flask_cli

        if not isinstance(ctx.obj, flask_cli.ScriptInfo):
            ctx.obj = flask_cli.ScriptInfo(create_app=create_cli_app)
        return {
            "routes": flask_cli.routes_command,
            "run": flask_cli.run_command,
            "shell": flask_cli.shell_command,
        }[cmd_name]


cli = CarteGroup(help="Carte de l'économie sociale: manage the database, the geodata and the data.")


@cli.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Create the extensions and apply every migration to CARTE_DATABASE_URL."""
    from carte.store import schema

    engine = get_engine()
    before = schema.current_revision(engine)
    schema.upgrade(engine)
    after = schema.current_revision(engine)
    click.echo(
        f"Schéma à jour (révision {after})."
        if before == after
        else f"Schéma migré de {before or 'vide'} à {after}."
    )


@cli.group("geodata")
def geodata_group() -> None:
    """Reference geography: regions, MRC, municipalities, postal codes."""


@geodata_group.command("load")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Folder of the reference layers (default: CARTE_GEODATA_DIR).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@friendly_errors
def geodata_load(directory: str | None, as_json: bool) -> None:
    """Load regions, MRC, municipalities and postal codes, then verify them."""
    from carte.geo.geodata import load_geodata

    counts = load_geodata(get_engine(), directory or settings()["GEODATA_DIR"])
    if as_json:
        click.echo(json.dumps(counts.as_dict()))
        return
    click.echo(
        f"Géodonnées chargées en {counts.seconds} s : {counts.regions} régions, {counts.mrc} MRC, "
        f"{counts.municipalities} municipalités ({counts.municipalities_with_mrc} avec MRC), "
        f"{counts.postal_codes} codes postaux, {counts.fsa} RTA."
    )


@cli.group("vocabulary")
def vocabulary_group() -> None:
    """Sectors, item categories and services."""


@vocabulary_group.command("load")
@friendly_errors
def vocabulary_load() -> None:
    """Load data/vocabulary.json into the sector, item_category and service tables."""
    from carte.core.vocabulary import load_vocabulary, store_vocabulary
    from carte.store.engine import connect

    with connect(get_engine()) as connection:
        counts = store_vocabulary(connection, load_vocabulary())
    click.echo(
        f"Vocabulaire chargé : {counts['sectors']} secteurs, {counts['items']} catégories "
        f"d'objets, {counts['services']} services."
    )


@cli.group("tiles")
def tiles_group() -> None:
    """The large-data map's pre-aggregated clusters and searchable points."""


@tiles_group.command("refresh")
@click.option("--force", is_flag=True, help="Rebuild even when the clusters are up to date.")
@friendly_errors
def tiles_refresh(force: bool) -> None:
    """Rebuild the clusters and points when the data changed since the last refresh (cheap no-op otherwise)."""
    from sqlalchemy.orm import Session

    from carte.map.clusters import refresh

    with Session(get_engine()) as session, session.begin():
        done = refresh(session, force)
    click.echo(
        f"Grappes déjà à jour (version {done.data_version})."
        if done.skipped
        else f"Grappes recalculées : {done.rows} lignes (version {done.data_version})."
    )


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "geojson", "jsonld", "hsds"]),
    default="csv",
    show_default=True,
    help="CSV (UTF-8 with BOM, for spreadsheets), GeoJSON, schema.org JSON-LD "
    "or Open Referral HSDS CSV (docs/open-data.md).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="File to write (default: standard output).",
)
@click.option("--q", help="Text searched in name, description and municipality.")
@click.option("--item", multiple=True, help="Item category: code or free text (repeatable).")
@click.option("--sector", multiple=True, help="Sector code (repeatable).")
@click.option("--service", multiple=True, help="Service code (repeatable).")
@click.option("--mrc", help="MRC code.")
@click.option("--region", help="Region code.")
@click.option("--bbox", help="minLon,minLat,maxLon,maxLat.")
@click.option(
    "--accepting",
    type=click.Choice(["now", "all"]),
    help="With --item or --sector: leave out places that paused them today (now, the default) or not (all).",
)
@click.option("--lang", default="fr", show_default=True, help="Language of labels and headers: fr or en.")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Public address of the site, for the enterprise page links.",
)
@friendly_errors
def export_command(fmt: str, output: str, base_url: str, **options: object) -> None:
    """Export the published enterprises with the API's filters, licence included."""
    from sqlalchemy.orm import Session

    from carte.core.vocabulary import load_vocabulary
    from carte.read.export import FORMATS, Licence
    from carte.read.filters import parse_filter, parse_language
    from carte.read.queries import known_place

    args = {
        name: list(value) if isinstance(value, tuple) else [value] for name, value in options.items() if value
    }
    config = settings()
    licence = Licence(config["DATA_LICENCE"], config["DATA_LICENCE_URL"], config["DATA_ATTRIBUTION"])
    with Session(get_engine()) as session:
        filters = parse_filter(args, load_vocabulary(), known_place(session))
        language = parse_language(args)
        body = FORMATS[fmt][0](session, filters, language, base_url.rstrip("/"), licence)
        with click.open_file(output, "wb") as out:
            for piece in [body] if isinstance(body, str) else body:
                out.write(piece.encode("utf-8"))
    if output != "-":
        click.echo(f"Export écrit dans {output}.", err=True)


@cli.command("ingest")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--source",
    default="import",
    show_default=True,
    help="Name of the list; rows are matched to enterprises of the same source.",
)
@click.option("--dry-run", is_flag=True, help="Compute the exact counts, change nothing.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write one CSV line per input row: status, enterprise, precision, MRC, reasons.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option(
    "--columns",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Map a field to a header, overriding recognition (repeatable, or comma-separated).",
)
@click.option(
    "--geocoder", help="Geocoder chain, e.g. 'offline' or 'nominatim,offline' (default: CARTE_GEOCODER)."
)
@click.option(
    "--unpublish-missing",
    is_flag=True,
    help="Hide enterprises of this source absent from the file (never deletes).",
)
@friendly_errors
def ingest(
    file: str,
    source: str,
    dry_run: bool,
    report_path: str | None,
    as_json: bool,
    columns: tuple[str, ...],
    geocoder: str | None,
    unpublish_missing: bool,
) -> None:
    """Load a list of enterprises (.csv or .xlsx): clean, geocode, attach to an MRC, upsert."""
    from carte.cli.ingest import run_ingest

    run_ingest(
        file,
        source=source,
        dry_run=dry_run,
        report_path=report_path,
        as_json=as_json,
        columns=columns,
        geocoder=geocoder,
        unpublish_missing=unpublish_missing,
    )


@cli.command("geocode")
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Ask the online geocoder again for the enterprises it failed on (flag geocoder_error).",
)
@click.option("--geocoder", help="Geocoder chain, e.g. 'nominatim,offline' (default: CARTE_GEOCODER).")
@click.option(
    "--limit", type=click.IntRange(min=1), help="Retry at most this many enterprises (oldest first)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@friendly_errors
def geocode_command(retry_failed: bool, geocoder: str | None, limit: int | None, as_json: bool) -> None:
    """Geocode again what an online geocoder failed on; better points replace the fallbacks."""
    from carte.cli.geocode import run_retry

    run_retry(retry_failed=retry_failed, geocoder=geocoder, limit=limit, as_json=as_json)


@cli.group("user")
def user_group() -> None:
    """Staff accounts."""


def read_password() -> str:
    """Ask for a new password twice on a terminal, else read one line from standard input."""
    if sys.stdin.isatty():
        return click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@user_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["admin", "editor"]),
    required=True,
    help="admin: everything; editor: only the enterprises of its MRCs.",
)
@click.option("--mrc", "mrc_codes", multiple=True, help="MRC code an editor may edit (repeatable).")
@friendly_errors
def user_create(email: str, role: str, mrc_codes: tuple[str, ...]) -> None:
    """Create a staff account; the password is asked for, or read from standard input."""
    from carte.staff.accounts import create_user
    from carte.store.engine import connect

    password = read_password()
    with connect(get_engine()) as connection:
        user_id = create_user(connection, email, password, role, list(mrc_codes))
    click.echo(f"Compte n° {user_id} créé pour {email} ({role}).")


@user_group.command("list")
@friendly_errors
def user_list() -> None:
    """List the staff accounts."""
    from carte.staff.accounts import list_users
    from carte.store.engine import connect

    with connect(get_engine()) as connection:
        for user in list_users(connection):
            click.echo(
                f"{user['id']}\t{user['email']}\t{user['role']}\t{','.join(user['mrc_codes'])}"
                f"\t{'actif' if user['active'] else 'inactif'}"
            )


@cli.command("duplicates")
@click.option("--json", "as_json", is_flag=True, help="Print the candidate pairs as JSON.")
@friendly_errors
def duplicates_command(as_json: bool) -> None:
    """Find candidate duplicate enterprises (similar name nearby, same NEQ, phone or website)."""
    from carte.cli.ingest import describe_duplicates
    from carte.staff.duplicates import DuplicateLimits, candidates, find_candidates
    from carte.store.engine import connect

    with connect(get_engine()) as connection:
        check = find_candidates(connection, limits=DuplicateLimits.from_config(settings()))
        pairs = candidates(connection, None)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "first_id": p["first_id"],
                        "second_id": p["second_id"],
                        "reasons": p["reasons"],
                        "score": p["score"],
                    }
                    for p in pairs
                ]
            )
        )
        return
    click.echo("\n".join(describe_duplicates(check)))
    for pair in pairs[:20]:
        click.echo(
            f"  {pair['first_id']} / {pair['second_id']} ({', '.join(pair['reasons'])}) : "
            f"{pair['first']['name']} / {pair['second']['name']}"
        )


@cli.group("reminders")
def reminders_group() -> None:
    """E-mails to owners of entries not verified for a while."""


@reminders_group.command("send")
@friendly_errors
def reminders_send() -> None:
    """Send each due owner a signed, expiring link to confirm or correct their entry (for cron)."""
    from carte.staff.freshness import SmtpMailer, send_reminders
    from carte.store.engine import connect

    config = settings()
    mailer = SmtpMailer(
        config["SMTP_HOST"],
        int(config["SMTP_PORT"]),
        config["SMTP_USER"],
        config["SMTP_PASSWORD"],
        bool(config["SMTP_STARTTLS"]),
    )
    with connect(get_engine()) as connection:
        result = send_reminders(
            connection,
            mailer,
            config["SECRET_KEY"],
            config["PUBLIC_URL"],
            config["MAIL_FROM"],
            int(config["STALE_DAYS"]),
            int(config["REMINDER_INTERVAL_DAYS"]),
        )
    click.echo(f"Rappels envoyés : {result.sent} ; échecs (réessayés au prochain passage) : {result.failed}.")
    if result.failed and not result.sent:
        sys.exit(1)


@cli.group("sources")
def sources_group() -> None:
    """Partners' lists published at a URL (CSV, XLSX or GeoJSON), re-imported when they change."""


@sources_group.command("add")
@click.argument("name")
@click.argument("url")
@click.option(
    "--max-unpublish",
    default=0.2,
    show_default=True,
    type=float,
    help="Largest share of the source's enterprises a refresh may hide without confirmation.",
)
@friendly_errors
def sources_add(name: str, url: str, max_unpublish: float) -> None:
    """Register a source NAME published at URL (its enterprises are matched by that source name)."""
    from carte.ingest.sources import add_source
    from carte.store.engine import connect

    with connect(get_engine()) as connection:
        add_source(connection, name, url, max_unpublish)
    click.echo(f"Source {name} enregistrée : {url}.")


@sources_group.command("list")
@friendly_errors
def sources_list() -> None:
    """The registered sources and their last check."""
    from carte.ingest.sources import list_sources
    from carte.store.engine import connect

    with connect(get_engine()) as connection:
        for source in list_sources(connection):
            checked = source["checked_at"].strftime("%Y-%m-%d %H:%M") if source["checked_at"] else "jamais"
            click.echo(f"{source['name']}\t{source['url']}\t{checked}\t{source['status'] or '—'}")


@sources_group.command("refresh")
@click.argument("names", nargs=-1)
@click.option("--confirm", "confirmed", metavar="NAME", help="Apply a change held back for confirmation.")
@friendly_errors
def sources_refresh(names: tuple[str, ...], confirmed: str | None) -> None:
    """Re-import each source (or those named) whose published list changed (for cron)."""
    from carte.core.errors import CarteError
    from carte.geo.geocoding import online_geocoders, parse_chain
    from carte.ingest.pipeline import IngestOptions
    from carte.ingest.sources import list_sources, refresh
    from carte.staff.duplicates import DuplicateLimits
    from carte.store.engine import connect

    config = settings()
    chain = parse_chain(config["GEOCODER"])

    def options(source: str, dry_run: bool) -> IngestOptions:
        return IngestOptions(
            source=source,
            dry_run=dry_run,
            unpublish_missing=True,
            chain=chain,
            geocoders=online_geocoders(chain, config),
            duplicates=DuplicateLimits.from_config(config),
        )

    with connect(get_engine()) as connection:
        selected = (
            [confirmed] if confirmed else (list(names) or [s["name"] for s in list_sources(connection)])
        )
    failures = 0
    for name in selected:
        try:
            with connect(get_engine()) as connection:
                outcome = refresh(connection, name, options, confirm=bool(confirmed))
            click.echo(f"{name} : {outcome.status}. {outcome.message}")
        except CarteError as error:
            failures += 1
            click.echo(f"{name} : erreur. {error.message}", err=True)
    if failures:
        sys.exit(1)


def main() -> None:
    """Entry point of the `carte` console script."""
    cli.main(prog_name="carte")
