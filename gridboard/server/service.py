"""The server's live parts started and stopped together: the database (the demo county built on
first start), the ingest worker, the inbox poller and the demo feed.

One Service per server process (`start()` from the st.App lifespan, `stop()` on shutdown). While
it runs, `<db>.server.json` beside the database names the server's URL and process, so a
command-line tool that finds the file held can say how to reach the server instead.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from gridboard.core import config
from gridboard.db import store
from gridboard.server.feed import Feed
from gridboard.server.inbox import Inbox
from gridboard.server.worker import Worker

LOG = logging.getLogger("gridboard.server")


def marker_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".server.json")


def running_server(db_path: Path) -> str | None:
    """The URL of the server that says it holds `db_path` (None when none says so)."""
    try:
        data = json.loads(marker_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(data.get("url") or "") or None


def ensure_database(cfg: config.Config) -> Path:
    """The served database, building the demo county first when the file is missing."""
    path = cfg.db_path
    if not path.exists():
        from gridboard.demo import county  # heavy (shapely): only on first start

        outline = Path(str(cfg["county_outline"]))
        LOG.info("building the demo county in %s", path)
        county.build_file(path, cases=int(str(cfg["demo_cases"])), seed=int(str(cfg["demo_seed"])), as_of=cfg.now(),
                          outline=outline if outline.is_absolute() else config.PROJECT_ROOT / outline)
    return path


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


class Service:
    def __init__(self, cfg: config.Config | None = None, url: str | None = None) -> None:
        self.cfg = cfg or config.load()
        self.url = url
        inbox = Path(str(self.cfg["inbox_dir"]))
        self.inbox_dir = inbox if inbox.is_absolute() else config.PROJECT_ROOT / inbox
        self.db_path = self.cfg.db_path
        self.worker = Worker(self.db_path, self.inbox_dir)
        self.inbox = Inbox(self.worker, self.inbox_dir, float(str(self.cfg["inbox_poll_seconds"])))
        self.feed = Feed(self.worker, self.cfg.now, rate=float(str(self.cfg["demo_feed_rate"])),
                         every_seconds=float(str(self.cfg["demo_feed_seconds"])),
                         fresh_minutes=max(1.0, float(str(self.cfg["stale_after_minutes"])) / 3))
        self.feed_on = False

    def start(self) -> Service:
        ensure_database(self.cfg)
        self.worker.start()
        self.inbox.start()
        self.feed_on = feed_wanted(self.cfg, self.worker)
        if self.feed_on:
            self.feed.start()
        if self.url:
            marker_path(self.db_path).write_text(json.dumps({"url": self.url, "pid": os.getpid()}), encoding="utf-8")
        LOG.info("gridboard server: worker on %s, inbox %s, demo feed %s", self.db_path, self.inbox_dir,
                 "on" if self.feed_on else "off")
        return self

    def stop(self) -> None:
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
