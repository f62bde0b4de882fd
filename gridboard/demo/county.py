"""The demo county: a deterministic, realistic 泗水县 to run and show gridboard without real data.

This module owns the `demo` build itself: it puts together the organisation tree
(gridboard.demo.tree: the 13 real town names of 泗水, generated communities, villages, grids,
dedicated grids and micro-grids with households, population and boundaries cut from the county
outline by gridboard.demo.geo), two years of cases up to `as_of` (gridboard.demo.cases, generated
inside DuckDB by gridboard/db/sql/demo_cases.sql), volunteers, their services and three years of
village collective economy (gridboard.demo.people), then writes the file safely. The same seed and
as_of give identical table contents; the case count only changes the cases (each part draws from
its own child of the seed).

Every grid has a hidden quality factor that moves its response and close times, on-time rate,
satisfaction, grid-resolved share and reopen rate, so grid rankings spread out.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np

from gridboard.core import config
from gridboard.db import aggregates, queries, store
from gridboard.demo import geo
from gridboard.demo.cases import declining_grids, insert_cases, period_start
from gridboard.demo.frames import insert_frame
from gridboard.demo.people import insert_economy, insert_volunteers
from gridboard.demo.tree import COUNTY_ID, COUNTY_NAME, TOWNS, build_tree, units_frame, walk

__all__ = ["COUNTY_ID", "COUNTY_NAME", "TOWNS", "DemoSummary", "build", "build_file", "build_tree",
           "period_start", "resolve_outline", "walk"]


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
    (filled,) = queries.rows(con, queries.text("demo_filled"), {})
    for table, rows in filled.items():
        if rows:
            raise ValueError(f"the database is not empty ({table} has rows); build the demo into a new file")
    as_of = as_of.replace(microsecond=0)
    shape = geo.load_outline(resolve_outline(outline))
    seeds = np.random.SeedSequence(seed).spawn(5)
    rng_geo, rng_time, rng_load, rng_vol, rng_econ = (np.random.default_rng(s) for s in seeds)
    root = build_tree(rng_geo, shape)
    insert_frame(con, "units", units_frame(root))
    if cases:
        insert_cases(con, root, cases, seed, as_of, rng_time, rng_load)
    insert_volunteers(con, root, rng_vol, as_of)
    insert_economy(con, root, rng_econ, as_of.year)
    store.rebuild_unit_closure(con)
    store.set_meta(con, "demo", f"seed={seed} cases={cases} as_of={as_of.isoformat()}")
    store.set_meta(con, "demo_declining_grids", ",".join(declining_grids(root)))  # the planted bad grids
    store.bump_data_version(con)
    aggregates.build_and_mark(con)
    return _summary(con, seed, as_of, shape, time.perf_counter() - began)


def _summary(con: duckdb.DuckDBPyConnection, seed: int, as_of: dt.datetime, shape: geo.Outline,
             seconds: float) -> DemoSummary:
    (row,) = queries.rows(con, queries.text("demo_summary"), {"as_of": as_of})
    return DemoSummary(**{k: int(v) for k, v in row.items()}, seconds=round(seconds, 2), seed=seed,
                       as_of=as_of, real_outline=shape.real, outline_source=shape.source)


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
