"""Stored XSS: the corpus, written through the ingest and the admin form, runs nowhere and reads literally.

`make test` runs an evenly spread sample of the corpus over every surface; `make verify` the whole corpus.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from carte.read.export import FORMULA_STARTS
from carte.web.admin.enterprises import PAGE_SIZE as ADMIN_PAGE_SIZE
from tests.browser.xss import (
    FORM_SOURCE,
    HOOK,
    INGEST_SOURCE,
    executions,
    fast_subset,
    form_payloads,
    hostile_enterprises,
    ingest_payloads,
    load_corpus,
    missing_text,
    owner_link,
    preview_web_import,
    remove_all,
    suggest_payloads,
)
from tests.helpers import TILE_HOST, blank_tile, sign_in_page

#: Text of the page as a reader sees it: text nodes and form values, never script or style source.
SHOWN_TEXT = """() => {
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest("script, style, template, noscript")) parts.push(node.data);
  }
  for (const field of document.querySelectorAll("input, textarea")) parts.push(field.value);
  return parts.join("\\n");
}"""
#: Every marker's popup, built by the page's own code and put in the document as Leaflet would (a
#: marker's popup is bound at its first click: markers without one yet get the click Leaflet sends).
ALL_POPUPS = """() => {
  const shelf = document.createElement("div");
  shelf.id = "popup-shelf";
  document.body.append(shelf);
  window.carteMap.map.eachLayer((layer) => {
    if (!layer.getLayers) return;
    for (const marker of layer.getLayers()) {
      if (marker instanceof L.Marker && !marker.getPopup()) marker.fire("click");
      const popup = marker.getPopup && marker.getPopup();
      if (!popup) continue;
      const content = typeof popup._content === "function" ? popup._content(marker) : popup._content;
      shelf.append(content, marker.options.title || "");
    }
  });
  return shelf.textContent;
}"""
NUMBER = re.compile(r"-?\d+(\.\d+)?")
PUBLIC_FIELDS = ("name", "description", "street", "address_line2", "email", "website")
#: The fields a correction form and an owner's page show as they are stored.
CORRECTION_FIELDS = ("name", "street", "municipality_name", "website", "opening_hours")
STAFF_FIELDS = PUBLIC_FIELDS + ("municipality_name", "opening_hours", "contact_person", "internal_notes")


class Visit:
    """One browser page that checks every surface it is sent to, gathering the problems found."""

    def __init__(self, page: Any, live_server: str) -> None:
        self.page, self.live_server, self.problems = page, live_server, []
        page.on("dialog", lambda dialog: (self.problems.append(f"dialog {dialog.message}"), dialog.dismiss()))

    def open(self, path: str, ready: str = "body") -> str:
        """Go to a page, wait for it, record executions; its shown text."""
        self.page.goto(self.live_server + path)
        self.page.wait_for_selector(ready, state="attached")
        self.page.wait_for_load_state("load")
        shown = self.page.evaluate(SHOWN_TEXT)
        self.record(path)
        return shown

    def record(self, where: str) -> None:
        """Executions seen so far on the current page."""
        self.problems += [f"{where}: executed {hit}" for hit in executions(self.page)]

    def expect(self, where: str, shown: str, expected: list[str | None]) -> None:
        """Problems for the values not shown literally."""
        self.problems += [
            f"{where}: not shown literally {value!r}" for value in missing_text(shown, expected)
        ]

    def get_json(self, path: str) -> Any:
        """A JSON response, checked to be served as JSON."""
        response = self.page.request.get(self.live_server + path)
        if "json" not in response.headers.get("content-type", ""):
            self.problems.append(f"{path}: served as {response.headers.get('content-type')}")
        return response.json()


def search(visit: Visit, payload: str, names: list[str]) -> None:
    """Type the payload in the map's name search and its item search: the results show the names holding it."""
    page = visit.page
    # The item search may read a payload as items ("table" is furniture): its feedback is only run, not compared.
    for field, target, expected in (("#f-q", "#results-list", names), ("#f-item", "#item-feedback", [])):
        page.fill(field, payload)
        try:
            page.wait_for_function(
                "([target, expected]) => expected.every((text) => "
                "document.querySelector(target).textContent.includes(text))",
                arg=[target, expected],
                timeout=5000,
            )
        except Exception:
            visit.problems.append(f"searching {payload!r} in {field} does not show {expected!r}")
        page.fill(field, "")
    visit.record(f"search {payload!r}")


def public_surfaces(visit: Visit, rows: list[dict], payloads: list[str]) -> None:
    """Map (list, popups, a real popup), item search, enterprise pages, embed, MRC page."""
    names = [row["name"] for row in rows]
    visit.open("/?mrc=29", "body[data-map-ready]")
    while visit.page.locator("#more").is_visible():
        shown = visit.page.locator("#results-list > li").count()
        visit.page.click("#more")
        # The next page is drawn once its names arrive; until then the button stays where it is.
        visit.page.wait_for_function(
            "(shown) => document.querySelectorAll('#results-list > li').length > shown", arg=shown
        )
    visit.expect("/ list", visit.page.evaluate(SHOWN_TEXT), names)
    visit.expect("/ popups", visit.page.evaluate(ALL_POPUPS), names)
    visit.page.locator(".result button").first.click()
    visit.page.wait_for_selector(".leaflet-popup-content")
    visit.record("/ real popup")
    for payload in payloads:
        search(visit, payload, [name for name in names if payload.strip() in name])
    for row in rows:
        path = f"/entreprises/{row['id']}"
        visit.expect(path, visit.open(path), [row[field] for field in PUBLIC_FIELDS])
    for row in [row for row in rows if row["source"] == FORM_SOURCE]:
        correction = f"/suggestions/modifier/{row['id']}"
        visit.expect(correction, visit.open(correction), [row[field] for field in CORRECTION_FIELDS])
        owner = f"/proprietaire/{owner_link(row['id'])}"
        visit.expect(owner, visit.open(owner), [row[field] for field in CORRECTION_FIELDS])
    visit.expect("/embed list", visit.open("/embed?mrc=29&view=list"), names)
    visit.open("/embed?mrc=29", ".leaflet-marker-icon, .marker-cluster")
    visit.expect("/mrc/29", visit.open("/mrc/29"), names)


def staff_surfaces(visit: Visit, rows: list[dict]) -> None:
    """Admin list and search, edit form, history, review queue, suggestions, duplicates, imports."""
    pages = range(1, len(rows) // ADMIN_PAGE_SIZE + 2)
    listed = "\n".join(visit.open(f"/admin/?q=Ressourcerie&page={number}") for number in pages)
    visit.expect("/admin/", listed, [row["name"] for row in rows])
    for row in rows:
        path = f"/admin/entreprises/{row['id']}"
        visit.expect(path, visit.open(path), [row[field] for field in STAFF_FIELDS])
        visit.expect(path + "/historique", visit.open(path + "/historique"), [row["name"]])
    for path in ("/admin/a-verifier", "/admin/doublons", "/admin/imports", "/admin/fraicheur"):
        visit.open(path)
    suggestion_links = visit.page.locator("a[href*='/admin/suggestions/']")
    visit.open("/admin/suggestions")
    for href in [suggestion_links.nth(i).get_attribute("href") for i in range(suggestion_links.count())]:
        visit.open(href)
    review_links = visit.page.locator("a[href*='/admin/a-verifier/']")
    visit.open("/admin/a-verifier")
    for href in [review_links.nth(i).get_attribute("href") for i in range(min(5, review_links.count()))]:
        visit.open(href)


def import_surfaces(visit: Visit, listing, payloads: list[str]) -> None:
    """The web import of the same file: its preview page, and its report without formulas."""
    job = preview_web_import(visit.page, visit.live_server, listing)
    visit.expect(
        job, visit.open(job), [payload.strip() for payload in payloads if not payload.startswith("=")]
    )
    report = visit.page.request.get(f"{visit.live_server}{job}/rapport.csv").text()
    visit.problems += csv_formulas(report, f"{job}/rapport.csv")


def csv_formulas(body: str, where: str) -> list[str]:
    """Cells of a CSV that a spreadsheet would run as formulas."""
    cells = [cell for line in csv.reader(io.StringIO(body)) for cell in line]
    return [
        f"{where}: formula {cell!r}"
        for cell in cells
        if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)
    ]


def data_surfaces(visit: Visit, rows: list[dict]) -> None:
    """API, map data, exports: valid JSON holding the text as stored, CSV cells never formulas."""
    by_id = {row["id"]: row for row in rows}
    api = visit.get_json("/api/enterprises?mrc=29&limit=1000")
    served = {feature["properties"]["id"]: feature["properties"]["name"] for feature in api["features"]}
    geojson = visit.get_json("/export/enterprises.geojson?mrc=29")
    exported = {feature["properties"]["id"]: feature["properties"]["name"] for feature in geojson["features"]}
    for number, row in by_id.items():
        if served.get(number) != row["name"] or exported.get(number) != row["name"]:
            visit.problems.append(f"JSON changed the name {row['name']!r}: {served.get(number)!r}")
    visit.get_json("/carte/donnees.json")
    body = visit.page.request.get(visit.live_server + "/export/enterprises.csv?mrc=29").text()
    visit.problems += csv_formulas(body, "/export/enterprises.csv")
    names = {cell.removeprefix("'") for line in csv.reader(io.StringIO(body)) for cell in line}
    visit.problems += [f"CSV lacks {row['name']!r}" for row in rows if row["name"] not in names]


def check_corpus(payloads: list[str], engine, page, live_server, staff_account, tmp_path) -> list[str]:
    """Write the payloads through both paths, visit every surface; the problems found."""
    page.route(TILE_HOST + "**", lambda route: route.fulfill(body=blank_tile(), content_type="image/png"))
    page.context.add_init_script(HOOK)
    visit = Visit(page, live_server)
    try:
        listing = ingest_payloads(engine, payloads, tmp_path)
        sign_in_page(page, live_server, staff_account("xss@exemple.org"))
        form_payloads(engine, page, live_server, payloads)
        suggest_payloads(engine, payloads)
        rows = hostile_enterprises(engine)
        assert len([row for row in rows if row["source"] == INGEST_SOURCE]) == len(payloads)
        public_surfaces(visit, rows, payloads)
        staff_surfaces(visit, rows)
        import_surfaces(visit, listing, payloads)
        data_surfaces(visit, rows)
    finally:
        remove_all(engine)
    return visit.problems


def test_a_sample_of_the_corpus_runs_nowhere_and_reads_literally(
    engine, page, live_server, staff_account, tmp_path
):
    payloads = fast_subset(load_corpus())
    problems = check_corpus(payloads, engine, page, live_server, staff_account, tmp_path)
    assert problems == [], "\n".join(problems)


@pytest.mark.verify
def test_the_whole_corpus_runs_nowhere_and_reads_literally(
    engine, page, live_server, staff_account, tmp_path
):
    payloads = load_corpus()
    assert len(payloads) >= 50
    problems = check_corpus(payloads, engine, page, live_server, staff_account, tmp_path)
    assert problems == [], "\n".join(problems)
