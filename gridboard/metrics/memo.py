"""Exact per-group quantiles (e.g. each grid's median response), memoised per data version.

An exact median cannot be merged from counts, so a per-grid median over a year is a scan of the
year's cases (at 10 M cases about 2 s of CPU per level). Its value changes only when its cohort
or the cases' timestamps it compares with as_of change, so each group's value is kept in the
table agg_memo (db/sql/agg_memo_table.sql) with the data version it was computed on (meta's
agg_version) and the ranges of period end and as_of it stays exact for:

- end: no case of the group reported between the old end and the new one (the latest report
  before the end and the first after it, looked for up to LOOKAHEAD later);
- as_of: no timestamp of the group's cohort that the measure compares with as_of (responded_at
  for the response time) between the old as_of and the new one.

A question reads the values still exact for its (end, as_of) and scans only the groups that are
missing (all of them on the first ask, the few a minute's new reports touched when the end of a
环比 period moves with the clock), restricted to those groups. The memo is persisted, so it
survives a server restart. When the writer marks the aggregates current after a write
(aggregates.after_write) it drops the other versions' rows, but first moves to the new version
those no touched case can change: every value of a period none of whose report days the write
touched, every value of a unit with no touched case below it, and the per-group values grouped by
unit (kinds ending in UNIT_GROUPED) of a group with none below it (db/sql/agg_memo_carry.sql) —
after a few new cases only their grids, the units above them and the periods holding their days
are scanned again. While the aggregates are not current nothing is stored and every group is
computed; on a read-only connection the process keeps the values of the exact question instead
(LOCAL_MAX of them): the answers are the same either way.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import duckdb

from gridboard.core import catalog
from gridboard.db import aggregates, queries, store

LOOKAHEAD = dt.timedelta(days=1)  # how far past the end the next report is looked for
RESTRICT_LIMIT = 300  # recompute at most this many groups with a restricted scan, else all
_LOW = dt.datetime(1, 1, 1)
_HIGH = dt.datetime(9999, 12, 31)
_LE_AS_OF = re.compile(r"^\s*k\.([a-z_]+)\s*<=\s*\$as_of\s*$")


def metric_settle_column(key: str) -> str | None:
    """The case column the duration's count compares with as_of (`k.col <= $as_of`), else None
    (then the value is not memoised: its exact range could not be stated this simply)."""
    return settle_column(catalog.COUNT_BY_KEY[catalog.METRIC_BY_KEY[key].numerator].predicate)


def quantile_sql(keys: tuple[str, ...], scope: str, group: str, restrict: bool) -> str:
    """group_quantile.sql for durations of the catalogue (memoisable ones) over a scope fragment."""
    values, cols = [], []
    for key in keys:
        m = catalog.METRIC_BY_KEY[key]
        values.append(f"quantile_cont({m.value}, {m.quantile}) FILTER (WHERE k.reported_at < $end AND "
                      f"{catalog.COUNT_BY_KEY[m.numerator].predicate}) AS {key}")
        col = metric_settle_column(key)
        if col and col not in cols:
            cols.append(col)
    return queries.named(
        "group_quantile", scope=scope, group=group, values=",\n    ".join(values),
        restrict=f"list_contains($groups, CAST({group} AS TEXT))" if restrict else "TRUE", **_settle(cols),
    )


def _settle(cols: list[str]) -> dict[str, str]:
    """The fragments settle_lo / settle_hi over cohort rows k: the latest of the columns' times at
    or before $as_of, the first after it."""
    lo = [f"max(k.{c}) FILTER (WHERE k.reported_at < $end AND k.{c} <= $as_of)" for c in cols]
    hi = [f"min(k.{c}) FILTER (WHERE k.reported_at < $end AND k.{c} > $as_of)" for c in cols]
    return {"settle_lo": f"greatest({', '.join(lo)})", "settle_hi": f"least({', '.join(hi)})"}


def kind_of(scope: str, group: str, params: Mapping[str, Any]) -> str:
    """The memo's name for a scope fragment, a grouping and its levels (with unit and start, the key)."""
    digest = hashlib.sha1(f"{scope}\n{group}".encode()).hexdigest()[:16]
    return f"{digest}:{','.join(params.get('levels') or ())}"


def _mark(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        return store.get_meta(con, "agg_version") if aggregates.current(con) else None
    except duckdb.CatalogException:
        return None


# A read-only connection cannot keep values in agg_memo: the process keeps them instead, for the
# exact question (data version, unit, period, as_of), so that a second viewer in the same minute of a
# read-only deployment (and the benchmark's) reads them. Bounded, oldest out.
LOCAL_MAX = 50_000
_LOCAL: OrderedDict[tuple[Any, ...], dict[str, float | None]] = OrderedDict()
_LOCAL_LOCK = threading.Lock()

def forget_local() -> None:
    """Empty the values the process keeps for read-only connections (the benchmark's cold calls)."""
    with _LOCAL_LOCK:
        _LOCAL.clear()


UNIT_GROUPED = "@unit"  # kind suffix of per-group quantiles grouped by unit (db/sql/agg_memo_carry.sql)
NULL_GROUP = "\u2205"  # the group of NULL values (or of the whole unit) in agg_memo.grp


def group_key(grp: Any) -> str:
    """A group as agg_memo keeps it: its text (a date as YYYY-MM-DD, like CAST AS TEXT)."""
    return NULL_GROUP if grp is None else grp.isoformat() if isinstance(grp, dt.date) else str(grp)



def group_quantiles(
    con: duckdb.DuckDBPyConnection,
    keys: tuple[str, ...],
    scope: str,
    group: str,
    params: Mapping[str, Any],
    groups: Iterable[Any],
) -> dict[Any, dict[str, float | None]]:
    """The exact durations `keys` of the catalogue per group (`group`: an expression over the
    case c and the scope row s, e.g. s.grp_unit or c.category) of the scope fragment (a named
    scope_*.sql body) for the cohort [start, end) at as_of, for `groups` (the groups that have
    cases, from the counts): {group: {key: value}}."""
    wanted = {group_key(g): g for g in groups}
    if not wanted or not keys:
        return {}
    mark = _mark(con) if all(metric_settle_column(k) for k in keys) else None
    out: dict[Any, dict[str, float | None]] = {}
    # '@unit': a group is a unit, so its values outlive a write that touched no case below it
    kind = kind_of(scope, group, params) + (UNIT_GROUPED if group == "s.grp_unit" else "")
    memo = {"mark": mark, "unit": params["unit"], "start": params["start"]}
    if mark is not None:
        for key in keys:
            try:
                found = queries.rows(con, queries.text("agg_memo_lookup"), {
                    **memo, "kind": f"{key}|{kind}", "end": params["end"], "as_of": params["as_of"]})
            except duckdb.CatalogException:  # a database from before the memo table
                found = []
            for r in found:
                if r["grp"] in wanted:
                    out.setdefault(wanted[r["grp"]], {})[key] = r["value"]
    local = None
    if mark is not None and _read_only(con):  # nothing can be stored: the process keeps this exact question
        local = (store.database_file(con), mark, kind, params["unit"], params["start"], params["end"], params["as_of"])
        with _LOCAL_LOCK:
            for gk, g in wanted.items():
                if (*local, gk) in _LOCAL and len(out.get(g, {})) < len(keys):
                    out[g] = dict(_LOCAL[(*local, gk)])
    missing = [k for k, g in wanted.items() if len(out.get(g, {})) < len(keys)]
    if not missing:
        return out
    restrict = len(missing) < len(wanted) and len(missing) <= RESTRICT_LIMIT and NULL_GROUP not in missing
    scan = {**params, "scan_end": params["end"] + LOOKAHEAD, "groups": missing}
    sql = quantile_sql(keys, scope, group, restrict)
    computed = [r for r in queries.rows(con, sql, scan) if group_key(r["grp"]) in missing]
    for r in computed:
        if group_key(r["grp"]) in wanted:
            out[wanted[group_key(r["grp"])]] = {key: r[key] for key in keys}
    if local is not None:
        with _LOCAL_LOCK:
            for r in computed:
                _LOCAL[(*local, group_key(r["grp"]))] = {key: r[key] for key in keys}
            while len(_LOCAL) > LOCAL_MAX:
                _LOCAL.popitem(last=False)
    elif mark is not None:
        for key in keys:
            _store(con, mark, {**memo, "kind": f"{key}|{kind}"}, params,
                   [{**r, "value": r[key]} for r in computed])
    return out


def _store(con: duckdb.DuckDBPyConnection, mark: str, memo: dict[str, Any], params: Mapping[str, Any],
           computed: list[dict[str, Any]]) -> None:
    """Persist the computed values, best effort: a read-only connection or a data version that
    moved meanwhile store nothing (the answer stands). The table is made here only when the
    aggregates were built before it (the writers make it: aggregates.create_tables, mark_current)."""
    if not computed:
        return
    end_cap = params["end"] + LOOKAHEAD
    rows = [
        {"grp": group_key(r["grp"]), "value": r["value"],
         "end_lo": r["end_lo"] or _LOW, "end_hi": r["end_hi"] or end_cap,
         "asof_lo": r["asof_lo"] or _LOW, "asof_hi": r["asof_hi"] or _HIGH}
        for r in computed
    ]
    try:
        if _mark(con) != mark:
            return
        values = {**memo, **{f"{c}s": [r[c] for r in rows] for c in ("grp", "value", "end_lo", "end_hi", "asof_lo",
                                                                      "asof_hi")}}
        try:
            queries.run(con, queries.text("agg_memo_insert"), values)
        except duckdb.CatalogException:  # aggregates built before the memo table: make it once
            con.execute(queries.text("agg_memo_table"))
            queries.run(con, queries.text("agg_memo_insert"), values)
    except duckdb.Error:
        return


# --- one answer over a whole cohort (e.g. a duration distribution) ---------------------------------


def settle_column(predicate: str) -> str | None:
    """The case column of a `k.col <= $as_of` predicate (what an answer over the cases it keeps
    compares with as_of), else None: then the answer is not memoised."""
    found = _LE_AS_OF.match(predicate)
    return found.group(1) if found else None


def recall(con: duckdb.DuckDBPyConnection, kind: str, params: Mapping[str, Any]) -> dict[str, float | None] | None:
    """The named values (grp → value) kept for the answer `kind` of the unit and period start in
    `params` that are exact for its end and as_of, or None (nothing kept, or not current)."""
    mark = _mark(con)
    if mark is None:
        return None
    try:
        found = queries.rows(con, queries.text("agg_memo_lookup"), {
            "mark": mark, "kind": kind, "unit": params["unit"], "start": params["start"], "end": params["end"],
            "as_of": params["as_of"]})
    except duckdb.CatalogException:
        return None
    return {r["grp"]: r["value"] for r in found} or None


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT current_setting('access_mode')").fetchone() == ("read_only",)


def settle_range_sql(*settle: str) -> tuple[str, str]:
    """memo_ranges.sql's asof_lo and asof_hi as aggregates over a cohort k ([$start, $end)), for an
    answer that scans its cohort anyway (its own query then gives keep_whole its ranges)."""
    found = _settle(list(settle))
    return found["settle_lo"], found["settle_hi"]


def scan_end(params: Mapping[str, Any]) -> dt.datetime:
    """How far past the end the next report is looked for ($scan_end)."""
    return params["end"] + LOOKAHEAD


def keep_whole(con: duckdb.DuckDBPyConnection, kind: str, scope: str, settle: tuple[str, ...],
               params: Mapping[str, Any], values: Mapping[str, float | None],
               ranges: Mapping[str, Any] | None = None) -> None:
    """Memoise the named values of one answer over the whole cohort of `params` (a scope fragment
    with $unit): exact while no case of the scope is reported between its end and another, and no
    time in the `settle` columns of the cohort passes between its as_of and another
    (memo_ranges.sql, or `ranges` when the answer's own query gave them: end_lo, end_hi, asof_lo,
    asof_hi). Nothing when the aggregates are not current or the connection cannot write."""
    mark = _mark(con)
    if mark is None or not values or _read_only(con):  # nothing could be stored: spare the scan
        return
    if ranges is None:
        sql = queries.named("memo_ranges", scope=scope, **_settle(list(settle)))
        ranges = queries.rows(con, sql, {**params, "scan_end": scan_end(params)})[0]
    ranges = {k: ranges[k] for k in ("end_lo", "end_hi", "asof_lo", "asof_hi")}
    _store(con, mark, {"mark": mark, "kind": kind, "unit": params["unit"], "start": params["start"]}, params,
           [{"grp": key, "value": value, **ranges} for key, value in values.items()])


# --- what the writer has warmed (gridboard/server/warm.py) -----------------------------------------

# Set while the writer's warm asks its questions (screens.warm): an answer that needs a scan of its
# own just to find how long it stays exact (the histogram path's medians, memo_ranges.sql: 0.08 s at
# 10 M cases) is kept in agg_memo only then. A viewer's copy of it would die with the next write,
# which on a live county comes every few seconds; the viewer keeps it in the process instead.
_WARMING: contextvars.ContextVar[bool] = contextvars.ContextVar("gridboard_memo_warming", default=False)


@contextlib.contextmanager
def warming() -> Iterator[None]:
    """The questions asked inside are the warm's (see _WARMING)."""
    token = _WARMING.set(True)
    try:
        yield
    finally:
        _WARMING.reset(token)


def is_warming() -> bool:
    return _WARMING.get()


WARMED = "warmed|"  # kind prefix of a marker row: the first screens of one period were computed


def current_mark(con: duckdb.DuckDBPyConnection) -> str | None:
    """The data version the memo keeps values for (meta's agg_version), None while the aggregates
    are not current (then nothing is memoised)."""
    return _mark(con)


def warmed(con: duckdb.DuckDBPyConnection, mark: str, what: str, unit: str, start: dt.datetime,
           as_of: dt.datetime) -> bool:
    """True when the marker `what` (e.g. a preset's name) was noted for this data version, unit and
    period start on the day of `as_of` (note_warmed)."""
    try:
        found = queries.rows(con, queries.text("agg_memo_lookup"), {
            "mark": mark, "kind": WARMED + what, "unit": unit, "start": start, "end": start, "as_of": as_of})
    except duckdb.CatalogException:
        return False
    return bool(found)


def note_warmed(con: duckdb.DuckDBPyConnection, mark: str, what: str, unit: str, start: dt.datetime,
                as_of: dt.datetime) -> None:
    """Keep a marker row in agg_memo: the questions of `what` were asked at this data version on the
    day of `as_of` (so a server restarted that day does not ask them again; the next day it does:
    the 环比 and 同比 periods end at as_of minus a month or a year, so a day moves their ends past
    most groups' memo ranges). Dropped with the version's other rows; best effort like every memo
    write (a moved version stores nothing)."""
    day = dt.datetime.combine(as_of.date(), dt.time())
    row = {"grp": NULL_GROUP, "value": None, "end_lo": None, "end_hi": _HIGH, "asof_lo": day,
           "asof_hi": day + dt.timedelta(days=1)}
    _store(con, mark, {"mark": mark, "kind": WARMED + what, "unit": unit, "start": start},
           {"end": _HIGH - LOOKAHEAD}, [row])
