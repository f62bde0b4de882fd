"""The real exports in ../shared/data/real/ go in through their presets, and the closure rate and
median close time the app then computes equal an independent pandas computation on the raw file.

The pandas reference applies the import's documented semantics on its own: cancelled = a status
marked Duplicate or Cancelled; a close given as a bare date (midnight) on the day of the report is
the end of that day (23:59:59); other rows closed (or due) before they were reported are rejected;
1900-01-01 close dates are placeholders (no close date); a status that says open next to a close
date, or "Closed" with an empty close date, is rejected; as_of = one day after the latest date.

Each real file is loaded once for the module (`loaded`) and the tests that read the same load share it
(the KPI comparison, the Baltimore units, the Wenzheng .csv/.xlsx equality).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import REAL_DATA

from gridboard.db import store
from gridboard.ingest import pipeline
from gridboard.metrics import engine, kpi_views

US = "%m/%d/%Y %I:%M:%S %p"
CASES = {
    # file: (preset, id, created, closed, due, status, date format or "mixed")
    "baltimore311/baltimore311_2014-2019_sample.csv":
        ("baltimore311", "ServiceRequestNum", "CreatedDate", "CloseDate", "DueDate", "SRStatus", US),
    "la311/la311_2017_subset.csv": ("la311", "SRNumber", "CreatedDate", "ClosedDate", None, "Status", US),
    "la311/la311_2020_seed_requests.csv":
        ("la311", "srnumber", "createddate", "closeddate", None, "status", "%m/%d/%y %H:%M"),
    "nyc311/nyc311_2013-12-25_all_agencies.csv":
        ("nyc311", "Unique Key", "Created Date", "Closed Date", "Due Date", "Status", US),
    "nyc311/nyc311_2018-10-21_excel_roundtrip.csv":
        ("nyc311", "Unique Key", "Created Date", "Closed Date", "Due Date", "Status", "%m/%d/%y %H:%M"),
    "nyc311/nyc311_dohmh_animals_2010-2025.csv":
        ("nyc311", "Unique Key", "Created Date", "Closed Date", "Due Date", "Status", US),
    "china_wenzheng_tipdm2020/tipdm2020_attachment4_messages_with_replies.csv":
        ("wenzheng", "留言编号", "留言时间", "答复时间", None, None, "mixed"),
    "china_wenzheng_tipdm2020/tipdm2020_attachment4_messages_with_replies.xlsx":
        ("wenzheng", "留言编号", "留言时间", "答复时间", None, None, "mixed"),
}

OPEN_WORDS = {"open", "assigned", "pending", "started", "in progress", "unassigned", "new"}

pytestmark = pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent")


def _parse(s: pd.Series, fmt: str) -> pd.Series:
    s = s.str.strip().replace({"": None, "NA": None})
    out = pd.to_datetime(s, format=fmt, errors="coerce")
    return out.mask(out < pd.Timestamp("1901-01-01"))


def reference(path: Path, spec: tuple) -> dict:
    _, id_col, created_col, closed_col, due_col, status_col, fmt = spec
    if path.suffix == ".xlsx":
        raw = pd.read_excel(path, dtype=str).fillna("")
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    created = _parse(raw[created_col], fmt)
    closed = _parse(raw[closed_col], fmt)
    day = created.dt.normalize()
    same_day_date_only = (closed == closed.dt.normalize()) & (closed == day) & (closed < created)
    closed = closed.mask(same_day_date_only, day + pd.Timedelta(seconds=86_399))
    ok = created.notna() & ~(closed < created)
    if due_col:
        ok &= ~(_parse(raw[due_col], fmt) < created)
    if status_col:
        status = raw[status_col]
        ok &= ~(status.str.contains("Duplicate") | (status == "Cancelled"))
        # a status that says open next to a close date, or closed without one, is rejected
        still_open = status.str.strip().str.lower().isin(OPEN_WORDS)
        ok &= ~(still_open & closed.notna())
        ok &= ~(status.str.strip().str.lower().isin({"closed"}) & closed.isna() & raw[closed_col].str.strip().eq(""))
    created, closed = created[ok], closed[ok]
    as_of = max(created.max(), closed.max()).floor("D") + pd.Timedelta(days=1)
    is_closed = closed.notna() & (closed <= as_of)
    hours = ((closed - created).dt.total_seconds() / 3600)[is_closed]
    return {
        "start": created.min().floor("D").to_pydatetime(),
        "end": (created.max().floor("D") + pd.Timedelta(days=1)).to_pydatetime(),
        "as_of": as_of.to_pydatetime(),
        "received": int(len(created)),
        "closed": int(is_closed.sum()),
        "closure_rate": float(is_closed.sum() / len(created)),
        "median_close_hours": float(hours.median()),
    }


Loaded = tuple[duckdb.DuckDBPyConnection, pipeline.Report]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Loaded]]:
    """loaded(name) → (connection, report): the real file `name` (a CASES key) imported through its
    preset into a new database, once for the module; the tests only read it."""
    done: dict[str, Loaded] = {}

    def load(name: str) -> Loaded:
        if name not in done:
            con = store.connect(tmp_path_factory.mktemp("real") / "db.duckdb", create=True)
            done[name] = (con, pipeline.ingest(con, REAL_DATA / name, table="cases", mapping=CASES[name][0]))
        return done[name]

    yield load
    for con, _ in done.values():
        con.close()


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_file_kpis_match_pandas(name: str, loaded) -> None:
    path = REAL_DATA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    spec = CASES[name]
    con, report = loaded(name)
    assert report.outcome in ("loaded", "partial"), report.describe()
    ref = reference(path, spec)
    got = engine.kpis(con, start=ref["start"], end=ref["end"], as_of=ref["as_of"])
    assert got["received"] == ref["received"]
    assert got["closed"] == ref["closed"]
    assert got["closure_rate"] == pytest.approx(ref["closure_rate"], abs=1e-12)
    assert got["median_close_hours"] == pytest.approx(ref["median_close_hours"], abs=1e-9)
    # the response page's close-time distribution: the same cases and median (from multisets, the
    # report days before the last week kept apart: metrics/durations.py)
    close = kpi_views.distribution(con, "close", start=ref["start"], end=ref["end"], as_of=ref["as_of"])
    assert close.n == ref["closed"] and sum(b.count for b in close.histogram) == ref["closed"]
    assert close.median == pytest.approx(ref["median_close_hours"], abs=1e-9)


def test_baltimore_rows_without_neighbourhood_go_to_unassigned(loaded) -> None:
    path = REAL_DATA / "baltimore311/baltimore311_2014-2019_sample.csv"
    con, report = loaded("baltimore311/baltimore311_2014-2019_sample.csv")  # the preset baltimore311
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    no_place = int(raw["Neighborhood"].isin(["", "NA"]).sum())
    assert report.rows_unassigned == no_place == 800
    assert report.rows_rejected == 0
    root = store.root_unit(con)
    assert root == "BAL"
    n = con.execute("SELECT count(*) FROM cases c JOIN units u USING (unit_id) WHERE u.name = '未划分'").fetchone()[0]
    assert n == no_place
    grids = con.execute("SELECT count(*) FROM units WHERE level = 'grid' AND parent_id = 'BAL'").fetchone()[0]
    assert grids == raw.loc[~raw["Neighborhood"].isin(["", "NA"]), "Neighborhood"].nunique() + 1
    # placeholder coordinates 39,-77 are stored as NULL, not as a point in the Chesapeake
    assert con.execute("SELECT count(*) FROM cases WHERE lat = 39 AND lon = -77").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM cases WHERE status = 'cancelled'").fetchone()[0] == 217


def test_wenzheng_csv_and_xlsx_load_identically(loaded) -> None:
    tables = []
    for suffix in ("csv", "xlsx"):  # each through the preset wenzheng
        con, _ = loaded(f"china_wenzheng_tipdm2020/tipdm2020_attachment4_messages_with_replies.{suffix}")
        tables.append(con.execute("SELECT * FROM cases ORDER BY case_id").df())
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert len(tables[0]) == 2816


def test_la_2017_date_only_closes_on_the_report_day_are_the_end_of_that_day(tmp_path: Path) -> None:
    """Issue #15: LA 311 stores same-day closes as "12/27/2017 12:00:00 AM": not "closed before
    reported" (the 12 rows were rejected before) but closed at 23:59:59 that day, with a warning."""
    path = REAL_DATA / "la311/la311_2017_subset.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    created = pd.to_datetime(raw["CreatedDate"], format=US)
    closed = pd.to_datetime(raw["ClosedDate"].replace("", None), format=US)
    same_day = raw[(closed < created) & (closed == created.dt.normalize())]
    assert len(same_day) == 12  # every "closed before created" row of this file is such a date-only close
    con = store.connect(tmp_path / "db.duckdb", create=True)
    batch = pipeline.prepare(con, path, table="cases", mapping="la311")
    try:
        assert batch.report.rows_rejected == 0
        warned = batch.problems(None, "warning")
        date_only = warned[warned["问题"].str.startswith("只有日期、与上报同一天")]
        assert sorted(date_only["行号"]) == sorted(same_day.index + 2)  # file rows: the header is row 1
        batch.commit()
    finally:
        batch.close()
    got = dict(con.execute("SELECT case_id, closed_at FROM cases WHERE list_contains($ids, case_id)",
                           {"ids": list(same_day["SRNumber"])}).fetchall())
    want = {sr: dt.datetime.strptime(c, US).replace(hour=23, minute=59, second=59)
            for sr, c in zip(same_day["SRNumber"], same_day["ClosedDate"], strict=True)}
    assert got == want
    con.close()


def test_as_of_reference_is_a_datetime() -> None:  # guards the reference helper itself
    spec = CASES["la311/la311_2020_seed_requests.csv"]
    ref = reference(REAL_DATA / "la311/la311_2020_seed_requests.csv", spec)
    assert isinstance(ref["as_of"], dt.datetime)
    assert 40 < ref["median_close_hours"] < 60  # the README says about 47 hours
