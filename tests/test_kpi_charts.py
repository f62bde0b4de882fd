"""The KPI pages' figures and tables: each builds from hand-made inputs, carries the keys a click
needs in customdata, escapes free text, and the waterfall's steps add up to the total change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import copy_db

from gridboard.core import periods
from gridboard.db import store
from gridboard.metrics import explain, kpi_views, scorecard
from gridboard.render import charts_kpi, kpi_tables

AS_OF = dt.datetime(2026, 3, 10, 12, 0)


@pytest.fixture(scope="module")
def con(metrics_fixture_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the session's hand-made fixture database for the module (its tests only read)."""
    c = store.connect(copy_db(metrics_fixture_db_file, tmp_path_factory.mktemp("kpi_charts")))
    yield c
    c.close()


def contribution(gid, value):
    return explain.Contribution(gid, f"组{gid}", 0.0, 0.0, value, value, 0.0)


@pytest.mark.parametrize("n", [1, 3, 12, 13, 20])
def test_waterfall_steps_add_up(n):
    contributions = [contribution(i, (-1) ** i * (n - i) / 7) for i in range(n)]
    steps = charts_kpi.waterfall_steps(contributions, top=10)
    assert sum(v for _, _, v in steps) == pytest.approx(sum(c.contribution for c in contributions), abs=1e-12)
    if n <= 11:
        assert "__rest__" not in [s[0] for s in steps]  # a single leftover is shown as itself
    else:
        assert steps[-1][0] == "__rest__" and len(steps) == 11


def test_waterfall_figure_on_the_fixture(con):
    before = explain.Window(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 6), AS_OF)
    after = explain.Window(dt.datetime(2026, 3, 6), dt.datetime(2026, 3, 11), AS_OF)
    e = explain.explain(con, "closure_rate", "child", before=before, after=after)
    steps = charts_kpi.waterfall_steps(e.contributions)
    fig = charts_kpi.waterfall(e.before, e.after, steps, metric="closure_rate")
    trace = fig.data[0]
    assert list(trace.measure) == ["absolute", "relative", "relative", "total"]
    assert list(trace.customdata) == [-1, 0, 1, -1]
    # in percent: 66.7 before, the contributions, 40.0 after
    assert trace.y[0] == pytest.approx(200 / 3) and trace.y[-1] == pytest.approx(40.0)
    assert sum(trace.y[1:-1]) == pytest.approx(trace.y[-1] - trace.y[0])


def test_ratio_bars_and_gauge():
    lines = [
        scorecard.Line("closure_rate", 0.9, 0.98, 0.9 / 0.98, "red", 0.95, None),
        scorecard.Line("median_response_min", 20.0, 30.0, 1.5, "green", 25.0, 22.0),
    ]
    fig = charts_kpi.ratio_bars(lines)
    bar = fig.data[0]
    assert [c[0] for c in bar.customdata] == ["median_response_min", "closure_rate"]  # first metric on top
    assert list(bar.marker.color) == [charts_kpi.RAG_COLORS["green"], charts_kpi.RAG_COLORS["red"]]
    assert "目标 30.0 分钟" in bar.customdata[0][1]
    gauge = charts_kpi.overall_gauge(1.2)
    assert gauge.data[0].value == 1.2 and gauge.data[0].gauge.threshold.value == 1
    assert charts_kpi.overall_gauge(None).data[0].value == 0


def test_funnel_ageing_and_histogram(con):
    window = {"start": dt.datetime(2026, 3, 1), "end": dt.datetime(2026, 3, 11), "as_of": AS_OF}
    funnel = charts_kpi.funnel_bars(kpi_views.funnel(con, **window))
    assert list(funnel.data[0].customdata) == list(kpi_views.FUNNEL_STAGES)[::-1]
    assert funnel.data[0].text[-1] == "8 (100.0 %)"  # reported, on top
    ageing = charts_kpi.ageing_bars(kpi_views.ageing(con, **window), lang="en")
    assert list(ageing.data[0].customdata) == list(kpi_views.AGE_BUCKETS)
    assert list(ageing.data[0].y) == [1, 0, 1, 0]
    d = kpi_views.distribution(con, "response", limit=30.0, **window)
    hist = charts_kpi.histogram(d, target=30.0)
    assert [c[0] for c in hist.data[0].customdata] == [b.index for b in d.histogram]
    assert hist.data[0].customdata[-1][1] == "≥ 60.0"
    assert len(hist.layout.shapes) == 3  # median, P90, target


def test_rate_bars_escape_and_keys():
    rows = [{"group_id": "<b>x</b>", "group_name": "<b>x</b>", "received": 10, "closure_rate": 0.5},
            {"group_id": None, "group_name": None, "received": 4, "closure_rate": 0.75},
            {"group_id": "y", "group_name": "y", "received": 0, "closure_rate": None}]
    fig = charts_kpi.rate_bars(rows, "closure_rate", label=lambda r: charts_kpi.group_label("category", r["group_id"]))
    bar = fig.data[0]
    assert list(bar.y) == ["未分类", "&lt;b&gt;x&lt;/b&gt;"]  # worst on top, no rate no bar
    assert [c[0] for c in bar.customdata] == ["", "<b>x</b>"]
    assert max(fig.layout.xaxis.tickvals) == 100


def test_trend_figures():
    rows = [{"group_id": "2026-03-01", "received": 3, "closed": 2, "closure_rate": 2 / 3, "median_response_min": 5.0,
             "p90_response_min": 9.0, "median_close_hours": 2.0},
            {"group_id": "2026-03-02", "received": 0, "closed": 0, "closure_rate": None, "median_response_min": None,
             "p90_response_min": None, "median_close_hours": None}]
    fig = charts_kpi.trend_rate(rows, grain="month")
    assert list(fig.data[0].customdata) == ["2026-03-01", "2026-03-02"]
    assert fig.layout.xaxis.tickformat == "%Y-%m"
    assert list(fig.data[2].y) == [pytest.approx(200 / 3), None]
    durations = charts_kpi.trend_durations(rows)
    assert [t.yaxis for t in durations.data] == [None, None, "y2"]


def test_tables(con):
    p = periods.Period(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11), AS_OF)
    card = scorecard.build(con, {"closure_rate": 0.8, "median_close_hours": 13.0, "close_within_share": 0.5}, p)
    frame, styled, numbers = kpi_tables.score_frame(card)
    assert list(frame["指标"]) == ["办结率", "限时内办结占比（≤ 13 小时）"]
    # closed by 03-10 12:00: c1 12 h, c2 48 h, c8 1 h, c10 1 h → 3 of 4 within 13 h
    assert frame["实际"].tolist() == [50.0, 75.0] and frame["完成度"].tolist() == [0.625, 1.5]
    assert frame["状态"].tolist() == ["未达标", "达标"]
    assert "实际" in numbers and "状态" not in numbers
    assert styled.data["去年同期（同比）"].tolist() == ["—", "—"]  # missing numbers shown as a dash
    rows = scorecard.children(con, {"closure_rate": 0.8}, start=p.start, end=p.end, as_of=p.as_of)
    frame, _, keys, _ = kpi_tables.child_score_frame(rows, {"closure_rate": 0.8})
    assert keys == {"办结率": "closure_rate"} and list(frame["名称"]) == ["二镇", "一镇"]
    e = explain.explain(con, "received", "category", before=explain.Window(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 6), AS_OF),
                        after=explain.Window(dt.datetime(2026, 3, 6), dt.datetime(2026, 3, 11), AS_OF))
    table = kpi_tables.explain_frame(e, [str(c.group_id) for c in e.contributions])
    assert table["贡献"].sum() == e.change == 2
    assert list(table.columns) == ["分组", "对比期", "本期", "贡献"]
    assert list(kpi_tables.explain_frame(e, [str(c.group_id) for c in e.contributions], before_label="去年同期").columns)[1] \
        == "去年同期"
