"""URL parameters read with bounds: every value from the address bar is untrusted text.

A number must be finite and inside its range, a unit id short and printable, a date a real
calendar date inside a plausible window. A value that fails is reported (the parameter's name
goes into `Parsed.ignored`) and the caller falls back to its default and shows a notice; nothing
here raises on bad input. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

UNIT_ID_MAX = 64  # characters of a unit id in a URL (real codes are 12–15 digits)
_UNIT_ID = re.compile(r"^[0-9A-Za-z_.\-]+$")
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))


@dataclass
class Parsed:
    """Values read from one URL and the names of the parameters that were ignored."""

    values: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return str(value)


def seconds(value: Any, lo: int, hi: int) -> int | None:
    """A whole number of seconds clamped into [lo, hi]; None for text that is not a finite number
    ("inf", "1e309", "nan", "abc", "") or is negative. "12.7" → 12; "99999999" → hi."""
    text = _text(value)
    if text is None or len(text) > 32:
        return None
    try:
        number = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return max(lo, min(hi, int(number)))


def unit_id(value: Any) -> str | None:
    """A unit id as it may appear in a URL: NFKC-normalised, trimmed, at most UNIT_ID_MAX
    characters of letters, digits, '_', '-', '.'; None otherwise."""
    text = _text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    if not text or len(text) > UNIT_ID_MAX or not _UNIT_ID.match(text):
        return None
    return text


def date(value: Any) -> dt.date | None:
    """An ISO date (2024-05-01) inside DATE_RANGE; None otherwise."""
    text = _text(value)
    if text is None or len(text) > 10:
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if DATE_RANGE[0] <= day < DATE_RANGE[1] else None


def choice(value: Any, allowed: tuple[str, ...]) -> str | None:
    text = _text(value)
    return text if text in allowed else None


def read(query: Mapping[str, Any], spec: Mapping[str, Any]) -> Parsed:
    """Read the parameters named in `spec` (name → a one-argument parser returning None when
    the value is bad) that are present in `query`; bad ones land in `ignored`."""
    out = Parsed()
    for name, parse in spec.items():
        if name not in query:
            continue
        value = parse(query[name])
        if value is None:
            out.ignored.append(name)
        else:
            out.values[name] = value
    return out


def shown(value: Any, limit: int = 80) -> str:
    """A bad value cut to `limit` characters for a notice (escape it for the screen as well)."""
    text = _text(value) or ""
    return text if len(text) <= limit else text[:limit] + "…"
