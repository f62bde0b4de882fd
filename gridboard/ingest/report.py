"""What an upload found and did (Report, in Chinese), the error that stops one (IngestError), the import log.

Owns the report the page and the CLI show after a check and after a load, the outcome labels,
the latest ingest_log rows with Chinese headers, and the units new grids may be added under.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import schema
from gridboard.db import queries
from gridboard.ingest import checks

OUTCOME_ZH = {"dry_run": "预检（未写入）", "loaded": "已导入", "partial": "部分导入", "unchanged": "无变化",
              "rejected": "未导入"}


class IngestError(Exception):
    """The file as a whole cannot be imported (unreadable, unmappable, bad options); Chinese text."""


@dataclass
class Report:
    """What an upload found and (after commit) did. Counts are rows of the file."""

    table: str
    file_name: str
    sha256: str
    source: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    ignored_headers: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    rows_merged: int = 0
    rows_warned: int = 0
    rows_unassigned: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_units: list[dict[str, Any]] = field(default_factory=list)
    problem_summary: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outcome: str = "dry_run"
    log_id: int | None = None
    data_version: int | None = None
    seconds: float = 0.0

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected - self.rows_merged

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_accepted": self.rows_accepted}

    def summary_lines(self) -> list[str]:
        """The summary in Chinese, one fact per line (CLI prints it, the page shows it)."""
        t = schema.DATA_TABLES[self.table]
        lines = [
            f"文件：{self.file_name}（{self.source}）→ 数据表：{t.zh}（{self.table}）",
            f"读取 {self.rows_read} 行：接受 {self.rows_accepted} 行，拒绝 {self.rows_rejected} 行"
            + (f"，重复合并 {self.rows_merged} 行" if self.rows_merged else "")
            + (f"，带警告 {self.rows_warned} 行" if self.rows_warned else ""),
            f"变更：新增 {self.new} 行，更新 {self.updated} 行，无变化 {self.unchanged} 行",
        ]
        if self.rows_unassigned:
            lines.append(f"无位置信息、归入“未划分”网格：{self.rows_unassigned} 行")
        if self.new_units:
            names = "、".join(u["name"] for u in self.new_units[:8])
            more = f" 等 {len(self.new_units)} 个" if len(self.new_units) > 8 else ""
            lines.append(f"新建单位 {len(self.new_units)} 个：{names}{more}")
        for p in self.problem_summary[:12]:
            sev = checks.SEVERITY_ZH[p["severity"]]
            lines.append(f"  [{sev}] {p['column']}：{p['message']} — {p['rows']} 行（首见第 {p['first_row']} 行）")
        lines.extend(self.notes)
        lines.append(f"结果：{OUTCOME_ZH[self.outcome]}"
                     + (f"（导入记录 #{self.log_id}，数据版本 {self.data_version}）" if self.log_id else ""))
        return lines

    def describe(self) -> str:
        return "\n".join(self.summary_lines())


# --- the import log and the page's choices ------------------------------------------------------

PARENT_LEVELS = ("county", "town", "community", "village")


def history(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The latest ingest_log rows, newest first, with Chinese headers and labels."""
    df = queries.frame(con, queries.text("ingest_history"), {"n": int(limit)})
    df["table_name"] = df["table_name"].map(lambda t: schema.DATA_TABLES[t].zh if t in schema.DATA_TABLES else t)
    df["outcome"] = df["outcome"].map(lambda o: OUTCOME_ZH.get(o, o))
    df = df.drop(columns=["sha256"])
    return df.rename(columns={c.name: c.zh for c in schema.INGEST_LOG.columns})


def parent_choices(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(unit_id, "县 / 镇街 / 社区") of the units new grids may go under, in tree order."""
    rows = queries.run(con, queries.text("ingest_parents"), {"levels": list(PARENT_LEVELS)}).fetchall()
    return [(r[0], r[1]) for r in rows]
