"""Helpers shared by the AppTest page tests: the command line run in-process, and AppTests that
share one registry of installed components.

A page test compares the page with `python -m gridboard kpis|rank --json` for the same filters. The
process boundary is not the point there (tests/test_cli.py runs the real processes: exit codes,
stderr, no traceback), so these run gridboard.cli.main in the test's process, which saves the ~1-2 s
of imports a subprocess costs, and read the JSON it prints.
"""

from __future__ import annotations

import contextlib
import io
import json

import streamlit.testing.v1.app_test as _app_test_module
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from gridboard import cli


def cli_json(*argv: str) -> object:
    """`gridboard *argv` (which must print JSON) run in-process: the parsed output; exit code 0."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


# --- AppTest ---------------------------------------------------------------------------------------

_COMPONENTS: BidiComponentManager | None = None
_SCRIPTS = ScriptCache()


def app_test(script: str, timeout: float) -> AppTest:
    """AppTest.from_file(script, default_timeout=timeout), its runs sharing what a real server's
    sessions share in one process: the registry of installed custom components and the compiled
    scripts.

    A new AppTest's first run scans the metadata of every installed distribution for component
    manifests (BidiComponentManager.discover_and_register_components, ~300 packages: ~0.25 s of
    CPU), and every run compiles app.py afresh (a new ScriptCache per run: ~50 ms). A server does
    both once per process; these AppTests keep the first scan and one ScriptCache (app_test.py
    makes a ScriptCache per run: that name is pointed at the shared one, for every AppTest of the
    process from the first call on). Nothing of a session (state, widgets, caches of data) is shared.
    """
    global _COMPONENTS
    if getattr(_app_test_module, "ScriptCache", None) is ScriptCache:  # streamlit 1.67's AppTest
        _app_test_module.ScriptCache = lambda: _SCRIPTS  # type: ignore[attr-defined]
    at = AppTest.from_file(script, default_timeout=timeout)
    if hasattr(at, "_bidi_component_manager"):  # streamlit 1.67's AppTest; otherwise it scans itself
        if _COMPONENTS is None:
            _COMPONENTS = BidiComponentManager()
            _COMPONENTS.discover_and_register_components(start_file_watching=False)
        at._bidi_component_manager = _COMPONENTS  # noqa: SLF001
    return at
