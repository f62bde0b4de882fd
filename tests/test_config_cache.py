"""Cached results depend on their inputs only (issue #10 item 5): a saved weight change reaches the
wall screen's best/worst grids on the next call through ui.cached, not 15 minutes later.

Library level: ui.session.cached() under Streamlit's cache (bare mode, no server), the real
settings file rewritten by the ranking page's own save_weights.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from browser_support import small_database

from gridboard.core import auth, config
from gridboard.ranking import settings_store
from gridboard.ui import session
from gridboard.wall import board

AS_OF = dt.datetime(2026, 3, 28, 12, 0)
LEADER = auth.User("li", "leader", "李")
ONLY = {c: 0.0 for c in config.DEFAULT_WEIGHTS}


@pytest.fixture
def wall_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = small_database(tmp_path / "wall.duckdb", AS_OF, cases=900, seed=8)
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("min_cases_for_rank = 3\n[weights]\non_time_rate = 1.0\nclosure_rate = 0.0\n"
                   "satisfaction_rate = 0.0\nresponse = 0.0\ngrid_resolved_rate = 0.0\n", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    st.cache_data.clear()
    yield cfg
    st.cache_data.clear()
    st.cache_resource.clear()  # closes nothing by itself: drop the served connection for the next test


def order(extremes: dict) -> list[str]:
    return [r["unit_id"] for r in extremes["best"]] + [r["unit_id"] for r in extremes["worst"]]


def direct() -> dict:
    cur = session.cursor()
    try:
        return board.grid_extremes(cur, as_of=AS_OF)
    finally:
        cur.close()


def test_a_saved_weight_change_reaches_the_cached_best_and_worst_grids(wall_env):
    first = session.cached(board.grid_extremes, as_of=AS_OF)
    assert first == direct() and first["ranked"] >= 4
    settings_store.save_weights({**ONLY, "satisfaction_rate": 1.0}, user=LEADER, path=wall_env)
    expected = direct()  # the same grids, scored on satisfaction only
    assert order(expected) != order(first), "the fixture must rank grids differently on the two weights"
    assert session.cached(board.grid_extremes, as_of=AS_OF) == expected
    # and back: the first weights' entry is still valid for the first weights
    settings_store.save_weights({**ONLY, "on_time_rate": 1.0}, user=LEADER, path=wall_env)
    assert session.cached(board.grid_extremes, as_of=AS_OF) == first
