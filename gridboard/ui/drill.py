"""Streamlit glue of the KPI pages: the drill path with its breadcrumb, tables and charts a person
can click, and the case-list panel that opens the cases behind any number.

The second glue module of gridboard/ allowed to import streamlit (tests/test_import_hygiene.py),
kept apart so gridboard/ui.py stays small. It decides nothing about numbers: every count comes
from the plain modules (metrics, drill, kpi_views, kpi_cases, gaps) through ui.cached.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from gridboard import ui
from gridboard.core import catalog, config, fmt
from gridboard.metrics import engine, gaps, kpi_cases, kpi_views
from gridboard.render import charts, charts_kpi, kpi_tables
from gridboard.ui import printing, widgets
from gridboard.ui.metric_tables import case_links, column_config, no_none, table_height

Step = tuple[str, str]  # (unit_id, short name)
Fetch = Callable[[str, int, int], tuple[int, pd.DataFrame]]  # (text filter, limit, offset) -> (total, shown rows)


# --- drill path and breadcrumb -------------------------------------------------------------------


def drill_path(page: str, f: ui.Filters) -> list[Step]:
    """The page's own drill path, starting at the shared filter's unit (reset when it changes)."""
    key = f"_drill_{page}"
    root = (f.unit_id, f.unit_name.split(" / ")[-1])
    path = st.session_state.get(key)
    if not path or path[0] != root:
        path = [root]
        st.session_state[key] = path
    return list(path)


def go_down(page: str, unit_id: str, name: str) -> None:
    """Append a child to the drill path (callers rerun or are inside a callback)."""
    key = f"_drill_{page}"
    st.session_state[key] = [*st.session_state.get(key, []), (unit_id, name)]


def _go_up(page: str, depth: int) -> None:
    key = f"_drill_{page}"
    st.session_state[key] = st.session_state.get(key, [])[: depth + 1]


def breadcrumb(page: str, path: Sequence[Step]) -> None:
    """县 › 镇 › 社区 … : a button for each unit above (back up to it), then where we are."""
    row = st.container(horizontal=True, gap="small", vertical_alignment="center", key=f"crumbs_{page}")
    with row:
        st.markdown(f"**{fmt.escape_md(ui.t('kpi_drill_here'))}**")
        for depth, (unit_id, name) in enumerate(path[:-1]):
            st.button(fmt.escape_md(name), key=f"crumb_{page}_{depth}_{unit_id}", on_click=_go_up, args=(page, depth))
            st.markdown("›")
        with st.container(key=f"crumb_here_{page}", width="content"):
            st.markdown(f":material/location_on: **{fmt.escape_md(path[-1][1])}**")


# --- clickable tables and charts -----------------------------------------------------------------


def cell_table(df: Any, key: str, *, column_config: dict[str, Any] | None = None,
               height: int | str = "auto") -> tuple[int, str] | None:
    """A table (a DataFrame or its Styler) whose cells can be clicked: returns (row position,
    column label) of the selected cell, or None."""
    event = st.dataframe(df, key=key, on_select="rerun", selection_mode="single-cell", hide_index=True,
                         width="stretch", column_config=column_config, height=height, placeholder=fmt.DASH)
    cells = list(event.selection.cells) if event is not None else []
    if not cells:
        return None
    row, column = cells[0]
    rows = len(df.data) if hasattr(df, "data") else len(df)
    return (int(row), str(column)) if 0 <= int(row) < rows else None


def clear_selection(key: str, kind: str = "cells") -> None:
    """Callback: forget a table's selected cell (or a pills/segmented choice when kind="value")."""
    if kind == "value":
        st.session_state[key] = None
    else:
        st.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": []}}


def drilled_unit(page: str) -> str:  # "县 / 镇 / 社区": the unit the page has drilled to
    return " / ".join(name for _, name in drill_path(page, ui.filters()))


def chart_pick(fig: Any, key: str, title: str | None = None, page: str | None = None) -> Any:
    """Render a plotly figure whose bars can be clicked, with its PNG download (`title`, the unit
    `page` drilled to); the clicked point's customdata (its first item when a list), or None."""
    event = st.plotly_chart(fig, theme=None, config=charts.PLOTLY_CONFIG, key=key, width="stretch",
                            on_select="rerun", selection_mode="points")
    widgets.chart_download(fig, key, cap=widgets.download_caption(title, unit=drilled_unit(page) if page else None))
    points = event.selection.points if event is not None else []
    if not points:
        return None
    data = points[0].get("customdata")
    return data[0] if isinstance(data, list | tuple) and data else data


# --- the case list panel -------------------------------------------------------------------------


def case_fetch(query: kpi_cases.Query, window: dict[str, Any]) -> Fetch:
    """A Fetch over kpi_cases for one query and window: the count and each page cached apart (by
    data version), so paging does not count again."""
    def fetch(text: str, limit: int, offset: int) -> tuple[int, pd.DataFrame]:
        total = ui.cached(kpi_cases.count, query, text=text, **window)
        return total, ui.cached(kpi_cases.page, query, text=text, limit=limit, offset=offset, **window)

    return fetch


_SCROLLED_KEY = "_drill_panel_scrolled"  # the panel last brought into view (once per opening)


def _bring_into_view(key: str) -> None:
    """Scroll a newly opened case panel into view (it may open below the fold: under a long table
    or at the bottom of a chart section). Once per opening, so paging or filtering inside the panel
    does not jump the page."""
    if st.session_state.get(_SCROLLED_KEY) == key:
        return
    st.session_state[_SCROLLED_KEY] = key
    selector = json.dumps(f'[class*="st-key-cases_{key}"]')
    st.html(f"""<script>(() => {{
        let tries = 0;
        const go = () => {{
            const doc = window.parent && window.parent.document ? window.parent.document : document;
            const el = doc.querySelector({selector}) || document.querySelector({selector});
            if (el) el.scrollIntoView({{block: "start", behavior: "instant"}});
            else if (tries++ < 50) setTimeout(go, 100);
        }};
        requestAnimationFrame(go);
    }})();</script>""", unsafe_allow_javascript=True)


def _closing(key: str, on_close: Callable[[], None]) -> Callable[[], None]:
    def close() -> None:
        st.session_state.pop(_SCROLLED_KEY, None)
        on_close()

    return close


def case_panel(key: str, title: str, options: Sequence[tuple[str, Fetch]], *,
               name: str, on_close: Callable[[], None] | None = None, filterable: bool = True,
               columns: tuple[tuple[str, str, str], ...] = kpi_cases.COLUMNS) -> int:
    """The cases behind a number: a choice between `options` (e.g. numerator / denominator of a
    rate), a text filter, pages of PAGE_SIZE, and CSV/xlsx of the whole (filtered) list up to
    EXPORT_MAX rows. Returns the unfiltered total of the chosen option (the number clicked)."""
    lang = ui.lang()
    with st.container(border=True, key=f"cases_{key}"):
        head = st.container(horizontal=True, vertical_alignment="center")
        with head:
            st.markdown(f"**{fmt.escape_md(ui.t('kpi_cases_of', what=title))}**")
            if on_close is not None:
                st.button(ui.t("kpi_close"), key=f"{key}_close", icon=":material/close:", type="tertiary",
                          on_click=_closing(key, on_close))
        labels = [label for label, _ in options]
        pick = labels[0]
        if len(options) > 1:
            pick = st.segmented_control(ui.t("kpi_cases_part"), labels, default=labels[0], key=f"{key}_part",
                                        required=True) or labels[0]
        fetch = dict(options)[pick]
        total, _ = fetch("", kpi_cases.PAGE_SIZE, 0)  # also the first page shown without a filter
        text = ""
        if filterable:
            text = st.text_input(ui.t("kpi_cases_filter"), key=f"{key}_q", placeholder=ui.t("kpi_cases_filter_hint"))
        matching = fetch(text, kpi_cases.PAGE_SIZE, 0)[0] if text.strip() else total
        pages = max(1, math.ceil(matching / kpi_cases.PAGE_SIZE))
        line = st.container(horizontal=True, vertical_alignment="bottom")
        with line:
            page = st.number_input(ui.t("kpi_cases_page", pages=pages), min_value=1, max_value=pages, value=1, step=1,
                                   key=f"{key}_page_{pages}", width=180)
            st.caption(ui.t("kpi_cases_count", total=f"{total:,}", matching=f"{matching:,}") if text.strip()
                       else ui.t("kpi_cases_total", total=f"{total:,}"))
        offset = (int(page) - 1) * kpi_cases.PAGE_SIZE
        _, rows = fetch(text, kpi_cases.PAGE_SIZE, offset)
        shown, links = case_links(kpi_cases.display_frame(rows, lang, columns), lang)
        printing.dataframe(shown, hide_index=True, width="stretch", column_config=links, key=f"{key}_rows",
                     placeholder=fmt.DASH)
        if matching > kpi_cases.EXPORT_MAX:
            st.caption(ui.t("kpi_cases_export_cap", n=f"{kpi_cases.EXPORT_MAX:,}"))

        widgets.download_buttons(  # the whole (filtered) list, made when a button is clicked
            lambda: kpi_cases.display_frame(fetch(text, kpi_cases.EXPORT_MAX, 0)[1], lang, columns),
            widgets.download_caption(f"{title} · {pick}" if len(options) > 1 else title), (f"{key}_csv", f"{key}_xlsx"))
        _bring_into_view(key)
    return total


def metric_options(key: str, window: dict[str, Any], *, group_by: str | None = None,
                   group_value: Any = None) -> list[tuple[str, Fetch]]:
    """The case lists behind a metric or count: numerator and denominator for a rate, the
    measured cases for a duration, the counted cases for a count."""
    lang = ui.lang()

    def fetch(what: str, part: str) -> Fetch:
        return case_fetch(kpi_cases.Query(what, part, group_by, group_value), window)

    def label(k: str) -> str:
        return fmt.metric_label(kpi_views.column_metric(k), lang)

    if key in catalog.RATE_PARTS:
        num, den = catalog.RATE_PARTS[key]
        return [(ui.t("kpi_numerator", what=label(num)), fetch(key, "numerator")),
                (ui.t("kpi_denominator", what=label(den)), fetch(key, "denominator"))]
    what, part = kpi_views.cases_of_column(key)
    if kpi_views.column_metric(key).kind in ("minutes", "hours"):
        counted = "responded" if what.endswith("response_min") else "closed"
        return [(ui.t("kpi_measured", what=label(counted)), fetch(what, part))]
    return [(label(key), fetch(what, part))]


def tile_cases(page: str, keys: Sequence[str], window: dict[str, Any], unit_name: str, name: str,
               special: dict[str, list[tuple[str, Fetch]]] | None = None) -> None:
    """Pills under the tiles: choosing one lists the cases behind that tile (metric_options, or
    `special` options for tiles that are not a metric of the engine)."""
    lang = ui.lang()
    pick_key = f"{page}_tile_pick_{window['unit']}"
    pick = st.pills(ui.t("kpi_open_cases"), list(keys), key=pick_key,
                    format_func=lambda k: fmt.metric_label(kpi_views.column_metric(k), lang, with_unit=False))
    if pick:
        title = f"{unit_name} · {fmt.metric_label(kpi_views.column_metric(pick), lang, with_unit=False)}"
        options = (special or {}).get(pick) or metric_options(pick, window)
        case_panel(f"{pick_key}_{pick}", title, options, name=f"{name}_{pick}",
                   on_close=lambda: clear_selection(pick_key, "value"))


def group_table(page: str, rows: Sequence[dict[str, Any]], keys: Sequence[str], table_key: str, by: str,
                window: dict[str, Any], *, names: Sequence[str] | None = None, down: bool = False) -> None:
    """A breakdown as a table with downloads: a clicked number lists the cases it counts in that
    group; a clicked name (when `down`) drills down to that unit."""
    lang = ui.lang()
    name_label = ui.t("group_name")
    if names is None and any(r.get("direct") for r in rows):
        names = [ui.t("kpi_direct_row", name=r["group_name"]) if r.get("direct") else r.get("group_name") or fmt.DASH
                 for r in rows]
    frame = kpi_views.metric_frame(rows, keys, name_label, lang, names=names)
    picked = cell_table(no_none(frame, keys), table_key, column_config=column_config(keys), height=table_height(len(frame)))
    title = ui.t("kpi_by_unit", level=ui.child_level_label(str(window["unit"]))) if by == "child" else ui.t(f"kpi_dim_{by}")
    ui.download_table(frame, table_key, caption=widgets.download_caption(title, unit=drilled_unit(page)))
    if picked is None:
        return
    row, column = rows[picked[0]], picked[1]
    if column == name_label:
        if down and not row.get("direct"):
            go_down(page, str(row["group_id"]), str(row["group_name"]))
            st.rerun()
        return
    key = kpi_views.column_keys(keys, lang)[column]
    title = f"{frame.iloc[picked[0], 0]} · {fmt.metric_label(kpi_views.column_metric(key), lang, with_unit=False)}"
    case_panel(f"{table_key}_{picked[0]}_{key}", title,
               metric_options(key, window, group_by=by, group_value=row["group_id"]),
               name=f"{table_key}_{key}", on_close=lambda: clear_selection(table_key))


# --- page sections shared by the closure and response pages --------------------------------------

DIMENSIONS = ("category", "source", "department")


def _default_grain(f: ui.Filters) -> str:
    days = (min(f.end, f.as_of) - f.start).days
    return "day" if days <= 62 else "week" if days <= 370 else "month"


def trend_section(page: str, f: ui.Filters, window: dict[str, Any], stamp: str, unit_name: str, *,
                  heading: str, figure: Callable[..., Any], cases: Sequence[str], hint: str = "kpi_chart_hint") -> None:
    """Grain switch (day/week/month), a trend figure of engine.breakdown rows; a clicked bar or
    point lists the cases of `cases` (metric keys) in that bucket."""
    grain = st.segmented_control(ui.t("kpi_grain"), ("day", "week", "month"), key=f"{page}_grain", required=True,
                                 default=_default_grain(f), format_func=lambda g: ui.t(f"kpi_grain_{g}")) or "day"
    st.subheader(ui.t(heading))
    st.caption(ui.t(hint))
    series = ui.cached(engine.breakdown, grain, **window)
    chart_key = f"{page}_trend_{stamp}_{grain}"
    bucket = chart_pick(figure(series, lang=ui.lang(), grain=grain), chart_key, ui.t(heading), page)
    if bucket:
        options = [o for key in cases for o in metric_options(key, window, group_by=grain, group_value=bucket)]
        case_panel(f"{chart_key}_{bucket}", f"{unit_name} · {bucket}", options, name=f"{chart_key}_{bucket}")


def dimension_section(page: str, window: dict[str, Any], stamp: str, *, bar_metric: str,
                      columns: Sequence[str]) -> None:
    """Category / source / department switch: `bar_metric` per group as bars (worst on top), then
    the group table; a clicked bar or cell lists its cases."""
    lang = ui.lang()
    dim = st.segmented_control(ui.t("kpi_dimension"), DIMENSIONS, key=f"{page}_dim", required=True,
                               default="category", format_func=lambda d: ui.t(f"kpi_dim_{d}")) or "category"
    rows = ui.cached(engine.breakdown, dim, detail=True, **window)
    names = [charts_kpi.group_label(dim, r["group_id"], lang) for r in rows]
    chart_key = f"{page}_dimbars_{stamp}_{dim}"
    st.caption(ui.t("kpi_chart_hint"))
    fig = charts_kpi.rate_bars(rows, bar_metric, lang=lang, label=lambda r: charts_kpi.group_label(dim, r["group_id"], lang))
    hit = chart_pick(fig, chart_key, f"{ui.t(f'kpi_dim_{dim}')} · {fmt.metric_label(bar_metric, lang)}", page)
    st.caption(ui.t("kpi_cell_hint"))
    group_table(page, rows, columns, f"{page}_{dim}_{stamp}", dim, window, names=names)
    if hit is not None:
        value = None if hit == "" else hit
        case_panel(f"{chart_key}_{hit}", f"{charts_kpi.group_label(dim, value, lang)} · {fmt.metric_label(bar_metric, lang)}",
                   metric_options(bar_metric, window, group_by=dim, group_value=value), name=f"{chart_key}_{hit}")


def gaps_section(page: str, window: dict[str, Any], stamp: str) -> None:
    """Gap flags (gridboard.gaps) by sub-unit, community or grid; a clicked recurring count lists
    the recurring cases with the earlier case each repeats, other numbers list their cases."""
    lang = ui.lang()
    st.subheader(ui.t("kpi_gaps_heading"))
    th, min_cases = gaps.Thresholds(), int(config.load()["min_cases_for_rank"])  # type: ignore[call-overload]
    st.caption(ui.t("kpi_gaps_rules", closure=fmt.rate(th.closure_min, 0), satisfaction=fmt.rate(th.satisfaction_max, 0),
                    reopen=fmt.rate(th.reopen_min, 0), recur=fmt.rate(th.recurrence_min, 0), days=th.days,
                    min_cases=min_cases))
    by = st.segmented_control(ui.t("kpi_dimension"), ("child", "community", "grid"), key=f"{page}_gap_by",
                              required=True, default="child", format_func=lambda d: ui.t(f"kpi_dim_{d}")) or "child"
    only = st.toggle(ui.t("kpi_gaps_only_flagged"), value=True, key=f"{page}_gap_only")
    with st.spinner():
        found = ui.cached(gaps.flags, by, min_cases=min_cases, **window)
    shown = [r for r in found if r["flags"] or not only]
    if not shown:
        st.info(ui.t("kpi_gaps_none"))
        return
    frame, clickable = kpi_tables.gap_frame(shown, lang)
    table_key = f"{page}_gaps_{stamp}_{by}_{int(only)}"
    st.caption(ui.t("kpi_cell_hint"))
    picked = cell_table(frame, table_key, column_config=column_config(
        ("received", "closure_rate", "satisfaction_rate", "reopen_rate", "reopened")), height=table_height(len(frame)))
    ui.download_table(frame, table_key, caption=widgets.download_caption(ui.t("kpi_tab_gaps"), unit=drilled_unit(page)))
    if picked is None or picked[1] not in clickable:
        return
    row, what = shown[picked[0]], clickable[picked[1]]
    where = row["group_name"] or fmt.DASH
    close = lambda: clear_selection(table_key)  # noqa: E731
    if what == "recurring":
        def pairs(text: str, limit: int, offset: int) -> tuple[int, pd.DataFrame]:
            return ui.cached(gaps.recurrence_pairs, by, row["group_id"], limit=limit, offset=offset, **window)

        case_panel(f"{table_key}_{picked[0]}_rec", f"{where} · {ui.t('kpi_recurring_cases')}",
                   [(ui.t("kpi_col_recurring"), pairs)], name=f"{table_key}_recurring", filterable=False,
                   columns=kpi_cases.PAIR_COLUMNS, on_close=close)
    else:
        case_panel(f"{table_key}_{picked[0]}_{what}", f"{where} · {fmt.metric_label(kpi_views.column_metric(what), lang)}",
                   metric_options(what, window, group_by=by, group_value=row["group_id"]), name=f"{table_key}_{what}",
                   on_close=close)
