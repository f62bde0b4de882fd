"""The server's live parts in one process on real DuckDB files: API tokens, the ingest worker
(one queue, one writer, two files at once loaded in turn), status feeds, the inbox folder and the
demo feed. The HTTP API and the server process itself: tests/test_api_server.py.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import tomllib
from pathlib import Path

import pytest
from ingest_support import content_hash, small_county

from gridboard.core import auth
from gridboard.db import store
from gridboard.server import inbox, tokens
from gridboard.server.feed import Feed
from gridboard.server.worker import Job, Worker

NOW = dt.datetime(2026, 3, 2, 10, 0, 0)


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """small_county (C1 → T1 → G1, G2; case OLD1) plus three cases of today in known states."""
    path = tmp_path / "live.duckdb"
    con = small_county(path)
    con.execute("""INSERT INTO cases (case_id, unit_id, category, reported_at, responded_at, closed_at, due_at, status,
                                      satisfaction) VALUES
        ('A1', 'G1', '环境卫生', TIMESTAMP '2026-03-02 08:00:00', NULL, NULL, TIMESTAMP '2026-03-03 08:00:00', 'open', NULL),
        ('A2', 'G2', '城市管理', TIMESTAMP '2026-03-02 08:30:00', TIMESTAMP '2026-03-02 08:40:00', NULL,
         TIMESTAMP '2026-03-02 09:30:00', 'in_progress', NULL),
        ('A3', 'G1', '民生服务', TIMESTAMP '2026-03-01 09:00:00', TIMESTAMP '2026-03-01 09:05:00',
         TIMESTAMP '2026-03-01 15:00:00', TIMESTAMP '2026-03-02 09:00:00', 'closed', NULL)""")
    store.bump_data_version(con)
    con.close()
    return path


@pytest.fixture
def worker(county: Path, tmp_path: Path):
    w = Worker(county, tmp_path / "inbox")
    w.start()
    yield w
    w.stop()


def row(w: Worker, case_id: str) -> dict:
    return w.read("server_status_rows", {"ids": [case_id]})[0]


def run(w: Worker, data: bytes, name: str = "upload.csv", mapping: str | None = None) -> Job:
    job = w.submit(Job("cases", mapping, name, "analyst", origin="api", data=data))
    assert job.done.wait(120)
    return job


# --- tokens --------------------------------------------------------------------------------------


def test_token_is_stored_as_hash_and_authenticates_its_account(tmp_path):
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text('# county settings\nstale_after_minutes = 45\n', encoding="utf-8")
    token, info = tokens.create("analyst", cfg)
    text = cfg.read_text(encoding="utf-8")
    assert token not in text and token.split("_", 2)[2] not in text  # only the hash is kept (the secret itself may hold "_")
    assert text.startswith("# county settings\nstale_after_minutes = 45\n")  # the rest as it was
    stored = tomllib.loads(text)["api_tokens"][info.token_id]
    assert stored["user"] == "analyst" and stored["sha256"] == tokens.digest(token)
    assert tokens.verify(token, cfg) == auth.User("analyst", "analyst", "")
    assert tokens.verify(token[:-1] + ("A" if token[-1] != "A" else "B"), cfg) is None
    assert tokens.verify("", cfg) is None and tokens.verify("Bearer", cfg) is None
    assert [t.token_id for t in tokens.listing(cfg)] == [info.token_id]
    tokens.revoke(info.token_id, cfg)
    assert tokens.verify(token, cfg) is None
    assert tokens.listing(cfg) == []
    assert cfg.read_text(encoding="utf-8").rstrip() == "# county settings\nstale_after_minutes = 45"


def test_tokens_refused_for_unknown_disabled_and_removed_accounts(tmp_path):
    cfg = tmp_path / "gridboard.toml"
    h = auth.hash_password("pw", iterations=1000)
    cfg.write_text(f'[users.li]\nrole = "analyst"\npassword_hash = "{h}"\n\n'
                   f'[users.wang]\nrole = "analyst"\npassword_hash = "{h}"\ndisabled = true\n', encoding="utf-8")
    with pytest.raises(tokens.TokenError, match="no enabled account named 'wang'"):
        tokens.create("wang", cfg)
    with pytest.raises(tokens.TokenError, match="no enabled account named 'analyst'"):
        tokens.create("analyst", cfg)  # the demo accounts do not apply once [users.*] exist
    token, _ = tokens.create("li", cfg)
    assert tokens.verify(token, cfg).role == "analyst"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace('[users.li]\nrole = "analyst"\n', '[users.li]\nrole = "analyst"\ndisabled = true\n'),
                   encoding="utf-8")
    assert tokens.verify(token, cfg) is None  # disabled after the token was made
    cfg.write_text(text.replace("[users.li]", "[users.zhao]"), encoding="utf-8")
    assert tokens.verify(token, cfg) is None  # account removed
    with pytest.raises(tokens.TokenError, match="no token with id"):
        tokens.revoke("00000000", cfg)


# --- worker and status feeds ---------------------------------------------------------------------


def test_later_export_updates_existing_cases_and_adds_new(worker):
    before = worker.read("server_newest_case")[0]["newest"]
    csv = ("case_id,unit_id,category,reported_at,responded_at,closed_at,due_at,satisfaction\n"
           "A1,G1,环境卫生,2026-03-02 08:00:00,2026-03-02 08:20:00,2026-03-02 09:30:00,2026-03-03 08:00:00,satisfied\n"
           "N1,G2,城市管理,2026-03-02 09:50:00,,,2026-03-03 09:50:00,\n").encode()
    job = run(worker, csv)
    r = job.report
    assert job.status == 200 and r["outcome"] == "loaded"
    assert (r["read"], r["inserted"], r["updated"], r["rejected"]) == (2, 1, 1, 0)
    a1 = row(worker, "A1")
    assert a1["status"] == "closed"  # no status column: closed because closed_at is set
    assert a1["closed_at"] == dt.datetime(2026, 3, 2, 9, 30) and a1["satisfaction"] == "satisfied"
    assert row(worker, "N1")["status"] == "open"
    assert worker.read("server_newest_case")[0]["newest"] == dt.datetime(2026, 3, 2, 9, 50) != before


def test_status_feed_changes_only_its_columns(worker):
    a2_before, a3_before = row(worker, "A2"), row(worker, "A3")
    csv = b"case_id,closed_at,satisfaction\nA2,2026-03-02 09:45:00,\nA3,,basic\nA1,,\n"
    job = run(worker, csv, "status.csv")
    r = job.report
    assert job.status == 200 and r["status_feed"] is True
    assert (r["read"], r["inserted"], r["updated"], r["unchanged"], r["rejected"]) == (3, 0, 2, 1, 0)
    a2, a3, a1 = row(worker, "A2"), row(worker, "A3"), row(worker, "A1")
    assert a2["closed_at"] == dt.datetime(2026, 3, 2, 9, 45) and a2["status"] == "closed"
    assert {k: v for k, v in a2.items() if k not in ("closed_at", "status")} == \
        {k: v for k, v in a2_before.items() if k not in ("closed_at", "status")}
    assert a3["satisfaction"] == "basic"
    assert {k: v for k, v in a3.items() if k != "satisfaction"} == {k: v for k, v in a3_before.items() if k != "satisfaction"}
    assert a3["closed_at"] == dt.datetime(2026, 3, 1, 15, 0)  # the empty cell kept the stored value
    assert a1["status"] == "open" and a1["unit_id"] == "G1"  # nothing said: nothing changed


def test_status_feed_response_moves_open_to_in_progress(worker):
    job = run(worker, b"case_id,responded_at\nA1,2026-03-02 08:15:00\n", "respond.csv")
    assert job.status == 200 and job.report["updated"] == 1
    a1 = row(worker, "A1")
    assert (a1["status"], a1["responded_at"]) == ("in_progress", dt.datetime(2026, 3, 2, 8, 15))


def test_status_feed_with_an_unknown_id_loads_nothing(worker, county):
    cur = worker.con.cursor()
    before = content_hash(cur)
    job = run(worker, b"case_id,closed_at\nA1,2026-03-02 09:00:00\nZZ9,2026-03-02 09:00:00\n", "status.csv")
    assert job.status == 422
    assert "ZZ9" in job.report["error"] and "不存在" in job.report["error"]
    assert content_hash(cur) == before
    cur.close()


def test_status_feed_checks_rows_like_any_file(worker):
    job = run(worker, b"case_id,closed_at\nA1,2026-03-01 07:00:00\n", "status.csv")  # closed before reported
    assert job.status == 422 and job.report["rejected"] == 1
    assert row(worker, "A1")["closed_at"] is None


def test_two_files_at_once_are_both_loaded_in_turn(worker):
    files = [("case_id,unit_id,reported_at\n" + "".join(f"{p}{i},G1,2026-03-02 09:{i:02d}:00\n" for i in range(40))).encode()
             for p in ("P", "Q")]
    jobs: list[Job] = []
    threads = [threading.Thread(target=lambda d=d, n=n: jobs.append(run(worker, d, n)))
               for d, n in zip(files, ("p.csv", "q.csv"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(j.status for j in jobs) == [200, 200]
    assert sorted(j.report["inserted"] for j in jobs) == [40, 40]
    versions = sorted(j.report["data_version"] for j in jobs)
    assert versions[1] == versions[0] + 1  # one transaction each, one after the other
    cur = worker.con.cursor()
    logs = cur.execute("SELECT file_name, rows_inserted, outcome FROM ingest_log ORDER BY id").fetchall()
    n = cur.execute("SELECT count(*) FROM cases WHERE case_id LIKE 'P%' OR case_id LIKE 'Q%'").fetchone()[0]
    cur.close()
    assert sorted(logs) == [("p.csv", 40, "loaded"), ("q.csv", 40, "loaded")] and n == 80


# --- inbox ---------------------------------------------------------------------------------------


def test_inbox_names():
    assert inbox.parse_name("cases__la311__2020-01.csv") == ("cases", "la311")
    assert inbox.parse_name("volunteers__auto__x.xlsx") == ("volunteers", None)
    for bad, why in (("cases.csv", "TABLE__PRESET"), ("orders__auto__x.csv", "unknown table"),
                     ("cases__nope__x.csv", "unknown mapping preset"), ("cases__auto__x.pdf", "not a .csv")):
        with pytest.raises(ValueError, match=why):
            inbox.parse_name(bad)


def test_inbox_moves_good_and_bad_files_with_reports(worker, tmp_path):
    box = inbox.Inbox(worker, tmp_path / "inbox")
    folder = tmp_path / "inbox"
    (folder / "cases__auto__good.csv").write_text("case_id,unit_id,reported_at\nI1,G2,2026-03-02 09:00:00\n", encoding="utf-8")
    (folder / "cases__auto__bad.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    (folder / "unnamed.csv").write_text("case_id,unit_id,reported_at\nI2,G2,2026-03-02 09:00:00\n", encoding="utf-8")
    (folder / "cases__auto__halfway.csv").write_text("case_id,unit_id,reported_at\nI3,G2,2026", encoding="utf-8")
    for name in ("cases__auto__good.csv", "cases__auto__bad.csv", "unnamed.csv"):
        (folder / (name + ".done")).touch()
    assert box.scan() == 2  # good and bad queued; unnamed rejected at once; halfway has no marker
    assert box.scan() == 0  # already queued: not twice
    worker.submit(Job("cases", None, "sync.csv", None, origin="feed", data=b"case_id,unit_id,reported_at\n"))
    for _ in range(200):
        if worker.queue_length() == 0:
            break
        threading.Event().wait(0.05)
    assert sorted(p.name for p in (folder / "loaded").iterdir()) == ["cases__auto__good.csv",
                                                                     "cases__auto__good.csv.report.json"]
    assert sorted(p.name for p in (folder / "rejected").iterdir()) == [
        "cases__auto__bad.csv", "cases__auto__bad.csv.report.json", "unnamed.csv", "unnamed.csv.report.json"]
    good = json.loads((folder / "loaded" / "cases__auto__good.csv.report.json").read_text(encoding="utf-8"))
    assert (good["outcome"], good["inserted"], good["origin"]) == ("loaded", 1, "inbox")
    bad = json.loads((folder / "rejected" / "unnamed.csv.report.json").read_text(encoding="utf-8"))
    assert "TABLE__PRESET" in bad["error"]
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["cases__auto__halfway.csv"]
    assert row(worker, "I1")["unit_id"] == "G2"
    assert worker.read("server_status_rows", {"ids": ["I2", "I3"]}) == []


# --- demo feed -----------------------------------------------------------------------------------


def test_feed_tick_adds_cases_and_moves_open_ones(worker):
    cur = worker.con.cursor()
    # a rhythm to follow: 28 days of cases at 10:00, two a day (so 2 per hour at this hour)
    cur.execute("""INSERT INTO cases (case_id, unit_id, category, source, reported_at, due_at, status)
                   SELECT 'H' || d || '-' || k, 'G2', '环境卫生', 'hotline',
                          TIMESTAMP '2026-02-02 10:10:00' + INTERVAL (d) DAY + INTERVAL (k * 20) MINUTE,
                          TIMESTAMP '2026-02-02 10:10:00' + INTERVAL (d) DAY + INTERVAL 3 DAY, 'closed'
                   FROM range(28) t(d), range(2) s(k)""")
    cur.execute("UPDATE cases SET closed_at = reported_at + INTERVAL 1 HOUR WHERE case_id LIKE 'H%'")
    feed = Feed(worker, lambda: NOW, seed=3)
    assert feed.per_hour(NOW) == pytest.approx(2.0)
    count = "SELECT count(*) FROM cases WHERE case_id LIKE 'LIVE%'"
    tick = feed.tick(minutes=60, rate=10)  # mean 20 new cases, 20 responses, closes, callbacks
    assert tick.new > 0 and cur.execute(count).fetchone()[0] == tick.new
    assert [r["outcome"] for r in tick.reports] == ["loaded", "loaded"]
    assert tick.responded == 1  # A1, the one open case of the last two days
    assert row(worker, "A1")["status"] == "in_progress"
    assert tick.closed == 1 and row(worker, "A2")["status"] == "closed"
    new = cur.execute("SELECT min(reported_at), max(reported_at), count(DISTINCT unit_id) FROM cases "
                      "WHERE case_id LIKE 'LIVE%'").fetchone()
    assert NOW - dt.timedelta(minutes=2) < new[0] <= new[1] <= NOW - dt.timedelta(minutes=1) and new[2] >= 1
    quiet = Feed(worker, lambda: NOW + dt.timedelta(hours=1), fresh_minutes=10, seed=4)
    assert quiet.tick(minutes=0).new == 1  # nothing due by the rhythm, but the wall must stay fresh
    cur.close()
