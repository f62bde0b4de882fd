"""The unit tree an import leaves behind: one root, no cycles, every parent at a higher level.

A units file is checked row by row (gridboard.ingest.checks) and against the database
(gridboard.ingest.staging); this module then looks at the tree the accepted rows would make
together with the units already stored, and refuses the whole file, naming the offending rows,
when that tree would have a second root, a cycle, or a parent that is not above its child
(county > town > community/village > grid > micro_grid; a level may be skipped, as when a city
export hangs its neighbourhoods straight under the county). Every page stands on this tree.
"""

from __future__ import annotations

from typing import Any

import duckdb

from gridboard.core import schema
from gridboard.ingest.messages import Joined, Phrase
from gridboard.ingest.report import IngestError

RANK = {"county": 0, "town": 1, "community": 2, "village": 2, "grid": 3, "micro_grid": 4}
SHOWN = 8  # offending rows named in the message at most

_EXISTING = "SELECT unit_id, parent_id, level FROM units"


def _level(level: str | None) -> tuple[str, str]:
    """The level's label (Chinese, English)."""
    return schema.label("level", level) if level else "—", schema.label("level", level, "en") if level else "—"


def problems(existing: list[tuple[str, str | None, str]], incoming: list[tuple[int, str, str | None, str]],
             *, parent_given: bool = True) -> list[Phrase]:
    """What is wrong with the tree `existing` (unit_id, parent_id, level) updated by `incoming`
    (file row, unit_id, parent_id, level); one line (a Phrase) per offending row, [] when sound.
    Without a parent column in the file (`parent_given` False) a stored unit keeps its parent."""
    parent = {u: p for u, p, _ in existing}
    level = {u: lv for u, _, lv in existing}
    row_of: dict[str, int] = {}
    for row, unit, par, lv in incoming:
        if parent_given or unit not in parent:
            parent[unit] = par
        level[unit] = lv
        row_of[unit] = row
    out: list[Phrase] = []
    roots = sorted(u for u, p in parent.items() if p is None)
    if len(roots) > 1:
        stored_root = [u for u, p, _ in existing if p is None]
        keep = stored_root[0] if stored_root else min(roots, key=lambda u: (row_of.get(u, 0), u))
        for u in roots:
            if u != keep and u in row_of:
                out.append(Phrase("tree_second_root", row=row_of[u], unit=u, root=keep))
    for u, row in row_of.items():
        p = parent.get(u)
        if p is not None and p in level and RANK.get(level[p], 9) >= RANK.get(level[u], 9):
            out.append(Phrase("tree_not_above", row=row, unit=u, parent=p, parent_level=_level(level[p]),
                              level=_level(level[u])))
    # children already stored under a unit whose level this file lowers
    for child, p in parent.items():
        if p in row_of and child not in row_of and child in level and RANK.get(level[p], 9) >= RANK.get(level[child], 9):
            out.append(Phrase("tree_lowered", row=row_of[p], unit=p, level=_level(level[p]), child=child,
                              child_level=_level(level[child])))
    seen_cycle: set[str] = set()
    for start in row_of:
        path: list[str] = []
        at: str | None = start
        while at is not None and at not in path and len(path) <= len(parent):
            path.append(at)
            at = parent.get(at)
        if at is not None and at in path:
            cycle = path[path.index(at):]
            if not seen_cycle & set(cycle):
                seen_cycle |= set(cycle)
                rows = [Phrase("tree_cycle_row", row=row_of[c], unit=c) for c in cycle if c in row_of]
                out.append(Phrase("tree_cycle", rows=rows, path=" → ".join([*cycle, cycle[0]])))
    return out


def refuse_broken(cur: duckdb.DuckDBPyConnection, stage: Any) -> None:
    """Raise IngestError naming the rows when the units staged in `stage` (a staging.Stage)
    would break the tree; nothing is written either way."""
    existing = [tuple(r) for r in cur.execute(_EXISTING).fetchall()]
    incoming = [tuple(r) for r in cur.execute(
        f"SELECT _row, unit_id, parent_id, level FROM {stage.stage} "  # stage: a generated identifier
        "WHERE NOT _reject AND NOT _drop AND unit_id IS NOT NULL ORDER BY _row").fetchall()]
    found = problems(existing, incoming, parent_given="parent_id" in stage.present)  # type: ignore[arg-type]
    if found:
        more = Phrase("ing_tree_more", n=len(found) - SHOWN) if len(found) > SHOWN else ""
        raise IngestError("ing_tree_broken", lines=Joined(found[:SHOWN], "；", "; "), more=more)
