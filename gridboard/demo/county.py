"""The demo county: a deterministic, realistic 泗水县 to run and show gridboard without real data.

This module owns everything the `demo` command writes: the organisation tree (the 13 real town
names of 泗水, generated communities, villages, grids, dedicated grids and micro-grids with
households, population and boundaries cut from the county outline by gridboard.geo), two years
of cases up to `as_of` (generated inside DuckDB by gridboard/sql/demo_cases.sql from lookup
tables prepared here), volunteers and their services, and three years of village collective
economy. The same seed and as_of give identical table contents; the case count only changes the
cases (each part draws from its own child of the seed).

Every grid has a hidden quality factor that moves its response and close times, on-time rate,
satisfaction, grid-resolved share and reopen rate, so grid rankings spread out.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely

from gridboard.core import config, schema
from gridboard.db import queries, store
from gridboard.demo import geo

COUNTY_ID, COUNTY_NAME = "370831", "泗水县"
SEAT_LONLAT = (117.273, 35.652)  # the county seat, where the two 街道 are

# The 13 towns/streets of 泗水 (public division codes and names).
TOWNS: tuple[tuple[str, str], ...] = (
    ("370831001", "泗河街道"), ("370831002", "济河街道"), ("370831101", "泉林镇"),
    ("370831102", "星村镇"), ("370831103", "柘沟镇"), ("370831104", "金庄镇"),
    ("370831105", "苗馆镇"), ("370831106", "中册镇"), ("370831107", "杨柳镇"),
    ("370831108", "泗张镇"), ("370831109", "圣水峪镇"), ("370831110", "高峪镇"),
    ("370831111", "华村镇"),
)
# The 11 urban communities of the seed document, split over the two streets (generated names).
COMMUNITIES: dict[str, tuple[str, ...]] = {
    "370831001": ("东关社区", "西关社区", "北关社区", "泉韵社区", "圣源社区", "文庙社区"),
    "370831002": ("南关社区", "济河社区", "龙湾社区", "惠民社区", "新华社区"),
}

# Village name parts: optional prefix + core + settlement suffix + 村 (plausible, not real).
_V_PREFIX = "东西南北前后大小上下中"
_V_CORE = "王张李刘孔颜孟曾高杨赵陈周吴徐孙马朱胡郭何林宋郑韩冯于董柳杏桃石泉龙凤黄青白金花松柏槐枣姜范崔潘"
_V_SUFFIX = ("家庄", "庄", "店", "营", "屯", "集", "楼", "峪", "沟", "岭", "河", "泉", "湾", "洼",
             "坡", "寨", "埠", "官庄", "家村", "疃", "头", "山", "窑", "口")
# Dedicated grids (专属网格): site name suffixes by kind.
_DEDICATED = ("小学", "中学", "幼儿园", "工业园", "产业园", "物流园", "农贸市场", "商贸城", "卫生院", "景区", "生态园")

_SURNAMES = "王张李刘孔颜孟陈杨赵高孙徐马朱胡郭周吴宋韩冯于董曹程魏田姜石邱袁侯贾"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红志文海燕鹏辉凤金立庆宏晓子浩宇欣怡雪梅春秋德福荣成林"
_TEAMS = ("党员先锋队", "巾帼志愿服务队", "青年志愿服务队", "银发志愿服务队", "新时代文明实践志愿服务队", "平安志愿巡逻队")
_ACTIVITIES = ("环境整治", "政策宣传", "关爱帮扶", "治安巡逻", "文明实践", "应急救援")
_ACTIVITY_P = (0.28, 0.18, 0.2, 0.16, 0.15, 0.03)
_HOURS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
_HOURS_P = (0.06, 0.16, 0.14, 0.2, 0.1, 0.12, 0.1, 0.05, 0.04, 0.03)

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
STUCK_SHARE, STUCK_MIN = 0.003, 10  # backlog: share of the last 30 days' cases unsolved at as_of, at least ~10
PROBLEM_GRIDS = 0.04  # share of grids with a very low hidden quality (scores around 60)
WEAK_INCOME = 50_000  # yuan: a village below this operating income is weak (薄弱村)
WEAK_SHARE = (0.20, 0.12, 0.05)  # share of weak villages two years ago, last year, this year

# demo_u(h, k): the k-th uniform draw of a case. hash(h, k) would not do: DuckDB combines the
# hashes of several arguments weakly, so draws for k = 10 and 11 came out 98 % correlated.
# Re-hashing h XOR k mixes fully (measured: |corr| < 0.002 between any two k).
_MACRO = (
    "CREATE OR REPLACE TEMP MACRO demo_u(h, k) AS "
    "CAST(hash(xor(h, CAST(k AS UBIGINT))) >> 11 AS DOUBLE) / 9007199254740992.0"
)
_TEMP_TABLES = ("demo_ids", "demo_time", "demo_units", "demo_unit_tickets", "demo_kinds", "demo_kind_tickets")


@dataclass(frozen=True)
class DemoSummary:
    """What a demo build produced (counts at as_of) and how long it took."""

    towns: int
    communities: int
    villages: int
    grids: int
    dedicated_grids: int
    micro_grids: int
    households: int
    population: int
    cases: int
    open_cases: int
    overdue_cases: int
    volunteers: int
    services: int
    economy_rows: int
    seconds: float
    seed: int
    as_of: dt.datetime
    real_outline: bool
    outline_source: str

    @property
    def communities_and_villages(self) -> int:
        return self.communities + self.villages

    def describe(self) -> str:
        outline = (f"outline {self.outline_source}" if self.real_outline
                   else "outline: built-in shape (county outline file not found)")
        return (
            f"Demo county {COUNTY_NAME} (seed {self.seed}, as of {self.as_of:%Y-%m-%d %H:%M}): "
            f"{self.towns} towns, {self.communities} communities + {self.villages} villages, "
            f"{self.grids:,} grids ({self.dedicated_grids} dedicated), {self.micro_grids:,} micro-grids, "
            f"{self.households:,} households, {self.population:,} people.\n"
            f"{self.cases:,} cases ({self.open_cases:,} open, {self.overdue_cases:,} overdue), "
            f"{self.volunteers:,} volunteers, {self.services:,} services, "
            f"{self.economy_rows} collective-economy rows; {outline}; built in {self.seconds:.1f} s."
        )


@dataclass
class _Unit:
    unit_id: str
    parent_id: str | None
    level: str
    name: str
    geom: object = None  # shapely geometry in the km plane (None for micro-grids)
    lon: float = 0.0
    lat: float = 0.0
    grid_type: str | None = None
    households: int = 0
    population: int = 0
    area: int = 1  # 0 urban, 1 rural, 2 dedicated (grids and micro-grids)
    quality: float = 0.0
    place: str = ""
    children: list[_Unit] = field(default_factory=list)


# --- the organisation tree ---------------------------------------------------------------------


def _village_namer(rng: np.random.Generator) -> Iterator[str]:
    """Yields village names unique in the county (ingest may match units by name)."""
    used: set[str] = set()
    while True:
        prefix = _V_PREFIX[rng.integers(len(_V_PREFIX))] if rng.random() < 0.4 else ""
        name = prefix + _V_CORE[rng.integers(len(_V_CORE))] + _V_SUFFIX[rng.integers(len(_V_SUFFIX))] + "村"
        if name not in used:
            used.add(name)
            yield name


def _split(rng: np.random.Generator, total: int, n: int, lo: int, hi: int) -> list[int]:
    """total split into n random integer parts each within [lo, hi] (needs n*lo <= total <= n*hi)."""
    parts = np.full(n, lo)
    extra = total - n * lo
    share = rng.dirichlet(np.full(n, 2.0))
    add = np.minimum(np.floor(extra * share).astype(int), hi - lo)
    parts += add
    left = total - int(parts.sum())
    for idx in np.argsort(-share):  # hand out what the floor and the cap left over
        give = min(left, hi - int(parts[idx]))
        parts[idx] += give
        left -= give
    return [int(p) for p in parts]


def _place_at(unit: _Unit, geom: object) -> None:
    unit.geom = geom
    unit.lon, unit.lat = geo.lonlat_of(geo.label_point(geom))


def _add_grids(rng: np.random.Generator, cv: _Unit, n_general: int, n_dedicated: int, urban: bool,
               quality: float) -> None:
    """Grids of a community/village: Voronoi cells, the smallest ones made dedicated (campus-like).

    General grids hold 300-500 households, dedicated grids (a school, park, market...) 90-300;
    each is split into 3-8 micro-grids of 30-100 households.
    """
    cells = geo.partition(cv.geom, n_general + n_dedicated, rng)
    order = np.argsort([c.area for c in cells], kind="stable")
    dedicated = set(order[:n_dedicated].tolist())
    short = cv.name.removesuffix("社区").removesuffix("村")
    g_no, d_no = 0, 0
    kinds = rng.choice(len(_DEDICATED), size=n_dedicated, replace=n_dedicated > len(_DEDICATED))
    for k, cell in enumerate(cells):
        if k in dedicated:
            site = short + _DEDICATED[kinds[d_no]]
            d_no += 1
            uid, name, gtype, area = f"{cv.unit_id}{900 + d_no:03d}", f"{site}专属网格", "dedicated", 2
            households = int(rng.integers(90, 301))
        else:
            g_no += 1
            site = cv.name
            uid, name, gtype, area = f"{cv.unit_id}{g_no:03d}", f"{cv.name}第{g_no}网格", "general", 0 if urban else 1
            households = int(rng.integers(300, 501))
        q = float(np.clip(quality + rng.normal(0, 0.2), 0.0, 1.0))
        if rng.random() < PROBLEM_GRIDS:  # a few grids in real trouble give the ranking its tail
            q = float(rng.uniform(0.0, 0.12))
        grid = _Unit(uid, cv.unit_id, "grid", name, grid_type=gtype, area=area, quality=q, place=site)
        _place_at(grid, cell)
        lo_n = max(3, -(-households // 100))
        hi_n = min(8, households // 30)
        n_micro = int(rng.integers(lo_n, hi_n + 1))
        sizes = _split(rng, households, n_micro, 30, 100)
        points = geo.sample_points(cell, n_micro, rng)
        for m, (size, (x, y)) in enumerate(zip(sizes, points, strict=True), start=1):
            lon, lat = geo.to_lonlat(x, y)
            micro = _Unit(f"{uid}{m:03d}", uid, "micro_grid", f"{name}{m}号微网格", area=area, quality=q,
                          place=site, households=size, population=int(round(size * rng.uniform(2.45, 2.95))),
                          lon=round(float(lon), 6), lat=round(float(lat), 6))
            grid.children.append(micro)
        cv.children.append(grid)


def _streets_core(outline: object, rng: np.random.Generator) -> tuple[object, object]:
    """The two 街道 around the county seat: a rounded blob split north/south by a wavy 'river' line."""
    sx, sy = geo.to_km(*SEAT_LONLAT)
    wobble = tuple((k, float(rng.uniform(0.03, 0.08)), float(rng.uniform(0, 2 * np.pi))) for k in (2, 3, 5))
    core = geo.blob(float(sx), float(sy), 3.8, 3.2, wobble).intersection(outline)
    xs = np.linspace(sx - 6, sx + 6, 49)
    phase = rng.uniform(0, 2 * np.pi)
    ys = sy + 0.2 + 0.5 * np.sin(xs / 1.7 + phase)
    north = shapely.Polygon(np.vstack([np.column_stack([xs, ys]), [[sx + 6, sy + 10], [sx - 6, sy + 10]]]))
    return core.intersection(north), core.difference(north)


def build_tree(rng: np.random.Generator, outline: geo.Outline) -> _Unit:
    """The county tree with geometry, households and population (sums consistent upward)."""
    county = _Unit(COUNTY_ID, None, "county", COUNTY_NAME)
    _place_at(county, outline.geom)
    north, south = _streets_core(outline.geom, rng)
    rural = outline.geom.difference(north.union(south))
    town_cells = geo.partition(rural, len(TOWNS) - 2, rng, relax=6)
    # name the towns clockwise from north around the seat, so neighbours keep neighbouring codes
    sx, sy = geo.to_km(*SEAT_LONLAT)
    angle = [(np.pi / 2 - np.arctan2(p.y - sy, p.x - sx)) % (2 * np.pi)
             for p in (geo.label_point(c) for c in town_cells)]
    cells = [north, south] + [town_cells[k] for k in np.argsort(angle, kind="stable")]
    namer = _village_namer(rng)
    for (tid, tname), cell in zip(TOWNS, cells, strict=True):
        town = _Unit(tid, COUNTY_ID, "town", tname)
        _place_at(town, cell)
        county.children.append(town)
        town_quality = float(np.clip(rng.normal(0.62, 0.12), 0.3, 0.9))
        urban = tid in COMMUNITIES
        names = list(COMMUNITIES[tid]) if urban else [next(namer) for _ in range(int(rng.integers(9, 12)))]
        for k, (name, sub) in enumerate(zip(names, geo.partition(cell, len(names), rng), strict=True), start=1):
            code = f"{tid}{k:03d}" if urban else f"{tid}{200 + k:03d}"  # 2xx: village committees
            cv = _Unit(code, tid, "community" if urban else "village", name)
            _place_at(cv, sub)
            town.children.append(cv)
            cv_quality = town_quality + rng.normal(0, 0.08)
            n_general = int(rng.integers(11, 15)) if urban else int(rng.integers(7, 16))
            n_dedicated = int(rng.integers(1, 4)) if urban else int(rng.choice([0, 0, 0, 1, 1, 2]))
            _add_grids(rng, cv, n_general, n_dedicated, urban, cv_quality)
    _sum_up(county)
    return county


def _sum_up(unit: _Unit) -> None:
    if unit.children:
        for child in unit.children:
            _sum_up(child)
        unit.households = sum(c.households for c in unit.children)
        unit.population = sum(c.population for c in unit.children)


def walk(unit: _Unit) -> Iterator[_Unit]:
    """The unit and everything below it, parents before children."""
    yield unit
    for child in unit.children:
        yield from walk(child)


def _units_frame(root: _Unit) -> pd.DataFrame:
    rows = []
    for u in walk(root):
        # the county outline is drawn at county scale, so it can lose more detail than a grid;
        # micro-grids keep only a centre (boundaries for ~9,000 of them would bloat the file)
        tol = 0.05 if u.level == "county" else 0.02
        rows.append({
            "unit_id": u.unit_id, "parent_id": u.parent_id, "level": u.level, "name": u.name,
            "grid_type": u.grid_type, "households": u.households, "population": u.population,
            "lon": u.lon, "lat": u.lat,
            "boundary": geo.geojson(u.geom, tolerance_km=tol) if u.geom is not None else None,
        })
    return pd.DataFrame(rows)


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


def _unit_tables(root: _Unit, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grids and micro-grids (demo_units) and UNIT_TICKETS tickets by case load (demo_unit_tickets)."""
    rows = []
    grids = [u for u in walk(root) if u.level == "grid"]
    for g, u in enumerate(grids):
        # case load: households, busier in town and at dedicated sites, plus a per-grid temper;
        # a third lands on the grid itself, the rest on its micro-grids by households
        load = u.households * (1.5, 1.0, 2.0)[u.area] * rng.lognormal(0.0, 0.35)
        rows.append((g, u.unit_id, u.area, u.quality, u.lon, u.lat, u.place, 0.35 * load))
        micro_total = sum(m.households for m in u.children)
        for m in u.children:
            rows.append((g, m.unit_id, m.area, u.quality, m.lon, m.lat, m.place,
                         0.65 * load * m.households / micro_total))
    units = pd.DataFrame(rows, columns=["grid_row", "unit_id", "area", "q", "lon", "lat", "place", "load"])
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


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    view = f"{name}_frame"
    con.register(view, frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)


def _insert_cases(con: duckdb.DuckDBPyConnection, root: _Unit, n: int, seed: int, as_of: dt.datetime,
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
    _temp_table(con, "demo_time", _time_bins(rng_time, start, as_of, n))
    units, unit_tickets = _unit_tables(root, rng_load)
    kinds, kind_tickets = _kind_tables(con)
    for name, frame in (("demo_units", units), ("demo_unit_tickets", unit_tickets),
                        ("demo_kinds", kinds), ("demo_kind_tickets", kind_tickets)):
        _temp_table(con, name, frame)
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


# --- volunteers and collective economy ----------------------------------------------------------


def _people_names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = np.array(list(_SURNAMES))[rng.integers(len(_SURNAMES), size=n)]
    given = np.array(list(_GIVEN))
    first = given[rng.integers(len(given), size=n)]
    second = np.where(rng.random(n) < 0.6, given[rng.integers(len(given), size=n)], "")
    return np.char.add(np.char.add(sur, first), second)


def _insert_volunteers(con: duckdb.DuckDBPyConnection, root: _Unit, rng: np.random.Generator,
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
    # registrations over six years, most of them recent (the drive started three years ago)
    age_days = np.minimum(rng.exponential(500.0, n), 6 * 365).astype(int)
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
    # services: an activity level per volunteer (many seldom serve, a few very often)
    start = np.datetime64(period_start(as_of), "s")
    end = np.datetime64(as_of, "s")
    lam = rng.gamma(0.8, 6.0, n) * np.where(party, 1.5, 1.0)
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
    _insert_frame(con, "volunteers", volunteers)
    _insert_frame(con, "volunteer_services", services)


def _insert_economy(con: duckdb.DuckDBPyConnection, root: _Unit, rng: np.random.Generator, year: int) -> None:
    """Three years of collective economy per village; weak villages shrink 20 % -> 12 % -> 5 %."""
    villages = [u for u in walk(root) if u.level == "village"]
    n = len(villages)
    sigma = 0.9
    strength = rng.normal(0.0, 1.0, n)  # a village's rank stays (nearly) the same over the years
    coops = 1 + rng.poisson(1.8, n)
    rows = []
    for k, (share, led) in enumerate(zip(WEAK_SHARE, (0.4, 0.5, 0.6), strict=True)):
        mu = np.log(WEAK_INCOME) - sigma * statistics.NormalDist().inv_cdf(share)
        income = np.round(np.exp(mu + sigma * strength + rng.normal(0.0, 0.02, n)), -2)
        coops = coops + (rng.random(n) < 0.15)
        total = np.round(income * rng.uniform(1.1, 1.5, n) + rng.uniform(80_000, 250_000, n), -2)
        dividends = np.where(income > 100_000, np.round(income * rng.uniform(0.05, 0.3, n), -2), 0.0)
        party_led = rng.binomial(coops, led)
        for v, inc, tot, div, c, p in zip(villages, income, total, dividends, coops, party_led, strict=True):
            rows.append((v.unit_id, year - 2 + k, float(inc), float(tot), float(div), int(c), int(p)))
    frame = pd.DataFrame(rows, columns=["unit_id", "year", "operating_income", "total_income", "dividends",
                                        "cooperatives", "party_led_cooperatives"])
    _insert_frame(con, "collective_economy", frame)


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    view = f"demo_{table}_frame"
    con.register(view, frame)
    try:
        cols = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
    finally:
        con.unregister(view)


# --- build ----------------------------------------------------------------------------------------


def resolve_outline(outline: Path | None) -> Path | None:
    """A relative outline path is relative to the project root (as in the config file)."""
    if outline is None:
        return None
    outline = Path(outline)
    return outline if outline.is_absolute() else (config.PROJECT_ROOT / outline).resolve()


def build(con: duckdb.DuckDBPyConnection, *, cases: int = 100_000, seed: int = 7, as_of: dt.datetime,
          outline: Path | None) -> DemoSummary:
    """Fill an empty gridboard database with the demo county; returns what was built.

    The schema must exist (store.connect(path, create=True)). Rebuilds unit_closure and bumps
    the data version. Raises ValueError when the database already holds units or cases.
    """
    began = time.perf_counter()
    if cases < 0:
        raise ValueError("cases must be >= 0")
    for table in ("units", "cases"):
        if _one(con, f"SELECT count(*) FROM {table}")[0]:
            raise ValueError(f"the database is not empty ({table} has rows); build the demo into a new file")
    as_of = as_of.replace(microsecond=0)
    shape = geo.load_outline(resolve_outline(outline))
    seeds = np.random.SeedSequence(seed).spawn(5)
    rng_geo, rng_time, rng_load, rng_vol, rng_econ = (np.random.default_rng(s) for s in seeds)
    root = build_tree(rng_geo, shape)
    _insert_frame(con, "units", _units_frame(root))
    if cases:
        _insert_cases(con, root, cases, seed, as_of, rng_time, rng_load)
    _insert_volunteers(con, root, rng_vol, as_of)
    _insert_economy(con, root, rng_econ, as_of.year)
    store.rebuild_unit_closure(con)
    store.set_meta(con, "demo", f"seed={seed} cases={cases} as_of={as_of.isoformat()}")
    store.bump_data_version(con)
    return _summary(con, seed, as_of, shape, time.perf_counter() - began)


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple:
    """The single row of a query, fetched to the end (DuckDB 2 refuses new work on a half-read result)."""
    return con.execute(sql, params or {}).fetchall()[0]


def _summary(con: duckdb.DuckDBPyConnection, seed: int, as_of: dt.datetime, shape: geo.Outline,
             seconds: float) -> DemoSummary:
    levels = dict(con.execute("SELECT level, count(*) FROM units GROUP BY level").fetchall())
    dedicated, households, population = _one(
        con,
        "SELECT count(*) FILTER (WHERE grid_type = 'dedicated'), "
        "sum(households) FILTER (WHERE level = 'micro_grid'), sum(population) FILTER (WHERE level = 'micro_grid') "
        "FROM units")
    n_cases, n_open, n_overdue = _one(
        con,
        "SELECT count(*), count(*) FILTER (WHERE status IN ('open', 'in_progress')), "
        "count(*) FILTER (WHERE status IN ('open', 'in_progress') AND due_at < $as_of) FROM cases",
        {"as_of": as_of})
    count = {t: _one(con, f"SELECT count(*) FROM {t}")[0]
             for t in ("volunteers", "volunteer_services", "collective_economy")}
    return DemoSummary(
        towns=levels.get("town", 0), communities=levels.get("community", 0), villages=levels.get("village", 0),
        grids=levels.get("grid", 0), dedicated_grids=dedicated, micro_grids=levels.get("micro_grid", 0),
        households=int(households or 0), population=int(population or 0),
        cases=n_cases, open_cases=n_open, overdue_cases=n_overdue,
        volunteers=count["volunteers"], services=count["volunteer_services"],
        economy_rows=count["collective_economy"], seconds=round(seconds, 2), seed=seed, as_of=as_of,
        real_outline=shape.real, outline_source=shape.source,
    )


def _check_not_held(path: Path) -> None:
    """StoreError when another process holds the file (replacing it would pull it from under them)."""
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise store.StoreError(
                f"database {path} is held by another process (is the dashboard running on it?); stop it first"
            ) from None
    except duckdb.Error:
        pass  # not a DuckDB file at all: it will simply be replaced


def build_file(path: Path, *, cases: int = 100_000, seed: int = 7, as_of: dt.datetime,
               outline: Path | None) -> DemoSummary:
    """Build the demo into path.tmp next to path, then rename it onto path (replacing it).

    A half-built file never appears under the database's name; an interrupted build leaves only
    the .tmp file, removed by the next build.
    """
    began = time.perf_counter()
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if path.exists():
        _check_not_held(path)
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = store.connect(tmp, create=True)
    try:
        summary = build(con, cases=cases, seed=seed, as_of=as_of, outline=outline)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    # a leftover WAL of the old file would be replayed onto the new one: remove it first
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    os.replace(tmp, path)
    return replace(summary, seconds=round(time.perf_counter() - began, 2))
