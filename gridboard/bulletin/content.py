"""What the monthly bulletin (月度通报) says, as plain data: sections of sentences, tables and chart
data, built only from the metric engine and the domain packages (kpis/breakdown, the grid index and
its red/honour lists, gaps, deadlines, volunteers, collective economy), so every number equals the
one the pages show for the same period and unit. The words come from templates.py.

环比 compares with the previous calendar month (periods.previous), 同比 with the same month a year
earlier (periods.same_last_year); any other period compares with as many days before. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from gridboard.bulletin import templates as tpl
from gridboard.bulletin.dates import comparison_periods, period_label
from gridboard.bulletin.templates import BulletinError, Templates
from gridboard.core import config, i18n, periods, schema
from gridboard.core.catalog import METRIC_BY_KEY, METRIC_KEYS
from gridboard.metrics import deadlines, engine, gaps
from gridboard.people import economy, volunteers
from gridboard.ranking import gridindex, league

TOP_CATEGORIES = 5
LIST_SIZE = 5
MAX_CHART_UNITS = 20
SECTION_ORDER: tuple[str, ...] = ("overview", "units", "lists", "categories", "overdue", "recurring", "volunteers",
                                  "economy")
TABLE_KEYS: tuple[str, ...] = ("received", "closed", "closure_rate", "on_time_rate", "satisfaction_rate",
                               "callback_rate", "grid_resolved_rate", "reopen_rate", "overdue_open",
                               "median_response_min", "median_close_hours")
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    """Data of one static chart: kind 'daily' (bars + line), 'hbars' (grouped horizontal bars) or
    'dots' (a row per label, a marker per series)."""

    key: str
    title: str
    kind: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    unit: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class Bulletin:
    title: str
    subtitle: str
    issuer: str
    date_line: str
    unit_id: str
    unit_name: str
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    sections: list[Section]
    numbers: dict[str, Any]  # engine.kpis of the period (the figures the text quotes)

    def text(self) -> str:
        """All the words, in reading order (for search and tests)."""
        parts = [self.title, self.subtitle, self.issuer]
        for s in self.sections:
            parts.append(s.heading)
            parts.extend(s.paragraphs)
            for t in s.tables:
                parts.append(" ".join(t.columns))
                parts.extend(" ".join(r) for r in t.rows)
        return "\n".join(parts)


def _heading(i: int, text: str) -> str:
    return f"{_NUMERALS[i] if i < len(_NUMERALS) else i + 1}、{text}"


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Bulletin:
    """The bulletin of [start, end) for `unit` (the county when None) evaluated at `as_of`.

    `overrides` are the county's template settings ({sections|headings|words|text: {...}});
    None reads them from gridboard.toml's [bulletin].
    """
    if end <= start:
        raise BulletinError("统计周期为空：结束时间应晚于开始时间")
    cfg = config.load()
    t = tpl.load(overrides if overrides is not None else cfg["bulletin"])  # type: ignore[arg-type]
    unit = engine.check_unit(con, unit)
    info = league.unit_info(con, unit)
    root = league.unit_info(con, engine.check_unit(con, None))
    scope = "全县" if info.parent_id is None else info.name
    period = period_label(start, end)
    common = {"period": period, "scope": scope, "root": root.name, "as_of": f"{as_of:%Y年%m月%d日 %H:%M}"}
    mom, yoy = comparison_periods(start, end, as_of)
    window: dict[str, Any] = {"start": start, "end": end, "as_of": as_of, "unit": unit}
    ctx = _Context(con, t, common, window, mom, yoy, info, gridindex.settings_from(cfg), cfg)
    ctx.now = engine.kpis(con, detail=True, **window)
    ctx.before = engine.kpis(con, detail=True, unit=unit, **mom.window())
    ctx.year_ago = engine.kpis(con, detail=True, unit=unit, **yoy.window())
    ctx.children = engine.breakdown(con, "child", detail=True, **window) if ctx.now["received"] else []
    makers = {"overview": _overview, "units": _units, "lists": _lists, "categories": _categories,
              "overdue": _overdue, "recurring": _recurring, "volunteers": _volunteers, "economy": _economy}
    sections: list[Section] = []
    for key in SECTION_ORDER:
        if not t.on(key):
            continue
        section = makers[key](ctx)
        if section is not None:
            sections.append(Section(section.key, _heading(len(sections), section.heading), section.paragraphs,
                                    section.tables, section.charts))
    return Bulletin(
        title=t.say("title", **common), subtitle=t.say("subtitle", **common), issuer=t.say("issuer", **common),
        date_line=f"{as_of.year}年{as_of.month}月{as_of.day}日", unit_id=unit, unit_name=info.name,
        start=start, end=end, as_of=as_of, sections=sections,
        numbers={k: ctx.now[k] for k in METRIC_KEYS},
    )


@dataclass
class _Context:
    con: duckdb.DuckDBPyConnection
    t: Templates
    common: dict[str, str]
    window: dict[str, Any]
    mom: periods.Period
    yoy: periods.Period
    info: league.UnitInfo
    index: gridindex.IndexSettings
    cfg: config.Config
    now: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    year_ago: dict[str, Any] = field(default_factory=dict)
    children: list[dict[str, Any]] = field(default_factory=list)

    def say(self, key: str, **values: Any) -> str:
        return self.t.say(key, **{**self.common, **values})

    def metric_values(self, key: str) -> dict[str, str]:
        kind = METRIC_BY_KEY[key].kind
        return {key: tpl.value(kind, self.now[key]),
                f"{key}_mom": tpl.change(self.t, kind, self.now[key], self.before[key], "mom"),
                f"{key}_yoy": tpl.change(self.t, kind, self.now[key], self.year_ago[key], "yoy")}


def _kind(key: str) -> str:
    return METRIC_BY_KEY[key].kind


def _overview(c: _Context) -> Section:
    heading = c.say("overview")
    if not c.now["received"]:
        return Section("overview", heading, [c.say("overview_empty")])
    v: dict[str, str] = {"closed": tpl.count(c.now["closed"])}
    for key in ("received", "closure_rate", "on_time_rate", "satisfaction_rate", "median_response_min",
                "median_close_hours", "callback_rate", "grid_resolved_rate", "reopen_rate"):
        v.update(c.metric_values(key))
    paragraphs = [c.say("overview_volume", **v), c.say("overview_quality", **v), c.say("overview_speed", **v)]
    w = c.t.words
    columns = ["指标", "本期", "上期", w["mom"], "去年同期", w["yoy"]]
    rows = []
    for key in TABLE_KEYS:
        kind = _kind(key)
        label = METRIC_BY_KEY[key].zh
        rows.append([label, tpl.value(kind, c.now[key]), tpl.value(kind, c.before[key]),
                     _short_change(c.t, kind, c.now[key], c.before[key], "mom"),
                     tpl.value(kind, c.year_ago[key]), _short_change(c.t, kind, c.now[key], c.year_ago[key], "yoy")])
    days = (c.window["end"] - c.window["start"]).days
    by = "day" if days <= 62 else "month"
    trend = engine.breakdown(c.con, by, **c.window)
    chart = Chart("daily", f"{c.common['scope']}每{'日' if by == 'day' else '月'}受理与办结", "daily",
                  [str(r["group_id"])[5:] if by == "day" else str(r["group_id"])[:7] for r in trend],
                  [("受理量", [r["received"] for r in trend]), ("办结量", [r["closed"] for r in trend])], "件")
    return Section("overview", heading, paragraphs, [Table(columns, rows)], [chart])


def _short_change(t: Templates, kind: str, cur: Any, prev: Any, which: str) -> str:
    text = tpl.change(t, kind, cur, prev, which)
    return text[len(t.words[which]):]


def _child_level(c: _Context) -> str | None:
    below = league.levels_under(c.info.level)
    return below[0] if below else None


def _units(c: _Context) -> Section | None:
    level = _child_level(c)
    if level is None:
        return None
    label = schema.DIMENSION_LABELS_ZH[level]
    heading = c.say("units", child_level=label)
    if not c.children:
        return Section("units", heading, [c.say("units_none")])
    scores = {u.unit_id: u for u in gridindex.scores(c.con, level, c.index, **c.window)}
    rows = sorted(c.children, key=lambda r: (scores[r["group_id"]].rank if r["group_id"] in scores
                                             and scores[r["group_id"]].rank is not None else 10**9,
                                             -r["received"]))
    ranked = [scores[r["group_id"]] for r in rows if r["group_id"] in scores and scores[r["group_id"]].rank]
    paragraphs = []
    if ranked:
        paragraphs.append(c.say("units_ranked", n=len(ranked), level=label, first=ranked[0].name,
                                first_score=f"{ranked[0].score:.1f}", last=ranked[-1].name,
                                last_score=f"{ranked[-1].score:.1f}", unranked=len(rows) - len(ranked)))
    if len(rows) > len(ranked):
        paragraphs.append(c.say("units_unranked", unranked=len(rows) - len(ranked), level=label))
    table_rows = []
    for r in rows:
        s = scores.get(r["group_id"])
        if s is None or s.rank is None or s.score is None:
            rank, score, stars = c.t.words["no_rank"], "—", "—"
        else:
            rank, score, stars = str(s.rank), f"{s.score:.1f}", gridindex.star_text(s.stars)
        table_rows.append([
            rank, str(r["group_name"]), tpl.count(r["received"]), tpl.pct(r["closure_rate"]),
            tpl.pct(r["on_time_rate"]), tpl.pct(r["satisfaction_rate"]), tpl.count(r["overdue_open"]), score, stars,
        ])
    columns = ["排名", label, "受理量", "办结率", "按时办结率", "满意率", "超期未办结", "网格指数", "星级"]
    shown = rows[:MAX_CHART_UNITS]
    chart = Chart("units", f"各{label}办结率、按时办结率与满意率", "dots", [str(r["group_name"]) for r in shown],
                  [(m, [None if r[k] is None else r[k] * 100 for r in shown])
                   for m, k in (("办结率", "closure_rate"), ("按时办结率", "on_time_rate"), ("满意率", "satisfaction_rate"))],
                  "%")
    return Section("units", heading, paragraphs, [Table(columns, table_rows)], [chart])


def _lists(c: _Context) -> Section | None:
    """Honour and red lists of the grids; of the communities/villages when fewer than two grids rank."""
    levels = [lv for lv in ("grid", "community") if lv in league.levels_under(c.info.level)]
    if not levels:
        return None
    honour: list[gridindex.UnitScore] = []
    red: list[gridindex.UnitScore] = []
    for level in levels:
        scored = gridindex.scores(c.con, level, c.index, **c.window)
        honour, red = league.honour_and_red(scored, LIST_SIZE)
        if honour:
            break
    label = schema.DIMENSION_LABELS_ZH[level]
    heading = c.say("lists", level=label)
    if not honour:
        return Section("lists", heading, [c.say("lists_none", level=schema.DIMENSION_LABELS_ZH[levels[0]])])
    parents = league.unit_names(c.con, sorted({u.parent_id for u in honour + red if u.parent_id}))
    sep = c.t.words["sep"]
    n = min(LIST_SIZE, sum(1 for u in scored if u.rank is not None) // 2)  # as league.honour_and_red

    def ties(group: list[gridindex.UnitScore]) -> str:  # "（含并列）" when ties put more than n units on a list
        return c.t.words["ties"] if len(group) > n else ""

    paragraphs = [c.say("lists_honour", level=label, n=n, ties=ties(honour), names=sep.join(u.name for u in honour))]
    if red:
        paragraphs.append(c.say("lists_red", level=label, n=n, ties=ties(red), names=sep.join(u.name for u in red)))
    columns = ["榜单", "排名", label, "所属单位", "网格指数", "星级", "受理量"]
    rows = [[name, str(u.rank), _marked(c, u), parents.get(u.parent_id or "", "—"), f"{u.score:.1f}",
             gridindex.star_text(u.stars), tpl.count(u.cases)]
            for name, group in (("红榜", honour), ("黑榜", red)) for u in group]
    return Section("lists", heading, paragraphs, [Table(columns, rows)])


def _marked(c: _Context, u: gridindex.UnitScore) -> str:
    """The unit's name with the ranking page's 样本少 mark when its rank is provisional."""
    return f"{u.name}（{c.t.words['provisional']}）" if getattr(u, "provisional", False) else u.name


def _categories(c: _Context) -> Section | None:
    if not c.now["received"]:
        return None
    now = engine.breakdown(c.con, "category", **c.window)
    before = {r["group_id"]: r for r in engine.breakdown(c.con, "category", **{**c.mom.window(), "unit": c.window["unit"]})}
    top = sorted(now, key=lambda r: (-r["received"], str(r["group_id"])))[:TOP_CATEGORIES]
    items, rows = [], []
    for r in top:
        prev = before.get(r["group_id"], {}).get("received")
        name = r["group_name"] or "未分类"
        items.append(c.t.text["categories_item"].format(name=name, count=tpl.count(r["received"]),
                                                        mom=tpl.change(c.t, "count", r["received"], prev, "mom")))
        rows.append([str(name), tpl.count(r["received"]), tpl.count(prev),
                     _short_change(c.t, "count", r["received"], prev, "mom"), tpl.pct(r["closure_rate"]),
                     tpl.pct(r["satisfaction_rate"])])
    text = c.say("categories_top", n=len(top), items=c.t.words["sep"].join(items))
    columns = ["类别", "本期受理", "上期受理", c.t.words["mom"], "办结率", "满意率"]
    chart = Chart("categories", f"受理量前{len(top)}位的诉求类别", "hbars", [str(r[0]) for r in rows],
                  [("本期", [float(r["received"]) for r in top]),
                   ("上期", [float(before.get(r["group_id"], {}).get("received") or 0) for r in top])], "件")
    return Section("categories", c.say("categories"), [text], [Table(columns, rows)], [chart])


def _overdue(c: _Context) -> Section:
    states = deadlines.counts(c.con, as_of=c.window["as_of"], unit=c.window["unit"])
    paragraphs = [c.say("overdue_period", overdue_open=tpl.count(c.now["overdue_open"]),
                        supervised=tpl.count(c.now.get("supervised", 0)), reopened=tpl.count(c.now.get("reopened", 0))),
                  c.say("overdue_now", open=tpl.count(states["open"]), L1=tpl.count(states["L1"]),
                        L2=tpl.count(states["L2"]), L3=tpl.count(states["L3"]))]
    worst = sorted((r for r in c.children if r["overdue_open"]), key=lambda r: (-r["overdue_open"], str(r["group_id"])))
    if worst:
        items = c.t.words["sep"].join(f"{r['group_name']}{r['overdue_open']}件" for r in worst[:5])
        paragraphs.append(c.say("overdue_units", items=items))
    return Section("overdue", c.say("overdue"), paragraphs)


def _recurring(c: _Context) -> Section | None:
    if not c.now["received"]:
        return None
    days = gaps.RECUR_DAYS
    n = gaps.recurrence_counts(c.con, None, days=days, **c.window).get(None, 0)
    paragraphs = [c.say("recurring_total", recurring=tpl.count(n), recurrence_rate=tpl.pct(n / c.now["received"]),
                        days=days)]
    flagged = []
    if _child_level(c) is not None:
        flagged = [r for r in gaps.flags(c.con, "child", min_cases=c.index.min_cases, **c.window) if r["flags"]]
    if flagged:
        sep = c.t.words["sep"]
        items = sep.join(f"{r['group_name']}（{sep.join(i18n.text('kpi_flag_' + f, 'zh') for f in r['flags'])}）"
                         for r in flagged[:8])
        paragraphs.append(c.say("recurring_flags", items=items))
    else:
        paragraphs.append(c.say("recurring_none"))
    return Section("recurring", c.say("recurring"), paragraphs)


def _volunteers(c: _Context) -> Section:
    w = c.window
    now = volunteers.summary(c.con, start=w["start"], end=w["end"], unit=w["unit"])
    before = volunteers.summary(c.con, start=c.mom.start, end=c.mom.end, unit=w["unit"])
    if not now["services"] and not now["registered"]:
        return Section("volunteers", c.say("volunteers"), [c.say("volunteers_none")])
    text = c.say("volunteers_text", active=tpl.count(now["active"]),
                 active_mom=tpl.change(c.t, "count", now["active"], before["active"]),
                 services=tpl.count(now["services"]), hours=f"{now['hours']:,.1f}",
                 hours_mom=tpl.change(c.t, "count", now["hours"], before["hours"]), points=tpl.count(now["points"]),
                 registered=tpl.count(now["registered"]), new_registered=tpl.count(now["new_registered"]),
                 party_share=tpl.pct(now["party_share"]))
    return Section("volunteers", c.say("volunteers"), [text])


def _economy(c: _Context) -> Section:
    heading = c.say("economy")
    unit = c.window["unit"]
    year = economy.default_year(c.con, unit, upto=economy.period_year(c.window["end"]))
    settings = economy.settings_from(c.cfg)
    s = economy.summary(c.con, year=year, unit=unit, settings=settings) if year is not None else None
    if s is None or not s["reporting"]:
        return Section("economy", heading, [c.say("economy_none")])
    w = c.t.words
    if s["weak_change"] is None:
        weak_change = w["vs_last_year"] + w["none"]
    elif s["weak_change"] == 0:
        weak_change = w["vs_last_year"] + w["flat"]
    else:
        weak_change = f"{w['vs_last_year']}{w['more'] if s['weak_change'] > 0 else w['less']}{abs(s['weak_change'])}个"
    g = s["yoy_growth"]
    growth = w["yoy"] + w["none"] if g is None else f"{w['growth'] if g >= 0 else w['decline']}{abs(g) * 100:.1f}%"
    text = c.say("economy_text", year=s["year"], villages=s["villages"], reporting=s["reporting"],
                 goal=economy.money(settings.goal), at_goal=s["at_goal"], weak=s["weak"], weak_change=weak_change,
                 floor=economy.money(settings.floor), below_floor=s["below_floor"],
                 total=tpl.value("count", None) if s["total_operating_income"] is None
                 else economy.money(s["total_operating_income"]),
                 growth=growth, dividends="—" if s["dividends"] is None else economy.money(s["dividends"]))
    return Section("economy", heading, [text])
