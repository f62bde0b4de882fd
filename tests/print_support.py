"""A county made for print and export tests: 14 towns (so a printed table has rows beyond the
10th a canvas grid shows), one grid each, a few cases per grid over the last days, and a town
whose code is 15 digits. Written through store.connect(create=True) like browser_support's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from browser_support import CASE_COLUMNS, insert_rows

from gridboard.db import store

TOWNS = [f"第{n:02d}镇" for n in range(1, 15)]  # 第01镇 … 第14镇, ids sort in this order
LONG_CODE = "370831101001001"  # the last town's code: 15 digits


def town_id(i: int) -> str:
    return LONG_CODE if i == len(TOWNS) - 1 else f"T{i:02d}"


def print_database(path: Path, as_of: dt.datetime) -> Path:
    """Write the county to `path`: county 印刷县, towns 第01镇…第14镇 each with grid 第NN镇第一网格,
    3 + (i % 4) cases per grid reported over the 5 days before `as_of`, two of them still open."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = store.connect(path, create=True)
    try:
        units = [("C", None, "county", "印刷县", None, None)]
        for i, name in enumerate(TOWNS):
            units.append((town_id(i), "C", "town", name, None, None))
            units.append((f"{town_id(i)}G", town_id(i), "grid", f"{name}第一网格", "general", 400))
        insert_rows(con, "units", ["unit_id", "parent_id", "level", "name", "grid_type", "households"], units)
        rows = []
        for i in range(len(TOWNS)):
            for k in range(3 + i % 4):
                reported = as_of - dt.timedelta(days=1 + k, hours=i % 5)
                closed = None if k == 0 and i % 3 == 0 else reported + dt.timedelta(hours=5)
                rows.append((
                    f"P{i:02d}{k}", f"{town_id(i)}G", "hotline", ["环境卫生", "矛盾纠纷", "安全隐患"][k % 3],
                    f"=HYPERLINK(\"x\") 事件{i}-{k}" if (i, k) == (0, 0) else f"事件{i}-{k}", reported,
                    reported + dt.timedelta(minutes=5), reported + dt.timedelta(minutes=20), closed,
                    closed + dt.timedelta(hours=1) if closed else None, reported + dt.timedelta(hours=72),
                    "closed" if closed else "open", "grid" if closed else None, "satisfied" if closed else None,
                    False, False, "13800138000",
                ))
        insert_rows(con, "cases", CASE_COLUMNS, rows)
        store.rebuild_unit_closure(con)
        store.bump_data_version(con)
        store.set_meta(con, "demo", "print test county")  # synthetic: the demo accounts may open it
    finally:
        con.close()
    return path
