"""The package tree is the architecture: dependencies point one way, and only web/ and cli/ know Flask."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "carte"
#: Lowest first: a package may import from itself and from the packages before it, never after.
LAYERS = ("core", "store", "geo", "read", "map", "staff", "ingest")
#: The edges, importing anything; only they (and create_app) may import Flask.
EDGES = ("cli", "web")


def package_of(path: Path) -> str:
    """The top-level package of carte a module belongs to ('' for carte/__init__.py)."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else ""


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, absolute names, from any statement in it."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def layered_modules() -> list[Path]:
    """The modules of every package below the edges."""
    return [path for path in PACKAGE.rglob("*.py") if package_of(path) in LAYERS]


def test_every_package_of_carte_is_a_known_layer_or_edge():
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert packages == set(LAYERS) | set(EDGES)


def test_no_package_below_the_edges_imports_flask():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in layered_modules()
        if any(
            module.split(".")[0] in ("flask", "flask_babel", "werkzeug") for module in imported_modules(path)
        )
    ]
    assert len(layered_modules()) > 40
    assert offenders == []


def test_dependencies_between_packages_point_one_way():
    upward = []
    for path in layered_modules():
        allowed = set(LAYERS[: LAYERS.index(package_of(path)) + 1])
        for module in imported_modules(path):
            parts = module.split(".")
            if (
                parts[0] == "carte"
                and len(parts) > 1
                and parts[1] in PACKAGE_NAMES
                and parts[1] not in allowed
            ):
                upward.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert upward == []


PACKAGE_NAMES = set(LAYERS) | set(EDGES)


@pytest.mark.parametrize(
    "module",
    [
        "carte.core.config",
        "carte.core.text",
        "carte.store.engine",
        "carte.read.queries",
        "carte.map.tiles",
        "carte.ingest.pipeline",
        "carte.staff.editing",
        "carte.geo.geodata",
    ],
)
def test_importing_a_package_below_the_edges_does_not_load_flask(module):
    probe = f"import sys, {module}; print('flask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
