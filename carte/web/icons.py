"""Sector icons: a few Font Awesome Free SVGs (CC BY 4.0, from XStatic-Font-Awesome) as one inline sprite.

Only the symbols the vocabulary names are sent, inside the page, so icons cost no extra request and
no icon font. The vocabulary's icon names follow the common icon sets; a few have another name here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.font_awesome
from markupsafe import Markup

SVG_DIR = Path(xstatic.pkg.font_awesome.BASE_DIR) / "svgs" / "solid"
#: Vocabulary icon names whose Font Awesome 6 file has another name.
ALIASES = {
    "home": "house",
    "apple": "apple-whole",
    "sofa": "couch",
    "ball": "futbol",
    "bike": "bicycle",
    "cup": "mug-saucer",
    "puzzle": "puzzle-piece",
    "fridge": "blender",
    "lamp": "lightbulb",
    "blanket": "bed",
    "brick": "trowel-bricks",
}
ATTRIBUTION = "Font Awesome Free 6 by @fontawesome - https://fontawesome.com (icons: CC BY 4.0)"
_SVG = re.compile(r'viewBox="([^"]+)".*?(<path[^>]*/>)', re.S)


def icon_file(name: str) -> Path | None:
    """The SVG file of an icon name, or None when the set has no such icon."""
    path = SVG_DIR / f"{ALIASES.get(name, name)}.svg"
    return path if re.fullmatch(r"[a-z0-9-]+", name) and path.is_file() else None


@lru_cache(maxsize=8)
def sprite(names: tuple[str, ...]) -> Markup:
    """A hidden inline SVG holding one <symbol id="icon-NAME"> per known icon name."""
    symbols = []
    for name in names:
        path = icon_file(name)
        match = _SVG.search(path.read_text(encoding="utf-8")) if path else None
        if match:
            symbols.append(f'<symbol id="icon-{name}" viewBox="{match.group(1)}">{match.group(2)}</symbol>')
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sprite" aria-hidden="true" focusable="false">'
        f"<!-- {ATTRIBUTION} -->{''.join(symbols)}</svg>"
    )
