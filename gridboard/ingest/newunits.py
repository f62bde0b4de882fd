"""Whether a unit an import would create fits the county: its parent, its name, its place.

Owns the rules for "create unknown units" (issue #15): new grids go only under a town or a
community/village the analyst chose (the county root only while the county has no towns), their
names must look like the county's own (a county whose units are named in Chinese gets no
Latin-only "Downtown"; at most NAME_MAX characters, NAME_MAX_LATIN without Chinese) and, when the file gives coordinates, the
median point of a new unit's rows must lie inside the county's extent (the bounding box of the
units' centroids, padded by a margin). A name or place that does not fit is a row error
(new_unit_name, new_unit_outside): those rows are rejected, the rest load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from gridboard.ingest.messages import Phrase, Refusal

PARENT_LEVELS = ("town", "community", "village")
NAME_MAX = 40  # characters of a Chinese name (a grid, a village); a free-text address is longer
NAME_MAX_LATIN = 120  # names without Chinese (a 311 city's neighbourhood councils run to ~100)
MARGIN = 0.25  # share of the extent's size added on each side (and at least MIN_PAD degrees)
MIN_PAD = 0.05
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


class ParentError(Refusal, ValueError):
    """The chosen parent cannot take new units (gridboard.ingest.messages)."""


def check_parent(con: duckdb.DuckDBPyConnection, parent: str) -> None:
    """ParentError unless `parent` is a town or community/village (or the root of a county without towns)."""
    row = con.execute("SELECT level, name FROM units WHERE unit_id = $u", {"u": parent}).fetchone()
    if row is None:
        raise ParentError("ing_parent_missing", parent=parent)
    if row[0] in PARENT_LEVELS:
        return
    towns = con.execute("SELECT count(*) FROM units WHERE level = 'town'").fetchone()[0]
    if row[0] == "county" and towns == 0:
        return
    raise ParentError("ing_parent_level", name=row[1], parent=parent)


@dataclass(frozen=True)
class Fit:
    """What the county looks like: whether its towns and communities are named in Chinese (a
    database of only a root and grids, such as one built from a 311 export, has no name rule),
    and its extent."""

    chinese: bool
    bounds: tuple[float, float, float, float] | None  # lon_min, lat_min, lon_max, lat_max (padded)

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection) -> Fit:
        names = [r[0] for r in con.execute(
            "SELECT name FROM units WHERE name IS NOT NULL AND level IN ('town', 'community', 'village') "
            "LIMIT 200").fetchall()]
        chinese = bool(names) and sum(1 for n in names if _CJK.search(n)) * 2 > len(names)
        row = con.execute("SELECT min(lon), min(lat), max(lon), max(lat), count(*) FROM units "
                          "WHERE lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90").fetchall()[0]
        bounds = None
        if row[4] and row[4] >= 2:
            pad_x = max((row[2] - row[0]) * MARGIN, MIN_PAD)
            pad_y = max((row[3] - row[1]) * MARGIN, MIN_PAD)
            bounds = (row[0] - pad_x, row[1] - pad_y, row[2] + pad_x, row[3] + pad_y)
        return cls(chinese, bounds)

    def name_problem(self, name: str) -> str | None:
        """Why `name` cannot be a new unit of this county (a Phrase: Chinese str, English .text("en")), or None."""
        limit = NAME_MAX if _CJK.search(name) else NAME_MAX_LATIN
        if len(name) > limit:
            return Phrase("det_name_long", n=limit)
        if self.chinese and not _CJK.search(name):
            return Phrase("det_name_not_chinese")
        if not any(ch.isalpha() for ch in name):
            return Phrase("det_name_no_letters")
        return None

    def place_problem(self, lon: float | None, lat: float | None) -> str | None:
        """Why a unit centred at (lon, lat) is not in this county, or None (no coordinates: no check)."""
        if self.bounds is None or lon is None or lat is None or pd.isna(lon) or pd.isna(lat):
            return None
        x0, y0, x1, y1 = self.bounds
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return None
        return Phrase("det_outside", lon=f"{lon:.4f}", lat=f"{lat:.4f}", x0=f"{x0:.2f}", x1=f"{x1:.2f}", y0=f"{y0:.2f}",
                      y1=f"{y1:.2f}")
