"""`python -m gridboard user add --name N --role R`: add an account to the config file's
[users.*] (the first admin of a real deployment). The password is read from stdin when it is
not a terminal (one line), else asked twice without echo; only its PBKDF2 hash is written.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from pathlib import Path

from gridboard.core import auth, config

NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MIN_PASSWORD = 8


class UserError(ValueError):
    """A user command that cannot be done (bad name, role, password, or the name exists)."""


def add(name: str, role: str, password: str, *, display_name: str = "", path: Path | None = None) -> Path:
    """Append [users.NAME] to the config file (created when missing); the file's path."""
    path = path or config.config_path()
    if not NAME.fullmatch(name):
        raise UserError("name: 1-64 letters, digits, '_', '.' or '-'")
    if role not in auth.ROLES:
        raise UserError(f"role must be one of {', '.join(auth.ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    configured = (auth._raw_config(path).get("users") or {}) if path.exists() else {}  # noqa: SLF001
    if name in configured:
        raise UserError(f"user {name!r} exists in {path}")
    entry = f'\n[users.{name}]\nrole = "{role}"\n'
    if display_name:
        entry += 'display_name = "' + display_name.replace("\\", "\\\\").replace('"', '\\"') + '"\n'
    entry += f'password_hash = "{auth.hash_password(password)}"\n'
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(entry)
    return path


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise UserError("the two passwords differ")
    return first


def user_parser(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    a = sub.add_parser("add", help="add an account (password from stdin or asked twice)")
    a.add_argument("--name", required=True, help="user name to sign in with")
    a.add_argument("--role", required=True, choices=auth.ROLES, help="role of the account")
    a.add_argument("--display-name", dest="display_name", default="", help="name shown on screen")
    a.add_argument("--config", type=Path, default=None, help="config file (default: gridboard.toml / $GRIDBOARD_CONFIG)")


def cmd_user(args: argparse.Namespace) -> int:
    try:
        path = add(args.name, args.role, read_password(), display_name=args.display_name, path=args.config)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"added user {args.name} ({args.role}) to {path}")
    return 0


COMMAND = ("user", "accounts in the config file: add (the first admin: --role admin)", user_parser, cmd_user)
