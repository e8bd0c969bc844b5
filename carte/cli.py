"""The `carte` command: a thin layer of click commands over the library."""
from __future__ import annotations

import json
import sys
from functools import wraps
from typing import Callable

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError

from carte import create_app
from carte.db import get_engine, unavailable
from carte.errors import CarteError


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
            click.echo(f"Erreur : {unavailable(current_app.config['DATABASE_URL'], error).message}",
                       err=True)
            sys.exit(1)

    return wrapper


cli = FlaskGroup(create_app=create_app, add_default_commands=True, load_dotenv=False,
                 help="Carte de l'économie sociale: manage the database, the geodata and the data.")


@cli.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Create the extensions and apply every migration to CARTE_DATABASE_URL."""
    from carte import schema

    engine = get_engine()
    before = schema.current_revision(engine)
    schema.upgrade(engine)
    after = schema.current_revision(engine)
    click.echo(f"Schéma à jour (révision {after})." if before == after
               else f"Schéma migré de {before or 'vide'} à {after}.")


@cli.group("geodata")
def geodata_group() -> None:
    """Reference geography: regions, MRC, municipalities, postal codes."""


@geodata_group.command("load")
@click.option("--dir", "directory", type=click.Path(file_okay=False),
              help="Folder of the reference layers (default: CARTE_GEODATA_DIR).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@friendly_errors
def geodata_load(directory: str | None, as_json: bool) -> None:
    """Load regions, MRC, municipalities and postal codes, then verify them."""
    from carte.geodata import load_geodata

    counts = load_geodata(get_engine(), directory or current_app.config["GEODATA_DIR"])
    if as_json:
        click.echo(json.dumps(counts.as_dict()))
        return
    click.echo(
        f"Géodonnées chargées en {counts.seconds} s : {counts.regions} régions, {counts.mrc} MRC, "
        f"{counts.municipalities} municipalités ({counts.municipalities_with_mrc} avec MRC), "
        f"{counts.postal_codes} codes postaux, {counts.fsa} RTA.")


@cli.group("vocabulary")
def vocabulary_group() -> None:
    """Sectors, item categories and services."""


@vocabulary_group.command("load")
@friendly_errors
def vocabulary_load() -> None:
    """Load data/vocabulary.json into the sector, item_category and service tables."""
    from carte.db import connect
    from carte.vocabulary import load_vocabulary, store_vocabulary

    with connect(get_engine()) as connection:
        counts = store_vocabulary(connection, load_vocabulary())
    click.echo(f"Vocabulaire chargé : {counts['sectors']} secteurs, {counts['items']} catégories "
               f"d'objets, {counts['services']} services.")


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
@click.option("--role", type=click.Choice(["admin", "editor"]), required=True,
              help="admin: everything; editor: only the enterprises of its MRCs.")
@click.option("--mrc", "mrc_codes", multiple=True, help="MRC code an editor may edit (repeatable).")
@friendly_errors
def user_create(email: str, role: str, mrc_codes: tuple[str, ...]) -> None:
    """Create a staff account; the password is asked for, or read from standard input."""
    from carte.accounts import create_user
    from carte.db import connect

    password = read_password()
    with connect(get_engine()) as connection:
        user_id = create_user(connection, email, password, role, list(mrc_codes))
    click.echo(f"Compte n° {user_id} créé pour {email} ({role}).")


@user_group.command("list")
@friendly_errors
def user_list() -> None:
    """List the staff accounts."""
    from carte.accounts import list_users
    from carte.db import connect

    with connect(get_engine()) as connection:
        for user in list_users(connection):
            click.echo(f"{user['id']}\t{user['email']}\t{user['role']}\t{','.join(user['mrc_codes'])}"
                       f"\t{'actif' if user['active'] else 'inactif'}")


@cli.command("duplicates")
@click.option("--json", "as_json", is_flag=True, help="Print the candidate pairs as JSON.")
@friendly_errors
def duplicates_command(as_json: bool) -> None:
    """Find candidate duplicate enterprises (similar name nearby, same NEQ, phone or website)."""
    from carte.db import connect
    from carte.duplicates import candidates, find_candidates

    with connect(get_engine()) as connection:
        count = find_candidates(connection)
        pairs = candidates(connection, None)
    if as_json:
        click.echo(json.dumps([{"first_id": p["first_id"], "second_id": p["second_id"],
                                "reasons": p["reasons"], "score": p["score"]} for p in pairs]))
        return
    click.echo(f"{count} paire(s) de doublons possibles à examiner dans /admin/doublons.")
    for pair in pairs[:20]:
        click.echo(f"  {pair['first_id']} / {pair['second_id']} ({', '.join(pair['reasons'])}) : "
                   f"{pair['first']['name']} / {pair['second']['name']}")


@cli.group("reminders")
def reminders_group() -> None:
    """E-mails to owners of entries not verified for a while."""


@reminders_group.command("send")
@friendly_errors
def reminders_send() -> None:
    """Send each due owner a signed, expiring link to confirm or correct their entry (for cron)."""
    from carte.db import connect
    from carte.freshness import SmtpMailer, send_reminders

    config = current_app.config
    mailer = SmtpMailer(config["SMTP_HOST"], int(config["SMTP_PORT"]), config["SMTP_USER"],
                        config["SMTP_PASSWORD"], bool(config["SMTP_STARTTLS"]))
    with connect(get_engine()) as connection:
        result = send_reminders(connection, mailer, config["SECRET_KEY"], config["PUBLIC_URL"],
                                config["MAIL_FROM"], int(config["STALE_DAYS"]),
                                int(config["REMINDER_INTERVAL_DAYS"]))
    click.echo(f"Rappels envoyés : {result.sent} ; échecs (réessayés au prochain passage) : {result.failed}.")
    if result.failed and not result.sent:
        sys.exit(1)


def main() -> None:
    """Entry point of the `carte` console script."""
    cli.main(prog_name="carte")
