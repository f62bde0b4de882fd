"""Turning the text of a cell into a contract value, a column at a time (vectorised).

Owns: the missing-value markers (empty, NA, NULL, N/A, null, 无, —, -, …), the date and time
formats met in real exports (MM/DD/YYYY hh:mm:ss AM/PM, M/D/YY H:MM, YYYY/M/D H:MM:SS, ISO,
date-only, 2024年5月1日, YYYYMMDD, Excel serial numbers), numbers with thousands separators,
yes/no values (是/否, Y/N, 中共党员/群众…) and the synonyms of every enum (status, source,
satisfaction incl. 1–5 scores, levels). Each parser returns the values and a mask of cells it
could not read; deciding what that means for the row is gridboard.checks' job.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from gridboard.core import schema
from gridboard.ingest.messages import Phrase

MISSING_MARKERS = frozenset(
    {"", "na", "n/a", "#n/a", "null", "none", "nan", "nat", "无", "—", "——", "-", "--", "－", "/"}
)
NULL = ""  # a synonym that maps to this means "no value" (e.g. 未回访 → not surveyed)
FALLBACK = "*"  # key of a value map entry used for any value not otherwise mapped

# Cells neutralised on export (gridboard.export) start with an apostrophe: undo that on import.
_NEUTRALISED = re.compile(r"^'(?=[=+\-@])")


def norm_key(text: str) -> str:
    """Lookup key of a value: NFKC (full-width to half-width), lower case, inner spaces squeezed."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def strip_invisible(text: str) -> str:
    """Text without zero-width, byte-order-mark, soft-hyphen and direction characters."""
    return _INVISIBLE.sub("", text)


def normalise_ids(s: pd.Series) -> pd.Series:
    """Ids as one spelling: NFKC (full-width ＡＢ１ → AB1), invisible characters removed, trimmed;
    so "K001", "K\u200b001" and "Ｋ００１" are one id and de-duplicate as one."""
    uniq = s.dropna().unique()
    lookup = {raw: unicodedata.normalize("NFKC", strip_invisible(raw)).strip() for raw in uniq}
    if all(k == v for k, v in lookup.items()):
        return s
    out = s.map(lookup)
    return out.mask(out == "").astype("str")


def _case_variants(words: frozenset[str]) -> frozenset[str]:
    out = set(words)
    for w in words:
        if w.isascii():
            out.update({w.upper(), w.title(), w.capitalize()})
    return frozenset(out)


_MISSING_ANY_CASE = _case_variants(MISSING_MARKERS)


def clean(s: pd.Series, extra_missing: re.Pattern[str] | None = None) -> pd.Series:
    """Stripped text with missing markers (and `extra_missing` matches) as NA."""
    s = s.astype("str").str.strip()
    apos = s.str.startswith("'").fillna(False).astype(bool)
    if apos.any():
        s = s.where(~apos, s[apos].str.replace(_NEUTRALISED, "", regex=True))
    missing = s.isin(_MISSING_ANY_CASE) | s.isna()
    odd = ~missing & (s.str.len() <= 4).fillna(False).astype(bool)
    if odd.any():  # rarer spellings such as "nULL"
        missing |= s.where(odd).str.lower().isin(MISSING_MARKERS).fillna(False).astype(bool) & odd
    if extra_missing is not None:
        missing |= s.str.fullmatch(extra_missing).fillna(False).astype(bool)
    return s.mask(missing)


# --- dates and times -------------------------------------------------------------------------

DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时%M分",
    "%Y年%m月%d日",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "ISO8601",
)
_FORMAT_SHAPE: dict[str, re.Pattern[str]] = {
    # A guard per format: pandas' %Y accepts 2-digit years and %m/%d/%Y would read "10/21/18" as
    # year 18, so slash formats are told apart by the length of the year first.
    "%m/%d/%Y": re.compile(r"^\d{1,2}/\d{1,2}/\d{4}\b"),
    "%m/%d/%y": re.compile(r"^\d{1,2}/\d{1,2}/\d{2}(?!\d)"),
    "%Y": re.compile(r"^\d{4}\D"),
    "%Y%m%d": re.compile(r"^\d{8}(?:\d{6})?$"),
    "ISO8601": re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
}
EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")  # 10000..99999 = 1927..2173
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
PLACEHOLDER_BEFORE = pd.Timestamp("1901-01-01")  # 1900-01-01 and Excel's day 0/1 are "no date"
LATEST = pd.Timestamp("2100-01-01")
_ZERO_DATE = re.compile(r"^0000-00-00")
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(天|日|个自然日|自然日|小时|个小时|h|hours?|d|days?)$", re.IGNORECASE)


def _shape(fmt: str) -> re.Pattern[str] | None:
    if fmt == "ISO8601" or fmt.startswith("%Y%m%d"):
        return _FORMAT_SHAPE["ISO8601" if fmt == "ISO8601" else "%Y%m%d"]
    if fmt.startswith("%m/%d/%Y"):
        return _FORMAT_SHAPE["%m/%d/%Y"]
    if fmt.startswith("%m/%d/%y"):
        return _FORMAT_SHAPE["%m/%d/%y"]
    if fmt.startswith("%Y"):
        return _FORMAT_SHAPE["%Y"]
    return None


def _try_format(s: pd.Series, fmt: str) -> pd.Series:
    shape = _shape(fmt)
    if shape is not None:
        ok = s.str.contains(shape, regex=True).fillna(False).astype(bool)
        s = s.where(ok)
    if fmt == "ISO8601":
        return pd.to_datetime(s, format="ISO8601", errors="coerce")
    return pd.to_datetime(s, format=fmt, errors="coerce")


class DateParser:
    """Parses one column across chunks, trying first the formats that worked on its first values."""

    def __init__(self) -> None:
        self.order: list[str] | None = None

    def _learn(self, s: pd.Series) -> None:
        sample = s.drop_duplicates().head(64)
        if _try_format(sample, DATE_FORMATS[0]).notna().all():
            # the contract's own format reads them all (every feed's, the demo's): the order as it
            # stands. Learning costs a parse per format, ~0.03 s a column even for a file of 5 rows.
            self.order = list(DATE_FORMATS)
            return
        hits = {fmt: int(_try_format(sample, fmt).notna().sum()) for fmt in DATE_FORMATS}
        self.order = sorted(DATE_FORMATS, key=lambda f: -hits[f])

    def parse(self, s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
        """(values as datetime64[us], unreadable mask, placeholder mask) for cleaned text `s`."""
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
        todo = s.notna()
        placeholder = pd.Series(False, index=s.index)
        if not todo.any():
            return out, placeholder.copy(), placeholder
        zero = s.str.contains(_ZERO_DATE, regex=True).fillna(False).astype(bool)
        placeholder |= zero
        todo &= ~zero
        if self.order is None:
            self._learn(s[todo])
        for fmt in self.order or DATE_FORMATS:
            rest = s[todo]
            if rest.empty:
                break
            parsed = _try_format(rest, fmt)
            ok = parsed.notna()
            if ok.any():
                idx = ok.index[ok.to_numpy()]
                out.loc[idx] = parsed[ok].astype("datetime64[us]")
                todo.loc[idx] = False
        if todo.any():  # Excel serial day numbers
            rest = s[todo]
            serial = rest.str.fullmatch(EXCEL_SERIAL).fillna(False).astype(bool)
            if serial.any():
                days = pd.to_numeric(rest[serial])
                idx = days.index
                out.loc[idx] = (EXCEL_EPOCH + pd.to_timedelta((days * 86400).round(), unit="s")).astype(
                    "datetime64[us]"
                )
                todo.loc[idx] = False
        early = out < PLACEHOLDER_BEFORE
        placeholder |= early.fillna(False)
        late = (out >= LATEST).fillna(False)
        out = out.mask(early | late)
        bad = todo | late
        return out, bad, placeholder


def relative_durations(s: pd.Series) -> pd.Series:
    """Time limits written as durations ("3天", "72小时", "48h") as timedeltas (NaT elsewhere)."""
    m = s.str.extract(_RELATIVE)
    num = pd.to_numeric(m[0], errors="coerce")
    unit = m[1].str.lower()
    hours = unit.str.contains("小时|h", regex=True).fillna(False).astype(bool)
    td = pd.to_timedelta(num * np.where(hours, 3600, 86400), unit="s")
    return td


# --- numbers and booleans -------------------------------------------------------------------

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
INT32 = 2**31 - 1


def parse_numbers(s: pd.Series, *, integer: bool = False, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """(float values, unreadable mask). Accepts 1,234.5, full-width digits and a trailing 元."""
    t = s
    non_ascii = t.notna() & ~t.str.isascii().fillna(True).astype(bool)
    if non_ascii.any():
        t = t.where(~non_ascii, t[non_ascii].map(lambda x: unicodedata.normalize("NFKC", x), na_action="ignore"))
        t = t.str.replace(r"\s*元$", "", regex=True)
    thousands = t.str.fullmatch(_THOUSANDS).fillna(False).astype(bool)
    if thousands.any():
        t = t.where(~thousands, t.str.replace(",", "", regex=False))
    t = t.str.replace(r"^\+", "", regex=True)
    v = pd.to_numeric(t, errors="coerce").astype("float64")
    bad = s.notna() & v.isna()
    v = v.where(~np.isinf(v))
    bad |= s.notna() & v.isna()
    if scale != 1.0:
        v = v * scale
    if integer:
        frac = v.notna() & ((v % 1) != 0)
        big = v.abs() > INT32
        bad |= frac | big.fillna(False)
        v = v.mask(frac | big)
    return v, bad


TRUE_WORDS = {"是", "y", "yes", "true", "t", "1", "1.0", "√", "✓", "✔", "有", "已督办", "已返工",
              "党员", "中共党员", "中共预备党员", "预备党员", "共产党员"}
FALSE_WORDS = {"否", "n", "no", "false", "f", "0", "0.0", "×", "✗", "✘", "没有", "未督办", "未返工",
               "群众", "共青团员", "团员", "非党员", "民主党派", "无党派人士"}
_BOOL = {**{k: True for k in TRUE_WORDS}, **{k: False for k in FALSE_WORDS}}


def parse_bools(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(nullable booleans, unreadable mask)."""
    lookup = {raw: _BOOL.get(norm_key(raw)) for raw in s.dropna().unique()}
    v = s.map(lookup)
    bad = s.notna() & v.isna()
    return v.astype("boolean"), bad


# --- enums ------------------------------------------------------------------------------------

ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "status": {
        "待处理": "open", "待受理": "open", "已受理": "open", "待签收": "open", "待派单": "open",
        "待分拨": "open", "未处理": "open", "新建": "open", "未办结": "open", "new": "open",
        "pending": "open", "assigned": "open", "unassigned": "open",
        "办理中": "in_progress", "处理中": "in_progress", "处置中": "in_progress", "已签收": "in_progress",
        "已派单": "in_progress", "在办": "in_progress", "in progress": "in_progress", "started": "in_progress",
        "已办结": "closed", "办结": "closed", "已完成": "closed", "完成": "closed", "已关闭": "closed",
        "关闭": "closed", "结案": "closed", "已结案": "closed", "已处置": "closed", "已答复": "closed",
        "已回复": "closed", "closed": "closed", "resolved": "closed", "completed": "closed",
        "已撤销": "cancelled", "撤销": "cancelled", "作废": "cancelled", "已作废": "cancelled",
        "无效": "cancelled", "重复": "cancelled", "重复件": "cancelled", "退单": "cancelled",
        "cancelled": "cancelled", "canceled": "cancelled", "duplicate": "cancelled", "invalid": "cancelled",
    },
    "source": {
        "12345": "hotline", "12345热线": "hotline", "热线": "hotline", "电话": "hotline", "来电": "hotline",
        "市长热线": "hotline", "便民热线": "hotline", "phone": "hotline", "call": "hotline",
        "网格员": "grid_patrol", "巡查": "grid_patrol", "网格员上报": "grid_patrol", "巡查上报": "grid_patrol",
        "网格巡查": "grid_patrol", "主动发现": "grid_patrol", "自行发现": "grid_patrol",
        "随手拍": "app", "小程序": "app", "微信": "app", "微信小程序": "app", "app": "app", "网站": "app",
        "网络": "app", "互联网": "app", "网上留言": "app", "问政平台": "app", "mobile": "app",
        "mobile app": "app", "online": "app", "web": "app",
        "物联感知": "sensor", "物联网": "sensor", "传感器": "sensor", "智能感知": "sensor", "视频监控": "sensor",
        "其他": "other", "其它": "other", "unknown": "other",
    },
    "satisfaction": {
        "非常满意": "satisfied", "很满意": "satisfied", "满意": "satisfied",
        "基本满意": "basic", "比较满意": "basic", "一般": "basic",
        "不满意": "dissatisfied", "非常不满意": "dissatisfied", "很不满意": "dissatisfied",
        "未评价": NULL, "未回访": NULL, "未接通": NULL, "拒绝回访": NULL, "无法联系": NULL,
        **{f"{n}{suffix}": code for n, code in ((5, "satisfied"), (4, "satisfied"), (3, "basic"),
                                               (2, "dissatisfied"), (1, "dissatisfied"))
           for suffix in ("", ".0", "分", "星")},
    },
    "handled_level": {
        "网格": "grid", "微网格": "grid", "社区": "community", "村": "community", "社区/村": "community",
        "村居": "community", "镇街": "town", "镇": "town", "街道": "town", "乡镇": "town", "乡": "town",
        "县": "county", "县级": "county", "区": "county", "区级": "county", "县直部门": "county",
    },
    "level": {
        "县": "county", "区": "county", "县区": "county", "县级市": "county", "县级": "county",
        "镇": "town", "乡": "town", "街道": "town", "乡镇": "town", "镇街": "town", "镇/街道": "town",
        "社区": "community", "居委会": "community", "村": "village", "行政村": "village",
        "网格": "grid", "微网格": "micro_grid",
    },
    "grid_type": {"一般": "general", "一般网格": "general", "专属": "dedicated", "专属网格": "dedicated"},
}
# Status words that always mean "not a real case" wherever they appear ("Closed (Duplicate)").
_CANCELLED_WORDS = re.compile(r"duplicate|重复|作废|撤销|cancel", re.IGNORECASE)


def enum_lookup(column: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Key (norm_key) → code for one enum column: codes, labels, synonyms, then overrides."""
    col = next(c for t in schema.DATA_TABLES.values() for c in t.columns if c.name == column and c.enum)
    table: dict[str, str] = {}
    for code in col.enum or ():
        table[norm_key(code)] = code
        table[norm_key(code.replace("_", " "))] = code
    for labels in (schema.LABELS_ZH, schema.LABELS_EN):
        for code, text in labels.get(column, {}).items():
            table[norm_key(text)] = code
    table.update({norm_key(k): v for k, v in ENUM_SYNONYMS.get(column, {}).items()})
    table.update({norm_key(k): v for k, v in (overrides or {}).items() if k != FALLBACK})
    return table


def map_enum(
    s: pd.Series, column: str, overrides: dict[str, str] | None = None
) -> tuple[pd.Series, pd.Series]:
    """(codes with NA for no value, unreadable mask) for cleaned text of an enum column."""
    lookup = enum_lookup(column, overrides)
    fallback = (overrides or {}).get(FALLBACK)
    uniq = pd.Series(s.dropna().unique())
    mapped: dict[str, str | None] = {}
    for raw in uniq:
        key = norm_key(raw)
        code = lookup.get(key)
        if code is None and column == "status" and _CANCELLED_WORDS.search(raw):
            code = "cancelled"
        if code is None and fallback is not None:
            code = fallback
        mapped[raw] = code
    codes = s.map(mapped)
    bad = s.notna() & codes.isna()
    codes = codes.mask(codes == NULL)
    return codes.astype("str"), bad


def allowed_values(column: str) -> Phrase:
    """The values an enum column takes, code and label: "允许：open 待处理、in_progress 办理中、…"
    ("allowed: open (Open), in_progress (In progress), …" in English)."""
    col = next(c for t in schema.DATA_TABLES.values() for c in t.columns if c.name == column and c.enum)
    items = [Phrase("det_allowed_item", code=code, label=(schema.label(column, code), schema.label(column, code, "en")))
             for code in col.enum or ()]
    return Phrase("prob_allowed", values=items)


# Phone numbers that can be real: mainland mobile, landline with area code, local landline,
# 400/800 service numbers; "*" stands for a digit already masked by the exporting system.
_PHONE_OK = re.compile(r"^(?:1[3-9][\d*]{9}|0[\d*]{9,11}|[2-9][\d*]{6,7}|[48]00[\d*]{7})$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]|^(?:\+86|0086)")


def odd_phones(text: pd.Series) -> pd.Series:
    """Mask of phone texts that cannot be a reporter's number ("12345", "110", "abc")."""
    t = text.str.replace(_PHONE_NOISE, "", regex=True)
    return text.notna() & ~t.str.fullmatch(_PHONE_OK).fillna(False).astype(bool)
