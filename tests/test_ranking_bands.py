"""Rank bands, provisional ranks, relative stars and each unit's main loss (gridboard.ranking.bands,
league.main_loss), with hand-computed values."""

from __future__ import annotations

import math

import pytest

from gridboard.ranking import bands, gridindex, league
from gridboard.ranking.gridindex import COMPONENTS, UnitScore

WEIGHTS = {"on_time_rate": 0.3, "closure_rate": 0.2, "satisfaction_rate": 0.25, "response": 0.1,
           "grid_resolved_rate": 0.15}


def test_band_of_one_component_is_the_beta_posterior_normal_interval():
    # 16 of 20 closed, parent 80 %, k = 20: posterior Beta(16 + 16, 4 + 4), mean 0.8, var 0.8·0.2 / 41
    low, high = bands.score_band({"closure_rate": 0.8}, {"closure_rate": 20}, {"closure_rate": 1.0},
                                 {"closure_rate": 20.0})
    half = 1.6448536269514722 * 100 * math.sqrt(0.8 * 0.2 / 41)
    assert (low, high) == (pytest.approx(80 - half), pytest.approx(80 + half))
    assert half == pytest.approx(10.2756, abs=1e-3)


def test_band_combines_components_with_renormalised_weights_and_clips():
    comps = {"on_time_rate": 0.9, "satisfaction_rate": 0.5, "response": None}
    ns = {"on_time_rate": 10, "satisfaction_rate": 30}
    w = {"on_time_rate": 0.3, "satisfaction_rate": 0.1, "response": 0.6}
    low, high = bands.score_band(comps, ns, w, {"on_time_rate": 20.0, "satisfaction_rate": 0.0})
    score = 100 * (0.75 * 0.9 + 0.25 * 0.5)
    sd = 100 * math.sqrt(0.75 ** 2 * 0.9 * 0.1 / 31 + 0.25 ** 2 * 0.5 * 0.5 / 31)
    assert low == pytest.approx(score - 1.6448536269514722 * sd) and high == pytest.approx(score + 1.6448536269514722 * sd)
    assert bands.score_band({"closure_rate": 1.0}, {"closure_rate": 0}, {"closure_rate": 1.0}, {}) == (100.0, 100.0)
    assert bands.score_band({"closure_rate": 0.99}, {"closure_rate": 1}, {"closure_rate": 1.0}, {})[1] == 100.0
    assert bands.score_band({}, {}, WEIGHTS, {}) == (None, None)


def test_overlap():
    assert bands.overlap((1, 5), (4, 9)) and bands.overlap((1, 5), (5, 9))
    assert not bands.overlap((1, 5), (5.1, 9)) and not bands.overlap((6, 9), (1, 5))
    assert bands.overlap((None, None), (1, 2))


@pytest.mark.parametrize(("rank", "of", "stars"), [(1, 10, 5), (2, 10, 4), (3, 10, 4), (4, 10, 3), (7, 10, 3),
                                                   (8, 10, 2), (9, 10, 2), (10, 10, 1), (1, 1, 5), (100, 100, 1)])
def test_relative_stars_by_position(rank, of, stars):
    assert bands.relative_stars(rank, of) == stars


def unit(uid: str, score: float, rank: int) -> UnitScore:
    return UnitScore(uid, uid, "P", 50, None, {}, dict.fromkeys(COMPONENTS, score / 100), score, None, rank=rank)


def test_auto_stars_turn_relative_when_more_than_half_share_a_band():
    crowded = [unit(f"U{i}", 99 - i * 0.5, i + 1) for i in range(20)]  # 99 … 89.5: 18 of 20 five-star
    assert bands.assign_stars(crowded, "auto", gridindex.STAR_BANDS) == "relative"
    assert [u.stars for u in crowded] == [5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1]
    spread = [unit(f"V{i}", s, i + 1) for i, s in enumerate((95, 85, 75, 65, 55, 45))]
    assert bands.assign_stars(spread, "auto", gridindex.STAR_BANDS) == "absolute"
    assert [u.stars for u in spread] == [5, 4, 3, 2, 1, 1]
    assert bands.assign_stars(spread, "relative", gridindex.STAR_BANDS) == "relative"
    assert bands.assign_stars(crowded, "absolute", gridindex.STAR_BANDS) == "absolute"
    assert {u.stars for u in crowded} == {5, 4}
    with pytest.raises(ValueError):
        bands.assign_stars(spread, "sideways", gridindex.STAR_BANDS)


def test_main_loss_is_the_component_furthest_below_the_parent():
    comps = {"on_time_rate": 0.95, "closure_rate": 1.0, "satisfaction_rate": 0.80, "response": 1.0,
             "grid_resolved_rate": 0.50}
    parent = {"on_time_rate": 0.97, "closure_rate": 0.99, "satisfaction_rate": 0.96, "response": 1.0,
              "grid_resolved_rate": 0.50}
    u = UnitScore("G", "G", "P", 50, None, comps, comps, 80.0, 4, rank=1, parent_raw=parent)
    # points lost in absolute terms: 小事不出网格 15 × 0.5 = 7.5 > 满意率 25 × 0.2 = 5 …
    assert league.weakest(u, WEIGHTS) == "grid_resolved_rate"
    # … but against the parent: 满意率 25 × 0.16 = 4 > 按时办结 30 × 0.02 = 0.6; 小事不出网格 is at par
    gap = league.below_parent(u, WEIGHTS)
    assert gap["satisfaction_rate"] == pytest.approx(4.0) and gap["on_time_rate"] == pytest.approx(0.6)
    assert gap["closure_rate"] == pytest.approx(-0.2) and gap["grid_resolved_rate"] == pytest.approx(0.0)
    assert league.main_loss(u, WEIGHTS) == "satisfaction_rate"
    above = UnitScore("H", "H", "P", 50, None, parent, parent, 90.0, 5, rank=1, parent_raw=dict.fromkeys(COMPONENTS, 0.5))
    assert league.main_loss(above, WEIGHTS) == league.weakest(above, WEIGHTS)  # nothing below the parent
