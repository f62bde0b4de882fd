"""The command line's side of a running server: `token`, `feed`, and `kpis`/`ingest --server`.

`--server URL --token T` (or GRIDBOARD_SERVER / GRIDBOARD_TOKEN) sends `kpis` and `ingest` to the
running dashboard through its HTTP API (stdlib urllib, multipart built here) instead of opening the
database file, which the server holds. `kpis --server` prints the API's bytes, which are the same
as `kpis --json` on the file. Errors are one English line and exit 2, like the rest of the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from gridboard.server import tokens
from gridboard.server.service import running_server

ENV_SERVER, ENV_TOKEN = "GRIDBOARD_SERVER", "GRIDBOARD_TOKEN"


class ClientError(Exception):
    """A failed call to the server: one line, exit code `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def server_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", default=None, help=f"URL of a running gridboard server (or ${ENV_SERVER})")
    p.add_argument("--token", default=None, help=f"API token for --server (or ${ENV_TOKEN})")


def target(args: argparse.Namespace) -> tuple[str, str] | None:
    """(server URL, token) when the command should go through a server, else None."""
    server = getattr(args, "server", None) or os.environ.get(ENV_SERVER)
    if not server:
        return None
    token = getattr(args, "token", None) or os.environ.get(ENV_TOKEN)
    if not token:
        raise ClientError(f"--server needs --token (or ${ENV_TOKEN}); make one: python -m gridboard token create --user NAME")
    return server.rstrip("/"), token


def call(method: str, url: str, token: str | None, *, body: bytes | None = None,
         content_type: str | None = None, timeout: float = 600) -> tuple[int, bytes]:
    """(status, body) of one request; 4xx/5xx are returned, connection failures raise ClientError."""
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise ClientError(f"cannot reach the server at {url}: {getattr(exc, 'reason', exc)}") from None


def _fail(status: int, body: bytes) -> ClientError:
    try:
        message = json.loads(body).get("error") or body.decode("utf-8", "replace")
    except (ValueError, AttributeError):
        message = body.decode("utf-8", "replace")[:300]
    return ClientError(f"server answered {status}: {message}")


def multipart(field: str, file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = f"gridboard-{uuid.uuid4().hex}"
    safe = file_name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{safe}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode("ascii"), f"multipart/form-data; boundary={boundary}"


# --- kpis and ingest through the server ----------------------------------------------------------


def remote_kpis(args: argparse.Namespace, server: str, token: str) -> Any:
    """The server's answer to the same question `kpis` asks the file: (parsed JSON, raw text)."""
    params = {"unit": args.unit, "from": _day(args.start), "to": _day(args.end),
              "as_of": args.as_of.strftime("%Y-%m-%dT%H:%M:%S") if args.as_of else None, "by": args.by}
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    status, body = call("GET", f"{server}/api/v1/kpis" + (f"?{query}" if query else ""), token)
    if status != 200:
        raise _fail(status, body)
    return json.loads(body), body.decode("utf-8")


def _day(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d") if value is not None else None


def remote_ingest(args: argparse.Namespace, server: str, token: str) -> tuple[int, dict[str, Any]]:
    """(exit code, report): 0 all accepted, 1 some or all rows rejected, 2 the file as a whole refused."""
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClientError(f"cannot read {path}: {exc.strerror}") from None
    params = {"table": args.table, "mapping": args.mapping or "auto", "add_units_under": args.add_units_under}
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    body, ctype = multipart("file", path.name, data)
    status, answer = call("POST", f"{server}/api/v1/ingest?{query}", token, body=body, content_type=ctype)
    if status not in (200, 422):
        raise _fail(status, answer)
    report = json.loads(answer)
    if report.get("error"):
        return 2, report
    return (0 if not report.get("rejected") else 1), report


def describe(report: dict[str, Any]) -> str:
    """A few English lines about an ingest report from the server."""
    lines = [f"file {report.get('file')} -> {report.get('table')}: {report.get('outcome')}"]
    if report.get("error"):
        lines.append(f"  error: {report['error']}")
    else:
        lines.append("  read {read}, inserted {inserted}, updated {updated}, unchanged {unchanged}, rejected {rejected}"
                     .format(**{k: report.get(k, 0) for k in ("read", "inserted", "updated", "unchanged", "rejected")}))
        for p in (report.get("problem_summary") or [])[:12]:
            lines.append(f"  [{p.get('severity')}] {p.get('column')}: {p.get('message')} — {p.get('rows')} rows "
                         f"(first row {p.get('first_row')})")
        lines.append(f"  data version {report.get('data_version')}, ingest log #{report.get('log_id')}")
    return "\n".join(lines)


def held_hint(message: str) -> str:
    """What to add to "database … is held by another process": how to reach the running server."""
    m = re.search(r"database (.+?) is held by another process", message)
    url = running_server(Path(m.group(1))) if m else None
    where = url or "http://HOST:8501"
    return (f"; to work through the running server use --server {where} --token TOKEN "
            f"(or set {ENV_SERVER}={where} and {ENV_TOKEN}); make a token with: "
            "python -m gridboard token create --user NAME")


# --- token ---------------------------------------------------------------------------------------


def token_parser(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="token_command", required=True)
    create = sub.add_parser("create", help="make a token for an account and print it once")
    create.add_argument("--user", required=True, help="account name (its role decides what the token may do)")
    sub.add_parser("list", help="list the stored tokens (id, user, created; never the token)")
    revoke = sub.add_parser("revoke", help="remove a token by its id")
    revoke.add_argument("token_id", help="the id `token list` shows")


def cmd_token(args: argparse.Namespace) -> int:
    try:
        if args.token_command == "create":
            token, info = tokens.create(args.user)
            print(token)
            print(f"token {info.token_id} for {info.user} stored as a hash in the config file; "
                  "it is shown only this once", file=sys.stderr)
        elif args.token_command == "list":
            rows = tokens.listing()
            if not rows:
                print("(no tokens)")
            for t in rows:
                print(f"{t.token_id}  {t.user}  {t.created}")
        else:
            info = tokens.revoke(args.token_id)
            print(f"revoked token {info.token_id} of {info.user}")
    except tokens.TokenError as exc:
        raise ClientError(str(exc)) from None
    return 0


# --- feed ----------------------------------------------------------------------------------------


def feed_parser(p: argparse.ArgumentParser) -> None:
    server_args(p)
    p.add_argument("--rate", type=float, default=1.0, help="speed: 1 = the county's daily rhythm (default), 60 = an hour a minute")
    p.add_argument("--every", type=float, default=15.0, help="seconds between two ticks (default 15)")
    p.add_argument("--ticks", type=int, default=0, help="stop after this many ticks (default: run until Ctrl-C)")


def cmd_feed(args: argparse.Namespace) -> int:
    """Drive the demo feed of a running server through its API, one tick every --every seconds."""
    found = target(args)
    if found is None:
        raise ClientError(f"feed needs --server URL --token T (or ${ENV_SERVER}/${ENV_TOKEN})")
    server, token = found
    n = 0
    last = time.monotonic()
    while True:
        minutes = (time.monotonic() - last) / 60 if n else args.every / 60
        last = time.monotonic()
        query = urllib.parse.urlencode({"rate": args.rate, "minutes": f"{minutes:.4f}"})
        status, body = call("POST", f"{server}/api/v1/feed?{query}", token)
        if status != 200:
            raise _fail(status, body)
        tick = json.loads(body)
        print(f"new {tick['new']}, responded {tick['responded']}, closed {tick['closed']}, "
              f"called back {tick['called_back']}", flush=True)
        n += 1
        if args.ticks and n >= args.ticks:
            return 0
        time.sleep(args.every)  # the pace of the feed itself, not a wait for a condition
