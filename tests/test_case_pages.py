"""The cases behind a number on a demo county with current aggregates: the list's total read from
the aggregates equals the count of its cases, and a page read from the newest days only
(drill.newest_page) equals the page of a sort of the whole period, at every offset.

No timings here: speed is `python -m gridboard bench` (case_list_page, case_list_ui)."""

from __future__ import annotations

import datetime as dt

import agg_support
import pytest
from conftest import REAL_DATA

from gridboard.core import periods
from gridboard.db import aggregates, queries, store
from gridboard.metrics import drill, engine, kpi_cases

AS_OF = dt.datetime(2025, 11, 23, 14, 37)
OUTLINE = REAL_DATA / "china_geo_datav" / "370831.geojson"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """The run's shared demo county (agg_support: 3,000 cases, seed 7, the real outline, as of
    AS_OF; built once per test run, ~6 s), a copy of this module's own."""
    template, _ = agg_support.demo_county(tmp_path_factory, as_of=AS_OF, outline=OUTLINE)
    path = agg_support.module_copy(template, tmp_path_factory.mktemp("pages"))
    con = store.connect(path, read_only=True)
    yield con
    con.close()


def counted(con, q: kpi_cases.Query, window: dict) -> int:
    """The list's length counted from the cases (kpi_case_count.sql), never from the aggregates."""
    sql, params = kpi_cases._sql_and_params(con, q, "kpi_case_count", text="", **window)  # noqa: SLF001
    return int(queries.rows(con, sql, params)[0]["total"])


def full_sort(con, q: kpi_cases.Query, window: dict, limit: int, offset: int):
    """The page from one query over the whole period (no windows)."""
    sql, params = kpi_cases._sql_and_params(con, q, "kpi_case_page", text="", **window)  # noqa: SLF001
    return queries.frame(con, sql, {**params, "limit": limit, "offset": offset})


@pytest.mark.parametrize("preset", ["today", "last7", "this_month", "this_year"])
def test_totals_from_the_aggregates_equal_the_counted_cases(demo, preset):
    assert aggregates.current(demo)
    p = periods.period(preset, AS_OF)
    town = demo.execute("SELECT min(unit_id) FROM units WHERE level = 'town'").fetchone()[0]
    for unit in (None, town):
        window = {**p.window(), "unit": unit}
        for what in ("received", "closed", "overdue_open", "on_time_rate", "satisfaction_rate", "reopen_rate"):
            for part in ("numerator", "denominator"):
                q = kpi_cases.Query(what, part)
                assert drill.aggregate_count(demo, what, part, unit=engine.check_unit(demo, unit),
                                             **p.window()) is not None
                assert kpi_cases.count(demo, q, **window) == counted(demo, q, window), (what, part, unit)


def test_group_totals_equal_the_counted_cases(demo):
    p = periods.period("this_year", AS_OF)
    window = {**p.window(), "unit": None}
    for by in ("child", "category", "source", "month", "week"):
        for row in engine.breakdown(demo, by, detail=True, **p.window()):
            q = kpi_cases.Query("closed", "numerator", by, row["group_id"])
            assert kpi_cases.count(demo, q, **window) == counted(demo, q, window) == row["closed"], (by, row)


def test_windowed_pages_equal_the_sorted_period(demo):
    p = periods.period("this_year", AS_OF)
    window = {**p.window(), "unit": None}
    closed = kpi_cases.Query("closed")
    total = counted(demo, closed, window)
    assert total > 500
    for offset in (0, 50, 450, total - 30, total + 10):
        got = kpi_cases.page(demo, closed, limit=50, offset=offset, **window)
        want = full_sort(demo, closed, window, 50, offset)
        assert list(got["case_id"]) == list(want["case_id"]), offset
    assert len(kpi_cases.page(demo, closed, limit=50, offset=total - 30, **window)) == 30
    # the first window sized from the list's total (drill.case_list passes it): the same pages,
    # and with a total far off either way (the window then grows, or covers the period at once)
    sql, params = kpi_cases._sql_and_params(demo, closed, "kpi_case_page", text="", **window)  # noqa: SLF001
    for hint in (total, 1, 100 * total):
        for offset in (0, 450, total - 30):
            got = drill.newest_page(demo, sql, params, limit=50, offset=offset, total=hint)
            want = full_sort(demo, closed, window, 50, offset)
            assert list(got["case_id"]) == list(want["case_id"]), (hint, offset)


def test_drill_case_list_pages_and_totals(demo):
    p = periods.period("this_year", AS_OF)
    found = drill.case_list(demo, metric="closed", offset=100, limit=20, **p.window())
    assert found.total == engine.kpis(demo, **p.window())["closed"]
    want = full_sort(demo, kpi_cases.Query("closed"), {**p.window(), "unit": None}, 20, 100)
    assert list(found.rows["case_id"]) == list(want["case_id"])
    assert "total" not in found.rows.columns
