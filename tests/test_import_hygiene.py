"""Layout rules of DESIGN.md that a test can hold: the import-linter contracts in pyproject.toml
(layers; only gridboard.ui imports streamlit) are kept, and pages/ hold no SQL (queries live in
gridboard/db/sql/ and are called through gridboard) and start with the page guard."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    """One static check of every module instead of importing each one in a subprocess."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    done = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"Contracts: [1-9]\d* kept, 0 broken", done.stdout), done.stdout[-3000:]


# A SQL statement in a string: a keyword followed later on the line by its companion keyword.
SQL_PATTERNS = [
    re.compile(r"\bselect\b.+\bfrom\b", re.IGNORECASE),
    re.compile(r"\binsert\s+into\b", re.IGNORECASE),
    re.compile(r"\bupdate\b\s+\w+\s+\bset\b", re.IGNORECASE),
    re.compile(r"\bdelete\s+from\b", re.IGNORECASE),
    re.compile(r"\b(create|drop|alter)\s+(table|view|index|sequence)\b", re.IGNORECASE),
    re.compile(r"\.(execute|executemany|sql|query)\s*\("),
    re.compile(r"^\s*(import duckdb|from duckdb)", re.MULTILINE),
]
PAGE_FILES = sorted((ROOT / "pages").glob("*.py"))


def test_there_are_pages():
    assert PAGE_FILES


@pytest.mark.parametrize("page", PAGE_FILES, ids=lambda p: p.name)
def test_pages_hold_no_sql(page):
    text = page.read_text(encoding="utf-8")
    found = [p.pattern for p in SQL_PATTERNS if p.search(text)]
    assert not found, f"{page.name} looks like it holds SQL ({found}); call a gridboard function instead"


@pytest.mark.parametrize("page", PAGE_FILES, ids=lambda p: p.name)
def test_pages_start_with_the_guard(page):
    """`from gridboard import ui` then `ui.page_guard()`, before anything else runs (DESIGN.md "Running")."""
    body = ast.parse(page.read_text(encoding="utf-8")).body
    body = [n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    body = [n for n in body if not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
    assert ast.unparse(body[0]) == "from gridboard import ui", f"{page.name}: first import must be gridboard.ui"
    assert ast.unparse(body[1]) == "ui.page_guard()", f"{page.name}: the guard must be the first statement"


def test_sql_patterns_catch_sql():
    sample = 'con.execute("SELECT count(*) FROM cases WHERE x = 1")'
    assert sum(bool(p.search(sample)) for p in SQL_PATTERNS) >= 2
