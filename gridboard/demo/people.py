"""The demo county's volunteers, their services and the villages' collective economy.

Owns the volunteer registrations (3-5 % of residents, a party share, teams; the registered count
growing by about a quarter a year), two years of services (each volunteer serving at a steady rate
while registered, so hours grow with the registrations), and three years of collective economy per
village: most grow a few percent a year, some fall back, weak villages are lifted.
"""

from __future__ import annotations

import datetime as dt
import statistics

import duckdb
import numpy as np
import pandas as pd

from gridboard.demo.cases import period_start
from gridboard.demo.frames import insert_frame
from gridboard.demo.tree import Unit, walk

_SURNAMES = "王张李刘孔颜孟陈杨赵高孙徐马朱胡郭周吴宋韩冯于董曹程魏田姜石邱袁侯贾"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红志文海燕鹏辉凤金立庆宏晓子浩宇欣怡雪梅春秋德福荣成林"
_TEAMS = ("党员先锋队", "巾帼志愿服务队", "青年志愿服务队", "银发志愿服务队", "新时代文明实践志愿服务队", "平安志愿巡逻队")
_ACTIVITIES = ("环境整治", "政策宣传", "关爱帮扶", "治安巡逻", "文明实践", "应急救援")
_ACTIVITY_P = (0.28, 0.18, 0.2, 0.16, 0.15, 0.03)
_HOURS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
_HOURS_P = (0.06, 0.16, 0.14, 0.2, 0.1, 0.12, 0.1, 0.05, 0.04, 0.03)
WEAK_INCOME = 50_000  # yuan: a village below this operating income is weak (薄弱村)
WEAK_SHARE = (0.20,)  # share of weak villages two years ago (later years follow from growth and 消薄 support)


# --- volunteers and collective economy ----------------------------------------------------------


def _people_names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = np.array(list(_SURNAMES))[rng.integers(len(_SURNAMES), size=n)]
    given = np.array(list(_GIVEN))
    first = given[rng.integers(len(given), size=n)]
    second = np.where(rng.random(n) < 0.6, given[rng.integers(len(given), size=n)], "")
    return np.char.add(np.char.add(sur, first), second)


def insert_volunteers(con: duckdb.DuckDBPyConnection, root: Unit, rng: np.random.Generator,
                       as_of: dt.datetime) -> None:
    """~3-5 % of residents registered (a tenth of grids far fewer), services over 24 months."""
    grids = [g for g in walk(root) if g.level == "grid"]
    grid_ids = np.array([g.unit_id for g in grids])
    cv_name = {u.unit_id: u.name for u in walk(root) if u.level in ("community", "village")}
    # walk() lists the grids of a community/village together: first index and count per grid
    parents = np.array([g.parent_id for g in grids])
    _, first_of, size_of = np.unique(parents, return_index=True, return_counts=True)
    cv_pos = np.searchsorted(np.unique(parents), parents)
    cv_first, cv_size = first_of[cv_pos], size_of[cv_pos]
    rate = np.where(rng.random(len(grids)) < 0.1, rng.uniform(0.002, 0.01, len(grids)),
                    rng.lognormal(np.log(0.04), 0.25, len(grids)))
    counts = np.round(np.array([g.population for g in grids]) * rate).astype(int)
    grid_idx = np.repeat(np.arange(len(grids)), counts)
    n = len(grid_idx)
    party_rate = rng.uniform(0.22, 0.38, len(grids))[grid_idx]
    party = rng.random(n) < party_rate
    team_kind = np.where(party & (rng.random(n) < 0.6), 0, rng.integers(1, len(_TEAMS), size=n))
    today = np.datetime64(as_of.date())
    # registrations over six years, more of them recent: the registered count grows by about a
    # quarter a year (exponential ages, mean four years, capped at six)
    age_days = np.minimum(rng.exponential(1500.0, n), 6 * 365).astype(int)
    registered = today - age_days.astype("timedelta64[D]")
    team_place = pd.Series([cv_name[p] for p in parents])[grid_idx].reset_index(drop=True)
    volunteers = pd.DataFrame({
        "volunteer_id": [f"V{k + 1:07d}" for k in range(n)],
        "unit_id": grid_ids[grid_idx],
        "name": _people_names(rng, n),
        "is_party_member": party,
        "team": team_place + pd.Series(np.array(_TEAMS)[team_kind]),
        "registered_on": registered,
    })
    # services: an activity level per volunteer (many seldom serve, a few very often), as a rate over
    # the time the volunteer was registered: hours served grow with the registered count, plausibly
    start = np.datetime64(period_start(as_of), "s")
    end = np.datetime64(as_of, "s")
    active = (end - np.maximum(registered.astype("datetime64[s]"), start)).astype(np.int64) / (end - start).astype(np.int64)
    lam = rng.gamma(0.8, 6.0, n) * np.where(party, 1.5, 1.0) * np.clip(active, 0.0, 1.0)
    per = rng.poisson(lam)
    who = np.repeat(np.arange(n), per)
    m = len(who)
    first = np.maximum(registered[who].astype("datetime64[s]"), start)
    span_s = (end - first).astype(np.int64)
    day_off = (rng.random(m) * np.maximum(span_s - 86400, 0) // 86400).astype(np.int64)
    hour = rng.choice([8, 9, 10, 14, 15, 16, 19], size=m, p=[0.16, 0.22, 0.14, 0.16, 0.16, 0.08, 0.08])
    started = (first.astype("datetime64[D]") + day_off.astype("timedelta64[D]")).astype("datetime64[s]") \
        + (hour * 3600 + rng.integers(0, 4, m) * 900).astype("timedelta64[s]")
    hours = rng.choice(_HOURS, size=m, p=_HOURS_P)
    # keep every service finished by as_of (an unfinished one would be in the future)
    ok = started + (hours * 3600).astype("timedelta64[s]") <= end
    who, started, hours = who[ok], started[ok], hours[ok]
    order = np.lexsort((who, started))
    who, started, hours = who[order], started[order], hours[order]
    own = grid_idx[who]
    # 15 % of services happen in another grid of the same community/village
    away = rng.random(len(who)) < 0.15
    pick = cv_first[own] + (rng.random(len(who)) * cv_size[own]).astype(int)
    served = grid_ids[np.where(away, pick, own)]
    services = pd.DataFrame({
        "service_id": [f"S{k + 1:08d}" for k in range(len(who))],
        "volunteer_id": volunteers["volunteer_id"].to_numpy()[who],
        "unit_id": served,
        "activity_type": np.array(_ACTIVITIES)[rng.choice(len(_ACTIVITIES), size=len(who), p=_ACTIVITY_P)],
        "started_at": started.astype("datetime64[us]"),
        "hours": hours,
        "points": np.round(hours * 10).astype(int),
    })
    insert_frame(con, "volunteers", volunteers)
    insert_frame(con, "volunteer_services", services)


def insert_economy(con: duckdb.DuckDBPyConnection, root: Unit, rng: np.random.Generator, year: int) -> None:
    """Three years of collective economy per village: a fifth weak (< 5万) in the first year; most
    villages grow a few percent a year, about one in eight falls back, and weak villages get the
    county's lifting support (消薄: about +35 % a year), so the weak share shrinks year by year."""
    villages = [u for u in walk(root) if u.level == "village"]
    n = len(villages)
    sigma = 0.9
    strength = rng.normal(0.0, 1.0, n)  # a village's rank stays (nearly) the same over the years
    coops = 1 + rng.poisson(1.8, n)
    rows = []
    mu = np.log(WEAK_INCOME) - sigma * statistics.NormalDist().inv_cdf(WEAK_SHARE[0])
    log_income = mu + sigma * strength
    for k, led in enumerate((0.4, 0.5, 0.6)):
        if k:
            growth = np.where(rng.random(n) < 0.12, rng.normal(-0.08, 0.04, n), rng.normal(0.045, 0.03, n))
            lifted = np.exp(log_income) < WEAK_INCOME
            growth = np.where(lifted, rng.normal(0.35, 0.08, n), growth)
            log_income = log_income + growth
        income = np.round(np.exp(log_income + rng.normal(0.0, 0.01, n)), -2)
        coops = coops + (rng.random(n) < 0.15)
        total = np.round(income * rng.uniform(1.1, 1.5, n) + rng.uniform(80_000, 250_000, n), -2)
        dividends = np.where(income > 100_000, np.round(income * rng.uniform(0.05, 0.3, n), -2), 0.0)
        party_led = rng.binomial(coops, led)
        for v, inc, tot, div, c, p in zip(villages, income, total, dividends, coops, party_led, strict=True):
            rows.append((v.unit_id, year - 2 + k, float(inc), float(tot), float(div), int(c), int(p)))
    frame = pd.DataFrame(rows, columns=["unit_id", "year", "operating_income", "total_income", "dividends",
                                        "cooperatives", "party_led_cooperatives"])
    insert_frame(con, "collective_economy", frame)
