"""Duplicate candidates stay few when rows share a value: common values skipped, new pairs capped."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.cli.ingest import describe_duplicates
from carte.ingest.pipeline import IngestOptions, IngestResult, ingest_file
from carte.staff.duplicates import WEBSITE_KEY, DuplicateLimits, SharedValue, find_candidates
from tests.helpers import HEAD_OFFICE, insert_enterprise, job_id_of, token_of, unlike_name, upload
from tests.ingest_files import write_csv

HEADER = ["Identifiant", "Nom", "Code postal", "Ville", "Téléphone", "Site web", "NEQ"]


def row(number: int, phone: str = "", website: str = "", neq: str = "") -> list[str]:
    """A row in Saint-Georges with the given shared values."""
    return [f"D{number}", unlike_name(number), "G5Y 1L3", "Saint-Georges", phone, website, neq]


def run(connection: Connection, path: Path, limits: DuplicateLimits | None = None) -> IngestResult:
    """Import a file under the test source with the given duplicate limits (else the defaults)."""
    options = IngestOptions(source="test-doublons", duplicates=limits or DuplicateLimits())
    return ingest_file(connection, path, options)


def pairs_of_source(connection: Connection) -> set[tuple[str, str, tuple[str, ...]]]:
    """The candidate pairs between enterprises of the test source, by external id, with reasons."""
    rows = connection.execute(
        text("""
        SELECT a.external_id, b.external_id, p.reasons FROM duplicate_pair p
        JOIN enterprise a ON a.id = p.first_id JOIN enterprise b ON b.id = p.second_id
        WHERE a.source = 'test-doublons' OR b.source = 'test-doublons'""")
    ).all()
    return {(min(a, b), max(a, b), tuple(reasons)) for a, b, reasons in rows}


def test_a_head_office_phone_on_150_rows_makes_no_pair_and_the_report_names_it(connection, tmp_path):
    path = write_csv(tmp_path / "siege.csv", [row(n, phone=HEAD_OFFICE) for n in range(150)], HEADER)
    result = run(connection, path)
    assert pairs_of_source(connection) == set()
    assert result.duplicates.skipped == [SharedValue("téléphone", "+14185550199", 150)]
    assert "téléphone +14185550199 (150 fiches)" in "\n".join(describe_duplicates(result.duplicates))


def test_two_rows_really_duplicated_still_pair_beside_a_shared_phone(connection, tmp_path):
    rows = [row(n, phone=HEAD_OFFICE) for n in range(150)]
    rows += [row(900, phone="418 555-0142"), row(901, phone="(418) 555-0142")]
    result = run(connection, write_csv(tmp_path / "liste.csv", rows, HEADER))
    assert pairs_of_source(connection) == {("D900", "D901", ("téléphone",))}
    assert (result.duplicates.added, result.duplicates.capped) == (1, 0)


def test_a_website_shared_by_many_is_skipped_while_a_shared_own_site_pairs(connection, tmp_path):
    social = ["https://www.facebook.com/", "facebook.com", "http://facebook.com"]
    rows = [row(n, website=social[n % 3]) for n in range(12)]
    rows += [
        row(900, website="www.ressourcerie-exemple.org"),
        row(901, website="https://ressourcerie-exemple.org/"),
    ]
    result = run(connection, write_csv(tmp_path / "sites.csv", rows, HEADER))
    assert pairs_of_source(connection) == {("D900", "D901", ("site web",))}
    assert [(v.reason, v.enterprises) for v in result.duplicates.skipped] == [("site web", 12)]


def test_enterprises_already_recorded_count_toward_a_shared_value(connection, tmp_path):
    for number in range(5):
        insert_enterprise(connection, name=unlike_name(1000 + number), neq="1149999999")
    result = run(connection, write_csv(tmp_path / "neq.csv", [row(1, neq="1149999999")], HEADER))
    assert pairs_of_source(connection) == set()
    assert result.duplicates.skipped == [SharedValue("neq", "1149999999", 6)]


def test_the_cap_on_new_pairs_holds_and_is_reported(connection, tmp_path):
    rows = [row(2 * n + k, phone=f"418 555-{1000 + n}") for n in range(30) for k in (0, 1)]
    result = run(
        connection, write_csv(tmp_path / "paires.csv", rows, HEADER), DuplicateLimits(max_new_pairs=10)
    )
    assert len(pairs_of_source(connection)) == 10
    assert (result.duplicates.added, result.duplicates.capped) == (10, 20)
    assert any(
        "20 autre(s) paire(s) non enregistrée(s)" in line for line in describe_duplicates(result.duplicates)
    )


def test_reimporting_the_same_file_adds_no_pair(connection, tmp_path):
    rows = [row(n, phone=HEAD_OFFICE) for n in range(20)] + [
        row(900, neq="1140000001"),
        row(901, neq="1140000001"),
    ]
    path = write_csv(tmp_path / "liste.csv", rows, HEADER)
    run(connection, path)
    before = pairs_of_source(connection)
    again = run(connection, path)
    assert (again.duplicates.added, pairs_of_source(connection)) == (0, before)
    assert before == {("D900", "D901", ("neq",))}


def test_a_full_search_skips_values_held_by_more_enterprises_than_the_threshold(connection):
    crowd = [insert_enterprise(connection, name=unlike_name(n), phone="+18195550100") for n in range(4)]
    check = find_candidates(connection, None, limits=DuplicateLimits(max_shared=3))
    recorded = connection.execute(
        text("SELECT count(*) FROM duplicate_pair WHERE first_id = ANY(:ids)"), {"ids": crowd}
    ).scalar()
    assert recorded == 0 and SharedValue("téléphone", "+18195550100", 4) in check.skipped


WEBSITES = {
    "https://www.Exemple.org/": "exemple.org",
    "HTTP://WWW.exemple.org//": "exemple.org",
    "http://exemple.org/boutique/": "exemple.org/boutique",
    "https://wwwexemple.org": "wwwexemple.org",
    "www.exemple.org": "www.exemple.org",
    "exemple.org/https://": "exemple.org/https:",
    "http:/exemple.org": "http:/exemple.org",
    "https://": "",
    "///": "",
    "": "",
}


def test_websites_compare_by_host_without_scheme_www_case_or_trailing_slashes(connection):
    key = WEBSITE_KEY.format(column="site")
    keys = connection.execute(
        text(f"SELECT site, {key} FROM unnest(CAST(:sites AS text[])) site"), {"sites": list(WEBSITES)}
    ).all()
    assert dict(keys) == WEBSITES


@pytest.fixture()
def app(app):
    """Plain HTTP cookies, and jobs run inside the request so they share the test's transaction."""
    app.config.update(SESSION_COOKIE_SECURE=False, IMPORT_RUNNER="inline")
    return app


def test_the_web_import_page_lists_the_skipped_values_in_french_and_english(client, admin):
    lines = ["Nom;Code postal;Ville;Téléphone"] + [
        f"{unlike_name(n)};G5Y 1L3;Saint-Georges;{HEAD_OFFICE}" for n in range(8)
    ]
    job = job_id_of(upload(client, ("\r\n".join(lines) + "\r\n").encode(), source="doublons-web"))
    page = f"/admin/imports/travaux/{job}"
    client.post(f"{page}/confirmer", data={"csrf_token": token_of(client, page)})
    french = client.get(page).get_data(as_text=True)
    english = client.get(page + "?lang=en").get_data(as_text=True)
    assert "Valeurs partagées par plus de 5 fiches" in french and "<td>+14185550199</td><td>8</td>" in french
    assert "Values shared by more than 5 entries" in english and "<td>Phone</td>" in english
