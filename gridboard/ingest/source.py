"""An opened analyst's file (Source), the one error every reader raises (ReadError), header finding.

Shared by the CSV reader (gridboard.ingest.csvfile) and the Excel reader (gridboard.ingest.excel):
both find the header row under title rows and clean the header texts the same way.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

import pandas as pd

from gridboard.ingest.messages import Refusal

Kind = Literal["csv", "xlsx"]

HEAD_ROWS = 30  # rows scanned for the header row


class ReadError(Refusal):
    """The file cannot be read as a table at all (one line; gridboard.ingest.messages)."""


@dataclass
class Source:
    """An opened file: how to read it, its header and a way to stream its rows."""

    name: str
    kind: Kind
    size: int
    sha256: str
    headers: list[str]
    header_row: int  # 0-based index of the header among the file's records (rows)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    width: int = 0  # widest record among the first rows (CSV): at least len(headers)
    total_rows: int | None = None  # estimate for progress: lines (CSV) or the sheet's dimension (.xlsx)
    rows_exact: bool = False  # total_rows was counted (count_rows), not estimated
    _opener: Callable[[], IO[bytes]] = field(repr=False, default=lambda: io.BytesIO(b""))
    _chunker: Callable[[Source, int], Iterator[tuple[int, pd.DataFrame]]] | None = field(repr=False, default=None)
    _loaded: Any = field(repr=False, default=None)  # a reader's already loaded data, used by the first read

    @property
    def first_data_row(self) -> int:
        """File row number (1-based, as Excel shows it) of the first data row."""
        return self.header_row + 2

    def describe(self, lang: str = "zh") -> str:
        if lang == "en":
            if self.kind == "xlsx":
                return f"Excel sheet “{self.sheet}”"
            sep = {",": "comma", "\t": "tab", ";": "semicolon"}.get(self.delimiter or ",", self.delimiter)
            return f"CSV (encoding {self.encoding}, separator {sep})"
        if self.kind == "xlsx":
            return f"Excel 工作表「{self.sheet}」"
        sep = {",": "逗号", "\t": "制表符", ";": "分号"}.get(self.delimiter or ",", self.delimiter)
        return f"CSV（编码 {self.encoding}，分隔符 {sep}）"

    def count_rows(self, max_bytes: int = 8 << 20) -> None:
        """Count the data rows exactly (non-blank records, as the check reads them) when the file
        is small enough to read twice quickly; otherwise total_rows stays an estimate."""
        if self.size > (max_bytes if self.kind == "csv" else max_bytes // 4):
            return
        n = 0
        for _, chunk in self.iter_chunks():
            filled = pd.Series(False, index=chunk.index)
            for c in chunk.columns:
                filled |= chunk[c].str.strip().ne("").fillna(False).astype(bool)
            n += int(filled.sum())
        self.total_rows, self.rows_exact = n, True

    def iter_chunks(self, chunk_rows: int = 100_000) -> Iterator[tuple[int, pd.DataFrame]]:
        """Yield (file row number of the chunk's first row, frame of strings).

        Columns are the positions 0..len(headers)-1; cells are str ('' when empty). Row numbers
        count the header as row header_row + 1 (Excel's numbering; a CSV record spanning
        several lines counts once).
        """
        if self._chunker is None:
            raise ReadError("rd_not_open")
        yield from self._chunker(self, chunk_rows)


def pick_header_row(rows: list[list[str]]) -> int:
    """The first row with at least half as many filled cells as the widest of the first rows.

    Exports often put a title ("XX县事件清单") and a blank line above the header.
    """
    filled = [sum(1 for c in r if str(c).strip()) for r in rows]
    if not filled or max(filled) == 0:
        raise ReadError("rd_no_header")
    need = max(2, (max(filled) + 1) // 2) if max(filled) > 1 else 1
    for i, n in enumerate(filled):
        if n >= need:
            return i
    return 0


def clean_headers(cells: Sequence[object]) -> list[str]:
    """Header texts, stripped; trailing empty cells dropped; empty inner cells named 列N."""
    out = [str(c).replace("\ufeff", "").strip() if c is not None else "" for c in cells]
    while out and not out[-1]:
        out.pop()
    return [h or f"列{i + 1}" for i, h in enumerate(out)]
