"""Saving the grid-index weights (gridboard.settings_store): the [weights] table is rewritten and
everything else in the config file kept, every save is recorded, only leaders and administrators
may save. Every test writes a temporary config file (GRIDBOARD_CONFIG), never the repository's."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from gridboard.core import auth, config
from gridboard.ranking import gridindex, settings_store
from gridboard.ranking.gridindex import COMPONENTS

LEADER = auth.User("zhangsan", "leader", "张三")
NEW = {"on_time_rate": 0.4, "closure_rate": 0.1, "satisfaction_rate": 0.3, "response": 0.1, "grid_resolved_rate": 0.1}

CONFIG_TEXT = """\
# 泗水县 gridboard settings
min_cases_for_rank = 30   # stricter than the default
shrink_k = 25

[targets]
satisfaction_rate = 0.96  # 泗水 2023

[weights]
# agreed at the county meeting
on_time_rate = 0.30   # 按时办结
closure_rate = 0.20
satisfaction_rate = 0.25
response = 0.10
grid_resolved_rate = 0.15

[users.zhangsan]
role = "leader"
display_name = "张三"
password_hash = "pbkdf2_sha256$600000$c2FsdA==$aGFzaA=="
"""


@pytest.fixture
def cfg_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "gridboard.toml"
    path.write_text(CONFIG_TEXT, encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(path))
    return path


def test_save_round_trip_keeps_the_rest_of_the_file(cfg_file):
    before = tomllib.loads(cfg_file.read_text(encoding="utf-8"))
    change = settings_store.save_weights(NEW, user=LEADER)
    text = cfg_file.read_text(encoding="utf-8")
    after = tomllib.loads(text)
    assert after["weights"] == NEW
    assert {k: v for k, v in after.items() if k != "weights"} == {k: v for k, v in before.items() if k != "weights"}
    # comments, order and the other tables stay as they were, line by line
    assert "# agreed at the county meeting" in text and "on_time_rate = 0.4   # 按时办结" in text
    assert text.splitlines()[:8] == CONFIG_TEXT.splitlines()[:8]
    assert text.splitlines()[-4:] == CONFIG_TEXT.splitlines()[-4:]
    # the app reads them back (config.load, gridindex.settings_from)
    cfg = config.load()
    assert cfg.weights == NEW and cfg["min_cases_for_rank"] == 30
    assert gridindex.settings_from(cfg).normalised_weights() == pytest.approx(NEW)
    assert change.old == {"on_time_rate": 0.3, "closure_rate": 0.2, "satisfaction_rate": 0.25, "response": 0.1,
                          "grid_resolved_rate": 0.15}
    assert change.new == NEW and change.user == "zhangsan" and change.role == "leader"


def test_every_save_is_recorded_beside_the_config(cfg_file):
    settings_store.save_weights(NEW, user=LEADER)
    second = {**NEW, "response": 0.2, "grid_resolved_rate": 0.0}
    settings_store.save_weights(second, user=auth.User("admin", "admin"))
    log = settings_store.log_path()
    assert log == cfg_file.parent / "gridboard.log.jsonl"
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert [(e["user"], e["role"], e["setting"]) for e in lines] == [("zhangsan", "leader", "weights"),
                                                                      ("admin", "admin", "weights")]
    assert lines[1]["old"] == NEW and lines[1]["new"] == second
    assert lines[0]["file"] == str(cfg_file) and lines[0]["at"][:4].isdigit()
    newest = settings_store.read_log()
    assert [e["user"] for e in newest] == ["admin", "zhangsan"]
    assert settings_store.read_log(limit=1)[0]["user"] == "admin"


@pytest.mark.parametrize("role", ["staff", "analyst", "wall"])
def test_only_leaders_and_admins_may_save(cfg_file, role):
    assert not settings_store.can_save(role)
    with pytest.raises(settings_store.SettingsError, match="leader or admin"):
        settings_store.save_weights(NEW, user=auth.User("x", role))
    assert cfg_file.read_text(encoding="utf-8") == CONFIG_TEXT
    assert not settings_store.log_path().exists()


@pytest.mark.parametrize(
    ("weights", "needle"),
    [
        ({**NEW, "colour": 0.1}, "unknown"),
        ({**NEW, "response": -0.1}, "negative"),
        ({**NEW, "response": float("nan")}, "finite"),
        (dict.fromkeys(COMPONENTS, 0.0), "all be 0"),
    ],
)
def test_bad_weights_change_nothing(cfg_file, weights, needle):
    with pytest.raises(settings_store.SettingsError, match=needle):
        settings_store.save_weights(weights, user=LEADER)
    assert cfg_file.read_text(encoding="utf-8") == CONFIG_TEXT


def test_weights_are_stored_as_fractions_of_one(cfg_file):
    change = settings_store.save_weights({c: 20 for c in COMPONENTS}, user=LEADER)  # percent points, say
    assert change.new == dict.fromkeys(COMPONENTS, 0.2)
    assert config.load().weights == dict.fromkeys(COMPONENTS, 0.2)


def test_a_missing_file_or_table_is_created(tmp_path, monkeypatch):
    path = tmp_path / "new" / "gridboard.toml"
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(path))
    change = settings_store.save_weights(NEW, user=LEADER)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"weights": NEW}
    assert change.old == config.DEFAULT_WEIGHTS
    other = tmp_path / "other.toml"
    other.write_text('kiosk_token = "abc"\n\n[targets]\nreopen_rate = 0.02', encoding="utf-8")  # no final newline
    settings_store.save_weights(NEW, user=LEADER, path=other)
    assert tomllib.loads(other.read_text(encoding="utf-8")) == {
        "kiosk_token": "abc", "targets": {"reopen_rate": 0.02}, "weights": NEW}


def test_set_table_adds_missing_keys_and_keeps_windows_line_ends():
    text = "a = 1\r\n[weights]\r\non_time_rate = 0.5 # half\r\nextra = 7\r\n\r\n[targets]\r\nx = 1\r\n"
    out = settings_store.set_table(text, "weights", {"on_time_rate": 0.25, "response": 0.75})
    assert out == ("a = 1\r\n[weights]\r\non_time_rate = 0.25 # half\r\nextra = 7\r\nresponse = 0.75\r\n\r\n"
                   "[targets]\r\nx = 1\r\n")
    assert tomllib.loads(out)["weights"] == {"on_time_rate": 0.25, "extra": 7, "response": 0.75}


@pytest.mark.parametrize(
    "text",
    [
        "weights = { on_time_rate = 0.5, response = 0.5 }\n",  # inline table
        "weights.on_time_rate = 0.5\n",  # dotted keys
        "[weights\non_time_rate = 0.5\n",  # not TOML at all
    ],
)
def test_a_file_this_writer_cannot_edit_safely_is_left_alone(tmp_path, text):
    path = tmp_path / "gridboard.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(settings_store.SettingsError):
        settings_store.save_weights(NEW, user=LEADER, path=path)
    assert path.read_text(encoding="utf-8") == text
    assert not settings_store.log_path(path).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
