"""Tables of the KPI pages as pandas frames: one frame to download (numbers stay numbers) and,
where colour helps, a Styler to show (red/amber/green cells). Headers are in the page language;
a table's clickable columns come back with the key of what they count. No streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from gridboard.core import catalog, fmt, i18n
from gridboard.metrics import explain, kpi_views, scorecard

RAG_BACKGROUND = {
    "green": "background-color: rgba(54, 211, 153, 0.28)",
    "amber": "background-color: rgba(255, 197, 61, 0.32)",
    "red": "background-color: rgba(255, 107, 107, 0.32)",
}
_UNIT = {"rate": ("%", "%"), "minutes": ("分钟", "min"), "hours": ("小时", "h"), "count": ("件", "cases")}


def _t(key: str, lang: str, **values: object) -> str:
    return i18n.text(key, lang, **values)


def _shown(m: catalog.Metric, value: Any) -> float | None:
    """A metric value in the unit shown in tables (rates in percent), rounded."""
    if value is None:
        return None
    return round(float(value) * 100, 2) if m.kind == "rate" else round(float(value), 2)


def _rag_text(rag: str | None, lang: str) -> str:
    return _t(f"kpi_rag_{rag or 'none'}", lang)


def _colour(rag_of: Mapping[Any, str | None]) -> Any:
    return lambda value: RAG_BACKGROUND.get(rag_of.get(value) or "", "")


def _as_text(frame: pd.DataFrame, columns: Sequence[str], digits: int = 2) -> pd.DataFrame:
    """A copy with `columns` as text ("—" for missing): tables would show a missing number as None."""
    out = frame.copy()
    for c in columns:
        out[c] = [fmt.number(v, digits) for v in frame[c]]
    return out


def score_label(ln: scorecard.Line, lang: str = "zh") -> str:
    """A judged metric's name; a within-limit share with its limit: "限时内响应占比（≤ 30 分钟）"."""
    name = fmt.metric_label(ln.metric, lang, with_unit=False)
    if ln.limit is None:
        return name
    unit = _UNIT["minutes" if ln.key == "response_within_share" else "hours"][lang == "en"]
    return f"{name}（≤ {ln.limit:g} {unit}）" if lang != "en" else f"{name} (≤ {ln.limit:g} {unit})"


def score_frame(card: scorecard.Scorecard, lang: str = "zh") -> tuple[pd.DataFrame, Styler, list[str]]:
    """The scorecard lines: metric, unit, actual, target, ratio, status, previous (环比) and last
    year (同比) with their changes (one pair only when the two are the same window, 本年). Returns
    (download frame with numbers, styled text frame for the screen, its number columns to right-align)."""
    rows = []
    for ln in card.lines:
        m = ln.metric
        actual, prev, last = _shown(m, ln.actual), _shown(m, ln.previous), _shown(m, ln.last_year)
        row = {
            _t("kpi_col_metric", lang): score_label(ln, lang),
            _t("kpi_col_unit", lang): _UNIT[m.kind][lang == "en"],
            _t("kpi_col_actual", lang): actual,
            _t("kpi_col_target", lang): _shown(m, ln.target),
            _t("kpi_col_ratio", lang): None if ln.ratio is None else round(ln.ratio, 3),
            _t("kpi_col_status", lang): _rag_text(ln.rag, lang),
            _t("kpi_col_previous_ytd" if card.same_comparison else "kpi_col_previous", lang): prev,
            _t("kpi_col_prev_change", lang): None if actual is None or prev is None else round(actual - prev, 2),
        }
        if not card.same_comparison:
            row[_t("kpi_col_last_year", lang)] = last
            row[_t("kpi_col_year_change", lang)] = None if actual is None or last is None else round(actual - last, 2)
        rows.append(row)
    frame = pd.DataFrame(rows)
    status = _t("kpi_col_status", lang)
    rag_of = {_rag_text(r, lang): r for r in ("green", "amber", "red")}
    numbers = [c for c in frame.columns if c not in (status, _t("kpi_col_metric", lang), _t("kpi_col_unit", lang))]
    ratio = _t("kpi_col_ratio", lang)
    ratio_rag = {fmt.number(v, 2): scorecard.rag(v) for v in frame[ratio].dropna()}
    styled = (_as_text(frame, numbers).style.map(_colour(rag_of), subset=[status])
              .map(_colour(ratio_rag), subset=[ratio]))
    return frame, styled, numbers


def child_score_frame(rows: Sequence[dict[str, Any]], targets: Mapping[str, float], lang: str = "zh",
                      ) -> tuple[pd.DataFrame, Styler, dict[str, str], list[str]]:
    """scorecard.children rows: name, received, overall score and each judged metric's ratio, worst
    first. Returns (download frame, styled text frame, column label → metric key, the number
    columns to right-align)."""
    keys = {fmt.metric_label(scorecard.within.metric_of(k), lang, with_unit=False): k for k in scorecard.judged(targets)}
    data: dict[str, list[Any]] = {
        _t("group_name", lang): [r["group_name"] or fmt.DASH for r in rows],
        fmt.metric_label("received", lang): [r["received"] for r in rows],
        _t("kpi_col_overall", lang): [None if r["overall"] is None else round(r["overall"], 3) for r in rows],
    }
    for label, key in keys.items():
        data[label] = [None if r["ratios"].get(key) is None else round(r["ratios"][key], 3) for r in rows]
    frame = pd.DataFrame(data)
    ratio_cols = [_t("kpi_col_overall", lang), *keys]
    values = pd.unique(frame[ratio_cols].to_numpy().ravel())
    rag_of = {fmt.number(v, 2): scorecard.rag(float(v)) for v in values if v is not None and not pd.isna(v)}
    received = fmt.metric_label("received", lang)
    shown = _as_text(frame, ratio_cols)
    shown[received] = [fmt.count(v) for v in frame[received]]
    styled = shown.style.map(_colour(rag_of), subset=ratio_cols)
    return frame, styled, keys, [received, *ratio_cols]


def gap_frame(rows: Sequence[dict[str, Any]], lang: str = "zh") -> tuple[pd.DataFrame, dict[str, str]]:
    """gaps.flags rows as a table; returns (frame, column label → what a click lists: a metric
    key, or "recurring" for the recurring cases)."""
    keys = ("received", "closure_rate", "satisfaction_rate", "reopen_rate", "reopened")
    frame = kpi_views.metric_frame(rows, keys, _t("group_name", lang), lang)
    frame[_t("kpi_col_recurring", lang)] = pd.array([r["recurring"] for r in rows], dtype="Int64")
    frame[_t("kpi_col_recurrence_rate", lang)] = [
        None if r["recurrence_rate"] is None else round(r["recurrence_rate"] * 100, 1) for r in rows]
    frame[_t("kpi_col_flags", lang)] = ["、".join(_t(f"kpi_flag_{x}", lang) for x in r["flags"]) for r in rows]
    clickable = dict(kpi_views.column_keys(keys, lang))
    clickable[_t("kpi_col_recurring", lang)] = "recurring"
    clickable[_t("kpi_col_recurrence_rate", lang)] = "recurring"
    return frame, clickable


def explain_frame(e: explain.Explanation, names: Sequence[str], lang: str = "zh",
                  before_label: str | None = None) -> pd.DataFrame:
    """The contributions of a why-it-moved split, largest first: group, before (headed
    `before_label`: 上期 / 去年同期), after (the group's rate or count), for rates the two periods'
    shares of the cases, then contribution, within-effect and mix-effect (rates in percentage points)."""
    m = explain.metric_of(e.metric)
    scale = 100 if m.kind == "rate" else 1
    digits = 2 if m.kind == "rate" else 0

    def num(v: float | None, k: int = digits) -> float | None:
        return None if v is None else round(v * scale, k)

    data = {
        _t("kpi_col_group", lang): list(names),
        before_label or _t("kpi_col_before", lang): [num(c.before, 1) for c in e.contributions],
        _t("kpi_col_after", lang): [num(c.after, 1) for c in e.contributions],
    }
    if m.kind == "rate":
        data[_t("kpi_col_weight_before", lang)] = [None if c.weight_before is None else round(100 * c.weight_before, 1)
                                                  for c in e.contributions]
        data[_t("kpi_col_weight_after", lang)] = [None if c.weight_after is None else round(100 * c.weight_after, 1)
                                                 for c in e.contributions]
    data[_t("kpi_col_contribution", lang)] = [num(c.contribution, 3 if scale != 1 else 0) for c in e.contributions]
    if m.kind == "rate":
        data[_t("kpi_col_rate_effect", lang)] = [num(c.rate_effect, 3) for c in e.contributions]
        data[_t("kpi_col_mix_effect", lang)] = [num(c.mix_effect, 3) for c in e.contributions]
    return pd.DataFrame(data)
