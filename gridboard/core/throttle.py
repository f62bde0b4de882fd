"""Login throttling: per account and per client address, an exponential delay after repeated
failures and a temporary lock, every failure and lock logged (logger "gridboard.auth"). No streamlit.

After FREE_FAILURES failures in a row, the next attempt waits 2, 4, 8 … seconds (at most
MAX_DELAY); after LOCK_AFTER failures (LOCK_AFTER_ADDRESS for an address, which many honest
users may share) the account or address is locked for LOCK_SECONDS. A success clears the
account's count. State lives in this server process (one process serves the county).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

FREE_FAILURES = 3
MAX_DELAY = 60.0
LOCK_AFTER = 10
LOCK_AFTER_ADDRESS = 30
LOCK_SECONDS = 15 * 60
log = logging.getLogger("gridboard.auth")


@dataclass
class _State:
    failures: int = 0
    blocked_until: float = 0.0
    locked: bool = False


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may be checked now; else how long to wait and whether it is a lock."""

    wait_seconds: int = 0
    locked: bool = False

    @property
    def allowed(self) -> bool:
        return self.wait_seconds <= 0


class Throttle:
    def __init__(self) -> None:
        self._now = time.time
        self._lock = threading.Lock()
        self._states: dict[tuple[str, str], _State] = {}

    def _keys(self, name: str, address: str) -> list[tuple[str, str]]:
        return [("account", name.strip().lower()), ("address", address or "?")]

    def check(self, name: str, address: str, *, now: float | None = None) -> Verdict:
        """May an attempt for `name` from `address` be verified now?"""
        now = self._now() if now is None else now
        with self._lock:
            waits = [(s.blocked_until - now, s.locked) for k in self._keys(name, address)
                     if (s := self._states.get(k)) is not None and s.blocked_until > now]
        if not waits:
            return Verdict()
        wait, locked = max(waits)
        return Verdict(math.ceil(wait), locked)

    def failure(self, name: str, address: str, *, now: float | None = None) -> Verdict:
        """Count a failed attempt (logged); the verdict for the next attempt."""
        now = self._now() if now is None else now
        log.warning("login failed: account=%r address=%s", name.strip()[:64], address)
        with self._lock:
            for kind, key in self._keys(name, address):
                state = self._states.setdefault((kind, key), _State())
                if state.locked and state.blocked_until <= now:  # a lock ran out: start again
                    state.failures, state.locked = 0, False
                state.failures += 1
                limit = LOCK_AFTER if kind == "account" else LOCK_AFTER_ADDRESS
                if state.failures >= limit:
                    state.locked, state.blocked_until = True, now + LOCK_SECONDS
                    log.error("login locked for %d s: %s=%r after %d failures",
                              LOCK_SECONDS, kind, key[:64], state.failures)
                elif state.failures >= FREE_FAILURES:
                    delay = min(MAX_DELAY, 2.0 ** (state.failures - FREE_FAILURES + 1))
                    state.blocked_until = max(state.blocked_until, now + delay)
        return self.check(name, address, now=now)

    def success(self, name: str, address: str) -> None:
        """A good password: the account's count starts again (the address keeps its count)."""
        with self._lock:
            self._states.pop(("account", name.strip().lower()), None)


THROTTLE = Throttle()
