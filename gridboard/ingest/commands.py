"""The import's own command line (registered by gridboard.cli): `import-undo`.

`python -m gridboard import-undo --db FILE BATCH` undoes import batch BATCH (its id in the import
log) on a database file no server holds; `--list` shows the latest batches and which of them can
be undone now. Output and errors in English; exit 0 done, 2 when it cannot be undone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from gridboard.core import config
from gridboard.db import store
from gridboard.ingest import undo
from gridboard.ingest.report import IngestError


def _undo_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None, help="DuckDB file (default: the configured data/gridboard.duckdb)")
    p.add_argument("batch", type=int, nargs="?", default=None, help="import log id of the batch to undo")
    p.add_argument("--list", action="store_true", help="list the latest batches and whether each can be undone")


def cmd_undo(args: argparse.Namespace) -> int:
    con = store.connect(args.db if args.db is not None else config.load().db_path)
    try:
        if args.list or args.batch is None:
            can = set(undo.undoable(con))
            rows = con.execute("SELECT id, table_name, file_name, rows_inserted, rows_updated, outcome "
                               "FROM ingest_log ORDER BY id DESC LIMIT 20").fetchall()
            for r in rows:
                print(f"#{r[0]}  {r[1]}  {r[2]}  inserted={r[3]} updated={r[4]}  {r[5]}"
                      + ("  (can be undone)" if r[0] in can else ""))
            if not rows:
                print("(no imports)")
            return 0
        try:
            done = undo.undo(con, args.batch)
        except IngestError as exc:
            print(f"error: {exc.text('en')}", file=sys.stderr)
            return 2
        print(done.describe("en"))
        return 0
    finally:
        con.close()


COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = [
    ("import-undo", "undo an import batch: its inserted rows removed, its updated rows restored (one transaction)",
     _undo_parser, cmd_undo),
]
