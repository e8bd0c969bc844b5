"""The stored-XSS harness: the payload corpus, hostile enterprises through both write paths, an execution hook.

Payloads call `__xssHit(n)` when they run; the hook also records `alert`-like calls, timers given code
as a string and CSP violations (which also catch `eval`: the CSP has no 'unsafe-eval'), so that a
payload the CSP blocked still counts as a hole in the escaping.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from carte.geo.geocoding import Chain
from carte.ingest.pipeline import IngestOptions, ingest_file
from tests.helpers import insert_enterprise

CORPUS = Path(__file__).resolve().parent.parent / "xss_payloads.txt"
INGEST_SOURCE, FORM_SOURCE, WEB_SOURCE = "xss-ingest", "xss-form", "xss-web"
#: The SECRET_KEY of the browser tests' live server (tests/browser/conftest.py).
LIVE_SERVER_SECRET = "browser-tests"
#: Installed before any page script, in every frame.
HOOK = """
window.__xss = [];
window.__xssHit = (n) => window.__xss.push("hit " + n);
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => window.__xss.push(name + " " + args.join(","));
}
for (const name of ["setTimeout", "setInterval"]) {
  const real = window[name];
  window[name] = function (code, ...rest) {
    if (typeof code === "string") window.__xss.push(name + " " + code.slice(0, 80));
    return real.call(this, code, ...rest);
  };
}
document.addEventListener("securitypolicyviolation", (event) => window.__xss.push(
  "csp " + event.violatedDirective + " " + event.blockedURI + " " + (event.sample || "")));
"""


def load_corpus() -> list[str]:
    """The payloads, one a line (split on newlines only: some payloads hold U+2028)."""
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("# ")]


def fast_subset(payloads: list[str], size: int = 10) -> list[str]:
    """An evenly spread sample of the corpus for `make test`."""
    step = max(1, len(payloads) // size)
    return payloads[::step][:size]


def ingest_row(payload: str) -> dict[str, str]:
    """A spreadsheet row carrying the payload in every text column the ingest reads."""
    return {
        "Identifiant": payload,
        "Nom": f"Ressourcerie {payload}",
        "Description": payload,
        "Adresse": f"100 1re Avenue {payload}",
        "Adresse 2": payload,
        "Ville": "Saint-Georges",
        "Code postal": "G5Y 1L3",
        "Site web": f"https://exemple.org/{payload.replace(' ', '')}",
        "Heures": payload,
        "Objets acceptés": f"meubles, {payload}",
        "Secteurs": "ressourcerie",
        "Personne contact": payload,
        "Notes": payload,
    }


def ingest_payloads(engine: Engine, payloads: list[str], folder: Path) -> Path:
    """Load the payloads as a CSV through the ingest pipeline, committed; the CSV."""
    path = folder / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ingest_row("")))
        writer.writeheader()
        writer.writerows(ingest_row(payload) for payload in payloads)
    with engine.begin() as connection:
        ingest_file(
            connection, path, IngestOptions(source=INGEST_SOURCE, chain=Chain(online=(), offline=True))
        )
    return path


def preview_web_import(page: Any, live_server: str, path: Path) -> str:
    """Upload the CSV through the web import form and wait for its preview; the job page's path."""
    page.goto(live_server + "/admin/imports")
    page.get_by_label("Fichier", exact=True).set_input_files(str(path))
    page.get_by_label("Nom de la liste (source)").fill(WEB_SOURCE)
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.get_by_text("Aperçu : rien n'a encore été modifié").wait_for(timeout=30_000)
    return page.url.removeprefix(live_server)


def form_values(payload: str) -> dict[str, str]:
    """The admin edit form's text fields, each carrying the payload where its validation lets it."""
    bare = re.sub(r"[\s@]", "", payload)
    return {
        "name": f"Ressourcerie {payload}"[:200],
        "description": payload,
        "street": payload,
        "address_line2": payload,
        "municipality_name": payload,
        "postal_code": "G5Y 1L3",
        "phone": "418 555-0101",
        "email": f"{bare}@exemple.org"[:500],
        "website": f"https://exemple.org/{bare}"[:500],
        "opening_hours": payload,
        "contact_person": payload,
        "internal_notes": payload,
        "sectors": "ressourcerie",
        "items": "meubles",
        "published": "on",
    }


def edit_through_form(page: Any, live_server: str, enterprise_id: int, values: dict[str, str]) -> int:
    """Post the edit form as the signed-in browser does, with the form's CSRF token; the status."""
    url = f"{live_server}/admin/entreprises/{enterprise_id}"
    page.goto(url)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post(url, form={**values, "csrf_token": token}, max_redirects=0)
    return response.status


def form_payloads(engine: Engine, page: Any, live_server: str, payloads: list[str]) -> None:
    """Create one plain enterprise per payload, then write the payload into it through the edit form."""
    for number, payload in enumerate(payloads):
        with engine.begin() as connection:
            enterprise_id = insert_enterprise(connection, source=FORM_SOURCE, lon=-70.66 - number / 500)
        status = edit_through_form(page, live_server, enterprise_id, form_values(payload))
        assert status == 302, f"the edit form refused {payload!r}"


def suggest_payloads(engine: Engine, payloads: list[str]) -> None:
    """Queue a public suggestion (new place and correction) per payload."""
    from carte.staff import suggestions

    with engine.begin() as connection:
        target = connection.execute(
            text("SELECT id FROM enterprise WHERE source = :s ORDER BY id LIMIT 1"), {"s": FORM_SOURCE}
        ).scalar_one()
        for number, payload in enumerate(payloads):
            for enterprise_id in (None, target):
                values = {
                    "name": f"Suggestion {payload}",
                    "description": payload,
                    "municipality_name": "Saint-Georges",
                    "street": payload,
                }
                suggestions.submit(connection, enterprise_id, values, payload, None, f"xss-corpus-{number}")


def owner_link(enterprise_id: int) -> str:
    """The token of an owner's reminder link, signed with the live server's secret."""
    from carte.staff import freshness

    return freshness.link_signer(LIVE_SERVER_SECRET).dumps(enterprise_id)


def hostile_enterprises(engine: Engine) -> list[dict[str, Any]]:
    """Every enterprise written by the harness, with its stored text fields."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("""
            SELECT id, source, name, description, street, address_line2, municipality_name, email, website,
                   opening_hours, contact_person, internal_notes
            FROM enterprise WHERE source IN (:a, :b) ORDER BY id"""),
            {"a": INGEST_SOURCE, "b": FORM_SOURCE},
        )
        return [dict(row) for row in rows.mappings()]


def remove_all(engine: Engine) -> None:
    """Delete what the harness wrote."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM suggestion WHERE ip_hash LIKE 'xss-corpus-%'"))
        connection.execute(
            text("DELETE FROM enterprise WHERE source IN (:a, :b)"), {"a": INGEST_SOURCE, "b": FORM_SOURCE}
        )
        connection.execute(text("DELETE FROM import_batch WHERE source = :a"), {"a": INGEST_SOURCE})
        connection.execute(text("DELETE FROM import_job WHERE source = :w"), {"w": WEB_SOURCE})


def executions(page: Any) -> list[str]:
    """What the hook recorded in every frame of the page."""
    found: list[str] = []
    for frame in page.frames:
        try:
            found += frame.evaluate("() => window.__xss || []")
        except Exception as error:  # a frame that navigated away or was detached
            found.append(f"frame unreadable: {error}")
    return found


def missing_text(shown: str, expected: Iterable[str | None]) -> list[str]:
    """The expected values (as stored) that the shown text lacks."""
    return [value for value in expected if value and value not in shown]
