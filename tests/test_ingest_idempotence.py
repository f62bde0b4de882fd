"""Loading: one transaction, upsert by key, data version bumped once per real change, one
ingest_log row per committed upload; the same file twice changes nothing the second time."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REAL_DATA
from ingest_support import case_csv, content_hash, small_county

from gridboard.db import store
from gridboard.ingest import pipeline

ROWS = ("A1,G1,12345热线,环境卫生,2024-05-01 08:00,2024-05-01 12:00,,已办结,满意",
        "A2,G2,网格员巡查,矛盾纠纷,2024-05-02 08:00,,,办理中,")


@pytest.fixture
def con(tmp_path: Path):
    c = small_county(tmp_path / "db.duckdb")
    yield c
    c.close()


def _data_hash(con) -> dict[str, str]:
    h = content_hash(con)
    h.pop("ingest_log")
    return h


def test_second_upload_of_the_same_file_changes_nothing(con) -> None:
    first = pipeline.ingest(con, case_csv(*ROWS), table="cases", file_name="a.csv", user="analyst")
    assert (first.new, first.updated, first.outcome) == (2, 0, "loaded")
    version = store.data_version(con)
    before = _data_hash(con)
    second = pipeline.ingest(con, case_csv(*ROWS), table="cases", file_name="a.csv", user="analyst")
    assert (second.new, second.updated, second.unchanged, second.outcome) == (0, 0, 2, "unchanged")
    assert store.data_version(con) == version
    assert _data_hash(con) == before
    log = con.execute("SELECT id, table_name, file_name, sha256, rows_read, rows_inserted, rows_updated, "
                      "rows_rejected, user_name, outcome FROM ingest_log ORDER BY id").fetchall()
    assert [r[9] for r in log] == ["loaded", "unchanged"]
    assert log[0][1:3] == ("cases", "a.csv") and log[0][3] == log[1][3] and len(log[0][3]) == 64
    assert log[0][4:9] == (2, 2, 0, 0, "analyst")


def test_changed_rows_count_as_updates_and_bump_the_version_once(con) -> None:
    pipeline.ingest(con, case_csv(*ROWS), table="cases", file_name="a.csv")
    version = store.data_version(con)
    changed = (ROWS[0], "A2,G2,网格员巡查,矛盾纠纷,2024-05-02 08:00,2024-05-03 08:00,,已办结,基本满意",
               "A3,G1,12345热线,环境卫生,2024-05-03 08:00,,,待处理,")
    r = pipeline.ingest(con, case_csv(*changed), table="cases", file_name="b.csv")
    assert (r.new, r.updated, r.unchanged) == (1, 1, 1)
    assert store.data_version(con) == version + 1
    assert con.execute("SELECT status, satisfaction FROM cases WHERE case_id = 'A2'").fetchone() == ("closed", "basic")


def test_columns_absent_from_the_file_keep_their_stored_values(con) -> None:
    pipeline.ingest(con, case_csv(*ROWS), table="cases", file_name="a.csv")
    r = pipeline.ingest(con, "事件编号,上报时间,所属网格,状态,承办部门\nA1,2024-05-01 08:00,G1,已办结,城管办\n".encode(),
                      table="cases", file_name="dept.csv")
    assert r.updated == 1
    row = con.execute("SELECT department, satisfaction, closed_at IS NOT NULL FROM cases WHERE case_id = 'A1'").fetchone()
    assert row == ("城管办", "satisfied", True)


def test_dry_run_and_partial_loads(con) -> None:
    before = content_hash(con)
    data = case_csv(ROWS[0], "A9,G1,12345热线,环境卫生,not a date,,,待处理,")
    r = pipeline.ingest(con, data, table="cases", file_name="c.csv", dry_run=True)
    assert (r.new, r.rows_rejected, r.outcome) == (1, 1, "dry_run")
    assert content_hash(con) == before
    r = pipeline.ingest(con, data, table="cases", file_name="c.csv", all_or_nothing=True)
    assert r.outcome == "rejected" and content_hash(con) == before
    r = pipeline.ingest(con, data, table="cases", file_name="c.csv")
    assert (r.new, r.rows_rejected, r.outcome) == (1, 1, "partial")
    assert con.execute("SELECT outcome, rows_rejected FROM ingest_log").fetchall() == [("partial", 1)]


def test_batch_commits_once_and_sees_changes_made_in_between(con) -> None:
    batch = pipeline.prepare(con, case_csv(*ROWS), table="cases", file_name="a.csv")
    assert batch.report.new == 2
    con.execute("INSERT INTO cases (case_id, unit_id, reported_at, status) "
                "VALUES ('A1', 'G1', TIMESTAMP '2024-05-01 08:00', 'open')")
    r = batch.commit()
    assert (r.new, r.updated) == (1, 1)  # counted inside the transaction, not at preview time
    with pytest.raises(pipeline.IngestError):
        batch.commit()
    batch.close()


def test_a_failing_write_rolls_everything_back(con, monkeypatch: pytest.MonkeyPatch) -> None:
    before = content_hash(con)

    def boom(cur) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "bump_data_version", boom)
    with pytest.raises(pipeline.IngestError, match="数据库未作任何改变"):
        pipeline.ingest(con, case_csv("A1,新网格,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"), table="cases",
                      file_name="x.csv", add_units_under="T1")
    assert content_hash(con) == before


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent")
def test_real_file_twice(tmp_path: Path) -> None:
    path = REAL_DATA / "nyc311" / "nyc311_2018-10-21_excel_roundtrip.csv"
    con = store.connect(tmp_path / "nyc.duckdb", create=True)
    first = pipeline.ingest(con, path, table="cases", mapping="nyc311")
    before, version = _data_hash(con), store.data_version(con)
    second = pipeline.ingest(con, path, table="cases", mapping="nyc311")
    # 6,765 rows minus 117 open with a close date and 2 "Closed" without one (rejected since issue #14)
    assert first.new == second.unchanged == 6646
    assert (second.new, second.updated, second.new_units) == (0, 0, [])
    assert _data_hash(con) == before and store.data_version(con) == version
    con.close()
