"""An account that is disabled (`disabled = true`), removed or given another role loses its running
session at its next rerun: AppTest sessions of app.py signed in through the real login form, the
real config file edited under them (what an admin does), and the session cookie checked too."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import app_test
from browser_support import ROOT
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.core import auth, sessions, throttle

APP = str(ROOT / "app.py")
PASSWORD = "s3cret-pw"


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_db_file: Path) -> Path:
    h = auth.hash_password(PASSWORD, iterations=1000)
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text(f'[users.boss]\nrole = "admin"\npassword_hash = "{h}"\n\n'
                   f'[users.ana]\nrole = "analyst"\npassword_hash = "{h}"\n\n'
                   f'[users.lead]\nrole = "leader"\npassword_hash = "{h}"\n', encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_DB", str(copy_db(small_db_file, tmp_path, "county.duckdb")))
    monkeypatch.setenv("GRIDBOARD_SESSION_KEY", str(tmp_path / "session.key"))
    monkeypatch.delenv("GRIDBOARD_AUTH", raising=False)
    monkeypatch.setattr(throttle, "THROTTLE", throttle.Throttle())
    return cfg


def signed_in(name: str) -> AppTest:
    at = app_test(APP, 120)
    at.run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state[ui.USER_KEY].name == name
    return at


def login_form(at: AppTest) -> bool:
    return [t.label for t in at.text_input][:2] == ["用户名", "密码"]


def edit(cfg: Path, old: str, new: str) -> None:
    text = cfg.read_text(encoding="utf-8")
    assert old in text
    cfg.write_text(text.replace(old, new), encoding="utf-8")


def test_disabling_removing_or_changing_the_role_ends_running_sessions(accounts: Path) -> None:
    ana, lead, boss = signed_in("ana"), signed_in("lead"), signed_in("boss")
    cookies = {name: at.session_state[ui.COOKIE_KEY] for name, at in (("ana", ana), ("lead", lead), ("boss", boss))}
    for at in (ana, lead, boss):
        assert not login_form(at)

    edit(accounts, '[users.ana]\nrole = "analyst"\n', '[users.ana]\nrole = "analyst"\ndisabled = true\n')
    edit(accounts, '[users.lead]\nrole = "leader"\n', '[users.lead]\nrole = "staff"\n')
    for at in (ana, lead, boss):
        at.run()
        assert not at.exception
    assert login_form(ana) and ui.USER_KEY not in ana.session_state  # disabled: back at the login form
    assert login_form(lead) and ui.USER_KEY not in lead.session_state  # role changed
    assert not login_form(boss) and boss.session_state[ui.USER_KEY].name == "boss"  # untouched
    assert sessions.verify(cookies["ana"]) is None and sessions.verify(cookies["lead"]) is None
    assert sessions.verify(cookies["boss"]) == auth.User("boss", "admin")

    # the disabled account cannot log in again; removing boss ends that session as well
    ana.text_input(key="login_name").input("ana")
    ana.text_input(key="login_password").input(PASSWORD)
    ana.button[0].click().run()
    assert login_form(ana) and [e.value for e in ana.error] == ["用户名或密码错误，请重新输入。"]
    edit(accounts, "[users.boss]", "[users.chief]")
    boss.run()
    assert login_form(boss) and ui.USER_KEY not in boss.session_state


def test_disabled_accounts_are_left_out_and_all_disabled_is_not_the_demo(tmp_path: Path) -> None:
    cfg = tmp_path / "gridboard.toml"
    h = auth.hash_password(PASSWORD, iterations=1000)
    cfg.write_text(f'[users.ana]\nrole = "analyst"\npassword_hash = "{h}"\ndisabled = true\n', encoding="utf-8")
    assert auth.load_accounts(cfg) == {}
    assert not auth.using_demo_accounts(cfg)
    assert auth.authenticate("ana", PASSWORD, auth.load_accounts(cfg)) is None
    assert auth.authenticate("admin", auth.DEMO_PASSWORD, auth.load_accounts(cfg)) is None
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("disabled = true", "disabled = false"), encoding="utf-8")
    assert auth.authenticate("ana", PASSWORD, auth.load_accounts(cfg)) == auth.User("ana", "analyst")
