"""Tables of the ranking page (网格排名): league table, honour/red lists, one unit's components,
a comparison in points and a drill-down page, as pandas frames with headers in the chosen
language. Numbers stay numbers (sortable, exportable): rates and component scores in percent
with one decimal, points with two. No streamlit here; the page renders and downloads them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from gridboard.core import catalog, fmt, i18n, schema
from gridboard.ranking import gridindex
from gridboard.ranking.gridindex import COMPONENTS, IndexSettings, UnitScore
from gridboard.ranking.league import Comparison, LeagueRow, change_text, lost_points, main_loss, points


def component_label(component: str, lang: str = "zh") -> str:
    return i18n.text(f"comp_{component}", lang)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 1)


def _stars(u: UnitScore, lang: str) -> str:
    return gridindex.star_text(u.stars) if u.rank is not None else i18n.text("rk_no_rank", lang)


_N_KEY = {"on_time_rate": "due_passed", "closure_rate": "received", "satisfaction_rate": "surveyed",
          "response": "responded", "grid_resolved_rate": "closed"}
_MET_KEY = {"on_time_rate": "closed_on_time", "closure_rate": "closed", "satisfaction_rate": "satisfied",
            "grid_resolved_rate": "closed_in_grid"}


def raw_text(u: UnitScore, component: str) -> str:
    """The unit's own (unshrunk) figure with its n: "100.0% (12/12)", or for the response
    component the response score "85.7% (n=12)"; "— (0)" without cases to count."""
    n = u.counts.get(_N_KEY[component], 0)
    value = u.raw.get(component)
    if value is None or n == 0:
        return f"— ({n})"
    if component in _MET_KEY:
        return f"{100 * value:.1f}% ({u.counts.get(_MET_KEY[component], 0)}/{n})"
    return f"{100 * value:.1f}% (n={n})"


def band_text(u: UnitScore) -> str:
    """"88.1–94.0" (the score's 90 % band), "—" without one."""
    if u.band_low is None or u.band_high is None:
        return "—"
    return f"{u.band_low:.1f}–{u.band_high:.1f}"


def league_frame(
    rows: list[LeagueRow], *, lang: str = "zh", parent_names: dict[str, str] | None = None, grid_types: bool = False
) -> pd.DataFrame:
    """The league table, what a leader reads first on the left (fits 1366 wide without scrolling):
    rank, change, name, index, its 90 % band, 样本少, stars, cases, each component's shrunk score
    (%, labelled) beside its raw rate with n; then cases per 1,000 households, parent, rank in
    parent, [grid type], unit code."""
    t = lambda key: i18n.text(key, lang)  # noqa: E731
    names = parent_names or {}
    data: dict[str, list[Any]] = {
        t("rk_col_rank"): [r.unit.rank for r in rows],
        t("rk_col_change"): [change_text(r, t("rk_new")) for r in rows],
        t("rk_col_name"): [r.unit.name for r in rows],
        t("rk_col_score"): [None if r.unit.score is None else round(r.unit.score, 1) for r in rows],
        t("rk_col_band"): [band_text(r.unit) for r in rows],
        t("rk_col_provisional"): [t("rk_too_few") if r.unit.provisional else "" for r in rows],
        t("rk_col_stars"): [_stars(r.unit, lang) for r in rows],
        t("rk_col_cases"): [r.unit.cases for r in rows],
    }
    for c in COMPONENTS:
        name = component_label(c, lang)
        data[i18n.text("rk_shrunk", lang, name=name)] = [_pct(r.unit.components.get(c)) for r in rows]
        data[i18n.text("rk_raw", lang, name=name)] = [raw_text(r.unit, c) for r in rows]
    per_1000 = [r.unit.cases_per_1000_households for r in rows]
    data[t("rk_col_per_1000")] = [None if v is None else round(v, 1) for v in per_1000]
    data[t("rk_col_parent")] = [names.get(r.unit.parent_id or "", r.unit.parent_id) for r in rows]
    data[t("rk_col_rank_in_parent")] = [r.unit.rank_in_parent for r in rows]
    if grid_types:
        data[t("rk_col_grid_type")] = [schema.label("grid_type", r.unit.grid_type, lang) for r in rows]
    data[t("rk_col_unit_id")] = [r.unit.unit_id for r in rows]
    frame = pd.DataFrame(data)
    for key in ("rk_col_rank", "rk_col_rank_in_parent", "rk_col_cases"):
        frame[t(key)] = frame[t(key)].astype("Int64")
    shrunk = [i18n.text("rk_shrunk", lang, name=component_label(c, lang)) for c in COMPONENTS]
    for col in [t("rk_col_score"), t("rk_col_per_1000"), *shrunk]:
        frame[col] = frame[col].astype("Float64")
    return frame


def list_frame(
    units: list[UnitScore], rows: list[LeagueRow], weights: dict[str, float], *, lang: str = "zh",
    parent_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """An honour or red list, the essentials first (two lists side by side at 1366 wide): rank,
    name, index, main loss relative to the parent (league.main_loss), stars, change, cases, 样本少, parent."""
    t = lambda key: i18n.text(key, lang)  # noqa: E731
    by_id = {r.unit.unit_id: r for r in rows}
    names = parent_names or {}
    weak = [main_loss(u, weights) for u in units]
    return pd.DataFrame({
        t("rk_col_rank"): pd.array([u.rank for u in units], dtype="Int64"),
        t("rk_col_name"): [u.name for u in units],
        t("rk_col_score"): pd.array([None if u.score is None else round(u.score, 1) for u in units], dtype="Float64"),
        t("rk_col_weakest"): [component_label(w, lang) if w else "—" for w in weak],
        t("rk_col_stars"): [_stars(u, lang) for u in units],
        t("rk_col_change"): [change_text(by_id[u.unit_id], t("rk_new")) if u.unit_id in by_id else "—" for u in units],
        t("rk_col_cases"): pd.array([u.cases for u in units], dtype="Int64"),
        t("rk_col_provisional"): [t("rk_too_few") if u.provisional else "" for u in units],
        t("rk_col_parent"): [names.get(u.parent_id or "", u.parent_id) for u in units],
    })


def components_frame(u: UnitScore, settings: IndexSettings, *, lang: str = "zh") -> pd.DataFrame:
    """One unit's components: weight, own rate, parent's rate, cases counted and met, shrunk
    score, points earned and lost (the points add up to the index)."""
    t = lambda key: i18n.text(key, lang)  # noqa: E731
    weights = settings.normalised_weights()
    earned, lost = points(u, weights), lost_points(u, weights)
    parts = {c: catalog.RATE_PARTS.get(c) for c in COMPONENTS}
    n_key = {"response": "responded", **{c: p[1] for c, p in parts.items() if p}}
    met_key = {c: p[0] for c, p in parts.items() if p}
    return pd.DataFrame({
        t("rk_explain_component"): [component_label(c, lang) for c in COMPONENTS],
        t("rk_comp_weight"): [round(100 * weights[c], 1) for c in COMPONENTS],
        t("rk_comp_raw"): pd.array([_pct(u.raw.get(c)) for c in COMPONENTS], dtype="Float64"),
        t("rk_comp_parent"): pd.array([_pct(u.parent_raw.get(c)) for c in COMPONENTS], dtype="Float64"),
        t("rk_comp_n"): pd.array([u.counts.get(n_key[c]) for c in COMPONENTS], dtype="Int64"),
        t("rk_comp_met"): pd.array([u.counts.get(met_key[c]) if c in met_key else None for c in COMPONENTS],
                                   dtype="Int64"),
        t("rk_comp_score"): pd.array([_pct(u.components.get(c)) for c in COMPONENTS], dtype="Float64"),
        t("rk_comp_points"): [round(earned[c], 2) for c in COMPONENTS],
        t("rk_comp_lost"): [round(lost[c], 2) for c in COMPONENTS],
    })


def comparison_frame(cmp: Comparison, a_label: str, b_label: str, *, lang: str = "zh") -> pd.DataFrame:
    """Component, difference, points of a, points of b (the difference first: unit names make
    wide headers); a last row with the totals."""
    t = lambda key: i18n.text(key, lang)  # noqa: E731
    if b_label == a_label:  # one unit in two periods without period names: keep the columns apart
        b_label = f"{b_label} (2)"
    rows = [(component_label(p.component, lang), p.difference, p.a_points, p.b_points) for p in cmp.parts]
    rows.append((t("rk_explain_total"), cmp.difference, cmp.a.score, cmp.b.score))
    frame = pd.DataFrame(rows, columns=[t("rk_explain_component"), t("rk_explain_diff"), a_label, b_label])
    for col in frame.columns[1:]:
        frame[col] = pd.array([None if v is None else round(float(v), 2) for v in frame[col]], dtype="Float64")
    return frame


_CASE_COLUMNS = ("case_id", "unit_name", "category", "title", "status", "reported_at", "responded_at", "due_at",
                 "closed_at", "handled_level", "satisfaction", "reporter_phone")
_CASE_ENUMS = {"status": "status", "handled_level": "handled_level", "satisfaction": "satisfaction"}


def cases_frame(df: pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """A drill-down page for the screen: enum codes as labels, phone numbers masked, headers in `lang`."""
    out = df.loc[:, [c for c in _CASE_COLUMNS if c in df.columns]].copy()
    for col, kind in _CASE_ENUMS.items():
        if col in out:
            out[col] = [schema.label(kind, None if pd.isna(v) else v, lang) for v in out[col]]
    if "category" in out:
        out["category"] = [fmt.DASH if pd.isna(v) else i18n.term(v, lang) for v in out["category"]]
    if "reporter_phone" in out:
        out["reporter_phone"] = [fmt.mask_phone(v) for v in out["reporter_phone"]]
    if "title" in out:
        out["title"] = [fmt.mask_phones_in(v) for v in out["title"]]

    def header(col: str) -> str:
        if col == "unit_name":
            return i18n.pick("所属单位", "Unit", lang)
        if lang == "en":
            return col.replace("_", " ").capitalize()
        return schema.CASES.column(col).zh or col

    return out.rename(columns={c: header(c) for c in out.columns})


# --- small texts and display helpers -----------------------------------------------------------

UP, DOWN = "#36d399", "#ff6b6b"


def stars_text(u: UnitScore, lang: str = "zh") -> str:
    return _stars(u, lang)


def rank_text(u: UnitScore, of: int, lang: str = "zh") -> str:
    """"3 / 120" for a ranked unit ("3 / 120 · 样本少" when provisional), 未排名 otherwise."""
    if u.rank is None:
        return i18n.text("rk_no_rank", lang)
    return f"{u.rank} / {of}" + (f" · {i18n.text('rk_too_few', lang)}" if u.provisional else "")


def unit_option(u: UnitScore, lang: str = "zh") -> str:
    """A unit in a picker: "3. 幸福社区第一网格 · 92.4" (or 未排名 instead of the rank)."""
    head = f"{u.rank}." if u.rank is not None else f"[{i18n.text('rk_no_rank', lang)}]"
    score = "—" if u.score is None else f"{u.score:.1f}"
    return f"{head} {u.name} · {score}"


def number_formats(frame: pd.DataFrame, *, points: bool = False) -> dict[str, str]:
    """printf formats of the numeric columns: integers plain, points two decimals (every float
    column when `points`), the rest one (st.column_config.NumberColumn and styled() use them)."""
    point_cols = {i18n.text(k, lang) for k in ("rk_comp_points", "rk_comp_lost", "rk_explain_diff") for lang in ("zh", "en")}
    out = {}
    for col in frame.columns:
        kind = str(frame[col].dtype)
        if kind in ("Int64", "int64"):
            out[col] = "%d"
        elif kind in ("Float64", "float64"):
            out[col] = "%.2f" if points or col in point_cols else "%.1f"
    return out


def styled(frame: pd.DataFrame, *, lang: str = "zh", points: bool = False) -> Any:
    """A small table for the screen: numbers formatted, "—" where there is none, the rank-change
    column coloured (▲ green, ▼ red); the numbers underneath stay numbers. pandas' Styler costs
    per cell: the league table (up to 9,221 micro-grids) uses column formats instead."""
    style = frame.style
    for col, pattern in number_formats(frame, points=points).items():
        style = style.format(lambda v, pattern=pattern: pattern % v, subset=[col], na_rep="—")
    change = i18n.text("rk_col_change", lang)
    if change in frame.columns:
        def colour(value: Any) -> str:
            text = str(value)
            return f"color: {UP}" if text.startswith("▲") else f"color: {DOWN}" if text.startswith("▼") else ""

        style = style.map(colour, subset=[change])
    return style


def explain_sentence(cmp: Comparison, a_label: str, b_label: str, *, lang: str = "zh", top: int = 3) -> str:
    """"A 比 B 高 3.20 分，主要来自：按时办结 +2.10 分、满意率 +0.95 分"."""
    diff = cmp.difference or 0.0
    if abs(diff) < 0.005:
        return i18n.text("rk_equal", lang, a=a_label, b=b_label)
    same_sign = [p for p in cmp.parts if p.difference * diff > 0][:top]
    unit = " 分" if lang == "zh" else ""
    sep = "、" if lang == "zh" else ", "
    parts = sep.join(f"{component_label(p.component, lang)} {p.difference:+.2f}{unit}" for p in same_sign)
    direction = i18n.text("rk_higher" if diff > 0 else "rk_lower", lang)
    return i18n.text("rk_explain_summary", lang, a=a_label, b=b_label, direction=direction, diff=f"{abs(diff):.2f}",
                     parts=parts)


def log_frame(entries: list[dict[str, Any]], *, lang: str = "zh") -> pd.DataFrame:
    """The recorded weight changes (newest first): when, who, weights before and after."""
    t = lambda key: i18n.text(key, lang)  # noqa: E731
    sep = "、" if lang == "zh" else ", "

    def weights_text(w: dict[str, Any] | None) -> str:
        w = w or {}
        return sep.join(f"{component_label(c, lang)} {100 * float(w[c]):.0f}%" for c in COMPONENTS if c in w)

    return pd.DataFrame({
        t("rk_log_at"): [str(e.get("at", "")).replace("T", " ") for e in entries],
        t("rk_log_user"): [str(e.get("user", "")) for e in entries],
        t("rk_log_old"): [weights_text(e.get("old")) for e in entries],
        t("rk_log_new"): [weights_text(e.get("new")) for e in entries],
    })


def stars_note(units: list[UnitScore], mode: str, lang: str = "zh") -> str:
    """What the stars on the page mean: absolute bands, or relative shares and why."""
    basis = units[0].star_basis if units else "absolute"
    if basis == "absolute":
        return i18n.text("rk_stars_absolute", lang)
    why = i18n.text("rk_stars_why_auto" if mode == "auto" else "rk_stars_why_set", lang)
    return i18n.text("rk_stars_relative", lang, why=why)
