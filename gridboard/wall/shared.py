"""One computation per refresh tick, shared by every wall screen of the server process.

Owns: a small single-flight memo (the first caller of a key computes, callers of the same key
arriving meanwhile wait for that result instead of computing it again; the newest MAX_ENTRIES
results are kept) and the count of computations it ran, which the load test and the unit tests
read. The wall keys it on (database, data version, tick, unit, stale_after): thirty walls at the
same tick and data version read one entry; an import (a new data version) or the next tick makes
one new computation. DECKS does the same for the wall's map: the deck built and serialised once per
tick, data version and unit (FrozenDeck), not once per wall. No streamlit here.
"""

from __future__ import annotations

import json
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


class FrozenDeck:
    """A map deck serialised once and shown by every wall of its tick. st.pydeck_chart (Streamlit
    1.67) reads only to_json(), width, _tooltip, mapbox_key and layers (absent here: nothing to
    convert) of the object it is given, so each wall sends the same JSON string without encoding the
    deck again. Encoded as pydeck's to_json() encodes it (same keys, same values) but compact, which
    lets Python's C encoder do it: pydeck's indented, pure-Python encoding was over half of a wall
    refresh's CPU on the 100,000-case county (cProfile of the live fragment under tools/loadtest.py)."""

    def __init__(self, deck: Any) -> None:
        from pydeck.bindings.json_tools import default_serialize

        self._json: str = json.dumps(deck, sort_keys=True, default=default_serialize, separators=(",", ":"))
        self.width = getattr(deck, "width", None)
        self._tooltip = getattr(deck, "_tooltip", None)
        self.mapbox_key = getattr(deck, "mapbox_key", None)

    def to_json(self) -> str:
        return self._json


DECKS = SingleFlight()  # the wall map of every wall of this process (one per tick, data version and unit)
