"""The case list behind every number has exactly that many cases (and the right ones)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import copy_db

from gridboard.core import catalog
from gridboard.db import store
from gridboard.metrics import drill, engine

START, END, AS_OF = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11), dt.datetime(2026, 3, 10, 12, 0)
W = {"start": START, "end": END, "as_of": AS_OF}

# metric -> (numerator count key, denominator count key) in engine.kpis(detail=True)
COUNTS = {
    "received": ("received", "received"),
    "closed": ("closed", "received"),
    "closure_rate": ("closed", "received"),
    "on_time_rate": ("closed_on_time", "due_passed"),
    "overdue_open": ("overdue_open", "received"),
    "median_response_min": ("responded", "responded"),
    "p90_response_min": ("responded", "responded"),
    "median_close_hours": ("closed", "closed"),
    "satisfaction_rate": ("satisfied", "surveyed"),
    "callback_rate": ("closed_surveyed", "closed"),
    "grid_resolved_rate": ("closed_in_grid", "closed"),
    "reopen_rate": ("reopened", "closed"),
    "supervised": ("supervised", "received"),
}


@pytest.fixture(scope="module")
def con(metrics_fixture_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the session's hand-made fixture database for the module (its tests only read)."""
    c = store.connect(copy_db(metrics_fixture_db_file, tmp_path_factory.mktemp("drill")))
    yield c
    c.close()


def test_every_metric_has_a_case_list():
    assert set(catalog.METRIC_KEYS) <= set(drill.PREDICATES)


@pytest.mark.parametrize("unit", [None, "T1", "T2", "G1", "MG1"])
@pytest.mark.parametrize("metric", sorted(COUNTS))
def test_list_count_equals_the_number(con, metric, unit):
    detail = engine.kpis(con, unit=unit, detail=True, **W)
    num_key, den_key = COUNTS[metric]
    num = drill.case_list(con, unit=unit, metric=metric, part="numerator", **W)
    den = drill.case_list(con, unit=unit, metric=metric, part="denominator", **W)
    assert num.total == detail[num_key] == len(num.rows)
    assert den.total == detail[den_key] == len(den.rows)


def test_the_right_cases(con):
    assert set(drill.case_list(con, metric="overdue_open", **W).rows["case_id"]) == {"c3", "c11"}
    assert set(drill.case_list(con, metric="on_time_rate", **W).rows["case_id"]) == {"c1", "c8"}
    assert set(drill.case_list(con, metric="on_time_rate", part="denominator", **W).rows["case_id"]) == {
        "c1", "c2", "c3", "c8", "c11"}
    rows = drill.case_list(con, **W).rows
    assert list(rows["case_id"])[:2] == ["c11", "c9"]  # newest first
    assert "c5" not in set(rows["case_id"])  # cancelled


@pytest.mark.parametrize("by", ["child", "town", "grid", "category", "source", "day", "week"])
def test_breakdown_groups_open_their_cases(con, by):
    for row in engine.breakdown(con, by, detail=True, **W):
        lst = drill.case_list(con, metric="closed", group_by=by, group_value=row["group_id"], **W)
        assert lst.total == row["closed"], (by, row["group_id"])
        lst = drill.case_list(con, metric="received", group_by=by, group_value=row["group_id"], **W)
        assert lst.total == row["received"], (by, row["group_id"])


def test_paging(con):
    first = drill.case_list(con, limit=3, offset=0, **W)
    second = drill.case_list(con, limit=3, offset=3, **W)
    past = drill.case_list(con, limit=3, offset=30, **W)
    assert first.total == second.total == past.total == 8
    assert len(first.rows) == 3 and len(second.rows) == 3 and len(past.rows) == 0
    assert not set(first.rows["case_id"]) & set(second.rows["case_id"])


def test_unknown_metric(con):
    with pytest.raises(engine.MetricError):
        drill.case_list(con, metric="happiness", **W)
