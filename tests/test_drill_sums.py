"""Sub-unit tables add up to the parent (issue #15): engine.breakdown(by="child", complete=True)
lists every child (0 when it has no cases) and the cases filed on the unit itself as a "direct"
row, so received / closed / overdue_open sum to the parent's kpis() at every level, from the
aggregates and from the raw cases alike; the direct row's case list holds exactly those cases.
Checked by hand on the metrics fixture and on every unit of every level of a small demo county
(the run's shared one, agg_support.demo_county).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from agg_support import AS_OF, demo_county, module_copy
from test_aggregates import FIXTURE, raw, same

from gridboard.core import periods
from gridboard.db import aggregates, store
from gridboard.metrics import drill, engine

SUMMED = ("received", "closed", "overdue_open")
START, END, FIX_AS_OF = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11), dt.datetime(2026, 3, 10, 12)


@pytest.fixture
def fixture_con(fresh_db):
    fresh_db.execute(FIXTURE.read_text(encoding="utf-8"))
    # an empty micro-grid next to MG1: it must show with 0
    fresh_db.execute("INSERT INTO units (unit_id, parent_id, level, name) VALUES ('MG2', 'G1', 'micro_grid', '东一二微网格')")
    store.rebuild_unit_closure(fresh_db)
    aggregates.build_and_mark(fresh_db)
    return fresh_db


def _rows(con, unit, **w):
    return engine.breakdown(con, "child", unit=unit, complete=True, detail=True, **w)


def test_grid_with_cases_on_itself_gets_a_direct_row_and_empty_children_show_zero(fixture_con):
    w = {"start": START, "end": END, "as_of": FIX_AS_OF}
    rows = _rows(fixture_con, "G1", **w)
    # MG1 holds c2 and c9; MG2 none; c1 sits on G1 itself (c5 cancelled, c6/c7 outside the period)
    assert [(r["group_id"], r["group_name"], r["received"], r["direct"]) for r in rows] == [
        ("MG1", "东一微网格", 2, False), ("MG2", "东一二微网格", 0, False), ("=G1", "东一网格", 1, True)]
    assert rows[1]["closure_rate"] is None and rows[1]["closed"] == 0
    assert rows[2]["closed"] == 1
    listed = drill.case_list(fixture_con, unit="G1", group_by="child", group_value="=G1", **w)
    assert listed.total == 1 and list(listed.rows["case_id"]) == ["c1"]
    mg1 = drill.case_list(fixture_con, unit="G1", group_by="child", group_value="MG1", **w)
    assert sorted(mg1.rows["case_id"]) == ["c2", "c9"]
    # a community: G1 holds 3 (c1, c2, c9), G2 holds 2 (c3, c8), nothing on M1 itself
    m1 = _rows(fixture_con, "M1", **w)
    assert [(r["group_id"], r["received"]) for r in m1] == [("G1", 3), ("G2", 2)]
    # a leaf: only its direct row
    assert [(r["group_id"], r["received"], r["direct"]) for r in _rows(fixture_con, "MG1", **w)] == [("=MG1", 2, True)]


def _check_sums(con, monkeypatch, units, **w) -> dict[str, list[dict]]:
    """Check every unit's complete child rows (aggregates == raw, sums == the unit's kpis); the rows by unit."""
    found = {}
    for unit in units:
        parent = engine.kpis(con, unit=unit, **w)
        rows = found[unit] = _rows(con, unit, **w)
        same(rows, raw(monkeypatch, _rows, con, unit, **w))
        for key in SUMMED:
            assert sum(r[key] for r in rows) == parent[key], (unit, key)
    return found


def test_fixture_sums_at_every_unit(fixture_con, monkeypatch):
    units = [r[0] for r in fixture_con.execute("SELECT unit_id FROM units ORDER BY unit_id").fetchall()]
    _check_sums(fixture_con, monkeypatch, units, start=START, end=END, as_of=FIX_AS_OF)


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory: pytest.TempPathFactory):
    path: Path = module_copy(demo_county(tmp_path_factory)[0], tmp_path_factory.mktemp("sums"))
    con = store.connect(path, read_only=True)
    yield con
    con.close()


def test_demo_sums_at_every_level(demo_con, monkeypatch):
    con = demo_con
    levels = [r[0] for r in con.execute("SELECT DISTINCT level FROM units").fetchall()]
    assert {"county", "town", "grid", "micro_grid"} <= set(levels)
    # every unit of the upper levels, the first 40 grids and micro-grids (with cases)
    units = [r[0] for r in con.execute(
        "SELECT unit_id FROM (SELECT u.unit_id, u.level, row_number() OVER (PARTITION BY u.level ORDER BY u.unit_id) AS n"
        " FROM units u) WHERE n <= 40 ORDER BY unit_id").fetchall()]
    p = periods.period("this_year", AS_OF)
    rows = _check_sums(con, monkeypatch, units, start=p.start, end=p.end, as_of=AS_OF)
    direct = [r for u in units[:200] for r in rows[u] if r["direct"]]
    assert direct, "the demo files some cases on grids themselves"
