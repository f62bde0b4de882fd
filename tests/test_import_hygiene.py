"""Layout rules of DESIGN.md that a test can hold: only the glue modules gridboard/ui.py (and
gridboard/ui_drill.py, the KPI pages' drill-down glue) import streamlit, and
pages/ hold no SQL (queries live in gridboard/sql/ and are called through gridboard)."""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gridboard

ROOT = Path(__file__).resolve().parent.parent
UI_MODULES = {"gridboard.ui", "gridboard.ui_drill"}  # the streamlit glue: ui, and ui_drill for the KPI pages
CORE_MODULES = sorted(
    m.name for m in pkgutil.walk_packages(gridboard.__path__, "gridboard.")
    if m.name not in UI_MODULES and not m.name.endswith(".__main__")  # __main__ runs the CLI
)


def test_module_list_is_discovered():
    assert "gridboard.metrics" in CORE_MODULES and "gridboard.fmt" in CORE_MODULES
    assert "gridboard.ui" not in CORE_MODULES


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_streamlit(module):
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(','.join(bad[:5]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"{module} pulls in streamlit: {done.stdout.strip()}"


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
