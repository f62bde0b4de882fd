"""The one ingest worker of the server: one queue, one writer thread, one transaction per file.

Every way in — the HTTP API, the inbox folder, the demo feed — hands a Job to `Worker.submit`;
the writer thread takes jobs in order and runs the import page's pipeline on each (read → map →
check → upsert, gridboard.ingest.pipeline prepare + commit: one transaction, one ingest_log row,
the data version bumped, so every page's cache — keyed on the data version — refreshes; a reader
never sees half a file, DuckDB's MVCC shows it the file before or after). Status-feed files
(gridboard.server.statusfeed) are completed from the stored rows first.

Memory: the worker's connection sets DuckDB's memory_limit (and threads, when configured) from the
validated settings ingest_memory_limit / ingest_threads before anything is loaded; DuckDB holds
them per database instance, which the pages of the same process share, so the cap bounds the
server's DuckDB memory as a whole (large sorts and joins spill to `<db>.tmp` instead).

Durable queue: a job is a file on disk until it has been loaded — inbox files stay in the inbox,
API uploads are written to `<inbox>/.api/` before they are queued — and after loading the file
moves to `<inbox>/loaded/` or `<inbox>/rejected/` with `<name>.report.json` beside it. `stop()`
lets the file being written finish, leaves the rest on disk and `start()` queues them again.

Warming: after a job has been answered, and at start, the worker pokes its Warmer
(gridboard/server/warm.py), which asks the first screens' questions of 本年/本季度/本月 in the
background once the worker is idle, so the first view after an import reads agg_memo; a job that
starts interrupts it. The demo feed's ticks do not poke it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import queue
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from gridboard.core import config
from gridboard.db import queries, store
from gridboard.ingest import pipeline
from gridboard.server import statusfeed
from gridboard.server.warm import Warmer

LOG = logging.getLogger("gridboard.server")
SPOOL = ".api"
LOADED, REJECTED = "loaded", "rejected"
OK_OUTCOMES = ("loaded", "partial", "unchanged")
_SAFE = re.compile(r"[^A-Za-z0-9._\-\u4e00-\u9fff]+")


@dataclass
class Job:
    """One file to load. `path` is its durable copy (None for the demo feed's in-memory files)."""

    table: str
    mapping: str | None
    file_name: str
    user: str | None
    origin: str  # api, inbox, feed
    path: Path | None = None
    data: bytes | None = None
    add_units_under: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    report: dict[str, Any] | None = None
    status: int = 0  # 200 loaded (or nothing to change), 422 nothing loaded, 503 not loaded (stopping)


def json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def load(con: duckdb.DuckDBPyConnection, data: bytes | Path, *, table: str, file_name: str,
         mapping: str | None, user: str | None, add_units_under: str | None = None,
         problems: int = 500) -> dict[str, Any]:
    """Import one file with the pipeline and return the API's report (English keys)."""
    use_mapping: Any = mapping
    if table == "cases":
        found = statusfeed.detect(data, file_name, mapping)
        if found is not None:
            data, use_mapping = statusfeed.complete(con, *found)
    batch = pipeline.prepare(con, data, table=table, file_name=file_name, mapping=use_mapping,
                             add_units_under=add_units_under)
    try:
        report = batch.commit(user=user)
        rows = batch.problems(limit=problems)
    finally:
        batch.close()
    return report_dict(report, rows, status_feed=use_mapping is not mapping)


def report_dict(report: pipeline.Report, problems: Any = None, *, status_feed: bool = False) -> dict[str, Any]:
    """The ingest report of the API: counts, outcome, data version and the problems by row."""
    out = {
        "file": report.file_name, "table": report.table, "outcome": report.outcome,
        "status_feed": status_feed, "read": report.rows_read, "accepted": report.rows_accepted,
        "inserted": report.new, "updated": report.updated, "unchanged": report.unchanged,
        "rejected": report.rows_rejected, "merged": report.rows_merged, "unassigned": report.rows_unassigned,
        "new_units": len(report.new_units), "data_version": report.data_version, "log_id": report.log_id,
        "mapping": report.mapping, "notes": report.notes, "problem_summary": report.problem_summary,
        "problems": [],
    }
    if problems is not None:
        out["problems"] = [{"row": int(r[0]), "column": r[1], "value": r[2], "problem": r[3], "action": r[4]}
                           for r in problems.itertuples(index=False)]
    return finite(out)


def finite(obj: Any) -> Any:
    """The report with NaN/NA (an empty cell) as null, so it is strict JSON."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    if obj is None or isinstance(obj, str | bool | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.generic):  # numpy scalars from the report frames
        return finite(obj.item())
    try:
        if pd.isna(obj):
            return None
    except (TypeError, ValueError):
        pass
    return obj


def error_dict(file_name: str, table: str, message: str) -> dict[str, Any]:
    """The report of a file that could not be imported at all (nothing written)."""
    return {"file": file_name, "table": table, "outcome": "rejected", "error": message, "read": 0, "accepted": 0,
            "inserted": 0, "updated": 0, "unchanged": 0, "rejected": 0, "data_version": None, "problems": []}


def apply_limits(con: duckdb.DuckDBPyConnection, memory_limit: str | None, threads: int = 0) -> None:
    """SET memory_limit (e.g. "1GB") and, unless 0, threads on `con` (its whole database instance)."""
    if memory_limit:
        queries.run(con, queries.text("set_memory_limit"), {"memory_limit": str(memory_limit).strip()})
    if threads:
        queries.run(con, queries.text("set_threads"), {"threads": int(threads)})


class Worker:
    """The server's single writer. Thread-safe `submit`; `start`/`stop` from the lifespan."""

    def __init__(self, db_path: Path, inbox_dir: Path, *, memory_limit: str | None = None, threads: int = 0,
                 warm: bool = True, now: Callable[[], dt.datetime] | None = None) -> None:
        """`warm`: warm the memo after each import (gridboard/server/warm.py); `now`: the local time
        the pages take as "now" (default: the configured zone's, config.load().now)."""
        self.db_path = Path(db_path)
        self.inbox = Path(inbox_dir)
        self.memory_limit, self.threads = memory_limit, threads
        self.con: duckdb.DuckDBPyConnection | None = None
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._busy = False
        self._queued_paths: set[Path] = set()
        self._lock = threading.Lock()
        self.warmer: Warmer | None = None
        if warm:
            self.warmer = Warmer(self._cursor, now or (lambda: config.load().now()), lambda: self.queue_length() > 0)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            raise store.StoreError("the server's database is not open")
        return self.con.cursor()

    # --- life ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the database, queue the API uploads left from the last run, start the writer."""
        self.con = store.connect(self.db_path)
        apply_limits(self.con, self.memory_limit, self.threads)
        for sub in (SPOOL, LOADED, REJECTED):
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)
        for path in sorted((self.inbox / SPOOL).iterdir()):
            if path.is_file() and not path.name.startswith("."):
                parsed = parse_spool_name(path.name)
                if parsed is not None:
                    table, mapping, file_name, user, under = parsed
                    self.submit(Job(table, mapping, file_name, user, origin="api", path=path, add_units_under=under))
        self._thread = threading.Thread(target=self._run, name="gridboard-ingest", daemon=True)
        self._thread.start()
        if self.warmer is not None:
            self.warmer.start()
            self.warmer.poke()  # a version not warmed yet (a marker row per period says which are)

    def stop(self, timeout: float = 120) -> None:
        """Finish the file being written, answer waiting callers 503, keep queued files on disk."""
        self._stopping.set()
        if self.warmer is not None:
            self.warmer.stop()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.status = 503
                job.done.set()
        if self.con is not None:
            with contextlib.suppress(duckdb.Error):  # readers may still hold transactions: then at exit
                self.con.execute("CHECKPOINT")
            self.con.close()
            self.con = None

    # --- queue -----------------------------------------------------------------------------------

    def submit(self, job: Job) -> Job:
        if self._stopping.is_set():
            job.status = 503
            job.done.set()
            return job
        with self._lock:
            if job.path is not None:
                self._queued_paths.add(job.path)
        self._queue.put(job)
        return job

    def is_queued(self, path: Path) -> bool:
        with self._lock:
            return path in self._queued_paths

    def queue_length(self) -> int:
        """Files waiting, plus the one being written."""
        return self._queue.qsize() + (1 if self._busy else 0)

    def spool(self, data: bytes, *, table: str, mapping: str | None, user: str | None, file_name: str,
              under: str | None = None) -> Path:
        """Write an API upload to the durable queue folder (fsync'd, then renamed into place)."""
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        name = (f"{stamp}-{uuid.uuid4().hex[:6]}__{table}__{mapping or 'auto'}__{_safe(user or '-')}__"
                f"{_safe(under or '-')}__{_safe(file_name)}")
        folder = self.inbox / SPOOL
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.part"
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        path = folder / name
        tmp.rename(path)
        return path

    # --- reading for the API ---------------------------------------------------------------------

    def read(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a named query on a fresh cursor of the server's connection."""
        if self.con is None:
            raise store.StoreError("the server's database is not open")
        cur = self.con.cursor()
        try:
            return queries.rows(cur, queries.named(name), params or {})
        finally:
            cur.close()

    # --- the writer ------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None or self._stopping.is_set():
                if job is not None:  # not started: stays on disk, answered in stop()
                    self._queue.put(job)
                return
            self._busy = True
            if self.warmer is not None:
                self.warmer.hold()
            try:
                self._process(job)
            finally:
                self._busy = False
                with self._lock:
                    if job.path is not None:
                        self._queued_paths.discard(job.path)
                job.done.set()
            self._after(job)

    def written(self) -> None:
        """A write outside this worker's queue moved the data version (the import page loads and
        undoes batches on the app's own connection): warm for it as after a job of ours."""
        if self.warmer is not None and not self._stopping.is_set():
            self.warmer.poke()

    def _after(self, job: Job) -> None:
        """Poke the warmer once the caller has its answer (never the demo feed's ticks that moved the
        data version: the next tick would drop what it kept)."""
        if self.warmer is None or self._stopping.is_set():
            return
        moved = job.report is not None and job.report.get("outcome") in ("loaded", "partial")
        if job.origin != "feed" or not moved:
            self.warmer.poke()

    def _process(self, job: Job) -> None:
        assert self.con is not None
        data: bytes | Path = job.data if job.data is not None else job.path  # type: ignore[assignment]
        try:
            report = self._load_retrying(job, data)
            job.status = 200 if report["outcome"] in OK_OUTCOMES else 422
        except pipeline.IngestError as exc:
            report, job.status = error_dict(job.file_name, job.table, str(exc)), 422
        except Exception as exc:  # never lose the worker: the file is reported, not loaded
            LOG.exception("ingest of %s failed", job.file_name)
            report = error_dict(job.file_name, job.table, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            job.status = 422
        report["origin"] = job.origin
        report["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
        job.report = report
        LOG.info("ingest %s (%s): %s", job.file_name, job.origin, report.get("outcome"))
        if job.path is not None:
            self._file_away(job.path, report, job.status == 200)

    def _load_retrying(self, job: Job, data: bytes | Path, attempts: int = 3) -> dict[str, Any]:
        """load(), again when another writer of this process (the import page) committed first:
        DuckDB refuses the later of two transactions that change the same rows (the data version)."""
        assert self.con is not None
        for attempt in range(attempts):
            try:
                return load(self.con, data, table=job.table, file_name=job.file_name, mapping=job.mapping,
                            user=job.user, add_units_under=job.add_units_under)
            except pipeline.IngestError as exc:
                if "conflict" not in str(exc).lower() or attempt == attempts - 1:
                    raise
                LOG.info("ingest of %s met a concurrent write; again", job.file_name)
                self._stopping.wait(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def _file_away(self, path: Path, report: dict[str, Any], ok: bool) -> None:
        """Move a loaded/rejected file out of the queue with its report beside it."""
        target = self.inbox / (LOADED if ok else REJECTED)
        target.mkdir(parents=True, exist_ok=True)
        name = path.name
        if (target / name).exists():
            name = f"{dt.datetime.now():%Y%m%dT%H%M%S}-{name}"
        (target / f"{name}.report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1, default=json_default), encoding="utf-8")
        shutil.move(str(path), str(target / name))
        marker = path.with_name(path.name + ".done")
        marker.unlink(missing_ok=True)


def _safe(text: str) -> str:
    return _SAFE.sub("_", text).strip("_")[:80] or "file"


def parse_spool_name(name: str) -> tuple[str, str | None, str, str | None, str | None] | None:
    """(table, mapping, file name, user, add_units_under) of a spooled API upload's name."""
    parts = name.split("__", 5)
    if len(parts) != 6:
        return None
    _, table, mapping, user, under, file_name = parts
    return (table, None if mapping == "auto" else mapping, file_name, None if user == "-" else user,
            None if under == "-" else under)
