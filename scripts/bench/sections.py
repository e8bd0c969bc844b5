"""docs/benchmarks.md is shared by every benchmark: each one replaces only its own `## ` section."""
from __future__ import annotations

import re
from pathlib import Path


def write_section(path: Path, title: str, section: str) -> None:
    """Replace the section `## title` of a Markdown file (or append it), leaving the others as they are."""
    content = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    section = section.rstrip() + "\n\n"
    content = pattern.sub(lambda _match: section, content) if pattern.search(content) \
        else content.rstrip() + "\n\n" + section
    path.write_text(content.rstrip() + "\n", encoding="utf-8")
