"""Reading analysts' files: CSV/TSV text in any common encoding, and Excel .xlsx.

Owns everything between the uploaded bytes (or a path) and rows of strings: recognising the
kind of file from its content rather than its name (a zip is .xlsx, an OLE2 box is an old or
password-protected Excel file, HTML "saved as .xls" is refused with a clear message), choosing
the encoding (BOM, strict UTF-8, GB18030 — which decodes GBK — then charset-normalizer),
sniffing the separator (comma, tab, semicolon), finding the header row under title rows, and
iterating the data in chunks of strings so a million-row file is never held in memory whole.

Every failure is a ReadError whose message is one Chinese sentence for the analyst.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import pandas as pd

Kind = Literal["csv", "xlsx"]

BLOCK = 1 << 20  # bytes per read when hashing and validating encodings
HEAD_BYTES = 256 * 1024  # decoded prefix used for separator and header sniffing
HEAD_ROWS = 30  # rows scanned for the header row
SEPARATORS = (",", "\t", ";")


class ReadError(Exception):
    """The file cannot be read as a table at all (message in Chinese, one line)."""


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
    _opener: Callable[[], IO[bytes]] = field(repr=False, default=lambda: io.BytesIO(b""))

    @property
    def first_data_row(self) -> int:
        """File row number (1-based, as Excel shows it) of the first data row."""
        return self.header_row + 2

    def describe(self) -> str:
        if self.kind == "xlsx":
            return f"Excel 工作表「{self.sheet}」"
        sep = {",": "逗号", "\t": "制表符", ";": "分号"}.get(self.delimiter or ",", self.delimiter)
        return f"CSV（编码 {self.encoding}，分隔符 {sep}）"

    def iter_chunks(self, chunk_rows: int = 100_000) -> Iterator[tuple[int, pd.DataFrame]]:
        """Yield (file row number of the chunk's first row, frame of strings).

        Columns are the positions 0..len(headers)-1; cells are str ('' when empty). Row numbers
        count the header as row header_row + 1 (Excel's numbering; a CSV record spanning
        several lines counts once).
        """
        if self.kind == "xlsx":
            yield from self._xlsx_chunks(chunk_rows)
        else:
            yield from self._csv_chunks(chunk_rows)

    # --- CSV ---------------------------------------------------------------------------------

    def _csv_chunks(self, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
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
                raise ReadError(f"文件在第 {row} 行附近出现无法按 {self.encoding} 解码的字节，文件可能混用了多种编码") from None
            except pd.errors.ParserError as exc:
                raise ReadError(_csv_error_zh(str(exc), self.header_row)) from None


    # --- XLSX --------------------------------------------------------------------------------

    def _xlsx_chunks(self, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
        width = len(self.headers)
        row = self.first_data_row
        with self._opener() as fh:
            wb = _open_workbook(fh)
            try:
                ws = wb[self.sheet]
                buf: list[list[str]] = []
                start = row
                for values in ws.iter_rows(min_row=self.header_row + 2, values_only=True):
                    cells = [_cell_text(v) for v in values[:width]]
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


# --- opening ---------------------------------------------------------------------------------


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
            raise ReadError(f"文件不存在：{path}")
        size = path.stat().st_size

        def opener() -> IO[bytes]:
            return path.open("rb")

    if size == 0:
        raise ReadError("文件是空的（0 字节）")
    sha, head, lines = _hash_and_head(opener)
    kind = _sniff_kind(head, name)
    if kind == "xlsx":
        return _open_xlsx(name, size, sha, opener)
    encoding = detect_encoding(opener, head)
    src = _open_csv(name, size, sha, opener, encoding)
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


def _sniff_kind(head: bytes, name: str) -> Kind:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PK"):
        raise ReadError("文件像是不完整的压缩包（Excel 文件可能被截断），请重新导出")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError("这是旧版 .xls 或设置了打开密码的 Excel 文件，无法读取：请在 Excel 中去掉密码后另存为 .xlsx 或 CSV")
    if head.startswith(b"%PDF"):
        raise ReadError("这是 PDF 文件，不是表格：请导出为 CSV 或 .xlsx")
    text = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")):
        raise ReadError("这是网页（HTML）格式的表格（常见于系统导出的“.xls”），请在 Excel 中打开后另存为 .xlsx 或 CSV")
    if text.startswith(b"<?xml"):
        raise ReadError("这是 XML 格式的文件（如 Excel 2003 XML 表格），请在 Excel 中另存为 .xlsx 或 CSV")
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise ReadError("文件扩展名是 .xlsx，但内容不是 Excel 文件（可能已损坏或被改名）")
    return "csv"


# --- encodings -------------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def detect_encoding(opener: Callable[[], IO[bytes]], head: bytes) -> str:
    """Encoding of a text file: a BOM wins; else strict UTF-8, else GB18030, else a guess."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    if b"\x00" in head[:8192]:
        raise ReadError("文件含有二进制内容，不是文本表格（CSV）文件")
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
        raise ReadError("无法识别文件的文字编码（不是 UTF-8 或 GBK），请另存为 UTF-8 编码的 CSV")
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


# --- CSV header --------------------------------------------------------------------------------


def _open_csv(name: str, size: int, sha: str, opener: Callable[[], IO[bytes]], encoding: str) -> Source:
    with opener() as fh:
        raw = fh.read(HEAD_BYTES)
    text = raw.decode(encoding, errors="ignore").lstrip("\ufeff")
    if len(raw) == HEAD_BYTES:  # drop a possibly cut last line
        text = text[: text.rfind("\n") + 1] or text
    if not text.strip():
        raise ReadError("文件里只有空白，没有表格内容")
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 0.01 * min(len(text), 20000):
        raise ReadError("文件含有大量控制字符，不是文本表格（CSV）文件")
    delimiter = sniff_delimiter(text)
    rows = list(_head_records(text, delimiter))
    header_row = pick_header_row(rows)
    headers = clean_headers(rows[header_row])
    width = max([len(headers), *(len(r) for r in rows[header_row:])])
    return Source(name, "csv", size, sha, headers, header_row, encoding=encoding, delimiter=delimiter,
                  width=width, _opener=opener)


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
        raise ReadError(f"CSV 格式错误：{exc}") from None


def pick_header_row(rows: list[list[str]]) -> int:
    """The first row with at least half as many filled cells as the widest of the first rows.

    Exports often put a title ("XX县事件清单") and a blank line above the header.
    """
    filled = [sum(1 for c in r if str(c).strip()) for r in rows]
    if not filled or max(filled) == 0:
        raise ReadError("没有找到表头行")
    need = max(2, (max(filled) + 1) // 2) if max(filled) > 1 else 1
    for i, n in enumerate(filled):
        if n >= need:
            return i
    return 0


def clean_headers(cells: list[object]) -> list[str]:
    """Header texts, stripped; trailing empty cells dropped; empty inner cells named 列N."""
    out = [str(c).replace("\ufeff", "").strip() if c is not None else "" for c in cells]
    while out and not out[-1]:
        out.pop()
    return [h or f"列{i + 1}" for i, h in enumerate(out)]


def _csv_error_zh(msg: str, header_row: int) -> str:
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        exp, line, saw = m.groups()
        return f"第 {line} 行有 {saw} 列，多于表头的 {exp} 列：分隔符或引号可能有误"
    m = re.search(r"EOF inside string starting at row (\d+)", msg)
    if m:
        return f"从第 {int(m.group(1)) + header_row + 2} 行附近开始的引号没有闭合，文件可能不完整"
    return f"CSV 格式错误：{msg.splitlines()[0]}"


def _drop_extra_columns(chunk: pd.DataFrame, n: int) -> pd.DataFrame:
    """Cells beyond the header: allowed when empty (trailing separators), else a ReadError."""
    filled = pd.Series(False, index=chunk.index)
    for c in chunk.columns[n:]:
        filled |= chunk[c].str.strip().ne("").fillna(False).astype(bool)
    if filled.any():
        row = int(filled.index[filled.to_numpy()][0])
        cells = int((chunk.loc[row].astype("str").str.strip() != "").to_numpy().nonzero()[0].max()) + 1
        raise ReadError(f"第 {row} 行有 {cells} 列，多于表头的 {n} 列：分隔符或引号可能有误")
    return chunk.iloc[:, :n]


# --- XLSX --------------------------------------------------------------------------------------


def _open_workbook(fh: IO[bytes]):  # -> openpyxl Workbook
    import zipfile

    from openpyxl import load_workbook

    try:
        return load_workbook(fh, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise ReadError("Excel 文件已损坏或不完整（压缩包无法打开），请重新导出") from None
    except Exception as exc:
        raise ReadError(f"不是有效的 Excel .xlsx 文件（{type(exc).__name__}），请在 Excel 中另存为 .xlsx") from None


def _open_xlsx(name: str, size: int, sha: str, opener: Callable[[], IO[bytes]]) -> Source:
    with opener() as fh:
        wb = _open_workbook(fh)
        try:
            for ws in wb.worksheets:
                head: list[list[str]] = []
                for values in ws.iter_rows(max_row=HEAD_ROWS, values_only=True):
                    head.append([_cell_text(v) for v in values])
                if any(any(c.strip() for c in r) for r in head):
                    header_row = pick_header_row(head)
                    headers = clean_headers(head[header_row])
                    total = None
                    if ws.max_row:
                        total = max(0, ws.max_row - header_row - 1)
                    return Source(name, "xlsx", size, sha, headers, header_row, sheet=ws.title,
                                  total_rows=total, _opener=opener)
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError(f"Excel 文件内容已损坏（{type(exc).__name__}），请重新导出") from None
        finally:
            wb.close()
    raise ReadError("Excel 文件中所有工作表都是空的")


def _cell_text(v: object) -> str:
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
