"""The targets page (考核目标): leaders and administrators change the scorecard's targets, saved to the
config file's [targets] with a change record; staff do not see the page; bad values are refused;
the scorecard judges with the saved targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import app_test
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.core import auth, config
from gridboard.ranking import settings_store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60


@pytest.fixture(scope="module")
def db(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's small county (the same small_database(now) this module built itself)."""
    return copy_db(small_db_file, tmp_path_factory.mktemp("targets"), "page.duckdb")


@pytest.fixture
def cfg(db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "gridboard.toml"
    path.write_text("# county settings\nshrink_k = 20\n\n[targets]\nsatisfaction_rate = 0.95  # seed\n",
                    encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(path))
    return path


def open_targets(user: auth.User) -> AppTest:
    at = app_test(APP, TIMEOUT)
    at.session_state[ui.USER_KEY] = user
    at.switch_page("pages/targets.py").run()  # opened by its URL: app.py's first run already on it
    assert not at.exception, at.exception
    return at


def test_the_page_is_registered_for_leaders_and_admins():
    spec = next(p for p in ui.PAGES if p.url_path == "targets")
    assert set(spec.roles) == {"leader", "admin"} and spec.path == "pages/targets.py"
    assert "targets" not in {p.url_path for p in ui.visible_pages("staff")}


def test_a_leader_saves_targets_and_the_change_is_recorded(cfg):
    at = open_targets(auth.User("leader", "leader"))
    assert at.title[0].value == "考核目标"
    assert at.number_input(key="tg_on_time_rate").value == pytest.approx(98.0)  # the seed default
    assert at.number_input(key="tg_response_within_share").value == pytest.approx(90.0)
    at.number_input(key="tg_response_within_share").set_value(85.0)
    at.number_input(key="tg_median_response_min").set_value(45.0)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    assert any("已保存考核目标" in s.value for s in at.success)
    loaded = config.load(cfg)
    assert loaded.targets["response_within_share"] == pytest.approx(0.85)
    assert loaded.targets["median_response_min"] == pytest.approx(45.0)
    text = cfg.read_text(encoding="utf-8")
    assert text.startswith("# county settings\nshrink_k = 20\n") and "satisfaction_rate = 0.95  # seed" in text
    (entry,) = settings_store.read_log(cfg, setting="targets")
    assert entry["user"] == "leader" and entry["new"]["response_within_share"] == pytest.approx(0.85)
    assert entry["old"]["median_response_min"] == pytest.approx(30.0)
    assert settings_store.read_log(cfg, setting="weights") == []
    assert not at.dataframe[0].value.empty  # the record is shown on the page


def test_staff_may_not_save(cfg, monkeypatch):
    user = auth.User("staff", "staff")
    with pytest.raises(settings_store.SettingsError):
        settings_store.save_targets({"closure_rate": 0.9}, user=user, path=cfg)
    assert "closure_rate" not in cfg.read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", [{"closure_rate": 1.5}, {"closure_rate": 0}, {"median_response_min": -1},
                                 {"nonsense": 0.5}, {"satisfaction_rate": float("nan")}])
def test_bad_targets_change_nothing(cfg, bad):
    before = cfg.read_text(encoding="utf-8")
    with pytest.raises(settings_store.SettingsError):
        settings_store.save_targets(bad, user=auth.User("admin", "admin"), path=cfg)
    assert cfg.read_text(encoding="utf-8") == before
    assert settings_store.read_log(cfg) == []
