"""Reading Excel workbooks (.xlsx, .xlsm, .xlsb and old .xls) as rows of strings, the way an analyst sees the cells.

Owns opening the workbook with python-calamine (Rust; about 20x faster than openpyxl, which stays
for writing), damaged or non-Excel content as a ReadError, picking the first non-empty
worksheet and its header row, streaming its rows in chunks, and the cell-to-text rule (dates ISO,
integral numbers without .0).

Dates read as they did through openpyxl: Excel stores a date and a datetime at midnight alike (a
day number), and both become "YYYY-MM-DD 00:00:00"; a datetime with a time keeps it; a plain
number that happens to be a date serial stays a number. Calamine holds one worksheet in memory
while it is read (the rows are turned into text chunk by chunk). A cell holding an Excel error
(#DIV/0!, #N/A) reads as empty; openpyxl gave the error text, which no check accepted either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import IO, Any

import pandas as pd
import python_calamine as calamine

from gridboard.ingest.source import HEAD_ROWS, ReadError, Source, clean_headers, pick_header_row


def _open_workbook(fh: IO[bytes], old: bool = False) -> Any:  # -> calamine.CalamineWorkbook
    try:
        return calamine.CalamineWorkbook.from_filelike(fh)
    except calamine.PasswordError:
        raise ReadError("rd_xlsx_password") from None
    except Exception as exc:  # CalamineError, ZipError, XmlError ... on damaged or foreign content
        if old:
            raise ReadError("rd_xls_unreadable") from None
        if "detect" in str(exc).lower() or type(exc).__name__ == "ZipError":
            raise ReadError("rd_xlsx_broken_zip") from None
        raise ReadError("rd_not_xlsx", kind=type(exc).__name__) from None


def _worksheets(wb: Any) -> list[str]:
    """Names of the worksheets in workbook order (chart sheets and macro sheets left out)."""
    return [m.name for m in wb.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]


def _rows(sheet: Any) -> Iterator[list[object]]:
    """The sheet's rows from row 1 and column A (calamine starts at the first used column)."""
    start = sheet.start
    if start is None:
        return
    pad: list[object] = [""] * start[1]
    for values in sheet.iter_rows():
        yield pad + values if pad else values


def open_excel(name: str, size: int, sha: str, opener: Callable[[], IO[bytes]], old: bool = False) -> Source:
    """The first worksheet with anything in its first rows, its header row and headers."""
    with opener() as fh:
        wb = _open_workbook(fh, old)
        try:
            for sheet_name in _worksheets(wb):
                sheet = wb.get_sheet_by_name(sheet_name)
                head: list[list[str]] = []
                for values in _rows(sheet):
                    head.append([cell_text(v) for v in values])
                    if len(head) >= HEAD_ROWS:
                        break
                if any(any(c.strip() for c in r) for r in head):
                    header_row = pick_header_row(head)
                    headers = clean_headers(head[header_row])
                    total = max(0, sheet.end[0] + 1 - header_row - 1) if sheet.end is not None else None
                    # calamine loaded the whole sheet for these header rows: the first read reuses it
                    return Source(name, "xlsx", size, sha, headers, header_row, sheet=sheet_name,
                                  total_rows=total, _opener=opener, _chunker=xlsx_chunks, _loaded=sheet)
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError("rd_xlsx_damaged", kind=type(exc).__name__) from None
        finally:
            if wb is not None:
                wb.close()
    raise ReadError("rd_xlsx_all_empty")


def cell_text(v: object) -> str:
    """An Excel cell as the text an analyst would see (dates ISO, integral floats without .0).

    A date (calamine's value for a day number: a date cell or a datetime at midnight) reads as
    midnight, "YYYY-MM-DD 00:00:00", as openpyxl's datetime did.
    """
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return f"{v.isoformat()} 00:00:00"
    if isinstance(v, dt.time):
        return v.isoformat()
    return str(v)


def xlsx_chunks(self: Source, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """The rows of an Excel source in chunks of strings (see Source.iter_chunks)."""
    width = len(self.headers)
    row = self.first_data_row
    sheet, self._loaded = self._loaded, None
    with self._opener() as fh:
        wb = _open_workbook(fh) if sheet is None else None
        try:
            rows = _rows(sheet if wb is None else wb.get_sheet_by_name(self.sheet))
            for _ in range(self.header_row + 1):
                next(rows, None)
            buf: list[list[str]] = []
            start = row
            for values in rows:
                cells = [cell_text(v) for v in values[:width]]
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                buf.append(cells)
                if len(buf) >= chunk_rows:
                    yield start, pd.DataFrame(buf, index=pd.RangeIndex(start, start + len(buf)), dtype=str)
                    start += len(buf)
                    buf = []
            if buf:
                yield start, pd.DataFrame(buf, index=pd.RangeIndex(start, start + len(buf)), dtype=str)
        except ReadError:
            raise
        except Exception as exc:  # calamine raises several kinds on damaged parts
            raise ReadError("rd_xlsx_damaged_at", row=row, kind=type(exc).__name__) from None
        finally:
            if wb is not None:
                wb.close()
