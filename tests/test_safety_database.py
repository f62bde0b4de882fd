"""Crash safety, backups and unreadable databases (issue #14 items 9 and 13).

A backup round trip keeps every row of every table; a restore never leaves a half-filled file
under the target name. A locked, truncated, damaged or foreign file gives one clear message on
every page (the wall: its red stamp), a one-line CLI error with exit 2, never a traceback.

The CLI commands run in this process (gridboard.cli.main; an escaping exception fails the test)
except where the process boundary is the point: a restore refused, a truncated file and a locked
one as real processes. The pages of one kind of broken file are visited in one AppTest session
(as a user clicks through the menu), every page checked; one process holds the locked copy for the
module."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_support import app_test
from browser_support import small_database
from cli_support import run_main, run_process
from ingest_support import content_hash
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.core import config
from gridboard.db import backup, store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 90


cli = run_main  # in this process; run_process where the process boundary is the point


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.duckdb"
    small_database(path, config.load().now(), cases=400, seed=2)
    con = store.connect(path)
    con.execute("INSERT INTO volunteers (volunteer_id, unit_id, name) VALUES ('V1', 'T1C1G1', '张三')")
    con.execute("CHECKPOINT")
    con.close()
    return path


# --- backup and restore ------------------------------------------------------------------------


def test_backup_and_restore_keep_every_row(good_db, tmp_path):
    con = store.connect(good_db, read_only=True)
    before = content_hash(con)
    con.close()
    done = cli("backup", "--db", str(good_db), "--to", str(tmp_path / "bk"))
    assert done.returncode == 0, done.stderr
    assert "backed up" in done.stdout
    restored = tmp_path / "restored.duckdb"
    done = cli("restore", "--db", str(restored), "--from", str(tmp_path / "bk"))
    assert done.returncode == 0, done.stderr
    con = store.connect(restored, read_only=True)
    try:
        assert content_hash(con) == before
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 400
        assert store.data_version(con) == store.data_version(store.connect(good_db, read_only=True))
    finally:
        con.close()
    assert not (tmp_path / "restored.duckdb.partial").exists()


def test_restore_refuses_an_existing_file_and_a_damaged_backup(good_db, tmp_path):
    assert cli("backup", "--db", str(good_db), "--to", str(tmp_path / "bk")).returncode == 0
    done = run_process("restore", "--db", str(good_db), "--from", str(tmp_path / "bk"))  # a real process
    assert done.returncode == 2 and "exists" in done.stderr and "Traceback" not in done.stderr
    parquet = next((tmp_path / "bk").glob("cases*.parquet"))
    parquet.write_bytes(parquet.read_bytes()[:100])
    target = tmp_path / "new.duckdb"
    done = cli("restore", "--db", str(target), "--from", str(tmp_path / "bk"))
    assert done.returncode == 2 and done.stderr.startswith("error:") and "Traceback" not in done.stderr
    assert not target.exists() and not (tmp_path / "new.duckdb.partial").exists()
    done = cli("backup", "--db", str(good_db), "--to", str(tmp_path / "bk"))  # not empty
    assert done.returncode == 2 and "not empty" in done.stderr


def test_library_round_trip_counts_match_the_manifest(good_db, tmp_path):
    m = backup.backup(good_db, tmp_path / "b")
    assert m["rows"]["cases"] == 400 and m["rows"]["units"] == 14 and m["rows"]["volunteers"] == 1
    assert backup.restore(tmp_path / "r.duckdb", tmp_path / "b")["rows"] == m["rows"]


# --- unreadable databases ----------------------------------------------------------------------


def _broken(kind: str, good: Path, folder: Path) -> Path:
    data = good.read_bytes()
    path = folder / f"{kind}.duckdb"
    if kind == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif kind == "truncated_header":
        path.write_bytes(data[:5000])
    elif kind == "corrupt":
        bad = bytearray(data)
        bad[20_000:60_000] = bytes(range(256)) * 156 + bytes(64)
        path.write_bytes(bytes(bad))
    elif kind == "not_duckdb":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(50_000))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "directory":
        path.mkdir()
    return path


BROKEN = ("truncated", "truncated_header", "corrupt", "not_duckdb", "empty", "directory")


def test_cli_says_one_line_on_an_unreadable_database(good_db, tmp_path):
    for kind in BROKEN:
        path = _broken(kind, good_db, tmp_path)
        for args in (["kpis", "--db", str(path)], ["backup", "--db", str(path), "--to", str(tmp_path / f"bk_{kind}")]):
            done = cli(*args)
            assert done.returncode == 2, (kind, done.stdout, done.stderr)
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
            assert "Traceback" not in done.stderr
    # and through a real process: the exit code and stderr of `python -m gridboard`
    (tmp_path / "p").mkdir()
    done = run_process("kpis", "--db", str(_broken("truncated", good_db, tmp_path / "p")))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def locked_db(good_db, tmp_path_factory) -> Iterator[Path]:
    """The database held read-write by another process (as a running dashboard holds it), for the module."""
    path = tmp_path_factory.mktemp("locked") / "locked.duckdb"
    path.write_bytes(good_db.read_bytes())
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(path)!r})
        print("held", flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield path
    holder.stdin.close()
    holder.wait(timeout=30)


def test_cli_says_one_line_on_a_locked_database(locked_db):
    done = run_process("kpis", "--db", str(locked_db))  # another process holds it: a real process, too
    assert done.returncode == 2 and "held by another process" in done.stderr and "Traceback" not in done.stderr


def _pages(db: Path, pages: list[str], monkeypatch, tmp_path) -> Iterator[tuple[str, AppTest]]:
    """One AppTest session on `db`: the home page (overview) first, then each of `pages` in turn by
    the page switch; yields (page path, the session after that page's run)."""
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    at = app_test(APP, TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    for page in pages:
        if page != "pages/overview.py":
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
        yield page, at


# every page with a truncated file; every kind on three pages (CPU time on a shared 2-core machine);
# the wall (its red stamp instead of an error box) with a truncated and a locked file
PAGES_OF_KIND = {
    "truncated": [p.path for p in ui.PAGES if p.url_path != "bigscreen"] + ["pages/bigscreen.py"],
    **{kind: [p.path for p in ui.PAGES if p.url_path in ("overview", "import", "volunteers")]
       for kind in ("corrupt", "not_duckdb")},
    "locked": [p.path for p in ui.PAGES if p.url_path in ("overview", "import", "volunteers")] + ["pages/bigscreen.py"],
}


@pytest.mark.parametrize("kind", list(PAGES_OF_KIND))
def test_every_page_says_the_database_cannot_be_read(good_db, tmp_path, monkeypatch, request, kind):
    path = request.getfixturevalue("locked_db") if kind == "locked" else _broken(kind, good_db, tmp_path)
    expected = "被其他程序占用" if kind == "locked" else "已损坏"
    seen = []
    for page, at in _pages(path, PAGES_OF_KIND[kind], monkeypatch, tmp_path):
        seen.append(page)
        if page == "pages/bigscreen.py":  # the wall shows its red stamp
            html = "".join(e.proto.body for e in at.get("html"))
            assert 'data-state="error"' in html and "数据库无法读取" in html, page
            assert not at.error, page
            continue
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and "数据库文件无法读取" in errors[0], (page, errors)
        assert expected in errors[0], page
        assert not at.metric and not at.dataframe, page
    assert seen == PAGES_OF_KIND[kind]


def test_no_traceback_setting_in_streamlit_config():
    text = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'showErrorDetails = "none"' in text
    assert os.environ.get("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS") in (None, "none")
