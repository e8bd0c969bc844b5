"""The machine and versions every benchmark ran on: the section "Machine" of docs/benchmarks.md.

Usage: python scripts/bench/machine.py --database-url URL [--started EPOCH] [--write docs/benchmarks.md]
`make bench` runs it last, with the time it started, so the section also says how long the whole run took.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import create_engine, text

from carte.store.url import database_url as psycopg_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sections import cpu_model, memory_gib, write_section  # noqa: E402

LIBRARIES = (
    "flask",
    "sqlalchemy",
    "geoalchemy2",
    "psycopg",
    "folium",
    "shapely",
    "geopandas",
    "gunicorn",
    "locust",
    "playwright",
)


def first_line(command: list[str]) -> str:
    """The first line a command prints, or 'not found'."""
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError:
        return "not found"
    return ((output.stdout or output.stderr).strip().splitlines() or ["not found"])[0]


def os_name() -> str:
    """The distribution's pretty name."""
    for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.platform()


def library_versions() -> str:
    """name version, for the libraries the figures depend on."""
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def section(database_url: str, started: float | None) -> str:
    """The Markdown section."""
    engine = create_engine(psycopg_url(database_url, "--database-url"))
    with engine.connect() as connection:
        postgres = connection.execute(text("SHOW server_version")).scalar()
        postgis = connection.execute(text("SELECT postgis_lib_version()")).scalar()
    engine.dispose()
    cpu = cpu_model()
    took = f" The whole `make bench` took {(time.time() - started) / 60:.0f} minutes." if started else ""
    return "\n".join(
        [
            "## Machine",
            "",
            f"Last `make bench`: ended {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.{took}",
            "",
            f"- CPU: {os.cpu_count()} cores, {cpu}; memory {memory_gib():.0f} GiB; {os_name()}, Linux "
            f"{platform.release()}",
            f"- Python {platform.python_version()}; PostgreSQL {postgres}; PostGIS {postgis}",
            f"- {first_line(['/usr/bin/chromium', '--version'])}; "
            f"{first_line(['wrk', '--version']).split('[')[0].strip()}",
            f"- {library_versions()}",
            f"- load average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[2]:.1f} (15 min). "
            "The machine is shared: every section gives the load next to its own figures.",
            "",
        ]
    )


def main() -> None:
    """Print the section, optionally write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a bench database (for the server's versions)")
    parser.add_argument("--started", type=float, help="when `make bench` started (seconds since the epoch)")
    parser.add_argument("--write", type=Path, help="Replace the 'Machine' section of this Markdown file.")
    arguments = parser.parse_args()
    text_ = section(arguments.database_url, arguments.started)
    print(text_)
    if arguments.write:
        write_section(arguments.write, "Machine", text_)


if __name__ == "__main__":
    main()
