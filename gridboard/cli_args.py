"""What every command of `python -m gridboard` shares: the one-line error (CliError), the parser
that raises it, date and time arguments, the --db and window arguments, JSON and plain-table output.

gridboard.cli (the commands) and the commands defined beside their packages (bulletin) build on
it; kept apart so the command module stays small, and low in the layers (above metrics) so a
package's own command may import it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any, NoReturn

from gridboard.core import config
from gridboard.metrics import kpi_json


class CliError(Exception):
    """A user error: printed as one line, exit code `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (CliError, exit 2) instead of a usage dump."""

    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        raise CliError(f"{self.prog}: {message}")


def parse_date(text: str) -> dt.datetime:
    """YYYY-MM-DD as an argparse type (kpi_json.parse_date, the API's parser, with argparse's error)."""
    try:
        return kpi_json.parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_time(text: str) -> dt.datetime:
    """YYYY-MM-DDTHH:MM[:SS], YYYY-MM-DD HH:MM or YYYY-MM-DD as an argparse type (kpi_json.parse_time)."""
    try:
        return kpi_json.parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def emit_json(obj: Any) -> None:
    sys.stdout.write(kpi_json.dumps(obj))
    sys.stdout.write("\n")


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None, help="DuckDB file (default: the configured data/gridboard.duckdb)")


def db_path(args: argparse.Namespace) -> Path:
    return args.db if args.db is not None else config.load().db_path


def window_args(p: argparse.ArgumentParser, *, unit_help: str = "unit id (default: the county root)") -> None:
    """--unit, --from, --to (days, the end exclusive) and --as-of, into args.unit/start/end/as_of."""
    p.add_argument("--unit", default=None, help=unit_help)
    p.add_argument("--from", dest="start", type=parse_date, default=None, help="first day, inclusive (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", type=parse_date, default=None, help="last day, exclusive (YYYY-MM-DD)")
    p.add_argument("--as-of", dest="as_of", type=parse_time, default=None, help="evaluation time (default: now)")


def window(args: argparse.Namespace) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(start, end, as_of): defaults are 'now' in the configured zone and the 30 days before it."""
    return kpi_json.window(args.start, args.end, args.as_of)


def print_table(rows: list[dict[str, Any]]) -> None:
    """Rows as key=value lines (the commands' output without --json)."""
    if not rows:
        print("(no cases)")
        return
    for row in rows:
        print("  ".join(f"{k}={fmt_value(v)}" for k, v in row.items()))


def fmt_value(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)
