"""Set-up idempotence, the `carte` command, and its errors: one sentence, no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from carte.cli import cli
from carte.store import schema

ROOT = Path(__file__).resolve().parent.parent
CARTE = str(Path(sys.executable).parent / "carte")


def run_carte(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run the installed `carte` console script."""
    return subprocess.run(
        [CARTE, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


def command_tree() -> dict[tuple[str, ...], list[str]]:
    """Each group of the `carte` command (by its path) with the names of its commands, walked from click."""
    tree: dict[tuple[str, ...], list[str]] = {}

    def walk(group: click.Group, context: click.Context, path: tuple[str, ...]) -> None:
        tree[path] = group.list_commands(context)
        for name in tree[path]:
            command = group.get_command(context, name)
            if isinstance(command, click.Group):
                walk(command, click.Context(command, parent=context, info_name=name), (*path, name))

    walk(cli, click.Context(cli, info_name="carte"), ())
    return tree


def leaf_commands() -> list[str]:
    """Every command a person runs, spelled out: `carte db upgrade`, `carte export`, ..."""
    tree = command_tree()
    return [
        " ".join(("carte", *path, name))
        for path, names in tree.items()
        for name in names
        if (*path, name) not in tree
    ]


def listed_commands(help_text: str) -> list[str]:
    """The command names in the "Commands:" section of a click help page."""
    section = help_text.split("\nCommands:\n", 1)[1]
    return re.findall(r"^  (\S+)", section, re.MULTILINE)


def test_carte_help_lists_every_command():
    tree = command_tree()
    assert len(tree[()]) >= 14 and len(leaf_commands()) >= 17
    result = run_carte("--help")
    assert result.returncode == 0, result.stderr
    assert listed_commands(result.stdout) == tree[()]
    for path, names in tree.items():
        if path:
            group_help = CliRunner().invoke(cli, [*path, "--help"], prog_name="carte")
            assert listed_commands(group_help.output) == names, path


def test_every_cli_command_is_in_the_docs():
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    documented = "\n".join(document.read_text(encoding="utf-8") for document in documents)
    missing = [
        command for command in leaf_commands() if not re.search(rf"\b{re.escape(command)}\b", documented)
    ]
    assert missing == [], "document these commands in README.md or docs/*.md, with an example"


def test_upgrading_a_migrated_database_changes_nothing(engine, database_url):
    result = run_carte("db", "upgrade", CARTE_DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    assert "Schéma à jour" in result.stdout
    assert schema.current_revision(engine) == schema.head_revision()


def test_ensuring_postgis_twice_finds_everything_in_place(database_url):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_postgis.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CARTE_DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    assert "prêts" in result.stdout
    assert "apt-get" not in result.stdout and "création" not in result.stdout


def test_an_unreachable_database_gives_one_sentence_and_exit_1():
    result = run_carte(
        "db", "upgrade", CARTE_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/nothing"
    )
    assert result.returncode == 1
    assert "Impossible de joindre la base de données 127.0.0.1:1/nothing" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_geodata_folder_gives_one_sentence_and_exit_1(database_url, tmp_path):
    result = run_carte("geodata", "load", "--dir", str(tmp_path / "absent"), CARTE_DATABASE_URL=database_url)
    assert result.returncode == 1
    assert "Dossier des géodonnées introuvable" in result.stderr
    assert "Traceback" not in result.stderr


def test_geodata_load_reports_the_counts(database_url):
    result = run_carte("geodata", "load", "--json", CARTE_DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    assert '"mrc": 104' in result.stdout and '"municipalities": 1285' in result.stdout


def test_every_setting_is_documented():
    from carte.core.config import SETTINGS

    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in documented]
    assert missing == []


def test_the_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def test_with_no_server_running_set_up_starts_a_project_local_cluster():
    import shutil
    import socket
    import tempfile

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="carte-pgdata-"))
    folder.chmod(0o755)
    data = folder / "cluster"
    env = {
        **os.environ,
        "CARTE_PGDATA": str(data),
        "CARTE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/carte_local",
    }
    script = [sys.executable, str(ROOT / "scripts" / "ensure_postgis.py")]
    try:
        first = subprocess.run(script, capture_output=True, text=True, timeout=120, env=env)
        second = subprocess.run(script, capture_output=True, text=True, timeout=60, env=env)
        assert first.returncode == 0, first.stderr
        assert "cluster local" in first.stdout and "création de la base carte_local" in first.stdout
        assert second.returncode == 0 and "création" not in second.stdout
    finally:
        pg_ctl = next(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        stop = [str(pg_ctl), "-D", str(data), "stop", "-m", "immediate"]
        subprocess.run(
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + stop,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_a_backup_restores_identically(database_url):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "restore_check.py")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CARTE_DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    assert "identiques après restauration" in result.stdout


def test_data_commands_start_without_building_the_web_application(database_url):
    probe = (
        "import sys\n"
        "from carte.cli import main\n"
        "sys.argv = ['carte', 'user', 'list']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "print(sorted(m for m in ('flask', 'geoalchemy2', 'shapely', 'numpy', 'folium') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CARTE_DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_flask_commands_still_build_the_application(database_url):
    result = run_carte("routes", CARTE_DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    assert "/api/v1/entreprises" in result.stdout or "api." in result.stdout
