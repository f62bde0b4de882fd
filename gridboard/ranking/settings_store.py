"""Saving the grid-index weights and the KPI targets to the config file, and the record of every change.

`save_weights(weights, user)` writes the [weights] table, `save_targets(targets, user)` the
[targets] table (the scorecard's targets, edited on the 考核目标 page) of the county's config file
(gridboard.toml, or the file named by GRIDBOARD_CONFIG) and keeps everything else in it as it
was: other tables, keys, comments, order (`set_table` is a small writer for one flat table
of numbers; the result is re-read with tomllib and refused unless only that table changed).
The file is replaced atomically (gridboard.core.textfile: temporary file + os.replace).

Every save appends one JSON line (when, who, role, old and new weights, file) to a log beside
the config file, `<config stem>.log.jsonl` (gridboard.log.jsonl). A file beside the config,
not a table in the database: the record belongs to the settings, which outlive a database that
is rebuilt or swapped (GRIDBOARD_DB), and the server holds the database file while a command-
line tool may still need to read the record. Only leaders and administrators may save.
"""

from __future__ import annotations

import json
import math
import re
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridboard.core import auth, config, textfile
from gridboard.ranking.gridindex import COMPONENTS

SAVE_ROLES: tuple[str, ...] = ("leader", "admin")
TABLE = "weights"
_LOCK = threading.Lock()
_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\s*(#.*)?$")  # [table], not [[array]]
_ANY_HEADER = re.compile(r"^\s*\[")
_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_\-]+)\s*=\s*(?P<value>[^#\r\n]*?)(?P<tail>\s*#.*)?$")


class SettingsError(ValueError):
    """The weights cannot be saved (not allowed, bad values, or a file this writer cannot edit)."""


@dataclass(frozen=True)
class Change:
    at: str
    user: str
    role: str
    old: dict[str, float]
    new: dict[str, float]
    file: str
    setting: str = TABLE

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "user": self.user, "role": self.role, "setting": self.setting,
                "old": self.old, "new": self.new, "file": self.file}


def can_save(role: str | None) -> bool:
    return role in SAVE_ROLES


def log_path(path: Path | None = None) -> Path:
    """The change log beside the config file: gridboard.toml → gridboard.log.jsonl."""
    path = path or config.config_path()
    return path.with_name(f"{path.stem}.log.jsonl")


def clean_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The five component weights as fractions summing to 1 (rounded to 4 decimals).

    SettingsError for unknown components, negative or non-finite values, or all zero.
    """
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise SettingsError(f"unknown index components: {', '.join(sorted(unknown))}")
    values = {c: float(weights.get(c, 0.0)) for c in COMPONENTS}
    if any(not math.isfinite(v) or v < 0 for v in values.values()):
        raise SettingsError("weights must be finite and not negative")
    total = sum(values.values())
    if total <= 0:
        raise SettingsError("weights cannot all be 0")
    return {c: round(v / total, 4) for c, v in values.items()}


def _toml_number(value: float) -> str:
    text = repr(float(value))
    return text if ("." in text or "e" in text or "inf" in text or "nan" in text) else text + ".0"


def set_table(text: str, table: str, values: Mapping[str, float]) -> str:
    """`text` (a TOML document) with the keys of `values` set in the flat table [table]; the
    rest of the document is kept line by line. The table is appended when it is missing."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if (m := _HEADER.match(ln)) and m.group(1).strip() == table), None)
    if start is None:
        body = "".join(f"{k} = {_toml_number(v)}{newline}" for k, v in values.items())
        sep = "" if not text or text.endswith(("\n", "\r\n")) else newline
        gap = newline if text.strip() else ""
        return f"{text}{sep}{gap}[{table}]{newline}{body}"
    end = next((i for i in range(start + 1, len(lines)) if _ANY_HEADER.match(lines[i])), len(lines))
    pending = dict(values)
    last_key = start
    for i in range(start + 1, end):
        m = _KEY_LINE.match(lines[i].rstrip("\r\n"))
        if not m:
            continue
        last_key = i
        key = m.group("key")
        if key in pending:
            ending = lines[i][len(lines[i].rstrip("\r\n")):] or newline
            lines[i] = f"{m.group('indent')}{key} = {_toml_number(pending.pop(key))}{m.group('tail') or ''}{ending}"
    if pending:
        if not lines[last_key].endswith(("\n", "\r")):
            lines[last_key] += newline
        extra = [f"{k} = {_toml_number(v)}{newline}" for k, v in pending.items()]
        lines[last_key + 1:last_key + 1] = extra
    return "".join(lines)


TARGETS_TABLE = "targets"
# Targets that are shares (0 < x ≤ 1); the others are time limits (minutes, hours) > 0.
_DURATION_TARGETS = ("median_response_min", "p90_response_min", "median_close_hours")


def clean_targets(targets: Mapping[str, float]) -> dict[str, float]:
    """The targets as floats: shares in (0, 1], time limits > 0 (at most a year); SettingsError
    for unknown keys or values out of range."""
    unknown = set(targets) - set(config.DEFAULT_TARGETS)
    if unknown:
        raise SettingsError(f"unknown targets: {', '.join(sorted(unknown))}")
    out = {}
    for key, value in targets.items():
        v = float(value)
        if not math.isfinite(v) or v <= 0:
            raise SettingsError(f"target {key} must be a positive number")
        if key in _DURATION_TARGETS and v > 8760 or key not in _DURATION_TARGETS and v > 1:
            raise SettingsError(f"target {key} is out of range")
        out[key] = round(v, 6)
    return out


def save_targets(targets: Mapping[str, float], *, user: auth.User, path: Path | None = None) -> Change:
    """Write KPI targets to the config file's [targets] and log the change (as save_weights)."""
    if not can_save(user.role):
        raise SettingsError(f"role {user.role!r} may not change the targets (leader or admin only)")
    new = clean_targets(targets)
    return _save(TARGETS_TABLE, new, lambda cfg: {k: float(cfg.targets.get(k, 0.0)) for k in new}, user, path)


def save_weights(weights: Mapping[str, float], *, user: auth.User, path: Path | None = None) -> Change:
    """Write the weights (normalised to sum 1) to the config file's [weights] and log the change.

    SettingsError when the user's role may not save, the weights are invalid, or the file
    cannot be edited safely (e.g. weights written as an inline table); the file is then unchanged.
    """
    if not can_save(user.role):
        raise SettingsError(f"role {user.role!r} may not change the index weights (leader or admin only)")
    new = clean_weights(weights)
    return _save(TABLE, new, lambda cfg: {c: float(cfg.weights.get(c, 0.0)) for c in COMPONENTS}, user, path)


def _save(table: str, new: dict[str, float], old_of: Any, user: auth.User, path: Path | None) -> Change:
    path = path or config.config_path()
    with _LOCK:
        text = textfile.read_text(path)
        try:
            before = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path.name} is not valid TOML: {exc}") from None
        cfg = config.load(path)
        old = old_of(cfg)
        updated = set_table(text, table, new)
        try:
            after = tomllib.loads(updated)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"cannot edit the {table} in {path.name} safely ({exc}); edit the file by hand") from None
        expected = {**before, table: {**(before.get(table) or {}), **new}}
        if after != expected:
            raise SettingsError(f"cannot edit the {table} in {path.name} safely; edit the file by hand")
        textfile.write_atomic(path, updated)
        change = Change(cfg.now().isoformat(), user.name, user.role, old, new, str(path), table)
        with log_path(path).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(change.as_dict(), ensure_ascii=False) + "\n")
    return change


def read_log(path: Path | None = None, *, limit: int = 20, setting: str | None = None) -> list[dict[str, Any]]:
    """The newest `limit` recorded changes (of one `setting` table when given), newest first
    (unreadable lines are skipped; entries without a setting are weights)."""
    log = log_path(path)
    if not log.exists():
        return []
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if setting is None or entry.get("setting", TABLE) == setting:
            out.append(entry)
    return out[::-1][:limit]
