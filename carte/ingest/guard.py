"""Spreadsheets checked before any parser reads them: size, content type, zip bombs, XML entities.

A hostile file must be refused quickly, with bounded memory and a French message saying why."""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from carte.core.errors import IngestError

MB = 1024 * 1024
#: Excel's own limit on the length of a cell.
MAX_CELL_CHARS = 32_767
CHUNK = 64 * 1024
#: What a file that is not text starts with, and how to name it to the person who sent it.
BINARY_STARTS = {
    b"PK\x03\x04": "une archive zip (un classeur .xlsx ?)",
    b"%PDF": "un document PDF",
    b"\x89PNG": "une image PNG",
    b"\xff\xd8\xff": "une image JPEG",
    b"GIF8": "une image GIF",
    b"\xd0\xcf\x11\xe0": "un ancien document Office (.xls ou .doc)",
    b"\x1f\x8b": "une archive gzip",
    b"7z\xbc\xaf": "une archive 7-Zip",
    b"Rar!": "une archive RAR",
    b"\x7fELF": "un programme",
    b"MZ": "un programme Windows",
}
#: Formats people may send by mistake, refused with what to do instead.
REFUSED_FORMATS = {
    ".xlsm": "les classeurs avec macros (.xlsm) sont refusés",
    ".xlsb": "le format Excel binaire (.xlsb) n'est pas lu",
    ".xls": "l'ancien format Excel (.xls) n'est pas lu",
    ".ods": "le format OpenDocument (.ods) n'est pas lu",
}
DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeFile(IngestError):
    """A file refused before reading: too large, not what it claims, or built to exhaust memory."""


@dataclass(frozen=True)
class FileLimits:
    """How large an ingested file may be, packed and unpacked."""

    max_bytes: int = 100 * MB
    max_unpacked_bytes: int = 100 * MB
    max_ratio: int = 100
    max_members: int = 1_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FileLimits:
        """The limits set by CARTE_MAX_INGEST_MB, CARTE_MAX_UNPACKED_MB and CARTE_MAX_ZIP_RATIO."""
        return cls(
            int(config["MAX_INGEST_MB"]) * MB,
            int(config["MAX_UNPACKED_MB"]) * MB,
            int(config["MAX_ZIP_RATIO"]),
            cls.max_members,
        )


def megabytes(size: int) -> str:
    """A size for people: '12,3 Mo'."""
    return f"{size / MB:,.1f} Mo".replace(",", " ").replace(".", ",")


def check_spreadsheet(name: str, suffix: str, data: BinaryIO, limits: FileLimits) -> None:
    """Refuse (UnsafeFile) a .csv or .xlsx that is too large, mislabelled, a zip bomb or carries XML
    entities; data is the file opened for reading."""
    if suffix in REFUSED_FORMATS:
        raise UnsafeFile(f"{name} : {REFUSED_FORMATS[suffix]} ; enregistrez le fichier en .xlsx ou en CSV.")
    size = data.seek(0, 2)
    if size > limits.max_bytes:
        raise UnsafeFile(
            f"{name} : fichier trop volumineux ({megabytes(size)} ; au plus "
            f"{megabytes(limits.max_bytes)}, réglage CARTE_MAX_INGEST_MB)."
        )
    data.seek(0)
    head = data.read(CHUNK)
    data.seek(0)
    if not head:
        raise UnsafeFile(f"{name} : le fichier est vide.")
    if suffix == ".xlsx":
        check_workbook(name, head, data, limits)
    else:
        check_text(name, head)


def check_text(name: str, head: bytes) -> None:
    """A CSV must be text: no known binary signature, no NUL byte."""
    for start, kind in BINARY_STARTS.items():
        if head.startswith(start):
            raise UnsafeFile(f"{name} : ce fichier n'est pas un CSV mais {kind}.")
    if b"\x00" in head:
        raise UnsafeFile(
            f"{name} : ce fichier contient des données binaires ; ce n'est pas un fichier texte "
            "(un CSV enregistré en UTF-16 ? Enregistrez-le en UTF-8)."
        )


def check_workbook(name: str, head: bytes, data: BinaryIO, limits: FileLimits) -> None:
    """An .xlsx must be a zip holding an Excel workbook, small once unpacked, without XML entities."""
    if not head.startswith(b"PK\x03\x04"):
        kind = next((kind for start, kind in BINARY_STARTS.items() if head.startswith(start)), None)
        if kind is None and b"\x00" not in head:
            kind = "un fichier texte (un CSV renommé ? Donnez-lui l'extension .csv)"
        raise UnsafeFile(
            f"{name} : ce fichier n'est pas un classeur Excel (.xlsx) mais {kind or 'un contenu inconnu'}."
        )
    try:
        with zipfile.ZipFile(data) as archive:
            check_members(name, archive.infolist(), limits)
            for info in archive.infolist():
                unpack_member(name, archive, info, limits)
    # zipfile raises NotImplementedError for a compression method it cannot read, RuntimeError for an
    # encrypted member.
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        raise UnsafeFile(f"{name} : classeur Excel endommagé ou chiffré ({type(error).__name__}).") from None


def check_members(name: str, members: list[zipfile.ZipInfo], limits: FileLimits) -> None:
    """What the zip declares: a workbook, no macros, few members, a small unpacked size and ratio."""
    names = {info.filename for info in members}
    if len(members) > limits.max_members:
        raise UnsafeFile(
            f"{name} : classeur refusé, il contient {len(members)} fichiers internes "
            f"(au plus {limits.max_members})."
        )
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnsafeFile(f"{name} : cette archive zip n'est pas un classeur Excel (.xlsx).")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UnsafeFile(
            f"{name} : les classeurs avec macros sont refusés ; enregistrez-le sans macros (.xlsx)."
        )
    declared = sum(info.file_size for info in members)
    if declared > limits.max_unpacked_bytes:
        raise UnsafeFile(
            f"{name} : classeur refusé, il se décompresse en {megabytes(declared)} "
            f"(au plus {megabytes(limits.max_unpacked_bytes)})."
        )
    for info in members:
        if info.file_size > MB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnsafeFile(
                f"{name} : classeur refusé, taux de compression anormal "
                f"({info.file_size // max(info.compress_size, 1)} pour 1) dans {info.filename[:80]}."
            )


def unpack_member(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: FileLimits) -> None:
    """Read one member in chunks, counting real bytes (headers may lie) and looking for XML entities."""
    is_xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    unpacked, tail = 0, b""
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            unpacked += len(chunk)
            if unpacked > min(info.file_size, limits.max_unpacked_bytes):
                raise UnsafeFile(
                    f"{name} : classeur refusé, {info.filename[:80]} se décompresse au-delà "
                    "de la taille annoncée."
                )
            if is_xml:
                if not tail and chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
                    raise UnsafeFile(f"{name} : classeur refusé, XML en UTF-16 dans {info.filename[:80]}.")
                if DOCTYPE.search(tail + chunk):
                    raise UnsafeFile(
                        f"{name} : classeur refusé, déclaration DOCTYPE ou ENTITY dans "
                        f"{info.filename[:80]} (entités XML interdites)."
                    )
                tail = chunk[-16:]
