"""Replacing a settings file's text in one step, for the writers that edit gridboard.toml in place
(gridboard.ranking.settings_store: [weights]/[targets]; gridboard.server.tokens: [api_tokens.*]
and [kiosk_tokens.*]). Each writer builds the new text and checks it with tomllib itself; this
module only reads the text ("" for a missing file) and swaps the file atomically.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def read_text(path: Path) -> str:
    """The file's text (UTF-8), or "" when it does not exist yet."""
    return path.read_text(encoding="utf-8") if path.exists() else ""


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8, line endings as given) through a temporary file beside it
    and os.replace, keeping the file's permission bits: a reader sees the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
