"""Reading Excel workbooks (.xlsx) as rows of strings, the way an analyst sees the cells.

Owns opening the workbook (damaged or non-Excel content is a ReadError in Chinese), picking the
first non-empty sheet and its header row, streaming its rows in chunks, and the cell-to-text rule
(dates ISO, integral numbers without .0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import IO

import pandas as pd

from gridboard.ingest.source import HEAD_ROWS, ReadError, Source, clean_headers, pick_header_row


def _open_workbook(fh: IO[bytes]):  # -> openpyxl Workbook
    import zipfile

    from openpyxl import load_workbook

    try:
        return load_workbook(fh, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise ReadError("Excel 文件已损坏或不完整（压缩包无法打开），请重新导出") from None
    except Exception as exc:
        raise ReadError(f"不是有效的 Excel .xlsx 文件（{type(exc).__name__}），请在 Excel 中另存为 .xlsx") from None


def open_xlsx(name: str, size: int, sha: str, opener: Callable[[], IO[bytes]]) -> Source:
    with opener() as fh:
        wb = _open_workbook(fh)
        try:
            for ws in wb.worksheets:
                head: list[list[str]] = []
                for values in ws.iter_rows(max_row=HEAD_ROWS, values_only=True):
                    head.append([cell_text(v) for v in values])
                if any(any(c.strip() for c in r) for r in head):
                    header_row = pick_header_row(head)
                    headers = clean_headers(head[header_row])
                    total = None
                    if ws.max_row:
                        total = max(0, ws.max_row - header_row - 1)
                    return Source(name, "xlsx", size, sha, headers, header_row, sheet=ws.title,
                                  total_rows=total, _opener=opener, _chunker=xlsx_chunks)
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError(f"Excel 文件内容已损坏（{type(exc).__name__}），请重新导出") from None
        finally:
            wb.close()
    raise ReadError("Excel 文件中所有工作表都是空的")


def cell_text(v: object) -> str:
    """An Excel cell as the text an analyst would see (dates ISO, integral floats without .0)."""
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
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return str(v)


def xlsx_chunks(self: Source, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """The rows of an Excel source in chunks of strings (see Source.iter_chunks)."""
    width = len(self.headers)
    row = self.first_data_row
    with self._opener() as fh:
        wb = _open_workbook(fh)
        try:
            ws = wb[self.sheet]
            buf: list[list[str]] = []
            start = row
            for values in ws.iter_rows(min_row=self.header_row + 2, values_only=True):
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
        except Exception as exc:  # openpyxl raises many kinds on damaged parts
            raise ReadError(f"Excel 文件内容已损坏，读取到第 {row} 行附近失败（{type(exc).__name__}）") from None
        finally:
            wb.close()
