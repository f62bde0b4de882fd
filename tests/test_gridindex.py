"""Grid index: fairness properties, shrinkage, stars and ranks (DESIGN.md "Grid index")."""

from __future__ import annotations

import datetime as dt

import pytest

from gridboard.db import store
from gridboard.ranking import gridindex

START = dt.datetime(2026, 1, 1)
END = dt.datetime(2026, 2, 1)
AS_OF = dt.datetime(2026, 2, 15)
WEIGHTS = {"on_time_rate": 0.3, "closure_rate": 0.2, "satisfaction_rate": 0.25, "response": 0.1,
           "grid_resolved_rate": 0.15}


def settings(**kw) -> gridindex.IndexSettings:
    base = {"weights": WEIGHTS, "response_target_min": 30.0, "k": 20.0, "min_cases": 20}
    base.update(kw)
    return gridindex.IndexSettings(**base)


def add_grid(con, grid: str, parent: str = "M1") -> None:
    con.execute("INSERT INTO units (unit_id, parent_id, level, name, grid_type) VALUES ($g, $p, 'grid', $g, 'general')",
                {"g": grid, "p": parent})


def add_cases(con, grid: str, n: int, *, good: float, response_min: float = 20.0) -> None:
    """n cases in January; the first round(good·n) are closed on time, satisfied and resolved in the
    grid; the others are closed late, dissatisfied and resolved by the town."""
    n_good = round(good * n)
    con.execute(
        """
        INSERT INTO cases (case_id, unit_id, reported_at, responded_at, closed_at, due_at, status,
                           handled_level, satisfaction)
        SELECT $g || '-' || i, $g,
               TIMESTAMP '2026-01-02 08:00' + INTERVAL (i % 600) MINUTE,
               TIMESTAMP '2026-01-02 08:00' + INTERVAL (i % 600) MINUTE + to_microseconds(CAST($resp * 60e6 AS BIGINT)),
               TIMESTAMP '2026-01-02 08:00' + INTERVAL (i % 600) MINUTE + INTERVAL (CASE WHEN i < $ng THEN 2 ELSE 30 END) HOUR,
               TIMESTAMP '2026-01-02 08:00' + INTERVAL (i % 600) MINUTE + INTERVAL 24 HOUR,
               'closed',
               CASE WHEN i < $ng THEN 'grid' ELSE 'town' END,
               CASE WHEN i < $ng THEN 'satisfied' ELSE 'dissatisfied' END
        FROM range($n) t(i)
        """,
        {"g": grid, "n": n, "ng": n_good, "resp": response_min},
    )


@pytest.fixture
def con(fresh_db):
    fresh_db.execute(
        "INSERT INTO units (unit_id, parent_id, level, name) VALUES "
        "('C', NULL, 'county', '县'), ('T1', 'C', 'town', '镇'), ('M1', 'T1', 'community', '社区'),"
        "('M2', 'T1', 'community', '社区二')"
    )
    return fresh_db


def ranked(con, **kw):
    store.rebuild_unit_closure(con)
    return {u.unit_id: u for u in gridindex.scores(con, "grid", settings(**kw), start=START, end=END, as_of=AS_OF)}


def test_better_on_every_component_never_ranks_below(con):
    add_grid(con, "GOOD")
    add_grid(con, "BAD")
    add_grid(con, "MID")
    add_cases(con, "GOOD", 100, good=0.95, response_min=10)
    add_cases(con, "BAD", 100, good=0.70, response_min=90)
    add_cases(con, "MID", 100, good=0.85, response_min=40)
    units = ranked(con)
    assert units["GOOD"].rank == 1 and units["MID"].rank == 2 and units["BAD"].rank == 3
    for c in gridindex.COMPONENTS:
        assert units["GOOD"].components[c] >= units["BAD"].components[c], c


def test_two_perfect_cases_do_not_outrank_300_at_98_percent(con):
    add_grid(con, "TINY")
    add_grid(con, "BIG")
    add_grid(con, "AVG")
    add_cases(con, "TINY", 2, good=1.0, response_min=5)
    add_cases(con, "BIG", 300, good=0.98, response_min=5)
    add_cases(con, "AVG", 300, good=0.80, response_min=5)
    units = ranked(con)  # every grid with a case is ranked: the shrinkage carries small numbers
    assert units["BIG"].rank < units["TINY"].rank
    # the tiny grid's band is far wider than the big one's, and marked provisional at a 5-point setting
    tiny, big = units["TINY"], units["BIG"]
    assert (tiny.band_high - tiny.band_low) > 3 * (big.band_high - big.band_low)
    strict = ranked(con, band_provisional=5.0)
    assert strict["TINY"].provisional and not strict["BIG"].provisional and strict["TINY"].rank is not None


def test_shrinkage_formula():
    assert gridindex.shrink(1.0, 2, 0.8, 20) == pytest.approx((1.0 * 2 + 20 * 0.8) / 22)
    assert gridindex.shrink(None, 0, 0.8, 20) == 0.8
    assert gridindex.shrink(0.5, 10, None, 20) == 0.5


def test_changing_a_weight_reorders(con):
    # FAST responds in 5 min but satisfies 80 %; KIND responds in 120 min but satisfies 98 %.
    add_grid(con, "FAST")
    add_grid(con, "KIND")
    add_cases(con, "FAST", 200, good=0.80, response_min=5)
    add_cases(con, "KIND", 200, good=0.98, response_min=120)
    speed = {**{c: 0.0 for c in gridindex.COMPONENTS}, "response": 1.0}
    care = {**{c: 0.0 for c in gridindex.COMPONENTS}, "satisfaction_rate": 1.0}
    assert ranked(con, weights=speed)["FAST"].rank == 1
    assert ranked(con, weights=care)["KIND"].rank == 1


@pytest.mark.parametrize(
    ("score", "n"), [(100, 5), (90, 5), (89.99, 4), (80, 4), (79.9, 3), (70, 3), (69, 2), (60, 2), (59.9, 1), (0, 1)]
)
def test_star_bands(score, n):
    assert gridindex.stars(score) == n
    assert gridindex.star_text(n) == "★" * n


def test_ranks_within_parent_agree_with_overall_order(con):
    for i, good in enumerate((0.99, 0.9, 0.8, 0.7)):
        add_grid(con, f"A{i}", "M1")
        add_cases(con, f"A{i}", 80 + i, good=good, response_min=15 + 10 * i)
        add_grid(con, f"B{i}", "M2")
        add_cases(con, f"B{i}", 90 + i, good=good - 0.05, response_min=20 + 10 * i)
    units = ranked(con)
    for parent in ("M1", "M2"):
        members = sorted((u for u in units.values() if u.parent_id == parent), key=lambda u: u.rank)
        assert [u.rank_in_parent for u in members] == [1, 2, 3, 4]
    ranks = sorted(u.rank for u in units.values())
    assert ranks == list(range(1, 9))


def test_score_is_weighted_sum_of_components(con):
    add_grid(con, "G")
    add_cases(con, "G", 100, good=0.9, response_min=60)
    u = ranked(con)["G"]
    w = settings().normalised_weights()
    assert u.score == pytest.approx(100 * sum(w[c] * u.components[c] for c in gridindex.COMPONENTS))
    assert u.raw["response"] == pytest.approx(0.5)  # target 30 / median 60
    assert 0 <= u.score <= 100
