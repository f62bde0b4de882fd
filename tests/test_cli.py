"""`python -m gridboard kpis`: JSON keys and values, and one-line errors with non-zero exits.

One fixture database per module (every command here only reads it). The commands run in this
process (gridboard.cli.main) where their output is the point; two run as real processes where the
process boundary is: a bad argument and a database held by another process (exit 2, one line on
stderr, nothing on stdout, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from cli_support import assert_one_line_error, run_process
from cli_support import run_main as run_cli

from gridboard.core import catalog
from gridboard.db import store

FIXTURE = Path(__file__).parent / "data" / "metrics_fixture.sql"
WINDOW = ["--from", "2026-03-01", "--to", "2026-03-11", "--as-of", "2026-03-10T12:00"]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("cli") / "test.duckdb"
    con = store.connect(db_path, create=True)
    con.execute(FIXTURE.read_text(encoding="utf-8"))
    store.rebuild_unit_closure(con)
    con.close()
    return db_path


def test_kpis_json_has_exactly_the_metric_keys(fixture_db):
    out = run_cli("kpis", "--db", str(fixture_db), *WINDOW, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert list(data) == list(catalog.METRIC_KEYS)
    assert data["received"] == 8
    assert data["closed"] == 4
    assert data["on_time_rate"] == pytest.approx(0.4)
    assert data["median_response_min"] == pytest.approx(20.25)
    assert data["p90_response_min"] == pytest.approx(50.0)
    assert data["median_close_hours"] == pytest.approx(6.5)


def test_kpis_for_a_unit(fixture_db):
    out = run_cli("kpis", "--db", str(fixture_db), "--unit", "T2", *WINDOW, "--json")
    data = json.loads(out.stdout)
    assert data["received"] == 3
    assert data["satisfaction_rate"] is None  # JSON null, never 0


def test_kpis_by_town(fixture_db):
    out = run_cli("kpis", "--db", str(fixture_db), *WINDOW, "--by", "town", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["group_id"], r["group_name"], r["received"]) for r in rows] == [("T1", "一镇", 5), ("T2", "二镇", 3)]
    assert set(rows[0]) == {"group_id", "group_name", *catalog.METRIC_KEYS}


def test_kpis_plain_text(fixture_db):
    out = run_cli("kpis", "--db", str(fixture_db), *WINDOW)
    assert out.returncode == 0
    assert "received=8" in out.stdout and "closure_rate=0.5000" in out.stdout


BAD_ARGUMENTS = [
    (["kpis", "--db", "/nonexistent/x.duckdb", "--json"], "database not found"),
    (["kpis", "--db", "{db}", "--from", "2026-13-01", "--json"], "not a date"),
    (["kpis", "--db", "{db}", "--as-of", "yesterday", "--json"], "not a time"),
    (["kpis", "--db", "{db}", "--unit", "NOPE", *WINDOW, "--json"], "unknown unit"),
    (["kpis", "--db", "{db}", "--from", "2026-03-11", "--to", "2026-03-01", "--json"], "empty period"),
    (["kpis", "--db", "{db}", "--by", "colour", "--json"], "invalid choice"),
    (["kpis", "--db", "{db}", "--bogus"], "unrecognized arguments"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
]


def test_bad_arguments_give_one_line_and_exit_2(fixture_db):
    """Every bad argument in this process (an escaping exception fails the test), then one of them
    through a real process: exit 2, one stderr line, nothing on stdout, no traceback."""
    for args, needle in BAD_ARGUMENTS:
        assert_one_line_error(run_cli(*[a.replace("{db}", str(fixture_db)) for a in args]), needle)
    assert_one_line_error(run_process("kpis", "--db", str(fixture_db), "--from", "2026-13-01", "--json"), "not a date")


def test_not_a_gridboard_database(tmp_path):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    out = run_cli("kpis", "--db", str(other), "--json")
    assert out.returncode == 2 and "not a gridboard database" in out.stderr


def test_database_held_by_another_process(fixture_db):
    holder = duckdb.connect(str(fixture_db))  # like the Streamlit server holding the file
    try:  # a real process: DuckDB tells another process's lock apart from this process's own connection
        out = run_process("kpis", "--db", str(fixture_db), *WINDOW, "--json")
    finally:
        holder.close()
    assert out.returncode == 2
    assert "held by another process" in out.stderr
    assert "Traceback" not in out.stderr


def test_rank_json(fixture_db, tmp_path, monkeypatch):
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("min_cases_for_rank = 3\n", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    out = run_cli("rank", "--db", str(fixture_db), "--level", "town", *WINDOW, "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["unit_id"] for r in rows] == sorted((r["unit_id"] for r in rows), key=lambda u: next(
        x["rank"] for x in rows if x["unit_id"] == u))
    assert {r["unit_id"] for r in rows} == {"T1", "T2"}
    keys = {"unit_id", "name", "parent_id", "rank", "rank_in_parent", "score", "stars", "star_basis", "cases",
            "provisional", "band_low", "band_high", "cases_per_1000_households", "on_time_rate", "closure_rate",
            "satisfaction_rate", "response", "grid_resolved_rate"}
    assert set(rows[0]) == keys
    assert all(r["band_low"] <= r["score"] <= r["band_high"] and isinstance(r["provisional"], bool) for r in rows)
    assert {r["unit_id"]: r["cases"] for r in rows} == {"T1": 5, "T2": 3}
    assert all(r["rank"] in (1, 2) and 1 <= r["stars"] <= 5 for r in rows)


def test_rank_gives_few_cases_a_provisional_rank(fixture_db, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(tmp_path / "absent.toml"))  # the defaults
    out = run_cli("rank", "--db", str(fixture_db), "--level", "grid", *WINDOW, "--json")
    rows = json.loads(out.stdout)
    # a handful of cases per grid: every grid ranked (shrunk toward its parent), wide bands marked provisional
    assert rows and all(r["rank"] is not None and r["stars"] is not None for r in rows)
    assert all(r["provisional"] == (r["band_high"] - r["band_low"] > 8.0) for r in rows)
    assert sorted(r["rank"] for r in rows)[0] == 1
