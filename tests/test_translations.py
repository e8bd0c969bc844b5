"""Every visible string has its English translation, and the compiled catalog is up to date."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "carte" / "translations" / "en" / "LC_MESSAGES"
METHODS = [("carte/**.py", "python"), ("templates/**.html", "jinja2")]


def source_messages() -> set[str]:
    """The msgids found in the code and templates, as `make translations` extracts them."""
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def singular(msgid: str | tuple[str, ...]) -> str:
    """A message's key: its singular form when it has plural forms."""
    return msgid[0] if isinstance(msgid, (tuple, list)) else msgid


def as_tuple(string: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    """A translation in a comparable form (plural translations come as lists or tuples)."""
    return tuple(string) if isinstance(string, (tuple, list)) else string


def test_every_visible_string_is_translated_into_english():
    with open(CATALOG / "messages.po", "rb") as handle:
        translated = {singular(m.id): m.string for m in read_po(handle) if m.id}
    missing = sorted(
        msgid
        for msgid in source_messages()
        if not translated.get(msgid) or not all(as_tuple(translated[msgid]))
    )
    assert missing == [], "run `make translations` and translate: " + "; ".join(missing)


def test_the_compiled_catalog_matches_its_source():
    with open(CATALOG / "messages.po", "rb") as po, open(CATALOG / "messages.mo", "rb") as mo:
        source = {singular(m.id): as_tuple(m.string) for m in read_po(po) if m.id}
        compiled = {singular(m.id): as_tuple(m.string) for m in read_mo(mo) if m.id}
    assert compiled == source, "run `make` (it compiles messages.mo) and commit the result"
