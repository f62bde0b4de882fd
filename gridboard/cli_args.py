"""What every command of `python -m gridboard` shares: the one-line error (CliError), the parser
that raises it, date and time arguments, the --db and window arguments, JSON and plain-table output.

gridboard.cli (the commands) builds on it; kept apart so the command module stays small.
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
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def parse_time(text: str) -> dt.datetime:
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a time YYYY-MM-DDTHH:MM: {text!r}")


def emit_json(obj: Any) -> None:
    sys.stdout.write(kpi_json.dumps(obj))
    sys.stdout.write("\n")


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None, help="DuckDB file (default: the configured data/gridboard.duckdb)")


def db_path(args: argparse.Namespace) -> Path:
    return args.db if args.db is not None else config.load().db_path


def window_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unit", default=None, help="unit id (default: the county root)")
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
