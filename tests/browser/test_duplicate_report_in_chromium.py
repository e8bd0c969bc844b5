"""Staff import a list where a head-office phone repeats: the finished import page names the phone
instead of filling the review queue with its pairs, and the one real pair waits in the queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.helpers import HEAD_OFFICE, sign_in_page, unlike_name

SOURCE = "navigateur-doublons"


@pytest.fixture()
def forget_import(engine):
    """Remove what this test imports (its candidate pairs go with its enterprises)."""
    yield
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM import_job WHERE source = :s"), {"s": SOURCE})
        connection.execute(text("DELETE FROM enterprise WHERE source = :s"), {"s": SOURCE})


def listing(folder: Path) -> Path:
    """Twelve branches sharing the head office's phone, and one place entered twice."""
    lines = ["Nom;Code postal;Ville;Téléphone"]
    lines += [f"{unlike_name(n)} (succursale);G5Y 1L3;Saint-Georges;{HEAD_OFFICE}" for n in range(12)]
    lines += [
        "Atelier Vélo-Relais;G5Y 1L3;Saint-Georges;418 555-0177",
        "Vélo Relais (atelier);G5Y 1L3;Saint-Georges;(418) 555-0177",
    ]
    path = folder / "succursales.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_the_finished_import_names_the_shared_phone_and_queues_the_real_pair(
    page, live_server, screenshot, staff_account, forget_import, tmp_path: Path
):
    sign_in_page(page, live_server, staff_account("doublons@exemple.org"), "/admin/imports")
    page.get_by_label("Fichier", exact=True).set_input_files(str(listing(tmp_path)))
    page.get_by_label("Nom de la liste (source)").fill(SOURCE)
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.get_by_role("button", name="Confirmer l'import").click(timeout=30_000)
    page.get_by_text("Import terminé").wait_for(timeout=30_000)
    report = page.locator("section.duplicates-report")
    assert "+14185550199" in report.locator("table").inner_text()
    assert "1 nouvelle(s) paire(s)" in report.inner_text()
    screenshot(page, "import-duplicates-fr")
    page.goto(page.url + "?lang=en")
    assert "Values shared by more than 5 entries" in report.inner_text()
    screenshot(page, "import-duplicates-en")
    page.get_by_role("link", name="Review the duplicates").click()
    queue = page.locator("main").inner_text()
    assert "Atelier Vélo-Relais" in queue and "(succursale)" not in queue
    screenshot(page, "import-duplicates-queue")
