"""What an upload found and did (Report, in Chinese), the error that stops one (IngestError), the import log.

Owns the report the page and the CLI show after a check and after a load, the outcome labels,
the latest ingest_log rows with Chinese or English headers, and the units new grids may be added under.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import i18n, schema
from gridboard.db import queries
from gridboard.ingest.messages import Refusal

OUTCOME_ZH = {"dry_run": "预检（未写入）", "loaded": "已导入", "partial": "部分导入", "unchanged": "无变化",
              "rejected": "未导入", "undone": "已撤销"}


class IngestError(Refusal):
    """The file as a whole cannot be imported (unreadable, unmappable, bad options), or a batch cannot
    be undone: a key of gridboard/core/strings/ingest_refusals.py and its values, or a Chinese text and
    its English `en` (gridboard.ingest.messages); `.text(lang)` in either language, str() Chinese."""


@dataclass
class Report:
    """What an upload found and (after commit) did. Counts are rows of the file."""

    table: str
    file_name: str
    sha256: str
    source: str = ""
    source_en: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    ignored_headers: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    rows_merged: int = 0
    rows_warned: int = 0
    rows_unassigned: int = 0
    rows_history: int = 0  # accepted cases still open after history_days: flagged as history unless live_history
    history_days: int = 0
    live_history: bool = False
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_units: list[dict[str, Any]] = field(default_factory=list)
    problem_summary: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Chinese; the first len(note_keys) come from note_keys
    note_keys: list[str] = field(default_factory=list)
    outcome: str = "dry_run"
    log_id: int | None = None
    data_version: int | None = None
    seconds: float = 0.0

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected - self.rows_merged

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_accepted": self.rows_accepted}

    def add_note(self, key: str) -> None:
        """A note of the report by its string key (gridboard/core/strings/ingest_messages.py)."""
        self.note_keys.append(key)
        self.notes.append(i18n.text(key, "zh"))

    def summary_lines(self, lang: str = "zh") -> list[str]:
        """The summary, one fact per line (CLI prints it, the page shows it), in Chinese or English."""
        def tr(key: str, **v: object) -> str:
            return i18n.text(key, lang, **v)

        t = schema.DATA_TABLES[self.table]
        lines = [
            tr("rep_file", file=self.file_name, source=self.source_en if lang == "en" and self.source_en else self.source,
               table=t.zh if lang == "zh" else self.table,
               code=self.table),
            tr("rep_read", read=self.rows_read, accepted=self.rows_accepted, rejected=self.rows_rejected)
            + (tr("rep_merged", n=self.rows_merged) if self.rows_merged else "")
            + (tr("rep_warned", n=self.rows_warned) if self.rows_warned else ""),
            tr("rep_changes", new=self.new, updated=self.updated, unchanged=self.unchanged),
        ]
        if self.rows_unassigned:
            lines.append(tr("rep_unassigned", n=self.rows_unassigned))
        if self.rows_history:
            lines.append(tr("rep_history_live" if self.live_history else "rep_history", days=self.history_days,
                            n=self.rows_history))
        if self.new_units:
            names = ("、" if lang == "zh" else ", ").join(u["name"] for u in self.new_units[:8])
            more = tr("rep_more", n=len(self.new_units)) if len(self.new_units) > 8 else ""
            lines.append(tr("rep_new_units", n=len(self.new_units), names=names, more=more))
        for p in self.problem_summary[:12]:
            message = p["message"] if lang == "zh" else tr(f"prob_{p['code']}")
            column = p["column"] if lang == "zh" else p.get("col", p["column"])
            lines.append(tr("rep_problem", sev=tr(f"prob_sev_{p['severity']}"), column=column, message=message,
                            rows=p["rows"], first=p["first_row"]))
        keyed = {i18n.text(k, "zh") for k in self.note_keys}
        lines.extend(tr(k) for k in self.note_keys)
        lines.extend(n for n in self.notes if n not in keyed)  # notes added without a key (Chinese only)
        lines.append(tr("rep_outcome", outcome=tr(f"rep_outcome_{self.outcome}"))
                     + (tr("rep_logged", log_id=self.log_id, version=self.data_version) if self.log_id else ""))
        return lines

    def describe(self) -> str:
        return "\n".join(self.summary_lines())


# --- the import log and the page's choices ------------------------------------------------------

PARENT_LEVELS = ("county", "town", "community", "village")


def history(con: duckdb.DuckDBPyConnection, limit: int = 20, lang: str = "zh") -> pd.DataFrame:
    """The latest ingest_log rows, newest first, with headers and labels in `lang` ("zh" or "en")."""
    df = queries.frame(con, queries.text("ingest_history"), {"n": int(limit)})
    if lang == "en":
        df["table_name"] = df["table_name"].map(
            lambda t: i18n.text(f"imp_tbl_{t}", "en") if t in schema.DATA_TABLES else t)
        df["outcome"] = df["outcome"].map(lambda o: i18n.text(f"rep_outcome_{o}", "en") if o in OUTCOME_ZH else o)
    else:
        df["table_name"] = df["table_name"].map(lambda t: schema.DATA_TABLES[t].zh if t in schema.DATA_TABLES else t)
        df["outcome"] = df["outcome"].map(lambda o: OUTCOME_ZH.get(o, o))
    df = df.drop(columns=["sha256"])
    return df.rename(columns={c.name: i18n.text(f"log_{c.name}", lang) for c in schema.INGEST_LOG.columns
                              if c.name != "sha256"})


def parent_choices(con: duckdb.DuckDBPyConnection, with_county: bool = False) -> list[tuple[str, str]]:
    """(unit_id, "县 / 镇街 / 社区") of the units new grids may go under, in tree order: towns and
    communities/villages (the county root only while it has no towns: gridboard.ingest.newunits;
    `with_county`: always, for naming a parent)."""
    rows = queries.run(con, queries.text("ingest_parents"), {"levels": list(PARENT_LEVELS)}).fetchall()
    counties = {r[0] for r in con.execute("SELECT unit_id FROM units WHERE level = 'county'").fetchall()}
    if len(rows) > len(counties) and not with_county:
        rows = [r for r in rows if r[0] not in counties]
    return [(r[0], r[1]) for r in rows]
