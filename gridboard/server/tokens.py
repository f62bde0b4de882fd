"""API tokens: created once, stored only as a SHA-256 hash in the config file, checked per request.

A token is ``gb_<id>_<secret>`` (id: 8 hex digits, secret: 43 URL-safe characters from
`secrets`). The config file (gridboard.toml or GRIDBOARD_CONFIG) keeps one table per token::

    [api_tokens.1a2b3c4d]
    user = "analyst"
    sha256 = "…"                       # sha256 of the whole token, hex
    created = "2026-11-28T17:30:00"

The secret is printed once by `python -m gridboard token create --user NAME` and never stored.
A token authenticates as its account, with the account's current role: it is refused when the
account no longer exists or has ``disabled = true`` in its [users.NAME] table. Editing keeps every
other line of the config file as it was (append a table; revoke removes exactly that table).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridboard.core import auth, config, textfile

SECTION = "api_tokens"
_LOCK = threading.Lock()
_TOKEN = re.compile(r"^gb_([0-9a-f]{8})_[A-Za-z0-9_\-]{20,}$")
_HEADER = re.compile(r"^\s*\[")


class TokenError(ValueError):
    """A token cannot be created or revoked (unknown or disabled user, unknown id); English text."""


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    user: str
    created: str


def _path(path: Path | None) -> Path:
    return path or config.config_path()


def _raw(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _disabled(raw: dict[str, Any], user: str) -> bool:
    entry = (raw.get("users") or {}).get(user) or {}
    return bool(entry.get("disabled", False))


def account(user: str, path: Path | None = None) -> auth.User | None:
    """The enabled account `user` as a User (role included), or None when unknown or disabled."""
    path = _path(path)
    accounts = auth.load_accounts(path)
    acc = accounts.get(user)
    if acc is None or _disabled(_raw(path), user):
        return None
    return auth.User(acc.name, acc.role, acc.display_name)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(user: str, path: Path | None = None, *, now: dt.datetime | None = None) -> tuple[str, TokenInfo]:
    """A new token for `user` (printed once by the caller) and what is stored about it."""
    path = _path(path)
    if account(user, path) is None:
        raise TokenError(f"no enabled account named {user!r} (see [users.*] in {path})")
    token, token_id, created = mint(SECTION, {"user": user}, path, now=now)
    return token, TokenInfo(token_id, user, created)


def mint(section: str, fields: dict[str, str], path: Path | None = None, *, now: dt.datetime | None = None
         ) -> tuple[str, str, str]:
    """A new ``gb_<id>_<secret>`` token stored only as its hash in a [section.<id>] table of the
    config file, with `fields` (strings) and `created`; returns (token, id, created). Also used for
    the wall's kiosk tokens (gridboard.server.kiosk)."""
    path = _path(path)
    with _LOCK:
        raw = _raw(path)
        taken = set((raw.get(section) or {}).keys())
        token_id = secrets.token_hex(4)
        while token_id in taken:
            token_id = secrets.token_hex(4)
        token = f"gb_{token_id}_{secrets.token_urlsafe(32)}"
        created = (now or config.load(path).now()).isoformat(timespec="seconds")
        text = textfile.read_text(path)
        if text and not text.endswith("\n"):
            text += "\n"
        lines = "".join(f"{k} = {json.dumps(str(v), ensure_ascii=False)}\n" for k, v in fields.items())
        text += f'\n[{section}.{token_id}]\n{lines}sha256 = "{digest(token)}"\ncreated = "{created}"\n'
        _check_toml(text)
        textfile.write_atomic(path, text)
    return token, token_id, created


def _check_toml(text: str) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TokenError(f"the config file would not be valid TOML ({exc}); nothing changed") from None


def listing(path: Path | None = None, *, section: str = SECTION, who: str = "user") -> list[TokenInfo]:
    """Every stored token (id, its `who` field, created): never the token itself."""
    found = _raw(_path(path)).get(section) or {}
    return [TokenInfo(k, str(v.get(who, "")), str(v.get("created", ""))) for k, v in sorted(found.items())]


def revoke(token_id: str, path: Path | None = None, *, section: str = SECTION, who: str = "user",
           command: str = "token") -> TokenInfo:
    """Remove the token `token_id` (the 8 hex digits `token list` shows) from the config file."""
    path = _path(path)
    with _LOCK:
        found = {t.token_id: t for t in listing(path, section=section, who=who)}
        if token_id not in found:
            raise TokenError(f"no token with id {token_id!r} (see: python -m gridboard {command} list)")
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = re.compile(rf"^\s*\[\s*{section}\s*\.\s*\"?{re.escape(token_id)}\"?\s*\]")
        out, skipping = [], False
        for line in lines:
            if _HEADER.match(line):
                skipping = bool(header.match(line))
            if not skipping:
                out.append(line)
        text = "".join(out)
        _check_toml(text)
        if token_id in (tomllib.loads(text).get(section) or {}):
            raise TokenError(f"token {token_id} is not a plain [{section}.{token_id}] table; remove it by hand")
        textfile.write_atomic(path, text)
    return found[token_id]


def entry(token: str | None, path: Path | None = None, *, section: str = SECTION) -> dict[str, Any] | None:
    """The stored [section.<id>] table whose hash the presented token matches, or None."""
    if not token:
        return None
    m = _TOKEN.match(token.strip())
    if m is None:
        return None
    found = (_raw(_path(path)).get(section) or {}).get(m.group(1))
    if not isinstance(found, dict):
        return None
    if not hmac.compare_digest(str(found.get("sha256", "")), digest(token.strip())):
        return None
    return found


def verify(token: str | None, path: Path | None = None) -> auth.User | None:
    """The account a presented token authenticates (current role), or None."""
    path = _path(path)
    found = entry(token, path)
    return None if found is None else account(str(found.get("user", "")), path)
