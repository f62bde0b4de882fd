"""How the wall screen looks: its style sheet, the tile texts, and the HTML of the stamp, the
deadline wall, the feed and the grid lists, plus its plotly figures. No streamlit here.

The wall is laid out for a 1920×1080 frame in CSS pixels; the style sheet zooms the whole page by
min(width / 1920, height / 1080), so a 3840×2160 wall shows the same layout at twice the size
(and 1366×768 at 0.71) without scrolling. Every free text (titles, names) is HTML-escaped here;
phone numbers arrive masked from gridboard.bigscreen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gridboard.core import catalog, fmt, i18n
from gridboard.metrics import deadlines
from gridboard.wall import board

# Open cases now, whatever their report date (not a period's cohort): their own labels, never a
# catalogue metric's (catalog's overdue_open, 本期超期未办结, counts the period's cases only).
OPEN_NOW = catalog.Metric("open_now", "当前在办（全部）", "Open now (all)", "count", False)
OVERDUE_NOW = catalog.Metric("overdue_now", "当前超期（全部在办）", "Overdue now (all open)", "count", False)
WALL_METRICS = (OPEN_NOW, OVERDUE_NOW)
WALL_METRICS_BY_KEY = {m.key: m for m in WALL_METRICS}
# Tile columns, top and bottom: (window, metric key). "now" tiles compare with the same time yesterday.
TILE_COLUMNS: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (("today", "received"), ("today", "closed")),
    (("now", "open_now"), ("now", "overdue_now")),
    (("today", "closure_rate"), ("month", "closure_rate")),
    (("today", "on_time_rate"), ("month", "on_time_rate")),
    (("today", "median_response_min"), ("month", "median_response_min")),
    (("today", "satisfaction_rate"), ("month", "satisfaction_rate")),
)
_TILE_METRICS = {**catalog.METRIC_BY_KEY, OPEN_NOW.key: OPEN_NOW, OVERDUE_NOW.key: OVERDUE_NOW}
STATE_CLASS = {"L1": "l1", "L2": "l2", "L3": "l3"}

CSS = """
[data-testid="stMainBlockContainer"] { zoom: min(calc(100vw / 1920px), calc(100vh / 1080px)); }
[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stSidebarNav"], [data-testid="stElementToolbar"] { display: none !important; }
[data-testid="stAppViewContainer"] > section, [data-testid="stMain"] { overflow: hidden !important; }
[data-testid="stMainBlockContainer"] { padding: 8px 16px 0 16px !important; max-width: none !important; }
[data-stale="true"] { opacity: 1 !important; transition: none !important; }
.st-key-bs_root [data-testid="stVerticalBlock"] { gap: 8px; }
.st-key-bs_root [data-testid="stHorizontalBlock"] { gap: 8px; }
.st-key-bs_head { height: 52px; align-items: center; }
.st-key-bs_head h1 { font-size: 34px; padding: 0; margin: 0; line-height: 52px; white-space: nowrap; }
.bs-sub { font-size: 20px; color: #9fb3cf; white-space: nowrap; }
.bs-clock { font-size: 22px; color: #e6edf7; white-space: nowrap; font-variant-numeric: tabular-nums; }
.bs-stamp { font-size: 20px; padding: 6px 14px; border-radius: 8px; white-space: nowrap;
            font-variant-numeric: tabular-nums; border: 1px solid #24406b; }
.bs-stamp.fresh { color: #36d399; background: rgba(54, 211, 153, .10); }
.bs-stamp.stale, .bs-stamp.empty, .bs-stamp.error { color: #fff; background: #c62828; border-color: #ff6b6b; }
.st-key-bs_tiles [data-testid="stMetric"] { background: #102440; border: 1px solid #24406b; border-radius: 8px;
            padding: 3px 14px; height: 108px; overflow: hidden; }
.st-key-bs_tiles [data-testid="stMetric"] > div { gap: 0; }
.st-key-bs_tiles [data-testid="stMetricLabel"] { min-height: 0; height: 26px; margin: 0; }
.st-key-bs_tiles [data-testid="stMetricLabel"] p { font-size: 20px; line-height: 26px; color: #bcd0ea; }
.st-key-bs_tiles [data-testid="stMetricValue"] { font-size: 50px; line-height: 54px; height: 54px; font-weight: 700;
            font-variant-numeric: tabular-nums; }
.st-key-bs_tiles [data-testid="stMetricValue"] p { font-size: 50px; line-height: 54px; }
.st-key-bs_tiles [data-testid="stMetricDelta"] p, .st-key-bs_tiles [data-testid="stMetricDeltaDescription"] p {
            font-size: 16px; line-height: 20px; }
[class*="st-key-bs_p_"] { background: #0e213b; border: 1px solid #24406b; border-radius: 8px; padding: 6px 12px;
            gap: 0 !important; }
.st-key-bs_p_map { height: 470px; min-height: 470px; }
.bs-wall { height: 470px; }
.bs-feed { height: 266px; }
.bs-hourly { height: 196px; }
.bs-grids, .bs-trend, .bs-categories { height: 292px; }
.bs-chart { display: block; }
.bs-panel { background: #0e213b; border: 1px solid #24406b; border-radius: 8px; padding: 6px 12px; }
.bs-title { font-size: 21px; font-weight: 700; color: #e6edf7; display: flex; justify-content: space-between;
            align-items: baseline; height: 30px; white-space: nowrap; overflow: hidden; gap: 12px; }
.bs-title span { overflow: hidden; text-overflow: ellipsis; }
.bs-title small { font-size: 16px; font-weight: 400; color: #9fb3cf; }
.bs-table { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 17px; }
.bs-table th { color: #9fb3cf; font-weight: 400; text-align: left; font-size: 15px; padding: 2px 6px; }
.bs-table td { padding: 0 6px; height: 33px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
               border-top: 1px solid #1b3457; }
.bs-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bs-table tr.l1 td.left { color: #60a5fa; } .bs-table tr.l2 td.left { color: #facc15; }
.bs-table tr.l3 td.left { color: #ff6b6b; font-weight: 700; }
.bs-table tr td:first-child { border-left: 6px solid transparent; }
.bs-wall .bs-table td { height: 27px; }
.bs-wall .bs-table td.left, .bs-wall .bs-table td.phone { font-size: 15px; }
.bs-wall .bs-table td.grid { white-space: normal; }
.bs-wall .bs-table td.grid div { overflow: hidden; }
.bs-wall .bs-table td.grid.long div { font-size: 13px; line-height: 13px; max-height: 26px; }
.bs-wall .bs-table td.dept { font-size: 15px; color: #bcd0ea; }
.bs-wall .bs-table tr.bs-group td { height: 23px; border-left-color: transparent; font-size: 15px; }
.bs-wall .bs-table tr.bs-group .bs-badge { font-size: 15px; margin-right: 8px; }
.bs-table tr.l1 td:first-child { border-left-color: #3b82f6; }
.bs-table tr.l2 td:first-child { border-left-color: #facc15; }
.bs-table tr.l3 td:first-child { border-left-color: #ef4444; }
.bs-badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 14px; margin-right: 4px; }
.bs-l1 { background: #3b82f6; color: #fff; } .bs-l2 { background: #facc15; color: #111; }
.bs-l3 { background: #ef4444; color: #fff; }
.bs-muted { color: #9fb3cf; }
.bs-empty { color: #9fb3cf; font-size: 18px; padding: 16px 4px; }
.bs-stars { color: #ffc53d; letter-spacing: -2px; }
.st-key-bs_map [data-testid="stElementContainer"] { margin: 0; }
"""


def css() -> str:
    return f"<style>{CSS}</style>"


# --- tiles ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str  # window_metric, e.g. today_received
    label: str
    value: str
    delta: str | None
    delta_color: str
    delta_arrow: str
    compare: str  # what the delta compares with


def _tile(window: str, key: str, data: board.Live, lang: str) -> Tile:
    m = _TILE_METRICS[key]
    if window == "now":
        state = "overdue" if key == OVERDUE_NOW.key else "open"
        current = data.open_now.get(state) if data.ok else None
        previous = data.open_before.get(state) if data.ok else None
        label = i18n.pick(m.zh, m.en, lang)
    else:
        before = "yesterday" if window == "today" else "last_month"
        current = data.kpis[window][key] if data.ok else None
        previous = data.kpis[before][key] if data.ok else None
        label = i18n.text(f"bs_{window}_label", lang, metric=catalog.METRIC_BY_KEY[key].short(lang))
    style = fmt.delta_style(m, current, previous)
    compare = i18n.text("bs_vs_month" if window == "month" else "bs_vs_yesterday", lang)
    return Tile(f"{window}_{key}", label, fmt.metric(m, current, lang), fmt.delta(m, current, previous, lang),
                style["delta_color"], style["delta_arrow"], compare)


def tiles(data: board.Live, lang: str = "zh") -> list[tuple[Tile, Tile]]:
    """Six columns of two tiles (TILE_COLUMNS); values "—" when the database could not be read."""
    return [(_tile(*top, data, lang), _tile(*bottom, data, lang)) for top, bottom in TILE_COLUMNS]


# --- header and stamp ----------------------------------------------------------------------------

_WEEKDAYS_ZH = "一二三四五六日"


def clock(now: dt.datetime, lang: str = "zh") -> str:
    if lang == "en":
        return f'<span class="bs-clock">{now:%Y-%m-%d %a %H:%M}</span>'
    return f'<span class="bs-clock">{now:%Y年%m月%d日} 星期{_WEEKDAYS_ZH[now.weekday()]} {now:%H:%M}</span>'


def scope(views: list[tuple[str, str]], unit: str | None, rotation: int | None, lang: str = "zh") -> str:
    """"泗水县 · 网格化社会治理", with the town shown and "轮播 2/14" while rotating."""
    names = dict(views)
    county = views[0][1] if views else ""
    where = county if not views or unit in (None, views[0][0]) else f"{county} · {names.get(unit, '')}"
    if rotation is not None and len(views) > 1:
        where += "　" + i18n.text("bs_view", lang, i=rotation + 1, n=len(views))
    return f'<span class="bs-sub">{fmt.escape_label(i18n.text("bs_subtitle", lang, county=where))}</span>'


def _moment(t: dt.datetime, ref: dt.datetime) -> str:
    """HH:MM:SS on the day of ref, else the date too."""
    return f"{t:%H:%M:%S}" if t.date() == ref.date() else f"{t:%Y-%m-%d %H:%M}"


def span_text(minutes: float, lang: str = "zh") -> str:
    """A length of time for the screen: 3天4小时, 2小时5分, 12分钟 (d/h/min in English)."""
    total = int(abs(minutes))
    d, rest = divmod(total, 1440)
    h, m = divmod(rest, 60)
    if d:
        return i18n.text("bs_days_hours", lang, d=d, h=h)
    if h:
        return i18n.text("bs_hours_minutes", lang, h=h, m=m)
    return i18n.text("bs_minutes", lang, m=m)


def stamp(fresh: board.Freshness, lang: str = "zh", *, version: int | None = None, run: float | None = None) -> str:
    """The freshness stamp: green "数据更新于 HH:MM:SS · 最新事件 …"; when stale, empty or unreadable a
    red alarm banner in the header. It never touches the tiles: a quiet night still shows its numbers.
    Its attributes data-version (the data version shown) and data-run (this run's epoch time in
    milliseconds) let a watchdog or the load test see each refresh and each import arrive."""
    refreshed = _moment(fresh.refreshed_at, fresh.refreshed_at)
    state = fresh.state
    if state == "fresh":
        text = i18n.text("bs_stamp_fresh", lang, refreshed=refreshed)
        if fresh.newest is not None:
            text += " · " + i18n.text("bs_stamp_newest", lang, newest=_moment(fresh.newest, fresh.refreshed_at))
    else:
        if state == "stale" and fresh.quiet_for is not None and fresh.newest is not None:
            text = i18n.text("bs_stamp_stale", lang, quiet=span_text(fresh.quiet_for.total_seconds() / 60, lang))
            newest = i18n.text("bs_stamp_newest", lang, newest=_moment(fresh.newest, fresh.refreshed_at))
            text += i18n.pick(f"（{newest}）", f" ({newest})", lang)
        else:
            text = i18n.text(f"bs_stamp_{state}", lang)
        text += " · " + i18n.text("bs_refreshed", lang, time=refreshed)
    title = f' title="{fmt.escape_label(fresh.error)}"' if fresh.error else ""
    role = "" if state == "fresh" else ' role="alert"'  # an alarm banner in the header; the tiles keep their colours
    marks = ("" if version is None else f' data-version="{int(version)}"') + (
        "" if run is None else f' data-run="{int(run * 1000)}"')
    return (f'<div class="bs-stamp {state}" data-testid="bs-stamp" data-state="{state}"{marks}{role}{title}>'
            f'{fmt.escape_label(text)}</div>')


# --- panels --------------------------------------------------------------------------------------


def _title(text: str, note: str = "") -> str:
    small = f"<small>{note}</small>" if note else ""
    return f'<div class="bs-title"><span>{fmt.escape_label(text)}</span>{small}</div>'


def empty_note(text: str) -> str:
    return f'<div class="bs-empty">{fmt.escape_label(text)}</div>'


def panel_title(text: str, note: str = "") -> str:
    """A panel's title bar (for panels whose body is a chart or the map)."""
    return _title(text, fmt.escape_label(note) if note else "")


def short_title(title: Any, category: Any) -> str:
    """The title without a leading 【category】 when the category has its own column, phone
    numbers inside it masked."""
    text = "" if title is None else fmt.mask_phones_in(str(title))
    prefix = f"【{category}】" if category else None
    return text[len(prefix):] if prefix and text.startswith(prefix) and len(text) > len(prefix) else text


def left_text(minutes: float | None, lang: str = "zh") -> str:
    if minutes is None:
        return fmt.DASH
    key = "bs_overdue_by" if minutes < 0 else "bs_time_left"
    return i18n.text(key, lang, t=span_text(minutes, lang))


GRID_LONG = 10  # a grid name longer than this (characters) takes two smaller lines, never an ellipsis
WALL_COLUMNS = (("bs_col_left", "18%"), ("bs_col_grid", "28%"), ("bs_col_department", "15%"),
                ("bs_col_title", "19%"), ("bs_col_phone", "20%"))


def _grid_cell(r: dict[str, Any]) -> str:
    """The case's full grid name (two lines when long) with town · community · grid as its tooltip."""
    name = r.get("grid_name") or r.get("unit_name") or ""
    path = " · ".join(str(p) for p in (r.get("town_name"), r.get("community_name"), name) if p)
    long = " long" if len(str(name)) > GRID_LONG else ""
    return f'<td class="grid{long}" title="{fmt.escape_label(path)}"><div>{fmt.escape_label(name)}</div></td>'


def wall(rows: list[dict[str, Any]], counts: dict[str, int], lang: str = "zh") -> str:
    """The deadline wall: one group per state, 临期 (L1) first, then 超期 (L2) and 严重超期 (L3),
    each headed by its count; rows as board.deadline_wall orders them (least time left first)."""
    note = fmt.escape_label(i18n.text("bs_wall_counts", lang, **{s: f"{counts.get(s, 0):,}" for s in deadlines.STATES}))
    head = "".join(f"<th style='width:{w}'>{fmt.escape_label(i18n.text(k, lang))}</th>" for k, w in WALL_COLUMNS)
    labels = deadlines.STATE_LABELS_EN if lang == "en" else deadlines.STATE_LABELS_ZH
    body = []
    for state in deadlines.STATES:
        group = [r for r in rows if r["deadline_state"] == state]
        n = int(counts.get(state, len(group)) or 0)
        cls = STATE_CLASS[state]
        shown = (i18n.text("bs_group_shown", lang, k=len(group)) if group and len(group) < n
                 else "" if group else i18n.text("bs_group_none", lang))
        body.append(
            f'<tr class="bs-group" data-group="{state}"><td colspan="{len(WALL_COLUMNS)}">'
            f'<span class="bs-badge bs-{cls}">{fmt.escape_label(i18n.text("bs_group", lang, state=labels[state], n=f"{n:,}"))}'
            f'</span><span class="bs-muted">{fmt.escape_label(shown)}</span></td></tr>'
        )
        for r in group:
            body.append(
                f'<tr class="{cls}" data-case="{fmt.escape_label(r["case_id"])}" data-state="{state}">'
                f'<td class="left" title="{fmt.escape_label(labels[state])}">{left_text(r["minutes_left"], lang)}</td>'
                f'{_grid_cell(r)}'
                f'<td class="dept" title="{fmt.escape_label(r.get("department") or "")}">'
                f'{fmt.escape_label(r.get("department") or fmt.DASH)}</td>'
                f'<td class="case-title" title="{fmt.escape_label(r.get("category") or "")}">'
                f'{fmt.escape_label(short_title(r.get("title"), r.get("category")))}</td>'
                f'<td class="phone num">{fmt.escape_label(r.get("phone"))}</td></tr>'
            )
    table = (f'<table class="bs-table" data-testid="bs-wall"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
             "</tbody></table>") if rows else f'<div class="bs-empty">{fmt.escape_label(i18n.text("bs_wall_empty", lang))}</div>'
    return f'<div class="bs-panel bs-wall">{_title(i18n.text("bs_wall_title", lang), note)}{table}</div>'


def _category(value: Any, lang: str) -> Any:
    return i18n.term(value, lang) if value else value


def feed(rows: list[dict[str, Any]], now: dt.datetime, lang: str = "zh") -> str:
    """The latest cases: time, town, category, title (escaped)."""
    body = []
    for r in rows:
        t = r["reported_at"]
        when = f"{t:%H:%M}" if t.date() == now.date() else f"{t:%m-%d}"
        body.append(
            f'<tr data-case="{fmt.escape_label(r["case_id"])}"><td class="num" style="width:15%">{when}</td>'
            f'<td style="width:21%">{fmt.escape_label(r.get("town_name") or r.get("unit_name"))}</td>'
            f'<td class="bs-muted" style="width:22%">{fmt.escape_label(_category(r.get("category"), lang))}</td>'
            f'<td class="case-title">{fmt.escape_label(short_title(r.get("title"), r.get("category")))}</td></tr>'
        )
    table = (f'<table class="bs-table" data-testid="bs-feed"><tbody>{"".join(body)}</tbody></table>' if body
             else f'<div class="bs-empty">{fmt.escape_label(i18n.text("bs_feed_empty", lang))}</div>')
    return f'<div class="bs-panel bs-feed">{_title(i18n.text("bs_feed_title", lang))}{table}</div>'


LEVEL_NAMES = {"grid": ("网格", "grids"), "community": ("社区/村", "communities"), "town": ("镇街", "towns")}


def grid_title(which: str, level: str, n: int, lang: str = "zh") -> str:
    """Title of the best/worst list: which is "best" or "worst", level as in board.RANK_LEVELS."""
    return i18n.text(f"bs_{which}_title", lang, n=n, level=i18n.pick(*LEVEL_NAMES.get(level, (level, level)), lang))


def grid_list(title: str, rows: list[dict[str, Any]], empty: str, key: str) -> str:
    """Best or worst grids of the month: rank, name, index score and stars."""
    body = "".join(
        f'<tr><td class="num" style="width:14%">{r["rank"]}</td><td>{fmt.escape_label(r["name"])}</td>'
        f'<td class="num" style="width:20%">{fmt.number(r["score"])}</td>'
        f'<td style="width:26%"><span class="bs-stars">{"★" * int(r["stars"] or 0)}</span></td></tr>'
        for r in rows
    )
    table = (f'<table class="bs-table" data-testid="bs-{key}"><tbody>{body}</tbody></table>' if body
             else f'<div class="bs-empty">{fmt.escape_label(empty)}</div>')
    return f'<div class="bs-panel bs-grids">{_title(title)}{table}</div>'


# --- chart panels --------------------------------------------------------------------------------


def chart_panel(title: str, svg: str, key: str) -> str:
    """A titled panel around a bigscreen_charts SVG."""
    return f'<div class="bs-panel bs-{key}">{_title(title)}{svg}</div>'
