"""Kiosk tokens of the wall screen through the real command line and a real config file: created
once (URL printed, only the hash stored beside the API tokens, which stay as they were), listed
without the secret, accepted by the wall's login, revoked; bad input is one English line, exit 2,
and leaves the file alone."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest

from gridboard import cli
from gridboard.core import auth
from gridboard.server import kiosk, tokens

CONFIG = """# gridboard settings
stale_after_minutes = 45

[users.ana]
role = "analyst"
password_hash = "pbkdf2_sha256$600000$KKHVm3ar3RCeM9c/ZzACVw==$ou8mQjOzDbyErDzaW+66+2FinCCqv1PlXZhmK9wAlxI="
"""


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "gridboard.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["kiosk", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_list_login_revoke(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api_token = tokens.create("ana", cfg)[0]
    code, out, err = run(capsys, "create", "--name", "大厅主屏", "--base", "http://10.0.0.5:8501/")
    assert code == 0, err
    url = out.strip()
    m = re.fullmatch(r"http://10\.0\.0\.5:8501/bigscreen\?kiosk=(gb_([0-9a-f]{8})_[A-Za-z0-9_\-]{40,})", url)
    assert m, url
    token, token_id = m.group(1), m.group(2)
    assert "shown only this once" in err
    text = cfg.read_text(encoding="utf-8")
    assert token not in text and text.startswith(CONFIG)  # every earlier line kept
    stored = tomllib.loads(text)["kiosk_tokens"][token_id]
    assert stored["name"] == "大厅主屏" and stored["sha256"] == hashlib.sha256(token.encode()).hexdigest()

    assert kiosk.login(token, cfg) == auth.User("wall", "wall", "大厅主屏")
    assert kiosk.login(token + "x", cfg) is None and kiosk.login(api_token, cfg) is None  # an API token is no kiosk
    assert tokens.verify(token, cfg) is None  # and a kiosk token is no API token
    assert kiosk.login(None, cfg) is None and kiosk.login("", cfg) is None

    code, out, _ = run(capsys, "list")
    assert code == 0 and re.fullmatch(rf"{token_id}  大厅主屏  \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\n", out)
    assert token not in out

    code, out, _ = run(capsys, "revoke", token_id)
    assert code == 0 and out == f"revoked kiosk token {token_id} of '大厅主屏'\n"
    assert kiosk.login(token, cfg) is None
    assert tokens.verify(api_token, cfg) == auth.User("ana", "analyst", "")  # the API token untouched
    assert cfg.read_text(encoding="utf-8").startswith(CONFIG) and "kiosk_tokens" not in cfg.read_text(encoding="utf-8")
    assert run(capsys, "list")[1] == "(no kiosk tokens)\n"


@pytest.mark.parametrize(("args", "message"), [
    (("create", "--name", "   "), "the kiosk name must be 1–40 printable characters"),
    (("create", "--name", "x" * 41), "the kiosk name must be 1–40 printable characters"),
    (("create", "--name", "a\nb"), "the kiosk name must be 1–40 printable characters"),
    (("revoke", "deadbeef"), "no token with id 'deadbeef' (see: python -m gridboard kiosk list)"),
])
def test_bad_input_is_one_line_and_changes_nothing(cfg: Path, capsys: pytest.CaptureFixture[str], args, message) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and err.startswith("error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert cfg.read_text(encoding="utf-8") == CONFIG


def test_names_are_stored_as_toml_strings(cfg: Path) -> None:
    token, info = kiosk.create('二楼 "值班室" \\ 屏', cfg)
    assert tomllib.loads(cfg.read_text(encoding="utf-8"))["kiosk_tokens"][info.token_id]["name"] == '二楼 "值班室" \\ 屏'
    assert kiosk.login(token, cfg) is not None


def test_the_plain_kiosk_token_setting_still_signs_in(cfg: Path) -> None:
    cfg.write_text(CONFIG.replace("stale_after_minutes = 45", 'kiosk_token = "plain-old"'), encoding="utf-8")
    assert kiosk.login("plain-old", cfg) == auth.User("wall", "wall", "大屏")
    assert kiosk.login("plain-ol", cfg) is None
