"""Limits an uploaded file must meet before anything parses it, so that no file can exhaust the
memory or the time of the one process that holds the database.

Owns: the size of the file, its number of lines, the longest line (a 20 MB cell), the number of
header columns, and for .xlsx the zip's central directory — entry count, names, each part's
declared uncompressed size and compression ratio (a zip bomb is refused from the directory, before
a byte is inflated), the sheet's declared dimension — and a scan of every XML part's opening for a
DOCTYPE or ENTITY declaration (XXE and entity-expansion bombs; Excel never writes one). Each
refusal is a ReadError of one sentence (Chinese and English: gridboard.ingest.messages). The scans stream: memory stays at one block.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from typing import IO

from gridboard.ingest.source import ReadError

MAX_BYTES = 600 * 1024 * 1024  # a 1,000,000-row case export is about 190 MB as CSV
MAX_LINES = 5_000_000
MAX_LINE_BYTES = 4 * 1024 * 1024  # one record; a unit's boundary GeoJSON can be a few hundred KB
MAX_COLUMNS = 1_000
MAX_ZIP_ENTRIES = 2_000
MAX_PART_BYTES = 400 * 1024 * 1024  # one inflated part of an .xlsx (a sheet or the shared strings)
MAX_TOTAL_BYTES = 1_200 * 1024 * 1024  # all parts together
MAX_RATIO = 150  # inflated / compressed size of a part bigger than RATIO_FROM
RATIO_FROM = 8 * 1024 * 1024
XML_PEEK = 64 * 1024  # inflated bytes of each XML part looked at for a DOCTYPE
MAX_SHEET_ROWS = MAX_LINES
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension[^>]*\bref="[A-Z]*\d*:?([A-Z]+)(\d+)"')
BLOCK = 1 << 20


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise ReadError("rd_too_big", size=_mb(size), limit=_mb(MAX_BYTES))


def check_text(opener: Callable[[], IO[bytes]]) -> None:
    """Lines and the longest line of a text file (CR, LF and CRLF all end a line)."""
    lines, run, longest = 0, 0, 0
    with opener() as fh:
        while block := fh.read(BLOCK):
            parts = block.replace(b"\r", b"\n").split(b"\n")
            if len(parts) == 1:
                run += len(parts[0])
            else:
                longest = max(longest, run + len(parts[0]), *(len(p) for p in parts[1:-1]))
                run = len(parts[-1])
                lines += len(parts) - 1
            longest = max(longest, run)
            if longest > MAX_LINE_BYTES:
                raise ReadError("rd_long_line", line=lines + 1, limit=_mb(MAX_LINE_BYTES))
            if lines > MAX_LINES * 2:  # blank lines count too: generous
                break
    if lines > MAX_LINES * 2:
        raise ReadError("rd_too_many_lines", limit=f"{MAX_LINES:,}")


def check_columns(headers: list[str]) -> None:
    if len(headers) > MAX_COLUMNS:
        raise ReadError("rd_too_many_columns", n=f"{len(headers):,}", limit=f"{MAX_COLUMNS:,}")


def check_xlsx(opener: Callable[[], IO[bytes]]) -> None:
    """The zip's directory, its XML parts' declarations and the sheets' declared dimensions."""
    with opener() as fh:
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ReadError("rd_xlsx_broken_zip") from None
        with zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise ReadError("rd_zip_parts", n=f"{len(infos):,}", limit=f"{MAX_ZIP_ENTRIES:,}")
            total = 0
            for info in infos:
                name = info.filename
                if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
                    raise ReadError("rd_zip_path", name=name[:60])
                total += info.file_size
                ratio = info.file_size / max(1, info.compress_size)
                if info.file_size > MAX_PART_BYTES or (info.file_size > RATIO_FROM and ratio > MAX_RATIO):
                    raise ReadError("rd_zip_bomb", name=name[:60], size=_mb(info.file_size), ratio=f"{ratio:,.0f}")
            if total > MAX_TOTAL_BYTES:
                raise ReadError("rd_zip_total", size=_mb(total), limit=_mb(MAX_TOTAL_BYTES))
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    _check_xml_part(zf, info)


def _check_xml_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    try:
        with zf.open(info) as part:
            head = part.read(XML_PEEK)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        raise ReadError("rd_part_unreadable", name=info.filename[:60]) from None
    if _DOCTYPE.search(head):
        raise ReadError("rd_part_doctype", name=info.filename[:60])
    if info.filename.lower().startswith("xl/worksheets/"):
        m = _DIMENSION.search(head)
        if m:
            cols = _column_number(m.group(1).decode())
            rows = int(m.group(2))
            if cols > MAX_COLUMNS:
                raise ReadError("rd_sheet_columns", n=f"{cols:,}", limit=f"{MAX_COLUMNS:,}")
            if rows > MAX_SHEET_ROWS:
                raise ReadError("rd_sheet_rows", n=f"{rows:,}", limit=f"{MAX_SHEET_ROWS:,}")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
