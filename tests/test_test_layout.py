"""The tests' own layout: fixtures in conftest.py, plain helpers in tests/helpers.py, test modules independent."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def module_name(path: Path) -> str:
    """The dotted name of a file under tests/ (tests/browser/xss.py is tests.browser.xss)."""
    return ".".join(("tests", *path.relative_to(TESTS).with_suffix("").parts))


def imported_modules(source: str, module: str) -> set[str]:
    """Every module the source of a module imports, absolute or relative, with the names it takes."""
    package = module.rsplit(".", 1)[0]
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            modules.add(base)
            modules.update(f"{base}.{alias.name}" for alias in node.names)
    return modules


def is_test_module(name: str) -> bool:
    """Whether a dotted name is a test module (or a conftest) of this suite."""
    last = name.rsplit(".", 1)[-1]
    return name.startswith("tests.") and (last.startswith("test_") or last == "conftest")


def test_no_test_file_imports_a_test_module_or_a_conftest():
    offenders = {
        f"{path.relative_to(TESTS.parent)} imports {name}"
        for path in TESTS.rglob("*.py")
        for name in imported_modules(path.read_text(encoding="utf-8"), module_name(path))
        if is_test_module(name)
    }
    assert sorted(offenders) == [], "shared helpers belong in tests/helpers.py, fixtures in a conftest.py"


def test_the_layout_check_sees_absolute_and_relative_imports_of_test_modules():
    sources = [
        "from tests.test_admin import sign_in",
        "import tests.browser.test_map_in_chromium",
        "from . import test_embed_in_chromium",
        "from ..test_export import carte_command",
        "from tests.browser.conftest import sample",
        "from .conftest import sample",
    ]
    found = [
        any(map(is_test_module, imported_modules(source, "tests.browser.test_probe"))) for source in sources
    ]
    assert found == [True] * len(sources)
    assert not any(
        map(
            is_test_module,
            imported_modules(
                "from tests.helpers import sign_in\nimport tests.faults", "tests.browser.test_probe"
            ),
        )
    )
