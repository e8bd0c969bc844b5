"""What every benchmark shares: its own `## ` section of docs/benchmarks.md, and the machine it ran on."""

from __future__ import annotations

import platform
import re
from pathlib import Path


def cpu_model() -> str:
    """The processor's model name."""
    return next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )


def memory_gib() -> float:
    """Total memory in GiB."""
    kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return kib / 1024 / 1024


def write_section(path: Path, title: str, section: str) -> None:
    """Replace the section `## title` of a Markdown file (or append it), leaving the others as they are."""
    content = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    section = section.rstrip() + "\n\n"
    content = (
        pattern.sub(lambda _match: section, content)
        if pattern.search(content)
        else content.rstrip() + "\n\n" + section
    )
    path.write_text(content.rstrip() + "\n", encoding="utf-8")
