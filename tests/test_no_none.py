"""`None` never reaches a case list on screen or in a file (issue #15): missing times and numbers
read "—" in kpi_cases.display_frame, the frame the case panels show and download."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from gridboard.core import export, fmt
from gridboard.metrics import kpi_cases


def test_missing_times_show_a_dash_and_present_times_are_minutes():
    rows = pd.DataFrame({
        "case_id": ["a", "b"],
        "reported_at": pd.to_datetime([dt.datetime(2026, 3, 1, 8, 0, 30), dt.datetime(2026, 3, 2, 9, 5)]),
        "responded_at": pd.to_datetime([dt.datetime(2026, 3, 1, 8, 10), None]),
        "closed_at": pd.to_datetime([None, None]),
        "department": [None, "城管局"],
    })
    frame = kpi_cases.display_frame(rows)
    assert list(frame["上报时间"]) == ["2026-03-01 08:00", "2026-03-02 09:05"]
    assert list(frame["签收时间"]) == ["2026-03-01 08:10", fmt.DASH]
    assert list(frame["办结时间"]) == [fmt.DASH, fmt.DASH]
    assert list(frame["承办部门"]) == [fmt.DASH, "城管局"]
    text = export.to_csv_bytes(frame).decode("utf-8-sig")
    assert "None" not in text and "NaT" not in text and "nan" not in text
    english = kpi_cases.display_frame(rows, "en")
    assert list(english["Closed"]) == [fmt.DASH, fmt.DASH]


def test_days_after_close_missing_is_a_dash():
    rows = pd.DataFrame({"case_id": ["a", "b"], "days_after_close": [1.26, float("nan")]})
    frame = kpi_cases.display_frame(rows, columns=kpi_cases.PAIR_COLUMNS)
    assert list(frame["间隔天数"]) == [1.3, fmt.DASH]


def test_a_rate_whose_source_field_is_absent_is_none_not_zero(fresh_db):
    from test_aggregates import FIXTURE

    from gridboard.db import aggregates, store
    from gridboard.metrics import engine

    con = fresh_db
    con.execute(FIXTURE.read_text(encoding="utf-8"))
    store.rebuild_unit_closure(con)
    w = {"start": dt.datetime(2026, 3, 1), "end": dt.datetime(2026, 3, 11), "as_of": dt.datetime(2026, 3, 10, 12)}
    before = engine.kpis(con, **w)
    assert before["grid_resolved_rate"] is not None and before["reopen_rate"] is not None
    assert engine.absent_metrics(con) == frozenset()
    # a source without the level closed at and without reopen flags
    con.execute("UPDATE cases SET handled_level = NULL, reopened = NULL")
    aggregates.build_and_mark(con)
    assert engine.absent_metrics(con) == {"grid_resolved_rate", "reopen_rate"}
    now = engine.kpis(con, **w)
    assert now["grid_resolved_rate"] is None and now["reopen_rate"] is None
    assert now["satisfaction_rate"] == before["satisfaction_rate"] and now["closed"] == before["closed"]
    assert fmt.metric("reopen_rate", now["reopen_rate"]) == fmt.DASH
    for row in engine.breakdown(con, "child", complete=True, **w):
        assert row["grid_resolved_rate"] is None and row["reopen_rate"] is None
    # one case with a value: the field exists, the rate is a number again
    con.execute("UPDATE cases SET handled_level = 'grid' WHERE case_id = 'c1'")
    assert engine.kpis(con, **w)["grid_resolved_rate"] is not None
