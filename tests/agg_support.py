"""Demo counties shared by the aggregates / metrics / demo test files (the t-agg area).

A demo county costs ~5-7 s of CPU to build, almost all of it the organisation tree and its
boundaries (the case count hardly matters up to 100,000). Several modules read the same county
(test_aggregates, test_drill_sums, test_aggregates_bench, test_demo: 3,000 cases, seed 7, the
real outline, as of 2025-11-23 14:37), so `demo_county` builds each distinct one once per test
run, shared by the xdist workers of that run (a file lock in the run's common temp folder: the
first worker builds, the others wait and reuse it), and `module_copy` gives a module its own file
copy (a few milliseconds), never the template itself.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import pickle
import shutil
from pathlib import Path

import pytest
from conftest import REAL_DATA

from gridboard.demo import county

AS_OF = dt.datetime(2025, 11, 23, 14, 37)
OUTLINE = REAL_DATA / "china_geo_datav" / "370831.geojson"
CASES = 3000
SEED = 7


def _shared_folder(factory: pytest.TempPathFactory) -> Path:
    """The temp folder common to every worker of this run (the workers' basetemp's parent under
    xdist, pytest's basetemp otherwise)."""
    base = factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "agg-templates"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def demo_county(factory: pytest.TempPathFactory, *, cases: int = CASES, seed: int = SEED,
                as_of: dt.datetime = AS_OF, outline: Path | None = OUTLINE) -> tuple[Path, county.DemoSummary]:
    """(template path, build summary) of the demo county with these parameters, built once per run.

    Never open the template: copy it (module_copy)."""
    key = f"county-{cases}-{seed}-{as_of:%Y%m%d%H%M}-{'outline' if outline else 'builtin'}"
    folder = _shared_folder(factory)
    path, info = folder / f"{key}.duckdb", folder / f"{key}.summary"
    with (folder / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not info.exists():
            summary = county.build_file(path, cases=cases, seed=seed, as_of=as_of, outline=outline)
            info.write_bytes(pickle.dumps(summary))
    return path, pickle.loads(info.read_bytes())  # noqa: S301 - our own file of this run


def module_copy(template: Path, folder: Path, name: str = "county.duckdb") -> Path:
    """A file copy of a built (closed) database in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(template, folder / name))


def sql_runs(monkeypatch: pytest.MonkeyPatch, marker: str) -> list[int]:
    """One entry per query run through gridboard.db.queries from now on (queries.run, which rows and
    frame call) whose SQL holds `marker` (which named query ran: a fragment of its text). Spies
    stack: each wraps the queries.run it finds."""
    from gridboard.db import queries

    seen: list[int] = []
    real = queries.run

    def spying(con, sql, params):
        if marker in sql:
            seen.append(1)
        return real(con, sql, params)

    monkeypatch.setattr(queries, "run", spying)
    return seen


def calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """One entry per call of `owner`'s function `name` (a module's) from now on; the spy calls through."""
    seen: list[int] = []
    real = getattr(owner, name)

    def counting(*args, **kw):
        seen.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(owner, name, counting)
    return seen
