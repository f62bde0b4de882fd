"""Helpers for the page and browser tests: a small database, a free port, a Streamlit server.

`small_database(path, as_of)` writes a hand-made county (2 towns, 3 communities/villages,
6 grids, 2 micro-grids, a few hundred cases over the 60 days before `as_of`) through
store.connect(create=True) and bound INSERTs, so the page tests do not depend on the demo
generator and know exactly what is in the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from gridboard.db import store

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

UNITS = [
    # unit_id, parent_id, level, name, grid_type, households
    ("C", None, "county", "测试县", None, None),
    ("T1", "C", "town", "城关街道", None, None),
    ("T2", "C", "town", "东湖镇", None, None),
    ("T1C1", "T1", "community", "幸福社区", None, None),
    ("T1C2", "T1", "community", "和平社区", None, None),
    ("T2V1", "T2", "village", "李家村", None, None),
    ("T1C1G1", "T1C1", "grid", "幸福社区第一网格", "general", 420),
    ("T1C1G2", "T1C1", "grid", "幸福社区第二网格", "general", 380),
    ("T1C2G1", "T1C2", "grid", "和平社区第一网格", "general", 460),
    ("T1C2G2", "T1C2", "grid", "实验小学专属网格", "dedicated", 0),
    ("T2V1G1", "T2V1", "grid", "李家村第一网格", "general", 350),
    ("T2V1G2", "T2V1", "grid", "李家村第二网格", "general", 310),
    ("T1C1G1M1", "T1C1G1", "micro_grid", "幸福社区1号楼微网格", None, 60),
    ("T1C1G1M2", "T1C1G1", "micro_grid", "幸福社区2号楼微网格", None, 55),
]
CATEGORIES = ["矛盾纠纷", "安全隐患", "环境卫生", "民生服务", "城市管理"]
SOURCES = ["grid_patrol", "hotline", "app", "sensor"]
LEAF_UNITS = ["T1C1G1M1", "T1C1G1M2", "T1C1G2", "T1C2G1", "T1C2G2", "T2V1G1", "T2V1G2"]


def small_database(path: Path, as_of: dt.datetime, *, cases: int = 600, seed: int = 3) -> Path:
    """Write the hand-made county to `path` (replacing it); cases end just before `as_of`."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    rng = random.Random(seed)
    con = store.connect(path, create=True)
    try:
        con.executemany(
            "INSERT INTO units (unit_id, parent_id, level, name, grid_type, households) VALUES (?, ?, ?, ?, ?, ?)",
            UNITS,
        )
        rows = []
        for i in range(cases):
            reported = as_of - dt.timedelta(minutes=rng.randint(30, 60 * 24 * 60))
            limit = dt.timedelta(hours=rng.choice([24, 72, 168]))
            responded = reported + dt.timedelta(minutes=rng.uniform(2, 300))
            status = rng.choices(["closed", "in_progress", "open", "cancelled"], [80, 10, 6, 4])[0]
            closed = reported + limit * rng.uniform(0.1, 1.4) if status == "closed" else None
            if closed is not None and closed > as_of:
                closed, status = None, "in_progress"
            satisfaction = rng.choice(["satisfied", "satisfied", "basic", "dissatisfied", None]) if closed else None
            rows.append((
                f"K{i:05d}", rng.choice(LEAF_UNITS), rng.choice(SOURCES), rng.choice(CATEGORIES),
                "<b>楼道堆物</b> & 噪音" if i == 0 else f"事件{i}", reported,
                reported + dt.timedelta(minutes=1), responded if responded <= as_of else None, closed,
                closed + dt.timedelta(hours=2) if satisfaction else None, reported + limit, status,
                rng.choice(["grid", "grid", "community", "town"]) if closed else None,
                satisfaction, rng.random() < 0.03, rng.random() < 0.05, f"138{rng.randint(0, 99_999_999):08d}",
            ))
        con.executemany(
            "INSERT INTO cases (case_id, unit_id, source, category, title, reported_at, dispatched_at, responded_at,"
            " closed_at, callback_at, due_at, status, handled_level, satisfaction, reopened, supervised,"
            " reporter_phone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        store.rebuild_unit_closure(con)
        store.bump_data_version(con)
    finally:
        con.close()
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], *, log: Path, timeout: float = 90) -> Iterator[str]:
    """Run `streamlit run app.py` on a free port with `env` added; yield its base URL."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k != "GRIDBOARD_AUTH"}  # the gate is real
    full_env.update(env)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start in {timeout} s: {log.read_text()[-2000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
