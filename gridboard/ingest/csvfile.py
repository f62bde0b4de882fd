"""Reading CSV/TSV text in any common encoding, in chunks of strings.

Owns choosing the encoding (BOM, strict UTF-8, GB18030 — which decodes GBK — then
charset-normalizer), sniffing the separator (comma, tab, semicolon), finding the header row, and
streaming the data with pandas' C parser so a million-row file is never held in memory whole.
Failures are ReadErrors of one sentence (gridboard.ingest.messages: Chinese and English).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import IO

import pandas as pd

from gridboard.ingest.source import HEAD_ROWS, ReadError, Source, clean_headers, pick_header_row

BLOCK = 1 << 20  # bytes per read when validating encodings
HEAD_BYTES = 256 * 1024  # decoded prefix used for separator and header sniffing
SEPARATORS = (",", "\t", ";")

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def detect_encoding(opener: Callable[[], IO[bytes]], head: bytes) -> str:
    """Encoding of a text file: a BOM wins; else strict UTF-8, else GB18030, else a guess."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    if b"\x00" in head[:8192]:
        raise ReadError("rd_binary")
    if _decodes(opener, "utf-8"):
        return "utf-8"
    if _decodes(opener, "gb18030"):
        sample = head.decode("gb18030", errors="ignore")
        non_ascii = [ch for ch in sample if ord(ch) > 127]
        if non_ascii and sum(bool(_CJK.match(ch)) for ch in non_ascii) >= 0.6 * len(non_ascii):
            return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None or best.encoding is None:
        raise ReadError("rd_encoding")
    enc = best.encoding
    if enc.lower().replace("_", "") in {"gbk", "gb2312", "gb18030", "hz"}:
        return "gb18030"
    return enc


def _decodes(opener: Callable[[], IO[bytes]], encoding: str) -> bool:
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    with opener() as fh:
        try:
            while block := fh.read(BLOCK):
                dec.decode(block)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def open_csv(name: str, size: int, sha: str, opener: Callable[[], IO[bytes]], encoding: str) -> Source:
    with opener() as fh:
        raw = fh.read(HEAD_BYTES)
    text = raw.decode(encoding, errors="ignore").lstrip("\ufeff")
    if len(raw) == HEAD_BYTES:  # drop a possibly cut last line
        text = text[: text.rfind("\n") + 1] or text
    if not text.strip():
        raise ReadError("rd_blank")
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 0.01 * min(len(text), 20000):
        raise ReadError("rd_controls")
    delimiter = sniff_delimiter(text)
    rows = list(_head_records(text, delimiter))
    header_row = pick_header_row(rows)
    headers = clean_headers(rows[header_row])
    width = max([len(headers), *(len(r) for r in rows[header_row:])])
    return Source(name, "csv", size, sha, headers, header_row, encoding=encoding, delimiter=delimiter,
                  width=width, _opener=opener, _chunker=csv_chunks)


def sniff_delimiter(text: str) -> str:
    """Comma, tab or semicolon: the one splitting the first lines into the most, most even fields."""
    lines = [ln for ln in text.splitlines()[:HEAD_ROWS] if ln.strip()]
    best, best_score = ",", -1.0
    for sep in SEPARATORS:
        counts = [len(r) for r in csv.reader(lines, delimiter=sep)]
        if not counts:
            continue
        widest = max(counts)
        if widest < 2:
            continue
        even = sum(1 for c in counts if c == widest) / len(counts)
        score = widest * (0.5 + even)
        if score > best_score:
            best, best_score = sep, score
    return best


def _head_records(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for i, rec in enumerate(reader):
            if i >= HEAD_ROWS:
                break
            yield rec
    except csv.Error as exc:
        if "new-line character seen in unquoted field" in str(exc):
            raise ReadError("rd_cr_only") from None
        raise ReadError("rd_csv_format", reason=str(exc)) from None


def csv_chunks(self: Source, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """The rows of a CSV source in chunks of strings (see Source.iter_chunks)."""
    n = len(self.headers)
    width = max(self.width, n)
    row = self.first_data_row
    with self._opener() as fh:
        try:
            reader = pd.read_csv(
                fh, sep=self.delimiter, header=None, names=list(range(width)), skiprows=self.header_row + 1,
                dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                encoding=self.encoding, chunksize=chunk_rows, engine="c",
            )
            for chunk in reader:
                chunk.index = pd.RangeIndex(row, row + len(chunk))
                if width > n:
                    chunk = _drop_extra_columns(chunk, n)
                yield row, chunk
                row += len(chunk)
        except UnicodeDecodeError:
            raise ReadError("rd_undecodable", row=row, encoding=self.encoding) from None
        except pd.errors.ParserError as exc:
            raise _csv_error(str(exc), self.header_row) from None


def _csv_error(msg: str, header_row: int) -> ReadError:
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        exp, line, saw = m.groups()
        return ReadError("rd_wide_row", line=line, saw=saw, expected=exp)
    m = re.search(r"EOF inside string starting at row (\d+)", msg)
    if m:
        return ReadError("rd_open_quote", row=int(m.group(1)) + header_row + 2)
    return ReadError("rd_csv_format", reason=msg.splitlines()[0])


def _drop_extra_columns(chunk: pd.DataFrame, n: int) -> pd.DataFrame:
    """Cells beyond the header: allowed when empty (trailing separators), else a ReadError."""
    filled = pd.Series(False, index=chunk.index)
    for c in chunk.columns[n:]:
        filled |= chunk[c].str.strip().ne("").fillna(False).astype(bool)
    if filled.any():
        row = int(filled.index[filled.to_numpy()][0])
        cells = int((chunk.loc[row].astype("str").str.strip() != "").to_numpy().nonzero()[0].max()) + 1
        raise ReadError("rd_wide_row", line=row, saw=cells, expected=n)
    return chunk.iloc[:, :n]
