"""Login sessions that survive a reload: the signed session cookie, its signing key and the
one-time tickets that turn a login (done server-side in a Streamlit run) into a cookie. No streamlit.

The cookie value is "NAME|ROLE|EXPIRES|NONCE|SIGNATURE" (HMAC-SHA256 over the rest, key in
data/session.key or $GRIDBOARD_SESSION_KEY, generated on first use with mode 0600, never in the
repository). It holds only while the account still exists with the same role, it has not
expired and it was not logged out (revoked nonces are kept in this process). The browser gets it
from GET /auth/session?ticket=T (gridboard.server.guard), T being a ticket this module issued at
login: single use, valid for TICKET_SECONDS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

from gridboard.core import auth, config

COOKIE_NAME = "gridboard_session"
COOKIE_SECONDS = 8 * 3600  # one working day
TICKET_SECONDS = 120
_lock = threading.Lock()
_tickets: dict[str, tuple[str, float]] = {}  # ticket -> (cookie value, expires)
_revoked: set[str] = set()  # nonces of logged-out cookies
_key_cache: dict[Path, bytes] = {}


def key_path() -> Path:
    env = os.environ.get("GRIDBOARD_SESSION_KEY")
    return Path(env) if env else config.PROJECT_ROOT / "data" / "session.key"


def signing_key() -> bytes:
    """The secret signing key: read from key_path(), created there (0600) on first use."""
    path = key_path()
    with _lock:
        if path in _key_cache:
            return _key_cache[path]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(base64.b64encode(os.urandom(32)).decode("ascii"))
        key = base64.b64decode(path.read_text(encoding="ascii").strip())
        if len(key) < 32:
            raise ValueError(f"session key {path} is too short: delete it to make a new one")
        _key_cache[path] = key
        return key


def _sign(payload: str) -> str:
    return hmac.new(signing_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def issue(user: auth.User, *, now: float | None = None) -> str:
    """A signed cookie value for `user`, expiring COOKIE_SECONDS from now."""
    now = time.time() if now is None else now
    payload = f"{user.name}|{user.role}|{int(now) + COOKIE_SECONDS}|{secrets.token_hex(8)}"
    return f"{payload}|{_sign(payload)}"


def verify(value: str | None, *, now: float | None = None) -> auth.User | None:
    """The user a cookie value stands for, or None (forged, expired, revoked, account gone or role changed)."""
    if not value:
        return None
    parts = value.split("|")
    if len(parts) != 5:
        return None
    name, role, expires, nonce, signature = parts
    if not hmac.compare_digest(signature, _sign("|".join(parts[:4]))):
        return None
    now = time.time() if now is None else now
    if not expires.isdigit() or int(expires) <= now:
        return None
    with _lock:
        if nonce in _revoked:
            return None
    try:
        account = auth.load_accounts().get(name)
    except auth.AuthConfigError:
        return None
    if account is None or account.role != role:
        return None
    return auth.User(account.name, account.role, account.display_name)


def revoke(value: str | None) -> None:
    """Log a cookie out in this process (it no longer verifies, even if the browser kept it)."""
    parts = (value or "").split("|")
    if len(parts) == 5:
        with _lock:
            _revoked.add(parts[3])


def issue_ticket(value: str) -> str:
    """A one-time ticket the browser exchanges for the session cookie `value` (from issue())."""
    ticket = secrets.token_urlsafe(24)
    with _lock:
        now = time.time()
        for old in [t for t, (_, exp) in _tickets.items() if exp <= now]:
            del _tickets[old]
        _tickets[ticket] = (value, now + TICKET_SECONDS)
    return ticket


def redeem(ticket: str | None) -> str | None:
    """The cookie value of a valid, unused ticket (used up now), else None."""
    with _lock:
        entry = _tickets.pop(ticket or "", None)
    if entry is None or entry[1] <= time.time():
        return None
    return entry[0]


def ticket_pending(ticket: str) -> bool:
    """True while `ticket` is issued, unused and unexpired."""
    with _lock:
        entry = _tickets.get(ticket)
    return entry is not None and entry[1] > time.time()
