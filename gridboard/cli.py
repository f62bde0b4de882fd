"""Command-line shell over the library: `python -m gridboard COMMAND ...`.

Each command is a thin wrapper over the same functions the pages call. Errors are one line on
stderr and a non-zero exit (2 for bad arguments or an unreadable/missing database), never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from gridboard.bulletin import commands as bulletin_commands
from gridboard.cli_args import CliError, emit_json, parse_date, parse_time, window
from gridboard.cli_args import Parser as _Parser
from gridboard.cli_args import db_arg as _db_arg
from gridboard.cli_args import db_path as _db_path
from gridboard.cli_args import fmt_value as _fmt
from gridboard.cli_args import print_table as _print_table
from gridboard.cli_args import window_args as _window_args
from gridboard.core import config, users
from gridboard.db import backup, store
from gridboard.ingest import commands as ingest_commands
from gridboard.lake import commands as lake_commands
from gridboard.lake.errors import LakeError
from gridboard.metrics import engine, kpi_json
from gridboard.server import client, kiosk

# --- commands ----------------------------------------------------------------------------------


def cmd_kpis(args: argparse.Namespace) -> int:
    remote = client.target(args)
    if remote is not None:  # the running server answers with the same JSON (gridboard.metrics.kpi_json)
        result, text = client.remote_kpis(args, *remote)
        if args.json:
            print(text)
        else:
            _print_table(result if isinstance(result, list) else [result])
        return 0
    if args.engine == "spark":  # the same metric engine over a Parquet export (gridboard.lake)
        result = lake_commands.kpis(args)
    else:
        con = store.connect(_db_path(args), read_only=True)
        try:
            result = kpi_json.result(con, unit=args.unit, start=args.start, end=args.end, as_of=args.as_of, by=args.by)
        finally:
            con.close()
    if args.json:
        emit_json(result)
    else:
        _print_table(result if isinstance(result, list) else [result])
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from gridboard.demo import county  # heavy (shapely): only for this command

    cfg = config.load()
    path = _db_path(args)
    if path.exists() and not args.force:
        raise CliError(f"{path} exists; pass --force to replace it")
    summary = county.build_file(
        path,
        cases=args.cases,
        seed=args.seed,
        as_of=args.as_of or cfg.now(),
        outline=Path(str(cfg["county_outline"])),
    )
    print(summary.describe() if hasattr(summary, "describe") else summary)
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    from gridboard.ranking import gridindex

    start, end, as_of = window(args)
    con = store.connect(_db_path(args), read_only=True)
    try:
        settings = gridindex.settings_from(config.load())
        units = gridindex.scores(con, args.level, settings, start=start, end=end, as_of=as_of, unit=args.parent)
    finally:
        con.close()
    rows = [u.as_dict() for u in units]
    if args.json:
        emit_json(rows)
    else:
        for r in rows:
            rank = r["rank"] if r["rank"] is not None else "数据不足"
            score = "—" if r["score"] is None else f"{r['score']:.1f}"
            print(f"{rank!s:>6}  {score:>6}  {gridindex.star_text(r['stars']):<5}  {r['cases']:>6}  {r['unit_id']}  {r['name']}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Time every page's first screen per preset period (gridboard/bench.py)."""
    from gridboard import bench

    try:
        return bench.command(args, _db_path(args), print)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_ingest(args: argparse.Namespace) -> int:
    """Import a file (same code path as the upload page). Exit 0 all accepted, 1 some rejected,
    2 the file could not be read or mapped at all."""
    from gridboard.ingest import pipeline

    remote = client.target(args)
    if remote is not None:  # the running server's worker loads it
        code, answer = client.remote_ingest(args, *remote)
        if args.json:
            emit_json(answer)
        else:
            print(client.describe(answer))
        return code
    con = store.connect(_db_path(args), create=args.create)
    if args.memory_limit:
        import re

        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", args.memory_limit, re.IGNORECASE):
            con.close()
            raise CliError(f"--memory-limit 应形如 500MB 或 2GB，不是 {args.memory_limit!r}")
        con.execute(f"SET memory_limit = '{args.memory_limit}'")  # DuckDB then spills staging to <db>.tmp
    progress = None
    if sys.stderr.isatty():
        def progress(done: int, total: int | None) -> None:
            of = f" / ~{total:,}" if total else ""
            print(f"\r读取 {done:,}{of} 行", end="", file=sys.stderr, flush=True)
    try:
        report = pipeline.ingest(
            con, args.file, table=args.table, mapping=args.mapping, add_units_under=args.add_units_under,
            live_history=args.live_history,
            dry_run=args.dry_run, all_or_nothing=args.all_or_nothing, user=args.user,
            rejected_path=args.rejected, on_progress=progress,
        )
    except pipeline.IngestError as exc:
        raise CliError(str(exc), 2) from None
    except Exception as exc:  # never a traceback: one line, exit 2
        raise CliError(f"导入失败（{type(exc).__name__}）：{str(exc).splitlines()[0] if str(exc) else ''}", 2) from None
    finally:
        if progress is not None:
            print(file=sys.stderr)
        con.close()
    if args.json:
        emit_json(report.to_dict())
    else:
        print("\n".join(report.summary_lines(args.lang)))
        if args.rejected is not None and report.rows_rejected:
            print(f"被拒绝的行已写入 {args.rejected}")
    return 0 if report.rows_rejected == 0 else 1


def cmd_volunteers(args: argparse.Namespace) -> int:
    """Headline volunteer figures (gridboard.volunteers.SUMMARY_KEYS), or one row per unit with --by."""
    from gridboard.people import volunteers

    start, end, as_of = window(args)
    con = store.connect(_db_path(args), read_only=True)
    try:
        if args.by:
            rows = volunteers.by_unit(con, args.by, start=start, end=end, as_of=as_of, unit=args.unit)
            result: Any = rows
        else:
            result = volunteers.summary(con, start=start, end=end, unit=args.unit)
    finally:
        con.close()
    if args.json:
        emit_json(result)
    else:
        _print_table(result if isinstance(result, list) else [result])
    return 0


def cmd_economy(args: argparse.Namespace) -> int:
    """Headline collective-economy figures (gridboard.economy.SUMMARY_KEYS), or the villages with --villages."""
    from gridboard.people import economy

    con = store.connect(_db_path(args), read_only=True)
    try:
        unit = engine.check_unit(con, args.unit)
        year = args.year or economy.default_year(con, unit, upto=(args.as_of or config.load().now()).year)
        if year is None:
            raise CliError("no collective-economy rows under this unit")
        settings = economy.settings_from(config.load())
        if args.villages:
            result: Any = economy.villages(con, year=year, unit=unit, settings=settings)
        else:
            result = economy.summary(con, year=year, unit=unit, settings=settings)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    finally:
        con.close()
    if args.json:
        emit_json(result)
    else:
        _print_table(result if isinstance(result, list) else [result])
    return 0


Command = tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]


def _kpis_parser(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    _window_args(p)
    from gridboard.core import schema

    p.add_argument("--by", choices=schema.DIMENSIONS, default=None, help="break down by a level or dimension")
    p.add_argument("--json", action="store_true", help="print JSON")
    client.server_args(p)
    lake_commands.engine_args(p)


def _demo_parser(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--cases", type=int, default=100_000, help="number of cases (default 100000)")
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same county)")
    p.add_argument("--as-of", dest="as_of", type=parse_time, default=None, help="end of the demo (default: now)")
    p.add_argument("--force", action="store_true", help="replace an existing file")


def _rank_parser(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--level", choices=("town", "community", "grid", "micro_grid"), default="grid",
                   help="rank units of this level (default grid; community covers villages)")
    p.add_argument("--parent", default=None, help="rank only the units under this unit")
    p.add_argument("--from", dest="start", type=parse_date, default=None, help="first day, inclusive (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", type=parse_date, default=None, help="last day, exclusive (YYYY-MM-DD)")
    p.add_argument("--as-of", dest="as_of", type=parse_time, default=None, help="evaluation time (default: now)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _bench_parser(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--as-of", dest="as_of", type=parse_time, default=None, help="evaluation time (default: newest case)")
    p.add_argument("--cases", type=int, default=None, help="bench a demo of N cases (built or reused)")
    p.add_argument("--repeat", "--runs", dest="repeat", type=int, default=3, help="timed runs after the cold one")
    p.add_argument("--only", "--pages", dest="only", nargs="*", default=None, help="only these pages")
    p.add_argument("--presets", nargs="*", default=None, help="only these preset periods")
    p.add_argument("--no-writes", dest="writes", action="store_false", help="skip the ingest and CSV-load timings")
    p.add_argument("--no-warm", dest="warm", action="store_false",
                   help="time the pages before the memo warm a started server runs (by default the bench runs "
                        "that warm first, writing its memo into the database as the server would)")
    p.add_argument("--load-rows", type=int, default=1_000_000, help="rows of the timed CSV load (0: skip)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _ingest_parser(p: argparse.ArgumentParser) -> None:
    from gridboard.core import schema

    _db_arg(p)
    p.add_argument("--table", required=True, choices=list(schema.DATA_TABLES), help="contract table to load into")
    p.add_argument("file", type=Path, help="CSV (UTF-8, UTF-8 BOM, GBK/GB18030; , tab ;) or .xlsx file")
    p.add_argument("--mapping", default=None,
                   help="mapping preset name (nyc311, baltimore311, la311, wenzheng, or a saved one) or a JSON file")
    p.add_argument("--add-units-under", dest="add_units_under", default=None,
                   help="create unknown units as grids under this town or community (names and places must fit "
                   "the county; rows without a unit go to its 未划分)")
    p.add_argument("--live-history", dest="live_history", action="store_true",
                   help="count cases open longer than history_open_days as live on the wall (default: history)")
    p.add_argument("--dry-run", action="store_true", help="check and report only; write nothing")
    p.add_argument("--all-or-nothing", action="store_true", help="load nothing when any row is rejected")
    p.add_argument("--rejected", type=Path, default=None, help="write the rejected rows with a reason column (CSV)")
    p.add_argument("--user", default=None, help="user name for the import log")
    p.add_argument("--create", action="store_true", help="create the database file when it does not exist")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the printed report")
    p.add_argument("--memory-limit", dest="memory_limit", default=None,
                   help="cap DuckDB's memory (e.g. 500MB); big files then spill to disk")
    client.server_args(p)


def _volunteers_parser(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    _window_args(p)
    p.add_argument("--by", choices=("child", "town", "community", "grid", "micro_grid"), default=None,
                   help="one row per unit of this level (or the child units) with the few-volunteers flag")
    p.add_argument("--json", action="store_true", help="print JSON")


def cmd_explain(args: argparse.Namespace) -> int:
    from gridboard.metrics import explain

    as_of = args.as_of or config.load().now()
    if args.metric not in explain.EXPLAINABLE:
        raise CliError(f"metric {args.metric!r} cannot be split; choose one of {', '.join(explain.EXPLAINABLE)}")
    limit = args.limit
    if limit is None and args.metric in explain.WITHIN:
        limit = float(config.load().targets[explain.WITHIN[args.metric][2]])
    con = store.connect(_db_path(args), read_only=True)
    try:
        e = explain.explain(con, args.metric, args.by, before=explain.Window(args.vs_start, args.vs_end, as_of),
                            after=explain.Window(args.start, args.end, as_of), unit=args.unit, limit=limit)
    finally:
        con.close()
    if args.json:
        emit_json(e.as_dict())
    else:
        _print_table([{"group": c.group_name, **{k: v for k, v in c.as_dict().items() if k not in ("group_id", "group_name")}}
                      for c in e.contributions])
        print(f"change={_fmt(e.change)} explained={_fmt(e.explained)}")
    return 0


def _explain_parser(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--metric", required=True, help="metric key (a count, a rate, response_within_share, close_within_share)")
    p.add_argument("--by", required=True, help="dimension (child, town, community, grid, category, source, department…)")
    p.add_argument("--from", dest="start", type=parse_date, required=True, help="first day of the period (inclusive)")
    p.add_argument("--to", dest="end", type=parse_date, required=True, help="day after the period (exclusive)")
    p.add_argument("--vs-from", dest="vs_start", type=parse_date, required=True, help="first day of the comparison period")
    p.add_argument("--vs-to", dest="vs_end", type=parse_date, required=True, help="day after the comparison period")
    p.add_argument("--unit", default=None, help="unit id (default: the county root)")
    p.add_argument("--limit", type=float, default=None, help="time limit of a within-limit share (default: the target)")
    p.add_argument("--as-of", dest="as_of", type=parse_time, default=None, help="evaluation time (default: now)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _economy_parser(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--unit", default=None, help="unit id (default: the county root)")
    p.add_argument("--year", type=int, default=None, help="year (default: the latest with data, not after --as-of's year)")
    p.add_argument("--as-of", dest="as_of", type=parse_time, default=None, help="evaluation time (default: now)")
    p.add_argument("--villages", action="store_true", help="list the villages (income, band, growth, history)")
    p.add_argument("--json", action="store_true", help="print JSON")


COMMANDS: list[Command] = [
    ("kpis", "print the KPIs (DESIGN.md metric keys) for a unit and period", _kpis_parser, cmd_kpis),
    ("demo", "build the demo county database", _demo_parser, cmd_demo),
    ("rank", "rank units by the grid index (网格指数) with stars", _rank_parser, cmd_rank),
    ("explain", "split a metric's change between two periods by group (shift-share)", _explain_parser, cmd_explain),
    ("bench", "time the queries behind each screen on a database", _bench_parser, cmd_bench),
    ("ingest", "import a CSV/.xlsx export into a contract table (check, report, load)", _ingest_parser, cmd_ingest),
    ("volunteers", "volunteer figures (志愿服务) for a unit and period", _volunteers_parser, cmd_volunteers),
    ("economy", "village collective-economy figures (集体经济) for a unit and year", _economy_parser, cmd_economy),
    ("token", "API tokens of the running server: create (printed once), list, revoke", client.token_parser,
     client.cmd_token),
    ("feed", "drive the live demo feed of a running server through its API", client.feed_parser, client.cmd_feed),
    kiosk.COMMAND,
    bulletin_commands.COMMAND,
    *backup.COMMANDS,
    *ingest_commands.COMMANDS,
    users.COMMAND,
    *lake_commands.COMMANDS,
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gridboard", description="gridboard command-line tools")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, help_text, setup, handler in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        setup(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args))
    except (CliError, client.ClientError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except store.StoreError as exc:
        hint = client.held_hint(str(exc)) if "held by another process" in str(exc) else ""
        print(f"error: {exc}{hint}", file=sys.stderr)
        return 2
    except (engine.MetricError, config.ConfigError, LakeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as exc:  # an unreadable database or file: one line, never a traceback
        print(f"error: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
