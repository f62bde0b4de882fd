"""Issue #15 item 5: an import that cannot flood the county.

The real Baltimore 311 export against the demo county (the real 泗水 outline): its years-old open
cases come in as history and leave the wall's 当前超期 as it was; its US neighbourhoods do not
become grids beside the towns; its batch is undone to the byte. And on the small test county:
the parent of new units, the name and place rules, undo of updated rows, warnings that keep the
row, the allowed values in the message, exact row counts, English texts, an old file migrated.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import REAL_DATA
from ingest_support import case_csv, content_hash, small_county

from gridboard import cli
from gridboard.core import config, i18n, schema
from gridboard.db import aggregates, store
from gridboard.ingest import checks, pipeline, undo
from gridboard.ingest.mapping import load_preset
from gridboard.wall import board

BALTIMORE = REAL_DATA / "baltimore311/baltimore311_2014-2019_sample.csv"
WENZHENG = REAL_DATA / "china_wenzheng_tipdm2020/tipdm2020_attachment4_messages_with_replies.csv"
OPEN_STATUSES = {"Open", "New", "Pending", "In Progress"}  # the preset's open words (Duplicates are cancelled)
AGG_TABLES = ("agg_units", "agg_dims", "agg_hist", "agg_hist_month", "agg_unit_map")
CJK = re.compile("[\u3400-\u9fff]")
needs_real = pytest.mark.skipif(not BALTIMORE.is_file(), reason=f"real data file {BALTIMORE} is absent")


def table_hashes(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> dict[str, str]:
    return {t: con.execute(f"SELECT md5(coalesce(string_agg(CAST(x AS TEXT), chr(10) ORDER BY CAST(x AS TEXT)), '')) "
                           f"FROM {t} x").fetchone()[0] for t in tables}


def state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Row checksums of every contract table, the closure, the aggregates and the history flags."""
    data = {k: v for k, v in content_hash(con).items() if k not in ("ingest_log", "meta")}
    return data | table_hashes(con, (*AGG_TABLES, schema.HISTORY_CASES))


def wall_counts(con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> dict[str, int]:
    """What the wall shows for the whole county now (当前超期 = overdue), read as the wall reads it."""
    root = store.root_unit(con)
    rows = board.open_by_grid(con, as_of=as_of, unit=root, log=board.backlog(con, since=board.backlog_since(as_of)))
    return board.open_counts(rows)


# --- the demo county and the real Baltimore export ---------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gridboard.demo import county

    cfg = config.load()
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    county.build_file(path, cases=3000, seed=7, as_of=cfg.now(), outline=config.PROJECT_ROOT / cfg["county_outline"])
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = store.connect(shutil.copy(demo_file, tmp_path / "demo.duckdb"))
    yield con
    con.close()


def baltimore_open_rows(now: dt.datetime) -> pd.DataFrame:
    """The file's open cases by hand: an open status, no close date, no duplicate; their due date."""
    raw = pd.read_csv(BALTIMORE, dtype=str, keep_default_na=False)
    rows = raw[raw["SRStatus"].isin(OPEN_STATUSES) & raw["CloseDate"].isin(["", "NA"])].copy()
    rows["due"] = pd.to_datetime(rows["DueDate"].replace({"": None, "NA": None}), format="%m/%d/%Y %I:%M:%S %p")
    rows["created"] = pd.to_datetime(rows["CreatedDate"], format="%m/%d/%Y %I:%M:%S %p")
    assert (rows["created"] < now - dt.timedelta(days=180)).all()  # 2014-2019: all of them are history
    return rows


def everything_unassigned():
    """The Baltimore preset without its location column: every row goes to 未划分 of the chosen town."""
    m = load_preset("baltimore311")
    m.columns.pop("unit_id")
    return m


@needs_real
def test_baltimore_history_stays_off_the_wall_unless_confirmed(demo) -> None:
    now = config.load().now()
    town = demo.execute("SELECT min(unit_id) FROM units WHERE level = 'town'").fetchone()[0]
    before, wall_before = state(demo), wall_counts(demo, now)
    open_rows = baltimore_open_rows(now)
    report = pipeline.ingest(demo, BALTIMORE, table="cases", mapping=everything_unassigned(), add_units_under=town)
    assert report.outcome == "loaded" and report.rows_history == len(open_rows) == 198
    assert any("按历史件导入（不计入大屏实时数）：198 行" in line for line in report.summary_lines())
    assert demo.execute("SELECT count(*) FROM history_cases").fetchone()[0] == 198
    assert wall_counts(demo, now) == wall_before, "history cases do not reach the wall"
    # the batch is undone to the byte: rows, closure, aggregates, flags
    undo.undo(demo, report.log_id)
    assert state(demo) == before and wall_counts(demo, now) == wall_before
    # confirmed as live, the open cases count: 当前超期 grows by those past their due date
    report = pipeline.ingest(demo, BALTIMORE, table="cases", mapping=everything_unassigned(), add_units_under=town,
                             live_history=True)
    assert report.rows_history == 198 and demo.execute("SELECT count(*) FROM history_cases").fetchone()[0] == 0
    late = int((open_rows["due"] < now).sum())
    assert late > 100
    after = wall_counts(demo, now)
    assert after["overdue"] == wall_before["overdue"] + late
    assert after["open"] == wall_before["open"] + len(open_rows)


@needs_real
def test_baltimore_neighbourhoods_do_not_become_grids_of_the_county(demo) -> None:
    units_before = demo.execute("SELECT count(*) FROM units").fetchone()[0]
    with pytest.raises(pipeline.IngestError, match="新单位只能建在镇街或社区/村之下"):
        pipeline.ingest(demo, BALTIMORE, table="cases", mapping="baltimore311", add_units_under=store.root_unit(demo))
    town = demo.execute("SELECT min(unit_id) FROM units WHERE level = 'town'").fetchone()[0]
    raw = pd.read_csv(BALTIMORE, dtype=str, keep_default_na=False)
    report = pipeline.ingest(demo, BALTIMORE, table="cases", mapping="baltimore311", add_units_under=town)
    assert [u["name"] for u in report.new_units] == ["未划分"]  # no US neighbourhood beside the towns
    refused = {p["code"]: p["rows"] for p in report.problem_summary}
    assert refused["new_unit_name"] == int((~raw["Neighborhood"].isin(["", "NA"])).sum()) == 9200
    assert demo.execute("SELECT count(*) FROM units").fetchone()[0] == units_before + 1
    assert demo.execute("SELECT count(*) FROM units WHERE NOT regexp_matches(name, '[一-龥]')").fetchone()[0] == 0


# --- the small county ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def placed_county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small county with its grids placed in 泗水 and its aggregates built, once for the module."""
    path = tmp_path_factory.mktemp("placed") / "c.duckdb"
    c = small_county(path)
    c.execute("UPDATE units SET lon = 117.25, lat = 35.66 WHERE unit_id = 'G1'")
    c.execute("UPDATE units SET lon = 117.31, lat = 35.70 WHERE unit_id = 'G2'")
    aggregates.build_and_mark(c)
    c.execute("CHECKPOINT")
    c.close()
    return path


@pytest.fixture
def con(placed_county: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = store.connect(shutil.copy(placed_county, tmp_path / "c.duckdb"))  # a copy of this test's own
    yield c
    c.close()


def test_new_units_go_only_under_a_town_or_community_the_analyst_chose(con) -> None:
    data = case_csv("A1,东关网格,12345热线,环境卫生,2026-11-01 08:00,,,待处理,")
    before = content_hash(con)
    with pytest.raises(pipeline.IngestError, match="新单位只能建在镇街或社区/村之下"):
        pipeline.ingest(con, data, table="cases", file_name="u.csv", add_units_under="C1")
    assert content_hash(con) == before
    assert pipeline.parent_choices(con) == [("T1", "测试县 / 城关镇")]  # the county root is not offered
    report = pipeline.ingest(con, data, table="cases", file_name="u.csv", add_units_under="T1")
    assert [(u["name"], u["parent_id"]) for u in report.new_units] == [("东关网格", "T1")]


def test_new_unit_names_and_places_must_fit_the_county(con) -> None:
    header = "事件编号,所属网格,上报时间,状态,经度,纬度"
    data = case_csv("A1,东关网格,2026-11-01 08:00,待处理,117.27,35.68",
                    "A2,东关网格,2026-11-01 09:00,待处理,117.29,35.69",
                    "A3,Downtown,2026-11-01 08:00,待处理,117.27,35.68",
                    "A4,纽约网格,2026-11-01 08:00,待处理,-73.98,40.75",
                    f"A5,{'很长的名字' * 9},2026-11-01 08:00,待处理,,", header=header)
    report = pipeline.ingest(con, data, table="cases", file_name="u.csv", add_units_under="T1")
    assert [(u["name"], u["lon"], u["lat"]) for u in report.new_units] == [("东关网格", 117.28, 35.685)]
    batch = pipeline.prepare(con, data, table="cases", file_name="u.csv", add_units_under="T1")
    errors = batch.problems(None, "error")
    batch.close()
    assert list(errors["行号"]) == [4, 5, 6] and report.rows_rejected == 3
    assert list(errors["问题"].str.split("（").str[1]) == ["本县镇街、社区的名称都是中文，这个名称没有汉字）",
                                                        "行的坐标中位点 -73.9800,40.7500 在本县范围之外",
                                                        "名称超过 40 个字）"]
    assert con.execute("SELECT lon, lat FROM units WHERE name = '东关网格'").fetchone() == (117.28, 35.685)
    assert con.execute("SELECT count(*) FROM units WHERE name IN ('Downtown', '纽约网格')").fetchone()[0] == 0


def test_undo_removes_inserted_rows_and_restores_updated_ones(con) -> None:
    initial = state(con)
    first = pipeline.ingest(con, case_csv("A1,网格一,12345热线,环境卫生,2026-11-01 08:00,,,待处理,",
                                          "A2,新网格,12345热线,环境卫生,2026-11-02 08:00,,,待处理,"),
                            table="cases", file_name="a.csv", add_units_under="T1")
    assert (first.new, len(first.new_units)) == (2, 1)
    after_first = state(con)
    second = pipeline.ingest(con, case_csv("A1,网格二,12345热线,环境卫生,2026-11-01 08:00,2026-11-01 18:00,,已办结,",
                                           "OLD1,网格二,12345热线,环境卫生,2024-01-01 08:00,2024-01-03 08:00,,已办结,",
                                           "A3,网格一,12345热线,环境卫生,2026-11-03 08:00,,,待处理,"),
                             table="cases", file_name="b.csv")
    assert (second.new, second.updated) == (1, 2)
    assert undo.undoable(con) == [second.log_id]
    with pytest.raises(pipeline.IngestError, match=f"请先撤销 #{second.log_id}"):
        undo.undo(con, first.log_id)
    version = store.data_version(con)
    done = undo.undo(con, second.log_id)
    assert (done.deleted, done.restored) == (1, 2) and done.data_version == version + 1
    assert state(con) == after_first
    assert aggregates.current(con)
    with pytest.raises(pipeline.IngestError, match="已经撤销过了"):
        undo.undo(con, second.log_id)
    done = undo.undo(con, first.log_id)
    assert (done.deleted, done.units_deleted) == (2, 1)
    assert state(con) == initial
    assert [r[0] for r in con.execute("SELECT outcome FROM ingest_log ORDER BY id").fetchall()] == ["undone", "undone"]
    assert sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema.UNDO_TABLES.values()) == 0


def test_import_undo_on_the_command_line(tmp_path: Path, capsys) -> None:
    db = tmp_path / "c.duckdb"
    small_county(db).close()
    f = tmp_path / "a.csv"
    f.write_bytes(case_csv("A1,网格一,12345热线,环境卫生,2026-11-01 08:00,,,待处理,"))
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f)]) == 0
    capsys.readouterr()
    assert cli.main(["import-undo", "--db", str(db), "--list"]) == 0
    assert "#1  cases  a.csv  inserted=1 updated=0  loaded  (can be undone)" in capsys.readouterr().out
    assert cli.main(["import-undo", "--db", str(db), "1"]) == 0
    assert capsys.readouterr().out.startswith("undid import #1 (cases): 1 inserted rows deleted")
    assert cli.main(["import-undo", "--db", str(db), "1"]) == 2
    assert capsys.readouterr().err == "error: import #1 was undone already\n"
    assert cli.main(["import-undo", "--db", str(db), "7"]) == 2
    assert "there is no import #7" in capsys.readouterr().err


# --- warnings, messages, counts ---------------------------------------------------------------------


def test_future_times_and_impossible_phones_warn_and_keep_the_row(con) -> None:
    now = config.load().now()
    soon = (now + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    header = "事件编号,所属网格,上报时间,状态,联系电话"
    data = case_csv(f"A1,网格一,{soon},待处理,13812345678", "A2,网格一,2026-11-01 08:00,待处理,12345",
                    "A3,网格一,2026-11-01 08:00,待处理,0537-4281234", "A4,网格一,2026-11-01 08:00,已挂起,", header=header)
    batch = pipeline.prepare(con, data, table="cases", file_name="w.csv")
    try:
        problems = batch.problems(None)
        by_row = {r: set(g["问题"]) for r, g in problems.groupby("行号")}
        assert by_row[2] == {checks.PROBLEMS["date_soon_future"][1]}
        assert by_row[3] == {checks.PROBLEMS["phone_odd"][1]}
        assert by_row[5] == {"取值不在允许范围内（允许：open 待处理、in_progress 办理中、closed 已办结、cancelled 已撤销）"}
        assert 4 not in by_row
        assert (batch.report.rows_rejected, batch.report.rows_warned, batch.report.rows_accepted) == (1, 2, 3)
    finally:
        batch.close()


def test_the_row_count_before_reading_is_exact_for_a_small_file() -> None:
    if not WENZHENG.is_file():
        pytest.skip(f"{WENZHENG} is absent")
    src, _, _ = pipeline.inspect(WENZHENG, "cases", mapping="wenzheng")
    assert (src.total_rows, src.rows_exact) == (2816, True)  # 约 17,284 by counting lines
    src.rows_exact, src.total_rows = False, None
    src.count_rows(max_bytes=1000)  # too big to count twice: the estimate stays an estimate
    assert src.rows_exact is False


def test_every_problem_code_has_an_english_text_and_the_same_chinese() -> None:
    for code, (_, zh) in checks.PROBLEMS.items():
        assert i18n.text(f"prob_{code}", "zh") == zh
        assert not CJK.search(i18n.text(f"prob_{code}", "en").replace("未划分", "")), code


def test_the_check_report_reads_in_english(con) -> None:
    data = case_csv("A1,网格一,12345热线,环境卫生,2020-01-01 08:00,,,待处理,", "A2,Nowhere,12345热线,x,2026-11-01 08:00,,,待处理,")
    report = pipeline.ingest(con, data, table="cases", file_name="e.csv", dry_run=True)
    english = report.summary_lines("en")
    assert english[0] == "File: e.csv (CSV (encoding utf-8, separator comma)) → table: cases (cases)"
    assert "Open for more than 180 days, imported as history (off the wall's live counts): 1 rows" in english
    for line in english:
        assert not CJK.search(line.replace("Nowhere", "")), line


def test_an_old_database_file_opens_and_gains_the_import_tables(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = small_county(db)
    for ddl_table in (schema.HISTORY_CASES, *schema.UNDO_TABLES.values()):
        con.execute(f"DROP TABLE {ddl_table}")
    store.set_meta(con, "schema_version", "2")
    con.close()
    con = store.connect(db)
    assert store.get_meta(con, "schema_version") == str(schema.SCHEMA_VERSION) == "3"
    report = pipeline.ingest(con, case_csv("A1,网格一,12345热线,环境卫生,2020-01-01 08:00,,,待处理,"),
                             table="cases", file_name="o.csv")
    assert report.rows_history == 1 and con.execute("SELECT count(*) FROM history_cases").fetchone()[0] == 1
    con.close()


def test_history_open_days_is_a_checked_setting(tmp_path: Path) -> None:
    path = tmp_path / "gridboard.toml"
    path.write_text("history_open_days = 0\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="history_open_days"):
        config.load(path)
    path.write_text("history_open_days = 30\n", encoding="utf-8")
    assert config.load(path)["history_open_days"] == 30


def test_a_reupload_that_changes_nothing_does_not_block_the_undo(con) -> None:
    data = case_csv("A1,网格一,12345热线,环境卫生,2026-11-01 08:00,,,待处理,",
                    "A2,Nowhere,12345热线,环境卫生,2026-11-01 08:00,,,待处理,")
    first = pipeline.ingest(con, data, table="cases", file_name="a.csv")
    again = pipeline.ingest(con, data, table="cases", file_name="a.csv")
    assert (first.outcome, again.outcome, again.rows_rejected) == ("partial", "unchanged", 1)
    assert undo.undoable(con) == [first.log_id]


def test_the_ingest_command_prints_its_report_in_english(tmp_path: Path, capsys) -> None:
    db = tmp_path / "c.duckdb"
    small_county(db).close()
    f = tmp_path / "e.csv"
    f.write_bytes(case_csv("A1,网格一,12345热线,环境卫生,2026-11-01 08:00,,,待处理,", "A2,网格一,x,环境卫生,2026-11-01 08:00,,,待处理,"))
    assert cli.main(["ingest", "--db", str(db), "--table", "cases", str(f), "--lang", "en", "--dry-run"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "Read 2 rows: 1 accepted, 1 rejected" and out[-1] == "Outcome: Checked (nothing written)"
    assert "  [Rejected] source: Value not allowed — 1 rows (first at row 3)" in out
    assert not any(CJK.search(line) for line in out)
