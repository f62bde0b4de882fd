"""The server's live parts started and stopped together: the ingest worker, the inbox poller and
the demo feed, on the served database.

A missing database file is left to the first page view to build (the demo county, with its
spinner; DESIGN.md: nothing is built before someone has signed in): until the file appears the
parts wait for it and the API answers 503 "starting".

One Service per server process (`start()` from the st.App lifespan, `stop()` on shutdown). While
it runs, `<db>.server.json` beside the database names the server's URL and process, so a
command-line tool that finds the file held can say how to reach the server instead.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from gridboard.core import config
from gridboard.db import store
from gridboard.server.feed import Feed
from gridboard.server.inbox import Inbox
from gridboard.server.worker import Worker

LOG = logging.getLogger("gridboard.server")
if not LOG.handlers:  # the server's own lines in its log (Streamlit configures only its loggers)
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s gridboard.server %(levelname)s %(message)s"))
    LOG.addHandler(_handler)
    LOG.setLevel(logging.INFO)


def marker_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".server.json")


def running_server(db_path: Path) -> str | None:
    """The URL of the server that says it holds `db_path` (None when none says so)."""
    try:
        data = json.loads(marker_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(data.get("url") or "") or None


def feed_wanted(cfg: config.Config, worker: Worker) -> bool:
    """Setting demo_feed: true / false, or "auto" = on exactly when the database is the demo county."""
    setting = cfg["demo_feed"]
    if isinstance(setting, bool):
        return setting
    if str(setting).lower() in ("true", "on", "yes", "1"):
        return True
    if str(setting).lower() in ("false", "off", "no", "0"):
        return False
    assert worker.con is not None
    cur = worker.con.cursor()
    try:
        return store.get_meta(cur, "demo") is not None
    finally:
        cur.close()


def import_page_libraries() -> None:
    """Import, while the server starts, what the pages import only when they first draw: pandas'
    Styler (every styled table; it compiles its jinja2 templates on import) and kaleido (the PNG
    buttons' check). Otherwise the first viewer after a start waits ~0.08 s for them (py-spy of the
    overview's first view, 2026-11-30)."""
    try:
        import pandas.io.formats.style  # type: ignore[import-untyped]  # noqa: F401

        from gridboard.render import chart_export

        chart_export.available()
    except Exception:  # a page imports them again, and says what fails
        LOG.exception("importing the pages' libraries failed")


class Service:
    def __init__(self, cfg: config.Config | None = None, url: str | None = None) -> None:
        self.cfg = cfg or config.load()
        self.url = url
        inbox = Path(str(self.cfg["inbox_dir"]))
        self.inbox_dir = inbox if inbox.is_absolute() else config.PROJECT_ROOT / inbox
        self.db_path = self.cfg.db_path
        self.worker = Worker(self.db_path, self.inbox_dir, memory_limit=str(self.cfg["ingest_memory_limit"]),
                             threads=int(str(self.cfg["ingest_threads"])), warm=self.cfg["memo_warm"] is True,
                             now=self.cfg.now)
        self.inbox = Inbox(self.worker, self.inbox_dir, float(str(self.cfg["inbox_poll_seconds"])))
        self.feed = Feed(self.worker, self.cfg.now, rate=float(str(self.cfg["demo_feed_rate"])),
                         every_seconds=float(str(self.cfg["demo_feed_seconds"])),
                         fresh_minutes=max(1.0, float(str(self.cfg["stale_after_minutes"])) / 6))
        self.feed_on = False
        self._stop = threading.Event()
        self._waiter: threading.Thread | None = None

    def start(self) -> Service:
        """Start the parts now, or as soon as the database file exists (a thread waits for it)."""
        threading.Thread(target=import_page_libraries, name="gridboard-imports", daemon=True).start()
        if self.db_path.exists():
            self._start_parts()
        else:
            LOG.info("waiting for %s (the first page view builds the demo county)", self.db_path)
            self._waiter = threading.Thread(target=self._wait_for_database, name="gridboard-wait", daemon=True)
            self._waiter.start()
        return self

    def _wait_for_database(self) -> None:
        while not self._stop.wait(1.0):
            if self.db_path.exists():
                try:
                    self._start_parts()
                except Exception:
                    LOG.exception("cannot start the live parts on %s", self.db_path)
                return

    def _start_parts(self) -> None:
        self.worker.start()
        self.inbox.start()
        self.feed_on = feed_wanted(self.cfg, self.worker)
        if self.feed_on:
            self.feed.start()
        if self.url:
            marker_path(self.db_path).write_text(json.dumps({"url": self.url, "pid": os.getpid()}), encoding="utf-8")
        LOG.info("gridboard server on %s: worker on %s, inbox %s, demo feed %s", self.url or "-", self.db_path, self.inbox_dir,
                 "on" if self.feed_on else "off")

    def stop(self) -> None:
        self._stop.set()
        if self._waiter is not None:
            self._waiter.join(10)
        self.feed.stop()
        self.inbox.stop()
        self.worker.stop()
        marker_path(self.db_path).unlink(missing_ok=True)
        LOG.info("gridboard server stopped; %s", "queue empty" if not self.pending() else f"{self.pending()} file(s) kept")

    def pending(self) -> int:
        spool = self.inbox_dir / ".api"
        inbox = list(self.inbox_dir.glob("*.done")) if self.inbox_dir.exists() else []
        return len(inbox) + (sum(1 for p in spool.iterdir() if p.is_file() and not p.name.startswith("."))
                             if spool.exists() else 0)
