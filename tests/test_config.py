"""Settings validation (issue #10 item 5): a wrong gridboard.toml is refused with the key, the file and
a suggestion — by the library (ConfigError), the CLI (one English line, exit 2) and the app (Chinese on
the page, no traceback); good files, partial tables and [users.*] accounts still load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from app_support import app_test

from gridboard.core import auth, catalog, config
from gridboard.ranking import gridindex

ROOT = Path(__file__).resolve().parent.parent

# (file text, English fragments, Chinese fragments)
BAD = [
    ("[weights]\non_time_rat = 0.3\n", ["unknown setting [weights] on_time_rat", "did you mean on_time_rate?"],
     ["未知的设置项 [weights] on_time_rat", "是否应为 on_time_rate"]),
    ("refresh_secnds = 5\n", ["unknown setting refresh_secnds", "did you mean refresh_seconds?"],
     ["是否应为 refresh_seconds"]),
    ("[targets]\nsatisfaction = 0.9\n", ["[targets] satisfaction", "did you mean satisfaction_rate?"], ["未知的设置项 [targets] satisfaction"]),
    ("[users.zhang]\nrole = \"leader\"\npasword_hash = \"x\"\n", ["[users.zhang] pasword_hash", "did you mean password_hash?"],
     ["未知的设置项 [users.zhang] pasword_hash"]),
    ("colour = \"red\"\n", ["unknown setting colour", "known: db_path"], ["未知的设置项 colour"]),
    ("[weights]\non_time_rate = -0.3\n", ["[weights] on_time_rate = -0.3 must be a number >= 0"], ["应为不小于 0 的数"]),
    ("[weights]\non_time_rate = 0\nclosure_rate = 0\nsatisfaction_rate = 0\nresponse = 0\ngrid_resolved_rate = 0\n",
     ["[weights] cannot all be 0"], ["不能全部为 0"]),
    ("[weights]\nresponse = \"0.1\"\n", ["[weights] response = \"0.1\" must be a number >= 0"], ["应为不小于 0 的数"]),
    ("[targets]\nclosure_rate = 98\n", ["[targets] closure_rate = 98 must be a number in [0, 1]"], ["0 到 1 之间的数"]),
    ("[targets]\nmedian_response_min = 0\n", ["[targets] median_response_min = 0 must be a number > 0"], ["大于 0 的数"]),
    ("stale_after_minutes = 0\n", ["stale_after_minutes = 0 must be a number > 0"], ["大于 0 的数"]),
    ("min_cases_for_rank = 2.5\n", ["min_cases_for_rank = 2.5 must be a whole number >= 0"], ["不小于 0 的整数"]),
    ("demo_cases = true\n", ["demo_cases = true must be a whole number >= 0"], []),
    ("few_volunteers_ratio = 1.5\n", ["few_volunteers_ratio = 1.5 must be a number in [0, 1]"], []),
    ("timezone = \"Asia/Shanghia\"\n", ["timezone = \"Asia/Shanghia\" must be a time zone name"], ["时区名称"]),
    ("volunteer_star_hours = [100, 50, 600]\n", ["must be a list of positive numbers, strictly ascending"],
     ["严格递增的正数列表"]),
    ("weights = 0.3\n", ["weights must be a table [weights]"], ["应为表 [weights]"]),
    ("[users.li]\nrole = \"analyst\"\ndisabled = \"yes\"\n", ["[users.li] disabled = \"yes\" must be true or false"],
     ["应为true 或 false"]),
    ("[api_tokens.ab12]\nuser = \"li\"\nsha = \"x\"\n", ["[api_tokens.ab12] sha", "did you mean sha256?"], []),
    ("min_cases_for_rank = \n", ["not valid TOML"], ["不是有效的 TOML 格式"]),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gridboard.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "en", "zh"), BAD)
def test_a_wrong_file_is_refused_with_the_key_the_file_and_a_suggestion(tmp_path, text, en, zh):
    path = write(tmp_path, text)
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    line = str(err.value)
    assert line.startswith(f"{path}: ") and "\n" not in line
    for fragment in en:
        assert fragment in line
    chinese = err.value.message("zh")
    assert str(path) in chinese and "请改正后重新启动" in chinese
    for fragment in zh:
        assert fragment in chinese


def test_every_default_meets_its_own_rule_and_the_defaults_load():
    for s in config.SETTINGS:
        assert s.check().ok(s.default), s.key
    cfg = config.load(Path("/nonexistent/gridboard.toml"))
    assert cfg.weights == config.DEFAULT_WEIGHTS and cfg.targets == config.DEFAULT_TARGETS
    assert set(config.DEFAULT_TARGETS) <= set(config.target_keys())


def test_a_good_file_overlays_the_defaults(tmp_path):
    path = write(tmp_path, "\n".join([
        'kiosk_token = "abc"', "min_cases_for_rank = 5", "shrink_k = 7.5", "few_volunteers_ratio = 0.25",
        "economy_band_edges_yuan = [40000, 1000000]", 'timezone = "Asia/Urumqi"',
        "[targets]", "closure_rate = 0.9", "median_close_hours = 12",
        "[weights]", "on_time_rate = 2", "closure_rate = 1",  # any non-negative numbers: normalised
    ]) + "\n")
    cfg = config.load(path)
    assert cfg["min_cases_for_rank"] == 5 and cfg["shrink_k"] == 7.5 and cfg["kiosk_token"] == "abc"
    assert cfg.targets["closure_rate"] == 0.9 and cfg.targets["median_close_hours"] == 12.0
    assert cfg.targets["on_time_rate"] == config.DEFAULT_TARGETS["on_time_rate"]  # untouched keys keep defaults
    assert cfg.weights == {**config.DEFAULT_WEIGHTS, "on_time_rate": 2.0, "closure_rate": 1.0}
    # the index divides by the sum: 2 / (2 + 1 + 0.25 + 0.10 + 0.15) = 0.5714...
    w = gridindex.settings_from(cfg).normalised_weights()
    assert w["on_time_rate"] == pytest.approx(2 / 3.5) and sum(w.values()) == pytest.approx(1.0)


def test_every_catalogue_metric_may_have_a_target_and_rates_are_shares(tmp_path):
    for m in catalog.METRICS:
        config.load(write(tmp_path, f"[targets]\n{m.key} = 0.5\n"))
        if m.kind == "rate":
            with pytest.raises(config.ConfigError):
                config.load(write(tmp_path, f"[targets]\n{m.key} = 1.5\n"))


def test_accounts_still_load_and_a_bad_role_is_still_auths_to_refuse(tmp_path):
    digest = auth.hash_password("s3cret-pass")
    path = write(tmp_path, f'[users.zhang]\nrole = "leader"\npassword_hash = "{digest}"\ndisplay_name = "张三"\n')
    config.load(path)
    accounts = auth.load_accounts(path)
    assert accounts["zhang"].role == "leader" and accounts["zhang"].display_name == "张三"
    assert auth.authenticate("zhang", "s3cret-pass", accounts) is not None
    config.load(write(tmp_path, path.read_text(encoding="utf-8") + 'disabled = true\n[api_tokens.ab12]\nuser = "zhang"\n'
                      'sha256 = "00"\ncreated = "2026-03-01T08:00:00"\n'))  # the API server's entries
    assert "zhang" not in auth.load_accounts(path)  # a disabled account cannot log in
    with pytest.raises(auth.AuthConfigError):
        auth.load_accounts(write(tmp_path, f'[users.zhang]\nrole = "boss"\npassword_hash = "{digest}"\n'))


def test_the_fingerprint_follows_result_settings_only(tmp_path):
    base = config.load(write(tmp_path, "")).fingerprint()
    assert config.load(write(tmp_path, 'kiosk_token = "other"\n')).fingerprint() == base  # a secret, no result
    assert config.load(write(tmp_path, "[weights]\nresponse = 0.2\n")).fingerprint() != base
    assert config.load(write(tmp_path, "[targets]\nreopen_rate = 0.02\n")).fingerprint() != base
    assert config.load(write(tmp_path, "min_cases_for_rank = 3\n")).fingerprint() != base


def test_the_cli_prints_one_english_line_and_exits_2(tmp_path):
    path = write(tmp_path, "[weights]\non_time_rat = 0.3\n")
    env = {**os.environ, "GRIDBOARD_CONFIG": str(path)}
    env.pop("GRIDBOARD_DB", None)
    out = subprocess.run([sys.executable, "-m", "gridboard", "kpis", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr == f"error: {path}: unknown setting [weights] on_time_rat (did you mean on_time_rate?)\n"


def test_the_app_shows_the_error_in_chinese_and_nothing_else(tmp_path, monkeypatch):
    path = write(tmp_path, "[weights]\non_time_rat = 0.3\n")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(path))
    monkeypatch.setenv("GRIDBOARD_DB", str(tmp_path / "never-built.duckdb"))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    at = app_test(str(ROOT / "app.py"), 60).run()
    assert not at.exception
    assert [e.value for e in at.error] == [config.ConfigError(
        path, "", "未知的设置项 [weights] on_time_rat（是否应为 on_time_rate？）").message("zh")]
    assert not at.title and not at.metric  # no page ran
    assert not (tmp_path / "never-built.duckdb").exists()  # and no demo county was built
