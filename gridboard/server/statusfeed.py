"""Partial updates of existing cases ("status feeds"): files that carry only case_id and the
columns that changed (responded_at, closed_at, callback_at, satisfaction, status, …).

Recognised: a file for table cases whose mapping (preset, or the headers' own guess) has a
case_id column and no reported_at column. Checked: every row names a case_id and every id is
already in the database — otherwise nothing is loaded and the report lists the unknown ids.
Then the file is completed from the stored rows, so the ordinary pipeline checks and loads it:
an empty cell keeps the stored value, the columns the file lacks that the pipeline needs
(reported_at, unit_id, status) come from the stored row, and when the file has no status
column the status follows the file (closed once closed_at is set, in_progress once an open
case is responded to). Only columns the file names can change, plus that status.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from gridboard.db import queries
from gridboard.ingest import values
from gridboard.ingest.mapping import Mapping, MappingError, load_preset, suggest
from gridboard.ingest.pipeline import IngestError
from gridboard.ingest.readers import ReadError, Source, open_source

FILLED = ("reported_at", "unit_id", "status")  # what the pipeline needs that a status feed may lack
_PREFIX = "__stored_"


def _mapping(src: Source, mapping: str | Path | None) -> Mapping | None:
    try:
        return load_preset(mapping).resolve(src.headers) if mapping else suggest(src.headers, "cases")
    except MappingError:
        return None


def detect(data: bytes | Path, file_name: str, mapping: str | Path | None) -> tuple[Source, Mapping] | None:
    """(opened file, its mapping) when this cases file is a status feed, else None."""
    try:
        src = open_source(data, file_name)
    except ReadError:
        return None  # the pipeline reports it
    m = _mapping(src, mapping)
    if m is None or "case_id" not in m.columns or "reported_at" in m.columns or "reported_at" in m.constants:
        return None
    return src, m


def _text(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, dt.datetime | pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def complete(con: duckdb.DuckDBPyConnection, src: Source, m: Mapping) -> tuple[bytes, Mapping]:
    """The status feed made whole from the stored rows: (CSV bytes, mapping for the pipeline).

    Raises IngestError (Chinese) when a row has no case_id or an id is not in the database.
    """
    try:
        parts = [chunk for _, chunk in src.iter_chunks()]
    except ReadError as exc:
        raise IngestError(str(exc)) from None
    raw = pd.concat(parts) if parts else pd.DataFrame(columns=range(len(src.headers)))
    raw = raw.iloc[:, : len(src.headers)]
    raw.columns = src.headers[: raw.shape[1]]
    raw = raw.loc[~(raw.apply(lambda c: c.str.strip()).eq("").all(axis=1))]
    if raw.empty:
        raise IngestError("文件只有表头，没有数据行")
    ids = raw[m.columns["case_id"]].str.strip()
    blank = ids.eq("") | values.clean(ids, None).isna()
    if blank.any():
        rows = ", ".join(str(i) for i in ids.index[blank][:10])
        raise IngestError(f"状态更新文件（没有上报时间列）每行都要有事件编号：第 {rows} 行没有")
    sql = queries.named("server_status_rows")
    stored = queries.frame(con, sql, {"ids": sorted(set(ids))}).set_index("case_id")
    unknown = sorted(set(ids) - set(stored.index))
    if unknown:
        shown = "、".join(unknown[:10]) + (f" 等 {len(unknown)} 个" if len(unknown) > 10 else "")
        raise IngestError(f"状态更新文件（没有上报时间列）只能更新已有事件，以下事件编号不存在：{shown}；整个文件未导入")
    rows = stored.loc[ids.to_numpy()]
    out = raw.copy()
    for col, header in m.columns.items():
        if col == "case_id":
            continue
        empty = values.clean(out[header], None).isna().to_numpy()
        if empty.any():
            filled = rows[col].map(_text).to_numpy()
            out.loc[empty, header] = filled[empty]
    extra: dict[str, str] = {}
    for col in FILLED:
        if col in m.columns or col in m.constants:
            continue
        column = rows[col].map(_text)
        if col == "status":
            column = _status(out, m, rows)
        out[_PREFIX + col] = column.to_numpy()
        extra[col] = _PREFIX + col
    whole = Mapping(m.table, {**m.columns, **extra}, dict(m.constants), m.values, m.missing, m.units, "", m.label)
    return out.to_csv(index=False).encode("utf-8"), whole


def _status(out: pd.DataFrame, m: Mapping, rows: pd.DataFrame) -> pd.Series:
    """The status when the file has none: closed once closed_at is set, in_progress once responded."""
    status = rows["status"].fillna("open").to_numpy(dtype=object).copy()

    def present(col: str) -> Any:
        if col not in m.columns:
            return None
        return values.clean(out[m.columns[col]], None).notna().to_numpy()

    closed, responded = present("closed_at"), present("responded_at")
    live = status != "cancelled"
    if closed is not None:
        status[live & closed] = "closed"
    if responded is not None:
        status[(status == "open") & responded] = "in_progress"
    return pd.Series(status, index=out.index)
