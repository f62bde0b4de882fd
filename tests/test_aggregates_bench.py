"""`python -m gridboard bench` runs end to end on a small demo and reports every figure the issue
asks for (no timing is asserted: the numbers are for README's table, not for tests)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from conftest import REAL_DATA, ROOT

from gridboard import bench
from gridboard.demo import county

AS_OF = dt.datetime(2025, 11, 23, 14, 37)


def test_bench_reports_pages_wall_drill_pandas_and_writes(tmp_path):
    path = tmp_path / "bench.duckdb"
    county.build_file(path, cases=3000, seed=5, as_of=AS_OF, outline=REAL_DATA / "china_geo_datav" / "370831.geojson")
    r = bench.report(path, repeat=1, presets=("last30",), as_of=AS_OF)
    names = {t.name for t in r.timings}
    assert {f"{page}/last30" for page in bench.PAGES} <= names
    assert {"bigscreen_refresh", "drill_click/this_year", "case_list_page/this_year", "case_list_ui/this_year"} <= names
    assert r.cases == 3000 and r.aggregates_current and r.db_size_mb > 0 and r.peak_rss_mb > 0
    assert all(t.cold_cpu_ms > 0 for t in r.timings) and len(r.load_before) == len(r.load_after) == 3
    ratio = r.extra["pandas_grid_table"]
    assert ratio["pandas_ms"] > 0 and ratio["engine_ms"] > 0
    writes = bench.write_costs(path, load_rows=500, batch_rows=200)
    assert writes["ingest_10k"]["new"] == 200 and writes["csv_load"]["new"] == 500
    assert writes["ingest_10k"]["aggregates_ms"] >= 0


def test_bench_cli_prints_one_json_object(tmp_path):
    path = tmp_path / "cli.duckdb"
    out = subprocess.run(
        [sys.executable, "-m", "gridboard", "bench", "--cases", "1500", "--db", str(path), "--repeat", "1",
         "--presets", "today", "--only", "overview", "--as-of", "2025-11-23T14:37", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["cases"] == 1500 and "overview/today" in data["timings"]
    assert data["timings"]["overview/today"]["cold_cpu_ms"] > 0 and data["extra"]["demo_build_cpu_s"] > 0
    bad = subprocess.run([sys.executable, "-m", "gridboard", "bench", "--db", str(path), "--only", "nosuchpage"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "nosuchpage" in bad.stderr and "Traceback" not in bad.stderr
