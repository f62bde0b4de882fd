"""`python -m gridboard bench` runs end to end on a small demo and reports every figure the issue
asks for (no timing is asserted: the numbers are for README's table, not for tests).

The report runs on a copy of the run's shared demo county (agg_support.demo_county: 3,000 cases);
the CLI's own demo build and JSON run in-process (cli.main), and one real subprocess checks the
process boundary of a refused argument (exit code, one line on stderr, no traceback).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from agg_support import AS_OF, CASES, demo_county, module_copy
from conftest import ROOT

from gridboard import bench, cli, screens


def test_bench_reports_pages_wall_drill_pandas_and_writes(tmp_path, tmp_path_factory):
    path = module_copy(demo_county(tmp_path_factory)[0], tmp_path, "bench.duckdb")
    r = bench.report(path, repeat=1, presets=("last30",), as_of=AS_OF)
    names = {t.name for t in r.timings}
    assert {f"{page}/last30" for page in screens.PAGES} <= names
    assert {"bigscreen_refresh", "drill_click/this_year", "ranking_pick/this_year", "case_list_page/this_year", "case_list_ui/this_year"} <= names
    assert r.cases == CASES == 3000 and r.aggregates_current and r.db_size_mb > 0 and r.peak_rss_mb > 0
    assert all(t.cold_cpu_ms > 0 and t.warm_ms > 0 for t in r.timings) and len(r.load_before) == len(r.load_after) == 3
    ratio = r.extra["pandas_grid_table"]
    assert ratio["pandas_ms"] > 0 and ratio["engine_ms"] > 0
    writes = bench.write_costs(path, load_rows=500, batch_rows=200)
    assert writes["ingest_10k"]["new"] == 200 and writes["csv_load"]["new"] == 500
    assert writes["ingest_10k"]["aggregates_ms"] >= 0
    warmed = writes["ingest_10k"]["warm"]  # what the server's writer then warms (server/warm.py)
    assert [w["preset"] for w in warmed] == list(screens.WARM_PRESETS) and all(w["cpu_seconds"] > 0 for w in warmed)


def test_bench_cli_prints_one_json_object(tmp_path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "cli.duckdb"
    code = cli.main(["bench", "--cases", "1500", "--db", str(path), "--repeat", "1", "--presets", "today",
                     "--only", "overview", "--as-of", "2025-11-23T14:37", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)  # with --json the object is the only thing on stdout
    assert data["cases"] == 1500 and "overview/today" in data["timings"]
    assert data["timings"]["overview/today"]["cold_cpu_ms"] > 0 and data["extra"]["demo_build_cpu_s"] > 0
    # the pages were timed after the warm a started server runs (bench.start_warm), not before it
    assert [w["preset"] for w in data["extra"]["start_warm"]] == list(screens.WARM_PRESETS)
    assert not any(w["skipped"] for w in data["extra"]["start_warm"])
    assert cli.main(["bench", "--db", str(path), "--repeat", "1", "--presets", "today", "--only", "overview",
                     "--as-of", "2025-11-23T14:37", "--json", "--no-warm"]) == 0
    assert "start_warm" not in json.loads(capsys.readouterr().out)["extra"]
    bad = subprocess.run([sys.executable, "-m", "gridboard", "bench", "--db", str(path), "--only", "nosuchpage"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "nosuchpage" in bad.stderr and "Traceback" not in bad.stderr
