"""Formatting numbers and text for the screen: one place decides how a value looks.

Rates show as percent with one decimal ("96.4 %"), missing values as "—", durations with
their unit (分钟/小时 or min/h), money in 万元, phone numbers masked (138****5678), and every
free text escaped before it reaches Markdown or a plotly label. No streamlit here.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from gridboard.core.catalog import METRIC_BY_KEY, METRICS, Metric

DASH = "—"
MINUS = "−"  # typographic minus for negative deltas shown as text

_UNITS = {
    "zh": {"minutes": "分钟", "hours": "小时", "pp": "个百分点", "wan": "万元"},
    "en": {"minutes": "min", "hours": "h", "pp": "pp", "wan": "10k CNY"},
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def count(value: Any) -> str:
    """An integer count with thousands separators (1,234); None → "—"."""
    if _missing(value):
        return DASH
    return f"{int(value):,}"


def rate(value: Any, digits: int = 1) -> str:
    """A share 0..1 as percent with one decimal and a space: 0.9635 → "96.4 %"."""
    if _missing(value):
        return DASH
    return f"{float(value) * 100:.{digits}f} %"


def number(value: Any, digits: int = 1) -> str:
    if _missing(value):
        return DASH
    return f"{float(value):,.{digits}f}"


def duration(value: Any, kind: str, lang: str = "zh") -> str:
    """A duration in the metric's own unit (kind "minutes" or "hours"): 12.5 → "12.5 分钟"."""
    if _missing(value):
        return DASH
    value = float(value)
    digits = 0 if abs(value) >= 100 else 1
    return f"{value:,.{digits}f} {_UNITS[_lang(lang)][kind]}"


def points(lang: str = "zh") -> str:
    """The unit of a change of a rate: 个百分点 (pp in English)."""
    return _UNITS[_lang(lang)]["pp"]


def wan_yuan(yuan: Any, digits: int = 1, lang: str = "zh") -> str:
    """Money stored in yuan: in 万元 in Chinese (1234567 → "123.5 万元"), in English as yuan with
    k / M ("¥1.2M", "¥850.0k"): "123.5 10k CNY" reads badly and does not fit a tile."""
    if _missing(yuan):
        return DASH
    if _lang(lang) == "en":
        value, sign = abs(float(yuan)), "-" if float(yuan) < 0 else ""
        if value >= 1_000_000:
            return f"{sign}¥{value / 1_000_000:,.{max(digits, 1)}f}M"
        return f"{sign}¥{value / 1000:,.{max(digits, 1)}f}k"
    return f"{float(yuan) / 10_000:,.{digits}f} {_UNITS[_lang(lang)]['wan']}"


def mask_phone(phone: Any) -> str:
    """Mask a phone number, keeping the first 3 and last 4 digits: 13812345678 → 138****5678.

    Short or odd values keep at most their last 2 characters; None → "—".
    """
    if _missing(phone) or str(phone).strip() == "":
        return DASH
    text = re.sub(r"[\s-]", "", str(phone))
    if len(text) >= 11:
        return f"{text[:3]}****{text[-4:]}"
    if len(text) > 4:
        return "*" * (len(text) - 2) + text[-2:]
    return "*" * len(text)


# A mobile number (138 1234 5678, 138-1234-5678) or a landline with its area code, not part of a
# longer run of digits (a case id).
_PHONE_IN_TEXT = re.compile(r"(?<![\d])(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?\d{7,8})(?![\d])")


def mask_phones_in(text: Any) -> Any:
    """Free text (a case title) with every phone number inside it masked like mask_phone;
    anything that is not a string is returned unchanged."""
    if not isinstance(text, str):
        return text
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


# --- metrics -----------------------------------------------------------------------------------


def metric(key: str | Metric, value: Any, lang: str = "zh") -> str:
    """A metric value formatted by its kind (count, rate, minutes, hours)."""
    m = key if isinstance(key, Metric) else METRIC_BY_KEY[key]
    if m.kind == "count":
        return count(value)
    if m.kind == "rate":
        return rate(value)
    return duration(value, m.kind, lang)


def metric_label(key: str | Metric, lang: str = "zh", *, with_unit: bool = True) -> str:
    """The metric's label; without its "(分钟)" style unit suffix when with_unit is False."""
    m = key if isinstance(key, Metric) else METRIC_BY_KEY[key]
    text = m.en if _lang(lang) == "en" else m.zh
    if not with_unit:
        text = re.sub(r"\s*[(（][^()（）]*[)）]\s*$", "", text)
    return text


def delta(key: str | Metric, current: Any, previous: Any, lang: str = "zh") -> str | None:
    """The change vs the previous period as text with a leading sign, or None when unknown.

    Counts: "+12 (+3.4 %)"; rates: percentage points "+1.2 个百分点"; durations in their unit.
    The sign is ASCII "+"/"-" so st.metric draws the arrow the right way.
    """
    m = key if isinstance(key, Metric) else METRIC_BY_KEY[key]
    if _missing(current) or _missing(previous):
        return None
    diff = float(current) - float(previous)
    sign = "" if _shown_zero(m, diff) else "+" if diff > 0 else "-"
    units = _UNITS[_lang(lang)]
    if m.kind == "count":
        text = f"{sign}{abs(int(diff)):,}"
        if previous and sign:
            text += f" ({sign}{abs(diff) / float(previous) * 100:.1f} %)"
        return text
    if m.kind == "rate":
        return f"{sign}{abs(diff) * 100:.1f} {units['pp']}"
    digits = 0 if abs(diff) >= 100 else 1
    return f"{sign}{abs(diff):,.{digits}f} {units[m.kind]}"


def _shown_zero(m: Metric, diff: float) -> bool:
    """True when the change rounds to zero as shown (0, 0.0 pp, 0.0 min)."""
    if m.kind == "count":
        return int(diff) == 0
    return round(abs(diff) * (1000 if m.kind == "rate" else 10)) == 0


def delta_style(key: str | Metric, current: Any, previous: Any) -> dict[str, str]:
    """st.metric colour and arrow for a change: green when it is good for this metric (by
    higher_is_better), red when bad, grey and no arrow when there is no change to show."""
    m = key if isinstance(key, Metric) else METRIC_BY_KEY[key]
    if _missing(current) or _missing(previous) or _shown_zero(m, float(current) - float(previous)):
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": "normal" if m.higher_is_better else "inverse", "delta_arrow": "auto"}


# --- text ----------------------------------------------------------------------------------------

# Characters that change how text reads without showing: zero-width spaces and joiners, the
# byte-order mark, soft hyphen, and the bidirectional overrides/isolates (RTL tricks).
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Every ASCII punctuation character: CommonMark lets each be backslash-escaped, and escaping all
# of them turns off links, autolinks (http\:\/\/, www\.), emphasis, headings, lists, code, HTML
# tags and entities, Streamlit's :colour[...] / :material/...: directives and $...$ / $$...$$ LaTeX.
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?:\b(https?|ftp|mailto|xmpp|file)(\\:)|\b(www)(\\\.)|([a-z0-9_+\-])(\\@))")


def plain_text(text: Any) -> str:
    """Free text with invisible and direction-changing characters removed and control
    characters (line breaks included) turned into spaces: one line that reads as it shows."""
    if _missing(text):
        return DASH
    return _CONTROL.sub(" ", _INVISIBLE.sub("", str(text)).replace("\r\n", " ").replace("\n", " "))


def escape_md(text: Any) -> str:
    """Free text (from a URL, a file, a database row, a header) made inert for every Streamlit
    Markdown context: st.markdown, st.caption, st.info/warning/error/success, st.toast, widget
    labels and help texts. It shows exactly as written, as one line, with no link, emphasis,
    colour, icon, LaTeX or HTML. Apply once, to the value, before it goes into a template."""
    if _missing(text):
        return DASH
    escaped = _MD_PUNCTUATION.sub(r"\\\1", plain_text(text))
    # Streamlit's GFM autolinking runs on the parsed text, after backslash escapes: a word joiner
    # (invisible, U+2060) inside "http://", "www." and before "@" keeps them from becoming links.
    return _AUTOLINK.sub(lambda m: "".join(g or "" for g in m.groups()[::2]) + WORD_JOINER
                         + "".join(g or "" for g in m.groups()[1::2]), escaped)


def escape_label(text: Any) -> str:
    """Free text for plotly labels, hover text and st.html (plotly reads a subset of HTML)."""
    if _missing(text):
        return DASH
    return html.escape(_INVISIBLE.sub("", str(text)), quote=True)


# --- tables --------------------------------------------------------------------------------------


def column_label(key: str | Metric, lang: str = "zh") -> str:
    """Table header of a metric: its label, with "(%)" for rates (the column holds percent)."""
    m = key if isinstance(key, Metric) else METRIC_BY_KEY[key]
    text = metric_label(m, lang)
    return f"{text}(%)" if m.kind == "rate" else text


def metrics_frame(rows: Sequence[dict[str, Any]], name_label: str, lang: str = "zh") -> pd.DataFrame:
    """Breakdown rows as a table: the group name, then every metric (rates in percent, 1 decimal).

    Numbers stay numbers (sortable, exportable); headers are the metric labels in `lang`.
    """
    data: dict[str, list[Any]] = {name_label: [r.get("group_name") or DASH for r in rows]}
    for m in METRICS:
        values = [r.get(m.key) for r in rows]
        if m.kind == "rate":
            values = [None if _missing(v) else round(float(v) * 100, 1) for v in values]
        elif m.kind != "count":
            values = [None if _missing(v) else round(float(v), 1) for v in values]
        data[column_label(m, lang)] = values
    frame = pd.DataFrame(data)
    for m in METRICS:
        if m.kind == "count":
            frame[column_label(m, lang)] = frame[column_label(m, lang)].astype("Int64")
    return frame
