"""One computation per refresh tick, shared by every wall screen of the server process.

Owns: a small single-flight memo (the first caller of a key computes, callers of the same key
arriving meanwhile wait for that result instead of computing it again; the newest MAX_ENTRIES
results are kept) and the count of computations it ran, which the load test and the unit tests
read. The wall keys it on (database, data version, tick, unit, stale_after): thirty walls at the
same tick and data version read one entry; an import (a new data version) or the next tick makes
one new computation. No streamlit here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 32


class SingleFlight:
    """A thread-safe memo where concurrent callers of one key share one computation. A computation
    that raises stores nothing (the next caller tries again)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._computed = 0

    @property
    def computed(self) -> int:
        """How many computations ran (hits and waits do not count)."""
        with self._lock:
            return self._computed

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value for `key`: stored, or computed once by `compute()` for all concurrent callers."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._values:  # another caller computed it while this one waited
                    return self._values[key]
                self._computed += 1
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:  # stored before the gate goes: a later caller finds the value
                self._values[key] = value
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
                self._computing.pop(key, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
