"""The case aggregates every writer keeps current, so pages answer without scanning history.

Three tables (db/sql/agg_tables.sql), all keyed by report day:

- agg_units: per day x aggregate unit (a micro-grid's grid, else the case's unit) the count of every
  catalogue count (gridboard/core/catalog.py, `count_sql`), evaluated as the case will stand once
  every timestamp its predicates compare with `$as_of` has passed, plus `max_settle`, the latest
  of those timestamps over the row's cases;
- agg_dims: the same per day x town unit x category x source;
- agg_hist: per day x town unit x duration measure, a histogram of the durations in 1 % log bins
  (count, min, max), for the medians and P90 of large cohorts;
- agg_hist_month: agg_hist summed per month (a year reads ~12 x fewer rows); a month's row is used
  only when every one of its day rows is settled, so it answers exactly as its days would;
- agg_memo: exact per-group quantiles memoised by readers (gridboard/metrics/memo.py) under the
  aggregates' mark; `mark_current` drops the rows of every other mark.

A row answers for an evaluation time as_of exactly when max_settle < as_of (every predicate has
reached its final value). The engine sums every row and corrects it for each case not settled at
as_of (db/sql/agg_unsettled.sql): a count at as_of added and its final count taken off
(kpis_agg.sql), a duration measured at as_of binned and its final one taken off
(kpis_agg_durations.sql). So the aggregates equal the raw cases for any as_of. The columns compared
with `$as_of` are read from the catalogue's predicates, not written again here.

Consistency: writers call `rebuild` (new database, units changed) or `refresh_days` (the report
days a batch touched) inside the transaction that changes cases, and `mark_current` right after
bumping the data version. The engine uses the aggregates only while meta's `agg_version` equals
the data version and the case count matches, so a page never mixes old aggregates with new cases.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from gridboard.core import catalog
from gridboard.db import queries, store

TABLES: tuple[str, ...] = ("agg_units", "agg_dims", "agg_hist")
MONTHS = "agg_hist_month"  # agg_hist summed per month, refilled from agg_hist after it
FILL: dict[str, str] = {"agg_units": "agg_fill_units", "agg_dims": "agg_fill_dims", "agg_hist": "agg_fill_hist"}
FOREVER = dt.datetime(9999, 12, 31)
_AS_OF_COLUMN = re.compile(r"k\.([a-z_]+)\s*(?:<=|<|>=|>|=)\s*\$as_of|\$as_of\s*(?:<=|<|>=|>|=)\s*k\.([a-z_]+)")


def settle_columns(counts: Iterable[str] | None = None) -> tuple[str, ...]:
    """The case timestamps the catalogue's counts (those named in `counts`, default all) compare
    with $as_of (closed_at, due_at, ...)."""
    found: list[str] = []
    for c in catalog.COUNTS if counts is None else [catalog.COUNT_BY_KEY[k] for k in counts]:
        for a, b in _AS_OF_COLUMN.findall(c.predicate):
            col = a or b
            if col not in found:
                found.append(col)
    return tuple(found)


def settle_sql(alias: str = "k", counts: Iterable[str] | None = None) -> str:
    """The time after which every count (of `counts`, default all) of cohort row `alias` keeps
    its final value."""
    cols = ", ".join(f"{alias}.{c}" for c in (*settle_columns(counts), "reported_at"))
    return f"greatest({cols})"


def measures() -> dict[str, catalog.Metric]:
    """Duration measures by name (the count they are measured over): one value expression each."""
    out: dict[str, catalog.Metric] = {}
    for key in catalog.DURATION_KEYS:
        m = catalog.METRIC_BY_KEY[key]
        out.setdefault(m.numerator, m)
    return out


def columns_ddl() -> str:
    return ",\n    ".join(f"{c.key} BIGINT" for c in catalog.COUNTS)


def sums_sql() -> str:
    """sum() of every count column (aggregated rows)."""
    return ", ".join(f"sum({c.key}) AS {c.key}" for c in catalog.COUNTS)


def final_counts_sql(at: str = "$forever") -> str:
    """Every count of cohort rows k evaluated at `at` instead of $as_of, negated: at $forever what
    an aggregate row holds, which kpis_agg.sql takes off for the cases it counts again at $as_of;
    at $as_of_before what kpis_moved.sql takes off for the cases whose counts moved since then."""
    return ",\n        ".join(
        "-count(*) AS received" if c.predicate == "TRUE"
        else f"-count(*) FILTER (WHERE {c.predicate.replace('$as_of', at)}) AS {c.key}"
        for c in catalog.COUNTS
    )


def changed_sql(alias: str = "c", low: str = "$as_of_before", high: str = "$as_of") -> str:
    """Cohort row `alias` has a timestamp the counts compare with as_of in [low, high]: only then
    may one of its counts differ between an as_of of low and one of high (every comparison with
    as_of is one of a plain column, settle_columns)."""
    return "(" + " OR ".join(f"{alias}.{col} BETWEEN {low} AND {high}" for col in settle_columns()) + ")"


def bin_sql() -> str:
    return queries.body("agg_bin")


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the aggregate tables (idempotent)."""
    for statement in queries.named("agg_tables", counts=columns_ddl()).split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute(queries.text("agg_memo_table"))
    con.execute(queries.text("agg_versions_table"))


def _fill_sql(table: str, days: str) -> str:
    settle = settle_sql()
    if table == "agg_hist":
        parts = [
            queries.fragment("agg_hist_values", measure=name, value=m.value or "NULL", settle=settle, days=days,
                             predicate=catalog.COUNT_BY_KEY[name].predicate)
            for name, m in measures().items()
        ]
        return queries.named(FILL[table], bin=bin_sql(), values="\n    UNION ALL\n    ".join(parts))
    return queries.named(FILL[table], settle=settle, counts=catalog.count_sql(), days=days)


def _fill(con: duckdb.DuckDBPyConnection, days: list[dt.date] | None) -> None:
    if days is None:
        span = con.execute("SELECT min(reported_at), max(reported_at) FROM cases").fetchone()
        if span[0] is None:
            return
        params: dict[str, Any] = {"from": span[0], "to": span[1] + dt.timedelta(seconds=1), "as_of": FOREVER}
        day_filter = "TRUE"
    else:
        params = {"from": dt.datetime.combine(min(days), dt.time()),
                  "to": dt.datetime.combine(max(days) + dt.timedelta(days=1), dt.time()),
                  "as_of": FOREVER, "days": days}
        day_filter = "list_contains($days, CAST(k.reported_at AS DATE))"
    for table in TABLES:
        queries.run(con, _fill_sql(table, day_filter), params)


def _fill_months(con: duckdb.DuckDBPyConnection, days: list[dt.date] | None) -> None:
    """Recompute agg_hist_month from agg_hist for the months of `days` (None: every month)."""
    if days is None:
        con.execute(queries.named("agg_clear", table=MONTHS, days="TRUE"))
        con.execute(queries.named("agg_fill_months", months="TRUE"))
        return
    months = sorted({d.replace(day=1) for d in days})
    queries.run(con, queries.named("agg_clear", table=MONTHS, days="list_contains($months, report_day)"),
                {"months": months})
    queries.run(con, queries.named("agg_fill_months", months="list_contains($months, m)"), {"months": months})


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every aggregate from the cases (new database, units changed, migration).

    Call inside the writer's transaction, after rebuild_unit_closure; then `mark_current`."""
    create_tables(con)
    con.execute("DELETE FROM agg_unit_map")
    con.execute(queries.text("agg_map"))
    for table in TABLES:
        con.execute(queries.named("agg_clear", table=table, days="TRUE"))
    _fill(con, None)
    _fill_months(con, None)


def refresh_days(con: duckdb.DuckDBPyConnection, days: Iterable[dt.date]) -> None:
    """Recompute the aggregates of the given report days (those a batch of cases touched)."""
    chosen = sorted({d for d in days if d is not None})
    if not chosen:
        return
    for table in TABLES:
        queries.run(con, queries.named("agg_clear", table=table, days="list_contains($days, report_day)"),
                    {"days": chosen})
    _fill(con, chosen)
    if queries.rows(con, queries.text("agg_month_exists"), {})[0]["n"]:
        _fill_months(con, chosen)
    else:  # a database from before agg_hist_month: create it whole
        create_tables(con)
        _fill_months(con, None)


def staged_days(con: duckdb.DuckDBPyConnection, stage_table: str) -> list[dt.date]:
    """Report days a staged batch of cases touches: its own and those of the rows it replaces.

    `stage_table` is a temp table name made by gridboard.ingest.staging (never user input)."""
    sql = queries.named("agg_staged_days", stage=stage_table)
    return [r[0] for r in con.execute(sql).fetchall()]


def staged_units(con: duckdb.DuckDBPyConnection, stage_table: str) -> list[str]:
    """Every unit at or above a case a staged batch touches (its rows' units and those of the rows
    it replaces), for carrying the memo over (mark_current). `stage_table`: as staged_days."""
    has_unit = con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = $t AND column_name = 'unit_id'",
                           {"t": stage_table}).fetchall()[0][0]
    own = f"SELECT s.unit_id FROM {stage_table} AS s WHERE s.unit_id IS NOT NULL UNION ALL" if has_unit else ""
    sql = queries.named("agg_staged_units", stage=stage_table, stage_units=own)
    return [r[0] for r in con.execute(sql).fetchall()]


VERSIONS_KEPT = 200  # writes agg_versions remembers (a reader's answer older than that is computed again)


def mark_current(con: duckdb.DuckDBPyConnection,
                 carry: tuple[str, tuple[str, ...], tuple[dt.date, ...]] | None = None) -> None:
    """Record that the aggregates match the data at the current data version (call after the bump).
    The memo's values of other versions are dropped, but with `carry` = (the previous mark, the
    units at or above every case the write touched, the report days it touched) those no touched
    case can change move to this version first (agg_memo_carry.sql): after a few new cases only
    their groups and periods are computed again. The write is noted in agg_versions (a reader may
    then keep an older answer whose period it did not touch); without `carry` that record is emptied."""
    n = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    mark = f"{store.data_version(con)}:{n}"
    store.set_meta(con, "agg_version", mark)
    con.execute(queries.text("agg_memo_table"))
    con.execute(queries.text("agg_versions_table"))
    if carry is not None and carry[0] != mark:
        days = sorted(set(carry[2]))
        queries.run(con, queries.text("agg_memo_carry"),
                    {"old": carry[0], "mark": mark, "units": list(carry[1]), "days": days})
        queries.run(con, queries.text("agg_versions_note"), {"from_mark": carry[0], "to_mark": mark, "days": days})
        queries.run(con, queries.text("agg_versions_trim"), {"kept": VERSIONS_KEPT})
    elif carry is None:
        con.execute("DELETE FROM agg_versions")
    queries.run(con, queries.text("agg_memo_clear"), {"mark": mark})


def current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the aggregates describe the cases as they are now (same data version and count)."""
    mark = store.get_meta(con, "agg_version")
    if not mark:
        return False
    n = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    return mark == f"{store.data_version(con)}:{n}"


def build_and_mark(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild and mark current: for a database whose cases changed outside a writer (migration)."""
    rebuild(con)
    mark_current(con)


@dataclass(frozen=True)
class WriteToken:
    """What a writer noted before changing data: were the aggregates current (their mark then),
    which days it touches, and the units at or above every case it touches (None: not known)."""

    was_current: bool
    days: tuple[dt.date, ...]
    mark: str | None = None
    units: tuple[str, ...] | None = None


def before_write(con: duckdb.DuckDBPyConnection, table: str, stage_table: str | None = None) -> WriteToken:
    """Call inside the writer's transaction before it changes `table` (stage_table: its staged
    rows, for cases)."""
    was = current(con)
    mark = store.get_meta(con, "agg_version") if was else None
    if table == "cases" and stage_table:
        return WriteToken(was, tuple(staged_days(con, stage_table)), mark, tuple(staged_units(con, stage_table)))
    return WriteToken(was, (), mark)


def after_write(con: duckdb.DuckDBPyConnection, token: WriteToken, *, units_changed: bool) -> None:
    """Call inside the same transaction right after bumping the data version: refresh the touched
    days (or rebuild when units changed or the aggregates were not current), then mark them current,
    carrying over the memo's values the write cannot have changed."""
    if token.was_current and not units_changed:
        refresh_days(con, token.days)
        carry = (token.mark, token.units, token.days) if token.mark is not None and token.units is not None else None
        mark_current(con, carry)
    else:
        rebuild(con)
        mark_current(con)
