"""The live demo feed: new cases at the county's daily rhythm and open cases moving through
respond → close → callback, loaded through the same worker as every other file.

Each tick covers the minutes since the previous one. New cases: Poisson with mean
rate × (cases per hour at this hour of day on an average day of the last 28 days) × minutes/60,
at least one when the newest case is older than `fresh_minutes` (the wall screen's stamp stays
green); each copies the place, category, source and time limit of a recent case. Progress:
responses, closes and callbacks (most satisfied) are each Poisson with the same mean, but never
below the day's mean hourly pace (the centre works at night too), oldest cases first. A tick is two
files — new cases (contract headers) and a status feed (case_id + changed columns) — handed to
the worker, so ingest_log, the data version and the page caches behave as for any upload.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gridboard.server.worker import Job, Worker

USER = "demo-feed"
HANDLED = (("grid", 0.6), ("community", 0.25), ("town", 0.1), ("county", 0.05))
SATISFACTION = (("satisfied", 0.88), ("basic", 0.09), ("dissatisfied", 0.03))


@dataclass
class Tick:
    """What one tick sent: counts and the worker's reports."""

    new: int
    responded: int
    closed: int
    called_back: int
    reports: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"new": self.new, "responded": self.responded, "closed": self.closed,
                "called_back": self.called_back, "reports": self.reports}


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> list[str]:
    labels = [o[0] for o in options]
    p = np.array([o[1] for o in options])
    return list(rng.choice(labels, size=n, p=p / p.sum()))


class Feed:
    """The demo feed of one server. `tick()` is one step (API and tests); `start()` runs it every
    `every_seconds` in a thread until `stop()`."""

    def __init__(self, worker: Worker, now: Callable[[], dt.datetime], *, rate: float = 1.0,
                 every_seconds: float = 15.0, fresh_minutes: float = 10.0, seed: int | None = None) -> None:
        self.worker = worker
        self.now = now
        self.rate = rate
        self.every_seconds = every_seconds
        self.fresh_minutes = fresh_minutes
        self.rng = np.random.default_rng(seed)
        self.last: dt.datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="gridboard-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                self.tick()
            except Exception:  # a failed tick is logged by the worker's reports; keep going
                import logging

                logging.getLogger("gridboard.server").exception("demo feed tick failed")

    # --- one step -----------------------------------------------------------------------------

    def tick(self, *, minutes: float | None = None, rate: float | None = None) -> Tick:
        """Send the cases and status changes of the last `minutes` (default: since the last tick)."""
        with self._lock:
            now = self.now()
            if minutes is None:
                minutes = self.every_seconds / 60 if self.last is None else max((now - self.last).total_seconds() / 60, 0)
            self.last = now
            speed = (rate if rate is not None else self.rate) * minutes / 60
            by_hour = self.rhythm(now)
            hour, mean = by_hour.get(now.hour, 0.0), sum(by_hour.values()) / 24
            n_new = int(self.rng.poisson(speed * hour))
            newest = self.worker.read("server_newest_case")[0]["newest"]
            if n_new == 0 and (newest is None or now - newest > dt.timedelta(minutes=self.fresh_minutes)):
                n_new = 1
            reports = []
            new = self.new_cases(now, n_new)
            if len(new):
                reports.append(self._send(new, "cases__auto__demo-feed-new.csv"))
            work = speed * max(hour, mean)  # the centre works around the clock: never slower than the day's mean
            status, counts = self.progress(now, [int(self.rng.poisson(work)) for _ in range(3)])
            if len(status):
                reports.append(self._send(status, "cases__auto__demo-feed-status.csv"))
            return Tick(len(new), *counts, reports=reports)

    def per_hour(self, now: dt.datetime) -> float:
        """Cases in this hour of day on an average day of the last 28 days."""
        return self.rhythm(now).get(now.hour, 0.0)

    def rhythm(self, now: dt.datetime) -> dict[int, float]:
        """Hour of day → cases in that hour on an average day of the last 28 days."""
        start = (now - dt.timedelta(days=28)).replace(hour=0, minute=0, second=0, microsecond=0)
        until = now.replace(hour=0, minute=0, second=0, microsecond=0)
        rows = self.worker.read("feed_rhythm", {"since": start, "until": until, "days": 28.0})
        return {int(r["hour"]): float(r["per_hour"]) for r in rows}

    def new_cases(self, now: dt.datetime, n: int) -> pd.DataFrame:
        if n <= 0:
            return pd.DataFrame()
        templates = self.worker.read("feed_templates", {"since": now - dt.timedelta(days=30)})
        if not templates:
            return pd.DataFrame()
        picks = self.rng.integers(0, len(templates), size=n)
        rows = []
        tag = uuid.uuid4().hex[:4].upper()
        for i, k in enumerate(picks):
            t = templates[int(k)]
            at = now - dt.timedelta(seconds=int(self.rng.integers(60, 120)))  # dispatched a minute later, by now
            rows.append({
                "case_id": f"LIVE{now:%Y%m%d%H%M%S}{tag}{i:03d}", "unit_id": t["unit_id"], "source": t["source"],
                "category": t["category"], "subcategory": t["subcategory"], "title": t["title"],
                "department": t["department"], "reported_at": at.strftime("%Y-%m-%d %H:%M:%S"),
                "dispatched_at": (at + dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"),
                "due_at": (at + dt.timedelta(seconds=float(t["limit_s"]))).strftime("%Y-%m-%d %H:%M:%S"),
                "status": "open", "lon": t["lon"], "lat": t["lat"],
                "reporter_phone": f"1{self.rng.integers(3, 9)}{self.rng.integers(0, 10**9):09d}",
            })
        return pd.DataFrame(rows)

    def progress(self, now: dt.datetime, counts: list[int]) -> tuple[pd.DataFrame, tuple[int, int, int]]:
        """One status feed: responded, closed and called-back cases (empty cells keep stored values)."""
        stamp = now.strftime("%Y-%m-%d %H:%M:%S")
        n_respond, n_close, n_callback = counts
        respond = [r["case_id"] for r in self.worker.read(
            "feed_to_respond", {"since": now - dt.timedelta(days=2), "as_of": now - dt.timedelta(minutes=2),
                                "n": n_respond})] if n_respond else []
        close = [r["case_id"] for r in self.worker.read(
            "feed_to_close", {"since": now - dt.timedelta(days=7), "as_of": now, "n": n_close})] if n_close else []
        callback = [r["case_id"] for r in self.worker.read(
            "feed_to_callback", {"since": now - dt.timedelta(days=3), "as_of": now, "n": n_callback})] if n_callback else []
        rows = [{"case_id": c, "responded_at": stamp} for c in respond]
        rows += [{"case_id": c, "closed_at": stamp, "handled_level": h}
                 for c, h in zip(close, _pick(self.rng, HANDLED, len(close)), strict=True)]
        rows += [{"case_id": c, "callback_at": stamp, "satisfaction": s}
                 for c, s in zip(callback, _pick(self.rng, SATISFACTION, len(callback)), strict=True)]
        cols = ["case_id", "responded_at", "closed_at", "handled_level", "callback_at", "satisfaction"]
        frame = pd.DataFrame(rows, columns=cols).fillna("")
        return frame, (len(respond), len(close), len(callback))

    def _send(self, frame: pd.DataFrame, name: str) -> dict[str, Any]:
        job = self.worker.submit(Job("cases", None, name, USER, origin="feed", data=_csv(frame)))
        job.done.wait()
        return job.report or {"file": name, "outcome": "not loaded", "status": job.status}
