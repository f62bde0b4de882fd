"""The import page (pages/import.py) through AppTest, started from app.py as a session would be:
upload → mapping → check → load, the same file twice, broken files, the Baltimore export through
its preset (no US neighbourhood becomes a grid; undone from the log), a mapping fixed and saved as a preset, the batch closed when it is no
longer needed, and the overview's numbers after a load (the data version keys every cache).

AppTest uploads through `at.file_uploader[0].set_value((name, bytes, mime))` (streamlit 1.67).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from app_support import app_test
from conftest import REAL_DATA
from ingest_support import content_hash, small_county
from streamlit.testing.v1 import AppTest

from gridboard.core import config, export, schema
from gridboard.db import store
from gridboard.ingest import mapping, pipeline
from gridboard.metrics import memo
from gridboard.server import api, warm
from gridboard.server.service import Service

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/import.py"
TIMEOUT = 120
BROKEN = Path(__file__).resolve().parent / "data" / "broken"
MANIFEST = json.loads((BROKEN / "manifest.json").read_text(encoding="utf-8"))
BALTIMORE = REAL_DATA / "baltimore311" / "baltimore311_2014-2019_sample.csv"
HEADER = "事件编号,所属网格,来源渠道,事件类型,上报时间,办结时间,状态,满意度"


@pytest.fixture
def env(small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GRIDBOARD_DB on a fresh small county, an empty config, the login gate off, presets in tmp."""
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    monkeypatch.setattr(mapping, "USER_DIR", tmp_path / "presets")
    monkeypatch.setenv("GRIDBOARD_DB", str(small_db))
    return small_db


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def recent(hours: float) -> str:
    return (config.load().now() - dt.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def open_page() -> AppTest:
    """The page opened by its URL (app.py's first run already on it)."""
    at = app_test(APP, TIMEOUT)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "数据导入"
    return at


def upload(at: AppTest, name: str, data: bytes, table: str = "cases") -> AppTest:
    if at.selectbox(key="imp_table").value != table:
        at.selectbox(key="imp_table").set_value(table).run()
    at.file_uploader[0].set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def check(at: AppTest) -> AppTest:
    at.button(key="imp_check").click().run()
    assert not at.exception, at.exception
    return at


def load(at: AppTest) -> AppTest:
    at.button(key="imp_load").click().run()
    assert not at.exception, at.exception
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def counted(at: AppTest, pattern: str) -> int:
    """A number the page states in a sentence (the figures under the tiles)."""
    found = re.search(pattern, texts(at))
    assert found, pattern
    return int(found.group(1).replace(",", ""))


def texts(at: AppTest) -> str:
    """Everything the page says: alerts, markdown, captions and the cells of its tables."""
    parts = [e.value for kind in (at.error, at.warning, at.info, at.success, at.markdown, at.caption) for e in kind]
    for frame in at.dataframe:
        parts.extend(str(v) for v in frame.value.astype(str).to_numpy().ravel())
    return "\n".join(parts)


def frame(at: AppTest, column: str):
    """The first table on the page with `column`."""
    return next(f.value for f in at.dataframe if column in f.value.columns)


def db_state(db: Path) -> tuple[dict[str, str], int]:
    con = store.connect(db)  # the same DuckDB instance as the app's connection (same process)
    try:
        return content_hash(con), store.data_version(con)
    finally:
        con.close()


def query(db: Path, sql: str) -> list[tuple]:
    con = store.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --- the steps -----------------------------------------------------------------------------------


def test_good_file_is_checked_then_loaded_and_the_log_grows(env: Path) -> None:
    at = open_page()
    assert at.selectbox(key="imp_table").value == "cases"
    assert [b.label for b in at.download_button] == ["Excel 模板", "CSV 模板"]
    assert "还没有导入记录" in texts(at)
    data = csv_bytes(f"N1,T1C1G2,12345热线,环境卫生,{recent(5)},{recent(1)},已办结,满意",
                     f"N2,幸福社区第一网格,网格员巡查,矛盾纠纷,{recent(4)},,待处理,",
                     f"N3,没有这个网格,12345热线,环境卫生,{recent(3)},,待处理,")
    upload(at, "新事件.csv", data)
    assert at.selectbox(key="imp_preset").value == ""  # contract Chinese names: no preset needed
    assert not at.error
    before, version = db_state(env)
    check(at)
    assert tiles(at)["读取行数"] == "3" and tiles(at)["可导入"] == "2" and tiles(at)["拒绝"] == "1"
    assert tiles(at)["新增"] == "2"
    assert db_state(env) == (before, version), "checking writes nothing"
    problems = frame(at, "原始值")
    assert list(problems.columns) == ["行号", "字段", "原始值", "问题", "处理"]
    assert problems.iloc[0]["行号"] == 4 and "单位不存在" in problems.iloc[0]["问题"]
    assert problems.iloc[0]["处理"] == "拒绝"
    assert "被拒绝的行" in " ".join(b.label for b in at.download_button)
    assert "有些行的单位在数据库中不存在" in texts(at)
    assert not at.button(key="imp_load").disabled
    load(at)
    assert len(at.success) == 1 and "新增 2 行" in at.success[0].value and "拒绝 1 行" in at.success[0].value
    assert not at.file_uploader[0].value, "the uploader is emptied for the next file"
    assert query(env, "SELECT case_id, unit_id FROM cases WHERE case_id LIKE 'N%' ORDER BY 1") == [
        ("N1", "T1C1G2"), ("N2", "T1C1G1")]
    assert query(env, "SELECT table_name, file_name, rows_read, rows_inserted, rows_rejected, user_name, outcome "
                      "FROM ingest_log") == [("cases", "新事件.csv", 3, 2, 1, "dev", "partial")]
    assert db_state(env)[1] == version + 1
    history = at.dataframe[-1].value
    assert len(history) == 1 and history.iloc[0]["结果"] == "部分导入" and history.iloc[0]["文件名"] == "新事件.csv"


def test_the_same_file_twice_changes_nothing_the_second_time(env: Path) -> None:
    at = open_page()
    data = csv_bytes(f"R1,T1C1G2,12345热线,环境卫生,{recent(5)},,待处理,",
                     f"R2,T2V1G1,12345热线,民生服务,{recent(6)},{recent(2)},已办结,基本满意")
    load(check(upload(at, "same.csv", data)))
    after_first, version = db_state(env)
    check(upload(at, "same.csv", data))
    assert (tiles(at)["新增"], tiles(at)["更新"], tiles(at)["无变化"]) == ("0", "0", "2")
    load(at)
    assert "没有任何改变" in at.info[0].value
    second, version2 = db_state(env)
    assert version2 == version, "an unchanged upload does not bump the data version"
    assert {k: v for k, v in second.items() if k != "ingest_log"} == \
        {k: v for k, v in after_first.items() if k != "ingest_log"}
    assert [r[0] for r in query(env, "SELECT outcome FROM ingest_log ORDER BY id")] == ["loaded", "unchanged"]
    assert len(at.dataframe[-1].value) == 2


BROKEN_SAMPLE = ["empty.csv", "binary_garbage.csv", "header_only.csv", "wrong_table_headers.csv",
                 "missing_required_column.csv", "unclosed_quote.csv", "too_many_fields.csv", "html_saved_as.xls",
                 "password_protected.xlsx", "truncated.xlsx", "closed_before_reported.csv",
                 "duplicate_ids_conflict.csv", "units_unknown_parent.csv", "economy_gbk_bad_income.csv"]


def test_a_broken_file_gets_the_chinese_message_and_changes_nothing(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each broken file uploaded in turn in one session (each upload replaces the file before, as
    a user trying one file after another): its message, nothing to load, the database unchanged."""
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    db = tmp_path / "county.duckdb"
    small_county(db).close()  # the unit ids the broken files use (G1, G2 under T1)
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    monkeypatch.setenv("GRIDBOARD_DB", str(db))
    before = db_state(db)
    at = open_page()
    for name in BROKEN_SAMPLE:
        spec = MANIFEST[name]
        upload(at, name, (BROKEN / name).read_bytes(), spec["table"])
        if not at.error and not at.button(key="imp_check").disabled:
            check(at)
        if at.error:  # the file as a whole: one Chinese sentence, no check, no load
            assert spec["message"] in at.error[0].value, (name, at.error[0].value)
            assert "imp_load" not in [b.key for b in at.button], name
        else:  # read, but every row rejected: the reason is in the problem table, and there is nothing to load
            assert tiles(at)["可导入"] == "0", name
            assert spec["message"] in texts(at), name
            assert at.button(key="imp_load").disabled, name
            assert "没有可以导入的行" in at.warning[0].value, name
        assert not at.exception, name
        assert db_state(db) == before, name


def test_all_or_nothing_keeps_a_file_with_a_rejected_row_out(env: Path) -> None:
    at = open_page()
    before = db_state(env)
    check(upload(at, "mixed.csv", csv_bytes(f"A1,T1C1G2,12345热线,环境卫生,{recent(5)},,待处理,",
                                            f"A2,T1C1G2,12345热线,环境卫生,{recent(5)},{recent(9)},已办结,")))
    assert not at.button(key="imp_load").disabled
    at.checkbox(key="imp_all_or_nothing").check().run()
    assert at.button(key="imp_load").disabled
    assert "全部通过才导入" in at.warning[0].value
    assert db_state(env) == before


@pytest.mark.skipif(not BALTIMORE.is_file(), reason=f"real data file {BALTIMORE} is absent")
def test_baltimore_export_cannot_flood_the_county_and_is_undone(env: Path) -> None:
    """Issue #15: new units only under a town the analyst picks, and only with names of the county;
    the years-old open cases come in as history; the batch is undone from the import log."""
    before = db_state(env)
    at = open_page()
    upload(at, BALTIMORE.name, BALTIMORE.read_bytes())
    assert at.selectbox(key="imp_preset").value == "baltimore311", "the preset is picked from the headers"
    assert "已按表头自动选择" in texts(at)
    assert "10,000 行数据" in texts(at), "a small file's rows are counted, not estimated"
    check(at)
    rejected_without = int(tiles(at)["拒绝"].replace(",", ""))
    assert rejected_without == 9200  # neighbourhoods are not grids of this county
    assert "有些行的单位在数据库中不存在" in texts(at)
    # the open cases without a neighbourhood ("NA": 13 of the 198 open, all from 2014-2019) load as history
    assert "13 件案件上报超过 180 天仍未办结，将按历史件导入" in texts(at)
    at.checkbox(key="imp_add_units").check().run()
    assert "请重新检查" in at.info[0].value  # the earlier check no longer applies
    parent = at.selectbox(key="imp_parent")
    assert parent.value is None and parent.options[0] == "测试县 / 城关街道", "no default, and not the county"
    assert "测试县" not in parent.options
    assert at.button(key="imp_check").disabled and "先选择新网格所属的镇街或社区/村" in texts(at)
    parent.set_value("T1").run()
    check(at)
    shown = {k: int(v.replace(",", "")) for k, v in tiles(at).items()}
    assert shown["读取行数"] == 10_000 and shown["拒绝"] == rejected_without
    assert counted(at, r"新建单位 ([\d,]+) 个") == 1 and "将新建的单位（1 个）" in texts(at)
    assert frame(at, "名称")["上级单位"].tolist() == ["测试县 / 城关街道"]
    assert "不能新建这个单位：名称不像本县的单位" in texts(at)
    load(at)
    assert "导入完成" in at.success[0].value
    assert query(env, "SELECT count(*) FROM units WHERE unit_id LIKE 'T1-%'") == [(1,)]  # T1's 未划分 only
    assert query(env, "SELECT count(*) FROM history_cases") == [(13,)]
    log_id = query(env, "SELECT max(id) FROM ingest_log")[0][0]
    assert at.selectbox(key="imp_undo_batch").value == log_id
    assert at.button(key="imp_undo").disabled, "undo asks for a confirmation first"
    at.checkbox(key=f"imp_undo_sure_{log_id}").check().run()
    at.button(key="imp_undo").click().run()
    assert not at.exception, at.exception
    assert f"已撤销导入 #{log_id}" in at.success[0].value
    after = db_state(env)
    assert {k: v for k, v in after[0].items() if k not in ("ingest_log", "meta")} == \
        {k: v for k, v in before[0].items() if k not in ("ingest_log", "meta")}
    assert after[1] == before[1] + 2 and frame(at, "结果")["结果"].iloc[0] == "已撤销"


# --- mapping ---------------------------------------------------------------------------------------


def test_a_mapping_is_fixed_on_the_page_and_saved_as_a_preset(env: Path, tmp_path: Path) -> None:
    at = open_page()
    data = csv_bytes(f"X1,T1C1G2,投诉,{recent(3)}", f"X2,T2V1G2,咨询,{recent(2)}", header="单号,位置,分类,发生时刻")
    upload(at, "odd.csv", data)
    assert "对不上" in at.error[0].value and at.button(key="imp_check").disabled
    boxes = {b.label.split("（")[0]: b for b in at.selectbox if b.key and b.key.startswith("imp_col_")}
    boxes["事件编号"].set_value("单号")
    boxes["所属网格"].set_value("位置")
    boxes["事件类型"].set_value("分类")
    boxes["上报时间"].set_value("发生时刻")
    at.run()
    assert not at.error and not at.button(key="imp_check").disabled
    at.text_input(key="imp_preset_name").input("nyc311")
    at.button(key="imp_save_preset").click().run()
    assert "内置预设" in at.error[0].value  # built-in names are refused
    at.text_input(key="imp_preset_name").input("odd_export")
    at.text_input(key="imp_preset_label").input("某系统导出")
    at.button(key="imp_save_preset").click().run()
    assert not at.exception
    saved = json.loads((tmp_path / "presets" / "odd_export.json").read_text(encoding="utf-8"))
    assert saved["columns"] == {"case_id": "单号", "unit_id": "位置", "category": "分类", "reported_at": "发生时刻"}
    assert at.selectbox(key="imp_preset").value == "odd_export"
    check(at)
    assert tiles(at)["可导入"] == "2"
    # a new upload with the same headers is mapped by the saved preset without touching anything
    load(at)
    upload(at, "odd2.csv", csv_bytes(f"X3,T1C1G2,投诉,{recent(1)}", header="单号,位置,分类,发生时刻"))
    assert at.selectbox(key="imp_preset").value == "odd_export" and not at.error


def test_every_template_maps_back_without_a_preset(env: Path) -> None:
    at = open_page()
    for table in schema.DATA_TABLES:
        upload(at, export.template_file_name(table), export.template_bytes(table, "xlsx"), table)
        assert not at.error, (table, at.error[0].value)
        check(at)
        assert tiles(at)["读取行数"] == "1", table


# --- the held batch --------------------------------------------------------------------------------


def test_the_batch_is_closed_when_no_longer_needed(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[str] = []
    prepared: list[str] = []
    real_close, real_prepare = pipeline.Batch.close, pipeline.prepare

    def close(self: pipeline.Batch) -> None:
        closed.append(self.report.file_name)
        real_close(self)

    def prepare(*args, **kwargs):
        prepared.append(kwargs["file_name"])
        return real_prepare(*args, **kwargs)

    def mine(names: list[str]) -> list[str]:  # batches of earlier tests' sessions are released too
        return [n for n in names if n in ("a.csv", "b.csv")]

    monkeypatch.setattr(pipeline.Batch, "close", close)
    monkeypatch.setattr(pipeline, "prepare", prepare)
    at = open_page()
    check(upload(at, "a.csv", csv_bytes(f"C1,T1C1G2,12345热线,环境卫生,{recent(5)},,待处理,",
                                        f"C2,nowhere,12345热线,环境卫生,{recent(5)},,待处理,")))
    at.segmented_control(key="imp_severity").set_value("error").run()  # reruns use the held batch
    assert not at.exception and prepared == ["a.csv"] and mine(closed) == []
    upload(at, "b.csv", csv_bytes(f"C3,T1C1G2,12345热线,环境卫生,{recent(5)},,待处理,"))
    assert mine(closed) == ["a.csv"], "another file closes the checked one"
    check(at)
    at.checkbox(key="imp_add_units").check().run()
    assert mine(closed) == ["a.csv", "b.csv"], "a changed option closes it"
    assert "请重新检查" in at.info[0].value and "imp_load" not in [b.key for b in at.button]
    at.selectbox(key="imp_parent").set_value("T1").run()  # new units need a parent chosen explicitly
    check(at)
    load(at)
    assert mine(closed) == ["a.csv", "b.csv", "b.csv"], "the load closes it"
    check(upload(at, "a.csv", csv_bytes(f"C4,T1C1G2,12345热线,环境卫生,{recent(5)},,待处理,")))
    at.switch_page("pages/overview.py").run()
    at.switch_page(PAGE).run()
    assert not at.file_uploader[0].value, "a page left behind loses its uploaded file"
    assert mine(closed)[-1] == "a.csv" and len(mine(closed)) == 4, "coming back without the file closes it"


def test_english_switch_keeps_the_checked_file(env: Path) -> None:
    # Only one run after the switch: AppTest calls format funcs outside a run, where the shared
    # filters' "All" label falls back to Chinese, so a second run after the switch cannot be driven.
    at = open_page()
    check(upload(at, "a.csv", csv_bytes(f"E1,T1C1G2,12345热线,环境卫生,{recent(5)},,待处理,")))
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Data import"
    assert at.selectbox(key="imp_table").label == "Import into table"
    assert at.selectbox(key="imp_table").value == "cases"
    assert tiles(at)["Accepted"] == "1" and at.button(key="imp_load").label == "Load the accepted rows (1)"


# --- other pages see the new data -----------------------------------------------------------------


def test_the_overview_shows_the_new_cases_after_a_load(env: Path) -> None:
    at = app_test(APP, TIMEOUT)
    at.run()
    received = int(tiles(at)["受理量"].replace(",", ""))
    at.switch_page(PAGE).run()
    rows = [f"V{i},T1C1G2,12345热线,环境卫生,{recent(2 + i)},,待处理," for i in range(7)]
    load(check(upload(at, "seven.csv", csv_bytes(*rows))))
    assert "新增 7 行" in at.success[0].value
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert int(tiles(at)["受理量"].replace(",", "")) == received + 7


def test_a_load_on_the_page_warms_the_running_servers_memo(env: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `streamlit run server.py` the page shares its process with the server's worker: a load
    on the page (its own connection, not the worker's queue) pokes the worker's warmer, which asks
    the first screens' questions for the new data version, as after an API upload."""
    (tmp_path / "gridboard.toml").write_text(
        f'memo_warm = true\ndemo_feed = false\ninbox_dir = "{(tmp_path / "inbox").as_posix()}"\n', encoding="utf-8")
    svc = Service(config.load())
    warmer = svc.worker.warmer
    assert warmer is not None
    warmer.settle = 0.1
    svc.start()
    monkeypatch.setattr(api, "_service", svc)  # what the server's lifespan sets
    try:
        assert warmer.idle.wait(120)  # the start's warm of the county as it was
        before = {d.mark for d in warmer.done}
        at = open_page()
        load(check(upload(at, "warm.csv", csv_bytes(f"W1,T1C1G2,12345热线,环境卫生,{recent(2)},,待处理,"))))
        assert "新增 1 行" in at.success[0].value
        assert warmer.idle.wait(120)
        new = [d for d in warmer.done if d.mark not in before]
        assert [d.preset for d in new] == list(warm.WARM_PRESETS) and not any(d.skipped for d in new)
        assert warmer.failures == 0
        assert {d.mark for d in new} == {memo_mark(env)}  # the version the load made
    finally:
        svc.stop()


def memo_mark(db: Path) -> str | None:
    con = store.connect(db)
    try:
        return memo.current_mark(con)
    finally:
        con.close()


# --- the library functions behind the page -----------------------------------------------------------


def test_history_and_parent_choices(tmp_path: Path) -> None:
    con = small_county(tmp_path / "db.duckdb")
    assert pipeline.history(con).empty
    assert pipeline.parent_choices(con) == [("T1", "测试县 / 城关镇")]  # never the county beside its towns
    for i in range(3):
        pipeline.ingest(con, csv_bytes(f"H{i},G1,12345热线,环境卫生,2024-05-0{i + 1} 08:00,,待处理,"),
                      table="cases", file_name=f"h{i}.csv", user="me")
    pipeline.ingest(con, csv_bytes("H0,G1,12345热线,环境卫生,2024-05-01 08:00,,待处理,"), table="cases",
                  file_name="h0.csv", user="me")
    log = pipeline.history(con, limit=3)
    assert list(log.columns) == ["编号", "数据表", "文件名", "读取行数", "新增行数", "更新行数", "拒绝行数", "操作人",
                                 "开始时间", "结束时间", "结果"]
    assert list(log["编号"]) == [4, 3, 2] and list(log["结果"]) == ["无变化", "已导入", "已导入"]
    assert set(log["数据表"]) == {"事件/工单"}
    con.close()
