"""Concrete URLs for every rule of the URL map, its converters filled from real rows of the test database."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection
from werkzeug.routing import Rule

from carte.ingest import jobs as imports
from carte.staff import freshness, suggestions
from carte.web.vendor import VERSIONS
from tests.helpers import insert_enterprise

#: Endpoints whose URL arguments are fixed paths rather than database rows.
FIXED_ARGUMENTS: dict[str, dict[str, str]] = {
    "static": {"filename": "css/base.css"},
    "vendor.asset": {"package": "leaflet", "version": VERSIONS["leaflet"], "filename": "leaflet.js"},
}


def sample_rows(connection: Connection, secret: str) -> dict[str, Any]:
    """One real row behind each URL argument name: enterprises, suggestion, import job and batch, MRC."""
    first = insert_enterprise(connection, name="Ressourcerie des échantillons")
    second = insert_enterprise(connection, name="Ressourcerie des echantillons")
    suggestion = suggestions.submit(
        connection, first, {"phone": "418 555-0101"}, "Nouveau numéro", None, "sample-urls"
    )
    job = imports.create_job(
        connection, "sample@exemple.org", "liste.csv", b"nom,adresse\nA,1 rue B\n", "sample", False
    )
    batch = connection.execute(
        text("""INSERT INTO import_batch (source, file_name, checksum)
        VALUES ('sample', 'liste.csv', repeat('0', 64)) RETURNING id""")
    ).scalar_one()
    return {
        "enterprise_id": first,
        "first_id": first,
        "second_id": second,
        "suggestion_id": suggestion,
        "job_id": job,
        "batch_id": batch,
        "code": "29",
        "z": 8,
        "x": 75,
        "y": 90,
        "token": freshness.link_signer(secret).dumps(first),
    }


def sample_url(app: Flask, rule: Rule, method: str, rows: dict[str, Any]) -> str:
    """The rule's path with each argument taken from the rows (KeyError names a route nobody covers)."""
    values = {**rows, **FIXED_ARGUMENTS.get(rule.endpoint, {})}
    arguments = {argument: values[argument] for argument in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, arguments, method=method)


def every_route(app: Flask, rows: dict[str, Any]) -> list[tuple[Rule, str, str]]:
    """(rule, method, URL) for every method of every rule in the URL map."""
    return [
        (rule, method, sample_url(app, rule, method, rows))
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
