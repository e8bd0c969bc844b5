"""A real PostgreSQL restart under load, on a throwaway cluster made for the test (never the shared
server): answers are 200 or 503 (French JSON message), 503 only while the server restarts, and the
running application (gunicorn) recovers without being restarted."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.faults import run_carte
from tests.outage import start_clients, stop_clients

pytestmark = pytest.mark.verify
PG_BIN = Path("/usr/lib/postgresql/15/bin")
ROOT = Path(__file__).resolve().parents[2]
#: After the restart command returns, in-flight requests may still fail for this long.
GRACE_SECONDS = 2.0


def free_port() -> int:
    """A loopback port free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_owner(*command: str) -> None:
    """Run a PostgreSQL tool as the cluster's owner (postgres when we are root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, timeout=300)


class Cluster:
    """A PostgreSQL cluster in a temporary folder, on its own port."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="carte-restart-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", free_port()
        as_owner(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--no-locale",
        )

    def pg_ctl(self, *args: str) -> None:
        """pg_ctl on this cluster, waiting for the operation to finish."""
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c shared_buffers=32MB"
        )
        as_owner(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-o",
            options,
            *args,
        )

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database of this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        """Stop the server at once and delete the folder."""
        try:
            self.pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A started throwaway cluster holding a migrated `carte` database with geodata and the sample list."""
    cluster = Cluster()
    try:
        cluster.pg_ctl("start")
        admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE carte"))
        admin.dispose()
        for command in (
            ("db", "upgrade"),
            ("geodata", "load"),
            ("vocabulary", "load"),
            ("ingest", str(ROOT / "data" / "sample_enterprises.csv"), "--source", "exemple"),
        ):
            done = run_carte(cluster.url("carte"), *command)
            assert done.returncode == 0, done.stderr
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture()
def gunicorn(cluster: Cluster) -> Iterator[str]:
    """The application under gunicorn on loopback (one worker, four threads); its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "1",
            "-k",
            "gthread",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "carte:create_app()",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CARTE_DATABASE_URL": cluster.url("carte")},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base_url}/api/mrc", timeout=10).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_postgresql_restart_under_load_gives_503s_only_while_it_restarts(cluster, gunicorn):
    """Two clients read the map data and the API while the server restarts (fast shutdown): only
    200 and 503, every 503 within the restart (plus a short grace), every answer after it 200."""
    answers, threads = start_clients(gunicorn)
    try:
        time.sleep(3.0)
        began = time.monotonic()
        cluster.pg_ctl("-m", "fast", "restart")
        ended = time.monotonic()
        time.sleep(5.0)
    finally:
        stop_clients(answers, threads)
    failures = answers.failures()
    print(f"restart {ended - began:.1f} s; {len(answers.log)} requests; {len(failures)} answered 503")
    assert answers.statuses() <= {200, 503}, failures[:3]
    assert all(began <= at <= ended + GRACE_SECONDS for at, _path, _status, _body in failures), failures[:3]
    assert all("momentanément indisponible" in body for _at, _path, _status, body in failures)
    assert answers.statuses(ended + GRACE_SECONDS) == {200}
