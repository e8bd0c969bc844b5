"""Helpers of the database outage tests: a client loop recording every answer with its time."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests

#: Public reads of the map and the API, as the map page and embedding sites make them.
PATHS = ("/carte/donnees.json", "/api/enterprises?limit=5", "/api/mrc")


@dataclass
class Answers:
    """(time, path, status, body) of every request a client loop made."""

    log: list[tuple[float, str, int, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def statuses(self, start: float = float("-inf"), end: float = float("inf")) -> set[int]:
        """The statuses answered between two moments."""
        return {status for at, _path, status, _body in self.log if start <= at <= end}

    def failures(self) -> list[tuple[float, str, int, str]]:
        """The answers that were not 200."""
        return [entry for entry in self.log if entry[2] != 200]


def message(response: requests.Response) -> str:
    """The error message of a JSON error, else the start of the body."""
    try:
        return response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return response.text[:300]


def client_loop(base_url: str, answers: Answers) -> None:
    """Request the public paths in turn until told to stop (a refused connection is status 0)."""
    with requests.Session() as session:
        while not answers.stop.is_set():
            for path in PATHS:
                try:
                    response = session.get(base_url + path, timeout=10)
                    answers.log.append((time.monotonic(), path, response.status_code, message(response)))
                except requests.RequestException as error:
                    answers.log.append((time.monotonic(), path, 0, type(error).__name__))
            time.sleep(0.02)


def start_clients(base_url: str, count: int = 2) -> tuple[Answers, list[threading.Thread]]:
    """Start `count` client loops sharing one log."""
    answers = Answers()
    threads = [
        threading.Thread(target=client_loop, args=(base_url, answers), daemon=True) for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    return answers, threads


def stop_clients(answers: Answers, threads: list[threading.Thread]) -> None:
    """Stop the client loops and wait for them."""
    answers.stop.set()
    for thread in threads:
        thread.join(timeout=30)
