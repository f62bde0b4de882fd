"""Opening analysts' files: CSV/TSV text in any common encoding, and Excel (.xlsx, .xls).

Owns everything between the uploaded bytes (or a path) and a Source: hashing the file,
recognising its kind from its content rather than its name (a zip is .xlsx, an OLE2 box is an old
.xls or a password-protected workbook, HTML "saved as .xls" is refused with a clear message), then
handing it to the CSV reader (gridboard.ingest.csvfile: encoding, separator, header row) or the
Excel reader (gridboard.ingest.excel). A Source streams its rows in chunks of strings.

Every failure is a ReadError: one sentence for the analyst, in Chinese or English (gridboard.ingest.messages).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

from gridboard.ingest import limits
from gridboard.ingest.csvfile import BLOCK, HEAD_BYTES, detect_encoding, open_csv, sniff_delimiter
from gridboard.ingest.excel import open_excel
from gridboard.ingest.source import Kind, ReadError, Source, clean_headers, pick_header_row

__all__ = ["Kind", "ReadError", "Source", "clean_headers", "detect_encoding", "open_source", "pick_header_row",
           "sniff_delimiter"]


def open_source(data: bytes | str | Path, name: str | None = None) -> Source:
    """Open uploaded bytes or a file path; ReadError when it is not a readable table."""
    if isinstance(data, bytes | bytearray):
        blob = bytes(data)
        name = name or "upload"
        size = len(blob)

        def opener() -> IO[bytes]:
            return io.BytesIO(blob)
    else:
        path = Path(data)
        name = name or path.name
        if not path.is_file():
            raise ReadError("rd_missing_file", path=str(path))
        size = path.stat().st_size

        def opener() -> IO[bytes]:
            return path.open("rb")

    if size == 0:
        raise ReadError("rd_empty")
    limits.check_size(size)  # limits first: nothing below parses a file that could hurt
    sha, head, lines = _hash_and_head(opener)
    kind = _sniff_kind(head, name)
    if kind in ("xlsx", "xls"):
        if kind == "xlsx":
            limits.check_xlsx(opener)
        src = open_excel(name, size, sha, opener, old=kind == "xls")
        limits.check_columns(src.headers)
        return src
    limits.check_text(opener)
    encoding = detect_encoding(opener, head)
    src = open_csv(name, size, sha, opener, encoding)
    limits.check_columns(src.headers)
    src.total_rows = max(0, lines - src.header_row - 1)  # records spanning lines make this an over-estimate
    return src


def _hash_and_head(opener: Callable[[], IO[bytes]]) -> tuple[str, bytes, int]:
    """(sha256, the first bytes, number of lines) in one pass over the file."""
    h = hashlib.sha256()
    head = b""
    lines = 0
    last = b""
    with opener() as fh:
        while block := fh.read(BLOCK):
            if not head:
                head = block[:HEAD_BYTES]
            h.update(block)
            lines += block.count(b"\n")
            last = block[-1:]
    if last and last != b"\n":
        lines += 1
    return h.hexdigest(), head, lines


def _sniff_kind(head: bytes, name: str) -> Literal["csv", "xlsx", "xls"]:
    """csv, xlsx (a zip: .xlsx, .xlsm, .xlsb) or xls (an OLE2 box: old .xls, or a password-protected
    workbook, which the Excel reader refuses); ReadError for what is neither."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PK"):
        raise ReadError("rd_truncated_zip")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"%PDF"):
        raise ReadError("rd_pdf")
    text = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")):
        raise ReadError("rd_html")
    if text.startswith(b"<?xml"):
        raise ReadError("rd_xml")
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise ReadError("rd_fake_xlsx")
    return "csv"
