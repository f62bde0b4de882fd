"""Kiosk tokens of the wall screen: an admin creates one per wall (`python -m gridboard kiosk create
--name 大厅主屏`), the wall boots straight to ``/bigscreen?kiosk=TOKEN`` and signs in as role
"wall", and the URL keeps working across server restarts because the token lives in the config file.

Stored exactly like the API tokens (gridboard.server.tokens, whose code this reuses): only the
SHA-256 of the token, in a table per token::

    [kiosk_tokens.1a2b3c4d]
    name = "大厅主屏"
    sha256 = "…"
    created = "2026-11-28T18:40:00"

The token is printed once and never stored. `revoke` removes exactly that table; a revoked URL
falls back to the login form. The older plain `kiosk_token` setting (core.auth) still works.
Errors are one English line (ClientError: exit 2), never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from gridboard.core import auth
from gridboard.server import tokens
from gridboard.server.client import ClientError

SECTION = "kiosk_tokens"
NAME_MAX = 40
WALL_PATH = "/bigscreen"


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX or any(ord(ch) < 32 for ch in name):
        raise tokens.TokenError(f"the kiosk name must be 1–{NAME_MAX} printable characters (e.g. 大厅主屏)")
    return name


def create(name: str, path: Path | None = None, *, now: dt.datetime | None = None) -> tuple[str, tokens.TokenInfo]:
    """A new kiosk token for the wall called `name` (printed once by the caller) and what is stored."""
    name = _check_name(name)
    token, token_id, created = tokens.mint(SECTION, {"name": name}, path, now=now)
    return token, tokens.TokenInfo(token_id, name, created)


def listing(path: Path | None = None) -> list[tokens.TokenInfo]:
    """Every kiosk token (id, wall name, created): never the token itself."""
    return tokens.listing(path, section=SECTION, who="name")


def revoke(token_id: str, path: Path | None = None) -> tokens.TokenInfo:
    """Remove kiosk token `token_id` (the id `kiosk list` shows) from the config file."""
    return tokens.revoke(token_id, path, section=SECTION, who="name", command="kiosk")


def login(token: str | None, path: Path | None = None) -> auth.User | None:
    """The wall user for a stored kiosk token (or the plain `kiosk_token` setting), else None."""
    found = tokens.entry(token, path, section=SECTION)
    if found is not None:
        return auth.User("wall", "wall", str(found.get("name") or "大屏"))
    return auth.kiosk_login(token, path)


def wall_url(token: str, base: str = "") -> str:
    """The kiosk URL of the wall: base (e.g. http://10.0.0.5:8501) + /bigscreen?kiosk=TOKEN."""
    return f"{base.rstrip('/')}{WALL_PATH}?kiosk={token}"


# --- command line --------------------------------------------------------------------------------


def setup(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="kiosk_command", required=True)
    make = sub.add_parser("create", help="make a kiosk token for a wall and print its URL once")
    make.add_argument("--name", required=True, help="which wall, e.g. 大厅主屏 (shown in `kiosk list`)")
    make.add_argument("--base", default="", help="server address to print a full URL, e.g. http://10.0.0.5:8501")
    sub.add_parser("list", help="list the kiosk tokens (id, name, created; never the token)")
    drop = sub.add_parser("revoke", help="remove a kiosk token by its id: that wall falls back to the login form")
    drop.add_argument("token_id", help="the id `kiosk list` shows")


def run(args: argparse.Namespace) -> int:
    try:
        if args.kiosk_command == "create":
            token, info = create(args.name)
            print(wall_url(token, args.base))
            print(f"kiosk token {info.token_id} for {info.user!r} stored as a hash in the config file; "
                  "the URL is shown only this once", file=sys.stderr)
        elif args.kiosk_command == "list":
            rows = listing()
            if not rows:
                print("(no kiosk tokens)")
            for t in rows:
                print(f"{t.token_id}  {t.user}  {t.created}")
        else:
            info = revoke(args.token_id)
            print(f"revoked kiosk token {info.token_id} of {info.user!r}")
    except tokens.TokenError as exc:
        raise ClientError(str(exc)) from None
    except OSError as exc:
        raise ClientError(f"cannot write the config file: {exc}") from None
    return 0


COMMAND = ("kiosk", "wall-screen kiosk tokens: create (URL printed once), list, revoke", setup, run)
