"""Imports from the web: upload, preview, confirm or cancel, report, permissions, bad files."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from carte.staff import accounts
from tests.helpers import PASSWORD, job_id_of, sign_in, token_of, upload
from tests.ingest_files import french_excel_csv


@pytest.fixture()
def app(app):
    """Plain HTTP cookies, and jobs run inside the request so they share the test's transaction."""
    app.config.update(SESSION_COOKIE_SECURE=False, IMPORT_RUNNER="inline")
    return app


def count_source(connection, source: str = "pole-test") -> int:
    """Enterprises of a source."""
    return connection.execute(
        text("SELECT count(*) FROM enterprise WHERE source = :s"), {"s": source}
    ).scalar()


def test_a_preview_shows_what_would_change_and_changes_nothing(client, connection, admin):
    response = upload(client, french_excel_csv())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aperçu : rien n'a encore été modifié" in page
    assert "Fiches ajoutées (2)" in page and "Lignes rejetées (1)" in page
    assert count_source(connection) == 0


def test_confirming_applies_the_import_and_offers_the_report(client, connection, admin):
    job = job_id_of(upload(client, french_excel_csv()))
    page = f"/admin/imports/travaux/{job}"
    client.post(f"{page}/confirmer", data={"csrf_token": token_of(client, page)})
    assert count_source(connection) == 2
    assert "Import terminé" in client.get(page).get_data(as_text=True)
    report = client.get(f"{page}/rapport.csv")
    assert report.status_code == 200 and "inserted" in report.get_data(as_text=True)
    kinds = (
        connection.execute(
            text("""SELECT DISTINCT r.kind FROM enterprise_revision r
        JOIN enterprise e ON e.id = r.enterprise_id WHERE e.source = 'pole-test'""")
        )
        .scalars()
        .all()
    )
    assert kinds == ["import"]


def test_cancelling_a_preview_changes_nothing(client, connection, admin):
    job = job_id_of(upload(client, french_excel_csv()))
    page = f"/admin/imports/travaux/{job}"
    client.post(f"{page}/annuler", data={"csrf_token": token_of(client, page)})
    assert client.post(f"{page}/confirmer", data={"csrf_token": token_of(client, page)}).status_code == 409
    assert count_source(connection) == 0


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("liste.xlsm", b"PK\x03\x04macro", "macros"),
        ("liste.pdf", b"%PDF-1.4", "Format non pris en charge"),
        ("liste.xlsx", b"Nom;Adresse\n", "pas un classeur Excel"),
        ("liste.csv", b"\x00\x01\x02binary", "données binaires"),
        ("liste.csv", b"", "vide"),
    ],
)
def test_unusable_files_are_refused_with_a_french_reason(client, connection, admin, name, data, message):
    response = upload(client, data, name)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert connection.execute(text("SELECT count(*) FROM import_job")).scalar() == 0


def test_a_file_over_the_size_limit_is_refused(client, admin, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(client, b"Nom;Adresse\n" + b"x;y\n" * 1000)
    assert response.status_code == 413 and "trop volumineux" in response.get_data(as_text=True)


def test_a_file_without_name_or_address_columns_fails_with_its_reason(client, connection, admin):
    response = upload(client, b"Couleur;Taille\nbleu;3\n")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "échec" in page and "colonne" in page.lower()


def test_an_editor_cannot_confirm_an_import_reaching_other_mrcs(client, connection):
    accounts.create_user(connection, "beauce@exemple.org", PASSWORD, "editor", ["29"])
    sign_in(client, "beauce@exemple.org")
    job = job_id_of(upload(client, french_excel_csv()))
    page = f"/admin/imports/travaux/{job}"
    assert "un administrateur doit le confirmer" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/confirmer", data={"csrf_token": token_of(client, page)}).status_code == 403
    assert count_source(connection) == 0
