"""Warming the memo after an import: the first screens' questions asked by the writer, not a viewer.

The exact per-group quantiles of a data version are kept in agg_memo (gridboard/metrics/memo.py)
by whoever computes them first; without this module that is the first person to open a page after
an import, who waits for the scan (at 10 M cases about 2 s of CPU per per-grid grouping of a year).
Here the server asks those questions itself, in the background, right after an ingest commit has
moved the data version (a job of the worker's, or the import page's load or undo, which tells the
worker through api.data_written()): every page's first screen (`screens.PAGES`: the same library
functions, with the same arguments, that the page files call) for 本年, 本季度 and 本月 at "now"
(to the minute, as the pages' filters take it), for the county. The values land in agg_memo under the new
data version, so the first view after the import reads them.

It never delays an import: the worker answers its caller before it pokes the warmer, the warmer
waits until the worker has been idle for `settle` seconds, a job that starts interrupts the query
being warmed (its answer would be of the old version anyway) and the warm starts again after that
job. A failure is logged and forgotten: the pages compute what the warmer did not. The demo feed's
ticks do not warm (they move the data version every few seconds: the memo of each would be dropped
before anyone read it). A marker row per period (memo.note_warmed) says a period's questions were
asked at this version, so a restarted server does not ask them again.

After its first warm the warmer freezes the collector's view of the process (gc.freeze): the
modules, fonts and caches loaded by then live as long as the server, and a full collection that
walked them cost a viewer's page ~0.15 s (the profile page's frame came 0.19–0.26 s after the click
in live tours, 0.07–0.09 s frozen). Refcounting still frees what they drop.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from collections.abc import Callable

import duckdb

from gridboard.screens import WARM_PRESETS, Warmed, warm

LOG = logging.getLogger("gridboard.server")
__all__ = ["WARM_PRESETS", "Warmed", "Warmer", "warm"]


class Warmer:
    """The background thread that warms the memo after the worker's commits (see the module text).

    `cursor()` gives a cursor of the writer's connection, `busy()` says whether the worker has a
    job, `now()` the current local time. `poke()` after a commit that moved the data version,
    `hold()` when a job starts."""

    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection], now: Callable[[], dt.datetime],
                 busy: Callable[[], bool], *, presets: tuple[str, ...] = WARM_PRESETS, settle: float = 2.0) -> None:
        self.cursor, self.now, self.busy = cursor, now, busy
        self.presets, self.settle = presets, settle
        self.done: list[Warmed] = []  # every period warmed (or found warm), in order
        self.failures = 0
        self._frozen = False
        self.idle = threading.Event()  # set while nothing is waiting to be warmed
        self.idle.set()
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._generation = 0
        self._active: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="gridboard-warm", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """End the thread: its running query is interrupted (again every 0.2 s: an interrupt that
        lands between two queries of a page is not kept by DuckDB)."""
        self._stop.set()
        self._wanted.set()
        deadline = time.monotonic() + timeout
        while self._thread is not None and self._thread.is_alive() and time.monotonic() < deadline:
            self.hold()
            self._thread.join(0.2)
        if self._frozen:  # collectable again at exit (DuckDB's bindings count what is never freed)
            gc.unfreeze()
            self._frozen = False

    def poke(self) -> None:
        """A job ended (or the server started): warm once the worker is quiet (a period already
        warmed at this data version is skipped, a half-warmed one reads what it kept)."""
        with self._lock:
            self._generation += 1
            self.idle.clear()
            self._wanted.set()

    def hold(self) -> None:
        """A job starts: give up the warm in progress (interrupt its query; one that lands between
        two queries lets the page being asked finish first), start again on poke."""
        with self._lock:
            self._generation += 1
            active = self._active
        if active is not None:
            active.interrupt()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            if self._stop.is_set():
                return
            self._wanted.clear()
            if self._stop.wait(self.settle):
                return
            if self._wanted.is_set() or self.busy():  # more came in: wait for quiet again
                self._wanted.set()
                continue
            with self._lock:
                generation = self._generation
            self._warm(generation)
            with self._lock:
                if not self._wanted.is_set():
                    self.idle.set()

    def _warm(self, generation: int) -> None:
        cur = self.cursor()
        with self._lock:
            if generation != self._generation:
                cur.close()
                return
            self._active = cur
        try:
            done = warm(cur, self.now().replace(second=0, microsecond=0), presets=self.presets,
                        cancelled=lambda: generation != self._generation or self._stop.is_set())
            self.done.extend(done)
            if not self._frozen:  # the start's warm: what it loaded lives as long as the server (module text)
                gc.freeze()
                self._frozen = True
            for w in done:
                if not w.skipped:
                    LOG.info("memo warmed for %s at %s: %.1f s (%.1f s CPU)", w.preset, w.mark, w.seconds,
                             w.cpu_seconds)
        except duckdb.InterruptException:
            LOG.info("memo warming interrupted by a new job")
        except Exception:  # never break an import: the pages compute what is not warm
            self.failures += 1
            LOG.exception("warming the memo failed")
        finally:
            with self._lock:
                self._active = None
            cur.close()
