"""Running `python -m gridboard` from tests: in this process (gridboard.cli.main, its stdout and stderr
captured) where the command's output is the point, or as a real process where the process boundary
is (exit code, one stderr line, no traceback). An exception escaping main() fails the test as a
traceback would fail the process check."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gridboard import cli

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    """What a command printed and returned (the fields of subprocess.CompletedProcess the tests read)."""

    returncode: int
    stdout: str
    stderr: str


def run_main(*args: str) -> Run:
    """gridboard.cli.main(args) in this process, stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


def run_process(*args: str, timeout: float = 300, **kwargs: object) -> subprocess.CompletedProcess:
    """`python -m gridboard ARGS` as a separate process (text output captured)."""
    return subprocess.run([sys.executable, "-m", "gridboard", *[str(a) for a in args]], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]


def assert_one_line_error(run: Run | subprocess.CompletedProcess, needle: str = "", code: int = 2) -> None:
    """Exit `code`, nothing on stdout, one `error:` line on stderr containing `needle`, no traceback."""
    assert run.returncode == code, (run.stdout, run.stderr)
    assert run.stdout == "", run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], run.stderr
    assert "Traceback" not in run.stderr
