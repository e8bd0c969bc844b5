"""The closed vocabulary: sectors, item categories and services, with bilingual labels and synonyms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.text import fold

KINDS = {"sectors": "sector", "items": "item_category", "services": "service"}
#: Words that carry no meaning in "what do I want to give?" ("un divan", "my old sofa").
STOP_WORDS = frozenset(
    "un une des le la les l de du d mon ma mes nos notre vieux vieille vieilles vieil usage usages "
    "usagee usagees a an the my old some used of et and ou or".split()
)


@dataclass(frozen=True)
class Term:
    """One entry of the vocabulary."""

    code: str
    label_fr: str
    label_en: str
    synonyms: tuple[str, ...] = ()
    icon: str = ""
    colour: str = ""
    position: int = 0

    def label(self, language: str) -> str:
        """The label in a language, French when unknown."""
        return self.label_en if language == "en" else self.label_fr


@dataclass(frozen=True)
class Vocabulary:
    """The three lists, each in display order."""

    sectors: tuple[Term, ...]
    items: tuple[Term, ...]
    services: tuple[Term, ...]
    _index: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)

    def codes(self, kind: str) -> set[str]:
        """The codes of one kind ('sectors', 'items' or 'services')."""
        return {term.code for term in getattr(self, kind)}

    def terms(self, kind: str, codes: list[str]) -> list[Term]:
        """The terms of some codes of one kind, in the order given, unknown codes left out."""
        known = {term.code: term for term in getattr(self, kind)}
        return [known[code] for code in codes if code in known]

    def match(self, kind: str, value: str) -> str | None:
        """The code a free-text value stands for (code, label or synonym), or None."""
        return self._index[kind].get(fold(value))

    def match_query(self, kind: str, query: str) -> list[str]:
        """Codes named anywhere in a phrase such as "un vieux divan" (whole phrase, then words)."""
        folded = fold(query)
        found = self._index[kind].get(folded)
        if found:
            return [found]
        words = [word for word in folded.split() if word not in STOP_WORDS]
        codes: list[str] = []
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                code = self._index[kind].get(" ".join(words[start : start + size]))
                if code and code not in codes:
                    codes.append(code)
        return codes


def build_index(terms: tuple[Term, ...]) -> dict[str, str]:
    """Map every folded code, label and synonym (and its singular) to its code."""
    index: dict[str, str] = {}
    for term in terms:
        for name in (term.code.replace("_", " "), term.label_fr, term.label_en, *term.synonyms):
            key = fold(name)
            index.setdefault(key, term.code)
            if key.endswith(("s", "x")) and len(key) > 3:
                index.setdefault(key[:-1], term.code)
    return index


def parse_vocabulary(data: dict) -> Vocabulary:
    """Build a Vocabulary from the JSON document's content."""
    lists = {}
    for kind in KINDS:
        lists[kind] = tuple(
            Term(
                code=entry["code"],
                label_fr=entry["label_fr"],
                label_en=entry["label_en"],
                synonyms=tuple(entry.get("synonyms", ())),
                icon=entry.get("icon", ""),
                colour=entry.get("colour", ""),
                position=position,
            )
            for position, entry in enumerate(data[kind])
        )
    return Vocabulary(**lists, _index={kind: build_index(terms) for kind, terms in lists.items()})


def vocabulary_path() -> Path:
    """The vocabulary file: the repository's data/ folder, else the copy inside the package."""
    checkout = Path(__file__).resolve().parents[2] / "data" / "vocabulary.json"
    return (
        checkout if checkout.is_file() else Path(__file__).resolve().parents[1] / "data" / "vocabulary.json"
    )


@lru_cache(maxsize=1)
def load_vocabulary(path: str | None = None) -> Vocabulary:
    """Read and index the vocabulary file (cached: it is data shipped with the code)."""
    return parse_vocabulary(json.loads(Path(path or vocabulary_path()).read_text(encoding="utf-8")))


def store_vocabulary(connection: Connection, vocabulary: Vocabulary) -> dict[str, int]:
    """Upsert the vocabulary into its tables, changing only rows that differ; return the counts."""
    counts = {}
    for kind, table in KINDS.items():
        terms = getattr(vocabulary, kind)
        columns = ["code", "label_fr", "label_en", "synonyms", "position"]
        columns += ["icon", "colour"] if table == "sector" else ["icon"] if table == "item_category" else []
        rows = [
            {
                column: list(getattr(t, column)) if column == "synonyms" else getattr(t, column)
                for column in columns
            }
            for t in terms
        ]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        distinct = ", ".join(f"{table}.{c}" for c in columns[1:])
        connection.execute(
            text(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
                f"ON CONFLICT (code) DO UPDATE SET {updates} "
                f"WHERE ({distinct}) IS DISTINCT FROM ({', '.join('excluded.' + c for c in columns[1:])})"
            ),
            rows,
        )
        counts[kind] = len(rows)
    return counts
