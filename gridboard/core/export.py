"""Downloads: any table the app shows as CSV (UTF-8 with BOM) or .xlsx, and import templates.

Owns what makes a download fit for a 通报: the caption (title, unit, period with its inclusive last
day, as-of time, source) written as title rows above an .xlsx table and used for its file name
(泗水县_办结率_2026-11-01至2026-11-28.xlsx); the .xlsx layout (column widths, frozen and filtered
header, number formats, codes and ids as text, header repeated on every printed page); formula
safety — in .xlsx every text cell is a string cell (type text, format "@"), which Excel shows as
written and never evaluates, so no apostrophe is added; in CSV, which has no types, a text cell
beginning with = + - @ (or a tab, CR or LF) gets an apostrophe, plain numbers such as "-77.0" are
left alone —; CSV quoting (every cell holding a line break, a bare CR included, is quoted, and rows
end in CRLF), and the empty template per contract table (Chinese headers, one example row) that
the import maps back without a preset. Streamlit's own table download is off
(client.disableDataExport): every download goes through here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from gridboard.core import i18n, schema

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# A header naming a code or an id: its values are written as text even when they look like numbers
# (a 15-digit unit code must not become 3.70831E+14, an id keeps its leading zeros).
_ID_HEADER = re.compile(r"(?i)(^|[_ ])(id|code|no)$|编号|编码|代码|单号|工单号|证号")
_COORD_HEADER = re.compile(r"(?i)^(lon|lat|longitude|latitude)$|经度|纬度")
_MAX_WIDTH = 60  # characters (a CJK character counts two)
_WIDTH_SAMPLE = 2000  # rows looked at for a column's width


def neutralise_text(value: object) -> object:
    """The value, with an apostrophe in front when a spreadsheet would read it as a formula (CSV)."""
    if isinstance(value, str) and value.startswith(_DANGEROUS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and header) neutralised; numbers and dates untouched."""
    out = df.copy()
    out.columns = [neutralise_text(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out.isetitem(i, col.map(neutralise_text, na_action="ignore"))
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM (Excel then opens Chinese text correctly), neutralised."""
    # CRLF row ends: the csv writer then quotes every cell holding a CR or an LF (a bare CR
    # left unquoted starts a new row in Excel).
    text = neutralise(df).to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return text.encode("utf-8-sig")


# --- caption and file names --------------------------------------------------------------------


@dataclass(frozen=True)
class Caption:
    """What a download shows: its title, the unit, the period [start, last] with the last day
    included, the as-of time and the source line; the .xlsx title rows and the file name."""

    title: str
    unit: str = ""
    start: dt.date | None = None
    last: dt.date | None = None
    as_of: dt.datetime | None = None
    lang: str = "zh"
    page: str = ""  # the page it comes from (总览), before the title in the heading and file name

    @property
    def heading(self) -> str:
        """"page · title" (or whichever of the two is set, once)."""
        parts = [p for p in (self.page, self.title) if p]
        return " · ".join(dict.fromkeys(parts))

    def subtitle(self) -> str:
        """"unit · period · as of" in one line (those known), under a chart image's title."""
        parts = [self.unit]
        if self.start is not None and self.last is not None:
            parts.append(f"{self.start.isoformat()} {i18n.text('exp_period_to', self.lang)} {self.last.isoformat()}")
        if self.as_of is not None:
            parts.append(i18n.text("exp_as_of", self.lang, as_of=f"{self.as_of:%Y-%m-%d %H:%M}"))
        return " · ".join(p for p in parts if p)

    def period_text(self) -> str:
        if self.start is None or self.last is None:
            return ""
        return i18n.text("exp_period", self.lang, start=self.start.isoformat(), end=self.last.isoformat())

    def lines(self) -> list[str]:
        """Title, unit, period, as-of and source lines (those known), as the title rows hold them."""
        lines = [self.heading]
        if self.unit:
            lines.append(i18n.text("exp_unit", self.lang, unit=self.unit))
        if period := self.period_text():
            lines.append(period)
        if self.as_of is not None:
            lines.append(i18n.text("exp_as_of", self.lang, as_of=f"{self.as_of:%Y-%m-%d %H:%M}"))
        lines.append(i18n.text("exp_source", self.lang))
        return lines

    def file_name(self, ext: str) -> str:
        """unit_title_start至last.ext (English: start_to_last) with the unit's own name (the last
        part of "县 / 镇 / 村"); characters a file system refuses replaced."""
        parts = [short_unit(self.unit), *dict.fromkeys(p for p in (self.page, self.title) if p)]
        if self.start is not None and self.last is not None:
            joiner = "至" if self.lang != "en" else "_to_"
            parts.append(f"{self.start.isoformat()}{joiner}{self.last.isoformat()}")
        return safe_file_name("_".join(p for p in parts if p), ext)


def last_day(end: dt.datetime | dt.date) -> dt.date:
    """The last day a period [start, end) includes: the day before an end at midnight."""
    if isinstance(end, dt.datetime):
        return end.date() - dt.timedelta(days=1) if end.time() == dt.time(0) else end.date()
    return end - dt.timedelta(days=1)


def caption(title: str, unit: str, start: dt.datetime | dt.date | None, end: dt.datetime | dt.date | None,
            as_of: dt.datetime | None, lang: str = "zh", page: str = "") -> Caption:
    """A Caption from a period as the app holds it ([start, end), end exclusive)."""
    first = start.date() if isinstance(start, dt.datetime) else start
    return Caption(title, unit, first, None if end is None else last_day(end), as_of, lang, page)


def short_unit(unit: str) -> str:
    """The unit's own name from a path such as "泗水县 / 泗河街道"."""
    return unit.split(" / ")[-1].strip() if unit else ""


def safe_file_name(stem: str, ext: str) -> str:
    """`stem.ext` with path separators, reserved and control characters replaced by "_"."""
    clean = re.sub(r"_{2,}", "_", _BAD_FILE_CHARS.sub("_", stem).replace(" · ", "·")).strip(" ._") or "export"
    return f"{clean[:150]}.{ext}"


# --- .xlsx ---------------------------------------------------------------------------------------

_TITLE_FONT = Font(bold=True, size=14)
_NOTE_FONT = Font(size=10, color="555555")
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="E8EEF6")
_HEAD_BORDER = Border(bottom=Side(style="thin", color="8899AA"))
_WRAP = Alignment(vertical="center", wrap_text=True)


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _column_kind(header: str, col: pd.Series) -> str:
    """How a column is written: text, id (text, even if numeric), int, float, coord, datetime, date, other."""
    if _ID_HEADER.search(header):
        return "id"
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "other"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "coord" if _COORD_HEADER.search(header) else "float"
    values = [v for v in col.head(_WIDTH_SAMPLE) if not _missing(v)]
    if values and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values):
        return "date"
    if values and all(isinstance(v, dt.datetime) for v in values):
        return "datetime"
    return "text" if values and all(isinstance(v, str) for v in values) else "other"


_FORMATS = {"id": "@", "text": "@", "int": "#,##0", "float": "#,##0.0", "coord": "0.000000",
            "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd"}


def _cell_value(value: Any, kind: str) -> Any:
    if _missing(value):
        return None
    if kind == "id":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    elif isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        value = value.item()
    if isinstance(value, str):
        return _ILLEGAL_XLSX.sub("", value)
    return value


def _shown(value: Any, kind: str) -> str:
    """Roughly how Excel shows the value (for the column width)."""
    if value is None:
        return ""
    if kind == "datetime":
        return "2026-11-28 23:59"
    if kind == "float" and isinstance(value, float):
        return f"{value:,.1f}"
    if kind == "int" and isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _cell(ws: Any, value: Any, kind: str, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # a string cell: Excel shows "=1+1" as written and never evaluates it
    if kind in _FORMATS:
        cell.number_format = _FORMATS[kind]
    if font is not None:
        cell.font = font
    return cell


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "数据", caption: Caption | None = None) -> bytes:
    """An .xlsx workbook with one sheet: the caption's title rows (when given), a blank row, then
    the table with a frozen, filtered header repeated on every printed page, column widths fitted
    to the content, number formats per column, codes and ids as text, text never a formula, and
    control characters Excel refuses removed. Without a caption the header is row 1 (templates,
    files meant to be imported back)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(re.sub(r"[\\/?*\[\]:]", "_", sheet_name)[:31] or "数据")
    headers = [_ILLEGAL_XLSX.sub("", str(c)) for c in df.columns]
    kinds = [_column_kind(h, df.iloc[:, i]) for i, h in enumerate(headers)]
    columns = [[_cell_value(v, kinds[i]) for v in df.iloc[:, i].tolist()] for i in range(df.shape[1])]
    widths = [_text_width(h) + 4 for h in headers]  # room for the filter arrow
    for i, values in enumerate(columns):
        for v in values[:_WIDTH_SAMPLE]:
            widths[i] = max(widths[i], _text_width(_shown(v, kinds[i])) + 2)
    for i, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = min(_MAX_WIDTH, max(8, width))
    lines = caption.lines() if caption is not None else []
    header_row = len(lines) + (2 if lines else 1)
    ncols = max(1, len(headers))
    last_col = get_column_letter(ncols)
    ws.freeze_panes = f"A{header_row + 1}"
    if headers:
        ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + max(len(df), 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape" if ncols > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for i, line in enumerate(lines):
        ws.append([_cell(ws, _ILLEGAL_XLSX.sub("", line), "text", _TITLE_FONT if i == 0 else _NOTE_FONT)])
    if lines:
        ws.append([])
    head = []
    for h in headers:
        cell = _cell(ws, h, "text", _HEAD_FONT)
        cell.fill, cell.border, cell.alignment = _HEAD_FILL, _HEAD_BORDER, _WRAP
        head.append(cell)
    ws.append(head)
    for r in range(len(df)):
        ws.append([_cell(ws, columns[i][r], kinds[i]) for i in range(len(columns))])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- templates -------------------------------------------------------------------------------

EXAMPLES: dict[str, dict[str, object]] = {
    "units": {
        "unit_id": "370831101001", "parent_id": "370831101", "level": "网格", "name": "泉林镇第一网格",
        "grid_type": "一般网格", "households": 420, "population": 1260, "lon": 117.2731, "lat": 35.6612,
        "boundary": "",
    },
    "cases": {
        "case_id": "SJ202405010001", "unit_id": "370831101001", "source": "12345热线", "category": "环境卫生",
        "subcategory": "垃圾清运", "title": "小区门口垃圾堆放未清运", "reported_at": "2024-05-01 08:30:00",
        "dispatched_at": "2024-05-01 08:45:00", "responded_at": "2024-05-01 09:05:00",
        "closed_at": "2024-05-01 16:20:00", "callback_at": "2024-05-02 10:00:00",
        "due_at": "2024-05-03 08:30:00", "status": "已办结", "handled_level": "网格", "department": "泉林镇城管办",
        "satisfaction": "满意", "reopened": "否", "supervised": "否", "lon": 117.2735, "lat": 35.6608,
        "reporter_phone": "13800138000",
    },
    "volunteers": {
        "volunteer_id": "ZYZ0001", "unit_id": "370831101001", "name": "张三", "is_party_member": "是",
        "team": "红色物业志愿服务队", "registered_on": "2023-03-05",
    },
    "volunteer_services": {
        "service_id": "FW20240501001", "volunteer_id": "ZYZ0001", "unit_id": "370831101001",
        "activity_type": "环境整治", "started_at": "2024-05-01 09:00:00", "hours": 2.5, "points": 5,
    },
    "collective_economy": {
        "unit_id": "370831101201", "year": 2024, "operating_income": 185000, "total_income": 320000,
        "dividends": 40000, "cooperatives": 3, "party_led_cooperatives": 1,
    },
}


def template_frame(table: str) -> pd.DataFrame:
    """Empty template of a contract table: Chinese headers and one example row."""
    t = schema.DATA_TABLES[table]
    example = EXAMPLES[table]
    return pd.DataFrame([[example.get(c.name, "") for c in t.columns]], columns=[c.zh for c in t.columns])


def template_bytes(table: str, fmt: str = "xlsx") -> bytes:
    """The template as .xlsx (default) or CSV bytes."""
    df = template_frame(table)
    if fmt == "csv":
        return to_csv_bytes(df)
    return to_xlsx_bytes(df, schema.DATA_TABLES[table].zh)


def template_file_name(table: str, fmt: str = "xlsx") -> str:
    return f"{schema.DATA_TABLES[table].zh}_导入模板.{fmt}"
