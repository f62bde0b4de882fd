"""The login form's access rules through AppTest (app.py, the gate on): demo accounts only on the
demo county (else the login is closed and says how to make the first admin), the demo banner,
the throttle's Chinese message; and `python -m gridboard user add`."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from app_support import app_test
from browser_support import ROOT
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from gridboard import cli
from gridboard.core import auth, throttle

APP = str(ROOT / "app.py")
TIMEOUT = 120


@pytest.fixture
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_SESSION_KEY", str(tmp_path / "session.key"))
    monkeypatch.delenv("GRIDBOARD_AUTH", raising=False)
    monkeypatch.setattr(throttle, "THROTTLE", throttle.Throttle())  # this test's own counts
    return cfg


def started() -> AppTest:
    at = app_test(APP, TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def test_no_accounts_on_real_data_closes_the_login(gate, empty_db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOARD_DB", str(copy_db(empty_db_file, tmp_path, "real.duckdb")))
    at = started()
    assert not at.text_input, "no login form"
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("登录已关闭") and "python -m gridboard user add --name 用户名 --role admin" in message
    assert not at.warning and not at.metric


def test_demo_county_shows_the_demo_banner(gate, small_db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOARD_DB", str(copy_db(small_db_file, tmp_path, "demo.duckdb")))
    at = started()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert len(at.warning) == 1 and "演示账号" in at.warning[0].value and "gridboard" in at.warning[0].value
    at.text_input(key="login_name").input("leader")
    at.text_input(key="login_password").input(auth.DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.error and len(at.metric) == 12


def test_configured_accounts_open_real_data_without_banner(gate, empty_db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOARD_DB", str(copy_db(empty_db_file, tmp_path, "real.duckdb")))
    gate.write_text(f'[users.boss]\nrole = "admin"\npassword_hash = "{auth.hash_password("s3cret-pw", iterations=1000)}"\n',
                    encoding="utf-8")
    at = started()
    assert [t.label for t in at.text_input] == ["用户名", "密码"] and not at.warning and not at.error
    # the demo password does not open it
    at.text_input(key="login_name").input("admin")
    at.text_input(key="login_password").input(auth.DEMO_PASSWORD)
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码错误，请重新输入。"]


def test_throttle_message_after_repeated_failures(gate, small_db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOARD_DB", str(copy_db(small_db_file, tmp_path, "demo.duckdb")))
    at = started()
    at.text_input(key="login_name").input("leader")
    messages = []
    for _ in range(throttle.FREE_FAILURES + 1):
        at.text_input(key="login_password").input("wrong")
        at.button[0].click().run()
        messages.append(at.error[0].value)
    assert messages[:2] == ["用户名或密码错误，请重新输入。"] * 2
    # the 3rd failure starts a 2 s delay; the 4th attempt is refused inside it (or, on a slow
    # machine past it, fails and starts 4 s): either way the Chinese wait message, no data
    assert messages[2] == "登录失败次数过多，请 2 秒后再试。"
    assert re.fullmatch(r"登录失败次数过多，请 [1-4] 秒后再试。", messages[3])
    assert not at.metric


def _user_add(cfg: Path, *args: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRIDBOARD_CONFIG": str(cfg)}
    return subprocess.run([sys.executable, "-m", "gridboard", "user", "add", *args], cwd=ROOT, env=env,
                          input=password + "\n", capture_output=True, text=True, timeout=120)


def _user_add_here(cfg: Path, monkeypatch: pytest.MonkeyPatch, *args: str, password: str) -> tuple[int, str]:
    """`gridboard user add` in this process (gridboard.cli.main, the password on stdin): the exit
    code and stderr. test_cli_user_add runs the real process for one success and one refusal."""
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["user", "add", *args])
        except SystemExit as exc:  # argparse's refusal of a bad choice
            code = int(exc.code or 0)
    return code, err.getvalue()


def test_cli_user_add(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text('kiosk_token = "k"\n', encoding="utf-8")
    done = _user_add(cfg, "--name", "boss", "--role", "admin", "--display-name", '县"中心"', password="long-enough-1")
    assert done.returncode == 0, done.stderr
    assert "added user boss (admin)" in done.stdout and "long-enough-1" not in cfg.read_text(encoding="utf-8")
    accounts = auth.load_accounts(cfg)
    assert list(accounts) == ["boss"] and accounts["boss"].display_name == '县"中心"'
    assert auth.authenticate("boss", "long-enough-1", accounts) == auth.User("boss", "admin", '县"中心"')
    assert not auth.using_demo_accounts(cfg)
    before = cfg.read_bytes()
    # a refusal through the real process: exit code 2, one line on stderr, no traceback
    done = _user_add(cfg, "--name", "lead", "--role", "leader", password="short")
    assert done.returncode == 2 and "at least 8" in done.stderr and "Traceback" not in done.stderr
    for args, password, reason in (  # the other refusals in-process (same main, same exit code)
        (("--name", "boss", "--role", "leader"), "long-enough-2", "exists"),
        (("--name", "a]b", "--role", "leader"), "long-enough-2", "name:"),
    ):
        code, err = _user_add_here(cfg, monkeypatch, *args, password=password)
        assert code == 2 and reason in err and "Traceback" not in err, (args, err)
    assert _user_add_here(cfg, monkeypatch, "--name", "x", "--role", "root", password="long-enough-2")[0] == 2
    assert cfg.read_bytes() == before
