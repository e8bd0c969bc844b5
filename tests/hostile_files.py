"""Hostile spreadsheets made by code: zip bombs, lying zip headers, XML entity bombs, disguised files."""

from __future__ import annotations

import base64
import io
import random
import struct
import zipfile
from collections.abc import Iterable

import openpyxl
from sqlalchemy import text
from sqlalchemy.engine import Connection

HEADER = ["Identifiant", "Nom", "Adresse", "Ville", "Code postal", "Secteur", "Description"]
GOOD_ROW = ["A-1", "Ressourcerie témoin", "100 1re Avenue", "Saint-Georges", "G5Y 1L3", "Ressourcerie", ""]
SHEET = "xl/worksheets/sheet1.xml"
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t>'
    b"</si></sst>"
)


def workbook(rows: Iterable[list], header: list[str] = HEADER) -> bytes:
    """An ordinary .xlsx holding a header and rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    """Every member of a zip by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(parts: dict[str, bytes | Iterable[bytes]], zip64: bool = False) -> bytes:
    """A zip (deflated) of members given as bytes or as chunks streamed in (zip64 for members over 2 GB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=zip64) as member:
                for chunk in content:
                    member.write(chunk)
    return buffer.getvalue()


def with_member(data: bytes, name: str, content: bytes | Iterable[bytes], zip64: bool = False) -> bytes:
    """The workbook with one member replaced or added."""
    return rezip({**members(data), name: content}, zip64)


def blanks(megabytes: int) -> Iterable[bytes]:
    """A sheet that unpacks to that many megabytes of blanks (a compression ratio near 1000)."""
    yield b'<?xml version="1.0"?><worksheet><sheetData>'
    chunk = b" " * (1024 * 1024)
    for _ in range(megabytes):
        yield chunk
    yield b"</sheetData></worksheet>"


def zip_bomb(megabytes: int) -> bytes:
    """A workbook whose sheet honestly declares it unpacks to that many megabytes."""
    return with_member(workbook([GOOD_ROW]), SHEET, blanks(megabytes), zip64=megabytes >= 2000)


def lying_sizes(data: bytes, name: str, declared: int) -> bytes:
    """The zip with the uncompressed size of one member rewritten in both its headers."""
    patched = bytearray(data)
    encoded = name.encode()
    for signature, size_at, length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = patched.find(signature)
        while start != -1:
            length = struct.unpack_from("<H", patched, start + length_at)[0]
            if patched[start + name_at : start + name_at + length] == encoded:
                struct.pack_into("<I", patched, start + size_at, declared)
            start = patched.find(signature, start + 4)
    return bytes(patched)


def lying_bomb(megabytes: int) -> bytes:
    """A sheet that unpacks to many megabytes (under 2 GB) while its headers claim 10 kB."""
    return lying_sizes(with_member(workbook([GOOD_ROW]), SHEET, blanks(megabytes)), SHEET, 10_000)


def huge_cell_workbook(characters: int) -> bytes:
    """A workbook whose second data row carries one enormous description (written past openpyxl, which
    would cut it at Excel's limit)."""
    placeholder = "HUGE-CELL-PLACEHOLDER"
    data = workbook([GOOD_ROW, ["A-2", "Friperie", "1 rue A", "Lévis", "G6V 4J8", "Friperie", placeholder]])
    noise = base64.b64encode(random.Random(characters).randbytes(characters))[:characters]  # incompressible
    sheet = members(data)[SHEET].replace(placeholder.encode(), noise)
    return with_member(data, SHEET, sheet)


def broken_sheet() -> bytes:
    """A workbook whose sheet XML breaks off after its first rows."""
    data = workbook([GOOD_ROW, GOOD_ROW])
    sheet = members(data)[SHEET]
    return with_member(data, SHEET, sheet[: sheet.index(b"</sheetData>")] + b'<row r="9"><c r="A9"')


def many_members(count: int) -> bytes:
    """A workbook padded with thousands of tiny members."""
    parts = members(workbook([GOOD_ROW]))
    parts.update({f"xl/media/pad{i}.bin": b"" for i in range(count)})
    return rezip(parts)


def table_checksum(connection: Connection) -> tuple:
    """A fingerprint of the enterprises and of every table an import writes to."""
    return connection.execute(
        text("""
        SELECT (SELECT md5(coalesce(string_agg(e::text, '|' ORDER BY id), '')) FROM enterprise e),
               (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY id), '')) FROM enterprise_revision r),
               (SELECT md5(coalesce(string_agg(b::text, '|' ORDER BY id), '')) FROM import_batch b),
               (SELECT count(*) FROM import_issue), (SELECT count(*) FROM geocode_cache),
               (SELECT count(*) FROM duplicate_pair)""")
    ).one()
