"""The login gate's rules: hashed passwords, configured users or demo accounts, kiosk token."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridboard.core import auth


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty config file that GRIDBOARD_CONFIG points at (tests add to it)."""
    path = tmp_path / "gridboard.toml"
    path.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(path))
    return path


FAST = 1_000  # iterations for hashes made in tests (the default is slow on purpose)


def test_hash_round_trip_and_salt():
    h1 = auth.hash_password("秘密-pw", iterations=FAST)
    h2 = auth.hash_password("秘密-pw", iterations=FAST)
    assert h1.startswith("pbkdf2_sha256$1000$")
    assert h1 != h2  # random salt
    assert auth.verify_password("秘密-pw", h1)
    assert not auth.verify_password("秘密-PW", h1)
    assert not auth.verify_password("", h1)


def test_default_hash_uses_many_iterations():
    assert auth.hash_password("x", salt=b"0" * 16).split("$")[1] == str(auth.ITERATIONS)
    assert auth.ITERATIONS >= 600_000


@pytest.mark.parametrize("bad", ["", "plain", "md5$1$x$y", "pbkdf2_sha256$x$y$z", "pbkdf2_sha256$10$!!$!!"])
def test_malformed_hash_never_matches(bad):
    assert auth.verify_password("anything", bad) is False


def test_demo_accounts_when_none_configured(cfg):
    assert auth.using_demo_accounts()
    accounts = auth.load_accounts()
    assert {n: a.role for n, a in accounts.items()} == {
        "admin": "admin", "leader": "leader", "staff": "staff", "analyst": "analyst",
    }
    user = auth.authenticate("leader", auth.DEMO_PASSWORD)
    assert user == auth.User("leader", "leader")
    assert user.label() == "leader（县领导）"
    assert auth.authenticate("leader", "wrong") is None
    assert auth.authenticate("nobody", auth.DEMO_PASSWORD) is None


def test_configured_users_replace_demo_accounts(cfg):
    cfg.write_text(
        '[users.zhangsan]\nrole = "analyst"\ndisplay_name = "张三"\n'
        f'password_hash = "{auth.hash_password("s3cret", iterations=FAST)}"\n',
        encoding="utf-8",
    )
    assert not auth.using_demo_accounts()
    assert auth.authenticate("admin", auth.DEMO_PASSWORD) is None  # demo accounts are gone
    user = auth.authenticate(" zhangsan ", "s3cret")
    assert user == auth.User("zhangsan", "analyst", "张三")
    assert user.label("en") == "张三 (Analyst)"


@pytest.mark.parametrize(
    ("entry", "message"),
    [('role = "boss"\npassword_hash = "pbkdf2_sha256$1$a$b"', "role 'boss'"),
     ('role = "staff"', "password_hash missing")],
)
def test_bad_user_entries_are_reported(cfg, entry, message):
    cfg.write_text(f"[users.li]\n{entry}\n", encoding="utf-8")
    with pytest.raises(auth.AuthConfigError, match=message):
        auth.load_accounts()


def test_kiosk_token(cfg):
    assert auth.kiosk_login("anything") is None  # no token configured: kiosk login off
    cfg.write_text('kiosk_token = "wall-7f3a9c"\n', encoding="utf-8")
    assert auth.kiosk_token() == "wall-7f3a9c"
    assert auth.kiosk_login("wall-7f3a9c") == auth.User("wall", "wall", "大屏")
    assert auth.kiosk_login("wall-7f3a9") is None
    assert auth.kiosk_login("") is None
    assert auth.kiosk_login(None) is None


@pytest.mark.parametrize(("value", "off"), [("off", True), ("OFF", True), ("0", True), ("on", False), ("", False)])
def test_auth_switch(monkeypatch, value, off):
    monkeypatch.setenv("GRIDBOARD_AUTH", value)
    assert auth.auth_disabled() is off


def test_every_role_has_labels():
    assert set(auth.ROLE_LABELS) == set(auth.ROLES)
    assert set(auth.DESK_ROLES) < set(auth.ROLES)


def test_hash_command_prints_a_users_entry(monkeypatch, capsys):
    answers = iter(["pw-1", "pw-1"])
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt="": next(answers))
    assert auth.main(["wangwu", "staff"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('[users.wangwu]\nrole = "staff"\npassword_hash = "pbkdf2_sha256$')
    assert auth.verify_password("pw-1", out.split('password_hash = "')[1].split('"')[0])
