"""`python -m gridboard ingest`: the page's code path; exit 0 all accepted, 1 some rejected,
2 unreadable file (one line, no traceback). The command runs in this process (gridboard.cli.main),
and once as a real process for the exit code and stderr of a refused file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import assert_one_line_error, run_main, run_process
from conftest import REAL_DATA
from ingest_support import case_csv, content_hash, small_county

from gridboard import cli
from gridboard.db import store

BROKEN = Path(__file__).resolve().parent / "data" / "broken"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "db.duckdb"
    small_county(path).close()
    return path


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_exit_0_when_every_row_is_accepted(db: Path, tmp_path: Path, capsys) -> None:
    f = _write(tmp_path, "ok.csv", case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"))
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--user", "me"]) == 0
    out = capsys.readouterr().out
    assert "新增 1 行" in out and "已导入" in out


def test_exit_1_when_a_row_is_rejected_but_the_rest_loads(db: Path, tmp_path: Path, capsys) -> None:
    f = _write(tmp_path, "some.csv", case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,",
                                              "A2,G404,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"))
    rej = tmp_path / "rejected.csv"
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--rejected", str(rej)]) == 1
    out = capsys.readouterr().out
    assert "拒绝 1 行" in out and "单位不存在" in out
    assert "A2" in rej.read_text(encoding="utf-8-sig")
    con = store.connect(db)
    assert con.execute("SELECT count(*) FROM cases WHERE case_id = 'A1'").fetchone()[0] == 1
    con.close()


def test_all_or_nothing_and_dry_run_change_nothing(db: Path, tmp_path: Path) -> None:
    f = _write(tmp_path, "some.csv", case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,",
                                              "A2,G404,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"))
    con = store.connect(db)
    before = content_hash(con)
    con.close()
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--all-or-nothing"]) == 1
    ok = _write(tmp_path, "ok.csv", case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"))
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(ok), "--dry-run"]) == 0
    con = store.connect(db)
    assert content_hash(con) == before
    con.close()


def test_exit_2_with_one_line_and_no_traceback(db: Path) -> None:
    for name in ("empty.csv", "binary_garbage.csv", "truncated.xlsx", "html_saved_as.xls",
                 "missing_required_column.csv", "password_protected.xlsx"):
        run = run_main("ingest", "--db", str(db), "--table", "cases", str(BROKEN / name))
        assert_one_line_error(run, "error: ")
        assert run.stderr.startswith("error: "), name
    # the same through a real process: its exit code, stdout and stderr
    proc = run_process("ingest", "--db", str(db), "--table", "cases", str(BROKEN / "binary_garbage.csv"))
    assert_one_line_error(proc, "error: ")
    assert proc.stderr.startswith("error: ")


def test_exit_2_for_a_missing_file_bad_preset_or_unknown_parent(db: Path, tmp_path: Path, capsys) -> None:
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(tmp_path / "nope.csv")]) == 2
    f = _write(tmp_path, "ok.csv", case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"))
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--mapping", "no-such"]) == 2
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--add-units-under", "X404"]) == 2
    assert cli.main(["ingest", "--db", str(db), "--table", "nope", str(f)]) == 2
    err = capsys.readouterr().err
    assert "文件不存在" in err and "映射预设" in err and "X404" in err


def test_json_report(db: Path, tmp_path: Path, capsys) -> None:
    f = _write(tmp_path, "ok.csv", case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"))
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["new"] == 1 and data["rows_accepted"] == 1 and data["outcome"] == "loaded"


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent")
def test_preset_on_a_new_database_creates_the_city_and_its_grids(tmp_path: Path, capsys) -> None:
    db = tmp_path / "new.duckdb"
    f = REAL_DATA / "la311" / "la311_2020_seed_requests.csv"
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--mapping", "la311"]) == 2  # no --create
    # exit 1: 18 rows say "Closed" with no close date and are rejected (issue #14), the rest load
    assert cli.main(["ingest", "--db", str(db), "--create", "--table", "cases", str(f), "--mapping", "la311"]) == 1
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--mapping", "la311"]) == 1
    out = capsys.readouterr().out
    assert "新增 0 行，更新 0 行，无变化 9982 行" in out
    con = store.connect(db)
    assert store.root_unit(con) == "LA"
    assert con.execute("SELECT name FROM units WHERE unit_id = 'LA'").fetchone()[0] == "洛杉矶市 Los Angeles"
    assert con.execute("SELECT count(*) FROM ingest_log").fetchone()[0] == 2
    con.close()


def test_memory_limit_option(db: Path, tmp_path: Path, capsys) -> None:
    f = _write(tmp_path, "ok.csv", case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"))
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--memory-limit", "200MB"]) == 0
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--memory-limit", "lots"]) == 2
    assert "--memory-limit" in capsys.readouterr().err
