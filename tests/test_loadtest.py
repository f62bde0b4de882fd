"""The load script (tools/loadtest.py) in small: 3 kiosk walls at ?refresh=5 for about 10 s (once
all have drawn) on the small county — one in Chromium (its DOM), two speaking Streamlit's websocket
protocol (tools/wsclient.py) — and one analyst importing 300 rows through the API meanwhile. Asserts what
the walls showed, in each group — each refreshed, each showed the import's data version, no errors,
the server shared its live computations — and never how fast (speed is the script's report, README
"Load, measured")."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from browser_support import CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import loadtest  # noqa: E402

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium (/usr/bin/chromium) is not installed")]


def test_three_walls_refresh_and_show_the_import(small_db_file: Path, tmp_path: Path) -> None:
    # 10 s after every wall has drawn (the end still waits until each wall refreshed and showed the
    # import: conditions decide); the browser wall at 1366×768, half the pixels of 1920×1080
    result = loadtest.run(walls=3, refresh=5, seconds=10, rows=300, import_after=3, db=small_db_file,
                          keep=tmp_path / "work", wait_for_walls=True, browser_walls=1, size=(1366, 768))
    assert result.errors == []
    assert (result.browser_walls, result.protocol_walls) == (1, 2)
    for name, walls in (("browser", 1), ("protocol", 2)):
        group = result.groups[name]
        assert group["walls"] == walls and group["walls_refreshed"] == walls, (name, group)
        assert group["walls_showing_import"] == walls, (name, group)
        assert group["first_render_s"]["n"] == walls and group["refresh_interval_all_s"]["n"] >= walls, (name, group)
    assert result.import_status == 200 and result.import_version is not None
    assert result.walls_refreshed == 3, result  # every wall drew at least two runs
    assert result.walls_showing_import == 3, result  # every wall showed the imported data version
    assert result.first_render_s["n"] == 3
    assert result.rss_mb["max"] is not None and result.load_average["max"] is not None
    assert result.protocol_cpu_s is not None and result.protocol_kb_per_run, result
    assert result.notes == [], result.notes  # every widget the wall shows is modelled by the protocol client
    # shared: fewer live computations on the server than runs the walls drew (one per tick and version)
    assert result.wall_computations is not None and 0 < result.wall_computations < result.wall_runs, result


def test_protocol_walls_refuse_other_hosts() -> None:
    import wsclient

    with pytest.raises(ValueError, match="only talk to this machine"):
        wsclient.ProtocolWall(0, "http://example.org:8660", "/bigscreen?refresh=5")


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert loadtest.main(["--walls", "2", "--browser-walls", "3"]) == 2
    assert "--browser-walls must be at most --walls" in capsys.readouterr().err
