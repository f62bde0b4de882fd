"""Users, roles and passwords: who may log in and which role they get. No streamlit here.

Users live in the config file (gridboard.toml, or the file named by GRIDBOARD_CONFIG):

    [users.zhangsan]
    role = "leader"                  # admin, leader, staff, analyst or wall
    display_name = "张三"             # optional
    disabled = true                  # optional: the account cannot log in; its sessions end
    password_hash = "pbkdf2_sha256$600000$...$..."   # python -m gridboard.auth

Passwords are stored only as salted PBKDF2-SHA256 hashes and compared in constant time.
When the file names no users, the built-in DEMO accounts admin, leader, staff and analyst
(password "gridboard") apply: they are for the demo county only and must be replaced by
[users.*] entries before real data goes in. A wall-screen kiosk without a keyboard logs in
as role "wall" with `?kiosk=TOKEN`, TOKEN being the `kiosk_token` setting (kiosk login is
off while it is empty). GRIDBOARD_AUTH=off turns the login gate off (role admin) for local
development and page tests.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridboard.core import config

ROLES: tuple[str, ...] = ("admin", "leader", "staff", "analyst", "wall")
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "admin": ("管理员", "Administrator"),
    "leader": ("县领导", "County leader"),
    "staff": ("指挥中心值班员", "Command-centre staff"),
    "analyst": ("分析员", "Analyst"),
    "wall": ("大屏", "Wall screen"),
}
# Roles of people at a desk (everyone but the kiosk).
DESK_ROLES: tuple[str, ...] = ("admin", "leader", "staff", "analyst")

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000
DEMO_PASSWORD = "gridboard"  # demo-only: documented, replaced by [users.*] in real use

# Built-in demo accounts (password DEMO_PASSWORD), used only when no [users.*] are configured.
_DEMO_HASHES: dict[str, tuple[str, str]] = {
    "admin": ("admin", "pbkdf2_sha256$600000$u8IDaG5VpdDktoHA1ap+Aw==$ZgKLsyY/EqG/iKVr/7eVLUcFhjlpDSCg1ziZeHppG44="),
    "leader": ("leader", "pbkdf2_sha256$600000$VzzK1ZTbXpM+wz15HRsDTA==$kzV2jd/8kcXVzzfrazSliKRPJdM7Rkxnz01PqgOib+M="),
    "staff": ("staff", "pbkdf2_sha256$600000$vLiwZVsd3SddJd6/gJlQLA==$iq/drJ8HlEU/yYA/Vy8GixkzZhagyMELq9M/xgvB9ng="),
    "analyst": (
        "analyst", "pbkdf2_sha256$600000$KKHVm3ar3RCeM9c/ZzACVw==$ou8mQjOzDbyErDzaW+66+2FinCCqv1PlXZhmK9wAlxI="
    ),
}
# Verified against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _DEMO_HASHES["admin"][1]


class AuthConfigError(ValueError):
    """The [users.*] section of the config file is not usable (unknown role, missing hash)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    display_name: str = ""

    def label(self, lang: str = "zh") -> str:
        """"张三（县领导）" / "zhangsan (County leader)"."""
        zh, en = ROLE_LABELS.get(self.role, (self.role, self.role))
        who = self.display_name or self.name
        return f"{who}（{zh}）" if lang != "en" else f"{who} ({en})"


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str
    display_name: str = ""


# --- passwords -----------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """Encode a password as "pbkdf2_sha256$ITERATIONS$SALT$HASH" (base64), with a random salt."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches the encoded hash (constant-time compare); False if malformed."""
    try:
        algorithm, iterations, salt, expected = encoded.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations)
        )
        return hmac.compare_digest(digest, base64.b64decode(expected))
    except (ValueError, TypeError):
        return False


# --- configuration -------------------------------------------------------------------------------


def _raw_config(path: Path | None = None) -> dict[str, Any]:
    path = path or config.config_path()
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_accounts(path: Path | None = None) -> dict[str, Account]:
    """Configured accounts by name, without those with `disabled = true` (a disabled account cannot
    log in, and its session cookies stop verifying at the next run); the demo accounts when the file
    configures none (all of them disabled is not none: then nobody logs in)."""
    section = _raw_config(path).get("users") or {}
    if not section:
        return {name: Account(name, role, h) for name, (role, h) in _DEMO_HASHES.items()}
    accounts = {}
    for name, entry in section.items():
        role = str(entry.get("role", ""))
        if role not in ROLES:
            raise AuthConfigError(f"user {name!r}: role {role!r} is not one of {', '.join(ROLES)}")
        password_hash = str(entry.get("password_hash", ""))
        if not password_hash.startswith(ALGORITHM + "$"):
            raise AuthConfigError(f"user {name!r}: password_hash missing (make one: python -m gridboard.auth)")
        if entry.get("disabled") is True:
            continue
        accounts[name] = Account(name, role, password_hash, str(entry.get("display_name", "")))
    return accounts


def using_demo_accounts(path: Path | None = None) -> bool:
    """True when no [users.*] are configured and the demo accounts are in force."""
    return not (_raw_config(path).get("users") or {})


def kiosk_token(path: Path | None = None) -> str:
    """The configured kiosk token ("" = kiosk login off): setting `kiosk_token`."""
    values = config.load(path).values
    token = values.get("kiosk_token")
    if token is None:  # not (yet) a declared setting: read the file itself
        token = _raw_config(path).get("kiosk_token", "")
    return str(token or "")


def auth_disabled() -> bool:
    """GRIDBOARD_AUTH=off: no login gate, everyone is admin (local development, page tests)."""
    return os.environ.get("GRIDBOARD_AUTH", "").strip().lower() in {"off", "0", "false", "no"}


# --- logging in ----------------------------------------------------------------------------------


def authenticate(name: str, password: str, accounts: dict[str, Account] | None = None) -> User | None:
    """The user when name and password match an account, else None (same cost either way)."""
    accounts = load_accounts() if accounts is None else accounts
    account = accounts.get(name.strip())
    if account is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, account.password_hash):
        return None
    return User(account.name, account.role, account.display_name)


def kiosk_login(token: str | None, path: Path | None = None) -> User | None:
    """The wall user when `token` equals the configured kiosk token, else None."""
    expected = kiosk_token(path)
    if not expected or not token:
        return None
    if not hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
        return None
    return User("wall", "wall", "大屏")


def dev_user() -> User:
    """The user when the gate is off (GRIDBOARD_AUTH=off)."""
    return User("dev", "admin", "开发")


def main(argv: list[str] | None = None) -> int:
    """`python -m gridboard.auth [NAME ROLE]`: ask for a password, print a [users.NAME] entry."""
    args = sys.argv[1:] if argv is None else argv
    name = args[0] if args else "NAME"
    role = args[1] if len(args) > 1 else "leader"
    if role not in ROLES:
        print(f"error: role must be one of {', '.join(ROLES)}", file=sys.stderr)
        return 2
    password = getpass.getpass("password: ")
    if not password or password != getpass.getpass("again: "):
        print("error: empty password or the two differ", file=sys.stderr)
        return 2
    print(f'[users.{name}]\nrole = "{role}"\npassword_hash = "{hash_password(password)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
