"""`python -m gridboard bulletin`: the monthly bulletin as .docx and/or printable HTML from the
command line, over the same functions the bulletin page calls; its --db, --unit, --from, --to and
--as-of are gridboard.cli_args' (the other commands' own). cli.py lists COMMAND; the heavy
imports (matplotlib, python-docx) happen only when the command runs. Errors are one line on stderr
and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from gridboard import cli_args
from gridboard.core import config


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM: {text!r}")
    return text.strip()


def setup(p: argparse.ArgumentParser) -> None:
    cli_args.db_arg(p)
    p.add_argument("--month", type=_month, default=None, help="the month of the bulletin (YYYY-MM)")
    cli_args.window_args(p, unit_help="unit id: the county (default) or a town")  # or --from/--to: any period
    p.add_argument("--out", type=Path, default=None, help="write the bulletin here (.docx, or .html for the printable page)")
    p.add_argument("--html", type=Path, default=None, help="also write the printable HTML page here")
    p.add_argument("--server", default=None, help="URL of a running gridboard server that holds the database "
                   "(or $GRIDBOARD_SERVER): the bulletin comes from its /api/v1/bulletin")
    p.add_argument("--token", default=None, help="API token for --server (or $GRIDBOARD_TOKEN)")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Build the bulletin and write the requested files; print one line per file."""
    from gridboard.bulletin import content, dates, page, word
    from gridboard.db import store

    if args.out is None and args.html is None:
        return _fail("give --out FILE.docx (or .html) and/or --html FILE.html")
    if args.out is not None and args.out.suffix.lower() not in (".docx", ".html", ".htm"):
        return _fail(f"--out must end in .docx or .html, not {args.out.name!r}")
    if args.month and (args.start or args.end):
        return _fail("give either --month or --from/--to, not both")
    server = args.server or os.environ.get("GRIDBOARD_SERVER")
    if server:
        return _remote(args, server.rstrip("/"), args.token or os.environ.get("GRIDBOARD_TOKEN"))
    cfg = config.load()
    try:
        if args.month:
            start, end = dates.month_bounds(args.month)
        elif args.start and args.end:
            start, end = args.start, args.end
        else:
            return _fail("give --month YYYY-MM (or --from and --to)")
        as_of = args.as_of or cfg.now()
        con = store.connect(args.db if args.db is not None else cfg.db_path, read_only=True)
        try:
            b = content.build(con, start=start, end=end, as_of=as_of, unit=args.unit)
        finally:
            con.close()
        outputs = []
        if args.out is not None:
            outputs.append((args.out, word.to_bytes(b) if args.out.suffix.lower() == ".docx" else page.to_bytes(b)))
        if args.html is not None:
            outputs.append((args.html, page.to_bytes(b)))
    except (store.StoreError, ValueError) as exc:  # BulletinError and MetricError are ValueErrors
        return _fail(str(exc))
    for path, data in outputs:
        try:
            path.write_bytes(data)
        except OSError as exc:
            return _fail(f"cannot write {path}: {exc.strerror or exc}")
        print(f"wrote {path} ({len(data):,} bytes): {b.title}{b.subtitle}")
    return 0


def _remote(args: argparse.Namespace, server: str, token: str | None) -> int:
    """Ask the running server for each requested file (GET /api/v1/bulletin) and write it."""
    if not token:
        return _fail("--server needs --token (or $GRIDBOARD_TOKEN); make one: python -m gridboard token create --user NAME")
    params = {"month": args.month, "unit": args.unit,
              "from": args.start.strftime("%Y-%m-%d") if args.start else None,
              "to": args.end.strftime("%Y-%m-%d") if args.end else None,
              "as_of": args.as_of.strftime("%Y-%m-%dT%H:%M:%S") if args.as_of else None}
    wanted = []
    if args.out is not None:
        wanted.append((args.out, "docx" if args.out.suffix.lower() == ".docx" else "html"))
    if args.html is not None:
        wanted.append((args.html, "html"))
    for path, form in wanted:
        query = urllib.parse.urlencode({**{k: v for k, v in params.items() if v}, "format": form})
        req = urllib.request.Request(f"{server}/api/v1/bulletin?{query}", headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=600) as resp:
                data = resp.read()
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", "")
            except ValueError:
                message = exc.reason
            return _fail(f"server answered {exc.code}: {message}")
        except (urllib.error.URLError, OSError) as exc:
            return _fail(f"cannot reach the server at {server}: {getattr(exc, 'reason', exc)}")
        try:
            path.write_bytes(data)
        except OSError as exc:
            return _fail(f"cannot write {path}: {exc.strerror or exc}")
        print(f"wrote {path} ({len(data):,} bytes) from {server}")
    return 0


COMMAND = ("bulletin", "write the monthly bulletin (月度通报) as .docx and/or printable HTML", setup, run)
