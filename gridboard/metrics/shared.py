"""Answers kept by the process per database and data version, shared by every page and session.

The pages ask the same counts through different calls (the overview's engine.kpis, the closure
page's with detail=True, the scorecard's inside its own build), which the pages' own caches (keyed
per function and argument) keep apart: `answer` keeps each once per database file, data version
(the aggregates' mark) and every parameter, bounded. The pages also take "now" to the minute, so a
question comes back each minute with a later as_of: `moving` answers it from the newest answer to
the same question but for its end and as_of, plus what the cases that moved in between change
(gridboard.metrics.fast's counts from the aggregates, `moving_counts` for a counting query over the
cases such as the within-limit shares). `part` keeps a part of an answer over a period's older report
days (before `recent_cut`: the durations of gridboard.metrics.durations, the counts of
`moving_counts`), used again while no write touched those days, so that a live county's write of
today's cases has a year's answer ask only its last days again. Nothing here is kept while the
aggregates are not current.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb

from gridboard.db import aggregates, queries, store
from gridboard.metrics import memo

T = TypeVar("T")

# The counts of one plan and window, shared by every page of the process for one data version: the
# pages ask the same counts through different calls (the overview's engine.kpis, the closure page's
# with detail=True, the scorecard's inside its own build), which the pages' own cache keeps apart.
# Keyed on the database file, its data version (the aggregates' mark) and every parameter; bounded.
SHARED_MAX = 512
_SHARED: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
_SHARED_LOCK = threading.Lock()


def where(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The database file and its data version (the aggregates' mark), None while not current."""
    mark = memo.current_mark(con)
    if mark is None:
        return None
    return store.database_file(con), mark


def answer(con: duckdb.DuckDBPyConnection, what: tuple[Any, ...], params: dict[str, Any],
           compute: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """compute()'s rows for the question `what` with `params`, kept once per database and data
    version (copies out: a caller may change its rows)."""
    return _kept(_SHARED, SHARED_MAX, con, what, params, compute, lambda found: [dict(r) for r in found])


def _kept(table: OrderedDict[tuple[Any, ...], Any], limit: int, con: duckdb.DuckDBPyConnection,
          what: tuple[Any, ...], params: dict[str, Any], compute: Callable[[], T], copy: Callable[[T], T]) -> T:
    """compute()'s value kept in `table` (newest `limit`) per database, data version and `params`;
    `copy` of it stored and handed out. Computed each time while the aggregates are not current."""
    found_at = where(con)
    if found_at is None:
        return compute()
    key = (*found_at, *what, tuple(sorted((k, repr(v)) for k, v in params.items())))
    with _SHARED_LOCK:
        if key in table:
            table.move_to_end(key)
            return copy(table[key])
    found = compute()
    with _SHARED_LOCK:
        table[key] = copy(found)
        while len(table) > limit:
            table.popitem(last=False)
    return found


def rows(con: duckdb.DuckDBPyConnection, what: str, compute: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Rows of a question without parameters (`what` names it) kept by the process per database and
    data version, like the shared counts (e.g. every unit's name and parent)."""
    return answer(con, ("rows", what), {}, compute)


# Whole built objects (a bulletin: its text, tables and charts) kept per database, data version and
# parameters, the newest VALUES_MAX (each may hold a few hundred KB of charts).
VALUES_MAX = 16
_VALUES: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def value(con: duckdb.DuckDBPyConnection, what: tuple[Any, ...], params: dict[str, Any], compute: Callable[[], T]) -> T:
    """compute()'s value for the question `what` with `params`, kept once per database and data
    version like `answer` (the same object out: callers do not change it)."""
    return _kept(_VALUES, VALUES_MAX, con, what, params, compute, lambda found: found)


def forget() -> None:
    """Empty the shared counts, the kept bases, parts and values, the quantiles kept for read-only
    connections (the benchmark times each call without them)."""
    with _SHARED_LOCK:
        _SHARED.clear()
        _BASES.clear()
        _PARTS.clear()
        _VALUES.clear()
    memo.forget_local()


# The newest counts of each question but for its end and as_of (same database, plan, start, unit
# and grouping): (data version, end, as_of, rows). The pages take "now" to the minute, so a question
# comes back each minute with a later as_of (and, for a 环比 cut at the clock, a later end); its
# counts are then the kept ones plus what the few cases whose counts moved in between add
# (fast.py's kpis_moved.sql, moving_counts' moved_sql: one scan of the period's settle columns),
# not a new pass over the aggregates. Exact: a count compares each timestamp with as_of, so a case
# whose timestamps all lie outside [old as_of, new as_of] counts the same at both. Kept across a
# data version when no write since touched a report day of the period (agg_versions: a tick of
# today's cases leaves last year's 环比 as it was). Bounded like the shared counts.
_MOVING = ("end", "as_of", "end_day", "tail_start")
_BASES: OrderedDict[tuple[Any, ...], tuple[str, dt.datetime, dt.datetime, list[dict[str, Any]]]] = OrderedDict()


def untouched(con: duckdb.DuckDBPyConnection, since: str, mark: str, first: dt.date, last: dt.date) -> bool:
    """True when every write from the data version `since` to `mark` is remembered (agg_versions)
    and none touched a report day in [first, last]."""
    try:
        steps = {r["from_mark"]: r for r in queries.rows(con, queries.text("agg_versions_since"), {})}
    except duckdb.CatalogException:  # a database from before agg_versions
        return False
    at = since
    for _ in range(len(steps)):
        if at == mark:
            return True
        step = steps.get(at)
        if step is None or any(first <= day <= last for day in step["days"]):
            return False
        at = step["to_mark"]
    return at == mark


def moving(con: duckdb.DuckDBPyConnection, what: tuple[Any, ...], params: dict[str, Any],
           now: Callable[[], list[dict[str, Any]]],
           moved: Callable[[dt.datetime, dt.datetime, list[dict[str, Any]]], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Rows shared by the process for one data version and `params` (answer); on a miss, `moved`
    from the newest rows kept for the same question but for its end and as_of (_BASES), when those
    are not later than this question's and of this data version or of one no write since has
    changed for this period, else `now`."""
    def compute() -> list[dict[str, Any]]:
        found_at = where(con)
        key = None if found_at is None else (found_at[0], *what, tuple(sorted(
            (k, repr(v)) for k, v in params.items() if k not in _MOVING)))
        with _SHARED_LOCK:
            base = _BASES.get(key) if key is not None else None
        usable = (base is not None and found_at is not None and base[1] <= params["end"]
                  and base[2] <= params["as_of"]
                  and (base[0] == found_at[1] or untouched(con, base[0], found_at[1], params["start"].date(),
                                                          (params["end"] - dt.timedelta(microseconds=1)).date())))
        found = moved(base[1], base[2], base[3]) if usable and base is not None else now()
        if key is not None and found_at is not None:
            with _SHARED_LOCK:
                _BASES[key] = (found_at[1], params["end"], params["as_of"], [dict(r) for r in found])  # the latest
                _BASES.move_to_end(key)
                while len(_BASES) > SHARED_MAX:
                    _BASES.popitem(last=False)
        return found

    return answer(con, what, params, compute)


def moved_cohort(cohort: str) -> str:
    """A cohort fragment (cohort.sql) cut to the cases whose counts may differ from those of an
    earlier question (moving_counts): reported since $end_before, or with a timestamp the counts
    compare with as_of in [$moved_from, $moved_to]."""
    return (f"SELECT * FROM ({cohort}) AS m WHERE m.reported_at >= $end_before OR "
            f"{aggregates.changed_sql('m', '$moved_from', '$moved_to')}")


def moving_counts(con: duckdb.DuckDBPyConnection, sql: str, moved_sql: str, params: dict[str, Any],
                  keys: list[str], *, ranged: bool = False) -> list[dict[str, Any]]:
    """The rows (grp and the counts `keys`, ORDER BY grp) of a counting query `sql` over a cohort
    (cohort.sql; every condition on as_of one of catalog counts' predicates), shared by the process
    per data version, and at a later minute the kept rows plus what the moved cases change:
    `moved_sql` is `sql` over moved_cohort(), run at this question's end and as_of (the moved
    cases counted now) and at the kept ones (those reported before the kept end, as counted then).

    When `ranged` (`sql` groups by grp and `older`, `k.reported_at < $cut`, and each row also gives
    asof_hi, the first time after $as_of of the columns its counts compare with as_of, each as
    `k.col <= $as_of`) the report days before recent_cut are kept apart by `part`, valid from the
    as_of they were counted at (the pages' as_of only moves on; an earlier one counts them again)
    to that time: after a write of the last days (a live county's every few seconds) only the
    recent days are counted again. A period whose older part is not kept is counted in one pass,
    split by `older` (its first time after as_of costs that pass ~10 %; the earliest time before
    it, for earlier as_of, would cost ~35 %)."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        return queries.rows(con, sql, {**params, "cut": params["start"]} if ranged else params)
    cut = recent_cut(con, params["start"], params["end"], params["as_of"]) if ranged else params["start"]
    recent = {**params, "start": cut, **({"cut": cut} if ranged else {})}

    def moved(end_before: dt.datetime, as_of_before: dt.datetime, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
        window = {"end_before": end_before, "moved_from": as_of_before, "moved_to": recent["as_of"]}
        changes = [(1, r) for r in before]
        for sign, run in ((1, {**recent, **window}), (-1, {**recent, **window, "end": end_before, "as_of": as_of_before})):
            changes += [(sign, r) for r in queries.rows(con, moved_sql, run)]
        return _summed(changes, keys)

    def recent_rows(counted: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """The recent days' rows through `moving` (`counted`: already counted, kept as they are)."""
        now = (lambda: counted) if counted is not None else (lambda: queries.rows(con, sql, recent))
        return moving(con, ("rows", sql), recent, now, moved)  # the text: its meaning

    if cut <= params["start"]:
        return recent_rows()
    counted: dict[str, list[dict[str, Any]]] = {}

    def count_older() -> tuple[list[dict[str, Any]], dt.datetime | None, dt.datetime | None, int]:
        rows = queries.rows(con, sql, {**params, "cut": cut})  # the whole period in one pass
        counted["recent"] = [r for r in rows if not r["older"]]
        older = [r for r in rows if r["older"]]
        hi = min((r["asof_hi"] for r in older if r["asof_hi"] is not None), default=None)
        return older, params["as_of"], hi, len(older) * len(keys)

    what = ("counts", sql, tuple(sorted((k, repr(v)) for k, v in params.items() if k not in ("end", "as_of"))))
    kept = part(con, what, params["start"].date(), (cut - dt.timedelta(microseconds=1)).date(), params["as_of"],
                count_older)
    found = recent_rows(counted.get("recent"))
    return _summed([(1, r) for r in kept] + [(1, r) for r in found], keys)


def _summed(rows: list[tuple[int, dict[str, Any]]], keys: list[str]) -> list[dict[str, Any]]:
    """Per grp, the signed sums of the counts `keys` of (sign, row) pairs, ORDER BY grp (NULL last)."""
    sums: dict[Any, dict[str, int]] = {}
    for sign, r in rows:
        into = sums.setdefault(r["grp"], dict.fromkeys(keys, 0))
        for k in keys:
            into[k] += sign * (r[k] or 0)
    return [{"grp": g, **c} for g, c in sorted(sums.items(), key=lambda gc: (gc[0] is None, gc[0]))]


# The demo feed and a live hotline touch the cases of the last days: new reports, and responses,
# closes and callbacks of cases reported up to a week before (server/feed.py closes cases up to 7
# days old). The days before are kept (`part`); a write that touches them (an import of old cases)
# drops that part, which is then asked again.
RECENT_DAYS = 8


def recent_cut(con: duckdb.DuckDBPyConnection, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> dt.datetime:
    """Where the period [start, end) splits into its older report days, kept by `part`, and its
    recent ones, asked each time: midnight RECENT_DAYS days before as_of's day, or the midnight
    before the end when that is earlier (a 环比 period ends at the clock: its last day grows each
    minute, so it is never kept); start (nothing kept) when that is not after start, or while the
    aggregates are not current. A part's report days [first, last] thus name it whole."""
    if where(con) is None:
        return start
    recent = dt.datetime.combine(as_of.date(), dt.time()) - dt.timedelta(days=RECENT_DAYS)
    return max(start, min(dt.datetime.combine(end.date(), dt.time()), recent))


# Parts of answers over a period's older report days, kept by the process: (data version, as_of
# range, value, size). A live county's writes touch the last days (new cases, and responses and
# closes of the last week's), so the part before them answers every minute and every data version
# of the day; only the recent days are asked again. Bounded by the parts' total size (values held).
PARTS_SIZE_MAX = 4_000_000
_PARTS: OrderedDict[tuple[Any, ...], tuple[str, dt.datetime | None, dt.datetime | None, Any, int]] = OrderedDict()


def part(con: duckdb.DuckDBPyConnection, what: tuple[Any, ...], first: dt.date, last: dt.date, as_of: dt.datetime,
         compute: Callable[[], tuple[T, dt.datetime | None, dt.datetime | None, int]]) -> T:
    """compute()'s value of the question `what` over the report days [first, last] at `as_of`. compute
    returns it with the as_of range [lo, hi) it stays exact for (None: unbounded) and its size. Kept
    per database and used again for another as_of in that range while no write since its data
    version touched those days (agg_versions, as `moving`); nothing kept while not current."""
    found_at = where(con)
    if found_at is None:
        return compute()[0]
    key = (found_at[0], *what, first, last)
    with _SHARED_LOCK:
        kept = _PARTS.get(key)
    if kept is not None:
        mark, lo, hi, value, _ = kept
        if ((lo is None or lo <= as_of) and (hi is None or as_of < hi)
                and (mark == found_at[1] or untouched(con, mark, found_at[1], first, last))):
            with _SHARED_LOCK:  # now of this data version: the next write is checked from here
                _PARTS[key] = (found_at[1], lo, hi, value, kept[4])
                _PARTS.move_to_end(key)
            return value  # type: ignore[no-any-return]
    value, lo, hi, size = compute()
    with _SHARED_LOCK:
        _PARTS[key] = (found_at[1], lo, hi, value, size)
        _PARTS.move_to_end(key)
        while len(_PARTS) > 1 and sum(p[4] for p in _PARTS.values()) > PARTS_SIZE_MAX:
            _PARTS.popitem(last=False)
    return value
