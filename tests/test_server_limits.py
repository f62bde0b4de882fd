"""The ingest worker's memory cap: the validated settings ingest_memory_limit / ingest_threads reach
its DuckDB connection (read back with current_setting), through the server's Service and a real
config file; a bad value is refused with the key named, and an import still loads under the cap.
The process-wide thread cap GRIDBOARD_DB_THREADS reaches every database the process opens, and a
bad value stops the open (and the CLI, with one line) before the file is touched."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from cli_support import assert_one_line_error, run_main
from ingest_support import small_county

from gridboard.core import config
from gridboard.db import store
from gridboard.server.service import Service
from gridboard.server.worker import Job, Worker


def setting(con, name: str) -> str:
    return str(con.execute("SELECT current_setting($name)", {"name": name}).fetchone()[0])


@pytest.fixture
def county(tmp_path: Path) -> Path:
    path = tmp_path / "limits.duckdb"
    small_county(path).close()
    return path


def test_the_settings_reach_the_workers_connection(county: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text(f'db_path = "{county}"\ninbox_dir = "{tmp_path / "inbox"}"\ndemo_feed = false\n'
                   'ingest_memory_limit = "300MB"\ningest_threads = 1\n', encoding="utf-8")
    svc = Service(config.load(cfg)).start()
    try:
        con = svc.worker.con
        assert con is not None
        assert setting(con, "memory_limit") == "286.1 MiB"  # 300,000,000 bytes
        assert setting(con, "threads") == "1"
        job = svc.worker.submit(Job("cases", None, "one.csv", "analyst", origin="api", data=(
            b"case_id,unit_id,category,reported_at,due_at,status\n"
            b"N1,G1,\xe7\x8e\xaf\xe5\xa2\x83\xe5\x8d\xab\xe7\x94\x9f,2026-03-02 08:00:00,2026-03-03 08:00:00,open\n")))
        assert job.done.wait(120) and job.status == 200, job.report
    finally:
        svc.stop()


def test_the_default_cap_is_one_gigabyte_and_threads_stay_duckdbs(county: Path, tmp_path: Path) -> None:
    assert config.load(tmp_path / "absent.toml")["ingest_memory_limit"] == "1GB"
    w = Worker(county, tmp_path / "inbox", memory_limit="1GB")
    w.start()
    try:
        assert w.con is not None
        assert setting(w.con, "memory_limit") == "953.6 MiB"  # 10^9 bytes
        assert int(setting(w.con, "threads")) >= 1
    finally:
        w.stop()


@pytest.mark.parametrize("value", ['"lots"', '"10MB"', '"2048GB"', "1024", '"1 TB"', '"-1GB"'])
def test_a_bad_limit_is_refused_naming_the_key(tmp_path: Path, value: str) -> None:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text(f"ingest_memory_limit = {value}\n", encoding="utf-8")
    with pytest.raises(config.ConfigError) as err:
        config.load(cfg)
    assert "ingest_memory_limit" in str(err.value) and "64MB" in str(err.value)


def test_negative_threads_are_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("ingest_threads = -2\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="ingest_threads"):
        config.load(cfg)


def test_the_process_thread_cap_reaches_every_connection(county: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.THREADS_ENV, "3")
    con = store.connect(county, read_only=True)
    try:
        assert setting(con, "threads") == "3"
    finally:
        con.close()
    monkeypatch.delenv(store.THREADS_ENV)  # unset: DuckDB's own default (one per core it sees)
    con, plain = store.connect(county, read_only=True), duckdb.connect()
    try:
        assert setting(con, "threads") == setting(plain, "threads")
    finally:
        con.close()
        plain.close()


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_thread_cap_is_refused_before_the_file_is_touched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(store.THREADS_ENV, value)
    path = tmp_path / "new.duckdb"
    with pytest.raises(store.StoreError, match=store.THREADS_ENV):
        store.connect(path, create=True)
    assert not path.exists()
    assert_one_line_error(run_main("kpis", "--db", str(path)), store.THREADS_ENV)
    assert not path.exists()
