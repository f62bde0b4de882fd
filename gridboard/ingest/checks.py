"""Row checks: one chunk of file text becomes typed contract rows plus the problems found.

Owns the per-row rules — types, required fields, enum values, the timeline (reported ≤
dispatched ≤ responded ≤ closed ≤ callback, due after reported), dates inside a plausible window
(not before 2000, no event in the future), status consistent with the close time, counts, money
and hours within bounds, text lengths capped, ids normalised (NFKC, invisible characters removed,
trimmed) before de-duplication, duplicate header names refused, a unit without a parent only at
county level, placeholder values seen in real exports (1900-01-01 dates, coordinates 39,-77 or
0,0) — and the catalogue of problem codes with their Chinese messages. Rules that need the whole
file or the database (duplicate ids, unknown units or volunteers) run in SQL in
gridboard.staging and use the same catalogue.

A problem is an "error" (the row is rejected) or a "warning" (the row loads; a placeholder value
is stored as NULL, a row without location goes to the 未划分 unit, exact duplicates merge).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridboard.core import config, schema
from gridboard.ingest import messages, values
from gridboard.ingest.mapping import Mapping, MappingError, header_scale

ERROR, WARNING = "error", "warning"
SEVERITY_ZH = {ERROR: "拒绝", WARNING: "警告"}

# code -> (severity, Chinese message)
PROBLEMS: dict[str, tuple[str, str]] = {
    "missing_required": (ERROR, "必填项为空"),
    "placeholder_required": (ERROR, "必填日期是占位值（如 1900-01-01）"),
    "bad_date": (ERROR, "无法识别的日期时间"),
    "bad_number": (ERROR, "不是有效的数字"),
    "bad_integer": (ERROR, "不是有效的整数"),
    "bad_bool": (ERROR, "无法识别的是/否值（应为 是/否）"),
    "bad_enum": (ERROR, "取值不在允许范围内"),
    "bad_coord": (ERROR, "坐标超出范围（经度 ±180，纬度 ±90）"),
    "bad_year": (ERROR, "年度不合理（应在 1949–2100 之间）"),
    "negative": (ERROR, "不能为负数"),
    "closed_before_reported": (ERROR, "办结时间早于上报时间"),
    "due_before_reported": (ERROR, "办理时限早于上报时间"),
    "dispatched_before_reported": (ERROR, "派单时间早于上报时间"),
    "responded_before_reported": (ERROR, "签收时间早于上报时间"),
    "own_parent": (ERROR, "上级单位不能是自己"),
    "responded_before_dispatched": (ERROR, "签收时间早于派单时间"),
    "closed_before_responded": (ERROR, "办结时间早于签收时间"),
    "callback_before_closed": (ERROR, "回访时间早于办结时间"),
    "callback_not_closed": (ERROR, "有回访时间但没有办结时间"),
    "date_too_early": (ERROR, "日期早于合理范围"),
    "date_in_future": (ERROR, "时间晚于当前时间（尚未发生的事不能有时间）"),
    "closed_without_time": (ERROR, "状态为已办结，但办结时间为空"),
    "open_with_close_time": (ERROR, "状态为未办结，但已有办结时间"),
    "too_large": (ERROR, "数值超出合理范围"),
    "text_too_long": (ERROR, "文字过长"),
    "blank_parent": (ERROR, "上级单位为空：只有县级单位可以没有上级"),
    "party_led_over_total": (ERROR, "党支部领办合作社数大于合作社总数"),
    "dup_conflict": (ERROR, "编号在文件中重复且内容不一致"),
    "unknown_unit": (ERROR, "单位不存在（可选择把未知单位新建为网格）"),
    "ambiguous_unit": (ERROR, "名称对应多个单位，请改用单位编码"),
    "no_parent_for_unassigned": (ERROR, "所属网格为空，且数据库中没有可挂靠“未划分”网格的上级单位"),
    "unknown_parent": (ERROR, "上级单位不存在"),
    "unknown_volunteer": (ERROR, "志愿者不存在（请先导入志愿者表）"),
    "new_unit_name": (ERROR, "不能新建这个单位：名称不像本县的单位"),
    "new_unit_outside": (ERROR, "不能新建这个单位：位置不在本县范围内"),
    "placeholder_date": (WARNING, "占位日期（如 1900-01-01），按空值处理"),
    "placeholder_coords": (WARNING, "占位坐标（如 39,-77 或 0,0）或坐标不全，按空值处理"),
    "unassigned": (WARNING, "所属网格为空，归入“未划分”网格"),
    "new_unit": (WARNING, "单位不存在，将新建为网格"),
    "dup_merged": (WARNING, "与文件中另一行完全相同，已合并"),
    "history_case": (WARNING, "长期未办结，按历史件导入，不计入大屏实时数"),
    "date_soon_future": (WARNING, "时间晚于当前时间（一天以内，已保留）：请核对来源系统的时钟或时区"),
    "phone_odd": (WARNING, "电话号码不像有效号码（已保留）"),
    "date_only_same_day": (WARNING, "只有日期、与上报同一天：按当天结束（23:59:59）记"),
}

PROBLEM_FRAME_COLUMNS = ("row", "col", "value", "code", "detail", "detail_en")
# Plausible values. Dates: events (report, dispatch, response, close, callback, service) not
# before EARLIEST and not after now + FUTURE_SLACK; a time limit may lie ahead (values.LATEST).
EARLIEST = {"registered_on": pd.Timestamp("1950-01-01")}
EARLIEST_DEFAULT = pd.Timestamp("2000-01-01")
FUTURE_SLACK = pd.Timedelta(days=1)
NOT_EVENTS = ("due_at",)
# Upper bounds of numbers (all of them are also >= 0).
BOUNDS: dict[str, float] = {
    "households": 10_000_000, "population": 50_000_000, "hours": 24, "points": 100_000,
    "operating_income": 1e12, "total_income": 1e12, "dividends": 1e12,
    "cooperatives": 10_000, "party_led_cooperatives": 10_000,
}
# Characters of a text cell at most (ids, names and codes; free text; geometry).
TEXT_LIMITS: dict[str, int] = {"title": 2_000, "boundary": 2_000_000}
TEXT_LIMIT_DEFAULT = 200
ID_LIMIT = 200  # ids and unit references (a reference may be a unit name)
PLACEHOLDER_COORDS = ((39.0, -77.0), (0.0, 0.0))
# Columns whose text names a unit (resolved by id or name against the database in staging).
UNIT_REF_TABLES = ("cases", "volunteers", "volunteer_services", "collective_economy")


def message(code: str, detail: str | None = None) -> str:
    text = PROBLEMS[code][1]
    return f"{text}：{detail}" if detail else text


@dataclass
class Plan:
    """A mapping bound to one file's header: what to read from which position, and how."""

    table: schema.Table
    mapping: Mapping
    headers: list[str]
    now: dt.datetime | None = None  # "now" for the no-future-events rule (default: config's now)
    positions: dict[str, int] = field(init=False)
    parsers: dict[str, values.DateParser] = field(init=False)
    scales: dict[str, float] = field(init=False)
    missing: dict[str, re.Pattern[str]] = field(init=False)

    def __post_init__(self) -> None:
        seen: dict[str, int] = {}
        for h in self.headers:
            key = values.norm_key(values.strip_invisible(h))
            if key:
                seen[key] = seen.get(key, 0) + 1
        twice = [h for h in dict.fromkeys(self.headers) if seen.get(values.norm_key(values.strip_invisible(h)), 0) > 1]
        if twice:
            raise MappingError("map_dup_headers", names=twice[:5])
        index = {h: i for i, h in reversed(list(enumerate(self.headers)))}
        self.positions = {col: index[h] for col, h in self.mapping.columns.items()}
        self.parsers = {c.name: values.DateParser() for c in self.table.columns if c.sql_type in ("TIMESTAMP", "DATE")}
        self.scales = {col: header_scale(h) for col, h in self.mapping.columns.items()}
        self.missing = {col: re.compile(rx) for col, rx in self.mapping.missing.items()}
        if self.now is None:
            self.now = config.load().now()

    @property
    def unit_ref(self) -> bool:
        """Whether unit_id is a reference to resolve (every table but units)."""
        return self.table.name in UNIT_REF_TABLES

    @property
    def derive_status(self) -> bool:
        return self.table.name == "cases" and "status" not in self.mapping.columns and "status" not in self.mapping.constants

    def present(self) -> list[str]:
        """Contract columns this file sets (mapped, constant or derived): only these are updated."""
        cols = [c for c in self.table.column_names
                if c in self.mapping.columns or c in self.mapping.constants]
        if self.derive_status:
            cols.append("status")
        if self.table.name == "cases" and "unit_id" not in cols:
            cols.append("unit_id")  # every row gets a unit (未划分 when the file has none)
        return [c for c in self.table.column_names if c in cols]

    def field_label(self, col: str) -> str:
        """How the page names a column: 办结时间（ClosedDate）, or just 办结时间 when the file says so."""
        zh = self.table.column(col).zh if col in self.table.column_names else col
        header = self.header_of(col)
        return f"{zh}（{header}）" if header and header != zh else zh

    def header_of(self, col: str) -> str:
        return self.mapping.columns.get(col) or (f"={self.mapping.constants[col]}" if col in self.mapping.constants else "")


class _Collector:
    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        self.error_rows = pd.Index([], dtype="int64")

    def add(self, mask: pd.Series, col: str, raw: pd.Series | None, code: str, detail: str | None = None) -> None:
        """Problem `code` on the rows of `mask`; `detail` a Phrase (in both languages) or None."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        idx = mask.index[mask.to_numpy()]
        val = raw.loc[idx].astype("str").to_numpy() if raw is not None else np.full(len(idx), None)
        self.parts.append(pd.DataFrame({"row": idx.to_numpy(dtype="int64"), "col": col, "value": val,
                                        "code": code, "detail": None if detail is None else str(detail),
                                        "detail_en": messages.en_text(detail)}))
        if PROBLEMS[code][0] == ERROR:
            self.error_rows = self.error_rows.union(idx)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({k: pd.Series(dtype="int64" if k == "row" else "str") for k in PROBLEM_FRAME_COLUMNS})
        return pd.concat(self.parts, ignore_index=True)


def drop_blank(chunk: pd.DataFrame) -> pd.DataFrame:
    """Rows with at least one non-blank cell (Excel leaves formatted empty rows behind)."""
    keep = pd.Series(False, index=chunk.index)
    for c in chunk.columns:
        keep |= chunk[c].str.strip().ne("").fillna(False).astype(bool)
    return chunk[keep]


def check_chunk(plan: Plan, chunk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(typed rows with _row, _unit_ref, _reject; problems) for one chunk of the file.

    The chunk's index holds the file row numbers. Every table column is in the typed frame
    (NA where the file does not set it).
    """
    chunk = drop_blank(chunk)
    table, idx = plan.table, chunk.index
    out: dict[str, pd.Series] = {}
    raw_of: dict[str, pd.Series] = {}
    placeholders: dict[str, pd.Series] = {}
    probs = _Collector()
    for col in table.columns:
        name = col.name
        if name in plan.positions:
            raw = chunk[plan.positions[name]]
        elif name in plan.mapping.constants:
            raw = pd.Series(plan.mapping.constants[name], index=idx, dtype="str")
        else:
            out[name] = pd.Series(index=idx, dtype=_dtype(col.sql_type))
            continue
        raw_of[name] = raw
        text = values.clean(raw, plan.missing.get(name))
        value, bad, code, placeholder = _convert(plan, col, text, out)
        if code is not None:
            probs.add(bad, name, raw, code, values.allowed_values(name) if col.enum else None)
        out[name] = value
        if placeholder is not None and not col.required:
            probs.add(placeholder, name, raw, "placeholder_date")
            placeholders[name] = placeholder
        if col.required and not (name == "unit_id" and plan.table.name == "cases"):
            empty = value.isna() & ~bad
            if placeholder is not None and placeholder.any():
                probs.add(placeholder, name, raw, "placeholder_required")
                empty &= ~placeholder
            probs.add(empty, name, raw, "missing_required")
    typed = pd.DataFrame(out, index=idx)
    if plan.derive_status:
        typed["status"] = np.where(typed["closed_at"].notna(), "closed", "open")
        typed["status"] = typed["status"].astype("str")
    _row_rules(plan, typed, raw_of, probs, placeholders)
    if plan.unit_ref:
        typed["_unit_ref"] = typed["unit_id"].astype("str")
        typed["unit_id"] = pd.Series(pd.NA, index=idx, dtype="str")
    typed["_row"] = idx.to_numpy(dtype="int64")
    typed["_reject"] = idx.isin(probs.error_rows)
    return typed.reset_index(drop=True), probs.frame()


def _dtype(sql_type: str) -> str:
    return {"TIMESTAMP": "datetime64[us]", "DATE": "datetime64[us]", "DOUBLE": "float64",
            "INTEGER": "float64", "BOOLEAN": "boolean"}.get(sql_type, "str")


def _convert(
    plan: Plan, col: schema.Column, text: pd.Series, done: dict[str, pd.Series]
) -> tuple[pd.Series, pd.Series, str | None, pd.Series | None]:
    """(typed values, unreadable mask, problem code for unreadable cells, placeholder mask)."""
    name = col.name
    if col.enum:
        v, bad = values.map_enum(text, name, plan.mapping.values.get(name))
        return v, bad, "bad_enum", None
    if col.sql_type in ("TIMESTAMP", "DATE"):
        v, bad, placeholder = plan.parsers[name].parse(text)
        if name == "due_at" and "reported_at" in done and bad.any():
            # Time limits written as durations ("3天", "72小时") count from the report time.
            rel = values.relative_durations(text.where(bad))
            ok = rel.notna() & done["reported_at"].notna()
            if ok.any():
                v = v.where(~ok, done["reported_at"] + rel)
                bad &= ~ok
        if col.sql_type == "DATE":
            v = v.dt.normalize()
        return v, bad, "bad_date", placeholder
    if col.sql_type in ("DOUBLE", "INTEGER"):
        integer = col.sql_type == "INTEGER"
        v, bad = values.parse_numbers(text, integer=integer, scale=plan.scales.get(name, 1.0))
        return v, bad, "bad_integer" if integer else "bad_number", None
    if col.sql_type == "BOOLEAN":
        v, bad = values.parse_bools(text)
        return v, bad, "bad_bool", None
    if name.endswith("_id"):
        text = values.normalise_ids(text)
    limit = ID_LIMIT if name.endswith("_id") else TEXT_LIMITS.get(name, TEXT_LIMIT_DEFAULT)
    too_long = (text.str.len() > limit).fillna(False).astype(bool)
    return text.mask(too_long), too_long, "text_too_long", None


def _row_rules(plan: Plan, typed: pd.DataFrame, raw: dict[str, pd.Series], probs: _Collector,
               placeholders: dict[str, pd.Series]) -> None:
    name = plan.table.name
    if "lat" in typed and "lon" in typed and ("lat" in raw or "lon" in raw):
        _coords(typed, raw, probs)
    _dates_in_window(plan, typed, raw, probs)
    _numbers_in_bounds(typed, raw, probs)
    if name == "cases":
        _timeline(plan, typed, raw, probs, placeholders.get("closed_at"))
        if "reporter_phone" in raw:
            probs.add(values.odd_phones(typed["reporter_phone"]), "reporter_phone", raw["reporter_phone"], "phone_odd")
    elif name == "units":
        probs.add(typed["parent_id"] == typed["unit_id"], "parent_id", raw.get("parent_id"), "own_parent")
        probs.add(typed["parent_id"].isna() & typed["level"].notna() & (typed["level"] != "county"),
                  "parent_id", raw.get("parent_id", raw.get("unit_id")), "blank_parent")
    elif name == "collective_economy":
        if "year" in raw:
            probs.add((typed["year"] < 1949) | (typed["year"] > 2100), "year", raw["year"], "bad_year")
        if "cooperatives" in raw and "party_led_cooperatives" in raw:
            probs.add(typed["party_led_cooperatives"] > typed["cooperatives"], "party_led_cooperatives",
                      raw["party_led_cooperatives"], "party_led_over_total")


def _timeline(plan: Plan, typed: pd.DataFrame, raw: dict[str, pd.Series], probs: _Collector,
              close_placeholder: pd.Series | None) -> None:
    """reported ≤ dispatched ≤ responded ≤ closed ≤ callback (each pair where both are known),
    due after reported, and a status that agrees with the close time (a placeholder close date,
    already warned about, is not held against a closed status)."""
    rep = typed["reported_at"]
    _date_only_same_day(plan, typed, raw, probs)
    for col, code in (("closed_at", "closed_before_reported"), ("due_at", "due_before_reported"),
                      ("dispatched_at", "dispatched_before_reported"),
                      ("responded_at", "responded_before_reported")):
        if col in raw:
            probs.add(typed[col] < rep, col, raw[col], code)
    for earlier, later, code in (("dispatched_at", "responded_at", "responded_before_dispatched"),
                                 ("responded_at", "closed_at", "closed_before_responded"),
                                 ("closed_at", "callback_at", "callback_before_closed")):
        if earlier in raw and later in raw:
            probs.add(typed[later] < typed[earlier], later, raw[later], code)
    if "callback_at" in raw and "closed_at" in raw:
        probs.add(typed["callback_at"].notna() & typed["closed_at"].isna(), "callback_at", raw["callback_at"],
                  "callback_not_closed")
    if "closed_at" in raw and "status" in raw:
        status = typed["status"]
        no_time = typed["closed_at"].isna()
        if close_placeholder is not None:
            no_time &= ~close_placeholder
        probs.add((status == "closed") & no_time, "status", raw["status"], "closed_without_time")
        probs.add(status.isin(["open", "in_progress"]) & typed["closed_at"].notna(), "status", raw["status"],
                  "open_with_close_time")


LATER_EVENTS = ("dispatched_at", "responded_at", "closed_at", "callback_at")


def _date_only_same_day(plan: Plan, typed: pd.DataFrame, raw: dict[str, pd.Series], probs: _Collector) -> None:
    """A later event given as a bare date (midnight, e.g. LA 311's "12/27/2017 12:00:00 AM") on the
    day of the report happened some time that day, not before the report: it is taken as the end of
    that day (23:59:59; at most now), with a warning. Its duration is then an upper bound, never
    negative; DESIGN.md's durations count it like any other close."""
    rep = typed["reported_at"]
    day = rep.dt.normalize()
    now = pd.Timestamp(plan.now)
    for col in LATER_EVENTS:
        if col not in raw:
            continue
        v = typed[col]
        hit = (v.notna() & rep.notna() & (v == v.dt.normalize()) & (v == day) & (v < rep)).fillna(False)
        if not hit.any():
            continue
        end = (day + pd.Timedelta(hours=23, minutes=59, seconds=59)).where(lambda e: e <= now, now)
        typed.loc[hit, col] = end[hit].where(end[hit] >= rep[hit], rep[hit]).astype(v.dtype)
        probs.add(hit, col, raw[col], "date_only_same_day")


def _dates_in_window(plan: Plan, typed: pd.DataFrame, raw: dict[str, pd.Series], probs: _Collector) -> None:
    latest = pd.Timestamp(plan.now) + FUTURE_SLACK
    for col in plan.table.columns:
        if col.sql_type not in ("TIMESTAMP", "DATE") or col.name not in raw:
            continue
        v = typed[col.name]
        probs.add(v < EARLIEST.get(col.name, EARLIEST_DEFAULT), col.name, raw[col.name], "date_too_early")
        if col.name not in NOT_EVENTS:
            probs.add(v > latest, col.name, raw[col.name], "date_in_future")
            probs.add((v > pd.Timestamp(plan.now)) & (v <= latest), col.name, raw[col.name], "date_soon_future")


def _numbers_in_bounds(typed: pd.DataFrame, raw: dict[str, pd.Series], probs: _Collector) -> None:
    for col, upper in BOUNDS.items():
        if col in raw and col in typed:
            probs.add(typed[col] < 0, col, raw[col], "negative")
            probs.add(typed[col] > upper, col, raw[col], "too_large")


def _coords(typed: pd.DataFrame, raw: dict[str, pd.Series], probs: _Collector) -> None:
    lat, lon = typed["lat"], typed["lon"]
    out_of_range = (lat.abs() > 90) | (lon.abs() > 180)
    probs.add(out_of_range, "lat" if "lat" in raw else "lon", raw.get("lat", raw.get("lon")), "bad_coord")
    placeholder = pd.Series(False, index=typed.index)
    for plat, plon in PLACEHOLDER_COORDS:
        placeholder |= (lat == plat) & (lon == plon)
    placeholder |= lat.isna() != lon.isna()
    placeholder = placeholder.fillna(False) & ~out_of_range.fillna(False)
    if placeholder.any():
        text = raw.get("lat", raw.get("lon")).astype("str") + "," + raw.get("lon", raw.get("lat")).astype("str")
        probs.add(placeholder, "lat", text, "placeholder_coords")
        typed.loc[placeholder, ["lat", "lon"]] = np.nan
