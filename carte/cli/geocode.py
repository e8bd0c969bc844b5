"""The `carte geocode --retry-failed` command's work: the chain from the options, one transaction,
the counts in French or JSON."""

from __future__ import annotations

import json

import click

from carte.cli.context import get_engine, settings
from carte.cli.transaction import all_or_nothing
from carte.core.errors import CarteError
from carte.geo import retry as geocode_retry
from carte.geo.geocoding import online_geocoders, parse_chain


def run_retry(*, retry_failed: bool, geocoder: str | None, limit: int | None, as_json: bool) -> None:
    """Retry the failed enterprises in one transaction and print what happened."""
    if not retry_failed:
        raise CarteError(
            "Précisez ce qu'il faut géocoder : carte geocode --retry-failed réessaie les "
            "entreprises sur lesquelles le géocodeur en ligne a échoué."
        )
    config = settings()
    chain = parse_chain(geocoder or config["GEOCODER"])
    geocoders = online_geocoders(chain, config)
    with all_or_nothing(get_engine(), "Géocodage") as connection:
        result = geocode_retry.retry_failed(connection, chain, geocoders, limit)
    click.echo(json.dumps(result.summary()) if as_json else describe(result))


def describe(result: geocode_retry.RetryResult) -> str:
    """The counts in French."""
    if not result.retried:
        return "Aucune entreprise à géocoder de nouveau."
    return (
        f"Entreprises réessayées : {result.retried} sur {result.retryable} en attente ; placées à "
        f"l'adresse : {result.found} ; introuvables (position de repli gardée) : {result.not_found} ; "
        f"toujours en échec : {result.failed}. Restent à réessayer : {result.remaining}. "
        f"Requêtes au géocodeur en ligne : {result.geocoder_calls}."
    )
