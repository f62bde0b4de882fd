"""Import of an analyst's file into one contract table: plan (dry run), then load.

Owns the flow the page and the CLI share: open the file (gridboard.ingest.readers), choose the
mapping (gridboard.ingest.mapping), check every chunk (gridboard.ingest.checks) into a staging area
and run the whole-file checks (gridboard.ingest.staging), report what would change (Report, in
gridboard.ingest.report), and on commit write the
accepted rows in one transaction — new units first, upsert by primary key, unit closure
rebuilt after units change, data version bumped, one ingest_log row.

Decisions: duplicate keys inside a file are merged when the rows
are identical (the last is kept) and all rejected when they differ; a file with nothing
accepted writes nothing at all, not even a log row; a re-upload that changes nothing writes a
log row with outcome "unchanged" and does not bump the data version.

Page use: ``batch = prepare(con, data, table=..., file_name=..., mapping=..., on_progress=...)``,
show ``batch.report`` / ``batch.problems()`` / ``batch.preview(kind)`` / ``batch.rejected_csv()``,
then ``batch.commit(user=...)`` and ``batch.close()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import duckdb
import pandas as pd

from gridboard.core import config, i18n, schema
from gridboard.db import aggregates, store
from gridboard.ingest import checks, newunits, tree
from gridboard.ingest.mapping import Mapping, MappingError, load_preset, suggest
from gridboard.ingest.readers import ReadError, Source, open_source
from gridboard.ingest.report import IngestError, Report, history, parent_choices
from gridboard.ingest.staging import NewUnit, Stage

Progress = Callable[[int, int | None], None]

__all__ = ["Batch", "IngestError", "Progress", "Report", "choose_mapping", "history", "ingest", "inspect",
           "parent_choices", "prepare"]


def choose_mapping(source: Source, table: str, mapping: Mapping | str | Path | None) -> Mapping:
    """The mapping for this file: a Mapping as given, a preset (name or JSON path), or a guess."""
    if isinstance(mapping, Mapping):
        m = mapping.resolve(source.headers) if mapping.name else mapping
    elif mapping:
        m = load_preset(mapping).resolve(source.headers)
    else:
        m = suggest(source.headers, table)
    if m.table != table:
        raise MappingError("map_preset_other_table", name=m.name, other=m.table, table=table)
    m.check(source.headers)
    return m


def inspect(data: bytes | str | Path, table: str, *, file_name: str | None = None,
            mapping: Mapping | str | Path | None = None, sample_rows: int = 20) -> tuple[Source, Mapping, pd.DataFrame]:
    """For the mapping editor: the opened file, the suggested (or preset) mapping and a sample.

    The mapping is not checked here (the page shows what is missing); raises IngestError when
    the file cannot be read.
    """
    try:
        src = open_source(data, file_name)
        if isinstance(mapping, Mapping):
            m = mapping
        elif mapping:
            m = load_preset(mapping).resolve(src.headers)
        else:
            m = suggest(src.headers, table)
        sample = next(iter(src.iter_chunks(sample_rows)), (0, pd.DataFrame()))[1]
        src.count_rows()  # exact when the file is small (the 2,816-row file is not "约 17,284")
    except (ReadError, MappingError) as exc:
        raise IngestError.like(exc) from None
    sample = sample.head(sample_rows)
    sample.columns = src.headers[: len(sample.columns)]
    return src, m, sample


class Batch:
    """One prepared upload: staged, checked and compared; commit() loads it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, plan: checks.Plan, report: Report) -> None:
        self.cur = con.cursor()
        self.source = source
        self.plan = plan
        self.report = report
        self.stage = Stage(self.cur, plan)
        self.committed = False
        self.history_cutoff: dt.datetime | None = None  # open cases reported before it are history

    # views for the page
    def problems(self, limit: int | None = 1000, severity: str | None = None, lang: str = "zh") -> pd.DataFrame:
        """Problems by row and column: 行号, 字段, 原始值, 问题, 处理 (Row, Field, Value, Problem, Action
        in English, the field then named by its contract column and the file's header)."""
        df = self.stage.problems(limit, severity)
        if lang == "en":
            field_name = [f"{c} ({self.plan.header_of(c)})" if self.plan.header_of(c) else c for c in df["col"]]
            texts = [i18n.text(f"prob_{code}", "en") for code in df["code"]]
            text = [f"{t} ({d})" if isinstance(d, str) and d else t for t, d in zip(texts, df["detail_en"], strict=True)]
            return pd.DataFrame({"Row": df["row"], "Field": field_name, "Value": df["value"], "Problem": text,
                                 "Action": [i18n.text(f"prob_sev_{s}", "en") for s in df["severity"]]})
        field_name = [self.plan.field_label(col) for col in df["col"]]
        text = [f"{t}（{d}）" if isinstance(d, str) and d else t for t, d in zip(df["text"], df["detail"], strict=True)]
        return pd.DataFrame({"行号": df["row"], "字段": field_name, "原始值": df["value"], "问题": text,
                             "处理": [checks.SEVERITY_ZH[s] for s in df["severity"]]})

    def preview(self, kind: str = "new", limit: int = 50, lang: str = "zh") -> pd.DataFrame:
        """Rows that would be new / updated / unchanged, with Chinese headers and labels (English:
        the contract's column names and English labels)."""
        df = self.stage.preview(kind, limit)
        en = lang == "en"
        out = pd.DataFrame({"Row" if en else "行号": df["_row"]})
        for col in self.stage.present:
            c = self.plan.table.column(col)
            series = df[col]
            if c.enum:
                series = series.map(lambda v, k=col: schema.label(k, v, lang) if isinstance(v, str) else v)
            out[c.name if en else c.zh] = series
        if kind == "updated":
            zh_to_name = {c.zh: c.name for c in self.plan.table.columns}
            out["Changed" if en else "变更字段"] = df["changed"] if not en else [
                ", ".join(zh_to_name.get(x, x) for x in str(v).split("、") if x) for v in df["changed"]]
        return out

    def rejected_rows(self) -> pd.DataFrame:
        """The rejected rows as they were in the file, with 行号 first and 拒绝原因 last."""
        parts = []
        span = self.stage.rejected_range()
        if span is not None:
            for first, chunk in self.source.iter_chunks():
                last = first + len(chunk) - 1
                if last < span[0] or first > span[1]:
                    continue
                reasons = self.stage.reasons(first, last)
                if reasons.empty:
                    continue
                rows = chunk.loc[reasons["row"].to_numpy()]
                rows.columns = self.source.headers[: len(rows.columns)]
                rows.insert(0, "行号", reasons["row"].to_numpy())
                rows["拒绝原因"] = reasons["reason"].to_numpy()
                parts.append(rows)
        if not parts:
            return pd.DataFrame(columns=["行号", *self.source.headers, "拒绝原因"])
        return pd.concat(parts, ignore_index=True)

    def rejected_csv(self) -> bytes:
        from gridboard.core.export import to_csv_bytes

        return to_csv_bytes(self.rejected_rows())

    def commit(self, *, user: str | None = None, all_or_nothing: bool = False) -> Report:
        """Load the accepted rows in one transaction (nothing when none, or any rejected with
        all_or_nothing). Returns the report with the counts actually applied."""
        if self.committed:
            raise IngestError("ing_loaded_already")
        r = self.report
        started = dt.datetime.now().replace(microsecond=0)
        if r.rows_accepted == 0 or (all_or_nothing and r.rows_rejected):
            r.outcome = "rejected"
            if all_or_nothing and r.rows_rejected:
                r.add_note("rep_note_all_or_nothing")
            return r
        cur = self.cur
        cur.begin()
        try:
            r.log_id = cur.execute("SELECT nextval('ingest_log_id')").fetchone()[0]
            token = aggregates.before_write(cur, self.plan.table.name, self.stage.stage)
            units_added = self.stage.insert_new_units(r.log_id)
            applied = self.stage.upsert(r.log_id)
            flagged = 0
            if self.history_cutoff is not None and not r.live_history and r.rows_history:
                flagged = self.stage.insert_history(self.history_cutoff, r.log_id)
            changed = units_added + applied["new"] + applied["updated"] + flagged > 0
            if units_added or (self.plan.table.name == "units" and changed):
                store.rebuild_unit_closure(cur)
            if changed:
                store.bump_data_version(cur)
                aggregates.after_write(cur, token, units_changed=bool(units_added or self.plan.table.name == "units"))
            r.new, r.updated, r.unchanged = applied["new"], applied["updated"], applied["unchanged"]
            # nothing changed is "unchanged" even with rejected rows: such a batch has nothing to undo
            # and must not stand in the way of undoing the one before it
            r.outcome = ("partial" if r.rows_rejected else "loaded") if changed else "unchanged"
            cur.execute(
                "INSERT INTO ingest_log (id, table_name, file_name, sha256, rows_read, rows_inserted, rows_updated, "
                "rows_rejected, user_name, started_at, finished_at, outcome) "
                "VALUES ($id, $t, $f, $h, $read, $ins, $upd, $rej, $u, $s, $e, $o)",
                {"id": r.log_id, "t": r.table, "f": r.file_name, "h": r.sha256, "read": r.rows_read,
                 "ins": r.new, "upd": r.updated, "rej": r.rows_rejected, "u": user, "s": started,
                 "e": dt.datetime.now().replace(microsecond=0), "o": r.outcome})
            cur.commit()
        except Exception as exc:
            cur.rollback()
            r.log_id = None
            raise IngestError("ing_write_failed", reason=str(exc).splitlines()[0]) from None
        r.data_version = store.data_version(cur)
        self.committed = True
        return r

    def close(self) -> None:
        try:
            self.stage.drop()
            self.cur.close()
        except duckdb.Error:
            pass


def _effective_parent(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, add_units_under: str | None
) -> tuple[str | None, bool, NewUnit | None]:
    """(parent for new grids and 未划分, whether unknown units become grids, a root to create).

    An explicit --add-units-under wins; a preset's parent applies when the database has no units
    yet (it is then created as the county root) or already holds it; otherwise new grids are not
    created and 未划分 goes under the county root.
    """
    n_units = con.execute("SELECT count(*) FROM units").fetchone()[0]
    preset_parent = mapping.units.get("parent_id")
    parent, add = None, False
    if add_units_under:
        if n_units:
            try:
                newunits.check_parent(con, add_units_under)  # a town or community, never the county beside its towns
            except newunits.ParentError as exc:
                raise IngestError.like(exc) from None
        parent, add = add_units_under, True
    elif preset_parent and (n_units == 0 or con.execute(
            "SELECT 1 FROM units WHERE unit_id = $u", {"u": preset_parent}).fetchone()):
        parent, add = preset_parent, True
    if parent is not None:
        if con.execute("SELECT 1 FROM units WHERE unit_id = $u", {"u": parent}).fetchone():
            return parent, add, None
        if n_units:
            raise IngestError("ing_parent_missing", parent=parent)
        name = mapping.units.get("parent_name") if parent == preset_parent else None
        return parent, add, NewUnit(parent, None, "county", name or parent)
    if n_units:
        return store.root_unit(con), False, None
    return None, False, None


def prepare(
    con: duckdb.DuckDBPyConnection,
    data: bytes | str | Path,
    *,
    table: str,
    file_name: str | None = None,
    mapping: Mapping | str | Path | None = None,
    add_units_under: str | None = None,
    live_history: bool = False,
    on_progress: Progress | None = None,
    chunk_rows: int = 50_000,
) -> Batch:
    """Read, map and check the whole file into a staging area; nothing is written to the database.

    Raises IngestError (Chinese, one line) when the file as a whole cannot be imported.
    """
    if table not in schema.DATA_TABLES:
        raise IngestError("ing_unknown_table", table=table, tables=list(schema.DATA_TABLES))
    t0 = dt.datetime.now()
    try:
        src = open_source(data, file_name)
        m = choose_mapping(src, table, mapping)
        plan = checks.Plan(schema.DATA_TABLES[table], m, src.headers)  # refuses duplicate header names
    except (ReadError, MappingError) as exc:
        raise IngestError.like(exc) from None
    report = Report(table, src.name, src.sha256, src.describe(), src.describe("en"),
                    mapping={c: plan.header_of(c) for c in schema.DATA_TABLES[table].column_names if plan.header_of(c)},
                    ignored_headers=[h for h in src.headers if h not in m.columns.values()])
    if plan.derive_status:
        report.add_note("rep_note_no_status")
    parent, add, root = (None, False, None)
    if plan.unit_ref:
        parent, add, root = _effective_parent(con, m, add_units_under)
    batch = Batch(con, src, plan, report)
    try:
        _stage_file(batch, chunk_rows, on_progress)
        if report.rows_read == 0:
            raise IngestError("ing_header_only")
        batch.stage.finish(parent, add, root)
        if table == "units":
            tree.refuse_broken(batch.cur, batch.stage)  # one root, no cycle, parents above: or nothing
        if table == "cases":
            _plan_history(batch, live_history)
        _fill_report(batch)
    except ReadError as exc:
        batch.close()
        raise IngestError.like(exc) from None
    except BaseException:
        batch.close()
        raise
    report.seconds = (dt.datetime.now() - t0).total_seconds()
    return batch


def _plan_history(batch: Batch, live: bool) -> None:
    """Cases still open longer than the history_open_days setting: flagged as history (kept off the
    wall's live counts) unless the analyst confirmed them as live."""
    days = int(config.load()["history_open_days"])  # type: ignore[call-overload]
    batch.history_cutoff = (batch.plan.now or dt.datetime.now()) - dt.timedelta(days=days)
    batch.report.history_days = days
    batch.report.live_history = live
    if not live:
        batch.stage.flag_history(batch.history_cutoff, days)
    batch.report.rows_history = batch.stage.count_history(batch.history_cutoff)


def _stage_file(batch: Batch, chunk_rows: int, on_progress: Progress | None) -> None:
    total = batch.source.total_rows
    done = 0
    for _, chunk in batch.source.iter_chunks(chunk_rows):
        typed, problems = checks.check_chunk(batch.plan, chunk)
        batch.stage.append(typed, problems)
        done += len(chunk)
        batch.report.rows_read += len(typed)
        if on_progress is not None:
            on_progress(done, None if total is None else max(total, done))
    if on_progress is not None:
        on_progress(done, done)


def _fill_report(batch: Batch) -> None:
    r, st = batch.report, batch.stage
    for k, v in st.counts().items():
        setattr(r, k, v)
    for k, v in st.diff_counts().items():
        setattr(r, k, v)
    r.new_units = [asdict(u) for u in st.new_units]
    r.problem_summary = [
        {"column": batch.plan.field_label(row.col), "col": row.col, "code": row.code, "message": row.text, "severity": row.severity, "rows": int(row.rows),
         "first_row": int(row.first_row)}
        for row in st.problem_summary().itertuples()
    ]


def ingest(
    con: duckdb.DuckDBPyConnection,
    data: bytes | str | Path,
    *,
    table: str,
    file_name: str | None = None,
    mapping: Mapping | str | Path | None = None,
    add_units_under: str | None = None,
    live_history: bool = False,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    user: str | None = None,
    on_progress: Progress | None = None,
    rejected_path: Path | None = None,
) -> Report:
    """prepare() then commit() (unless dry_run); optionally writes the rejected rows as CSV."""
    batch = prepare(con, data, table=table, file_name=file_name, mapping=mapping,
                    add_units_under=add_units_under, live_history=live_history, on_progress=on_progress)
    try:
        if rejected_path is not None and batch.report.rows_rejected:
            Path(rejected_path).write_bytes(batch.rejected_csv())
        if dry_run:
            return batch.report
        return batch.commit(user=user, all_or_nothing=all_or_nothing)
    finally:
        batch.close()
