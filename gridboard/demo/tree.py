"""The demo county's organisation tree: towns, communities, villages, grids and micro-grids.

Owns the real town names of 泗水, the generated community/village/grid names, the Unit node
(geometry in the km plane, households, population, the hidden quality factor that spreads the
grid rankings) and the units table frame written by gridboard.demo.county.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

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
PROBLEM_GRIDS = 0.04  # share of grids with a very low hidden quality (scores around 60)


@dataclass
class Unit:
    """One unit of the tree while it is built (children filled in by build_tree)."""

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
    children: list[Unit] = field(default_factory=list)


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


def _place_at(unit: Unit, geom: object) -> None:
    unit.geom = geom
    unit.lon, unit.lat = geo.lonlat_of(geo.label_point(geom))


def _add_grids(rng: np.random.Generator, cv: Unit, n_general: int, n_dedicated: int, urban: bool,
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
        grid = Unit(uid, cv.unit_id, "grid", name, grid_type=gtype, area=area, quality=q, place=site)
        _place_at(grid, cell)
        lo_n = max(3, -(-households // 100))
        hi_n = min(8, households // 30)
        n_micro = int(rng.integers(lo_n, hi_n + 1))
        sizes = _split(rng, households, n_micro, 30, 100)
        points = geo.sample_points(cell, n_micro, rng)
        for m, (size, (x, y)) in enumerate(zip(sizes, points, strict=True), start=1):
            lon, lat = geo.to_lonlat(x, y)
            micro = Unit(f"{uid}{m:03d}", uid, "micro_grid", f"{name}{m}号微网格", area=area, quality=q,
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


def build_tree(rng: np.random.Generator, outline: geo.Outline) -> Unit:
    """The county tree with geometry, households and population (sums consistent upward)."""
    county = Unit(COUNTY_ID, None, "county", COUNTY_NAME)
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
        town = Unit(tid, COUNTY_ID, "town", tname)
        _place_at(town, cell)
        county.children.append(town)
        town_quality = float(np.clip(rng.normal(0.62, 0.12), 0.3, 0.9))
        urban = tid in COMMUNITIES
        names = list(COMMUNITIES[tid]) if urban else [next(namer) for _ in range(int(rng.integers(9, 12)))]
        for k, (name, sub) in enumerate(zip(names, geo.partition(cell, len(names), rng), strict=True), start=1):
            code = f"{tid}{k:03d}" if urban else f"{tid}{200 + k:03d}"  # 2xx: village committees
            cv = Unit(code, tid, "community" if urban else "village", name)
            _place_at(cv, sub)
            town.children.append(cv)
            cv_quality = town_quality + rng.normal(0, 0.08)
            n_general = int(rng.integers(11, 15)) if urban else int(rng.integers(7, 16))
            n_dedicated = int(rng.integers(1, 4)) if urban else int(rng.choice([0, 0, 0, 1, 1, 2]))
            _add_grids(rng, cv, n_general, n_dedicated, urban, cv_quality)
    _sum_up(county)
    return county


def _sum_up(unit: Unit) -> None:
    if unit.children:
        for child in unit.children:
            _sum_up(child)
        unit.households = sum(c.households for c in unit.children)
        unit.population = sum(c.population for c in unit.children)


def walk(unit: Unit) -> Iterator[Unit]:
    """The unit and everything below it, parents before children."""
    yield unit
    for child in unit.children:
        yield from walk(child)


def units_frame(root: Unit) -> pd.DataFrame:
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
