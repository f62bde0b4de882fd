"""Settings: every setting declared once with its default and help, overridable by a TOML file.

The county edits `gridboard.toml` in the project root (or the file named by GRIDBOARD_CONFIG);
anything it leaves out keeps the default below. "Now" is the wall-clock time in the configured
zone (default Asia/Shanghai), whatever zone the server's clock is in: servers run in UTC.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    key: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", "data/gridboard.duckdb", "DuckDB file the dashboard serves (relative to the project root)"),
    Setting("timezone", "Asia/Shanghai", "Zone of all stored timestamps and of 'now'"),
    Setting("demo_cases", 100_000, "Cases in the demo county built on first start"),
    Setting("demo_seed", 7, "Seed of the demo county"),
    Setting("county_outline", "../shared/data/real/china_geo_datav/370831.geojson",
            "GeoJSON outline the demo county's boundaries are cut from (a built-in shape when missing)"),
    Setting("stale_after_minutes", 30, "Wall screen turns its stamp red when no case arrived for this long"),
    Setting("refresh_seconds", 30, "Default wall-screen refresh period"),
    # live data (gridboard/server): the inbox folder and the demo feed
    Setting("inbox_dir", "data/inbox", "Folder the server loads TABLE__PRESET__name.csv files from (with a .done marker)"),
    Setting("inbox_poll_seconds", 2, "How often the server looks into the inbox folder"),
    Setting("demo_feed", "auto", "Live demo feed of new cases and status changes: true, false, or auto (on for the demo database)"),
    Setting("demo_feed_seconds", 15, "Seconds between two ticks of the demo feed"),
    Setting("demo_feed_rate", 1.0, "Speed of the demo feed: 1 = the county's own daily rhythm"),
    Setting("kiosk_token", "", "Token for ?kiosk=TOKEN wall-screen sign-in as role 'wall' (empty: kiosk sign-in off)"),
    Setting("min_cases_for_rank", 20, "Units with fewer cohort cases show 数据不足 instead of a rank"),
    Setting("shrink_k", 20, "Pseudo-count k of the shrinkage toward the parent unit's rate"),
    # rankings and the scorecard (issue #12): assessment period, rank bands, stars
    Setting("assessment_period", "month", "The county's assessment period (month, quarter or year): the default "
            "period of the ranking page and the scorecard (this month / quarter / year so far)"),
    Setting("rank_provisional_band", 8.0, "A rank whose 90 % band is wider than this (index points) is provisional (样本少)"),
    Setting("star_mode", "auto", "Stars: absolute (DESIGN.md bands), relative (top 10/20/40/20/10 %) or auto "
            "(relative when more than half of the ranked units would share one absolute band)"),
    # volunteers, collective economy and the unit profile (gridboard/volunteers.py, economy.py, profile.py)
    Setting("volunteer_star_hours", [100, 300, 600, 1000, 1500],
            "Cumulative service hours for one to five volunteer stars (ascending; a volunteer below the first has none)"),
    Setting("economy_band_edges_yuan", [50_000, 100_000, 500_000, 1_000_000],
            "Lower edges (yuan) of the operating-income bands above the first; below the first edge a village is "
            "weak (薄弱村). Default bands: < 5万, 5–10万, 10–50万, 50–100万, ≥ 100万"),
    Setting("economy_floor_yuan", 30_000, "Villages below this operating income must be eliminated (3万元以下的村全面消除)"),
    Setting("economy_goal_yuan", 100_000, "Operating income a village should reach (集体经济达到10万元以上的村)"),
    Setting("few_volunteers_ratio", 0.5,
            "A unit has few volunteers when its volunteers per 100 households are below this share of the county's"),
    Setting("rising_cases_ratio", 0.2,
            "Profile flag: cases rose when received is up by at least this share on the previous period "
            "(and at least min_cases_for_rank cases)"),
    Setting("bulletin", {}, "Monthly bulletin (月度通报) overrides: [bulletin.sections] on/off, [bulletin.headings], "
            "[bulletin.words], [bulletin.text]; keys and defaults in gridboard/bulletin/templates.toml"),
)


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

# Grid index weights (DESIGN.md "Grid index"); they sum to 1.
DEFAULT_WEIGHTS: dict[str, float] = {
    "on_time_rate": 0.30,
    "closure_rate": 0.20,
    "satisfaction_rate": 0.25,
    "response": 0.10,
    "grid_resolved_rate": 0.15,
}


def config_path() -> Path:
    return Path(os.environ.get("GRIDBOARD_CONFIG", PROJECT_ROOT / "gridboard.toml"))


def load(path: Path | None = None) -> Config:
    """Defaults, overlaid by the TOML file when present; GRIDBOARD_DB overrides db_path."""
    values = {s.key: s.default for s in SETTINGS}
    targets = dict(DEFAULT_TARGETS)
    weights = dict(DEFAULT_WEIGHTS)
    path = path or config_path()
    if path.exists():
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for key, value in data.items():
            if key == "targets":
                targets.update({k: float(v) for k, v in value.items()})
            elif key == "weights":
                weights.update({k: float(v) for k, v in value.items()})
            elif key in values:
                values[key] = value
    if os.environ.get("GRIDBOARD_DB"):
        values["db_path"] = os.environ["GRIDBOARD_DB"]
    return Config(values, targets, weights)
