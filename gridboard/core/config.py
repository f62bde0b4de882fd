"""Settings: every setting declared once with its default, help and rule, overridable by a TOML file.

The county edits `gridboard.toml` in the project root (or the file named by GRIDBOARD_CONFIG);
anything it leaves out keeps the default below. Loading checks the file whole: an unknown or
mistyped key (`[weights] on_time_rat = 0.3`), a value of the wrong type or out of range, or a file
that is not TOML raises ConfigError naming the file, the key and, for a typo, the nearest known
key. Nothing is dropped silently. The app shows the error in Chinese and stops; the CLI prints one
English line and exits 2.

Tables beside the plain settings: [targets] (KPI targets by metric key: rates in [0, 1], durations
> 0), [weights] (grid index weights by component: numbers >= 0, not all 0; the index divides by
their sum, so they need not add up to 1 — saving from the ranking page writes them normalised) and
[users.NAME] (accounts: role, password_hash, display_name, disabled; gridboard.core.auth checks the
role and the hash), [api_tokens.ID] (user, sha256, created; written by gridboard.server.tokens) and
[kiosk_tokens.ID] (name, sha256, created; written by gridboard.server.kiosk).

"Now" is the wall-clock time in the configured zone (default Asia/Shanghai), whatever zone the
server's clock is in: servers run in UTC.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridboard.core import catalog

PROJECT_ROOT = Path(__file__).resolve().parents[2]


# --- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What a value must be: a test and the requirement in both languages ("must be …" / "应为…")."""

    ok: Callable[[object], bool]
    en: str
    zh: str


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def whole(lo: int) -> Rule:
    return Rule(lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= lo,
                f"a whole number >= {lo}", f"不小于 {lo} 的整数")


def number(lo: float, hi: float | None = None, *, above: bool = False) -> Rule:
    """A finite number >= lo (> lo when above), <= hi when given."""
    def ok(v: object) -> bool:
        if not _is_number(v):
            return False
        x = float(v)  # type: ignore[arg-type]
        return (x > lo if above else x >= lo) and (hi is None or x <= hi)
    if hi is not None:
        return Rule(ok, f"a number in [{lo:g}, {hi:g}]", f"{lo:g} 到 {hi:g} 之间的数")
    return Rule(ok, f"a number {'>' if above else '>='} {lo:g}", f"{'大于' if above else '不小于'} {lo:g} 的数")


TEXT = Rule(lambda v: isinstance(v, str), "a text in quotes", "用引号括起的文字")
PATH = Rule(lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty path in quotes", "用引号括起的非空路径")


def _zone_ok(v: object) -> bool:
    if not isinstance(v, str) or not v.strip():
        return False
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


ZONE = Rule(_zone_ok, "a time zone name such as \"Asia/Shanghai\"", "时区名称，如 \"Asia/Shanghai\"")
ASCENDING = Rule(
    lambda v: isinstance(v, list) and bool(v) and all(_is_number(x) for x in v) and float(v[0]) > 0
    and all(float(b) > float(a) for a, b in zip(v, v[1:], strict=False)),
    "a list of positive numbers, strictly ascending", "严格递增的正数列表")
RATE = number(0.0, 1.0)
POSITIVE = number(0.0, above=True)
NON_NEGATIVE = number(0.0)


# --- the settings ------------------------------------------------------------------------------


ANY_NUMBER = Rule(_is_number, "a number", "数")
WORD = Rule(lambda v: isinstance(v, str | bool), "a text in quotes, true or false", "用引号括起的文字、true 或 false")
FLAG = Rule(lambda v: isinstance(v, bool), "true or false", "true 或 false")
_MEMORY = re.compile(r"(\d{1,6})(\.\d{1,3})?\s?(MB|GB|MiB|GiB)")
MEMORY = Rule(lambda v: isinstance(v, str) and (m := _MEMORY.fullmatch(v.strip())) is not None
              and 64 <= float(m.group(1) + (m.group(2) or "")) * (1024 if m.group(3).startswith("G") else 1) <= 1_048_576,
              'an amount of memory from "64MB" to "1024GB" (MB, GB, MiB or GiB)',
              '内存大小，"64MB" 至 "1024GB"（单位 MB、GB、MiB 或 GiB）')
LIST = Rule(lambda v: isinstance(v, list), "a list [ ... ]", "列表 [ ... ]")
TABLE = Rule(lambda v: isinstance(v, dict), "a table", "表")


@dataclass(frozen=True)
class Setting:
    """One setting: key, default, help and the rule its value must meet. Without a rule the type of
    the default decides (a number, a text/true/false, a list, a table): give one for ranges."""

    key: str
    default: object
    help: str
    rule: Rule | None = None

    def check(self) -> Rule:
        if self.rule is not None:
            return self.rule
        d = self.default
        return (FLAG if isinstance(d, bool) else ANY_NUMBER if isinstance(d, int | float) else
                LIST if isinstance(d, list) else TABLE if isinstance(d, dict) else WORD)


SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", "data/gridboard.duckdb", "DuckDB file the dashboard serves (relative to the project root)",
            PATH),
    Setting("timezone", "Asia/Shanghai", "Zone of all stored timestamps and of 'now'", ZONE),
    Setting("demo_cases", 100_000, "Cases in the demo county built on first start", whole(0)),
    Setting("demo_seed", 7, "Seed of the demo county", whole(0)),
    Setting("county_outline", "../shared/data/real/china_geo_datav/370831.geojson",
            "GeoJSON outline the demo county's boundaries are cut from (a built-in shape when missing)", TEXT),
    Setting("stale_after_minutes", 30, "Wall screen turns its stamp red when no case arrived for this long", POSITIVE),
    Setting("refresh_seconds", 30, "Default wall-screen refresh period (kept within 5-3600 s)", POSITIVE),
    # live data (gridboard/server): the inbox folder and the demo feed
    Setting("inbox_dir", "data/inbox", "Folder the server loads TABLE__PRESET__name.csv files from (with a .done marker)",
            PATH),
    Setting("ingest_memory_limit", "1GB", "DuckDB memory_limit set by the server's ingest worker on its connection (DuckDB "
            "applies it to the whole database instance of the process: the worker and the pages share it)", MEMORY),
    Setting("ingest_threads", 0, "DuckDB threads set by the ingest worker (0 = DuckDB's default, one per core)", whole(0)),
    Setting("inbox_poll_seconds", 2, "How often the server looks into the inbox folder", POSITIVE),
    Setting("memo_warm", True, "After each import (and at start), ask the first screens' questions of "
            "本年/本季度/本月 in the background so the first view after an import reads agg_memo "
            "(gridboard/server/warm.py); false saves that CPU on a small county", FLAG),
    Setting("demo_feed", "auto", "Live demo feed of new cases and status changes: true, false, or auto (on for the demo database)"),
    Setting("demo_feed_seconds", 15, "Seconds between two ticks of the demo feed", POSITIVE),
    Setting("demo_feed_rate", 1.0, "Speed of the demo feed: 1 = the county's own daily rhythm", POSITIVE),
    Setting("kiosk_token", "", "Token for ?kiosk=TOKEN wall-screen sign-in as role 'wall' (empty: kiosk sign-in off)",
            TEXT),
    # imports (gridboard/ingest): open cases older than this are history, kept off the wall's live counts
    Setting("history_open_days", 180, "An imported case still open this many days after it was reported is flagged "
            "as history and kept off the wall's live counts unless the analyst confirms it is live", whole(1)),
    Setting("min_cases_for_rank", 20, "Units with fewer cohort cases show 数据不足 instead of a rank", whole(0)),
    Setting("shrink_k", 20, "Pseudo-count k of the shrinkage toward the parent unit's rate", NON_NEGATIVE),
    # rankings and the scorecard (issue #12): assessment period, rank bands, stars
    Setting("assessment_period", "month", "The county's assessment period (month, quarter or year): the default "
            "period of the ranking page and the scorecard (this month / quarter / year so far)",
            Rule(lambda v: v in ("month", "quarter", "year"), 'one of "month", "quarter", "year"',
                 '"month"、"quarter" 或 "year" 之一')),
    Setting("rank_provisional_band", 8.0, "A rank whose 90 % band is wider than this (index points) is provisional (样本少)",
            NON_NEGATIVE),
    Setting("star_mode", "auto", "Stars: absolute (DESIGN.md bands), relative (top 10/20/40/20/10 %) or auto "
            "(relative when more than half of the ranked units would share one absolute band)",
            Rule(lambda v: v in ("absolute", "relative", "auto"), 'one of "absolute", "relative", "auto"',
                 '"absolute"、"relative" 或 "auto" 之一')),
    # volunteers, collective economy and the unit profile (gridboard/people/)
    Setting("volunteer_star_hours", [100, 300, 600, 1000, 1500],
            "Cumulative service hours for one to five volunteer stars (ascending; a volunteer below the first has none)",
            ASCENDING),
    Setting("economy_band_edges_yuan", [50_000, 100_000, 500_000, 1_000_000],
            "Lower edges (yuan) of the operating-income bands above the first; below the first edge a village is "
            "weak (薄弱村). Default bands: < 5万, 5–10万, 10–50万, 50–100万, ≥ 100万", ASCENDING),
    Setting("economy_floor_yuan", 30_000, "Villages below this operating income must be eliminated (3万元以下的村全面消除)",
            NON_NEGATIVE),
    Setting("economy_goal_yuan", 100_000, "Operating income a village should reach (集体经济达到10万元以上的村)",
            NON_NEGATIVE),
    Setting("few_volunteers_ratio", 0.5,
            "A unit has few volunteers when its volunteers per 100 households are below this share of the county's",
            RATE),
    Setting("rising_cases_ratio", 0.2,
            "Profile flag: cases rose when received is up by at least this share on the previous period "
            "(and at least min_cases_for_rank cases)", NON_NEGATIVE),
    Setting("bulletin", {}, "Monthly bulletin (月度通报) overrides: [bulletin.sections] on/off, [bulletin.headings], "
            "[bulletin.words], [bulletin.text]; keys and defaults in gridboard/bulletin/templates.toml"),
)
SETTING_BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}

# KPI targets (the scorecard compares against these); defaults from the seed documents
# (泗水: on-time 100 %, satisfaction 96.35 %; we round the satisfaction target to 95 %).
DEFAULT_TARGETS: dict[str, float] = {
    "closure_rate": 0.98,
    "on_time_rate": 0.98,
    "satisfaction_rate": 0.95,
    "callback_rate": 0.90,
    "grid_resolved_rate": 0.60,
    "reopen_rate": 0.03,
    "median_response_min": 30.0,
    "p90_response_min": 240.0,
    "median_close_hours": 24.0,
    # the scorecard judges durations on the share within the limit above: response ≤ 30 min for
    # 90 % of cases, closing ≤ 24 h for 80 % (the medians above are the limits)
    "response_within_share": 0.90,
    "close_within_share": 0.80,
}

# Grid index weights (DESIGN.md "Grid index"); they sum to 1 (a file's weights are normalised).
DEFAULT_WEIGHTS: dict[str, float] = {
    "on_time_rate": 0.30,
    "closure_rate": 0.20,
    "satisfaction_rate": 0.25,
    "response": 0.10,
    "grid_resolved_rate": 0.15,
}
# Tables of named entries ([users.NAME], [api_tokens.ID]) and the fields an entry may hold; what the
# values mean is checked by their owners (gridboard.core.auth, gridboard.server.tokens).
ENTRY_FIELDS: dict[str, dict[str, Rule]] = {
    "users": {"role": TEXT, "password_hash": TEXT, "display_name": TEXT, "disabled": FLAG},
    "api_tokens": {"user": TEXT, "sha256": TEXT, "created": TEXT},
    "kiosk_tokens": {"name": TEXT, "sha256": TEXT, "created": TEXT},
}
TABLES = ("targets", "weights", *ENTRY_FIELDS)
# Settings that change no result (left out of the fingerprint caches key on).
NOT_RESULTS = frozenset({"kiosk_token", "ingest_memory_limit", "ingest_threads"})


def target_keys() -> list[str]:
    """Keys a [targets] table may hold: the catalogue's metrics and any other default target."""
    return [*catalog.METRIC_KEYS, *(k for k in DEFAULT_TARGETS if k not in catalog.METRIC_BY_KEY)]


def target_rule(key: str) -> Rule:
    """Targets: rates and shares in [0, 1], durations > 0, counts >= 0."""
    metric = catalog.METRIC_BY_KEY.get(key)
    if metric is None:
        return RATE if key.endswith(("_rate", "_share")) else NON_NEGATIVE
    return RATE if metric.kind == "rate" else POSITIVE if metric.kind in ("minutes", "hours") else NON_NEGATIVE


# --- errors ------------------------------------------------------------------------------------


class ConfigError(ValueError):
    """The settings file is wrong: str() is one English line; message("zh") the same in Chinese."""

    def __init__(self, path: Path, en: str, zh: str) -> None:
        super().__init__(f"{path}: {en}")
        self.path, self.en, self.zh = path, en, zh

    def message(self, lang: str = "zh") -> str:
        if lang == "en":
            return f"Settings file {self.path}: {self.en}. Correct it and restart."
        return f"配置文件 {self.path} 有误：{self.zh}。请改正后重新启动。"


def _name(table: str | None, key: str) -> str:
    return f"[{table}] {key}" if table else key


def _unknown(path: Path, table: str | None, key: str, known: list[str]) -> ConfigError:
    near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    en = f"unknown setting {_name(table, key)}"
    zh = f"未知的设置项 {_name(table, key)}"
    if near:
        en += f" (did you mean {near[0]}?)"
        zh += f"（是否应为 {near[0]}？）"
    else:
        en += f" (known: {', '.join(known)})"
        zh += f"（可用的设置项：{'、'.join(known)}）"
    return ConfigError(path, en, zh)


def _check(path: Path, table: str | None, key: str, value: object, rule: Rule) -> None:
    if not rule.ok(value):
        shown = json.dumps(value, ensure_ascii=False, default=str)
        raise ConfigError(path, f"{_name(table, key)} = {shown} must be {rule.en}",
                          f"{_name(table, key)} = {shown} 应为{rule.zh}")


# --- the loaded settings -----------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    values: dict[str, object]
    targets: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, key: str) -> object:
        return self.values[key]

    @property
    def db_path(self) -> Path:
        p = Path(str(self.values["db_path"]))
        return p if p.is_absolute() else PROJECT_ROOT / p

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(str(self.values["timezone"]))

    def now(self) -> dt.datetime:
        """Current local time in the configured zone, naive (as stored), to the second."""
        return dt.datetime.now(self.tz).replace(tzinfo=None, microsecond=0)

    def fingerprint(self) -> str:
        """A short hash of every loaded setting that can change a result (targets and weights
        included, secrets left out): cached results key on it, so a saved change shows at once."""
        data = {"values": {k: v for k, v in self.values.items() if k not in NOT_RESULTS},
                "targets": self.targets, "weights": self.weights}
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def config_path() -> Path:
    return Path(os.environ.get("GRIDBOARD_CONFIG", PROJECT_ROOT / "gridboard.toml"))


def read(path: Path) -> dict[str, object]:
    """The TOML file as parsed (ConfigError when it is not TOML; {} when it does not exist)."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"not valid TOML ({exc})", f"不是有效的 TOML 格式（{exc}）") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot be read ({exc})", f"无法读取（{exc}）") from None


def _table(path: Path, data: Mapping[str, object], name: str) -> Mapping[str, object]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(path, f"{name} must be a table [{name}]", f"{name} 应为表 [{name}]")
    return value


def _overlay(path: Path, name: str, given: Mapping[str, object], base: dict[str, float],
             rule: Callable[[str], Rule]) -> dict[str, float]:
    known = list(base) if name == "weights" else target_keys()
    out = dict(base)
    for key, value in given.items():
        if key not in known:
            raise _unknown(path, name, key, known)
        _check(path, name, key, value, rule(key))
        out[key] = float(value)  # type: ignore[arg-type]
    return out


def _check_entries(path: Path, table: str, entries: Mapping[str, object]) -> None:
    fields = ENTRY_FIELDS[table]
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise ConfigError(path, f"[{table}.{name}] must be a table with {', '.join(fields)}",
                              f"[{table}.{name}] 应为含 {'、'.join(fields)} 的表")
        for key, value in entry.items():
            if key not in fields:
                raise _unknown(path, f"{table}.{name}", key, list(fields))
            _check(path, f"{table}.{name}", key, value, fields[key])


def parse(data: Mapping[str, object], path: Path) -> Config:
    """Defaults overlaid by the parsed file `data`, every key and value checked (ConfigError)."""
    values = {s.key: s.default for s in SETTINGS}
    for key, value in data.items():
        if key in TABLES:
            continue
        if key not in SETTING_BY_KEY:
            raise _unknown(path, None, key, [*SETTING_BY_KEY, *TABLES])
        _check(path, None, key, value, SETTING_BY_KEY[key].check())
        values[key] = value
    targets = _overlay(path, "targets", _table(path, data, "targets"), DEFAULT_TARGETS, target_rule)
    weights = _overlay(path, "weights", _table(path, data, "weights"), DEFAULT_WEIGHTS, lambda _k: NON_NEGATIVE)
    if not any(w > 0 for w in weights.values()):
        raise ConfigError(path, "[weights] cannot all be 0", "[weights] 不能全部为 0")
    for table in ENTRY_FIELDS:
        _check_entries(path, table, _table(path, data, table))
    return Config(values, targets, weights)


def load(path: Path | None = None) -> Config:
    """Defaults, overlaid by the TOML file when present (checked: ConfigError); GRIDBOARD_DB
    overrides db_path."""
    path = path or config_path()
    cfg = parse(read(path), path)
    if os.environ.get("GRIDBOARD_DB"):
        cfg.values["db_path"] = os.environ["GRIDBOARD_DB"]
    return cfg
