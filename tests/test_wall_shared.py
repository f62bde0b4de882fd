"""The wall screen's work is shared: one live computation per refresh tick and data version, not one
per wall. Counted through the real counter of gridboard.wall.shared (every computation it runs),
with real threads, a real database and thirty real AppTest sessions of the wall page."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path

import pytest
from app_support import app_test
from conftest import copy_db

from gridboard.db import store
from gridboard.wall import board, shared
from gridboard.wall.shared import SingleFlight

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/bigscreen.py"
STALE = dt.timedelta(minutes=30)


def test_tick_rounds_now_down_to_the_refresh_period_at_most_a_minute() -> None:
    now = dt.datetime(2026, 11, 23, 9, 17, 43, 512_000)
    assert board.tick(now, 5) == dt.datetime(2026, 11, 23, 9, 17, 40)
    assert board.tick(now, 30) == dt.datetime(2026, 11, 23, 9, 17, 30)
    assert board.tick(now, 3600) == dt.datetime(2026, 11, 23, 9, 17)  # capped at TICK_MAX_SECONDS = 60
    assert board.tick(dt.datetime(2026, 11, 23, 9, 17, 44, 999_999), 5) == board.tick(now, 5)
    assert board.tick(dt.datetime(2026, 11, 23, 9, 17, 45), 5) == dt.datetime(2026, 11, 23, 9, 17, 45)


def test_single_flight_computes_once_for_concurrent_callers() -> None:
    memo = SingleFlight(max_entries=2)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> object:
        calls.append(1)
        started.set()
        release.wait(30)
        return object()

    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(memo.get("k", slow))) for _ in range(30)]
    threads[0].start()
    assert started.wait(30)  # the first caller is computing; the other 29 arrive meanwhile
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(30)
    assert len(got) == 30 and len({id(v) for v in got}) == 1
    assert memo.computed == 1 and len(calls) == 1
    memo.get("k2", object)
    memo.get("k3", object)  # k is evicted (two entries kept)
    assert memo.computed == 3
    memo.get("k", object)
    assert memo.computed == 4

    def broken() -> object:
        raise OSError("disk")

    with pytest.raises(OSError):
        memo.get("bad", broken)
    assert memo.get("bad", lambda: "ok") == "ok"  # a failure is not stored


def test_thirty_walls_at_one_tick_make_one_computation(small_db: Path) -> None:
    con = store.connect(small_db)
    try:
        version = store.data_version(con)
        as_of = board.tick(dt.datetime(2026, 11, 23, 9, 17, 43), 5)
        key = (str(small_db), version)

        def cached(func, **kwargs):  # the page's ui.cached without Streamlit
            cur = con.cursor()
            try:
                return func(cur, **kwargs)
            finally:
                cur.close()

        before = board.SHARED.computed
        got: list[board.Live] = []
        walls = [threading.Thread(target=lambda: got.append(board.read_live(
            con.cursor, cached, as_of=as_of, stale_after=STALE, share=key))) for _ in range(30)]
        for t in walls:
            t.start()
        for t in walls:
            t.join(120)
        assert len(got) == 30 and all(live.ok and live.version == version for live in got)
        assert board.SHARED.computed - before == 1
        assert len({id(live) for live in got}) == 1  # the very same result
        # the next tick: one more; a new data version (an import): one more
        board.read_live(con.cursor, cached, as_of=as_of + dt.timedelta(seconds=5), stale_after=STALE, share=key)
        store.bump_data_version(con)
        new = board.read_live(con.cursor, cached, as_of=as_of, stale_after=STALE,
                              share=(str(small_db), store.data_version(con)))
        assert board.SHARED.computed - before == 3 and new.version == version + 1
        # without a share key (the benchmark, an unreadable version): computed each time, not counted
        board.read_live(con.cursor, cached, as_of=as_of, stale_after=STALE)
        assert board.SHARED.computed - before == 3
    finally:
        con.close()


STAMP = re.compile(r'data-testid="bs-stamp" data-state="\w+" data-version="(\d+)" data-run="\d+"[^>]*>数据更新于 (\d\d:\d\d:\d\d)')


@pytest.fixture
def wall_env(small_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = copy_db(small_db_file, tmp_path, "wall.duckdb")
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("stale_after_minutes = 100000\n", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return db


def open_wall(decks: list[str] | None = None) -> tuple[str, str]:
    """One wall session at ?refresh=60 (started from app.py like a browser): (data version, tick) it
    shows; the JSON of its map deck is appended to `decks`."""
    at = app_test(APP, 120)
    at.query_params["refresh"] = "60"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    page = "".join(e.proto.body for e in at.get("html"))
    found = STAMP.search(page)
    assert found, page[:2000]
    if decks is not None:
        decks.extend(e.proto.json for e in at.get("deck_gl_json_chart"))
    return found.group(1), found.group(2)


def test_thirty_wall_sessions_share_one_computation_per_tick(wall_env: Path) -> None:
    con = store.connect(wall_env)  # one grid with a boundary: the wall shows its map
    try:
        con.execute("UPDATE units SET boundary = $b WHERE unit_id = 'T1C1G1'", {"b": json.dumps(
            {"type": "Polygon", "coordinates": [[[117.0, 35.0], [117.01, 35.0], [117.01, 35.01], [117.0, 35.0]]]})})
    finally:
        con.close()
    before, decks_before, decks = board.SHARED.computed, shared.DECKS.computed, []
    shown = [open_wall(decks) for _ in range(30)]
    versions = {v for v, _ in shown}
    ticks = {t for _, t in shown}
    assert len(versions) == 1
    # 30 sessions, one computation per tick they saw (on a loaded machine the 30 runs may span a few
    # minute ticks: still exactly one computation for each, however many sessions shared it)
    assert board.SHARED.computed - before == len(ticks), (shown, board.SHARED.computed - before)
    # and one map deck per tick: every wall sends the same serialised deck, built once
    assert len(decks) == 30 and len(set(decks)) <= len(ticks)
    assert json.loads(decks[0])["layers"][0]["id"] == "towns"
    assert shared.DECKS.computed - decks_before == len(ticks), shared.DECKS.computed - decks_before
    con = store.connect(wall_env)  # same process as the app's connection: same DuckDB instance
    try:
        store.bump_data_version(con)  # what an import does last
    finally:
        con.close()
    mark = board.SHARED.computed
    after = [open_wall() for _ in range(3)]
    assert {v for v, _ in after} == {str(int(next(iter(versions))) + 1)}
    assert board.SHARED.computed - mark == len({t for _, t in after})


def test_the_map_outlines_leave_the_deck_for_one_cached_url(small_db: Path) -> None:
    from gridboard.render import maps
    from gridboard.server import outlines

    con = store.connect(small_db)
    try:
        con.execute("UPDATE units SET boundary = $b WHERE unit_id = 'T1C1G1'", {"b": json.dumps(
            {"type": "Polygon", "coordinates": [[[117.0, 35.0], [117.01, 35.0], [117.01, 35.01], [117.0, 35.0]]]})})
        mb = maps.base(con)
        grids = json.loads(maps.outline_bytes(mb, "grids"))
        assert [f["geometry"]["type"] for f in grids["features"]] == ["Polygon"]
        assert grids["features"][0]["properties"] == {}  # geometry only: no ids, no names
        urls = {kind: outlines.url(kind, mb.digest) for kind in maps.OUTLINES}
        deck = json.loads(maps.wall_deck(mb, {}, outlines=urls).to_json())
        layers = {layer["id"]: layer for layer in deck["layers"]}
        assert layers["grids"]["data"] == f"/wall/outlines/grids.geojson?d={mb.digest}"
        assert layers["towns"]["data"] == f"/wall/outlines/towns.geojson?d={mb.digest}"
        frozen = shared.FrozenDeck(maps.wall_deck(mb, {}, outlines=urls))  # what every wall of a tick sends
        assert json.loads(frozen.to_json()) == deck and frozen._tooltip is False
        inline = json.loads(maps.wall_deck(mb, {}).to_json())  # without URLs: the outlines inline
        assert {layer["id"]: layer for layer in inline["layers"]}["grids"]["data"]["features"]
        con.execute("UPDATE units SET boundary = NULL WHERE unit_id = 'T1C1G1'")
        assert maps.base(con).digest != mb.digest  # a changed boundary, a new URL
    finally:
        con.close()
