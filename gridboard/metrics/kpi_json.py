"""The KPI answer of `python -m gridboard kpis --json` and of `GET /api/v1/kpis`, built once.

Owns the parameters both accept (unit, from, to, as_of, by) with their defaults — as_of is now in
the configured zone, to the day after as_of, from 30 days before to — and the JSON text itself,
so the command line and the HTTP API print exactly the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from gridboard.core import config
from gridboard.db import queries
from gridboard.metrics import engine

DATE_FORMATS = ("%Y-%m-%d",)
TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def parse_date(text: str) -> dt.datetime:
    """YYYY-MM-DD; ValueError (English) otherwise."""
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"not a date YYYY-MM-DD: {text!r}") from None


def parse_time(text: str) -> dt.datetime:
    """YYYY-MM-DDTHH:MM[:SS], YYYY-MM-DD HH:MM or YYYY-MM-DD; ValueError (English) otherwise."""
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"not a time YYYY-MM-DDTHH:MM: {text!r}")


def window(start: dt.datetime | None, end: dt.datetime | None,
           as_of: dt.datetime | None) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(start, end, as_of): defaults are 'now' in the configured zone and the 30 days before it."""
    as_of = as_of or config.load().now()
    end = end or (as_of.replace(hour=0, minute=0, second=0) + dt.timedelta(days=1))
    start = start or (end - dt.timedelta(days=30))
    return start, end, as_of


def result(con: duckdb.DuckDBPyConnection | queries.Runner, *, unit: str | None, start: dt.datetime | None, end: dt.datetime | None,
           as_of: dt.datetime | None, by: str | None) -> Any:
    """engine.kpis for the window, or engine.breakdown rows with `by`."""
    start, end, as_of = window(start, end, as_of)
    if by:
        return engine.breakdown(con, by, start=start, end=end, as_of=as_of, unit=unit)
    return engine.kpis(con, start=start, end=end, as_of=as_of, unit=unit)


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def dumps(obj: Any) -> str:
    """The JSON text (UTF-8 characters as they are, dates ISO), without a trailing newline."""
    return json.dumps(obj, ensure_ascii=False, default=_default)
