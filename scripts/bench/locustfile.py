"""Locust users of the mixed load: citizens on the map, API clients, enterprise pages, exports.

The request targets (enterprise ids, boxes, MRC codes) come from the JSON file named by
BENCH_TARGETS, written by scripts/bench/mixed.py from the bench database; choices use a fixed seed.
Weights follow what a public map sees: page views and searches first, exports rarely.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

TARGETS = json.loads(open(os.environ["BENCH_TARGETS"], encoding="utf-8").read())
RANDOM = random.Random(42)
WORDS = ["friperie", "ressourcerie", "vélo", "meubles", "réparation", "livres"]


class Citizen(HttpUser):
    """Someone looking where to give an object: the map, its data, searches, enterprise pages."""

    wait_time = between(1, 5)

    def on_start(self) -> None:
        """A browser keeps the map data's ETag, version and row count, and sends the ETag back next time."""
        self.etag, self.version, self.count = "", "", 0

    @task(5)
    def map_page(self) -> None:
        """The map page."""
        self.client.get("/", name="/")

    @task(5)
    def map_data(self) -> None:
        """The map data, revalidated with the ETag the browser holds (304) after the first time, then the
        names of the list's first page, as the page asks for them; above the full-data limit, the tiles
        of a view instead."""
        if TARGETS["tiled"]:
            for path in RANDOM.choice(TARGETS["views"]):
                self.client.get(path, name="/tiles/[z]/[x]/[y].json")
            return
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(
            "/carte/donnees.json", headers=headers, name="/carte/donnees.json", catch_response=True
        ) as response:
            if response.status_code == 200:
                payload = response.json()
                self.version, self.count = payload["version"], payload["count"]
            if response.status_code in (200, 304):
                self.etag = response.headers.get("ETag", self.etag)
                response.success()
        if self.count:
            first = RANDOM.randrange(max(self.count - 50, 1))
            rows = ",".join(str(n) for n in range(first, min(first + 50, self.count)))
            self.client.get(f"/carte/lignes?v={self.version}&n={rows}", name="/carte/lignes?v&n")

    @task(3)
    def map_text(self) -> None:
        """The map's free text: which rows of the payload the page holds match it."""
        if self.version and not TARGETS["tiled"]:
            self.client.get(
                f"/carte/recherche?v={self.version}&q={RANDOM.choice(WORDS)}", name="/carte/recherche?v&q"
            )

    @task(10)
    def api_box(self) -> None:
        """An API search: a box and a sector."""
        self.client.get(RANDOM.choice(TARGETS["boxes"]), name="/api/enterprises?bbox&sector")

    @task(3)
    def api_text(self) -> None:
        """An API search by free text within an MRC."""
        self.client.get(
            f"/api/enterprises?q={RANDOM.choice(WORDS)}&mrc={RANDOM.choice(TARGETS['mrcs'])}",
            name="/api/enterprises?q&mrc",
        )

    @task(8)
    def enterprise_page(self) -> None:
        """An enterprise's page."""
        self.client.get(f"/entreprises/{RANDOM.choice(TARGETS['ids'])}", name="/entreprises/[id]")

    @task(2)
    def mrc_page(self) -> None:
        """An MRC's page with its list."""
        self.client.get(f"/mrc/{RANDOM.choice(TARGETS['mrcs'])}", name="/mrc/[code]")

    @task(1)
    def export(self) -> None:
        """A CSV export of one MRC."""
        self.client.get(
            f"/export/enterprises.csv?mrc={RANDOM.choice(TARGETS['mrcs'])}",
            name="/export/enterprises.csv?mrc",
        )
