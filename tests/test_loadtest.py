"""The load script (tools/loadtest.py) in small: 3 kiosk walls at ?refresh=5 for about 20 s on the
small county, one analyst importing 300 rows through the API meanwhile. Asserts what the walls
showed — each refreshed, each showed the import's data version, no errors, the server shared its
live computations — and never how fast (speed is the script's report, README "Load, measured")."""

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
    result = loadtest.run(walls=3, refresh=5, seconds=20, rows=300, import_after=3, db=small_db_file,
                          keep=tmp_path / "work", wait_for_walls=True)
    assert result.errors == []
    assert result.import_status == 200 and result.import_version is not None
    assert result.walls_refreshed == 3, result  # every wall drew at least two runs
    assert result.walls_showing_import == 3, result  # every wall showed the imported data version
    assert result.first_render_s["n"] == 3
    assert result.rss_mb["max"] is not None and result.load_average["max"] is not None
    # shared: fewer live computations on the server than runs the walls drew (one per tick and version)
    assert result.wall_computations is not None and 0 < result.wall_computations < result.wall_runs, result
