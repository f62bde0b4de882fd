"""Shared pytest fixtures: fresh databases built from small, hand-written data."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL_DATA = SHARED / "data" / "real"
sys.path.insert(0, str(ROOT))

from gridboard.db import store  # noqa: E402


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def fresh_db(db_path: Path) -> duckdb.DuckDBPyConnection:
    """An empty gridboard database with every contract table."""
    con = store.connect(db_path, create=True)
    yield con
    con.close()
