"""Downloads: any table the app shows as CSV (UTF-8 with BOM) or .xlsx, and import templates.

Owns formula neutralisation — a text cell beginning with = + - @ (or a tab, carriage return or
line feed) is prefixed with an apostrophe so Excel never runs it; plain numbers such as "-77.0"
are left alone — CSV quoting (every cell holding a line break, a bare CR included, is quoted, and
rows end in CRLF), and the empty template per contract table (Chinese headers, one example row)
that the import maps back without a preset. Streamlit's own table download is off
(client.disableDataExport): every download goes through here.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from gridboard.core import schema

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise_text(value: object) -> object:
    """The value, with an apostrophe in front when Excel would read it as a formula."""
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


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "数据") -> bytes:
    """An .xlsx workbook with one sheet, neutralised; control characters Excel refuses removed."""
    out = neutralise(df)
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out.isetitem(i, col.map(lambda v: _ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v,
                                    na_action="ignore"))
        elif isinstance(col.dtype, pd.DatetimeTZDtype):
            out.isetitem(i, col.dt.tz_localize(None))
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        name = re.sub(r"[\\/?*\[\]:]", "_", sheet_name)[:31] or "数据"
        out.to_excel(writer, sheet_name=name, index=False)
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
