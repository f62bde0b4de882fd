"""The shift-share decomposition of "why it moved" on the two cases of issue #12, computed by hand:
no improving group is blamed, a shrinking group only when it was better than average, the parts add
up to the change; durations through the share within the time limit; the `explain` command."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gridboard import cli
from gridboard.db import store
from gridboard.metrics import explain

AS_OF = dt.datetime(2026, 11, 20, 12, 0)
LAST_YEAR = explain.Window(dt.datetime(2025, 10, 1), dt.datetime(2025, 11, 1), AS_OF)
OCTOBER = explain.Window(dt.datetime(2026, 10, 1), dt.datetime(2026, 11, 1), AS_OF)
SEPTEMBER = explain.Window(dt.datetime(2026, 9, 1), dt.datetime(2026, 10, 1), AS_OF)


def add(con, unit: str, n: int, *, good: int, day: dt.datetime, source: str = "grid_patrol", kind: str = "closed",
        response_min: float = 10.0) -> None:
    """n cases on `day` in `unit` from `source`; the first `good` of them satisfied (kind "satisfied")
    or closed (kind "closed"; the others stay open), responded after response_min minutes."""
    con.execute(
        """
        INSERT INTO cases (case_id, unit_id, source, reported_at, responded_at, closed_at, due_at, status,
                           handled_level, satisfaction)
        SELECT $u || '-' || $s || '-' || strftime($d, '%Y%m%d') || '-' || i, $u, $s,
               $d + INTERVAL (i % 500) MINUTE,
               $d + INTERVAL (i % 500) MINUTE + to_microseconds(CAST($r * 60e6 AS BIGINT)),
               CASE WHEN $kind = 'satisfied' OR i < $good THEN $d + INTERVAL (i % 500) MINUTE + INTERVAL 5 HOUR END,
               $d + INTERVAL 3 DAY,
               CASE WHEN $kind = 'satisfied' OR i < $good THEN 'closed' ELSE 'in_progress' END,
               'grid',
               CASE WHEN $kind <> 'satisfied' THEN NULL WHEN i < $good THEN 'satisfied' ELSE 'dissatisfied' END
        FROM range($n) t(i)
        """,
        {"u": unit, "s": source, "d": day, "n": n, "good": good, "kind": kind, "r": response_min},
    )


@pytest.fixture
def con(fresh_db):
    fresh_db.execute(
        "INSERT INTO units (unit_id, parent_id, level, name) VALUES ('C', NULL, 'county', '泗水县'),"
        "('T1', 'C', 'town', '济河街道'), ('T2', 'C', 'town', '泗河街道'),"
        "('G1', 'T1', 'grid', '一网格'), ('G2', 'T2', 'grid', '二网格')"
    )
    return fresh_db


def test_satisfaction_by_source_last_year_hotline_improved_is_not_a_drag(con):
    # 同比: 12345热线 96.2 % → 96.4 % while its share fell from 1/2 to 1/4; 网格员巡查 99.0 % on both
    add(con, "G1", 1000, good=962, day=LAST_YEAR.start, source="hotline", kind="satisfied")
    add(con, "G1", 1000, good=990, day=LAST_YEAR.start, source="grid_patrol", kind="satisfied")
    add(con, "G1", 500, good=482, day=OCTOBER.start, source="hotline", kind="satisfied")
    add(con, "G1", 1500, good=1485, day=OCTOBER.start, source="grid_patrol", kind="satisfied")
    store.rebuild_unit_closure(con)
    e = explain.explain(con, "satisfaction_rate", "source", before=LAST_YEAR, after=OCTOBER)
    assert (e.before, e.after) == (pytest.approx(0.976), pytest.approx(0.9835))
    by = {c.group_id: c for c in e.contributions}
    hot, patrol = by["hotline"], by["grid_patrol"]
    # hotline: within = (1/2 + 1/4)/2 × 0.002 = 0.00075; mix = −1/4 × (0.963 − 0.97975) = +0.0041875
    assert hot.rate_effect == pytest.approx(0.00075) and hot.mix_effect == pytest.approx(0.0041875)
    assert hot.contribution == pytest.approx(0.0049375)
    # patrol: within 0 (99 % both times), mix = +1/4 × (0.99 − 0.97975) = +0.0025625
    assert patrol.rate_effect == pytest.approx(0.0) and patrol.mix_effect == pytest.approx(0.0025625)
    assert e.explained == pytest.approx(e.change) == pytest.approx(0.0075)
    # the old split (N₂/D₂ − N₁/D₁ = 482/2000 − 962/2000 = −0.24) called the hotline the largest drag
    assert all(c.contribution >= 0 for c in e.contributions)


def test_closure_by_town_previous_month_improving_town_is_not_blamed(con):
    # 环比: 济河街道 94.2 % → 95.0 % with its share falling from 1/2 to 1/5; 泗河街道 98 % on both
    add(con, "G1", 500, good=471, day=SEPTEMBER.start)
    add(con, "G2", 500, good=490, day=SEPTEMBER.start)
    add(con, "G1", 200, good=190, day=OCTOBER.start)
    add(con, "G2", 800, good=784, day=OCTOBER.start)
    store.rebuild_unit_closure(con)
    e = explain.explain(con, "closure_rate", "child", before=SEPTEMBER, after=OCTOBER)
    assert (e.before, e.after) == (pytest.approx(0.961), pytest.approx(0.974))
    by = {c.group_id: c for c in e.contributions}
    jihe, sihe = by["T1"], by["T2"]
    assert jihe.group_name == "济河街道" and (jihe.before, jihe.after) == (pytest.approx(0.942), pytest.approx(0.95))
    # 济河: within = 0.35 × 0.008 = 0.0028; mix = −0.3 × (0.946 − 0.9675) = +0.00645
    assert jihe.rate_effect == pytest.approx(0.0028) and jihe.mix_effect == pytest.approx(0.00645)
    assert jihe.contribution == pytest.approx(0.00925) and jihe.contribution > 0
    assert sihe.rate_effect == pytest.approx(0.0) and sihe.mix_effect == pytest.approx(0.00375)
    assert e.explained == pytest.approx(e.change) == pytest.approx(0.013)
    assert [c.group_id for c in e.contributions] == ["T1", "T2"]


def test_a_shrinking_group_is_blamed_only_when_better_than_average():
    # group A (90 %) shrinks from 1/2 to 1/4 of the cases, B (50 %) grows: A's departure lowers R
    parts1 = {"A": (450.0, 500.0), "B": (250.0, 500.0)}
    parts2 = {"A": (225.0, 250.0), "B": (375.0, 750.0)}
    got = explain.shift_share(parts1, parts2)
    r_mean = (0.7 + 0.6) / 2
    assert got["A"][4] == 0 and got["A"][5] == pytest.approx(-0.25 * (0.9 - r_mean)) and got["A"][5] < 0
    assert got["B"][5] == pytest.approx(0.25 * (0.5 - r_mean)) and got["B"][5] < 0
    assert sum(v[4] + v[5] for v in got.values()) == pytest.approx(0.6 - 0.7)


@pytest.mark.parametrize("seed", range(20))
def test_an_improving_group_never_has_a_negative_within_effect(seed):
    import random

    rnd = random.Random(seed)
    parts1, parts2 = {}, {}
    for g in range(6):
        d1, d2 = rnd.randint(1, 400), rnd.randint(1, 400)
        parts1[g] = (float(rnd.randint(0, d1)), float(d1))
        parts2[g] = (float(rnd.randint(0, d2)), float(d2))
    got = explain.shift_share(parts1, parts2)
    for g, (r1, r2, _, _, within, _) in got.items():
        if r2 > r1:
            assert within > 0, g
        elif r2 < r1:
            assert within < 0, g
    total1 = sum(n for n, _ in parts1.values()) / sum(d for _, d in parts1.values())
    total2 = sum(n for n, _ in parts2.values()) / sum(d for _, d in parts2.values())
    assert sum(v[4] + v[5] for v in got.values()) == pytest.approx(total2 - total1, abs=1e-12)


def test_response_explained_by_the_share_within_the_limit(con):
    # September: G1 100 cases in 10 min, G2 100 in 50 min → 50 % within 30 min.
    # October: G1 100 in 10 min, G2 100 of which 60 in 20 min and 40 in 50 min → 80 %.
    add(con, "G1", 100, good=100, day=SEPTEMBER.start, response_min=10)
    add(con, "G2", 100, good=100, day=SEPTEMBER.start, response_min=50)
    add(con, "G1", 100, good=100, day=OCTOBER.start, response_min=10)
    add(con, "G2", 60, good=60, day=OCTOBER.start, response_min=20)
    add(con, "G2", 40, good=40, day=OCTOBER.start + dt.timedelta(days=1), response_min=50)
    store.rebuild_unit_closure(con)
    e = explain.explain(con, "response_within_share", "grid", before=SEPTEMBER, after=OCTOBER, limit=30)
    assert (e.before, e.after, e.limit) == (pytest.approx(0.5), pytest.approx(0.8), 30)
    by = {c.group_id: c for c in e.contributions}
    assert by["G2"].rate_effect == pytest.approx(0.5 * 0.6) and by["G2"].mix_effect == pytest.approx(0.0)
    assert by["G1"].contribution == pytest.approx(0.0)
    assert e.explained == pytest.approx(0.3)


def test_explain_command_prints_the_parts(con, db_path, capsys):
    add(con, "G1", 500, good=471, day=SEPTEMBER.start)
    add(con, "G2", 500, good=490, day=SEPTEMBER.start)
    add(con, "G1", 200, good=190, day=OCTOBER.start)
    add(con, "G2", 800, good=784, day=OCTOBER.start)
    store.rebuild_unit_closure(con)
    con.close()
    code = cli.main(["explain", "--db", str(db_path), "--metric", "closure_rate", "--by", "child",
                     "--from", "2026-10-01", "--to", "2026-11-01", "--vs-from", "2026-09-01", "--vs-to", "2026-10-01",
                     "--as-of", "2026-11-20T12:00", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metric"] == "closure_rate" and out["change"] == pytest.approx(0.013)
    jihe = next(g for g in out["groups"] if g["group_id"] == "T1")
    assert jihe["before"] == pytest.approx(0.942) and jihe["after"] == pytest.approx(0.95)
    assert (jihe["weight_before"], jihe["weight_after"]) == (pytest.approx(0.5), pytest.approx(0.2))
    assert jihe["within_effect"] == pytest.approx(0.0028) and jihe["mix_effect"] == pytest.approx(0.00645)
    assert jihe["contribution"] == pytest.approx(0.00925)
    assert sum(g["contribution"] for g in out["groups"]) == pytest.approx(out["change"])
    # bad input: one line in English, exit 2, no traceback
    code = cli.main(["explain", "--db", str(db_path), "--metric", "nonsense", "--by", "child",
                     "--from", "2026-10-01", "--to", "2026-11-01", "--vs-from", "2026-09-01", "--vs-to", "2026-10-01"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error:") and "Traceback" not in err
