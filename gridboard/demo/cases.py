"""The demo county's cases: two years of them up to as_of, generated inside DuckDB.

Owns the intake rhythm (hour of day, weekday, season, growth, event days), the lookup tables
(time bins, unit tickets by case load, subcategory tickets by area and season) that
gridboard/db/sql/demo_cases.sql draws from, the planted declining grids (declining_grids: a
few ordinary grids whose service slips over the two years and that draw more complaints, for the
ranking and the explanations to find) and the bulk insert with a deferred primary key.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import numpy as np
import pandas as pd

from gridboard.core import schema
from gridboard.db import queries, store
from gridboard.demo.frames import temp_table
from gridboard.demo.tree import Unit, walk

# Case rhythm: relative intake by hour of day and by weekday (Monday first).
_HOUR_PROFILE = np.array([0.12, 0.08, 0.06, 0.05, 0.06, 0.12, 0.35, 0.8, 1.5, 1.9, 2.0, 1.8,
                          1.3, 1.2, 1.6, 1.8, 1.8, 1.6, 1.2, 0.9, 0.7, 0.5, 0.35, 0.2])
_WEEKDAY_PROFILE = np.array([1.12, 1.08, 1.05, 1.05, 1.0, 0.72, 0.65])
# Source mixes (grid_patrol, hotline, app, sensor, other) named in demo_case_kinds.sql.
_SOURCE_MIX = {
    "patrol": (0.52, 0.25, 0.16, 0.0, 0.07),
    "sensor": (0.40, 0.22, 0.15, 0.16, 0.07),
    "hotline": (0.20, 0.58, 0.16, 0.0, 0.06),
    "app": (0.30, 0.27, 0.36, 0.0, 0.07),
}
AREAS = ("urban", "rural", "dedicated")  # area codes 0, 1, 2 in demo_cases.sql

# Lookup sizes: demo_cases.sql copies its lookup lists into every chunk of 2,048 cases, so
# longer lists cost time on every case (measured: 2^18 time bins and unit tickets took ~20 %
# more CPU than 2^17 / 2^16). 2^17 bins are ~7 per hour on average (minutes wide by day,
# two hours at night, where the rhythm is flat anyway); 2^16 tickets give the ~10,000 grids
# and micro-grids about six each, so a unit's case load is right to about 10 %.
TIME_BINS = 1 << 17
UNIT_TICKETS = 1 << 16
KIND_TICKETS = 1024
LAST_HOUR_MIN_CASES = 5  # the wall screen's "latest cases" must never be empty
DECLINING = 8  # planted grids whose service slips steadily over the two years (documented in tests)
STUCK_SHARE, STUCK_MIN = 0.003, 10  # backlog: share of the last 30 days' cases unsolved at as_of, at least ~10


# demo_u(h, k): the k-th uniform draw of a case. hash(h, k) would not do: DuckDB combines the
# hashes of several arguments weakly, so draws for k = 10 and 11 came out 98 % correlated.
# Re-hashing h XOR k mixes fully (measured: |corr| < 0.002 between any two k).
_MACRO = (
    "CREATE OR REPLACE TEMP MACRO demo_u(h, k) AS "
    "CAST(hash(xor(h, CAST(k AS UBIGINT))) >> 11 AS DOUBLE) / 9007199254740992.0"
)
_TEMP_TABLES = ("demo_ids", "demo_time", "demo_units", "demo_unit_tickets", "demo_kinds", "demo_kind_tickets")


# --- cases -------------------------------------------------------------------------------------


def _apportion(weights: np.ndarray, total: int, min_one: bool = False) -> np.ndarray:
    """Integer counts proportional to weights summing to total (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    base = np.ones(len(w), dtype=np.int64) if min_one else np.zeros(len(w), dtype=np.int64)
    share = w / w.sum() * (total - base.sum())
    counts = base + np.floor(share).astype(np.int64)
    rest = total - int(counts.sum())
    counts[np.argsort(-(share - np.floor(share)), kind="stable")[:rest]] += 1
    return counts


def period_start(as_of: dt.datetime) -> dt.datetime:
    """24 months before as_of, on the hour (cases start here)."""
    try:
        start = as_of.replace(year=as_of.year - 2)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - 2, day=28)
    return start.replace(minute=0, second=0, microsecond=0)


def _time_bins(rng: np.random.Generator, start: dt.datetime, as_of: dt.datetime, n_cases: int) -> pd.DataFrame:
    """Knots of equal-probability time bins (seconds after start) of the case intake rhythm.

    Hourly weight = hour-of-day x weekday x season x slow growth x day noise (with rare event
    days) x hour noise. The last hour before as_of always holds a few cases.
    """
    span = (as_of - start).total_seconds()
    n_slots = int(np.ceil(span / 3600))
    edges = np.minimum(np.arange(n_slots + 1) * 3600.0, span)
    slot = np.datetime64(start, "h") + np.arange(n_slots).astype("timedelta64[h]")
    hour = slot.astype(np.int64) % 24
    day = slot.astype("datetime64[D]")
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    doy = (day - day.astype("datetime64[Y]")).astype(np.int64)
    day_idx = (day - day[0]).astype(np.int64)
    n_days = int(day_idx[-1]) + 1
    day_noise = rng.lognormal(0.0, 0.08, n_days)
    events = rng.random(n_days) < 0.02
    day_noise[events] *= rng.uniform(1.3, 1.8, int(events.sum()))
    t = edges[:-1] / span
    weight = (_HOUR_PROFILE[hour] * _WEEKDAY_PROFILE[weekday] * (1 + 0.12 * np.cos(2 * np.pi * (doy - 200) / 365.25))
              * (1 + 0.15 * t) * day_noise[day_idx] * rng.lognormal(0.0, 0.1, n_slots))
    mass = weight * np.diff(edges)
    last = edges[1:] > span - 3600
    need = min(0.5, LAST_HOUR_MIN_CASES / max(n_cases, 1))
    have, rest = mass[last].sum(), mass[~last].sum()
    if have / (have + rest) < need:
        mass[last] *= need * rest / (1 - need) / have
    cum = np.concatenate([[0.0], np.cumsum(mass)])
    knots = np.interp(np.linspace(0.0, cum[-1], TIME_BINS + 1), cum, edges)
    knots[-1] = span - 1  # keep every case strictly before as_of
    return pd.DataFrame({"q": np.arange(TIME_BINS + 1, dtype=np.int32), "t": knots})


def declining_grids(root: Unit) -> list[str]:
    """The grids planted to get truly worse over the two years (DECLINING of them, ordinary general
    grids of middling quality, picked by a fixed hash of their code: the same for a seed)."""
    candidates = [u for u in walk(root) if u.level == "grid" and u.grid_type == "general" and 0.45 <= u.quality <= 0.8]
    candidates.sort(key=lambda u: hashlib.sha256(f"declining:{u.unit_id}".encode()).hexdigest())
    return sorted(u.unit_id for u in candidates[:DECLINING])


def _unit_tables(root: Unit, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grids and micro-grids (demo_units, with the decline of the planted declining grids) and
    UNIT_TICKETS tickets by case load (demo_unit_tickets)."""
    rows = []
    grids = [u for u in walk(root) if u.level == "grid"]
    declining = set(declining_grids(root))
    for g, u in enumerate(grids):
        # case load: households, busier in town and at dedicated sites, plus a per-grid temper;
        # a third lands on the grid itself, the rest on its micro-grids by households. A declining
        # grid draws more complaints as it slips.
        decline = 1.0 if u.unit_id in declining else 0.0
        load = u.households * (1.5, 1.0, 2.0)[u.area] * rng.lognormal(0.0, 0.35) * (1 + 5.0 * decline)
        rows.append((g, u.unit_id, u.area, u.quality, decline, u.lon, u.lat, u.place, 0.35 * load))
        micro_total = sum(m.households for m in u.children)
        for m in u.children:
            rows.append((g, m.unit_id, m.area, u.quality, decline, m.lon, m.lat, m.place,
                         0.65 * load * m.households / micro_total))
    units = pd.DataFrame(rows, columns=["grid_row", "unit_id", "area", "q", "decline", "lon", "lat", "place", "load"])
    units["grid_row"] = units["grid_row"].astype(np.int32)
    units.insert(0, "row_id", np.arange(len(units), dtype=np.int32))
    units["area"] = units["area"].astype(np.int32)
    counts = _apportion(units.pop("load").to_numpy(), UNIT_TICKETS, min_one=True)
    tickets = pd.DataFrame({"ticket": np.arange(UNIT_TICKETS, dtype=np.int32),
                            "row_id": np.repeat(units["row_id"].to_numpy(), counts)})
    return units, tickets


def _kind_tables(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Subcategories with their title phrases (demo_kinds) and KIND_TICKETS tickets per (area,
    season) (demo_kind_tickets)."""
    kinds = queries.frame(con, queries.text("demo_case_kinds"), {})
    kinds.insert(0, "kind_id", np.arange(len(kinds), dtype=np.int32))
    kinds["town_desk"] = kinds["department"] == "镇街综治中心"  # a town desk never escalates to county
    kinds["title_head"] = "【" + kinds["category"] + "】"
    cum = np.array([np.cumsum(_SOURCE_MIX[p])[:4] for p in kinds["profile"]])
    for j in range(4):
        kinds[f"src{j + 1}"] = cum[:, j]
    season = np.array(kinds["season"].tolist())
    parts = []
    for a, area in enumerate(AREAS):
        for s in range(4):
            counts = _apportion(kinds[f"w_{area}"].to_numpy() * season[:, s], KIND_TICKETS)
            parts.append(pd.DataFrame({
                "kind_key": np.int32(a * 4 + s) * KIND_TICKETS + np.arange(KIND_TICKETS, dtype=np.int32),
                "kind_id": np.repeat(np.arange(len(kinds), dtype=np.int32), counts),
            }))
    kinds = kinds[["kind_id", "category", "subcategory", "department", "limit_hours", "grid_share", "town_desk",
                   "title_head", "phrases", "src1", "src2", "src3", "src4"]]
    return kinds, pd.concat(parts, ignore_index=True)


def insert_cases(con: duckdb.DuckDBPyConnection, root: Unit, n: int, seed: int, as_of: dt.datetime,
                  rng_time: np.random.Generator, rng_load: np.random.Generator) -> None:
    """Generate the cases in DuckDB (demo_cases.sql), then build the primary key in one go.

    Inserting 10 M rows into a table with its primary key grows the key index row by row; a
    keyless copy of the contract table plus ALTER TABLE ... ADD PRIMARY KEY builds it in bulk,
    about twice as fast. ensure_schema() afterwards restores anything else the schema hangs on
    the table (the tests compare the result with a freshly created database).
    """
    start = period_start(as_of)
    # a stored table of case numbers: its scan feeds both cores (range() feeds one thread only)
    con.execute("CREATE OR REPLACE TEMP TABLE demo_ids AS SELECT range AS i FROM range($n)", {"n": n})
    temp_table(con, "demo_time", _time_bins(rng_time, start, as_of, n))
    units, unit_tickets = _unit_tables(root, rng_load)
    kinds, kind_tickets = _kind_tables(con)
    for name, frame in (("demo_units", units), ("demo_unit_tickets", unit_tickets),
                        ("demo_kinds", kinds), ("demo_kind_tickets", kind_tickets)):
        temp_table(con, name, frame)
    con.execute(_MACRO)
    key = f"PRIMARY KEY ({', '.join(schema.CASES.primary_key)})"
    ddl = schema.create_table_sql(schema.CASES)
    keyless = ddl.replace(f",\n  {key}", "")
    if keyless == ddl:
        raise RuntimeError("unexpected DDL for cases: cannot defer its primary key")
    con.execute("DROP TABLE cases")
    con.execute(keyless)
    recent = n * 30 / ((as_of - start).total_seconds() / 86400)
    params = {"n": n, "seed": seed, "start": start, "as_of": as_of, "bins": TIME_BINS,
              "unit_tickets": UNIT_TICKETS, "kind_tickets": KIND_TICKETS,
              "stuck_p": min(0.2, max(STUCK_SHARE, STUCK_MIN / max(recent, 1.0)))}
    queries.run(con, queries.text("demo_cases"), params)
    con.execute(f"ALTER TABLE cases ADD {key}")
    store.ensure_schema(con)
    for name in _TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute("DROP MACRO IF EXISTS demo_u")
